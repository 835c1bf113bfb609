package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

func init() {
	register(&command{name: "points", summary: "which update points are safe: each thread's update points, one search each", run: runPoints, signals: true})
}

// pointsFlags are the flags of `mcheck points`.
type pointsFlags struct {
	strategy   string
	update     string
	updateAt   string
	queueBound int
	maxDepth   int
	maxStates  int64
	store      string
	storeDir   string
	memBudget  string
	workers    int
	skip       []string
	jsonOut    bool
	trace      bool
}

func (f *pointsFlags) register(fs *pflag.FlagSet) {
	listVar(fs, &f.strategy, "strategy", "uncoordinated", "strategies to restrict to one point at a time: all, or a comma-separated list of "+strings.Join(statespace.StrategyNames(), ", "))
	listVar(fs, &f.update, "update", "", "the update to check, or a comma-separated list (default: every update in the model; repeatable: the lists add up)")
	fs.StringVar(&f.updateAt, "update-at", "any", "when the update is introduced: any (every moment), never, or step:K (after exactly K steps)")
	fs.IntVar(&f.queueBound, "queue-bound", check.DefaultQueueBound, "capacity of the global queue, at least 1: a send is not enabled while this many messages are queued")
	fs.IntVar(&f.maxDepth, "max-depth", 0, "cut each search at this BFS depth (0: no bound); a point a cut search found nothing at is unknown")
	fs.Int64Var(&f.maxStates, "max-states", 0, "cut each search after this many distinct configurations (0: no bound)")
	fs.StringVar(&f.store, "store", store.Memory, "visited set: memory or badger (one search per point: memory is the quicker for small ones)")
	fs.StringVar(&f.storeDir, "store-dir", "", "directory for the badger stores (default: temporary directories, removed afterwards)")
	fs.StringVar(&f.memBudget, "mem-budget", "", "memory for the stores before they spill to disk, at least 1MiB, e.g. 512MiB (default: a quarter of RAM)")
	fs.IntVar(&f.workers, "workers", 0, "parallel workers expanding each BFS level, at most 256 (default: the number of cores)")
	skipVar(fs, &f.skip)
	fs.BoolVar(&f.jsonOut, "json", false, "print one JSON object per point, one per line (with the witness's trace)")
	fs.Var(&switchValue{p: &f.trace, name: "trace", hint: "the witnesses are printed as text"}, "trace", "print the witness of each unsafe point: the shortest run that violates with it as its thread's only update point (its thread may apply there in it or not: the applied column says which)")
	fs.Lookup("trace").NoOptDefVal = "true"
}

func runPoints(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("points", pflag.ContinueOnError)
	var f pointsFlags
	f.register(fs)
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: mcheck points [flags] MODEL.dsu")
		fmt.Fprintln(w, "\nFor each thread taking part in the update and each of its update points, one search")
		fmt.Fprintln(w, "in which that point is the thread's only one (the other threads keep all theirs):")
		fmt.Fprintln(w, "safe (no run that applies there violates anything, exhaustively), unsafe (with the")
		fmt.Fprintln(w, "shortest such run as witness), unknown (the search was cut) or never applied.")
		fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
		fmt.Fprintln(w, "\nExit status: 0 every point safe or never applied (exhaustive), 1 some point unsafe, 2 bad input or usage, 3 failure, interrupted, or the output could not be written, 4 none unsafe but some unknown.")
	}
	if checkOnlyFlag("points", args, pointsNotTaken, stderr) {
		return exitUsage
	}
	if status, done := parseFlags("points", fs, args, usage, stdout, stderr); done {
		return status
	}
	if len(fs.Args()) > 1 && f.trace {
		// Found by a tester: --trace msc read msc as a second model file.
		for i, a := range args[:len(args)-1] {
			if a == "--trace" && slices.Contains([]string{"text", "msc", "json"}, args[i+1]) {
				fmt.Fprintf(stderr, "mcheck points: --trace is a switch here and takes no value (the witnesses are printed as text): %q was read as a model file\n", args[i+1])
				return exitUsage
			}
		}
	}
	// Before the model loads: a signal then is an interruption too.
	ctx, stop := interruptible("points", stderr)
	defer stop()
	path, src, status := readModelArg(ctx, "points", fs.Args(), stderr)
	if status != exitOK {
		return status
	}
	opts, err := f.options()
	if err != nil {
		fmt.Fprintf(stderr, "mcheck points: %v\n", err)
		return exitUsage
	}
	m, err := model.Load(path, src)
	if err != nil {
		reportModelErrors(stderr, err)
		return exitUsage
	}
	reportWarnings(stderr, m)
	if len(m.Updates) == 0 {
		// Placed as the model's other whole-file errors are (a tester:
		// the README promises file:line:col for every model error).
		fmt.Fprintf(stderr, "%s:1:1: the model declares no update: points has nothing to apply (declare one: `update NAME { ... }`)\n", path)
		return exitUsage
	}
	if !knownUpdate("points", m, f.update, stderr) {
		return exitUsage
	}
	var group []*check.PointOutcome // the outcomes of one (update, strategy), printed as one table
	flush := func() {
		if len(group) > 0 && !f.jsonOut {
			writePointsTable(stdout, path, &f, group)
		}
		group = nil
	}
	opts.Done = func(o *check.PointOutcome) {
		if f.jsonOut {
			writePointJSON(stdout, path, &f, o)
			return
		}
		if len(group) > 0 && (group[0].Update != o.Update || group[0].Strategy != o.Strategy) {
			flush()
		}
		group = append(group, o)
	}
	opts.NoPoint = func(u *model.Update, participants bool) {
		flush()
		// Silence would read as success (found by a tester).
		w := stdout
		if f.jsonOut {
			w = stderr
		}
		if !participants {
			// (found by a tester: "no thread that takes part ... has an
			// update point" where none took part and both had points)
			fmt.Fprintf(w, "points: model %s, update %s: no thread takes part in the update (it gives no thread new bodies, and no thread can join a session of a service it moves), so there is no point to judge\n", filepath.ToSlash(path), u.Name)
			return
		}
		fmt.Fprintf(w, "points: model %s, update %s: no thread that takes part in the update has an update point, so there is no row; such a thread never applies (`mcheck check` judges whether the update completes)\n", filepath.ToSlash(path), u.Name)
	}
	outs, err := check.Points(ctx, m, opts)
	flush()
	if f.jsonOut {
		// As the table's notes do, on stderr beside the JSON lines.
		said := map[*statespace.Program]bool{}
		for _, o := range outs {
			if none := o.Program.Pointless(); len(none) > 0 && !said[o.Program] {
				said[o.Program] = true
				fmt.Fprintf(stderr, "points: model %s, update %s: %s\n", filepath.ToSlash(path), o.UpdateName(), pointlessNote(none))
			}
		}
	}
	status = exitOK
	for _, o := range outs {
		switch {
		case o.Verdict == check.PointUnsafe:
			status = exitViolation
		case o.Verdict == check.PointUnknown && status == exitOK:
			status = exitBounded
		}
	}
	// The (update, strategy) runs after the one stopped, as check names
	// them (a tester: points said nothing of them).
	notAfter := func(last *check.PointOutcome, why string) {
		strategies := opts.Strategies
		if len(strategies) == 0 {
			strategies = []string{statespace.Uncoordinated{}.Name()} // points' default (check.Points)
		}
		plan := check.Options{Strategies: strategies, Update: opts.Update, QueueBound: opts.QueueBound, Skip: opts.Skip}
		if planned, err := check.PlannedRuns(m, plan); err == nil {
			if i := slices.Index(planned, last.UpdateName()+"/"+last.Strategy); i >= 0 {
				notRun(stdout, stderr, f.jsonOut, "points", m, plan, i+1, why)
			}
		}
	}
	if err != nil {
		// As check: the error, where it stopped, the runs it kept from
		// starting; an unsafe point found before it wins (exit 1). Found
		// by a tester: exit 3 after unsafe rows, the rest unsaid.
		fmt.Fprintf(stderr, "mcheck points: %v\n", err)
		if n := len(outs); n > 0 && outs[n-1].Failure != nil {
			last := outs[n-1]
			fmt.Fprintf(stderr, "mcheck points: stopped after %s at depth %d (%s's point %s, %s); that point is not judged\n",
				plural(last.Result.States, "state"), last.Result.Depth, last.Thread, last.Point.Where, last.Strategy)
			notAfter(last, whyFailed("points"))
		}
		if status == exitViolation {
			return exitViolation
		}
		return exitFailure
	}
	if n := len(outs); n > 0 && outs[n-1].Result.Interrupted {
		fmt.Fprintf(stderr, "mcheck points: interrupted at %s's point %s (%s)\n", outs[n-1].Thread, outs[n-1].Point.Where, outs[n-1].Strategy)
		notAfter(outs[n-1], whyInterrupted)
		if status != exitViolation {
			return exitFailure
		}
	}
	return status
}

// options validates the flags into the pipeline's options.
func (f *pointsFlags) options() (check.PointsOptions, error) {
	o := check.PointsOptions{Update: f.update, QueueBound: f.queueBound, MaxDepth: f.maxDepth, MaxStates: f.maxStates, Workers: f.workers, Skip: f.skip}
	var err error
	if o.Strategies, err = check.ParseStrategies(f.strategy); err != nil {
		return o, fmt.Errorf("--strategy: %v", err)
	}
	if o.UpdateAt, err = statespace.ParseUpdateAt(f.updateAt); err != nil {
		return o, fmt.Errorf("--update-at: %v", err)
	}
	f.updateAt = o.UpdateAt.String() // as the output says it: step:7 for step:007
	if f.queueBound < 1 {
		return o, fmt.Errorf("--queue-bound must be at least 1, got %d", f.queueBound)
	}
	if f.maxDepth < 0 || f.maxStates < 0 {
		return o, errors.New("--max-depth and --max-states must not be negative")
	}
	if f.workers < 0 || f.workers > maxWorkers {
		return o, fmt.Errorf("--workers must be between 0 (one per core) and %d, got %d", maxWorkers, f.workers)
	}
	if _, err := properties.Without(f.skip); err != nil {
		return o, fmt.Errorf("--skip: %v", err)
	}
	if f.store != store.Memory && f.store != store.Badger {
		why := ""
		if f.store == store.Bitstate {
			why = " (a bit array never proves a point safe)" // (not said of any other: a tester)
		}
		return o, fmt.Errorf("--store must be memory or badger, got %q%s", f.store, why)
	}
	if err := store.CheckKind(f.store, f.storeDir); err != nil {
		return o, err
	}
	budget, err := parseMemBudget(f.memBudget)
	if err != nil {
		return o, err
	}
	o.Store = store.Options{Kind: f.store, Dir: f.storeDir, MemBudget: budget, Spill: true}
	return o, nil
}

// pointName says where a point is: "call f in main (m.dsu:3:4)".
func pointName(pt statespace.UpdatePoint) string {
	return fmt.Sprintf("%s in %s (%s)", pt.Kind, pt.In, filepath.ToSlash(pt.Where))
}

// writePointsTable prints the table of one (update, strategy), then the
// witnesses if asked.
func writePointsTable(w io.Writer, path string, f *pointsFlags, outs []*check.PointOutcome) {
	o0 := outs[0]
	fmt.Fprintf(w, "points: model %s, update %s, strategy %s, queue capacity %d, update introduced: %s\n\n",
		filepath.ToSlash(path), o0.UpdateName(), o0.Strategy, o0.QueueBound, f.updateAt)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "thread\tpoint\tverdict\tviolation\tdepth\tapplied\tstates")
	var capped []string
	for _, o := range outs {
		viol, depth, applied := "-", "-", "-"
		if v := o.Witness; v != nil {
			viol, depth, applied = v.Property+": "+v.Rule, fmt.Sprint(len(v.Trace)), "no"
			switch {
			case o.Waits:
				applied = fmt.Sprintf("waits at passing %d", o.Passing)
			case o.Passing > 0:
				applied = fmt.Sprintf("at passing %d", o.Passing)
			}
		}
		word := pointVerdictWord(o)
		if o.Verdict != check.PointUnsafe && o.Liveness != nil && o.Liveness.Stuck > 0 {
			// Marked in the table, explained under it, as check's ok*
			// (testers read a plain safe as a point whose update
			// completes).
			word += "*"
			capped = append(capped, fmt.Sprintf("%s's %s", o.Thread, pointName(o.Point)))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", o.Thread, pointName(o.Point), word, viol, depth, applied, o.Result.States)
	}
	tw.Flush()
	safe, unsafe, unknown, never := 0, 0, 0, 0
	for _, o := range outs {
		switch o.Verdict {
		case check.PointSafe:
			safe++
		case check.PointUnsafe:
			unsafe++
		case check.PointUnknown:
			unknown++
		default:
			never++
		}
	}
	fmt.Fprintf(w, "\n%d of %s safe, %d unsafe", safe, plural(max(o0.Of, len(outs)), "point"), unsafe)
	// The rest too (found by a tester: "0 of 128 points safe, 0 unsafe"
	// said nothing of the 128 unknown).
	if unknown > 0 {
		fmt.Fprintf(w, ", %d unknown", unknown)
	}
	if never > 0 {
		fmt.Fprintf(w, ", %d never applied", never)
	}
	if left := o0.Of - len(outs); left > 0 {
		// An interrupted run (found by a tester: "0 of 6 points" for the
		// 6 judged of 16), or one a failure stopped (a tester: said to be
		// interrupted).
		why := "interrupted"
		if outs[len(outs)-1].Failure != nil {
			why = "the failure stopped them"
		}
		fmt.Fprintf(w, ", %d not judged (%s)", left, why)
	}
	fmt.Fprintf(w, " (each as its thread's only update point; depth: the witness's steps; applied: whether, and at which passing of the point, its thread applied in the witness, or waits at passing N: it blocked at the barrier there to apply, never released)\n")
	if none := o0.Program.Pointless(); len(none) > 0 {
		// (found by a tester: such a thread was left out without a word)
		fmt.Fprintln(w, pointlessNote(none))
	}
	if safe == 0 && unsafe > 0 {
		// Where to look next (found by a tester, who read "0 of 8 safe"
		// under the default strategy while check said max+1 was safe).
		// Only for an update that changes a protocol (found by a tester:
		// it came for a code-only update, which no strategy made safe).
		if o0.Strategy == "uncoordinated" && slices.ContainsFunc(o0.Program.Services, func(s *statespace.ServiceInfo) bool { return s.Moved }) {
			fmt.Fprintln(w, "hint: uncoordinated updating makes no thread wait for another, so a protocol change is rarely safe under it; --strategy max+1, stop-the-world or all judge the coordinated ones")
		}
		// call points; a witness without its thread applying, in which
		// another thread is at fault; one in which the point's own thread
		// never applies (update completion: a tester read that the other
		// threads' points caused it, where the thread had passed its only
		// point before the update came)
		calls, without, itself := "", false, false
		for _, o := range outs {
			if strings.HasPrefix(o.Point.Kind, "call") {
				calls = " (in code without an explicit `update`, every call is one, main's included)"
			}
			if o.Witness == nil || o.Passing != 0 || o.Waits {
				continue
			}
			if o.Witness.Property == properties.UpdateCompletion && (o.Witness.Thread == o.Thread || slices.Contains(o.Witness.Threads, o.Thread)) {
				itself = true
			} else {
				without = true
			}
		}
		if without {
			fmt.Fprintf(w, "hint: a witness in which the point's thread does not apply breaks the model without that point: the other threads' points cause it%s; --trace prints each witness\n", calls)
		}
		if itself {
			fmt.Fprintln(w, "hint: a witness in which the point's own thread never applies shows that the point alone cannot complete the update: its thread does not reach it once the update is introduced (it passed it before, its way goes round it, or it is held elsewhere); --trace prints each witness")
		}
	}
	if len(capped) > 0 {
		fmt.Fprintf(w, "*: some runs end where only the queue capacity holds the system, the update still pending, and update completion is not judged on them (a larger --queue-bound may show more), in the searches of: %s\n", strings.Join(capped, "; "))
	}
	if f.trace {
		r := &runReport{model: path, update: o0.Update, strategy: o0.Strategy, queueBound: o0.QueueBound, prog: o0.Program}
		for _, o := range outs {
			if o.Witness == nil {
				continue
			}
			how := "it does not apply in it"
			switch {
			case o.Waits:
				how = fmt.Sprintf("it waits at the barrier to apply at passing %d, and is never released", o.Passing)
			case o.Passing > 0:
				how = fmt.Sprintf("it applies at passing %d", o.Passing)
			}
			fmt.Fprintf(w, "\n%s, %s: witness (%s)\n", o.Thread, pointName(o.Point), how)
			r.res = o.Result
			r.idle, r.stalled, r.heldByCapacity = o.Idle, o.Stalled, o.HeldByCapacity
			writeViolation(w, r, o.Witness, "text")
		}
	}
	fmt.Fprintln(w)
}

// pointVerdictWord is a point's verdict as the table says it.
func pointVerdictWord(o *check.PointOutcome) string {
	switch {
	case o.Failure != nil:
		return "unknown (failed)"
	case o.Verdict == check.PointUnknown && o.Result.Interrupted:
		return "unknown (interrupted)"
	case o.Verdict == check.PointUnknown && o.Result.CutByDepth:
		return "unknown (max-depth)"
	case o.Verdict == check.PointUnknown && o.Result.CutByStates:
		return "unknown (max-states)"
	}
	return o.Verdict.String()
}

// pointsNotTaken are check's flags that points does not take, and why
// (found by a tester: they were an "unknown flag" without a word more).
var pointsNotTaken = map[string]string{
	"reduce":         "points never reduces: each row is judged on the whole system",
	"coverage":       "each row is one search of a restricted system; run check --coverage on the model",
	"continue":       "each row reports its shortest witness",
	"max-violations": "each row reports its shortest witness",
	"shortest":       "every witness is a shortest one already",
	"html":           "use check --html on the model with that point as the thread's one update",
	"progress":       "points prints a row as each search ends",
	"bits":           "a bit array never proves a point safe",
}

// checkOnlyFlag reports (and says why) the first flag in args that is
// check's but not cmd's, named in notTaken; arguments after "--" are not
// flags.
func checkOnlyFlag(cmd string, args []string, notTaken map[string]string, stderr io.Writer) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, ok := strings.CutPrefix(a, "--")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, "=")
		if why, ok := notTaken[name]; ok {
			fmt.Fprintf(stderr, "mcheck %s: --%s is a flag of check, not of %s: %s\nRun 'mcheck %s --help' for usage.\n", cmd, name, cmd, why, cmd)
			return true
		}
	}
	return false
}

// jsonPoint is the JSON form of one point's verdict.
type jsonPoint struct {
	Model       string   `json:"model"`
	Update      string   `json:"update"`
	Strategy    string   `json:"strategy"`
	QueueBound  int      `json:"queue_bound"`
	UpdateAt    string   `json:"update_at"`
	Skip        []string `json:"skip"`
	Thread      string   `json:"thread"`
	Of          int      `json:"points_of_update"`
	Kind        string   `json:"kind"`
	In          string   `json:"in"`
	Where       string   `json:"where"`
	Verdict     string   `json:"verdict"`
	Exhaustive  bool     `json:"exhaustive"`
	Search      string   `json:"search"`
	Error       string   `json:"error,omitempty"` // search "failed": why
	States      int64    `json:"states"`
	Transitions int64    `json:"transitions"`
	Seconds     float64  `json:"seconds"`
	// The witness, for an unsafe point.
	Property string `json:"property,omitempty"`
	Rule     string `json:"rule,omitempty"`
	Culprit  string `json:"violating_thread,omitempty"`
	Action   string `json:"action,omitempty"`
	Expected string `json:"expected,omitempty"`
	Found    string `json:"found,omitempty"`
	// Set with a witness, zero or false too (found by a tester: they were
	// left out when zero or false).
	Depth      *int  `json:"depth,omitempty"`
	Passing    *int  `json:"applied_at_passing,omitempty"`
	Waits      *bool `json:"waits_at_barrier,omitempty"`
	WaitsAt    *int  `json:"waits_at_passing,omitempty"`
	CycleStart int   `json:"cycle_start,omitempty"`
	// Threads and, for a lasso, its cycle's threads, as check's (found by
	// a tester: points said less of a lasso than check).
	Threads []string `json:"threads,omitempty"`
	lassoJSON
	CapacityStuck int64 `json:"capacity_reached"`
	// PendingStuck: of those, the ones with the update pending, where
	// update completion is not judged (the table's *), when the
	// liveness check ran.
	PendingStuck int64                  `json:"pending_capacity_reached"`
	Trace        []statespace.TraceStep `json:"trace,omitempty"`
	Final        string                 `json:"final,omitempty"` // the configuration the witness ends in
	Note         string                 `json:"note,omitempty"`  // the text's note under the witness (lateSessionNote)
	Path         []uint32               `json:"path,omitempty"`
}

func writePointJSON(w io.Writer, path string, f *pointsFlags, o *check.PointOutcome) {
	res := o.Result
	j := jsonPoint{Model: path, Update: o.UpdateName(), Strategy: o.Strategy, QueueBound: o.QueueBound, UpdateAt: f.updateAt, Skip: skipList(f.skip),
		Thread: o.Thread, Of: o.Of, Kind: o.Point.Kind, In: o.Point.In, Where: o.Point.Where, Verdict: o.Verdict.String(), Search: (&runReport{res: o.Result, failure: o.Failure}).search(),
		Exhaustive: res.Exhaustive, States: res.States, Transitions: res.Transitions, Seconds: res.Elapsed.Seconds(), CapacityStuck: res.CapacityStuck}
	if o.Liveness != nil {
		j.PendingStuck = o.Liveness.Stuck
	}
	if o.Failure != nil {
		j.Error = o.Failure.Error() // search "failed": why, as check's
	}
	if v := o.Witness; v != nil {
		j.Property, j.Rule, j.Culprit, j.Action, j.Expected, j.Found = v.Property, v.Rule, v.Thread, v.Action, v.Expected, v.Found
		// A thread that blocked at the barrier to apply, never released,
		// did not apply: its passing is waits_at_passing (found by a
		// tester: applied_at_passing said 1).
		depth, passing, waits, waitsAt := len(v.Trace), o.Passing, o.Waits, 0
		if waits {
			passing, waitsAt = 0, o.Passing
		}
		j.Depth, j.Passing, j.Waits, j.WaitsAt, j.Trace, j.Path, j.CycleStart = &depth, &passing, &waits, &waitsAt, v.Trace, v.Path, v.CycleStart
		// As check's (a newcomer: the text's note was missing from JSON).
		j.Final, j.Note = v.Final, lateSessionNote(o.Program, o.Strategy, v)
		j.Threads = v.Threads
		if v.CycleStart > 0 {
			j.lassoJSON = lassoJSONOf(&runReport{prog: o.Program, idle: o.Idle, stalled: o.Stalled, heldByCapacity: o.HeldByCapacity})
		}
	}
	b, _ := json.Marshal(j)
	fmt.Fprintf(w, "%s\n", b)
}

// pointlessNote names the participants with no update point, which have
// no row (statespace.Program.Pointless).
func pointlessNote(threads []string) string {
	return fmt.Sprintf("no row for %s: taking part in the update, but with no update point, so never applying", strings.Join(threads, ", "))
}
