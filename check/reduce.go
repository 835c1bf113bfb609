package check

import (
	"fmt"
	"strings"

	"github.com/mcheck/mcheck/statespace"
)

// The reductions (--reduce):
//
//   - symmetry: interchangeable blocks of threads are detected in the
//     program (statespace/symmetry.go) and the search keeps one
//     configuration per orbit, or nearly. It preserves every safety
//     property: no step, strategy or property depends on a thread's or a
//     service's name, so a run of one configuration is, renamed, a run of
//     any other in its orbit, breaking the same properties at the same
//     depth; counterexamples are mapped back to real runs. It is used for
//     the liveness half of update completion too: that search runs among
//     representatives, with fairness relaxed to what renaming threads
//     preserves, and a lasso found there is lifted to a real one and judged
//     per thread; if none lifts, the unreduced check decides
//     (statespace/livesym.go). It is not used with --coverage (which
//     reports places per thread) nor with --continue (which tells
//     violations apart by thread).
//   - por: partial-order reduction of the safety search
//     (statespace/por.go): where one thread's steps are independent of
//     every other thread's, only they are followed. It preserves every
//     violation and every configuration without a step, but not the length
//     of counterexamples (they are real runs, not always shortest:
//     Options.Shortest searches again for a shortest one). The liveness
//     half of update completion runs on the unreduced system. Not used
//     with --coverage nor with --continue.
//
// "all" (the default) is every reduction that is sound for the model and
// keeps counterexamples shortest: symmetry. POR is asked for by name.

// Reduction names.
const (
	ReduceAll      = "all"
	ReduceSymmetry = "symmetry"
	ReducePOR      = "por"
	ReduceNone     = "none"
)

// ParseReduce checks a --reduce value: "all" (or ""), "symmetry", "none".
func ParseReduce(s string) (string, error) {
	switch strings.TrimSpace(s) {
	case "", ReduceAll:
		return ReduceAll, nil
	case ReduceSymmetry, ReducePOR, ReduceNone:
		return strings.TrimSpace(s), nil
	}
	return "", fmt.Errorf("--reduce must be all, symmetry, por or none, got %q", s)
}

// symmetry is the symmetry to reduce prog's runs by, or nil. It is not used
// with Coverage (places are reported per thread) nor with Continue (distinct
// violations are told apart by thread: among representatives the
// violations of one block stand for those of every block, and one block's
// would be listed again under another's name).
func (o Options) symmetry(prog *statespace.Program) *statespace.Symmetry {
	r, _ := ParseReduce(o.Reduce)
	if r == ReduceNone || r == ReducePOR || o.Coverage || o.Continue {
		return nil
	}
	return prog.DetectSymmetry()
}

// por says whether the safety search is reduced by partial-order
// reduction: when asked for (--reduce por), and not with Coverage (it
// skips interleavings, so places per thread may go unreached) nor with
// Continue.
func (o Options) por() bool {
	r, _ := ParseReduce(o.Reduce)
	return r == ReducePOR && !o.Coverage && !o.Continue
}
