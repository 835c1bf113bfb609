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
//   - por (partial-order reduction) is not implemented: asking for it is an
//     error, not a silent no-op.
//
// "all" (the default) is every reduction that is sound for the model.

// Reduction names.
const (
	ReduceAll      = "all"
	ReduceSymmetry = "symmetry"
	ReduceNone     = "none"
)

// ParseReduce checks a --reduce value: "all" (or ""), "symmetry", "none".
func ParseReduce(s string) (string, error) {
	switch strings.TrimSpace(s) {
	case "", ReduceAll:
		return ReduceAll, nil
	case ReduceSymmetry, ReduceNone:
		return strings.TrimSpace(s), nil
	case "por":
		return "", fmt.Errorf("--reduce por: partial-order reduction is not implemented yet; use all, symmetry or none")
	}
	return "", fmt.Errorf("--reduce must be all, symmetry or none, got %q", s)
}

// symmetry is the symmetry to reduce prog's runs by, or nil. It is not used
// with Coverage (places are reported per thread) nor with Continue (distinct
// violations are told apart by thread: among representatives the
// violations of one block stand for those of every block, and one block's
// would be listed again under another's name).
func (o Options) symmetry(prog *statespace.Program) *statespace.Symmetry {
	r, _ := ParseReduce(o.Reduce)
	if r == ReduceNone || o.Coverage || o.Continue {
		return nil
	}
	return prog.DetectSymmetry()
}
