package benches

import (
	"context"
	"fmt"
	"testing"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/statespace"
)

// growthSizes are the sizes BenchmarkGrowth explores: each run takes well
// under a few seconds on 2 cores, so that
//
//	go test -bench . -benchtime 1x ./benches
//
// finishes in a minute or two. `mcheck bench` sweeps further.
var growthSizes = []struct {
	family string
	param  string // K or N, as the family calls it
	sizes  []int
}{
	{"prodcons", "K", []int{1, 2}},
	{"ring", "N", []int{2, 3, 4, 5, 6, 7}},
}

// BenchmarkGrowth explores each small family member with each strategy,
// in-process on the memory store, and reports the distinct states per
// exploration (states/op: the state-space size) and the exploration speed
// (states/s). Sub-benchmarks are named family/K=2/strategy, e.g.
// BenchmarkGrowth/prodcons/K=2/max+1. Every run is also checked against
// the family's expected verdict.
func BenchmarkGrowth(b *testing.B) {
	for _, g := range growthSizes {
		fam, err := family.Lookup(g.family)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(g.family, func(b *testing.B) {
			for _, k := range g.sizes {
				b.Run(fmt.Sprintf("%s=%d", g.param, k), func(b *testing.B) {
					for _, s := range statespace.StrategyNames() {
						b.Run(s, func(b *testing.B) {
							benchGrowth(b, fam, k, s)
						})
					}
				})
			}
		})
	}
}

func benchGrowth(b *testing.B, fam *family.Family, k int, strategy string) {
	var states, transitions int64
	for i := 0; i < b.N; i++ {
		res, err := Explore(context.Background(), Run{Family: fam.Name, Param: k, Strategy: strategy})
		if err != nil {
			b.Fatal(err)
		}
		if want, _, ok := fam.Want(k, strategy); ok && want != res.Verdict.String() {
			b.Fatalf("%s/%d/%s: verdict %v, want %s", fam.Name, k, strategy, res.Verdict, want)
		}
		states, transitions = res.States, res.Transitions
	}
	b.ReportMetric(float64(states), "states/op")
	b.ReportMetric(float64(transitions), "transitions/op")
	if sec := b.Elapsed().Seconds(); sec > 0 {
		b.ReportMetric(float64(states)*float64(b.N)/sec, "states/s")
	}
}
