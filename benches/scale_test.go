package benches

// Scale benchmarks (the issue "Exploration at scale"): the badger store
// against the memory store, 2 workers against 1, and bytes per state.
// They explore large generated models, so they run only with -bench:
//
//	go test ./benches -run XXX -bench 'BenchmarkScale' -benchtime 1x
//
// The mcheck binary is built with profile-guided optimisation
// (cmd/mcheck/default.pgo, made by benches/pgo.sh); a test binary is not,
// unless asked: add -pgo=$PWD/../cmd/mcheck/default.pgo (from benches/) to
// measure the code as the binary runs it.
//
// Report ratios measured in one run: the machine is shared and noisy.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// scaleModel is prodcons with 3 pairs: about 1.5e6 states at capacity 6
// under max+1.
func scaleSemantics(b *testing.B, pairs, bound int) *statespace.Semantics {
	b.Helper()
	src, err := family.Generate("prodcons", pairs)
	if err != nil {
		b.Fatal(err)
	}
	m, err := model.Load(fmt.Sprintf("prodcons-%d.dsu", pairs), src)
	if err != nil {
		b.Fatal(err)
	}
	p, err := statespace.Compile(m, m.Updates[0])
	if err != nil {
		b.Fatal(err)
	}
	st, _ := statespace.StrategyNamed("max+1")
	return &statespace.Semantics{P: p, Strategy: st, QueueBound: bound}
}

func scaleRun(b *testing.B, sem *statespace.Semantics, visited statespace.VisitedSet, workers int) *statespace.Result {
	b.Helper()
	q, err := store.NewQueue(store.SpillOptions{})
	if err != nil {
		b.Fatal(err)
	}
	l, err := store.NewLinks(store.SpillOptions{})
	if err != nil {
		b.Fatal(err)
	}
	res, err := statespace.Explore(context.Background(), sem, statespace.Options{
		Visited: visited, Frontier: q, Links: l, Checker: properties.All(), Workers: workers,
	})
	if err != nil {
		b.Fatal(err)
	}
	if sz, ok := visited.(statespace.Sizer); ok {
		st := sz.Stats()
		b.ReportMetric(float64(st.RAMBytes)/float64(res.States), "visited-RAM-B/state")
		b.ReportMetric(float64(st.DiskBytes)/float64(res.States), "visited-disk-B/state")
	}
	// The tables of the configurations' parts (threads, sessions,
	// channels, misc parts, thread vectors) and the parent links, per
	// state; the peak RSS is the whole benchmark process's so far.
	b.ReportMetric(float64(res.TablesRAM)/float64(res.States), "tables-B/state")
	b.ReportMetric(float64(l.Stats().RAMBytes+l.Stats().DiskBytes)/float64(res.States), "links-B/state")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss*1024), "peak-RSS-bytes")
	}
	q.Close()
	l.Close()
	if err := visited.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(res.States), "states/op")
	b.ReportMetric(float64(res.States)/res.Elapsed.Seconds(), "states/s")
	return res
}

// BenchmarkScaleStore compares the visited sets on one model of more than
// 1e6 states, with one worker each. The two sub-benchmarks must report the
// same states/op.
func BenchmarkScaleStore(b *testing.B) {
	sem := scaleSemantics(b, 3, 6)
	b.Run("memory", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			scaleRun(b, sem, store.NewCompactSet(), 1)
		}
	})
	b.Run("badger", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			bs, err := store.OpenBadgerSet(store.BadgerOptions{})
			if err != nil {
				b.Fatal(err)
			}
			scaleRun(b, sem, bs, 1)
		}
	})
	// With the default RAM tier every state of this model stays in RAM;
	// a tier of 256Ki fingerprints sends most of them through badger.
	b.Run("badger-small-tier", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			bs, err := store.OpenBadgerSet(store.BadgerOptions{RAMEntries: 1 << 18})
			if err != nil {
				b.Fatal(err)
			}
			scaleRun(b, sem, bs, 1)
		}
	})
}

// BenchmarkScaleWorkers compares 1 and 2 workers on the memory store.
func BenchmarkScaleWorkers(b *testing.B) {
	sem := scaleSemantics(b, 3, 6)
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				scaleRun(b, sem, store.NewCompactSet(), w)
			}
		})
	}
}

// BenchmarkScaleLiveness times the liveness half of update completion
// (statespace.CheckLiveness: the whole reachable space again, its pending
// region kept as a graph) on prodcons K=3 at capacity 6 under
// stop-the-world, where every fair run completes the update (181,376
// configurations): a check with its default properties spends more than
// half its time there. symmetry/workers=1 is the check among
// representatives, as a check with the default reduction runs it.
func BenchmarkScaleLiveness(b *testing.B) {
	sem := scaleSemantics(b, 3, 6)
	sem.Strategy, _ = statespace.StrategyNamed("stop-the-world")
	sym := *sem
	sym.Sym = sem.P.DetectSymmetry()
	for _, run := range []struct {
		name    string
		sem     *statespace.Semantics
		workers int
	}{{"workers=1", sem, 1}, {"workers=2", sem, 2}, {"symmetry/workers=1", &sym, 1}} {
		b.Run(run.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				v, st, err := statespace.CheckLiveness(context.Background(), run.sem, statespace.LiveOptions{Workers: run.workers})
				if err != nil || v != nil || st.Cut {
					b.Fatalf("liveness: %v, %v, cut %v", err, v, st.Cut)
				}
				b.ReportMetric(float64(st.States), "states/op")
				b.ReportMetric(float64(st.States)/st.Elapsed.Seconds(), "states/s")
			}
		})
	}
}

// BenchmarkScaleBig runs the mcheck binary on a model of more than 5e7
// states with --mem-budget 1GiB and the badger store, and reports its peak
// RSS. It takes many minutes: it runs only with MCHECK_BIG=1.
// MCHECK_BIG_PAIRS and MCHECK_BIG_BOUND choose the model (4 pairs at
// capacity 10: 75,323,205 states; at capacity 6, the default before
// sessions were put in canonical order, it had more than 5e7 and now has
// fewer), MCHECK_BIG_STORE the store (badger), MCHECK_BIG_BUDGET the
// budget (1GiB), MCHECK_BIG_STATES a --max-states (none).
//
//	MCHECK_BIG=1 go test ./benches -run XXX -bench BenchmarkScaleBig -benchtime 1x -timeout 2h
func BenchmarkScaleBig(b *testing.B) {
	if os.Getenv("MCHECK_BIG") == "" {
		b.Skip("set MCHECK_BIG=1 to run (many minutes)")
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "mcheck")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/mcheck").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	pairs, bound := envInt("MCHECK_BIG_PAIRS", 4), envInt("MCHECK_BIG_BOUND", 10)
	src, err := family.Generate("prodcons", pairs)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "big.dsu")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		start := time.Now()
		args := []string{"check", "--json", "--strategy", "max+1", "--queue-bound", strconv.Itoa(bound),
			"--mem-budget", envString("MCHECK_BIG_BUDGET", "1GiB"), "--store", envString("MCHECK_BIG_STORE", "badger"),
			"--workers", strconv.Itoa(runtime.NumCPU()), "--reduce", "none", "--skip", "update-completion"}
		if n := envInt("MCHECK_BIG_STATES", 0); n > 0 {
			args = append(args, "--max-states", strconv.Itoa(n))
		}
		cmd := exec.Command(bin, append(args, path)...)
		out, err := cmd.Output()
		if err != nil {
			if _, ok := err.(*exec.ExitError); !ok {
				b.Fatal(err)
			}
		}
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
		var r struct {
			States int64 `json:"states"`
		}
		if err := json.Unmarshal(out, &r); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		states := r.States
		b.ReportMetric(float64(states), "states/op")
		b.ReportMetric(float64(rss), "peak-RSS-bytes")
		b.ReportMetric(float64(states)/time.Since(start).Seconds(), "states/s")
		b.Logf("%s", out)
	}
}

func envString(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// The stores implement statespace.Sizer, so the benchmarks can report
// bytes per state.
var (
	_ statespace.Sizer = (*store.CompactSet)(nil)
	_ statespace.Sizer = (*store.MemorySet)(nil)
	_ statespace.Sizer = (*store.BadgerSet)(nil)
	_ statespace.Sizer = (*store.SpillLinks)(nil)
	_ statespace.Sizer = (*store.SpillQueue)(nil)
)

// BenchmarkScaleReduce compares the search with and without symmetry
// reduction on the same model (prodcons K=3, capacity 6, max+1): the
// ratio of states/op is the reduction factor.
//
//	go test ./benches -run XXX -bench BenchmarkScaleReduce -benchtime 1x
func BenchmarkScaleReduce(b *testing.B) {
	sem := scaleSemantics(b, 3, 6)
	for _, reduce := range []string{"none", "symmetry"} {
		b.Run(reduce, func(b *testing.B) {
			s := *sem
			if reduce == "symmetry" {
				s.Sym = sem.P.DetectSymmetry()
			}
			for i := 0; i < b.N; i++ {
				scaleRun(b, &s, store.NewCompactSet(), 1)
			}
		})
	}
}
