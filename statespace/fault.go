package statespace

import "github.com/mcheck/mcheck/model"

// Faults: the facts a step records for the properties (docs/language.md §5).

// FaultKind says what went wrong; package properties maps each kind to its
// property and rule, and words it.
type FaultKind uint8

const (
	FaultNotEndpoint  FaultKind = iota + 1 // a value that is not an endpoint used as a channel (Value)
	FaultEnded                             // an action on an endpoint whose session has ended
	FaultNotHolder                         // an endpoint used by a thread that does not hold it (Holder)
	FaultEndpointSent                      // an endpoint sent as a message
	FaultVersion                           // code of one protocol version acts in a run under another (Run, RunVer, Ver, Code)
	FaultNoRole                            // an action on an endpoint whose protocol version has no such role (Ver)
	FaultStartNoRole                       // a session started with a role its protocol version lacks (Ver)
	FaultAction                            // an action the local type does not allow (Local, State)
	FaultMessage                           // a message of the wrong kind, type or label (Local, State, Msg)
	FaultRunMix                            // a role performs a run under another version than a role before it (Run, RunVer, Ver)
	FaultRuntime                           // a runtime error (Problem)
	FaultDiverges                          // local computation without end on growing values (Problem)
)

// Fault is a fact about a step (docs/language.md §5), as data: what the thread did,
// on which endpoint, and what the protocol expected. Package properties
// judges and words it. A step can have several facts (a label where a value
// was due is a message fact and then a runtime error of the thread's case):
// Also chains the later ones, so that switching one property off never
// hides another.
type Fault struct {
	Kind   FaultKind
	Thread int    // the thread at fault
	Doing  Doing  // the action attempted (Op 0 for runtime faults)
	End    EndRef // the endpoint acted on (Service -1: none)
	Holder int    // FaultNotHolder: the thread holding the endpoint
	Run    int32  // FaultVersion, FaultRunMix: the run, counted from 1
	// RunAtLeast, FaultVersion: Run is a lower bound, the endpoint having
	// moved to the new protocol for good (the canonical form keeps no
	// more of its runs: see runOf).
	RunAtLeast bool
	// RunVer is the protocol version of the run: the endpoint's current one
	// (FaultVersion) or the one another role performed it under
	// (FaultRunMix). Ver is the other side: the version of the code that
	// acted (FaultVersion), of this role's run (FaultRunMix), or the version
	// lacking the role (FaultNoRole, FaultStartNoRole).
	RunVer, Ver uint8
	// Witness, FaultRunMix: 1 + a role that performed the run under RunVer
	// (0: none is known).
	Witness int
	Code    int32            // FaultVersion: the code object that acted
	Local   *model.LocalType // FaultAction, FaultMessage: the role's local type
	State   *model.LState    // ... and the state whose expectation was not met
	Msg     Msg              // FaultMessage: the message received
	Value   Value            // FaultNotEndpoint: the value used as a channel
	Problem string           // FaultRuntime, FaultDiverges: what went wrong, and where
	// AfterStep, FaultRuntime, FaultDiverges: met in the local computation
	// the thread ran on to after the step's visible action (not in the
	// action itself, nor before the first step).
	AfterStep bool
	Also      *Fault
}

// Doing is an action a thread attempted: Op is ActSend, ActSelect, ActRecv
// or ActCase; Peers the receivers (send, select) or the sender (receive,
// case); Val the value sent; Label the label selected (-1 if none).
type Doing struct {
	Op    ActionKind
	Peers []int
	Val   Value
	Label int
}

// EndRef names an endpoint for reports: service index, the instance's
// serial number (as traces show it) and role id.
type EndRef struct {
	Service, Serial, Role int
}

var noEnd = EndRef{Service: -1, Role: -1}

// mixesRuns says whether the facts chained from f include a run mix
// (fidelity (c)), which the strategy costs count.
func mixesRuns(f *Fault) bool {
	for ; f != nil; f = f.Also {
		if f.Kind == FaultRunMix {
			return true
		}
	}
	return false
}

func chained(head, f *Fault) bool {
	for g := head; g != nil; g = g.Also {
		if g == f {
			return true
		}
	}
	return false
}

// firstFault chains the non-nil faults, in order, through Also.
func firstFault(fs ...*Fault) *Fault {
	var head, tail *Fault
	for _, f := range fs {
		if f == nil || chained(head, f) {
			continue
		}
		if head == nil {
			head = f
		} else {
			tail.Also = f
		}
		tail = f
		for tail.Also != nil {
			tail = tail.Also
		}
	}
	return head
}
