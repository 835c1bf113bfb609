// Package conformance_test checks that the stores of package store satisfy
// the interfaces package statespace declares for them. It lives apart from
// store's own tests so that those build even while statespace does not.
package conformance_test

import (
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

var (
	_ statespace.VisitedSet = (*store.MemorySet)(nil)
	_ statespace.Frontier   = (*store.SpillQueue)(nil)
	_ statespace.Links      = (*store.SpillLinks)(nil)
)

// Stats results convert to statespace.StoreStats (their underlying types
// are identical).
func _(s *store.MemorySet) statespace.StoreStats { return statespace.StoreStats(s.Stats()) }
