package statespace

import (
	"iter"

	"github.com/mcheck/mcheck/store"
)

// col is a column of the liveness check's graph: a uint32 per state or per
// recorded step, kept by a store.Pager, so that past the check's memory
// budget (LiveOptions.Spill) its pages go to a file and come back when
// touched (TLC's disk graph, in a smaller form).
type col struct{ a *store.Array[uint32] }

func newCol(pg *store.Pager) col { return col{store.NewArray[uint32](pg)} }

func (c col) at(i uint32) uint32 { return c.a.At(int64(i)) }
func (c col) set(i, v uint32)    { c.a.Set(int64(i), v) }
func (c col) add(v uint32)       { c.a.Append(v) }
func (c col) len() uint32        { return uint32(c.a.Len()) }
func (c col) truncate(n uint32)  { c.a.Truncate(int64(n)) }
func (c col) top() uint32        { return c.a.At(c.a.Len() - 1) }
func (c col) valid() bool        { return c.a != nil }
func (c col) span(lo, hi uint32) iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		for i := lo; i < hi; i++ {
			if !yield(c.at(i)) {
				return
			}
		}
	}
}

// colOf is a column holding xs (tests).
func colOf(pg *store.Pager, xs ...uint32) col {
	c := newCol(pg)
	for _, x := range xs {
		c.add(x)
	}
	return c
}
