package statespace_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

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
