package statespace_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/statespace"
)

// BenchmarkExplore explores every shipped model under each strategy with
// the memory store and reports distinct states per second.
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
					for i := 0; i < b.N; i++ {
						res := explore(b, sem, exploreOpts{workers: 1})
						states = res.States
					}
					b.ReportMetric(float64(states), "states/op")
					b.ReportMetric(float64(states)*float64(b.N)/b.Elapsed().Seconds(), "states/s")
				})
			}
		}
	}
}
