package statespace_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
)

// A want line in a regression model's header states a hand-derived verdict:
//
//	# want STRATEGIES [--queue-bound N] [--update-at W] [--skip P,...]: VERDICT [depth D] [states S] [transitions T] [mixed M] [capacity C lost L]
//
// STRATEGIES is "all" or a comma-separated list; VERDICT is "ok" (an
// exhaustive search without violation) or the violated property; D, when
// given, is the length of the shortest run to the violation; S, the number
// of configurations stored (without reduction), T the transitions and M
// the steps that mix runs (Result.Transitions, MixedRuns: of a search
// stopped at a violation, those of the configurations before the first
// violating one met, and M the violating step too); C and L,
// the capacity-reached configurations and those of them whose queue holds
// messages no thread can ever receive (Result.CapacityStuck, CapacityLost).
// The verdict
// is the safety search's: the liveness half of update completion is
// judged by the liveness tests (testdata/liveness, "# live" lines).
type want struct {
	line       int
	strategies []string
	bound      int
	updateAt   string
	skip       []string
	verdict    string
	depth      int   // -1: not stated
	states     int64 // -1: not stated
	trans      int64 // -1: not stated
	mixed      int64 // -1: not stated
	capacity   int64 // -1: not stated (with lost)
	lost       int64
}

var wantRx = regexp.MustCompile(`^#\s*want\s+(\S+)((?:\s+--[a-z-]+\s+\S+)*)\s*:\s*([a-z-]+)(?:\s+depth\s+(\d+))?(?:\s+states\s+(\d+))?(?:\s+transitions\s+(\d+))?(?:\s+mixed\s+(\d+))?(?:\s+capacity\s+(\d+)\s+lost\s+(\d+))?\s*$`)

func parseWants(t testing.TB, path string) []want {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []want
	for i, line := range strings.Split(string(src), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "# want") {
			continue
		}
		m := wantRx.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			t.Fatalf("%s:%d: malformed want line %q", path, i+1, line)
		}
		w := want{line: i + 1, bound: 8, updateAt: "any", verdict: m[3], depth: -1, states: -1, trans: -1, mixed: -1, capacity: -1}
		if m[1] == "all" {
			w.strategies = statespace.StrategyNames()
		} else {
			w.strategies = strings.Split(m[1], ",")
		}
		f := strings.Fields(m[2])
		for k := 0; k+1 < len(f); k += 2 {
			switch f[k] {
			case "--queue-bound":
				w.bound, err = strconv.Atoi(f[k+1])
			case "--update-at":
				w.updateAt = f[k+1]
			case "--skip":
				w.skip = strings.Split(f[k+1], ",")
			default:
				err = fmt.Errorf("unknown flag %s", f[k])
			}
			if err != nil {
				t.Fatalf("%s:%d: %v", path, i+1, err)
			}
		}
		if m[4] != "" {
			w.depth, _ = strconv.Atoi(m[4])
		}
		if m[5] != "" {
			w.states, _ = strconv.ParseInt(m[5], 10, 64)
		}
		if m[6] != "" {
			w.trans, _ = strconv.ParseInt(m[6], 10, 64)
		}
		if m[7] != "" {
			w.mixed, _ = strconv.ParseInt(m[7], 10, 64)
		}
		if m[8] != "" {
			w.capacity, _ = strconv.ParseInt(m[8], 10, 64)
			w.lost, _ = strconv.ParseInt(m[9], 10, 64)
		}
		out = append(out, w)
	}
	return out
}

// TestRegressions checks every model under testdata/regress against the
// verdicts its header derives by hand. Each is a bug that was fixed: the
// model failed before the fix.
func TestRegressions(t *testing.T) {
	files, _ := filepath.Glob("testdata/regress/*.dsu")
	if len(files) == 0 {
		t.Fatal("no regression models")
	}
	for _, f := range files {
		wants := parseWants(t, f)
		if len(wants) == 0 {
			t.Errorf("%s: no want lines", f)
			continue
		}
		m := loadFile(t, f)
		for _, w := range wants {
			for _, strategy := range w.strategies {
				name := fmt.Sprintf("%s:%d/%s", filepath.Base(f), w.line, strategy)
				t.Run(name, func(t *testing.T) {
					sem := semantics(t, m, strategy, w.bound)
					at, err := statespace.ParseUpdateAt(w.updateAt)
					if err != nil {
						t.Fatal(err)
					}
					sem.UpdateAt = at
					checker, err := properties.Without(w.skip)
					if err != nil {
						t.Fatal(err)
					}
					res := explore(t, sem, exploreOpts{checker: checker, maxStates: 200_000})
					got := "ok"
					if res.Violation != nil {
						got = res.Violation.Property
					}
					detail := ""
					if v := res.Violation; v != nil {
						detail = fmt.Sprintf(" (%s: %s; expected %s; found %s; depth %d)", v.Rule, v.Action, v.Expected, v.Found, len(v.Trace))
					}
					if got != w.verdict {
						t.Fatalf("verdict %s, want %s%s", got, w.verdict, detail)
					}
					if got == "ok" && !res.Exhaustive {
						t.Fatalf("ok but not exhaustive (%d states, depth %d)", res.States, res.Depth)
					}
					if w.depth >= 0 && res.Violation != nil && len(res.Violation.Trace) != w.depth {
						t.Fatalf("violation at depth %d, want %d%s", len(res.Violation.Trace), w.depth, detail)
					}
					if w.states >= 0 && res.States != w.states {
						t.Fatalf("%d configurations, want %d", res.States, w.states)
					}
					if w.trans >= 0 && res.Transitions != w.trans {
						t.Fatalf("%d transitions, want %d", res.Transitions, w.trans)
					}
					if w.mixed >= 0 && res.MixedRuns != w.mixed {
						t.Fatalf("%d steps mixing runs, want %d", res.MixedRuns, w.mixed)
					}
					if w.capacity >= 0 && (res.CapacityStuck != w.capacity || res.CapacityLost != w.lost) {
						t.Fatalf("capacity reached in %d configurations, %d with messages no one can receive; want %d and %d",
							res.CapacityStuck, res.CapacityLost, w.capacity, w.lost)
					}
				})
			}
		}
	}
}
