// Package model turns a parsed model file into a checked model: protocols
// checked for well-formedness and projected onto every role, names resolved,
// threads and updates checked against the protocols they speak.
//
// Entry points: Load (bytes → *Model) and Check (*syntax.File → *Model). Both
// return a syntax.ErrorList holding every error found, sorted by position.
package model

import "github.com/mcheck/mcheck/model/syntax"

// Model is a checked model file. Everything in it is read-only after Check.
type Model struct {
	File      *syntax.File
	Protocols []*Protocol // in declaration order
	Services  []*Service  // in declaration order
	Threads   []*Thread   // in declaration order; a thread's index is its identity
	Updates   []*Update   // in declaration order
	// Warnings are legal constructs that are probably mistakes (e.g. a
	// case branch for a label no protocol offers: dead code), sorted.
	Warnings syntax.ErrorList
	byName   map[string]*Service // Services by name (the first of a name)
}

// Protocol is a well-formed global type with its projections.
type Protocol struct {
	Name  string
	Decl  *syntax.ProtocolDecl
	Roles []string // every role of the protocol, in order of first appearance
	// Looping is true when the protocol is `mu t. G` at top level: a run is
	// one pass of a role through G back to t. Otherwise the protocol has
	// exactly one run, which ends when the role reaches end.
	Looping bool
	Local   map[string]*LocalType // by role
	// RunVar is the top-level recursion variable of a Looping protocol (the
	// run loop), "" otherwise.
	RunVar string
	// RunVars are every binder at the top (mu t. mu s. ...) that some
	// variable uses, outermost first: going back to any of them ends a run
	// (after normalisation, (mu s. ...). G2 puts G2 under s's binder).
	RunVars []string
	// Global is the protocol in continuation form (sequential composition
	// pushed into every message and branch), as text.
	Global string
}

// Service is a shared name that sessions start on, with its protocol.
type Service struct {
	Name     string
	Decl     *syntax.ServiceDecl
	Protocol *Protocol
}

// Thread is a thread declaration: its initial heap and its main expression.
type Thread struct {
	Name string
	Decl *syntax.ThreadDecl
	Funs []*syntax.FunDecl // the initial heap, in declaration order
	Main syntax.Expr
}

// Update is a system update: services it moves and new function bodies.
type Update struct {
	Name string
	Decl *syntax.UpdateDecl
	// Moves maps a service name to the protocol the update moves it to.
	Moves map[string]*Protocol
	// Bodies maps a thread name to the new bodies the update gives it (by
	// function name). Only functions the thread already has can be given new
	// bodies.
	Bodies map[string]map[string]*syntax.FunDecl
}

// LocalType is a role's projection of a protocol, compiled to a monitor: a
// small automaton whose states are the points of the role's local type.
// State 0 is the initial state. A transition that passes through the
// top-level recursion variable (returns to the start of the loop) is marked
// EndsRun: taking it completes one run. For a protocol that is not Looping,
// the transition into an LEnd state is marked EndsRun.
type LocalType struct {
	Protocol string
	Role     string
	States   []LState
	// Text is the readable local type, e.g.
	// "mu t. p2!<int>. p2!<int>. p2?<int>. t".
	Text string
}

// LKind is the kind of a local-type state: what the role does next.
type LKind uint8

const (
	LEnd    LKind = iota // nothing more to do
	LSend                // send a value of Type to Peers
	LRecv                // receive a value of Type from Peers[0]
	LSelect              // send one of Branches' labels to Peers
	LOffer               // receive one of Branches' labels from Peers[0]
)

// LState is one state of a local-type monitor.
type LState struct {
	Kind  LKind
	Peers []string       // receivers for LSend/LSelect (sorted); the sender for LRecv/LOffer
	Type  syntax.ValType // LSend, LRecv
	// Next and EndsRun give the successor of LSend and LRecv.
	Next    int
	EndsRun bool
	// Branches give the successors of LSelect and LOffer, sorted by label.
	Branches []LBranch
}

// LBranch is one labelled successor of an LSelect or LOffer state.
type LBranch struct {
	Label   string
	Next    int
	EndsRun bool
}

// serviceIndex is the services by name, for Service (found by a tester:
// looking each up in the list, an update moving 40,000 services took 9 s
// to load).
func (m *Model) serviceIndex() map[string]*Service {
	idx := make(map[string]*Service, len(m.Services))
	for _, s := range m.Services {
		if idx[s.Name] == nil {
			idx[s.Name] = s
		}
	}
	return idx
}

// Service returns the service named name, or nil.
func (m *Model) Service(name string) *Service {
	if m.byName != nil {
		return m.byName[name]
	}
	for _, s := range m.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Protocol returns the protocol named name, or nil.
func (m *Model) Protocol(name string) *Protocol {
	for _, p := range m.Protocols {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Thread returns the thread named name, or nil.
func (m *Model) Thread(name string) *Thread {
	for _, t := range m.Threads {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Update returns the update named name, or nil.
func (m *Model) Update(name string) *Update {
	for _, u := range m.Updates {
		if u.Name == name {
			return u
		}
	}
	return nil
}

// Bodies lists the code of every thread (main and each function) and
// every new body the updates give, in declaration order.
func (m *Model) Bodies(updates []*Update) []syntax.Expr {
	var out []syntax.Expr
	for _, t := range m.Threads {
		for _, f := range t.Funs {
			out = append(out, f.Body)
		}
		out = append(out, t.Main)
	}
	for _, u := range updates {
		for _, t := range m.Threads {
			for _, f := range u.Bodies[t.Name] {
				out = append(out, f.Body)
			}
		}
	}
	return out
}

// Branch returns the successor of s for label, or false.
func (s *LState) Branch(label string) (LBranch, bool) {
	for _, b := range s.Branches {
		if b.Label == label {
			return b, true
		}
	}
	return LBranch{}, false
}
