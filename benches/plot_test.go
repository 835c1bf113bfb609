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
