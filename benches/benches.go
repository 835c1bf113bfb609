// Package benches measures how mcheck's state space grows with the size of
// a model and what each coordination strategy costs. The model families
// live in package family; Explore runs one (family, parameter, strategy)
// in-process on the memory store, for the go test benchmarks in this
// directory (BenchmarkGrowth) and the family tests. Sweep is the sweep
// behind `mcheck bench`: it checks each member of a family over a parameter
// range with each strategy, one child process (`mcheck check --json`) per
// run so that each run's peak memory is its own, and writes the results
// (OUT/FAMILY.csv, whose columns are Columns, and the plots FAMILY.svg and
// FAMILY.png; benches/results holds the published ones).
package benches

import (
	"context"
	"fmt"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// Run is one exploration of a family member.
type Run struct {
	Family     string
	Param      int
	Strategy   string
	QueueBound int    // 0: check.DefaultQueueBound
	MaxStates  int64  // 0: no bound
	Workers    int    // 0: every core
	Reduce     string // --reduce: "" (all), "symmetry" or "none"
}

// Explore generates the model of r, loads it and explores it with
// r.Strategy on the in-memory stores, with every property on.
func Explore(ctx context.Context, r Run) (*statespace.Result, error) {
	src, err := family.Generate(r.Family, r.Param)
	if err != nil {
		return nil, err
	}
	return ExploreModel(ctx, fmt.Sprintf("%s-%d.dsu", r.Family, r.Param), src, r)
}

// ExploreModel explores the model src (named name in errors) as Explore
// does, through the pipeline (package check), on the memory store; r's
// Family and Param are not used. The family models have one update.
func ExploreModel(ctx context.Context, name string, src []byte, r Run) (*statespace.Result, error) {
	m, err := model.Load(name, src)
	if err != nil {
		return nil, fmt.Errorf("model does not load: %v", err)
	}
	if len(m.Updates) > 1 {
		return nil, fmt.Errorf("%s: %d updates; a family member has one", name, len(m.Updates))
	}
	outs, err := check.Run(ctx, m, check.Options{
		Strategies: []string{r.Strategy}, QueueBound: r.QueueBound,
		MaxStates: r.MaxStates, Workers: r.Workers, Store: store.Options{Kind: store.Memory}, Reduce: r.Reduce,
	})
	if err != nil {
		return nil, err
	}
	return outs[0].Result, nil
}
