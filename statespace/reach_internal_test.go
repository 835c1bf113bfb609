package statespace

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/randmodel"
)

// TestReachMemoAgrees: the reach memo (Semantics.reachOf) gives what
// ReachOf computes, for every running thread of every configuration of a
// breadth-first walk, on a ring (every thread joins the moved service), the
// shipped models and random ones; and it is used (it hits).
func TestReachMemoAgrees(t *testing.T) {
	srcs := map[string]string{}
	ring, err := family.Generate("ring", 3)
	if err != nil {
		t.Fatal(err)
	}
	srcs["ring-3"] = string(ring)
	for seed := uint64(1); seed <= 40; seed++ {
		srcs[fmt.Sprintf("random-%d", seed)] = randmodel.Generate(seed, randmodel.Config{})
	}
	hits := 0
	for name, src := range srcs {
		m, err := model.Load(name+".dsu", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range m.Updates {
			p, err := Compile(m, u)
			if err != nil {
				t.Fatal(err)
			}
			s := &Semantics{P: p, Strategy: MaxPlus1{}, QueueBound: 4}
			a := &Arena{}
			init, _ := s.Initial()
			seen := map[string]bool{string(p.Encode(nil, init)): true}
			queue := []*Config{init}
			for len(queue) > 0 && len(seen) < 2000 {
				c := queue[0]
				queue = queue[1:]
				in := *c
				in.arena = a
				for th := range c.Threads {
					before := len(a.reach.entries())
					got := s.reachOf(&in, &in, th)
					if len(a.reach.entries()) == before && c.Threads[th].Status == Running {
						hits++
					}
					if want := p.reachAll(c, th); !reflect.DeepEqual(*got, want) {
						t.Fatalf("%s/%s: thread %d: the memo's reach %+v, reachAll %+v", name, u.Name, th, *got, want)
					}
				}
				succs, _ := s.Successors(c)
				for _, st := range succs {
					if k := string(p.Encode(nil, st.Next)); !seen[k] {
						seen[k] = true
						queue = append(queue, st.Next)
					}
				}
			}
		}
	}
	if hits == 0 {
		t.Error("the reach memo never hit")
	}
}
