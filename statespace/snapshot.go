package statespace

import (
	"fmt"
	"strings"
)

// Snapshots: a configuration as data, piece by piece, for views that show
// a counterexample step by step (the HTML page of mcheck check --html).
// Like the descriptions, they are built only for a trace, never while
// exploring.

// Snapshot is one configuration: each thread, each endpoint with its
// protocol version and run number, the queue and the update's state.
type Snapshot struct {
	Threads   []ThreadView   `json:"threads"`
	Endpoints []EndpointView `json:"endpoints"`
	// Queue has one entry per non-empty FIFO, e.g. "s#1 p1->p2: -1 2".
	Queue []string `json:"queue"`
	// Update is "" without an update, else "not introduced" or
	// "introduced", with the instances' update run numbers.
	Update string `json:"update,omitempty"`
}

// ThreadView is one thread of a snapshot.
type ThreadView struct {
	Name string `json:"name"`
	// Status says where the thread is ("at send in old f (m.dsu:3:14)"),
	// or "finished", or "stopped by a runtime error".
	Status  string `json:"status"`
	Applied bool   `json:"applied"` // it has applied the update
	Ended   bool   `json:"ended"`   // finished or stopped by an error
}

// EndpointView is one endpoint of a live session instance.
type EndpointView struct {
	Name   string `json:"name"` // e.g. s#1.p1
	Holder string `json:"holder"`
	// HolderNote says that the holder can no longer act: "who has
	// finished", "stopped by a fault" (as the text says it; found by a
	// tester: the page left it out).
	HolderNote string `json:"holder_note,omitempty"`
	Protocol   string `json:"protocol"` // the protocol version of its current run
	// NextProtocol is the version its next run will follow, when it
	// differs (the update has moved the endpoint).
	NextProtocol string `json:"next_protocol,omitempty"`
	Run          int    `json:"run"` // the run it performs, from 1
	// RunAtLeast: the endpoint has migrated for good, and the canonical
	// form stops counting such an endpoint's runs past the others' (README,
	// How the search works): Run is a lower bound.
	RunAtLeast bool `json:"run_at_least,omitempty"`
	// RunNotCounted: the update does not move the endpoint's service (or
	// there is no update), so its runs cannot matter and the canonical
	// form does not count them, or the endpoint has ended or is not
	// followed any more, and the canonical form forgets its runs (Run is 0).
	RunNotCounted bool   `json:"run_not_counted,omitempty"`
	Next          string `json:"next"`
}

// SnapshotOf describes configuration c, a configuration of s's searches, as
// data.
func (s *Semantics) SnapshotOf(c *Config) Snapshot { return s.P.snapshotOf(c, s.canon().noRuns) }

// snapshotOf is SnapshotOf; noRuns, that the search counts no runs
// (canonOpts).
func (p *Program) snapshotOf(c *Config, noRuns bool) Snapshot {
	s := Snapshot{Threads: []ThreadView{}, Endpoints: []EndpointView{}, Queue: []string{}}
	for t, th := range c.Threads {
		s.Threads = append(s.Threads, ThreadView{Name: p.Threads[t].Name, Status: p.threadStatus(c, th),
			Applied: th.HeapVer == 1, Ended: th.Status != Running})
	}
	for _, in := range instsShown(c) {
		for _, i := range p.Ordered(in) {
			e := in.Ends[i]
			v := EndpointView{
				Name:     fmt.Sprintf("%s#%d.%s", p.Services[in.Service].Name, in.Serial, p.Roles[e.Role]),
				Holder:   p.Threads[e.Holder].Name,
				Protocol: p.protoName(in.Service, e.Ver),
				Next:     p.endState(in, e),
			}
			v.HolderNote = holderNote(c, int(e.Holder))
			if e.NextVer != e.Ver {
				v.NextProtocol = p.protoName(in.Service, e.NextVer)
			}
			var counted bool
			v.Run, v.RunAtLeast, counted = p.runOf(in, e, noRuns)
			v.RunNotCounted = !counted
			s.Endpoints = append(s.Endpoints, v)
		}
	}
	for _, ch := range queueShown(c) {
		s.Queue = append(s.Queue, p.describeChannel(c, ch))
	}
	if p.Update != nil {
		s.Update = p.updateState(c)
	}
	return s
}

// holderNote says that an endpoint's holder can no longer act: "who has
// finished", "stopped by a fault"; "" while it runs.
func holderNote(c *Config, holder int) string {
	switch c.Threads[holder].Status {
	case Done:
		return "who has finished"
	case Crashed:
		return "stopped by a fault"
	}
	return ""
}

// runOf is the run endpoint e of instance in performs, from 1; atLeast,
// that it is a lower bound (the endpoint has migrated for good, and the
// canonical form stops counting its runs past the others': README, How
// the search works; found by a tester: the page showed run 1 all along a
// trace of three runs after the update); counted false, that the update
// does not move the service (or there is none), so its runs cannot matter
// and are not counted (run 0), or that the endpoint has ended or is not
// followed any more: the canonical form forgets its runs (normaliseRuns),
// and the run shown went back to 1, or differed from one strategy to
// another on one trace (a tester); or, with noRuns, that the search
// counts no runs at all (--update-at never: a tester saw "run 1" all
// along three runs).
func (p *Program) runOf(in *Instance, e End, noRuns bool) (run int, atLeast, counted bool) {
	if noRuns || !p.Services[in.Service].Moved || e.Done || e.Untracked {
		return 0, false, false
	}
	return int(in.RunBase + e.Run + 1), p.runClamped(in.Service, e), true
}

// runClamped says that endpoint e of a session of service svc has
// migrated for good, and the canonical form stops counting its runs past
// the others' (normaliseRuns): its run number is a lower bound. A service
// with one run in each version has none to count (found by testers: "run
// 1 or later" of a protocol with one run).
func (p *Program) runClamped(svc int, e End) bool {
	pr := p.Services[svc].Protocol
	return e.Ver == 1 && e.NextVer == 1 && (pr[0].Looping || pr[1].Looping)
}

// endState says what endpoint e of instance in expects next.
func (p *Program) endState(in *Instance, e End) string {
	lt := p.Services[in.Service].Monitors[e.Ver][e.Role]
	switch {
	case e.Untracked:
		return "not followed any more (after a fault)"
	case lt == nil:
		return "nothing: " + p.protoName(in.Service, e.Ver) + " has no role " + p.Roles[e.Role]
	}
	return p.describeState(&lt.States[e.State])
}

// describeChannel lists one FIFO's messages, e.g. "s#1 p1->p2: -1 2".
func (p *Program) describeChannel(c *Config, ch *Channel) string {
	var ms []string
	for _, m := range ch.Msgs {
		if m.Label >= 0 {
			ms = append(ms, p.Labels[m.Label])
		} else {
			ms = append(ms, m.Val.String())
		}
	}
	name := "?"
	if int(ch.Inst) < len(c.Insts) {
		in := c.Insts[ch.Inst]
		name = fmt.Sprintf("%s#%d", p.Services[in.Service].Name, in.Serial)
	}
	return fmt.Sprintf("%s %s->%s: %s", name, p.Roles[ch.From], p.Roles[ch.To], strings.Join(ms, " "))
}
