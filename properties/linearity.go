package properties

import (
	"github.com/mcheck/mcheck/statespace"
)

// Linearity (docs/language.md §5): every endpoint is held by exactly one thread and used
// only by it (never sent as a value), and no message is left unconsumed when
// the system stops.
const ruleOwnership = "linearity: endpoint ownership"

var _ = rule(map[statespace.FaultKind]fact{
	statespace.FaultNotHolder: {Linearity, ruleOwnership, func(p *statespace.Program, f *statespace.Fault) (string, string) {
		return "endpoint " + p.EndpointName(f.End) + " used only by its holder " + p.Threads[f.Holder].Name, "used by " + p.Threads[f.Thread].Name
	}},
	statespace.FaultEndpointSent: {Linearity, ruleOwnership, func(p *statespace.Program, f *statespace.Fault) (string, string) {
		return "endpoints held by one thread each (the protocol sends only int, bool and unit)",
			p.DescribeDoing(f.Doing) + ": an endpoint sent as a message would be held twice"
	}},
})

// orphans reports the messages left in the queue of a configuration where
// nothing can move.
func orphans(p *statespace.Program, c *statespace.Config) *statespace.Violation {
	if len(c.Queue) == 0 {
		return nil
	}
	return &statespace.Violation{
		Property: Linearity, Rule: ruleOrphans,
		Action:   "no step is enabled",
		Expected: "every message consumed when the system stops",
		Found:    "left in the queue: " + p.DescribeQueue(c),
	}
}
