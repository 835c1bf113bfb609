package statespace

import (
	"strings"
	"testing"
)

// TestRunOfForgottenEnds: an endpoint whose runs the canonical form
// forgets (ended, or not followed after a fault) shows no run, in the
// text and in the page's snapshot; a live one of a moved service does.
// (A tester saw an ended role's "run 2" become "run 1" with no step of
// its own.)
//
// With --update-at never the search counts no runs at all (the canonical
// form forgets them), so no endpoint shows one (a tester saw "run 1"
// all along three runs in mcheck step).
func TestRunOfForgottenEnds(t *testing.T) {
	sem := internalSemantics(t, "testdata/run-of-ended-endpoint.dsu", "max+1")
	never := *sem
	never.UpdateAt = UpdateAt{Mode: AtNever}
	c, _ := sem.Initial()
	sawLive, sawDone := false, false
	// Follow the only run without the update: start, two sends, two
	// receives (the introduction is a configuration's last successor).
	for range 8 {
		succs, _ := sem.Successors(c)
		if len(succs) == 0 || succs[0].Action.Kind == ActIntroduce {
			break
		}
		c = succs[0].Next
		for _, v := range never.SnapshotOf(c).Endpoints {
			if !v.RunNotCounted || v.Run != 0 {
				t.Errorf("--update-at never: an endpoint shown with a run: %+v", v)
			}
		}
		if text := never.Describe(c); strings.Contains(text, ", run ") {
			t.Errorf("--update-at never: an endpoint shown with a run:\n%s", text)
		}
		text := sem.Describe(c)
		snap := sem.SnapshotOf(c)
		for _, in := range c.Insts {
			for k, e := range in.Ends {
				name := "s#1." + sem.P.Roles[e.Role]
				var line string
				for l := range strings.SplitSeq(text, "\n") {
					if strings.HasPrefix(l, name+" ") {
						line = l
					}
				}
				v := snap.Endpoints[k]
				shown := strings.Contains(line, ", run ")
				if e.Done || e.Untracked {
					sawDone = true
					if shown || !v.RunNotCounted || v.Run != 0 {
						t.Errorf("ended endpoint shown with a run: %q, snapshot run %d (not counted %v)", line, v.Run, v.RunNotCounted)
					}
				} else {
					sawLive = true
					if !shown || v.RunNotCounted || v.Run < 1 {
						t.Errorf("live endpoint of a moved service without its run: %q, snapshot %+v", line, v)
					}
				}
			}
		}
	}
	if !sawLive || !sawDone {
		t.Fatalf("the walk met a live endpoint: %v, an ended one: %v", sawLive, sawDone)
	}
}
