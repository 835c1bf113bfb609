package randmodel

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/model"
)

// TestLoad: every seed in 0..499 gives a model that loads, with its header,
// and Generate is deterministic. It also logs how often the first
// candidate already loads (Generate retries with other candidates).
func TestLoad(t *testing.T) {
	firstTry := 0
	for seed := range uint64(500) {
		src := Generate(seed, Config{})
		if _, err := model.Load("randmodel.dsu", []byte(src)); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, src)
		}
		if !strings.HasPrefix(src, fmt.Sprintf("# randmodel seed=%d\n", seed)) {
			t.Fatalf("seed %d: no header:\n%s", seed, src)
		}
		if again := Generate(seed, Config{}); again != src {
			t.Fatalf("seed %d: Generate is not deterministic", seed)
		}
		if _, err := model.Load("randmodel.dsu", []byte(generate(seed, 0, Config{}.withDefaults()))); err == nil {
			firstTry++
		}
	}
	t.Logf("the first candidate loads for %d of 500 seeds", firstTry)
	if firstTry < 450 {
		t.Errorf("only %d of 500 first candidates load (want > 90%%)", firstTry)
	}
}

// TestConfigs: other configurations load too and stay deterministic.
func TestConfigs(t *testing.T) {
	for _, cfg := range []Config{
		{MaxRoles: 4, MaxDepth: 6},
		{MaxRoles: 2, MaxDepth: 2, MaxServices: 1},
		{NoUpdates: true, DeviationPercent: -1},
		{DeviationPercent: 100},
	} {
		for seed := range uint64(100) {
			src := Generate(seed, cfg)
			if _, err := model.Load("randmodel.dsu", []byte(src)); err != nil {
				t.Fatalf("%+v seed %d: %v\n%s", cfg, seed, err, src)
			}
			if Generate(seed, cfg) != src {
				t.Fatalf("%+v seed %d: not deterministic", cfg, seed)
			}
			if strings.Contains(src, "(fallback)") {
				t.Errorf("%+v seed %d: fell back to the fixed model", cfg, seed)
			}
			if cfg.NoUpdates && strings.Contains(src, "\nupdate ") {
				t.Errorf("%+v seed %d: has an update", cfg, seed)
			}
		}
	}
}

// TestVariety: over many seeds, the generator produces every feature it
// promises.
func TestVariety(t *testing.T) {
	features := map[string]string{
		"multicast":           "-> {",
		"choice":              ": { ",
		"inner loop":          "mu u.",
		"composition":         "). ",
		"one-run protocol":    "(one run)",
		"looping protocol":    "(looping)",
		"second service":      "service aux:",
		"second client":       "is a second",
		"session per request": "fun serve(",
		"mid-run update":      "in the middle of a run",
		"new-code update":     "in its new code only",
		"role dropped":        "drops role",
		"renamed protocol":    "the same protocol under another name",
		"same protocol":       "with the protocol it already has",
		"code-only update":    "changes code only",
		"two updates":         "\nupdate up2 {",
		"old code kept":       "keeps the old code",
		"wrong label":         "where the protocol offers",
		"division":            "choose(0, 1, 2)",
		"orphan":              "its last receive",
		"silent loop":         "thread Ticker",
		"dead case branch":    ": () })",
	}
	seen := map[string]bool{}
	for seed := range uint64(1000) {
		src := Generate(seed, Config{})
		for name, s := range features {
			if strings.Contains(src, s) {
				seen[name] = true
			}
		}
	}
	for name := range features {
		if !seen[name] {
			t.Errorf("no model in 1000 has %s", name)
		}
	}
}

// TestGlobalReadsBack: every protocol's global line (mcheck project's),
// read back as a protocol, is the same protocol and prints the same: the
// same global line and the same local type for each role (found by a
// tester: a continuation shared by two branches printed differently once
// read back).
func TestGlobalReadsBack(t *testing.T) {
	checked, loops := 0, 0
	for seed := range uint64(300) {
		src := Generate(seed, Config{MaxRoles: 4, MaxDepth: 6})
		m, err := model.Load("randmodel.dsu", []byte(src))
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for _, p := range m.Protocols {
			if strings.HasSuffix(p.Global, " ...") {
				continue // cut short: too long to print whole
			}
			back, err := model.Load("back.dsu", []byte("protocol "+p.Name+" = "+p.Global+"\nthread T { main () }\n"))
			if err != nil {
				t.Fatalf("seed %d, protocol %s: %s does not read back: %v", seed, p.Name, p.Global, err)
			}
			q := back.Protocol(p.Name)
			checked++
			if strings.Contains(p.Global, "mu ") {
				loops++
			}
			if q.Global != p.Global {
				t.Errorf("seed %d, protocol %s: %s reads back as %s", seed, p.Name, p.Global, q.Global)
			}
			for r, l := range p.Local {
				if q.Local[r] == nil || q.Local[r].Text != l.Text {
					t.Errorf("seed %d, protocol %s, role %s: local %s, read back %v", seed, p.Name, r, l.Text, q.Local[r])
				}
			}
		}
	}
	t.Logf("%d protocols read back, %d of them with loops", checked, loops)
	if loops < 50 {
		t.Errorf("only %d protocols with loops: the test exercises little", loops)
	}
}
