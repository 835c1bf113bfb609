package benches

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlotSaysWhatIsMissing: a strategy none of whose runs was measured is
// named in the legend, and a plot with nothing measured says so in its
// title (found by a tester: a sweep whose runs all timed out drew an empty
// chart with no word).
func TestPlotSaysWhatIsMissing(t *testing.T) {
	for _, c := range []struct {
		name string
		rows []Row
		want string
	}{
		{"one strategy unmeasured", []Row{
			{Param: 2, Strategy: "max+1", Verdict: VerdictOK, Exhaustive: true, Measured: true, States: 100},
			{Param: 2, Strategy: "stop-the-world", Verdict: VerdictTimeout},
		}, "stop-the-world: no run measured (see the CSV)"},
		{"nothing measured", []Row{
			{Param: 2, Strategy: "max+1", Verdict: VerdictTimeout},
		}, "no run was measured (each timed out or failed): see the CSV"},
	} {
		dir := t.TempDir()
		if err := writePlots(dir, "ring", 8, "", c.rows); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		svg, err := os.ReadFile(filepath.Join(dir, "ring.svg"))
		if err != nil || !strings.Contains(string(svg), c.want) {
			t.Errorf("%s: the plot does not say %q (%v)", c.name, c.want, err)
		}
	}
}

// TestPlotOnePointHasScale: a plot of one point (or of points within a
// decade) has a number on its y axis: the log scale labels powers of ten,
// and the axis now reaches down to one (a tester: one point, no number).
func TestPlotOnePointHasScale(t *testing.T) {
	for _, states := range []int64{36, 100, 4_073, 999_999} {
		dir := t.TempDir()
		rows := []Row{{Param: 7, Strategy: "max+1", Verdict: VerdictOK, Exhaustive: true, Measured: true, States: states}}
		if err := writePlots(dir, "prodcons", 8, "", rows); err != nil {
			t.Fatal(err)
		}
		svg, err := os.ReadFile(filepath.Join(dir, "prodcons.svg"))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range []string{">1<", ">10<", ">100<", ">1,000<", ">10,000<", ">100,000<", ">1,000,000<"} {
			found = found || strings.Contains(string(svg), p)
		}
		if !found {
			t.Errorf("%d states: no power of ten labels the y axis", states)
		}
		// One notation all the way up (found by a tester: 100000, then
		// 1e+06).
		if strings.Contains(string(svg), "e+") {
			t.Errorf("%d states: a label in exponent notation", states)
		}
	}
}

// TestLogTicksTwoLabels: an axis over values within one power of ten has
// two labels at least (found by a tester: 51 states, one label, "10").
func TestLogTicksTwoLabels(t *testing.T) {
	for _, r := range [][2]float64{{40, 70}, {12, 18}, {3000, 9000}, {1, 1e6}} {
		n := 0
		for _, tk := range (wholeLogTicks{}).Ticks(r[0], r[1]) {
			if tk.Label != "" && tk.Value >= r[0] && tk.Value <= r[1] { // drawn
				n++
				if strings.ContainsAny(tk.Label, "e.") {
					t.Errorf("%v: label %q", r, tk.Label)
				}
			}
		}
		if n < 2 {
			t.Errorf("%v: %d labels within the axis", r, n)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 100: "100", 1000: "1,000", 100000: "100,000", 1000000: "1,000,000", -1000: "-1,000", -100: "-100"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestPlotExactCountNotCut: a run that timed out in the liveness check,
// its safety search exhaustive, has an exact count: no "lower bound" ring
// (a tester); one cut in its safety search has.
func TestPlotExactCountNotCut(t *testing.T) {
	for _, safetyDone := range []bool{true, false} {
		dir := t.TempDir()
		rows := []Row{{Param: 5, Strategy: "max+1", Verdict: VerdictTimeout, Measured: true, States: 15331, SafetyDone: safetyDone}}
		if err := writePlots(dir, "ring", 8, "", rows); err != nil {
			t.Fatal(err)
		}
		svg, err := os.ReadFile(filepath.Join(dir, "ring.svg"))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(svg), "lower bound"); got == safetyDone {
			t.Errorf("safety search exhaustive %v: the legend's lower bound %v", safetyDone, got)
		}
	}
}
