package properties

import (
	"github.com/mcheck/mcheck/statespace"
)

// Runtime errors (docs/language.md §5): division by zero, operands of the wrong type, a
// value used as a channel, a case without a branch for the label received,
// a call stack without end, a local computation that grows without end.
// The thread stops there.
const ruleRuntime = "runtime error"

var _ = rule(map[statespace.FaultKind]fact{
	statespace.FaultNotEndpoint: {Runtime, ruleRuntime, func(p *statespace.Program, f *statespace.Fault) (string, string) {
		return "an endpoint as the channel of " + statespace.DoingName(f.Doing), f.Value.TypeName() + " " + f.Value.String()
	}},
	statespace.FaultRuntime: {Runtime, ruleRuntime, func(p *statespace.Program, f *statespace.Fault) (string, string) {
		return "no runtime error", afterStep(f)
	}},
	statespace.FaultDiverges: {Runtime, ruleRuntime, func(p *statespace.Program, f *statespace.Fault) (string, string) {
		return "a thread that communicates or loops", afterStep(f)
	}},
})

// afterStep is f's problem, saying when it arose in the computation the
// thread ran on to after the step's action: the action shown (a session
// start, a receive) did not fail itself (a tester read a division by zero
// after a request as the request failing).
func afterStep(f *statespace.Fault) string {
	if f.AfterStep {
		return f.Problem + ", computing on after the step"
	}
	return f.Problem
}
