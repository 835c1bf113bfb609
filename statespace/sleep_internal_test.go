package statespace

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/randmodel"
)

// TestStepCount: for every thread of every configuration of a breadth-first
// walk (up to 1,500 configurations a model and strategy), sleepFacts and
// porEligible agree on eligibility, and stepCount, when it can tell, says
// how many steps successors generates for the thread,
// and reports a blocked send as the generated ones do; every step
// mayRenumber clears keeps its session's run fields (runFieldsKept), and
// every pair of threads the commuting rule lets sleep makes a diamond
// (checkDiamonds); on the shipped models, the regression models and random
// ones, under every strategy, at a small capacity (so that sends block).
func TestStepCount(t *testing.T) {
	srcs := map[string][]byte{}
	files, _ := filepath.Glob("../models/*.dsu")
	more, _ := filepath.Glob("testdata/regress/*.dsu")
	for _, f := range append(files, more...) {
		srcs[f] = nil
	}
	for seed := uint64(1); seed <= 40; seed++ {
		srcs[fmt.Sprintf("random-%d.dsu", seed+9000)] = []byte(randmodel.Generate(seed+9000, randmodel.Config{}))
	}
	counted, kept, diamonds := 0, 0, 0
	for name, src := range srcs {
		if src == nil {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			src = b
		}
		m, err := model.Load(name, src)
		if err != nil {
			continue // an error model: the explorer never sees it
		}
		var u *model.Update
		if len(m.Updates) > 0 {
			u = m.Updates[0]
		}
		p, err := Compile(m, u)
		if err != nil {
			continue
		}
		for _, strat := range []Strategy{Uncoordinated{}, StopTheWorld{}, MaxPlus1{}} {
			s := &Semantics{P: p, Strategy: strat, QueueBound: 2}
			init, _ := s.Initial()
			seen := map[string]bool{string(p.Encode(nil, init)): true}
			queue := []*Config{init}
			for len(queue) > 0 && len(seen) < 1500 {
				c := queue[0]
				queue = queue[1:]
				succs, info := s.Successors(c)
				steps := make([]int, len(c.Threads))
				for _, st := range succs {
					if st.Action.Thread >= 0 {
						steps[st.Action.Thread]++
					}
				}
				for th := range c.Threads {
					kind, elig, _, _ := s.sleepFacts(c, th)
					if elig != s.porEligible(c, th) {
						t.Fatalf("%s/%T: thread %d: sleepFacts says eligible %v, porEligible %v", name, strat, th, elig, s.porEligible(c, th))
					}
					if !kind {
						continue
					}
					f := &c.Threads[th].Frames[len(c.Threads[th].Frames)-1]
					var ci StepInfo
					k := s.stepCount(c, th, &p.Codes[f.Code].Instrs[f.PC], &ci)
					if k < 0 {
						continue
					}
					counted++
					if k != steps[th] {
						t.Fatalf("%s/%T: thread %d: stepCount %d, successors %d\n%s", name, strat, th, k, steps[th], p.Describe(c))
					}
					if ci.CapacityBlocked && !info.CapacityBlocked {
						t.Fatalf("%s/%T: thread %d: stepCount says the capacity blocks it, successors not", name, strat, th)
					}
				}
				for _, st := range succs {
					if runFieldsKept(t, s, c, &st) {
						kept++
					}
				}
				diamonds += checkDiamonds(t, name, s, c, succs)
				for _, st := range succs {
					if k := string(p.Encode(nil, st.Next)); !seen[k] {
						seen[k] = true
						queue = append(queue, st.Next)
					}
				}
			}
		}
	}
	if counted < 10000 || kept < 1000 || diamonds < 10000 {
		t.Fatalf("only %d threads counted, %d steps held to mayRenumber and %d diamonds closed: the test lost its subjects", counted, kept, diamonds)
	}
}

// checkDiamonds holds the sleep sets' commuting rule to the semantics at c
// (succs: its successors): for threads p and u whose steps at c have no
// fault, where the rule lets p sleep after u's steps (sleeper.commuting),
// p's steps after each of u's have no fault, are as many as at c, and
// reach only configurations that u's steps reach after p's: what sleeping
// leaves out, the search finds the other way round (sleep.go). It returns
// the number of diamonds closed.
func checkDiamonds(t *testing.T, name string, s *Semantics, c *Config, succs []Succ) int {
	t.Helper()
	if len(c.Threads) > 64 {
		return 0
	}
	var z sleeper
	z.start(s, c, 0)
	if !z.on {
		return 0
	}
	steps := make([][]*Succ, len(c.Threads))
	clean := make([]bool, len(c.Threads))
	for i := range clean {
		clean[i] = true
	}
	for i := range succs {
		st := &succs[i]
		if u := st.Action.Thread; u >= 0 && st.Action.Kind != ActSpin {
			steps[u] = append(steps[u], st)
			clean[u] = clean[u] && st.Fault == nil
		}
	}
	// the successors of a successor of c made by thread q's steps (each
	// successor's made once: every pair of threads reads them)
	made := map[*Config][]Succ{}
	after := func(n *Config, q int) []Succ {
		all, ok := made[n]
		if !ok {
			all, _ = s.Successors(n)
			made[n] = all
		}
		var out []Succ
		for _, x := range all {
			if x.Action.Thread == q && x.Action.Kind != ActSpin {
				out = append(out, x)
			}
		}
		return out
	}
	closed := 0
	for u := range c.Threads {
		if len(steps[u]) == 0 || !clean[u] {
			continue
		}
		z.learn(s, c, u)
		for p := range c.Threads {
			if p == u || len(steps[p]) == 0 || !clean[p] {
				continue
			}
			z.learn(s, c, p)
			if z.kinds&(1<<p) == 0 || z.commuting(u, 1<<p) == 0 {
				continue
			}
			other := map[string]bool{} // u's steps after p's
			for _, a := range steps[p] {
				for _, y := range after(a.Next, u) {
					other[string(s.P.Encode(nil, y.Next))] = true
				}
			}
			for _, b := range steps[u] {
				got := after(b.Next, p)
				if len(got) != len(steps[p]) {
					t.Fatalf("%s: thread %d sleeps after %s, but has %d steps there and %d before\n%s", name, p, s.P.DescribeAction(c, b), len(got), len(steps[p]), s.P.Describe(c))
				}
				for _, x := range got {
					if x.Fault != nil {
						t.Fatalf("%s: thread %d sleeps after %s, where its step %s has a fault\n%s", name, p, s.P.DescribeAction(c, b), s.P.DescribeAction(b.Next, &x), s.P.Describe(c))
					}
					if !other[string(s.P.Encode(nil, x.Next))] {
						t.Fatalf("%s: thread %d sleeps after %s, but its step %s there reaches a configuration its steps first do not\n%s", name, p, s.P.DescribeAction(c, b), s.P.DescribeAction(b.Next, &x), s.P.Describe(c))
					}
				}
				closed++
			}
		}
	}
	return closed
}

// runFieldsKept holds mayRenumber to the semantics: a step without a fault
// of a send, select, receive or case on a moved service's session that it
// says renumbers nothing leaves every run field of the session as
// normalising it leaves them (in the successor's canonical form). It
// reports whether the step was such a one.
func runFieldsKept(t *testing.T, s *Semantics, c *Config, st *Succ) bool {
	t.Helper()
	th := st.Action.Thread
	if th < 0 || st.Fault != nil || s.P.Update == nil {
		return false
	}
	f := &c.Threads[th].Frames[len(c.Threads[th].Frames)-1]
	in := &s.P.Codes[f.Code].Instrs[f.PC]
	var ev Value
	switch in.Op {
	case ISend:
		ev = f.Stack[len(f.Stack)-2]
	case ISelect, IRecv, ICase:
		ev = f.Stack[len(f.Stack)-1]
	default:
		return false
	}
	if ev.K != VEndpoint {
		return false
	}
	inst, _ := ev.Endpoint()
	if inst == DeadInstance || !s.P.Services[c.Insts[inst].Service].Moved || s.mayRenumber(c, th, in, ev) {
		return false
	}
	// The parent's session is in canonical form, whichever step made it
	// last (the introduction normalises what it changes: update.go), so
	// the step must leave its run fields as they are.
	old := c.Insts[inst]
	var now *Instance
	for _, x := range st.Next.Insts {
		if x.Serial == old.Serial && x.Service == old.Service {
			if now != nil {
				return false // serials do not tell them apart
			}
			now = x
		}
	}
	if now == nil {
		return false // finished (its last message taken, no role left to act): forgotten
	}
	same := now.N == old.N && now.RunTail == old.RunTail && now.RunBase == old.RunBase &&
		string(now.RunVer) == string(old.RunVer) && len(now.Ends) == len(old.Ends)
	for k := range old.Ends {
		a, b := old.Ends[k], now.Ends[k]
		same = same && a.Role == b.Role && a.Run == b.Run && a.Started == b.Started && a.Done == b.Done &&
			a.Ver == b.Ver && a.NextVer == b.NextVer && a.Untracked == b.Untracked
	}
	if !same {
		t.Fatalf("mayRenumber says no run field changes, but the step changes them:\n%s\nbefore %+v\nafter  %+v", s.P.Describe(c), *old, *now)
	}
	return true
}

// lossySet stands for a bitstate set: content-keyed.
type lossySet struct{}

func (lossySet) Insert(fps []uint64, isNew []bool) error { return nil }
func (lossySet) Len() int64                              { return 0 }
func (lossySet) Close() error                            { return nil }
func (lossySet) ContentKeys() bool                       { return true }

// exactSet stands for an exact set.
type exactSet struct{ lossySet }

func (exactSet) ContentKeys() bool { return false }

// TestSleepSetsWhere: sleep sets are on for a plain search with an exact
// visited set, and off where they could change more than the work.
func TestSleepSetsWhere(t *testing.T) {
	p, err := Compile(&model.Model{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain := &Semantics{P: p, Strategy: MaxPlus1{}, QueueBound: 2}
	for _, c := range []struct {
		name string
		sem  *Semantics
		opt  Options
		on   bool
	}{
		{"plain", plain, Options{Visited: exactSet{}, Workers: 1}, true},
		{"bitstate", plain, Options{Visited: lossySet{}, Workers: 1}, false},
		{"por", plain, Options{Visited: exactSet{}, Workers: 1, POR: true}, false},
		{"coverage", plain, Options{Visited: exactSet{}, Workers: 1, Coverage: true}, false},
		{"symmetry", &Semantics{P: p, Strategy: MaxPlus1{}, Sym: &Symmetry{}}, Options{Visited: exactSet{}, Workers: 1}, false},
		{"raw", &Semantics{P: p, Strategy: MaxPlus1{}, Raw: true}, Options{Visited: exactSet{}, Workers: 1}, false},
	} {
		if on := newSearch(c.sem, c.opt).sleeps != nil; on != c.on {
			t.Errorf("%s: sleep sets on: %v, want %v", c.name, on, c.on)
		}
	}
}
