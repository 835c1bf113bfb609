package statespace

// Faults: the facts a step records for the properties (SPEC §5).

// FaultKind classifies faults; package properties maps them to properties.
type FaultKind uint8

const (
	FaultAction    FaultKind = iota + 1 // fidelity (a): action not allowed by the local type
	FaultVersion                        // fidelity (a): code of one protocol version acts in a run under another
	FaultMessage                        // fidelity (b): a received message of the wrong kind, type or label
	FaultRunMix                         // fidelity (c): roles of one instance perform a run under different versions
	FaultOwnership                      // linearity: an endpoint used by a thread not holding it, or sent as a message
	FaultRuntime                        // runtime error
)

// Fault is a fact about a step. A step can have several (a message of the
// wrong kind is a fidelity fact and then a runtime error of the thread that
// got it): Also chains the later ones, so that switching one property off
// never hides another.
type Fault struct {
	Kind     FaultKind
	Thread   int
	Expected string
	Found    string
	Also     *Fault
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
