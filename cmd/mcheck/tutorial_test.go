package main

import (
	"os"
	"strings"
	"testing"
)

// TestTutorial: what docs/tutorial.md quotes from mcheck's output is what
// mcheck prints for the shipped tutorial models (each line below appears in
// both), so that the walk-through does not drift from the tool.
func TestTutorial(t *testing.T) {
	doc, err := os.ReadFile("../../docs/tutorial.md")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("../..")
	for _, c := range []struct {
		args  []string
		lines []string
	}{
		{[]string{"check", "--store", "memory", "--progress", "off", "models/tutorial-calls.dsu"}, []string{
			"uncoordinated: fidelity violation — fidelity (c): one run performed under two protocol versions",
			"  action:   ask#1.server receives 0 from client  [receive in new serve, models/tutorial-calls.dsu:56:15]",
			"  expected: every role of ask#1 to perform run 1 under Ask, as role client did",
			"  trace (7 steps, shortest):",
			"stop-the-world: no violation in any interleaving (exhaustive for queue capacity 8)",
			"max+1: no violation in any interleaving (exhaustive for queue capacity 8)",
		}},
		{[]string{"points", "--strategy", "max+1", "models/tutorial-calls.dsu"}, []string{
			"Client  call wait in old loop (models/tutorial-calls.dsu:34:5)     unsafe   fidelity: fidelity (c)",
			"Client  call loop in old loop (models/tutorial-calls.dsu:36:5)     unsafe   fidelity: fidelity (c)",
			"Client  call loop in main (models/tutorial-calls.dsu:37:8)         unsafe   fidelity: fidelity (c)",
			"Server  call serve in old serve (models/tutorial-calls.dsu:41:72)  unsafe   fidelity: fidelity (c)",
			"Server  call serve in main (models/tutorial-calls.dsu:42:8)        unsafe   fidelity: fidelity (c)",
		}},
		{[]string{"points", "--strategy", "max+1", "--trace", "models/tutorial-calls.dsu"}, []string{
			"  note:     session ask#1 started (step 2) after the update was introduced (step 1): it has",
			"    5  Server     applies update v2  [call serve in main, ",
		}},
		{[]string{"points", "--strategy", "all", "models/tutorial-explicit.dsu"}, []string{
			"Client  update in old loop (models/tutorial-explicit.dsu:38:5)   unsafe   fidelity: fidelity (c)",
			"Server  update in old serve (models/tutorial-explicit.dsu:47:5)  unsafe   fidelity: fidelity (c)",
			"Client  update in old loop (models/tutorial-explicit.dsu:38:5)   safe",
			"Server  update in old serve (models/tutorial-explicit.dsu:47:5)  safe",
		}},
	} {
		_, out, errs := runCmd(c.args...)
		for _, l := range c.lines {
			if !strings.Contains(string(doc), l) {
				t.Errorf("docs/tutorial.md lacks %q", l)
			}
			if !strings.Contains(out, l) {
				t.Errorf("mcheck %s: output lacks %q:\n%s%s", strings.Join(c.args, " "), l, out, errs)
			}
		}
	}
}
