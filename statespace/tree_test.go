package statespace

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mcheck/mcheck/model"
)

// TestTreesAreExact explores every shipped and regression model (a few
// thousand configurations each, under every strategy) keeping each
// configuration's full encoding beside its key, with the threads' part
// in chunks of 4, 3, 1 and 32 threads, and with pairs of ids inline up to
// 15 bits, 3 bits (small models then mix inline and stored pairs) and
// none: a key is the configuration's key iff the encodings
// are equal, and decoding a key gives back the configuration (so no part
// shared through the tables was changed in place).
func TestTreesAreExact(t *testing.T) {
	files, _ := filepath.Glob("../models/*.dsu")
	more, _ := filepath.Glob("testdata/regress/*.dsu")
	files = append(files, more...)
	if len(files) < 10 {
		t.Fatalf("only %d models", len(files))
	}
	defer func(n, b int) { chunkThreads, inlinePairBits = n, b }(chunkThreads, inlinePairBits)
	for i, chunk := range []int{4, 1, 3, 32, 4, 1} {
		chunkThreads = chunk
		inlinePairBits = []int{15, 15, 3, 15, 0, 3}[i]
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(f, src)
			if err != nil {
				t.Fatal(err)
			}
			var u *model.Update
			if len(m.Updates) > 0 {
				u = m.Updates[0]
			}
			p, err := Compile(m, u)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range StrategyNames() {
				st, _ := StrategyNamed(name)
				treesExact(t, f+"/"+name, &Semantics{P: p, Strategy: st, QueueBound: 3}, 3000)
			}
		}
	}
}

func treesExact(t *testing.T, name string, sem *Semantics, limit int) {
	t.Helper()
	tr := newTrees(sem.P)
	defer tr.close()
	init, _ := sem.Initial()
	enc := map[uint64]string{}   // key -> encoding
	keyOf := map[string]uint64{} // encoding -> key
	see := func(k uint64, c *Config) bool {
		e := string(sem.P.Encode(nil, c))
		if old, ok := enc[k]; ok {
			if old != e {
				t.Fatalf("%s: two configurations share key %x", name, k)
			}
			return false
		}
		if k2, ok := keyOf[e]; ok && k2 != k {
			t.Fatalf("%s: one configuration has keys %x and %x", name, k, k2)
		}
		enc[k], keyOf[e] = e, k
		return true
	}
	k, err := tr.key(&cursor{}, init)
	if err != nil {
		t.Fatal(err)
	}
	see(k, init)
	queue := []uint64{k}
	var cur cursor
	var a Arena
	for len(queue) > 0 && len(enc) < limit {
		k := queue[0]
		queue = queue[1:]
		a.Reset()
		c := tr.decode(k, &a, &cur)
		if got := string(sem.P.Encode(nil, c)); got != enc[k] {
			t.Fatalf("%s: key %x decodes to another configuration", name, k)
		}
		succs, _ := sem.Successors(c)
		for i := range succs {
			nk, err := tr.key(&cur, succs[i].Next)
			if err != nil {
				t.Fatal(err)
			}
			if see(nk, succs[i].Next) {
				queue = append(queue, nk)
			}
		}
		tr.quiesce()
	}
}

// TestForgettingRemapsSentEndpoints: an endpoint sent as a value (possible
// with linearity off) names its session; when an earlier session is
// forgotten, the value in the message is renumbered with the sessions, and
// a session with an endpoint on its way is not forgotten.
func TestForgettingRemapsSentEndpoints(t *testing.T) {
	p := &Program{Threads: []*ThreadCode{{}, {}}}
	done := &Thread{Status: Done}
	c := &Config{
		Threads: []*Thread{done, done},
		Insts: []*Instance{
			{Service: 0, Ends: []End{{Role: 0, Holder: 0, Done: true}, {Role: 1, Holder: 1, Done: true}}},
			{Service: 1, Ends: []End{{Role: 0, Holder: 0, Done: true}, {Role: 1, Holder: 1, Done: true}}},
			{Service: 2, Ends: []End{{Role: 2, Holder: 0}, {Role: 3, Holder: 1}}},
		},
		// Session 2's channel carries an endpoint of session 1.
		Queue: []*Channel{{Inst: 2, From: 2, To: 3, Msgs: []Msg{{Label: -1, Val: endpointVal(1, 0)}}}},
	}
	p.canonicalize(c, canonOpts{})
	// Session 0 is forgotten; session 1 is kept (its endpoint is in a
	// message) and becomes 0; session 2 becomes 1.
	if len(c.Insts) != 2 || c.Insts[0].Service != 1 || c.Insts[1].Service != 2 {
		t.Fatalf("sessions after forgetting: %d", len(c.Insts))
	}
	ch := c.Queue[0]
	if inst, role := ch.Msgs[0].Val.Endpoint(); ch.Inst != 1 || inst != 0 || role != 0 {
		t.Fatalf("channel of session %d carries an endpoint of session %d, want 1 and 0", ch.Inst, inst)
	}
}
