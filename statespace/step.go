package statespace

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Semantics is the transition relation of a program under one strategy and
// one set of options (docs/language.md §3–§4). Successors is a pure, deterministic
// function of a configuration: no I/O, no goroutines, no map iteration.
type Semantics struct {
	P          *Program
	Strategy   Strategy
	QueueBound int // capacity of the global queue (docs/language.md §6)
	UpdateAt   UpdateAt
	// Raw switches canonicalisation off (no dead-slot clearing, instance
	// forgetting, run-number normalisation or channel sorting). Only the
	// naive reference explorer of the tests uses it.
	Raw bool
	// Reach, when set, records every instruction a thread reaches (the
	// source lines of --coverage, reach.go); nil records nothing.
	Reach *Reached
	// Sym, when set, is the program's symmetry: every configuration is
	// replaced by its orbit's representative (symmetry.go).
	Sym *Symmetry
	// symOrd is the order of instances of the symmetry a search was
	// reduced by, kept by its unreduced twin (unreduced): lifting a run
	// among representatives to a real one needs both to order instances
	// alike.
	symOrd *instOrder
}

// canon is the settings of s's canonical form.
func (s *Semantics) canon() canonOpts {
	return canonOpts{ord: s.instOrder(), noRuns: s.UpdateAt.Mode == AtNever}
}

// canonicalCopy is c in s's canonical form (with symmetry, instances
// ordered by class), before the symmetry's own renaming.
func (s *Semantics) canonicalCopy(c *Config) *Config {
	n := c.clone()
	s.P.canonicalize(n, s.canon())
	return n
}

// instOrder is the order of instances of s's canonical form: with
// symmetry, one that no permutation of interchangeable blocks changes.
func (s *Semantics) instOrder() *instOrder {
	if s.Sym != nil {
		return s.Sym.ord
	}
	return s.symOrd
}

// UpdateAtMode says when the update may be introduced.
type UpdateAtMode uint8

const (
	AtAny   UpdateAtMode = iota // at every moment (nondeterministically)
	AtNever                     // never
	AtStep                      // after exactly Step steps
)

// UpdateAt is the --update-at setting.
type UpdateAt struct {
	Mode UpdateAtMode
	Step int // AtStep: K, from 0 to MaxUpdateStep
}

// MaxUpdateStep is the largest K of step:K: a configuration counts the
// steps to the introduction down in 32 bits.
const MaxUpdateStep = math.MaxInt32

// Check reports a step:K whose K the configurations cannot count.
func (u UpdateAt) Check() error {
	if u.Mode == AtStep && (u.Step < 0 || u.Step > MaxUpdateStep) {
		return fmt.Errorf("invalid update moment step:%d: K must be from 0 to %d", u.Step, MaxUpdateStep)
	}
	return nil
}

// ParseUpdateAt parses "any", "never" or "step:K".
func ParseUpdateAt(s string) (UpdateAt, error) {
	switch s {
	case "any", "":
		return UpdateAt{Mode: AtAny}, nil
	case "never":
		return UpdateAt{Mode: AtNever}, nil
	}
	// K is decimal, as every number a flag takes: leading zeros and a +
	// sign are ignored (testers: step:007 and step:+3 were refused where
	// --queue-bound 010 is 10 and +5 is 5), a - or anything else is
	// refused.
	d, ok := strings.CutPrefix(s, "step:")
	if ok {
		d = strings.TrimPrefix(d, "+")
	}
	if ok && d != "" && strings.Trim(d, "0123456789") == "" {
		k, err := strconv.Atoi(d) // (base 10: 007 is 7)
		if err != nil || k > MaxUpdateStep {
			return UpdateAt{}, fmt.Errorf("invalid update moment %s: K must be from 0 to %d", s, MaxUpdateStep)
		}
		u := UpdateAt{Mode: AtStep, Step: k}
		return u, u.Check()
	}
	return UpdateAt{}, fmt.Errorf("invalid update moment %q: want any, never or step:K (K >= 0)", s)
}

func (u UpdateAt) String() string {
	switch u.Mode {
	case AtNever:
		return "never"
	case AtStep:
		return fmt.Sprintf("step:%d", u.Step)
	}
	return "any"
}

// ActionKind is the kind of a transition.
type ActionKind uint8

const (
	ActSend      ActionKind = iota // a thread sends a value
	ActRecv                        // a thread receives a value
	ActSelect                      // a thread selects a label
	ActCase                        // a thread receives a label
	ActChoose                      // a thread takes one option of a choose
	ActStart                       // a session instance starts (request + accepts)
	ActPass                        // a thread passes an update point without applying
	ActApply                       // a thread applies the update at an update point
	ActBlock                       // a thread starts waiting at the barrier
	ActRelease                     // the barrier releases: every waiting thread applies
	ActIntroduce                   // the update becomes known
	ActFault                       // a thread attempts an action its protocol forbids
	ActSpin                        // a thread computes on in a local loop (the configuration stays)
)

// Action describes a transition, for traces and properties.
type Action struct {
	Kind    ActionKind
	Thread  int   // acting thread; -1 for ActIntroduce, ActRelease
	Threads []int // ActStart: participants (requester first); ActRelease: threads released
	Code    int32 // instruction performed (Code, PC), -1 if none
	PC      int32
	Inst    int // instance serial (display), for communication and ActStart
	Role    int // the acting role (communication) or requested role (ActStart)
	Peers   []int
	Val     Value
	Label   int
	Option  int
}

// Succ is one successor of a configuration.
type Succ struct {
	Action Action
	Next   *Config
	// Fault, if not nil, is a fact about this step that a property may
	// report as a violation (docs/language.md §5). The step still has a successor, so
	// that exploration can go on when that property is switched off.
	Fault *Fault
}

// StepInfo says what Successors saw besides the successors.
type StepInfo struct {
	// CapacityBlocked is set when some send or select was held back
	// because the queue was full.
	CapacityBlocked bool
	// Asleep counts the steps of the threads asleep at the configuration
	// (eachSuccessor's sleep): numbered, but not generated.
	Asleep int
}

// Initial returns the initial configuration (every thread at the first
// visible step of its main) and the fault, if a thread fails before any.
func (s *Semantics) Initial() (*Config, *Fault) {
	p := s.P
	c := &Config{Upd: UpdState{Countdown: -1}}
	switch {
	case p.Update == nil:
	case s.UpdateAt.Mode == AtStep:
		c.Upd.Countdown = int32(s.UpdateAt.Step)
	case s.UpdateAt.Mode == AtNever:
		c.Upd.Countdown = neverIntroduced
	}
	var fault *Fault
	for _, tc := range p.Threads {
		main := tc.Main
		th := &Thread{Frames: []Frame{{Code: int32(main.ID), Slots: make([]Value, main.NSlots)}}, dirty: true}
		c.Threads = append(c.Threads, th)
	}
	for t := range c.Threads {
		// Every thread's fault, chained: --continue lists each (found by a
		// tester: the threads after the first that failed were lost).
		fault = firstFault(fault, s.computeLocal(c, t))
	}
	if !s.Raw {
		p.canonicalize(c, s.canon())
		if s.Sym != nil {
			s.Sym.canonical(c)
		}
	}
	return c, fault
}

// Successors returns the successors of c, in a deterministic order.
func (s *Semantics) Successors(c *Config) ([]Succ, StepInfo) {
	out := c.arena.succSlice(2*len(c.Threads) + 2)
	info := s.successors(c, false, 0, func(steps []Succ, _ int) bool {
		out = append(out, steps...)
		return true
	})
	return out, info
}

// EachSuccessor calls yield with each successor of c, numbered as in
// Successors, until yield returns false. When c lives in an arena, a
// successor (its configuration and whatever it holds) is valid only during
// its yield call: the arena's memory is reused for the next ones, so a
// configuration with many successors (a wide one) never holds them all.
func (s *Semantics) EachSuccessor(c *Config, yield func(i int, st *Succ) bool) StepInfo {
	return s.eachSuccessor(c, 0, yield)
}

// eachSuccessor is EachSuccessor with the threads of the sleep set asleep
// (sleep.go): their steps keep their numbers, but are neither generated
// nor yielded; StepInfo.Asleep counts them.
func (s *Semantics) eachSuccessor(c *Config, sleep uint64, yield func(i int, st *Succ) bool) StepInfo {
	i := 0
	return s.successors(c, true, sleep, func(steps []Succ, asleep int) bool {
		i += asleep
		for k := range steps {
			if !yield(i, &steps[k]) {
				return false
			}
			i++
		}
		return true
	})
}

// successors generates c's successors thread by thread and hands each
// thread's (finished: canonical) to emit; with reuse, the memory they took
// in c's arena is taken back once emit returns. A thread in sleep (at
// most the first 64: bit t is thread t) is not stepped: emit gets no steps
// and the number of steps it has (stepCount; one whose steps it cannot
// count is stepped).
func (s *Semantics) successors(c *Config, reuse bool, sleep uint64, emit func(steps []Succ, asleep int) bool) StepInfo {
	var info StepInfo
	p := s.P
	var buf []Succ
	if c.arena != nil {
		buf = c.arena.steps[:0]
		defer func() { c.arena.steps = buf[:0] }()
	}
	// With reuse, the memory of a wide configuration's successors is taken
	// back after each group; a narrow one's all fit in the arena until its
	// next Reset, and marking and releasing at every group cost 10% of the
	// time (prodcons K=3).
	release := reuse && len(c.Threads) > narrowThreads
	// step generates one group of successors with gen and emits them.
	step := func(gen func(out []Succ) []Succ) bool {
		var m arenaMark
		if release {
			m = c.arena.mark()
		}
		buf = gen(buf[:0])
		for i := range buf {
			s.finish(c, buf[i].Next)
		}
		ok := len(buf) == 0 || emit(buf, 0)
		if release {
			// The successors' memory goes back to the arena: no pointer
			// into it may stay behind in buf. A narrow configuration's
			// stay until the arena's next Reset, so buf's are left (they
			// are overwritten; clearing them cost 3% of the time).
			clear(buf)
			c.arena.release(m)
		}
		return ok
	}
	if p.Update != nil && !c.Upd.Introduced && s.UpdateAt.Mode == AtStep && c.Upd.Countdown == 0 {
		// The pinned introduction is due: it is the only step.
		if anyRunning(c) {
			step(func(out []Succ) []Succ { return append(out, s.introduce(c)) })
		}
		return info
	}
	for t, th := range c.Threads {
		if th.Status != Running || th.Barrier {
			continue
		}
		if th.Spin {
			if !step(func(out []Succ) []Succ {
				return append(out, Succ{Action: Action{Kind: ActSpin, Thread: t, Code: -1, Label: -1}, Next: c.clone()})
			}) {
				return info
			}
			continue
		}
		f := &th.Frames[len(th.Frames)-1]
		in := &p.Codes[f.Code].Instrs[f.PC]
		if sleep != 0 && t < 64 && sleep&(1<<t) != 0 {
			if k := s.stepCount(c, t, in, &info); k >= 0 {
				info.Asleep += k
				if k > 0 && !emit(nil, k) {
					return info
				}
				continue
			}
		}
		var gen func(out []Succ) []Succ
		switch in.Op {
		case ISend, ISelect:
			// A multicast is one send: enabled while fewer than QueueBound
			// messages are queued (docs/language.md §4).
			if s.QueueBound >= 0 && c.QueueLen() >= s.QueueBound {
				info.CapacityBlocked = true
				continue
			}
			gen = func(out []Succ) []Succ { return append(out, s.send(c, t, in)) }
		case IRecv, ICase:
			gen = func(out []Succ) []Succ { return s.receive(out, c, t, in) }
		case IChoose:
			gen = func(out []Succ) []Succ {
				for i := range p.Codes[f.Code].Tables[in.A].targets {
					out = append(out, s.choose(c, t, i))
				}
				return out
			}
		case ICall, ITail, IUpdate:
			gen = func(out []Succ) []Succ { return s.updatePoint(out, c, t) }
		case IRequest:
			gen = func(out []Succ) []Succ { return s.start(out, c, t, in) }
		default:
			// IAccept: sessions start from the requester's side.
			continue
		}
		if !step(gen) {
			return info
		}
	}
	if p.Update != nil && c.Upd.Introduced && s.Strategy.Release(p, c) {
		if !step(func(out []Succ) []Succ { return append(out, s.release(c)) }) {
			return info
		}
	}
	if p.Update != nil && !c.Upd.Introduced && s.UpdateAt.Mode == AtAny && anyRunning(c) {
		step(func(out []Succ) []Succ { return append(out, s.introduce(c)) })
	}
	return info
}

// finish puts a successor of c in final form: the pinned introduction's
// countdown, the canonical form, the symmetry's representative.
func (s *Semantics) finish(c, n *Config) {
	if c.Upd.Countdown > 0 {
		n.Upd.Countdown--
	}
	if !s.Raw {
		s.P.canonicalize(n, s.canon())
		if s.Sym != nil {
			s.Sym.canonicalFrom(c, n)
		}
	}
}

// narrowThreads is the most threads of a configuration whose successors
// all stay in the arena until its next Reset (see successors): a few
// hundred kilobytes at most.
const narrowThreads = 64

func anyRunning(c *Config) bool {
	for _, th := range c.Threads {
		if th.Status == Running {
			return true
		}
	}
	return false
}
