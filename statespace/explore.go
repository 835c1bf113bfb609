package statespace

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
	"time"
)

// Checker turns the facts of a step or of a configuration without
// successors into violations. Package properties implements it.
type Checker interface {
	// CheckStep is called for every transition (from is nil for the step
	// that builds the initial configuration).
	CheckStep(p *Program, from *Config, s *Succ) *Violation
	// CheckTerminal is called for every configuration with no successors.
	CheckTerminal(p *Program, c *Config, info StepInfo) *Violation
}

// Violation is a property violation with its shortest trace.
type Violation struct {
	Property string // fidelity, linearity, progress, update-completion, runtime
	Rule     string // e.g. "fidelity (c)", "deadlock", "orphan messages"
	Thread   string // the thread at fault, if one is
	Action   string // what it did
	Expected string
	Found    string
	Trace    []TraceStep
	// Path is the trace as successor indices from the initial
	// configuration (ReplayPath replays it).
	Path []uint32
	// Final is the configuration the trace ends in, described.
	Final string
}

// Verdict is three-valued, as in porcupine/raft tests: a bounded search that
// found nothing says Unknown, never Holds.
type Verdict uint8

const (
	Holds    Verdict = iota // exhaustive, no violation
	Violated                // a violation was found
	Unknown                 // no violation found, but the search was cut
)

func (v Verdict) String() string {
	switch v {
	case Holds:
		return "ok"
	case Violated:
		return "violation"
	}
	return "unknown"
}

// Options configure an exploration.
type Options struct {
	Visited  VisitedSet
	Frontier Frontier
	Links    Links
	Checker  Checker

	MaxDepth  int   // 0: no bound
	MaxStates int64 // 0: no bound
	Workers   int   // 0: runtime.NumCPU()
	// Batch is the number of frontier configurations expanded per batch
	// (their successors go to the visited set in one Insert); 0: a default.
	Batch int
	// Progress, if set, is called from the exploring goroutine after each
	// batch.
	Progress func(Progress)
}

// Progress is a snapshot of a running exploration.
type Progress struct {
	States      int64
	Transitions int64
	Frontier    int64
	Depth       int
	Elapsed     time.Duration
	StoreRAM    int64 // bytes the stores hold in memory (those that can tell)
	StoreDisk   int64 // bytes the stores hold on disk
}

// Result is the outcome of an exploration.
type Result struct {
	Verdict     Verdict
	Exhaustive  bool // the search was not cut (by a bound, a limit or an interruption)
	Violation   *Violation
	States      int64 // distinct configurations
	Transitions int64
	Depth       int // the greatest BFS depth reached
	// CapacityHits counts configurations in which a send was held back by
	// the queue bound; CapacityStuck those in which nothing else could move.
	CapacityHits  int64
	CapacityStuck int64
	CutByDepth    bool
	CutByStates   bool
	Interrupted   bool
	// Strategy costs (README "Growth and strategy costs"). BlockedConfigs counts the
	// explored configurations in which some thread waits at the barrier,
	// MaxBlocked the most threads waiting at once. UpdateLatency is the
	// greatest number of steps from the introduction to the step after
	// which every participant has applied, along the shortest path to each
	// configuration where that happens (-1 if it never does). MixedRuns
	// counts the steps in which a role started a run under another protocol
	// version than a role of the same instance had (fidelity (c) facts,
	// counted even when fidelity is switched off).
	BlockedConfigs int64
	MaxBlocked     int
	UpdateLatency  int
	MixedRuns      int64
	// CollisionProb is the estimated probability that a fingerprint
	// collision hid a state (TLC's optimistic estimate n*(m-n)/2^64).
	CollisionProb float64
	Elapsed       time.Duration
}

// Explore searches the state space of sem breadth-first from its initial
// configuration and stops at the first violation, which then has a shortest
// trace. It honours ctx: cancelling it stops the search at the next batch,
// with Interrupted set and the statistics so far. If a store fails, Explore
// returns the error together with the statistics so far.
func Explore(ctx context.Context, sem *Semantics, opt Options) (*Result, error) {
	start := time.Now()
	p := sem.P
	res := &Result{UpdateLatency: -1}
	finish := func() (*Result, error) {
		res.Elapsed = time.Since(start)
		res.States = opt.Links.Len()
		n, m := float64(res.States), float64(res.Transitions+1)
		res.CollisionProb = n * math.Max(m-n, 0) / math.Pow(2, 64)
		switch {
		case res.Violation != nil:
			res.Verdict = Violated
		case res.CutByDepth || res.CutByStates || res.Interrupted:
			res.Verdict = Unknown
		default:
			res.Verdict = Holds
			res.Exhaustive = true
		}
		return res, nil
	}
	// failed returns the statistics so far with an error: a store that
	// fails (a full disk) must not lose what was learnt.
	failed := func(err error) (*Result, error) {
		r, _ := finish()
		r.Verdict, r.Exhaustive = Unknown, false
		return r, err
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	// The batch size does not depend on the number of workers, so that a
	// search cut by MaxStates stops at the same place whatever it is.
	batch := opt.Batch
	if batch <= 0 {
		batch = 4096
	}

	init, fault := sem.Initial()
	if v := opt.Checker.CheckStep(p, nil, &Succ{Next: init, Fault: fault, Action: Action{Kind: ActFault, Thread: faultThread(fault), Code: -1, Label: -1}}); v != nil {
		v.Trace, v.Path, v.Final = []TraceStep{}, []uint32{}, p.Describe(init)
		res.Violation = v
		return finish()
	}
	enc := p.Encode(nil, init)
	isNew := []bool{false}
	if err := opt.Visited.Insert([]uint64{Fingerprint(enc)}, isNew); err != nil {
		return failed(err)
	}
	id, err := opt.Links.Append(-1, 0)
	if err != nil {
		return failed(err)
	}
	if err := opt.Frontier.Push(frontierRecord(nil, id, nextAux(p, init, auxNotIntroduced), enc)); err != nil {
		return failed(err)
	}

	type expanded struct {
		id       int64
		aux      int64
		succs    [][]byte // encodings, slices of arena
		arena    []byte
		auxs     []int64
		blocked  int
		mixed    int64
		fps      []uint64
		info     StepInfo
		viol     *Violation
		violSucc int // index of the violating successor, -1 for a terminal one
	}
	results := make([]expanded, 0, batch)
	recs := make([][]byte, 0, batch)
	var fps []uint64
	var parents []int64
	var auxs []int64
	var succIdx []uint32
	var encs [][]byte
	newFlags := []bool{}

	arenas := make([]Arena, workers)
	expand := func(rec []byte, out *expanded, arena *Arena) error {
		arena.Reset()
		pid, aux, enc := splitRecord(rec)
		c, err := p.Decode(enc, arena)
		if err != nil {
			return err
		}
		succs, info := sem.Successors(c)
		out.id, out.aux, out.info, out.viol, out.violSucc = pid, aux, info, nil, -1
		out.succs, out.fps, out.auxs, out.arena = out.succs[:0], out.fps[:0], out.auxs[:0], out.arena[:0]
		out.blocked, out.mixed = 0, 0
		for _, th := range c.Threads {
			if th.Barrier {
				out.blocked++
			}
		}
		if len(succs) == 0 {
			if v := opt.Checker.CheckTerminal(p, c, info); v != nil {
				out.viol = v
				return nil
			}
		}
		for i := range succs {
			// A run mix is counted whether or not fidelity reports it (and
			// so also on the step that violates it).
			if f := succs[i].Fault; f != nil && f.Kind == FaultRunMix {
				out.mixed++
			}
			if v := opt.Checker.CheckStep(p, c, &succs[i]); v != nil {
				out.viol, out.violSucc = v, i
				return nil
			}
			start := len(out.arena)
			out.arena = p.Encode(out.arena, succs[i].Next)
			e := out.arena[start:len(out.arena):len(out.arena)]
			out.auxs = append(out.auxs, nextAux(p, succs[i].Next, aux))
			out.succs = append(out.succs, e)
			out.fps = append(out.fps, Fingerprint(e))
		}
		return nil
	}

	depth := 0
	var stepViol *violAt
	// report replays the violation of state id (of the current level) and
	// ends the search.
	report := func(id int64, succ int) (*Result, error) {
		v, err := replayViolation(sem, opt, id, succ)
		if err != nil {
			return failed(err)
		}
		res.Violation = v
		res.Depth = depth + 1
		if succ < 0 {
			res.Depth = depth
		}
		return finish()
	}
	for opt.Frontier.Len() > 0 {
		if opt.MaxDepth > 0 && depth >= opt.MaxDepth {
			res.CutByDepth = true
			break
		}
		level := opt.Frontier.Len()
		for level > 0 {
			if ctx.Err() != nil {
				if stepViol != nil {
					return report(stepViol.id, stepViol.succ)
				}
				res.Interrupted = true
				res.Depth = depth
				return finish()
			}
			recs = recs[:0]
			for len(recs) < batch && level > 0 {
				rec, err := opt.Frontier.Pop()
				if err == io.EOF {
					return failed(errors.New("statespace: frontier ended early"))
				}
				if err != nil {
					return failed(err)
				}
				recs = append(recs, append([]byte(nil), rec...))
				level--
			}
			for len(results) < len(recs) {
				results = append(results, expanded{})
			}
			results = results[:len(recs)]
			// Expand the batch in parallel; every result goes to its own
			// slot, so merging below sees them in frontier order whatever
			// the number of workers.
			var wg sync.WaitGroup
			errs := make([]error, workers)
			chunk := (len(recs) + workers - 1) / workers
			for w := 0; w < workers; w++ {
				lo, hi := w*chunk, (w+1)*chunk
				if hi > len(recs) {
					hi = len(recs)
				}
				if lo >= hi {
					break
				}
				wg.Add(1)
				go func(w, lo, hi int) {
					defer wg.Done()
					for i := lo; i < hi; i++ {
						if err := expand(recs[i], &results[i], &arenas[w]); err != nil {
							errs[w] = err
							return
						}
					}
				}(w, lo, hi)
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					return failed(err)
				}
			}
			fps, parents, succIdx, encs, auxs = fps[:0], parents[:0], succIdx[:0], encs[:0], auxs[:0]
			for i := range results {
				r := &results[i]
				if r.blocked > 0 {
					res.BlockedConfigs++
					if r.blocked > res.MaxBlocked {
						res.MaxBlocked = r.blocked
					}
				}
				res.MixedRuns += r.mixed
				if r.info.CapacityBlocked {
					res.CapacityHits++
					if len(r.succs) == 0 && r.viol == nil {
						res.CapacityStuck++
					}
				}
				if r.viol != nil && r.violSucc < 0 {
					// A configuration of this level with no step: a
					// violation at this depth, the shortest there can be.
					return report(r.id, -1)
				}
				if r.viol != nil && stepViol == nil {
					// A step from this level: depth+1. A terminal
					// violation later in the level is shorter, so the
					// level is finished first.
					stepViol = &violAt{r.id, r.violSucc}
				}
				if stepViol != nil {
					continue
				}
				res.Transitions += int64(len(r.succs))
				for j := range r.succs {
					fps = append(fps, r.fps[j])
					parents = append(parents, r.id)
					succIdx = append(succIdx, uint32(j))
					encs = append(encs, r.succs[j])
					auxs = append(auxs, r.auxs[j])
				}
			}
			if cap(newFlags) < len(fps) {
				newFlags = make([]bool, len(fps))
			}
			newFlags = newFlags[:len(fps)]
			if err := opt.Visited.Insert(fps, newFlags); err != nil {
				return failed(err)
			}
			var rec []byte
			for k, isNew := range newFlags {
				if !isNew {
					continue
				}
				if opt.MaxStates > 0 && opt.Links.Len() >= opt.MaxStates {
					res.CutByStates = true
					break
				}
				id, err := opt.Links.Append(parents[k], succIdx[k])
				if err != nil {
					return failed(err)
				}
				if a := auxs[k]; a <= auxCompletedMin {
					if l := int(auxCompletedMin - a); l > res.UpdateLatency {
						res.UpdateLatency = l
					}
					auxs[k] = auxCompleted
				}
				rec = frontierRecord(rec[:0], id, auxs[k], encs[k])
				if err := opt.Frontier.Push(rec); err != nil {
					return failed(err)
				}
				if depth+1 > res.Depth {
					res.Depth = depth + 1
				}
			}
			if opt.Progress != nil {
				pr := Progress{States: opt.Links.Len(), Transitions: res.Transitions, Frontier: opt.Frontier.Len(), Depth: depth, Elapsed: time.Since(start)}
				for _, st := range []any{opt.Visited, opt.Frontier, opt.Links} {
					if sz, ok := st.(Sizer); ok {
						ss := sz.Stats()
						pr.StoreRAM += ss.RAMBytes
						pr.StoreDisk += ss.DiskBytes
					}
				}
				opt.Progress(pr)
			}
			if res.CutByStates {
				if stepViol != nil {
					res.CutByStates = false // found before the cut
					return report(stepViol.id, stepViol.succ)
				}
				res.Depth = depth + 1
				return finish()
			}
		}
		if stepViol != nil {
			return report(stepViol.id, stepViol.succ)
		}
		depth++
	}
	return finish()
}

// violAt is a violation found on the way: the state and the successor index
// of its step (-1: the state itself has no step).
type violAt struct {
	id   int64
	succ int
}

func faultThread(f *Fault) int {
	if f == nil {
		return -1
	}
	return f.Thread
}

// A frontier record is the state's id, its latency counter (aux) and its
// encoding. The counter is a metric, not part of the state's identity: it
// is the number of steps since the update's introduction along the path by
// which the state was first reached (auxNotIntroduced before; once every
// participant has applied, the latency is recorded and it becomes
// auxCompleted). A state completing the update at latency l is marked
// auxCompletedMin - l until the explorer records it.
const (
	auxNotIntroduced = -1
	auxCompleted     = -2
	auxCompletedMin  = -3
)

func nextAux(p *Program, c *Config, parent int64) int64 {
	switch {
	case parent == auxCompleted:
		return auxCompleted
	case !c.Upd.Introduced:
		return auxNotIntroduced
	}
	steps := parent + 1 // the introduction step itself gives 0
	if parent == auxNotIntroduced {
		steps = 0
	}
	if updateComplete(p, c) {
		return auxCompletedMin - steps
	}
	return steps
}

// updateComplete reports whether every participant has applied the update
// or finished.
func updateComplete(p *Program, c *Config) bool {
	if p.Update == nil || !c.Upd.Introduced {
		return false
	}
	for _, th := range c.Threads {
		if th.Participant && th.HeapVer == 0 && th.Status == Running {
			return false
		}
	}
	return true
}

func frontierRecord(buf []byte, id, aux int64, enc []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(id))
	buf = binary.AppendVarint(buf, aux)
	return append(buf, enc...)
}

func splitRecord(rec []byte) (int64, int64, []byte) {
	id, n := binary.Uvarint(rec)
	aux, m := binary.Varint(rec[n:])
	return int64(id), aux, rec[n+m:]
}

// TraceStep is one step of a counterexample.
type TraceStep struct {
	Step   int    `json:"step"`
	Thread string `json:"thread"`
	Action string `json:"action"`
	Queue  string `json:"queue"`
}

// replayViolation rebuilds the violation found at state id (through its
// successor succ, or at the state itself if succ < 0) from the replayed
// trace, so that its report shows the run's real numbers (display fields
// that the canonical encoding forgets).
func replayViolation(sem *Semantics, opt Options, id int64, succ int) (*Violation, error) {
	path, err := PathTo(opt.Links, id)
	if err != nil {
		return nil, err
	}
	if succ >= 0 {
		path = append(path, uint32(succ))
	}
	tr, err := ReplayPath(sem, path)
	if err != nil {
		return nil, err
	}
	var v *Violation
	if succ >= 0 {
		v = opt.Checker.CheckStep(sem.P, tr.Before, tr.Last)
	} else {
		succs, info := sem.Successors(tr.Final)
		if len(succs) == 0 {
			v = opt.Checker.CheckTerminal(sem.P, tr.Final, info)
		}
	}
	if v == nil {
		return nil, fmt.Errorf("statespace: the violation did not recur when its trace was replayed")
	}
	v.Trace, v.Path, v.Final = tr.Steps, path, sem.P.Describe(tr.Final)
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

// ReplayPath replays a path of successor indices from the initial
// configuration, describing every step. It fails if the path is not a run
// of the semantics.
func ReplayPath(sem *Semantics, path []uint32) (*Replayed, error) {
	p := sem.P
	c, _ := sem.Initial()
	tr := &Replayed{Steps: []TraceStep{}, Final: c}
	for i, s := range path {
		succs, _ := sem.Successors(c)
		if int(s) >= len(succs) {
			return nil, fmt.Errorf("statespace: trace replay diverged at step %d (successor %d of %d)", i+1, s, len(succs))
		}
		st := &succs[s]
		tr.Steps = append(tr.Steps, TraceStep{
			Step:   i + 1,
			Thread: p.actorName(st.Action),
			Action: p.DescribeAction(c, st),
			Queue:  p.DescribeQueue(st.Next),
		})
		tr.Before, tr.Last = c, st
		c = st.Next
	}
	tr.Final = c
	return tr, nil
}
