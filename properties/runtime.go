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
		return "no runtime error", f.Problem
	}},
	statespace.FaultDiverges: {Runtime, ruleRuntime, func(p *statespace.Program, f *statespace.Fault) (string, string) {
		return "a thread that communicates or loops", f.Problem
	}},
})
