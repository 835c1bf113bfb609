package statespace

import (
	"testing"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/store"
)

// TestLiveKeys: over the whole state space of prodcons K=2 at capacity 3
// (every step followed, violating or not: 17769 configurations), ids are
// dense and in order, a configuration added again (as a successor of
// another parent, or with no parent) gets its id back, distinct
// configurations get distinct ids (their encodings differ), and decoding
// an id gives back the configuration (its encoding), through the table's
// growth.
func TestLiveKeys(t *testing.T) {
	src, err := family.Generate("prodcons", 2)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load("prodcons-2.dsu", src)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(m, m.Updates[0])
	if err != nil {
		t.Fatal(err)
	}
	st, _ := StrategyNamed("uncoordinated")
	sem := &Semantics{P: p, Strategy: st, QueueBound: 3}
	// The smallest budget: the id -> key column goes to disk and back.
	pg, err := store.NewPager(store.SpillOptions{Dir: t.TempDir(), MemBudget: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	s := newLiveKeys(p, pg)
	defer s.close()
	// add keys c relative to the configuration last decoded, as a
	// liveness worker does with its cursor, and inserts the key.
	add := func(c *Config) (uint32, bool, error) {
		k, err := s.trees.key(&s.cur, c)
		if err != nil {
			return 0, false, err
		}
		return s.insert(k)
	}
	init, _ := sem.Initial()
	encs := map[string]uint32{}
	if id, isNew, err := add(init); err != nil || !isNew || id != 0 {
		t.Fatalf("initial: %d %v %v", id, isNew, err)
	}
	encs[string(p.Encode(nil, init))] = 0
	var a Arena
	for id := uint32(0); int(id) < s.len(); id++ {
		a.Reset()
		c := s.decode(id, &a)
		enc := string(p.Encode(nil, c))
		if want, ok := encs[enc]; !ok || want != id {
			t.Fatalf("id %d decodes to the configuration of id %d (%v)", id, want, ok)
		}
		succs, _ := sem.Successors(c)
		for i := range succs {
			next := succs[i].Next
			got, isNew, err := add(next)
			if err != nil {
				t.Fatal(err)
			}
			e := string(p.Encode(nil, next))
			want, seen := encs[e]
			switch {
			case seen && (isNew || got != want):
				t.Fatalf("a configuration seen as id %d came back as %d (new %v)", want, got, isNew)
			case !seen && (!isNew || int(got) != len(encs)):
				t.Fatalf("a new configuration got id %d (new %v), want %d", got, isNew, len(encs))
			case !seen:
				encs[e] = got
			}
		}
		s.quiesce()
	}
	if s.len() != len(encs) || s.len() < 1000 || len(s.slots) <= 1<<10 {
		t.Fatalf("%d ids, %d configurations, %d slots", s.len(), len(encs), len(s.slots))
	}
	if reads, writes := pg.IO(); reads == 0 || writes == 0 || pg.Err() != nil {
		t.Fatalf("the id -> key column did not go to disk and back (%d pages read, %d written, %v)", reads, writes, pg.Err())
	}
	// With no parent: the same ids.
	for e, id := range encs {
		c, err := p.Decode([]byte(e), &a)
		if err != nil {
			t.Fatal(err)
		}
		s.cur = cursor{}
		if got, isNew, err := add(c); err != nil || isNew || got != id {
			t.Fatalf("without a parent: id %d (new %v, %v), want %d", got, isNew, err, id)
		}
	}
}
