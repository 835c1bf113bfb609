package statespace

import (
	"fmt"
	"slices"
	"strings"
)

// Counterexamples: the violation report the properties fill in, and the
// shortest trace to it, rebuilt from the parent links by replaying the
// semantics (the search keeps only where it stopped: a state and a step).

// Violation is a property violation with its shortest trace.
type Violation struct {
	Property string // fidelity, linearity, progress, update-completion, runtime
	Rule     string // e.g. "fidelity (c)", "deadlock", "orphan messages"
	Thread   string // the thread at fault, if one is
	// Threads, for a configuration with no step, are all the threads at
	// fault (the deadlocked ones, the participants that have not applied),
	// Thread first; for a lasso, the participants that never apply. With --continue such violations are told apart by all
	// of them and where each waits, not by the first alone.
	Threads  []string
	Action   string // what it did
	Expected string
	Found    string
	Trace    []TraceStep
	// Path is the trace as successor indices from the initial
	// configuration (ReplayPath replays it).
	Path []uint32
	// Final is the configuration the trace ends in, described.
	Final string
	// Where is the source position of the violation: the instruction the
	// thread at fault performed (or waits at, for a configuration with no
	// step), or where its runtime error happened; "" if no thread is.
	Where string
	// CycleStart, for a lasso (a liveness violation, liveness.go), is the
	// number of the step the cycle starts with (Trace[CycleStart-1]): the
	// steps from it to the end repeat for ever. 0: not a lasso.
	CycleStart int
	// SessionMixed says the session of the trace's last step could have its
	// roles act under two protocol versions where the trace ends
	// (LastSessionMixed): a report's note on how the strategy coordinated
	// that session is only worth making then.
	SessionMixed bool
}

// LastSessionMixed says whether the session tr's last step acts on could
// have had its roles act under two protocol versions where v, the
// violation the trace ends in, happened: before or after the violating
// step (in the configuration with no step, for a terminal violation), two
// of the roles concerned have endpoints under two versions, one is to move
// to another for its next run, or a holder runs code of another version
// than its endpoint's run. The roles concerned are the acting role and its
// peers for a communication step that breaks fidelity (a) or (b) or fails
// at run time; every role of the session otherwise (fidelity (c) is about
// a run every role performs, a deadlock about all of them). Where none of
// that holds, how the strategy coordinates the update has nothing to do
// with what went wrong (found by a tester: a note on an uncoordinated
// session came with a new body's fault alone, in a run all its roles
// performed under the new protocol).
func LastSessionMixed(p *Program, tr *Replayed, v *Violation, terminal bool) bool {
	if tr.Last == nil {
		return false
	}
	a := &tr.Last.Action
	concerned := func(role int) bool { return true }
	if !terminal && !strings.HasPrefix(v.Rule, "fidelity (c)") {
		switch {
		case a.Kind == ActSend, a.Kind == ActSelect, a.Kind == ActRecv, a.Kind == ActCase,
			a.Kind == ActFault && a.Inst > 0: // an attempt to receive on an endpoint held
			concerned = func(role int) bool { return role == a.Role || slices.Contains(a.Peers, role) }
		}
	}
	configs := []*Config{tr.Before, tr.Last.Next}
	if terminal {
		configs = []*Config{tr.Final}
	}
	for _, c := range configs {
		for _, in := range c.Insts {
			if in.Serial != a.Inst {
				continue
			}
			ver := -1
			for _, e := range in.Ends {
				if !concerned(e.Role) {
					continue
				}
				if ver < 0 {
					ver = int(e.Ver)
				}
				if int(e.Ver) != ver || e.NextVer != e.Ver || p.ProtoVersion(in.Service, c.Threads[e.Holder].HeapVer) != e.Ver {
					return true
				}
			}
		}
	}
	return false
}

// TraceStep is one step of a counterexample.
//
// It is data that text, MSC and JSON each render: the step's kind (send,
// receive, select, case, choose, start, pass, apply, block, release,
// introduce, fault, spin), the endpoint acted on (s#1.p1; s#1 for a session
// start), the peers, the value or label, what happened in words and where
// (the instruction, its code and source position), and the queue after it.
// Action is What and Where as one line, as the text trace prints it.
type TraceStep struct {
	Step     int      `json:"step"`
	Thread   string   `json:"thread"`
	Kind     string   `json:"kind"`
	Endpoint string   `json:"endpoint,omitempty"`
	Peers    []string `json:"peers,omitempty"`
	Value    string   `json:"value,omitempty"`
	Label    string   `json:"label,omitempty"`
	// NotDone: the thread stopped instead of acting (an endpoint that is
	// another thread's or of an ended session, or no endpoint at all): no
	// message was sent or received (charts draw none; found by a tester).
	NotDone bool `json:"not_done,omitempty"`
	// Holders, for a session start, maps each role to the thread taking it.
	Holders map[string]string `json:"holders,omitempty"`
	What    string            `json:"what"`
	Where   string            `json:"where,omitempty"`
	Action  string            `json:"action"`
	Queue   string            `json:"queue"`
}

// replayViolation rebuilds the violation found at state id (through its
// successor succ, or at the state itself if succ < 0) from the replayed
// trace, so that its report shows the run's real numbers (display fields
// that the canonical encoding forgets).
func replayViolation(sem *Semantics, opt Options, at violAt) (*Violation, error) {
	id, succ := at.id, at.succ
	path, err := PathTo(opt.Links, id)
	if err != nil {
		return nil, err
	}
	if succ >= 0 {
		path = append(path, uint32(succ))
	}
	if sem.Sym != nil {
		// A path among representatives: find the real run it stands for.
		if path, err = sem.Sym.realPath(sem, path); err != nil {
			return nil, err
		}
		sem = sem.unreduced()
	}
	tr, err := ReplayPath(sem, path)
	if err != nil {
		return nil, err
	}
	// The violation is the fact-th of the step's, or of the configuration's
	// if it has no step (FactsChecker; the first is the Checker's own).
	var v *Violation
	if succ >= 0 {
		if vs := stepViolations(opt.Checker, sem.P, tr.Before, tr.Last); at.fact < len(vs) {
			v = vs[at.fact]
			v.Where = violationWhere(sem.P, v, tr.Before, tr.Last)
		}
	} else if succs, info := sem.Successors(tr.Final); len(succs) == 0 {
		if vs := terminalViolations(opt.Checker, sem.P, tr.Final, info); at.fact < len(vs) {
			v = vs[at.fact]
			v.Where = violationWhere(sem.P, v, tr.Final, nil)
		}
	}
	if v == nil {
		return nil, fmt.Errorf("statespace: the violation did not recur when its trace was replayed")
	}
	v.Trace, v.Path, v.Final = tr.Steps, path, sem.Describe(tr.Final)
	v.SessionMixed = LastSessionMixed(sem.P, tr, v, succ < 0)
	return v, nil
}

// PathTo walks the parent links from state id back to the root and returns
// the successor indices that lead from the initial configuration to it.
func PathTo(links Links, id int64) ([]uint32, error) {
	var path []uint32
	for cur := id; cur > 0; {
		parent, s, err := links.Get(cur)
		if err != nil {
			return nil, err
		}
		path = append(path, s)
		cur = parent
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path, nil
}

// A Replayed trace: the steps, the configuration before the last step, the
// last step, and the final configuration.
type Replayed struct {
	Steps  []TraceStep
	Before *Config
	Last   *Succ
	Final  *Config
}

// DivergedError says where a path of successor indices stops being a run:
// its step Step takes successor Index (from 0) where there are Count. Before
// are the steps that were taken.
type DivergedError struct {
	Step, Index, Count int
	Before             []TraceStep
}

func (e *DivergedError) Error() string {
	return fmt.Sprintf("statespace: trace replay diverged at step %d (successor %d of %d)", e.Step, e.Index, e.Count)
}

// ReplayPath replays a path of successor indices from the initial
// configuration, describing every step. It fails if the path is not a run
// of the semantics, with a *DivergedError.
func ReplayPath(sem *Semantics, path []uint32) (*Replayed, error) {
	p := sem.P
	c, _ := sem.Initial()
	tr := &Replayed{Steps: []TraceStep{}, Final: c}
	for i, s := range path {
		succs, _ := sem.Successors(c)
		if int(s) >= len(succs) {
			return nil, &DivergedError{Step: i + 1, Index: int(s), Count: len(succs), Before: tr.Steps}
		}
		st := &succs[s]
		tr.Steps = append(tr.Steps, p.TraceStepOf(i+1, c, st))
		tr.Before, tr.Last = c, st
		c = st.Next
	}
	tr.Final = c
	return tr, nil
}
