package properties

import (
	"fmt"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/statespace"
)

// Fidelity (docs/language.md §5): (a) every action is allowed by the role's local type
// in the protocol version its code belongs to; (b) every message received
// has the kind, type and label the receiver's protocol expects; (c) within
// one session instance every role performs run r under one version.
const (
	ruleNotAllowed = "fidelity (a): action not allowed by the local type"
	ruleVersion    = "fidelity (a): code of one protocol version acts in a run under another"
	ruleMessage    = "fidelity (b): message of the wrong kind, type or label"
	ruleRunMix     = "fidelity (c): one run performed under two protocol versions"
)

var _ = rule(map[statespace.FaultKind]fact{
	statespace.FaultEnded: {Fidelity, ruleNotAllowed, func(p *statespace.Program, f *statespace.Fault) (string, string) {
		return "no action: the session of role " + p.Roles[f.End.Role] + " has ended", statespace.DoingName(f.Doing)
	}},
	statespace.FaultVersion: {Fidelity, ruleVersion, func(p *statespace.Program, f *statespace.Fault) (string, string) {
		run := fmt.Sprint(f.Run)
		if f.RunAtLeast {
			// (found by a tester: "run 2" of a role in its fourth run)
			run += " or later"
		}
		return fmt.Sprintf("%s to act in run %s under %s, the protocol of its current run", p.EndpointName(f.End), run, p.ProtoName(f.End.Service, f.RunVer)),
			fmt.Sprintf("%s, in code of %s (%s)", p.DescribeDoing(f.Doing), p.ProtoName(f.End.Service, f.Ver), p.CodeName(f.Code))
	}},
	statespace.FaultNoRole: {Fidelity, ruleNotAllowed, func(p *statespace.Program, f *statespace.Fault) (string, string) {
		return "no action: " + noRole(p, f), p.DescribeDoing(f.Doing)
	}},
	statespace.FaultStartNoRole: {Fidelity, ruleNotAllowed, func(p *statespace.Program, f *statespace.Fault) (string, string) {
		return "only roles of its protocol: " + noRole(p, f), "a session started with role " + p.Roles[f.End.Role]
	}},
	statespace.FaultAction: {Fidelity, ruleNotAllowed, func(p *statespace.Program, f *statespace.Fault) (string, string) {
		return fmt.Sprintf("%s to %s (local type %s)", p.EndpointName(f.End), p.DescribeState(f.State), f.Local.Text), p.DescribeDoing(f.Doing)
	}},
	statespace.FaultMessage: {Fidelity, ruleMessage, wrongMessage},
	statespace.FaultRunMix: {Fidelity, ruleRunMix, func(p *statespace.Program, f *statespace.Fault) (string, string) {
		svc := p.Services[f.End.Service].Name
		who := "another role"
		if f.Witness > 0 {
			who = "role " + p.Roles[f.Witness-1]
		}
		return fmt.Sprintf("every role of %s#%d to perform run %d under %s, as %s did", svc, f.End.Serial, f.Run, p.ProtoName(f.End.Service, f.RunVer), who),
			fmt.Sprintf("%s performs run %d under %s", p.Roles[f.End.Role], f.Run, p.ProtoName(f.End.Service, f.Ver))
	}},
})

// noRole says that the endpoint's protocol has no such role (found by a
// tester: "expected: role c in protocol Q" read as if c should be in Q).
func noRole(p *statespace.Program, f *statespace.Fault) string {
	return fmt.Sprintf("protocol %s has no role %s", p.ProtoName(f.End.Service, f.Ver), p.Roles[f.End.Role])
}

// wrongMessage words fidelity (b): what the receiving state expected, and
// the message that came.
func wrongMessage(p *statespace.Program, f *statespace.Fault) (string, string) {
	from := p.Roles[f.Doing.Peers[0]]
	expected := fmt.Sprintf("a value <%s> from %s", f.State.Type, from)
	if f.State.Kind == model.LOffer {
		expected = fmt.Sprintf("one of the labels {%s} from %s", statespace.BranchLabels(f.State), from)
	}
	if f.Msg.Label >= 0 {
		return expected, "the label " + p.Labels[f.Msg.Label]
	}
	return expected, fmt.Sprintf("the value %s <%s>", f.Msg.Val, f.Msg.Val.TypeName())
}
