package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

func init() {
	register(&command{name: "swarm", summary: "many small bitstate searches in parallel, for models too large to explore; violations found are shrunk", run: runSwarm, signals: true})
}

// swarmFlags are the flags of `mcheck swarm`; those it shares with check
// live in checkFlags, and are validated by checkFlags.plan.
type swarmFlags struct {
	checkFlags
	seed         uint64
	members      int
	depth        int
	duration     time.Duration
	shrink       bool
	shrinkStates int64
	shrinkBudget int64
	rawTrace     bool
}

func (f *swarmFlags) register(fs *pflag.FlagSet) {
	f.store = ""
	listVar(fs, &f.strategy, "strategy", "all", "coordination strategies: all, or a comma-separated list of "+strings.Join(statespace.StrategyNames(), ", ")+" (repeatable: the lists add up)")
	listVar(fs, &f.update, "update", "", "the update to check, or a comma-separated list (default: every update in the model, one after another; repeatable: the lists add up)")
	fs.StringVar(&f.updateAt, "update-at", "any", "when the update is introduced: any (every moment), never, or step:K (after exactly K steps)")
	fs.IntVar(&f.queueBound, "queue-bound", check.DefaultQueueBound, "capacity of the global queue, at least 1: a send is not enabled while this many messages are queued")
	skipVar(fs, &f.skip)
	fs.IntVar(&f.workers, "workers", 0, "members searching at once (default: the number of cores); the result does not depend on it")
	fs.BoolVar(&f.jsonOut, "json", false, "print one JSON object per (update, strategy) swarm, one per line")
	fs.StringVar(&f.trace, "trace", "text", "counterexample format: text, msc (message sequence chart) or json")
	fs.BoolVar(&f.coverage, "coverage", false, "after each swarm, list what no member exercised: communication, choose, session-start and update-point places never performed, local-type states never reached, source lines never run")
	fs.StringVar(&f.memBudget, "mem-budget", "", "memory, at least 1MiB, for the breadth-first members' frontiers and links before they spill to disk, and for shrinking (default: a quarter of RAM); the bit arrays come on top")
	fs.IntVar(&f.members, "swarm", statespace.DefaultSwarmMembers, "the number of searches (members), 1 to 65536, each with its own hash function, order and depth bound")
	fs.UintVar(&f.bits, "bits", statespace.DefaultSwarmBits, "each member's bit array has 2^K bits, K from 8 to 38 (27: 16 MiB)")
	fs.Int64Var(&f.maxStates, "max-states", statespace.DefaultSwarmStates, "the most configurations each member stores (0: no bound; a member then ends when its bit array takes nothing for new)")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the members' hash functions and orders")
	fs.IntVar(&f.depth, "depth", statespace.DefaultSimDepth, "the longest runs a member follows (a shallow member follows an eighth of it)")
	fs.DurationVar(&f.duration, "time", 0, "time per strategy, e.g. 30s or 5m (0: no limit)")
	fs.BoolVar(&f.shrink, "shrink", true, "look for a shorter run to each violation found (bounded BFS, then delta debugging)")
	fs.Int64Var(&f.shrinkStates, "shrink-states", statespace.DefaultShrinkStates, "configurations the shrinking BFS may store")
	fs.Int64Var(&f.shrinkBudget, "shrink-budget", statespace.DefaultShrinkBudget, "configurations delta debugging may replay while shrinking (0: no delta debugging)")
	fs.BoolVar(&f.rawTrace, "raw-trace", false, "also print the member's own run, before shrinking")
	fs.StringVar(&f.progress, "progress", "auto", "progress on stderr (members done, states stored): auto (a bar when stderr is a terminal, without --json), on (always, --json too: lines each second when stderr is not a terminal) or off")
}

func (f *swarmFlags) plan() (*checkPlan, error) {
	cp, err := f.checkFlags.plan()
	if err != nil {
		return nil, err
	}
	switch {
	case f.members < 1 || f.members > 1<<16:
		return nil, fmt.Errorf("--swarm must be between 1 and %d, got %d", 1<<16, f.members)
	case f.bits < store.MinBitstateBits || f.bits > store.MaxBitstateBits:
		return nil, fmt.Errorf("--bits %d is out of range: from %d to %d", f.bits, store.MinBitstateBits, store.MaxBitstateBits)
	case f.depth < 1:
		return nil, fmt.Errorf("--depth must be at least 1, got %d", f.depth)
	case f.duration < 0:
		return nil, fmt.Errorf("--time must not be negative, got %s", f.duration)
	case f.shrinkStates < 1:
		return nil, fmt.Errorf("--shrink-states must be at least 1, got %d", f.shrinkStates)
	case f.shrinkBudget < 0:
		return nil, fmt.Errorf("--shrink-budget must not be negative, got %d", f.shrinkBudget)
	}
	return cp, nil
}

func runSwarm(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("swarm", pflag.ContinueOnError)
	var f swarmFlags
	f.register(fs)
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: mcheck swarm [flags] MODEL.dsu")
		fmt.Fprintln(w, "\nRuns many small bitstate searches (SPIN's swarm verification) under each coordination")
		fmt.Fprintln(w, "strategy, in parallel, for models too large to explore exhaustively. Each member keeps")
		fmt.Fprintln(w, "the configurations it has seen in a bit array of its own (2^--bits bits, 3 hash")
		fmt.Fprintln(w, "functions seeded for the member) and searches in an order of its own: member j is")
		fmt.Fprintln(w, "depth-first with shuffled successors (j mod 4 = 0), depth-first with the threads in a")
		fmt.Fprintln(w, "random priority (1), depth-first to an eighth of --depth (2), or breadth-first (3).")
		fmt.Fprintln(w, "Every step of every configuration a member expands is checked as `mcheck check` checks")
		fmt.Fprintln(w, "it, for safety only (the liveness half of update completion needs `mcheck check`).")
		fmt.Fprintln(w, "The violation of the lowest-numbered member that finds one is reported (the members")
		fmt.Fprintln(w, "after it stop), then shrunk as `mcheck simulate` shrinks; the same seed gives the same")
		fmt.Fprintln(w, "result whatever --workers is (with --time, how far the members get varies). Each")
		fmt.Fprintln(w, "member's coverage is printed: states stored, bits set, and the configurations it")
		fmt.Fprintln(w, "probably omitted. Finding no violation proves nothing.")
		fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
		fmt.Fprintln(w, "\nExit status: 1 violation found, 4 no violation found (a swarm is never exhaustive), 2 bad input or usage, 3 failure, interrupted, or the output could not be written.")
	}
	if status, done := parseFlags("swarm", fs, args, usage, stdout, stderr); done {
		return status
	}
	path, ok := oneArg("swarm", fs.Args(), stderr)
	if !ok {
		return exitUsage
	}
	plan, err := f.plan()
	if err != nil {
		fmt.Fprintf(stderr, "mcheck swarm: %v\n", err)
		return exitUsage
	}
	// Before the model loads: a signal then is an interruption too.
	ctx, stop := interruptible("swarm", stderr)
	defer stop()
	m, _, status := loadModel(ctx, "swarm", path, f.update, stderr)
	if status != exitOK {
		return status
	}
	noteIdleSettings("swarm", m, f.jsonOut, f.updateAt, f.strategy, stderr)

	done := 0
	var lastUpdate *model.Update
	maxStates := f.maxStates
	if maxStates == 0 {
		maxStates = -1 // no bound
	}
	jp := &jobProgress{f: &f.checkFlags, stderr: stderr}
	opts := check.SwarmOptions{
		Strategies: plan.strategies, Update: f.update, UpdateAt: plan.updateAt, QueueBound: f.queueBound, Skip: f.skip,
		Search: statespace.SwarmOptions{Members: f.members, Seed: f.seed, Bits: f.bits, MaxStates: maxStates, Depth: f.depth,
			Time: f.duration, Workers: f.workers, Coverage: f.coverage},
		Shrink: f.shrink, ShrinkStates: f.shrinkStates, ShrinkBudget: f.shrinkBudget, MemBudget: plan.memBudget,
		Progress: func(j *check.Job, sp statespace.SwarmProgress) {
			if bar := jp.of(j); bar != nil {
				bar.updateMembers(sp)
			}
		},
		Finished: jp.finished,
		Done: func(o *check.SwarmOutcome) {
			r := swarmReportOf(path, o)
			if f.jsonOut {
				writeSwarmJSON(stdout, r, &f)
			} else {
				writeSwarmRun(stdout, r, &f, done == 0 || o.Update != lastUpdate, done == 0)
			}
			done, lastUpdate = done+1, o.Update
		},
	}
	if f.shrinkBudget == 0 {
		opts.ShrinkBudget = -1 // no delta debugging
	}
	outs, err := check.Swarm(ctx, m, opts)
	planned := check.Options{Strategies: opts.Strategies, Update: opts.Update, QueueBound: opts.QueueBound, Skip: opts.Skip} // what was planned, for notRun
	var runs []*swarmReport
	for _, o := range outs {
		runs = append(runs, swarmReportOf(path, o))
	}
	if err != nil {
		fmt.Fprintf(stderr, "mcheck swarm: %v\n", err)
		violation := false
		for _, r := range runs[:min(done, len(runs))] {
			violation = violation || r.res.Violation != nil
		}
		if n := len(runs); n > done {
			// The swarm that failed: what its members stored so far (and,
			// with --json, its line, search "failed"), as check does.
			last := runs[n-1]
			fmt.Fprintf(stderr, "mcheck swarm: stopped after %s in %s (%s, %s); nothing is proved\n", plural(last.stored(), "state"), plural(len(last.res.Members), "member"), updateName(last.update), last.strategy)
			last.failure = err
			if f.jsonOut {
				writeSwarmJSON(stdout, last, &f)
			} else {
				// In text too, as check: its line, then the summary (found
				// by a tester: stdout was empty).
				writeSwarmRun(stdout, last, &f, done == 0 || last.update != lastUpdate, done == 0)
			}
		}
		if !f.jsonOut && len(runs) > 0 {
			fmt.Fprintln(stdout)
			writeSwarmSummary(stdout, runs, &f)
		}
		notRun(stdout, stderr, f.jsonOut, "swarm", m, planned, len(runs), whyFailed("swarm"))
		// A violation found before the failure is a result: it wins.
		if violation {
			return exitViolation
		}
		return exitFailure
	}
	if !f.jsonOut && len(runs) > 0 {
		fmt.Fprintln(stdout)
		writeSwarmSummary(stdout, runs, &f)
	}
	cut := cutShort(ctx, m, planned, len(runs))
	// Where it stopped (status says it), then what it did not start, as
	// check (a tester: with --json the two came the other way round).
	status = swarmStatus(runs, stderr)
	if len(runs) > 0 && runs[len(runs)-1].res.Interrupted || cut {
		notRun(stdout, stderr, f.jsonOut, "swarm", m, planned, len(runs), whyInterrupted)
	}
	if cut && status == exitBounded {
		return exitFailure // interrupted: nothing is proved, and not all ran
	}
	return status
}

// swarmStatus is the exit status of the swarms (walkStatus).
func swarmStatus(runs []*swarmReport, stderr io.Writer) int {
	var ws []walkRun
	for _, r := range runs {
		// The members that finished, and those the interruption stopped
		// part-way (a tester: "after 2 members" of two stopped ones).
		finished := 0
		for _, m := range r.res.Members {
			if m.Status != statespace.MemberStopped {
				finished++
			}
		}
		done := plural(finished, "member") + " finished"
		if n := len(r.res.Members) - finished; n > 0 {
			done += fmt.Sprintf(" and %d stopped part-way", n)
		}
		ws = append(ws, walkRun{violation: r.res.Violation != nil, interrupted: r.res.Interrupted,
			done: done, update: r.update, strategy: r.strategy})
	}
	return walkStatus("swarm", ws, stderr)
}

// swarmReport is one (update, strategy) swarm, for printing.
type swarmReport struct {
	model      string
	update     *model.Update
	strategy   string
	queueBound int
	res        *statespace.SwarmResult
	prog       *statespace.Program
	failure    error // the swarm stopped on this error; res holds what it did so far
}

func swarmReportOf(path string, o *check.SwarmOutcome) *swarmReport {
	s := o.Strategy
	if s == "" {
		s = check.NoStrategy
	}
	return &swarmReport{model: path, update: o.Update, strategy: s, queueBound: o.QueueBound, res: o.Result, prog: o.Program}
}

// shown is the violation printed: the shrunk run if there is one.
func (r *swarmReport) shown() *statespace.Violation {
	if sh := r.res.Shrunk; sh != nil && sh.Violation != nil {
		return sh.Violation
	}
	return r.res.Violation
}

// stored is the number of states the members stored, in all.
func (r *swarmReport) stored() int64 {
	var n int64
	for _, m := range r.res.Members {
		n += m.States
	}
	return n
}

// swarmSetup says how the members search.
func swarmSetup(f *swarmFlags) string {
	states := "no bound on the states"
	if f.maxStates > 0 {
		states = "at most " + plural(f.maxStates, "state")
	}
	s := fmt.Sprintf("%s (seed %d), each with 2^%d bits (%s) and %s, runs of up to %s", plural(f.members, "member"), f.seed, f.bits, bitsSize(f.bits), states, steps(f.depth))
	if f.duration > 0 {
		s += fmt.Sprintf(", for at most %s", f.duration)
	}
	return s
}

// bitsSize is the memory of 2^k bits.
func bitsSize(k uint) string {
	b := uint64(1) << (k - 3)
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%d GiB", b>>30)
	case b >= 1<<20:
		return fmt.Sprintf("%d MiB", b>>20)
	case b >= 1<<10:
		return fmt.Sprintf("%d KiB", b>>10)
	}
	return fmt.Sprintf("%d bytes", b)
}

// writeSwarmRun prints one swarm's result as soon as it is known.
func writeSwarmRun(w io.Writer, r *swarmReport, f *swarmFlags, newUpdate, first bool) {
	if !first {
		fmt.Fprintln(w)
	}
	if newUpdate {
		fmt.Fprintf(w, "%s\n", setupLine(r.model, r.update, r.queueBound, f.updateAt, f.strategy, f.skip))
		fmt.Fprintf(w, "swarm: %s\n\n", swarmSetup(f))
	}
	res := r.res
	if r.failure != nil && len(res.Members) == 0 {
		// Failed before any member started (its bit arrays refused): no
		// members to list, nothing they did not do to say.
		fmt.Fprintf(w, "%s: failed (%v) before any member started: nothing is proved\n", r.strategy, r.failure)
		return
	}
	switch {
	case r.failure != nil && res.Violation == nil:
		fmt.Fprintf(w, "%s: failed (%v) after %s (%d states stored in all): no violation found so far; nothing is proved\n",
			r.strategy, r.failure, plural(len(res.Members), "member"), r.stored())
	case res.Violation == nil:
		fmt.Fprintf(w, "%s: no violation found by %s (%d states stored in all); this is NOT exhaustive: each member omits configurations its bit array took for seen, and stops at its bounds\n",
			r.strategy, plural(len(res.Members), "member"), r.stored())
	default:
		writeSwarmViolation(w, r, f)
	}
	pad := strings.Repeat(" ", len(r.strategy))
	if r.update != nil && !res.Introduced {
		fmt.Fprintf(w, "%s  no member introduced the update (%s): this says nothing about the update\n", pad,
			notTaken(f.updateAt, res.TimedOut, "beyond every run the members followed",
				"--time ended the search before any member took the introduction", "no member took the introduction among the steps it followed"))
	}
	if res.TimedOut {
		fmt.Fprintf(w, "%s  --time %s ended the search", pad, f.duration)
		if ran := len(res.Members); ran < f.members && res.Violation == nil {
			// (found by a tester: with --max-states 0 the first members
			// took the whole time, and the others, breadth-first ones
			// among them, never ran, without a word)
			// What to do depends on whether the members were bounded
			// (found by a tester: 2,005 members of one state each were
			// told to bound themselves with --max-states 1).
			took := "the first took the whole time: bound them with --max-states, or give more --time"
			switch {
			case f.maxStates > 0 && ran == 1:
				took = "the first took the whole time: lower --max-states, or give more --time"
			case f.maxStates > 0:
				took = fmt.Sprintf("the %d that ran took the whole time: give more --time, or fewer members", ran)
			case ran > 1:
				took = fmt.Sprintf("the %d that ran took the whole time: bound them with --max-states, or give more --time", ran)
			}
			fmt.Fprintf(w, " before members %d to %d started (%s)", ran, f.members-1, took)
		}
		fmt.Fprintln(w)
	}
	if res.Interrupted {
		// (found by a tester: only stderr and the JSON said so)
		fmt.Fprintf(w, "%s  interrupted: the members shown stopped part-way, and the rest did not run\n", pad)
	}
	writeMembers(w, r)
	if u := res.Unreached; u != nil {
		writeUnreachedBy(w, r.model, r.strategy, u, "member", "bitstate searches omit configurations and stop at their bounds")
	}
}

// writeMembers prints each member's coverage estimate.
func writeMembers(w io.Writer, r *swarmReport) {
	fmt.Fprintf(w, "%s: members (states: stored in the member's bit array; P(miss): that a new configuration would now be taken for seen; omitted: expected configurations missed, and whatever only they lead to):\n", r.strategy)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  member\tsearch\tdepth\tstatus\tstates\ttransitions\tdeepest\tbits set\tP(miss)\tomitted\tseconds\t")
	for _, m := range r.res.Members {
		c := m.Config
		search := "bfs"
		if c.Search == statespace.SearchDFS {
			search = "dfs shuffled"
			if c.Order == statespace.OrderThreads {
				search = "dfs threads"
			}
		}
		status := m.Status.String()
		if m.DepthCut && m.Status == statespace.MemberEnded {
			status = "ended, depth cut"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%d\t%s\t%d\t%d\t%d\t%.2f%%\t%.2g\t%.3g\t%.3f\t\n", c.Index, search, c.Depth, status, m.States, m.Transitions, m.Deepest,
			100*m.Fill, m.OmissionProb, m.ExpectedOmissions, m.Elapsed.Seconds())
	}
	tw.Flush()
}

func writeSwarmViolation(w io.Writer, r *swarmReport, f *swarmFlags) {
	res := r.res
	v := r.shown()
	fmt.Fprintf(w, "%s: %s violation — %s\n", r.strategy, v.Property, v.Rule)
	fmt.Fprintf(w, "  found by:  %s at step %d\n", res.Members[res.Found].Config, len(res.Violation.Path))
	if how := shrinkHow(res.Violation, res.Shrunk, "member"); how != "" {
		fmt.Fprintf(w, "  shrinking: %s\n", how)
	}
	writeWalkFault(w, v)
	writeLateSession(w, r.prog, r.strategy, v)
	sr := &simReport{model: r.model, prog: r.prog}
	if f.rawTrace && res.Shrunk != nil && res.Shrunk.Method != "" {
		fmt.Fprintf(w, "  the member's own run (%s):\n", steps(len(res.Violation.Trace)))
		writeSimTrace(w, sr, res.Violation.Trace, f.trace)
	}
	fmt.Fprintf(w, "  trace (%s):\n", shrinkNoteOf(res.Violation, res.Shrunk, "member"))
	writeSimTrace(w, sr, v.Trace, f.trace)
	fmt.Fprintf(w, "  final configuration:\n")
	for _, line := range strings.Split(v.Final, "\n") {
		fmt.Fprintf(w, "    %s\n", line)
	}
}

// writeSwarmSummary prints one row per swarm.
func writeSwarmSummary(w io.Writer, runs []*swarmReport, f *swarmFlags) {
	at := ", update introduced: " + f.updateAt
	if runs[0].update == nil {
		at = ""
	}
	fmt.Fprintf(w, "summary: model %s, queue capacity %d%s; %s\n\n", filepath.ToSlash(runs[0].model), runs[0].queueBound, at, swarmSetup(f))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "update\tstrategy\tverdict\tproperty\tsearch\tmembers\tstates\tseconds\ttrace\tfound at\tshortest\t")
	for _, r := range runs {
		res := r.res
		verdict, prop, trace, at, shortest := "ok?", "-", "-", "-", "-"
		if v := res.Violation; v != nil {
			verdict, prop, at = "VIOLATION", v.Property, fmt.Sprint(len(v.Path))
			trace = fmt.Sprint(len(r.shown().Path))
			shortest = "?"
			if sh := res.Shrunk; sh != nil && sh.Shortest {
				shortest = "yes"
			} else if sh != nil && sh.AtLeast > 0 {
				shortest = fmt.Sprintf(">= %d", sh.AtLeast)
			}
		}
		search := "bitstate swarm"
		switch {
		case r.failure != nil:
			search = "failed"
		case res.Interrupted:
			search = "interrupted"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%.3f\t%s\t%s\t%s\t\n", updateName(r.update), r.strategy, verdict, prop, search,
			len(res.Members), r.stored(), res.Elapsed.Seconds(), trace, at, shortest)
	}
	tw.Flush()
	anyOK := slices.ContainsFunc(runs, func(r *swarmReport) bool { return r.res.Violation == nil })
	anyUpdate := slices.ContainsFunc(runs, func(r *swarmReport) bool { return r.update != nil })
	fmt.Fprintln(w, walkLegend("ok?: no violation found, nothing proved", "members", anyOK, anyUpdate,
		"members: the searches that count, up to the one that found the violation; states: stored by them in all, a configuration stored by several counted by each; trace: the steps of the run printed; found at: the steps of the member's run; "+shortestLegend))
}

// walkLegend is the legend under simulate's and swarm's tables: ok?'s
// clause only under a table with an ok? row, and that the walks or
// members (who) judge safety only where there is an update to complete
// (found by testers: both came under tables without them).
func walkLegend(okClause, who string, anyOK, anyUpdate bool, rest string) string {
	head := ""
	if anyOK {
		head = okClause
	}
	if anyUpdate {
		safety := who + " judge safety only: the liveness half of update completion, a fair cycle in which the update never completes, needs mcheck check"
		if head != "" {
			head += " — and " + safety
		} else {
			head = safety
		}
	}
	if head != "" {
		head += "; "
	}
	return "\n(" + head + rest + ")"
}

// shortestLegend explains the shortest column of simulate's and swarm's
// tables.
const shortestLegend = "shortest: yes if no run to a violation of the same property and rule is shorter (another rule may have a shorter one: mcheck check finds the shortest of all), >= N if every such run has at least N steps, ? if not known"

// hexSeed is a 64-bit seed, written in JSON as the text writes it, a
// string "0x..." : as a number, JSON readers that hold numbers as floats
// (jq, JavaScript) round it past 2^53 (found by a tester).
type hexSeed uint64

func (h hexSeed) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf(`"%#x"`, uint64(h))), nil
}

// jsonMember is the JSON form of one member.
type jsonMember struct {
	Member            int     `json:"member"`
	Search            string  `json:"search"`
	Order             string  `json:"order,omitempty"`
	Depth             int     `json:"depth"`
	HashSeed          hexSeed `json:"hash_seed"`
	OrderSeed         hexSeed `json:"order_seed"`
	Status            string  `json:"status"`
	DepthCut          bool    `json:"depth_cut"`
	States            int64   `json:"states"`
	Transitions       int64   `json:"transitions"`
	Deepest           int     `json:"deepest"`
	Fill              float64 `json:"fill"`
	OmissionProb      float64 `json:"omission_probability"`
	ExpectedOmissions float64 `json:"expected_omissions"`
	Seconds           float64 `json:"seconds"`
}

// jsonSwarm is the JSON form of one swarm. Its common fields are those of
// check's (so that `mcheck replay` re-runs its path, the shrunk run).
type jsonSwarm struct {
	Model      string                 `json:"model"`
	Update     string                 `json:"update"`
	Strategy   string                 `json:"strategy"`
	Verdict    string                 `json:"verdict"`
	Exhaustive bool                   `json:"exhaustive"`
	Search     string                 `json:"search"`
	QueueBound int                    `json:"queue_bound"`
	Property   string                 `json:"property"`
	Error      string                 `json:"error,omitempty"` // search "failed": why
	Rule       string                 `json:"rule,omitempty"`
	Thread     string                 `json:"thread,omitempty"`
	Threads    []string               `json:"threads,omitempty"` // as check's
	Action     string                 `json:"action,omitempty"`
	Expected   string                 `json:"expected,omitempty"`
	Found      string                 `json:"found,omitempty"`
	Trace      []statespace.TraceStep `json:"trace"`
	Final      string                 `json:"final,omitempty"`
	Note       string                 `json:"note,omitempty"` // the text's note: (lateSessionNote)
	Path       []uint32               `json:"path,omitempty"`
	UpdateAt   string                 `json:"update_at"`
	Skip       []string               `json:"skip"`
	Introduced bool                   `json:"update_introduced"`
	Seconds    float64                `json:"seconds"`
	// The swarm.
	Seed       uint64       `json:"seed"`
	Bits       uint         `json:"bits"`
	MaxStates  int64        `json:"max_states_per_member"`
	States     int64        `json:"states"`
	Members    []jsonMember `json:"members"`
	TimedOut   bool         `json:"timed_out"`
	FoundBy    *int         `json:"found_by_member,omitempty"`
	MemberPath []uint32     `json:"member_path,omitempty"` // the member's own run
	Shrunk     bool         `json:"shrunk"`
	Shortest   bool         `json:"shortest"`
	AtLeast    int          `json:"at_least_steps"`
	BFSStates  int64        `json:"shrink_bfs_states"`
	ShrinkHow  string       `json:"shrink_method,omitempty"`
	jsonShrinkStop
	jsonCoverage
}

func writeSwarmJSON(w io.Writer, r *swarmReport, f *swarmFlags) {
	res := r.res
	j := jsonSwarm{
		Model: r.model, Update: updateName(r.update), Strategy: r.strategy, Verdict: "unknown", Search: "bitstate swarm",
		QueueBound: r.queueBound, Trace: []statespace.TraceStep{}, UpdateAt: f.updateAt, Skip: skipList(f.skip),
		Introduced: res.Introduced, Seconds: res.Elapsed.Seconds(),
		Seed: f.seed, Bits: f.bits, MaxStates: f.maxStates, States: r.stored(), Members: []jsonMember{}, TimedOut: res.TimedOut,
	}
	switch {
	case r.failure != nil:
		j.Search, j.Error = "failed", r.failure.Error()
	case res.Interrupted:
		j.Search = "interrupted"
	}
	for _, m := range res.Members {
		c := m.Config
		jm := jsonMember{Member: c.Index, Search: "bfs", Depth: c.Depth, HashSeed: hexSeed(c.HashSeed), OrderSeed: hexSeed(c.OrderSeed), Status: m.Status.String(),
			DepthCut: m.DepthCut, States: m.States, Transitions: m.Transitions, Deepest: m.Deepest, Fill: m.Fill,
			OmissionProb: m.OmissionProb, ExpectedOmissions: m.ExpectedOmissions, Seconds: m.Elapsed.Seconds()}
		if c.Search == statespace.SearchDFS {
			jm.Search, jm.Order = "dfs", "shuffled"
			if c.Order == statespace.OrderThreads {
				jm.Order = "threads"
			}
		}
		j.Members = append(j.Members, jm)
	}
	if res.Violation != nil {
		v := r.shown()
		j.Verdict, j.Property, j.Rule, j.Thread, j.Action, j.Expected, j.Found = "violation", v.Property, v.Rule, v.Thread, v.Action, v.Expected, v.Found
		j.Trace, j.Final, j.Path, j.Note = v.Trace, v.Final, v.Path, lateSessionNote(r.prog, r.strategy, v)
		j.Threads = v.Threads
		found := res.Found
		j.FoundBy, j.MemberPath = &found, res.Violation.Path
		if sh := res.Shrunk; sh != nil {
			j.Shrunk, j.Shortest, j.AtLeast, j.BFSStates, j.ShrinkHow = sh.Method != "", sh.Shortest, sh.AtLeast, sh.BFSStates, sh.Method
			j.jsonShrinkStop = shrinkStopOf(sh)
		}
	}
	j.jsonCoverage = coverageJSON(r.model, res.Unreached)
	b, _ := json.Marshal(j)
	fmt.Fprintf(w, "%s\n", b)
}
