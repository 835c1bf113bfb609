package statespace

import "strconv"

// Kind is the kind of a runtime value.
type Kind uint8

const (
	VNone     Kind = iota // no value (a dead or unset variable slot)
	VUnit                 // ()
	VInt                  // an integer
	VBool                 // true or false
	VEndpoint             // an endpoint: session instance and role
)

// DeadInstance is the instance number of an endpoint whose session has
// ended and been forgotten.
const DeadInstance = -1

// Value is a runtime value. For VInt N is the integer, for VBool 0 or 1, for
// VEndpoint N packs the instance (N>>16, DeadInstance for an ended session)
// and the role id (N & 0xffff).
type Value struct {
	K Kind
	N int64
}

func IntVal(n int64) Value { return Value{VInt, n} }
func BoolVal(b bool) Value {
	if b {
		return Value{VBool, 1}
	}
	return Value{VBool, 0}
}

var unitVal = Value{K: VUnit}

func endpointVal(inst, role int) Value {
	return Value{VEndpoint, int64(inst)<<16 | int64(role)}
}

// Endpoint returns the instance and role of an endpoint value.
func (v Value) Endpoint() (inst, role int) {
	return int(v.N >> 16), int(v.N & 0xffff)
}

// TypeName is the name of the value's type, as in the model language.
func (v Value) TypeName() string {
	switch v.K {
	case VUnit:
		return "unit"
	case VInt:
		return "int"
	case VBool:
		return "bool"
	case VEndpoint:
		return "endpoint"
	}
	return "none"
}

// typed is the value with its type, as messages name an operand: "int 1",
// "bool true", "unit ()", or "an endpoint" (String says the type already).
func (v Value) typed() string {
	if v.K == VEndpoint {
		return v.String()
	}
	return v.TypeName() + " " + v.String()
}

func (v Value) String() string {
	switch v.K {
	case VUnit:
		return "()"
	case VInt:
		return strconv.FormatInt(v.N, 10)
	case VBool:
		if v.N != 0 {
			return "true"
		}
		return "false"
	case VEndpoint:
		// Instance indices are internal (they change as sessions are
		// forgotten): say what it is, not where.
		return "an endpoint"
	}
	return "<none>"
}
