package statespace_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// sizeOnClose is a visited set that notes its size in RAM when closed.
type sizeOnClose struct {
	*store.CompactSet
	ram *float64
}

func (s sizeOnClose) Close() error {
	*s.ram = float64(s.Stats().RAMBytes)
	return s.CompactSet.Close()
}

// BenchmarkExplore explores every shipped model under each strategy with
// the memory store and reports distinct states per second, bytes per state
// of the visited set and of the tables, and the process's peak RSS so far.
//
//	go test ./statespace -run XXX -bench BenchmarkExplore
func BenchmarkExplore(b *testing.B) {
	files, _ := filepath.Glob("../models/*.dsu")
	for _, f := range files {
		m := loadFile(b, f)
		for _, strategy := range statespace.StrategyNames() {
			for _, bound := range []int{8, 24} {
				name := strings.TrimSuffix(filepath.Base(f), ".dsu") + "/" + strategy + "/bound=" + strconv.Itoa(bound)
				b.Run(name, func(b *testing.B) {
					sem := semantics(b, m, strategy, bound)
					var states int64
					var visited, tables float64
					for i := 0; i < b.N; i++ {
						set := store.NewCompactSet()
						res := explore(b, sem, exploreOpts{workers: 1, visited: sizeOnClose{set, &visited}})
						states, tables = res.States, float64(res.TablesRAM)
					}
					b.ReportMetric(float64(states), "states/op")
					b.ReportMetric(float64(states)*float64(b.N)/b.Elapsed().Seconds(), "states/s")
					// Bytes per state in RAM (nothing goes to disk here);
					// small models are mostly the tables' fixed cost.
					b.ReportMetric(visited/float64(states), "visited-RAM-B/state")
					b.ReportMetric(tables/float64(states), "tables-B/state")
					var ru syscall.Rusage
					if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
						b.ReportMetric(float64(ru.Maxrss*1024), "peak-RSS-bytes")
					}
				})
			}
		}
	}
}

// BenchmarkCreationOrder runs the benchmark the engine issue was measured
// on, as it was then: prodcons K=3 at capacity 6 under max+1, one worker,
// with session instances kept in their order of creation (the canonical
// form before sessions were ordered). It has 1,773,539 configurations
// where the benchmark as it stands (BenchmarkScaleWorkers/workers=1 in
// benches/) has 370,319, so its states/s compares with the issue's
// figures state for state: the same configurations, today's engine.
//
//	go test ./statespace -run XXX -bench BenchmarkCreationOrder -benchtime 1x
func BenchmarkCreationOrder(b *testing.B) {
	src, err := family.Generate("prodcons", 3)
	if err != nil {
		b.Fatal(err)
	}
	m, err := model.Load("prodcons-3.dsu", src)
	if err != nil {
		b.Fatal(err)
	}
	sem := semantics(b, m, "max+1", 6)
	defer statespace.SetCreationOrder(true)()
	for i := 0; i < b.N; i++ {
		res := explore(b, sem, exploreOpts{workers: 1, visited: store.NewCompactSet()})
		b.ReportMetric(float64(res.States), "states/op")
		b.ReportMetric(float64(res.States)/res.Elapsed.Seconds(), "states/s")
		b.ReportMetric(float64(res.Transitions)/float64(res.States), "steps/state")
		b.ReportMetric(float64(res.Asleep)/float64(res.Transitions), "asleep/step")
	}
}
