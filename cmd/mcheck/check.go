package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"path/filepath"
	"slices"
	"strconv"
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
	register(&command{name: "check", summary: "explore every interleaving of a model under its update and report violations", run: runCheck, signals: true})
}

// checkFlags are the flags of `mcheck check`.
type checkFlags struct {
	strategy   string
	update     string
	updateAt   string
	queueBound int
	maxDepth   int
	maxStates  int64
	store      string
	bits       uint
	storeDir   string
	memBudget  string
	workers    int
	jsonOut    bool
	trace      string
	progress   string
	skip       []string
	coverage   bool
	reduce     string
	html       string
	cont       bool
	maxViols   int
	shortest   bool
	// set says whether the user gave a flag (pflag's Changed), for the
	// flags that only mean something with another; nil: not asked (the
	// commands other than check, whose own defaults stand for them).
	set func(name string) bool
}

func (f *checkFlags) register(fs *pflag.FlagSet) {
	listVar(fs, &f.strategy, "strategy", "all", "coordination strategies: all, or a comma-separated list of "+strings.Join(statespace.StrategyNames(), ", ")+" (repeatable: the lists add up)")
	listVar(fs, &f.update, "update", "", "the update to check, or a comma-separated list (default: every update in the model, one after another; repeatable: the lists add up)")
	fs.StringVar(&f.updateAt, "update-at", "any", "when the update is introduced: any (every moment), never, or step:K (after exactly K steps)")
	fs.IntVar(&f.queueBound, "queue-bound", 8, "capacity of the global queue, at least 1: a send is not enabled while this many messages are queued")
	fs.IntVar(&f.maxDepth, "max-depth", 0, "cut the search at this BFS depth (0: no bound); a cut search is bounded, not exhaustive")
	fs.Int64Var(&f.maxStates, "max-states", 0, "cut the search after this many distinct configurations (0: no bound)")
	fs.StringVar(&f.store, "store", store.Badger, "visited set: memory, badger or bitstate (a bit array: not exhaustive, see --bits)")
	fs.UintVar(&f.bits, "bits", 30, "with --store bitstate only: a bit array of 2^K bits, K from 8 to 38 (30: 128 MiB)")
	fs.StringVar(&f.storeDir, "store-dir", "", "directory for the badger store (default: a temporary directory, removed afterwards); a given directory is kept")
	fs.StringVar(&f.memBudget, "mem-budget", "", "memory target for the run, at least 1MiB, e.g. 512MiB, 2GiB: the frontier and trace links spill to disk past their shares, and with badger its RAM tier, filter and mapped pages keep to theirs (default: a quarter of RAM)")
	fs.IntVar(&f.workers, "workers", 0, "parallel workers expanding each BFS level, at most 256 (default: the number of cores)")
	fs.BoolVar(&f.jsonOut, "json", false, "print one JSON object per (update, strategy) run, one per line")
	fs.StringVar(&f.trace, "trace", "text", "counterexample format: text, msc (message sequence chart) or json")
	fs.StringVar(&f.html, "html", "", "also write the counterexamples to FILE as one self-contained HTML page: a message sequence chart of each trace, with a step slider showing every configuration")
	fs.StringVar(&f.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal, without --json), on (always, --json too) or off")
	fs.StringVar(&f.reduce, "reduce", "all", "reductions: all (every one sound for the model that keeps counterexamples shortest: symmetry), symmetry, por (partial-order reduction: counterexamples not always shortest), or none")
	fs.BoolVar(&f.shortest, "shortest", false, "with --reduce por: after a violation, search again without the reduction up to its depth, for a shortest counterexample")
	fs.BoolVar(&f.coverage, "coverage", false, "after each run, list what it never exercised: communication, choose, session-start and update-point places never performed, local-type states never reached, source lines never run")
	skipVar(fs, &f.skip)
	fs.BoolVar(&f.cont, "continue", false, "go on after a violation and report every distinct one (by property, rule, thread and source position), each with a shortest trace")
	fs.IntVar(&f.maxViols, "max-violations", statespace.DefaultMaxViolations, "with --continue only: list at most this many distinct violations (at least 1); meeting one more stops the search (not exhaustive)")
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("check", pflag.ContinueOnError)
	var f checkFlags
	f.register(fs)
	f.set = fs.Changed
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: mcheck check [flags] MODEL.dsu")
		fmt.Fprintln(w, "\nExplores every interleaving of the model under its update, with each coordination")
		fmt.Fprintln(w, "strategy, and reports the first violation of each with a shortest trace.")
		fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
		fmt.Fprintln(w, "\nExit status: 0 no violation (exhaustive), 1 violation found, 2 bad input or usage, 3 resource or internal failure, interrupted, or the output could not be written, 4 no violation found, and the search was not exhaustive (cut by --max-states/--max-depth, or bitstate).")
	}
	if status, done := parseFlags("check", fs, args, usage, stdout, stderr); done {
		return status
	}
	// The flags first: `--trace M.dsu` took the model as its value, and
	// "expected one model file, got 0" hid why (found by a tester).
	plan, err := f.plan()
	if err != nil {
		fmt.Fprintf(stderr, "mcheck check: %v\n", err)
		return exitUsage
	}
	path, ok := oneArg("check", fs.Args(), stderr)
	if !ok {
		return exitUsage
	}
	if err := notTheModel(f.html, path); err != nil {
		fmt.Fprintf(stderr, "mcheck check: %v\n", err)
		return exitUsage
	}
	// Before the model loads: a signal then is an interruption too.
	ctx, stop := interruptible("check", stderr)
	defer stop()
	m, src, status := loadModel(ctx, "check", path, f.update, stderr)
	if status != exitOK {
		return status
	}
	noteIdleSettings("check", m, f.jsonOut, f.updateAt, f.strategy, stderr)
	if r, _ := check.ParseReduce(f.reduce); (r == check.ReduceSymmetry || r == check.ReducePOR) && (f.cont || f.coverage) {
		fmt.Fprintf(stderr, "mcheck check: note: --reduce %s is not used with --continue or --coverage (they tell violations and places apart by thread); the search is unreduced\n", r)
	}
	if budget, ok := effectiveBudget(f.memBudget); ok && f.store == store.Bitstate {
		// Found by a tester: a 128 MiB array under a 16 MiB budget, no word.
		if array := int64(1) << f.bits / 8; array > budget {
			fmt.Fprintf(stderr, "mcheck check: note: the bit array (--bits %d: %s) is larger than the memory budget (%s): the budget does not bound it\n",
				f.bits, store.SizeString(array), store.SizeString(budget))
		}
	}

	// Once the output is lost (its reader gone: mcheck check M | head -1),
	// the runs still to come are not searched (they all were, to no one).
	signalled := ctx
	ctx, outputGone := context.WithCancel(ctx)
	defer outputGone()

	jp := &jobProgress{f: &f, stderr: stderr}
	done := 0 // runs reported so far
	var lastUpdate *model.Update
	opts := check.Options{
		Strategies: plan.strategies, Update: f.update, UpdateAt: plan.updateAt, QueueBound: f.queueBound,
		MaxDepth: f.maxDepth, MaxStates: f.maxStates, Workers: f.workers, Skip: f.skip, Coverage: f.coverage, Reduce: f.reduce,
		Continue: f.cont, MaxViolations: f.maxViols, Shortest: f.shortest,
		Store: store.Options{Kind: f.store, Dir: f.storeDir, MemBudget: plan.memBudget, Spill: true, Bits: f.bits},
		Progress: func(j *check.Job, p statespace.Progress) {
			if p.Hint != "" {
				run := j.UpdateName() + "/" + j.Strategy
				if j.Strategy == "" {
					run = j.UpdateName() // no update: no strategy
				}
				fmt.Fprintf(stderr, "mcheck check: %s: %s\n", run, p.Hint)
			}
			if bar := jp.of(j); bar != nil {
				bar.update(p)
			}
		},
		Done: func(o *check.Outcome) {
			jp.finished(&o.Job)
			if f.jsonOut {
				writeJSON(stdout, reportOf(path, o), &f)
			} else {
				writeRun(stdout, reportOf(path, o), &f, done == 0, done == 0 || o.Update != lastUpdate)
			}
			done, lastUpdate = done+1, o.Update
			if outputLost(stdout) != nil {
				outputGone()
			}
		},
	}
	outs, err := check.Run(ctx, m, opts)
	jp.finished(nil) // a run that failed has no Done
	var runs []*runReport
	status = exitOK
	for _, o := range outs {
		runs = append(runs, reportOf(path, o))
		switch {
		case o.Result.Violation != nil:
			status = exitViolation
		case !o.Result.Exhaustive && status == exitOK:
			status = exitBounded // a bounded "no violation" proves nothing
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "mcheck check: %v\n", err)
		if n := len(outs); n > done && outs[n-1].Result != nil {
			// The run that failed: its statistics so far (and, with
			// --json, its line, search "failed").
			last := outs[n-1]
			proved := "nothing is proved"
			switch {
			case last.Result.Violation != nil:
				proved = "the violations found before it stand" // (--continue)
			case last.Liveness != nil:
				proved = "the safety search was exhaustive and found nothing; update completion (liveness) is not judged"
			}
			fmt.Fprintf(stderr, "mcheck check: stopped after %s at depth %d (%s, %s); %s\n", plural(last.Result.States, "state"), last.Result.Depth, last.UpdateName(), strategyName(last), proved)
			r := runs[n-1]
			r.failure = err
			if f.jsonOut {
				writeJSON(stdout, r, &f)
			} else {
				// In text too: its line, then the summary of every run
				// (found by a tester: with one strategy stdout was empty).
				writeRun(stdout, r, &f, done == 0, done == 0 || last.Update != lastUpdate)
			}
		}
		if !f.jsonOut && len(runs) > 0 {
			fmt.Fprintln(stdout)
			writeText(stdout, runs, &f)
		}
		// The page too, with the runs so far, the failed one's row
		// included (found by a tester: it was never written after a
		// failure, violations found before it or not).
		writeHTML(ctx, &f, m, path, src, runs, plan, notRunLine(m, opts, len(runs), whyFailed("check")), stderr)
		notRun(stdout, stderr, f.jsonOut, "check", m, opts, len(runs), whyFailed("check"))
		// A violation found before the failure is a result: it wins
		// (exit 1), as before an interruption; otherwise exit 3.
		if status == exitViolation {
			return exitViolation
		}
		return exitFailure
	}
	if !f.jsonOut && len(runs) > 0 {
		fmt.Fprintln(stdout)
		writeText(stdout, runs, &f)
	}
	// The page names the runs an interruption kept from starting, as the
	// text does (found by a tester: it did not).
	stopped := cutShort(ctx, m, opts, len(runs))
	for _, r := range runs {
		stopped = stopped || r.res.Interrupted
	}
	left := ""
	if stopped {
		left = notRunLine(m, opts, len(runs), whyInterrupted)
	}
	htmlFailed := !writeHTML(ctx, &f, m, path, src, runs, plan, left, stderr)
	if outputLost(stdout) != nil {
		// The runs after it were stopped, not interrupted (main says
		// why); but a signal that came first still has its statistics
		// said (found by a tester: > /dev/full lost them).
		if signalled.Err() != nil {
			sayInterrupted(stderr, runs)
		}
		return exitFailure
	}
	if sayInterrupted(stderr, runs) || cutShort(ctx, m, opts, len(runs)) {
		notRun(stdout, stderr, f.jsonOut, "check", m, opts, len(runs), whyInterrupted)
		// A violation found before the interruption is a result: it
		// wins (exit 1); otherwise nothing is proved (exit 3).
		if status == exitViolation && !htmlFailed {
			return exitViolation
		}
		return exitFailure
	}
	if htmlFailed {
		return exitFailure
	}
	return status
}

// sayInterrupted says, on stderr, where the interrupted run stopped, if
// one was: the statistics so far (false if none was).
func sayInterrupted(stderr io.Writer, runs []*runReport) bool {
	for _, r := range runs {
		if !r.res.Interrupted {
			continue
		}
		// Where it stopped, then what it did not start (found by a
		// tester: the other way round read oddly).
		if r.live != nil && r.live.Interrupted {
			fmt.Fprintf(stderr, "mcheck check: interrupted in the liveness check after %s, the safety search (%d states, depth %d) having found nothing, exhaustively (%s, %s)\n",
				plural(r.live.States, "configuration"), r.res.States, r.res.Depth, updateName(r.update), r.strategy)
		} else {
			fmt.Fprintf(stderr, "mcheck check: interrupted after %s at depth %d (%s, %s)\n", plural(r.res.States, "state"), r.res.Depth, updateName(r.update), r.strategy)
		}
		return true
	}
	return false
}

// writeHTML writes the --html page of runs, if asked for (with notRun,
// notRunLine's, under its table), and says so on stderr; false if it could not be written (said too: exit 3, after what
// an interruption says; found by a tester: a named pipe nobody read, then
// SIGINT, left it unsaid).
func writeHTML(ctx context.Context, f *checkFlags, m *model.Model, path string, src []byte, runs []*runReport, plan *checkPlan, notRun string, stderr io.Writer) bool {
	if f.html == "" {
		return true
	}
	n, err := writeHTMLFile(ctx, f, m, path, src, runs, plan.props, notRun)
	if err != nil {
		fmt.Fprintf(stderr, "mcheck check: %v\n", err)
		return false
	}
	fmt.Fprintf(stderr, "mcheck check: wrote %s (%s)\n", f.html, plural(n, "counterexample"))
	return true
}

// notRunLine is notRun's line, without its newline ("" when every run
// planned ran).
func notRunLine(m *model.Model, o check.Options, done int, why string) string {
	planned, err := check.PlannedRuns(m, o)
	if err != nil || len(planned) <= done {
		return ""
	}
	return fmt.Sprintf("not run (%s before they started): %s", why, strings.Join(planned[done:], ", "))
}

// notRun names the runs that never started, the first done of them having
// run, after an interruption (why "interrupted") or a failure (whyFailed:
// "the failure stopped the check"): found by testers, they were left out
// without a word, with --json always and after a failure in text too. On
// stdout after the text's summary; with --json on stderr, stdout being
// JSON lines.
func notRun(stdout, stderr io.Writer, jsonOut bool, cmd string, m *model.Model, o check.Options, done int, why string) {
	line := notRunLine(m, o, done, why)
	if line == "" {
		return
	}
	line += "\n"
	if jsonOut {
		fmt.Fprintf(stderr, "mcheck %s: %s", cmd, line)
		return
	}
	fmt.Fprint(stdout, line)
}

// cutShort reports whether an interruption (ctx) kept some of the runs o
// plans from starting, done having run: one that came after a run's
// search, while it was shrinking or looking for a shorter counterexample,
// ends the pipeline with no run marked interrupted.
func cutShort(ctx context.Context, m *model.Model, o check.Options, done int) bool {
	if ctx.Err() == nil {
		return false
	}
	planned, err := check.PlannedRuns(m, o)
	return err == nil && done < len(planned)
}

// Why runs were not run (notRun).
const (
	whyInterrupted = "interrupted"
)

// whyFailed is why runs were not run after a failure in command cmd: what
// it stopped is named as the command runs it (found by a tester: a swarm
// said "the check").
func whyFailed(cmd string) string {
	switch cmd {
	case "simulate":
		return "the failure stopped the simulation"
	case "points":
		return "the failure stopped mcheck points"
	}
	return "the failure stopped the " + cmd
}

// strategyName is the strategy of an outcome as printed: "(none needed)"
// when the model has no update.
func strategyName(o *check.Outcome) string {
	if o.Strategy == "" {
		return check.NoStrategy
	}
	return o.Strategy
}

func reportOf(path string, o *check.Outcome) *runReport {
	return &runReport{model: path, update: o.Update, strategy: strategyName(o), res: o.Result, queueBound: o.QueueBound, prog: o.Program, live: o.Liveness, bitstate: o.Bitstate, sym: o.Symmetry,
		por: o.POR, shortestStates: o.ShortestStates, shortestCut: o.ShortestCut, heldByCapacity: o.HeldByCapacity, idle: o.Idle, stalled: o.Stalled}
}

// checkPlan is the validated form of the flags.
type checkPlan struct {
	strategies []string
	updateAt   statespace.UpdateAt
	props      properties.Checker
	memBudget  int64
	traceFmt   string
}

func (f *checkFlags) plan() (*checkPlan, error) {
	p := &checkPlan{}
	var err error
	if p.strategies, err = check.ParseStrategies(f.strategy); err != nil {
		return nil, fmt.Errorf("--strategy: %v", err)
	}
	if p.updateAt, err = statespace.ParseUpdateAt(f.updateAt); err != nil {
		return nil, fmt.Errorf("--update-at: %v", err)
	}
	f.updateAt = p.updateAt.String() // as the output says it: step:7 for step:007
	if f.queueBound < 1 {
		return nil, fmt.Errorf("--queue-bound must be at least 1, got %d", f.queueBound)
	}
	// (Each message names its own flag: swarm has --max-states alone.)
	if f.maxDepth < 0 {
		return nil, fmt.Errorf("--max-depth must not be negative, got %d", f.maxDepth)
	}
	if f.maxStates < 0 {
		return nil, fmt.Errorf("--max-states must not be negative, got %d", f.maxStates)
	}
	if f.maxViols < 0 || (f.cont && f.maxViols == 0) { // (simulate shares these flags and leaves it 0)
		return nil, fmt.Errorf("--max-violations must be at least 1, got %d", f.maxViols)
	}
	if f.set != nil && f.set("max-violations") && !f.cont {
		return nil, errors.New("--max-violations needs --continue: without it the search stops at the first violation")
	}
	if f.workers < 0 || f.workers > maxWorkers {
		return nil, fmt.Errorf("--workers must be between 0 (one per core) and %d, got %d", maxWorkers, f.workers)
	}
	if p.props, err = properties.Without(f.skip); err != nil {
		return nil, fmt.Errorf("--skip: %v", err)
	}
	switch f.trace {
	case "text", "msc", "json":
		p.traceFmt = f.trace
		if f.jsonOut && f.trace == "msc" {
			return nil, errors.New("--trace msc draws a chart in the text output; with --json the trace is JSON (drop one of the two)")
		}
	case "html":
		return nil, errors.New("--trace html: the page is a file of its own: use --html FILE (with any --trace)")
	default:
		return nil, fmt.Errorf("--trace must be text, msc or json, got %q", f.trace)
	}
	switch f.progress {
	case "auto", "on", "off":
	default:
		return nil, fmt.Errorf("--progress must be auto, on or off, got %q", f.progress)
	}
	if p.memBudget, err = parseMemBudget(f.memBudget); err != nil {
		return nil, err
	}
	r, err := check.ParseReduce(f.reduce)
	if err != nil {
		return nil, err
	}
	if f.shortest && r != check.ReducePOR {
		return nil, errors.New("--shortest needs --reduce por: the other reductions keep counterexamples shortest")
	}
	if f.set != nil && f.set("bits") && f.store != store.Bitstate {
		return nil, errors.New("--bits needs --store bitstate: it is the size of the bit array")
	}
	if f.store == store.Bitstate && (f.bits < store.MinBitstateBits || f.bits > store.MaxBitstateBits) {
		return nil, fmt.Errorf("--bits %d is out of range: from %d to %d", f.bits, store.MinBitstateBits, store.MaxBitstateBits)
	}
	if err := store.CheckKind(f.store, f.storeDir); err != nil {
		return nil, err
	}
	if err := checkHTMLPath(f.html); err != nil {
		return nil, err
	}
	return p, nil
}

// maxWorkers bounds --workers: far more than the cores only costs memory.
const maxWorkers = 256

// minMemBudget is the least --mem-budget accepted.
const minMemBudget = 1 << 20

// parseMemBudget parses --mem-budget ("" is 0: the default): at least
// minMemBudget, and at most the machine's memory, where it is known (the
// stores size their caches by it: a budget of 100000TiB had badger ask for
// 34 GiB at once, and the run die of it).
func parseMemBudget(s string) (int64, error) {
	b, err := parseSize(s)
	phys, physOK := store.PhysicalMemory()
	if errors.Is(err, errSizeTooLarge) && physOK {
		// The machine is the tighter limit (a tester: 16EiB was "at most
		// 4EiB", which is refused as well).
		return 0, fmt.Errorf("--mem-budget %s is more than this machine's memory (%s): the budget is what mcheck may use", s, store.SizeString(phys))
	}
	if err != nil {
		return 0, fmt.Errorf("--mem-budget: %v", err)
	}
	if s == "" {
		return 0, nil
	}
	if b < minMemBudget { // (0 too: found by a tester, called "invalid")
		return 0, fmt.Errorf("--mem-budget %s is below the least budget, 1MiB", s)
	}
	if physOK && b > phys {
		return 0, fmt.Errorf("--mem-budget %s is more than this machine's memory (%s): the budget is what mcheck may use", s, store.SizeString(phys))
	}
	// Under an address-space limit, what it leaves (a tester: a budget of
	// 2 GiB under 2.5 GiB ran badger down to 320 KiB of address space).
	if left, limit, ok := store.SpaceLeft(); ok && b > left {
		return 0, fmt.Errorf("--mem-budget %s is more than the address-space limit (ulimit -v: %s) leaves (%s, less what the search needs besides, %s): the budget is what mcheck may use; take a smaller budget, or raise the limit",
			s, store.SizeString(limit), store.SizeString(left+store.SpaceMargin(limit)), store.SizeString(store.SpaceMargin(limit)))
	}
	return b, nil
}

// errSizeTooLarge: a size beyond what parseSize takes.
var errSizeTooLarge = errors.New("too large")

// parseSize parses sizes like 512MiB, 2GiB, 1G, 64mb, 1000000 (units in
// any case); "" and "0" are 0.
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"PiB", 1 << 50}, {"EiB", 1 << 60},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"PB", 1e15}, {"EB", 1e18},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1}}
	mult := int64(1)
	num := s
	for _, u := range units {
		// Units in any case, as docker's and GNU sort's sizes (found by a
		// tester: 64mb and 1g were "invalid").
		if k := len(s) - len(u.suffix); k >= 0 && strings.EqualFold(s[k:], u.suffix) {
			mult, num = u.mult, s[:k]
			break
		}
	}
	// A + sign is ignored, as in every number a flag takes (a tester:
	// --mem-budget +64MiB was invalid, --workers +2 was 2).
	num = strings.TrimPrefix(num, "+")
	// Decimal, as every number a flag takes, with a fraction if any
	// (1.5GiB): no digit separators (a tester: 1_000MiB ran), no
	// exponents, hexadecimal, Inf or NaN (a tester: 1e9 ran, and Inf was
	// "more than this machine's memory"). Exact, not a float (a tester:
	// 0.99999999999999999999MiB was 1MiB, above the least budget).
	n, ok := new(big.Rat).SetString(num)
	if !decimalNumeral(num) || !ok {
		return 0, fmt.Errorf("invalid size %q (want e.g. 512MiB or 2GiB)", s)
	}
	if n.Sign() == 0 {
		return 0, nil // zero: too small for a budget, said by the caller
	}
	n.Mul(n, new(big.Rat).SetInt64(mult))
	bytes := new(big.Int).Quo(n.Num(), n.Denom()) // whole bytes, rounded down
	if bytes.Cmp(big.NewInt(1<<62)) > 0 {
		// (found by a tester: called "invalid", though well formed)
		return 0, fmt.Errorf("size %q is %w (at most 4EiB)", s, errSizeTooLarge)
	}
	return bytes.Int64(), nil
}

// decimalNumeral reports whether s is digits, with a fraction if any.
func decimalNumeral(s string) bool {
	whole, frac, dot := strings.Cut(s, ".")
	digits := func(x string) bool {
		return x != "" && strings.Trim(x, "0123456789") == ""
	}
	return digits(whole) && (!dot || digits(frac))
}

// runReport is one (update, strategy) run, for printing.
type runReport struct {
	model      string
	update     *model.Update
	strategy   string
	queueBound int
	res        *statespace.Result
	prog       *statespace.Program
	live       *statespace.LiveStats // the liveness check, if it ran
	bitstate   string                // the bit array's summary, with --store bitstate
	sym        *statespace.Symmetry  // the symmetry the search was reduced by
	tablesNote string                // the parts tables outgrew the memory budget
	symNote    string                // symNote's, set by writeRun
	// por: the search was reduced by partial-order reduction; with
	// --shortest and a violation, shortestStates configurations were
	// searched again without it (shortestCut: that search was cut).
	por            bool
	shortestStates int64
	shortestCut    bool
	// heldByCapacity: threads the capacity holds back throughout a lasso's cycle.
	heldByCapacity []string
	// idle: the threads that never move in a lasso's cycle.
	idle []statespace.Idle
	// stalled: the participants yet to apply that move in a lasso's cycle.
	stalled []statespace.Stalled
	// failure: the run stopped on this error (a full disk, a store that
	// failed); res holds the statistics so far.
	failure error
}

// noteIdleSettings says on stderr, with --json, what the text's setup line
// says of the flags a model without an update makes idle (testers: JSON
// said nothing, from check, then from simulate and swarm).
func noteIdleSettings(cmd string, m *model.Model, jsonOut bool, at, strategy string, stderr io.Writer) {
	if n := idleSettings(at, strategy); n != "" && len(m.Updates) == 0 && jsonOut {
		fmt.Fprintf(stderr, "mcheck %s: note: %s\n", cmd, n)
	}
}

// idleSettings names the flags about the update that a model without one
// makes idle, and says so ("" if none).
func idleSettings(at, strategy string) string {
	// Settings of the update, taken without a word (found by testers:
	// --update-at, then --strategy).
	var idle []string
	if strategy != "all" {
		idle = append(idle, "--strategy "+strategy)
	}
	if at != "any" {
		idle = append(idle, "--update-at "+at)
	}
	return noEffectNote(idle)
}

// noEffectNote says that the flags idle (as given: "--strategy max+1")
// have no effect on a model without an update ("" for none).
func noEffectNote(idle []string) string {
	switch len(idle) {
	case 0:
		return ""
	case 1:
		return idle[0] + " has no effect: the model has no update"
	}
	return strings.Join(idle, " and ") + " have no effect: the model has no update"
}

// setupLine says what a run checks: the model, the update, the queue's
// capacity and when the update is introduced (nothing about an update the
// model does not have), and the properties --skip leaves out (found by a
// tester: "no violation in any interleaving" did not say fidelity was not
// checked).
func setupLine(path string, u *model.Update, bound int, at, strategy string, skip []string) string {
	s := fmt.Sprintf("model %s, no update, queue capacity %d", filepath.ToSlash(path), bound)
	if n := idleSettings(at, strategy); n != "" {
		s += " (" + n + ")"
	}
	if u != nil {
		s = fmt.Sprintf("model %s, update %s, queue capacity %d, update introduced: %s", filepath.ToSlash(path), u.Name, bound, at)
	}
	if len(skip) > 0 {
		s += "; not checked: " + strings.Join(skipList(skip), ", ") // each once, as in JSON (a tester)
	}
	return s
}

func updateName(u *model.Update) string {
	if u == nil {
		return check.NoUpdate
	}
	return u.Name
}

// neverRan is a source line no run reached, as --coverage names it:
// "m.dsu:12 (new f of P1)".
func neverRan(model string, l statespace.UnreachedLine) string {
	return fmt.Sprintf("%s:%d (%s)", filepath.ToSlash(model), l.Line, strings.Join(l.Code, ", "))
}

func (r *runReport) search() string {
	res := r.res
	switch {
	case r.failure != nil:
		return "failed"
	case res.Interrupted:
		return "interrupted"
	case res.CutByViolations:
		return "bounded (max-violations)"
	case res.Violation != nil && !res.Exhaustive && !res.CutByDepth && !res.CutByStates && (len(res.Violations) == 0 || r.bitstate == ""):
		// Stopped at the first violation; or, with --continue, a lasso
		// after an exhaustive safety search (found by a tester: that was
		// "exhaustive", with exhaustive false). A bitstate --continue
		// search that ran to its end is "bitstate" (below).
		return "-"
	case res.CutByDepth:
		return "bounded (max-depth)"
	case res.CutByStates:
		return "bounded (max-states)"
	case r.bitstate != "":
		return "bitstate"
	}
	return "exhaustive"
}

// writeRun prints one run's result as soon as it is known: its notes and,
// for a violation, the report with its trace. The summary tables come at
// the end (writeText).
func writeRun(w io.Writer, r *runReport, f *checkFlags, first, newUpdate bool) {
	if !first {
		fmt.Fprintln(w)
	}
	if newUpdate {
		fmt.Fprintf(w, "%s\n\n", setupLine(r.model, r.update, r.queueBound, f.updateAt, f.strategy, f.skip))
	}
	writeNoteLines(w, r, notesOf(r, f))
	vs := allViolations(r.res)
	for i, v := range vs {
		if len(vs) > 1 {
			fmt.Fprintf(w, "%s: violation %d of %d:\n", r.strategy, i+1, len(vs))
		}
		writeViolation(w, r, v, f.trace)
	}
	if u := r.res.Unreached; u != nil {
		writeUnreached(w, r, u)
	}
}

// writeUnreached lists what a run never exercised (--coverage).
func writeUnreached(w io.Writer, r *runReport, u *statespace.Unreached) {
	scope := "in this exhaustive search"
	// A lasso is looked for only after the safety search held
	// exhaustively: its list is complete.
	lasso := r.res.Violation != nil && r.res.Violation.CycleStart > 0
	// Why the part explored is not the whole: a bit array that went to its
	// end may have taken new states for seen ones; it did not stop early
	// (found by a tester).
	why := "the search stopped early"
	if r.bitstate != "" && !r.res.Interrupted && !r.res.CutByStates && !r.res.CutByDepth && r.res.Violation == nil {
		why = "a bit array may have taken states it never explored for seen ones"
	}
	if !r.res.Exhaustive && !lasso {
		scope = "in the part explored (" + why + ": this list is too long)"
	}
	if len(u.Actions) == 0 && len(u.States) == 0 && len(u.Lines) == 0 {
		if !r.res.Exhaustive && !lasso {
			// An empty list of the part explored (found by a tester: "this
			// list is too long" was said of an empty one).
			scope = "in the part explored (" + why + ")"
		}
		lines := ""
		if u.Lines != nil {
			lines = ", every source line run"
		}
		fmt.Fprintf(w, "%s: coverage: every communication, choose, session and update place was performed and every local-type state reached%s, %s\n", r.strategy, lines, scope)
		return
	}
	fmt.Fprintf(w, "%s: coverage: never exercised %s:\n", r.strategy, scope)
	for _, a := range u.Actions {
		fmt.Fprintf(w, "  never performed: %s\n", a)
	}
	for _, s := range u.States {
		fmt.Fprintf(w, "  never reached:   %s\n", s)
	}
	for _, l := range u.Lines {
		fmt.Fprintf(w, "  never ran:       %s\n", neverRan(r.model, l))
	}
}

// writeText prints the summary: per update, one row per strategy.
func writeText(w io.Writer, runs []*runReport, f *checkFlags) {
	if len(runs) == 0 {
		return
	}
	byUpdate := map[*model.Update][]*runReport{}
	var order []*model.Update
	for _, r := range runs {
		if _, ok := byUpdate[r.update]; !ok {
			order = append(order, r.update)
		}
		byUpdate[r.update] = append(byUpdate[r.update], r)
	}
	for i, u := range order {
		if i > 0 {
			fmt.Fprintln(w)
		}
		rs := byUpdate[u]
		fmt.Fprintf(w, "summary: %s\n\n", setupLine(rs[0].model, u, rs[0].queueBound, f.updateAt, f.strategy, f.skip))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		head := "strategy\tverdict\tproperty\t"
		if f.cont {
			head += "violations\t"
		}
		fmt.Fprintln(tw, head+"search\tstates\ttransitions\tdepth\tseconds\tblocked\tlatency\t")
		legend := false
		for _, r := range rs {
			verdict, prop := "ok", "-"
			switch r.res.Verdict {
			case statespace.Violated:
				verdict, prop = "VIOLATION", r.res.Violation.Property
			case statespace.Unknown:
				verdict = "ok?" // no violation within the bounds: nothing proved
			}
			if capacityUnjudged(r) {
				verdict, legend = "ok*", true
			}
			if f.cont {
				prop += "\t" + violationCount(r.res)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%.3f\t%d\t%s\t\n", r.strategy, verdict, prop, r.search(),
				r.res.States, r.res.Transitions, r.res.Depth, r.res.Elapsed.Seconds(), r.res.BlockedConfigs, latencyCell(r.res))
		}
		tw.Flush()
		if legend {
			fmt.Fprintf(w, "\n%s\n", capacityLegend)
		}
	}
}

// latencyCell is the summary's latency cell: "-" where no run completed
// the update (update_latency -1).
func latencyCell(res *statespace.Result) string {
	if res.UpdateLatency < 0 {
		return "-"
	}
	return fmt.Sprint(res.UpdateLatency)
}

// violationCount is the summary's violations cell, with --continue: the
// distinct violations listed, and "+" when --max-violations cut the search.
func violationCount(res *statespace.Result) string {
	n := fmt.Sprint(len(allViolations(res)))
	if res.CutByViolations {
		n += "+"
	}
	return n
}

// neverIntroduced says why no explored run introduced the update, by
// --update-at and whether the search was cut: the update comes only while
// some thread is running.
func neverIntroduced(updateAt string, cut bool) string {
	why := "it comes only while some thread runs, and no explored configuration had one running"
	switch {
	case updateAt == "never":
		why = "--update-at never"
	case strings.HasPrefix(updateAt, "step:"):
		why = "with --update-at " + updateAt + ", every run ended, or the search stopped, before that step"
	case cut:
		// Found by a tester: --max-states 1 was explained by threads
		// that were all running.
		why = "the search stopped before it stored a configuration with the update introduced"
	}
	return "the update was never introduced in any explored run (" + why + "): this says nothing about the update"
}

// writeNotes says what a verdict holds for: bounds and capacity; liveOn,
// that the liveness half of update completion is to be judged.
func writeNotes(w io.Writer, r *runReport, updateAt string, liveOn bool) {
	writeNoteLines(w, r, runNotes(r, updateAt, liveOn))
}

// writeNoteLines prints a run's notes, the first after its strategy.
func writeNoteLines(w io.Writer, r *runReport, notes []string) {
	for i, n := range notes {
		if i == 0 {
			fmt.Fprintf(w, "%s: %s\n", r.strategy, n)
		} else {
			fmt.Fprintf(w, "%s  %s\n", strings.Repeat(" ", len(r.strategy)), n)
		}
	}
}

// notesOf is runNotes under the flags f, the notes that depend on them
// (the tables' budget, symmetry asked for) made first: for the text and
// the page alike.
func notesOf(r *runReport, f *checkFlags) []string {
	r.tablesNote, r.symNote = tablesNote(r, f), symNote(r, f)
	return runNotes(r, f.updateAt, !slices.Contains(f.skip, properties.UpdateCompletion))
}

// runNotes is what the text says of run r beside its verdict (writeNotes),
// and the page too (a tester: a page whose update was never introduced
// read as a proof of safety).
func runNotes(r *runReport, updateAt string, liveOn bool) []string {
	res := r.res
	var notes []string
	if res.Violation == nil {
		switch {
		case r.failure != nil && r.live != nil:
			// The liveness check runs only after a safety search that was
			// exhaustive and found nothing: that stands (found by a tester:
			// "nothing is proved", where an interruption says it).
			notes = append(notes, fmt.Sprintf("safety: no violation in any interleaving (exhaustive for queue capacity %d); update completion (liveness) failed after %s (%v): not judged", r.queueBound, plural(r.live.States, "configuration"), r.failure))
		case r.failure != nil:
			notes = append(notes, fmt.Sprintf("failed (%v): no violation found so far; nothing is proved", r.failure))
		case res.Exhaustive:
			notes = append(notes, fmt.Sprintf("no violation in any interleaving (exhaustive for queue capacity %d)", r.queueBound))
		case res.Interrupted && r.live != nil && r.live.Interrupted:
			// The liveness check runs only after a safety search that
			// was exhaustive and found nothing.
			notes = append(notes, fmt.Sprintf("safety: no violation in any interleaving (exhaustive for queue capacity %d); update completion (liveness) interrupted after %s: not judged", r.queueBound, plural(r.live.States, "configuration")))
		case res.Interrupted:
			notes = append(notes, "interrupted: no violation found so far; nothing is proved")
		case r.bitstate != "" && !res.CutByDepth && !res.CutByStates:
			// Found by a tester: "within the bound" of a bitstate search
			// that no bound cut; what makes it partial is the bit array.
			notes = append(notes, fmt.Sprintf("no violation found by the bitstate search (queue capacity %d); this is NOT exhaustive: the bit array may have taken new configurations for seen ones", r.queueBound))
		default:
			notes = append(notes, fmt.Sprintf("no violation found within the bound (queue capacity %d); this is NOT exhaustive", r.queueBound))
		}
		if !res.Exhaustive && r.update != nil && r.live == nil && liveOn && r.failure == nil && !res.Interrupted {
			// Found by a tester: a bounded run said nothing of it.
			notes = append(notes, "update completion (liveness) not judged: it is judged only after an exhaustive safety search")
		}
	}
	if l := r.live; l != nil && res.Violation == nil && !l.Cut && !l.Interrupted && r.failure == nil {
		holds := "every fair run after the introduction completes the update"
		if l.Stuck > 0 {
			// (found by a tester: said where every run ends at the
			// capacity, the update pending: the line below qualified it)
			holds = "every fair run after the introduction that the queue capacity does not end completes the update"
		}
		if r.update != nil && !res.Introduced {
			// Found by a tester: said of an update no run introduced
			// (--update-at never, or step:K past every run's end).
			holds = "nothing to complete: no run introduces the update"
		}
		notes = append(notes, fmt.Sprintf("update completion (liveness): %s %s", holds, liveFigures(l)))
		if l.Stuck > 0 {
			// The runs that end at the capacity with the update pending
			// complete nothing: the verdict above does not cover them.
			notes = append(notes, fmt.Sprintf("  but for the runs that end where only the queue capacity holds the system, the update still pending (%s): not judged; a larger --queue-bound shows what the capacity hides, unless a participant it holds back never gets to apply (README, Capacity reached vs deadlock)",
				plural(l.Stuck, "configuration")))
		}
	}
	if v := res.Violation; v != nil && v.CycleStart > 0 && r.live != nil && len(res.Violations) == 0 {
		// What the liveness search held, as for a run that holds (found
		// by a tester: only JSON said it of a lasso's run).
		notes = append(notes, "update completion (liveness): the lasso below "+liveFigures(r.live))
	}
	if n := heldNote(r, res.Violation); n != "" {
		notes = append(notes, n)
	}
	if n := len(res.Violations); n > 0 {
		switch {
		case res.CutByViolations:
			notes = append(notes, fmt.Sprintf("%s, and there are more: the search stopped at --max-violations", plural(n, "distinct violation")))
		case res.Exhaustive:
			notes = append(notes, fmt.Sprintf("%s, every one there is (exhaustive for queue capacity %d)", plural(n, "distinct violation"), r.queueBound))
		case n == 1 && res.Violations[0].CycleStart > 0:
			// The lasso of the liveness check, which runs only after a
			// safety search that was exhaustive and found nothing (found
			// by a tester: "found before the search stopped").
			// It reports one lasso: there may be more, as the README
			// says (found by a tester: no output said so).
			notes = append(notes, fmt.Sprintf("safety: no violation in any interleaving (exhaustive for queue capacity %d); update completion (liveness): the lasso below; there may be more (the liveness check reports one) %s", r.queueBound, liveFigures(r.live)))
		case r.failure != nil:
			// (found by a tester: the violations met before the failure
			// were dropped; they stand, and the failure is said here too)
			notes = append(notes, fmt.Sprintf("%s found before the search failed (%v); there may be more", plural(n, "distinct violation"), r.failure))
		case r.bitstate != "" && !res.CutByDepth && !res.CutByStates && !res.Interrupted:
			// Found by a tester: "before the search stopped" was said of
			// a bitstate search that ran to its end.
			notes = append(notes, fmt.Sprintf("%s found; there may be more: the bit array may have taken new configurations for seen ones", plural(n, "distinct violation")))
		default:
			notes = append(notes, fmt.Sprintf("%s found before the search stopped; there may be more", plural(n, "distinct violation")))
		}
		if r.update != nil && r.live == nil && liveOn && res.Violations[0].CycleStart == 0 {
			notes = append(notes, "update completion (liveness) not judged: it is judged only when safety holds")
		}
	}
	if l := r.live; l != nil && l.Cut {
		notes = append(notes, "update completion (liveness) not judged: the check stopped at --max-states")
	}
	if r.update != nil && !res.Introduced && res.States > 0 {
		notes = append(notes, neverIntroduced(updateAt, !res.Exhaustive))
	}
	if r.bitstate != "" {
		notes = append(notes, r.bitstate)
	}
	if r.tablesNote != "" {
		notes = append(notes, r.tablesNote)
	}
	if r.sym != nil {
		groups := r.sym.Describe()
		if len(groups) > 3 {
			groups = append(groups[:3:3], fmt.Sprintf("and %d more groups", len(groups)-3))
		}
		notes = append(notes, fmt.Sprintf("symmetry reduction: %s are interchangeable (%s permutations); one configuration is kept per orbit, so the states counted are representatives", strings.Join(groups, "; "), orderString(r.sym.Order())))
	}
	if r.symNote != "" {
		notes = append(notes, r.symNote)
	}
	if r.por {
		notes = append(notes, fmt.Sprintf("partial-order reduction: %d of %d configurations were expanded by the steps of one thread only (%.1f%%)",
			res.Reduced, res.Expanded, 100*float64(res.Reduced)/float64(max(res.Expanded, 1))))
		switch {
		case res.Violation == nil || res.Violation.CycleStart > 0:
		case r.shortestStates > 0:
			notes = append(notes, fmt.Sprintf("shortest counterexample: searched again without the reduction up to the reduced one's depth (%s)", plural(r.shortestStates, "configuration")))
		case r.shortestCut:
			notes = append(notes, "the search again without the reduction for a shortest counterexample was cut or interrupted: the counterexample shown is the reduced search's, a real run but not always a shortest one")
		default:
			notes = append(notes, "the counterexample is a real run but not always a shortest one under partial-order reduction (--shortest searches again without it up to its depth)")
		}
	}
	if res.CapacityHits > 0 {
		notes = append(notes, fmt.Sprintf("the queue capacity held back a send in %s (%d of them capacity reached: nothing else could move there, and no thread was deadlocked)", plural(res.CapacityHits, "configuration"), res.CapacityStuck))
	}
	if res.CapacityLost > 0 {
		// Not judged there (capacity reached), but lost at every capacity
		// (a tester: a role an update added, that nobody took, was sent to
		// for ever and the run read "no violation").
		notes = append(notes, fmt.Sprintf("in %d of those %d, the queue holds messages for %s that no thread can receive any more (in their session the role has no holder, or its holder has stopped or dropped the endpoint): no capacity lets them be received (orphans, not judged where only the capacity holds the system)",
			res.CapacityLost, res.CapacityStuck, roleList(r.prog, res.Unreceivable)))
	}
	return notes
}

// allViolations is every violation a run reports: with --continue each
// distinct one, else the first.
func allViolations(res *statespace.Result) []*statespace.Violation {
	if len(res.Violations) > 0 {
		return res.Violations
	}
	if res.Violation != nil {
		return []*statespace.Violation{res.Violation}
	}
	return nil
}

// traceShortest reports whether v's trace is known to be a shortest one
// (for a lasso: its run to the cycle): not under partial-order reduction
// without --shortest, nor for a lasso judged among symmetry
// representatives, nor over a bit array (it may have taken a state on a
// shorter way to the violation for one seen before, and dropped it).
func (r *runReport) traceShortest(v *statespace.Violation) bool {
	if r.bitstate != "" {
		return false
	}
	if v.CycleStart > 0 {
		return r.live == nil || !r.live.Quotient
	}
	if r.res.Unfinished {
		return false
	}
	return !r.por || r.shortestStates > 0
}

// lateSessionNote is the note, under a strategy that coordinates by run
// numbers (max+1, stop-the-world), that the session of the violation's
// last step started after the update was introduced: it has no update run
// number, so the strategy does not coordinate it (docs/language.md §4).
// Found by a tester, whose max+1 counterexamples came from such sessions
// unexplained. Only a session of a service the update moves: the runs of
// any other cannot matter (a tester saw the note on a code-only update).
// Not on a lasso, whose last step is any step of its cycle and explains
// nothing (a tester), nor where the session's roles all act under one
// version with code of that version (Violation.SessionMixed: a tester
// saw it on a fault of the new code alone). "" if there is none. The text prints it as note:,
// the JSON as "note".
func lateSessionNote(prog *statespace.Program, strategy string, v *statespace.Violation) string {
	if strategy == "stop-the-world" && v.Rule == properties.RuleBarrierDeadlock && v.CycleStart == 0 {
		return lateBarrierNote(prog, v)
	}
	if strategy != "max+1" && strategy != "stop-the-world" || len(v.Trace) == 0 || v.CycleStart > 0 || !v.SessionMixed {
		return ""
	}
	session, _, _ := strings.Cut(v.Trace[len(v.Trace)-1].Endpoint, ".")
	name, _, _ := strings.Cut(session, "#")
	if svc := prog.ServiceIndex(name); svc < 0 || !prog.Services[svc].Moved {
		return ""
	}
	introduced, started := 0, 0
	for _, s := range v.Trace {
		switch {
		case s.Kind == "introduce":
			introduced = s.Step
		case s.Kind == "start" && s.Endpoint == session:
			started = s.Step
		}
	}
	if introduced == 0 || started <= introduced {
		return ""
	}
	return fmt.Sprintf("session %s started (step %d) after the update was introduced (step %d): it has no update run number, so %s does not wait for its runs to end before its roles' threads apply (docs/language.md §4)",
		session, started, introduced, strategy)
}

// writeLateSession prints lateSessionNote's note, if any.
func writeLateSession(w io.Writer, prog *statespace.Program, strategy string, v *statespace.Violation) {
	if note := lateSessionNote(prog, strategy, v); note != "" {
		fmt.Fprintf(w, "  note:     %s\n", note)
	}
}

func writeViolation(w io.Writer, r *runReport, v *statespace.Violation, traceFmt string) {
	fmt.Fprintf(w, "%s: %s violation — %s\n", r.strategy, v.Property, v.Rule)
	if v.Thread != "" {
		fmt.Fprintf(w, "  thread:   %s\n", v.Thread)
	}
	if len(v.Threads) > 1 {
		// Every thread at fault, which tells --continue's violations apart
		// (found by a tester: two deadlocks read the same but for found).
		fmt.Fprintf(w, "  threads:  %s\n", strings.Join(v.Threads, ", "))
	}
	if v.Where != "" && len(r.res.Violations) > 0 {
		fmt.Fprintf(w, "  where:    %s\n", v.Where)
	}
	fmt.Fprintf(w, "  action:   %s\n", v.Action)
	fmt.Fprintf(w, "  expected: %s\n", v.Expected)
	fmt.Fprintf(w, "  found:    %s\n", v.Found)
	if v.CycleStart > 0 {
		writeIdle(w, r)
	}
	writeLateSession(w, r.prog, r.strategy, v)
	what := steps(len(v.Trace)) + ", shortest"
	switch {
	case r.traceShortest(v):
	case r.res.Unfinished:
		stopped := "was cut by --max-states"
		if r.res.Interrupted {
			stopped = "was interrupted"
		}
		what = fmt.Sprintf("%s: a real run, not known to be a shortest one: the search %s before it finished the configurations %s deep, where a violation %s long may end", steps(len(v.Trace)), stopped, steps(len(v.Trace)-1), steps(len(v.Trace)-1))
	case r.bitstate != "":
		what = steps(len(v.Trace)) + ": a real run, not always a shortest one over a bit array (it may have dropped a state on a shorter way)"
	default:
		what = steps(len(v.Trace)) + ": a real run, not always a shortest one under partial-order reduction"
	}
	if v.CycleStart > 0 {
		to := "the shortest run to the cycle"
		if !r.traceShortest(v) {
			to = "a run to the cycle (among symmetry representatives: not always the shortest)"
		}
		what = fmt.Sprintf("a lasso: %s, %s, then a cycle of %s that repeats for ever", steps(v.CycleStart-1), to, steps(len(v.Trace)-v.CycleStart+1))
	}
	switch traceFmt {
	case "json":
		// The heading as the text trace's (found by a tester: it said
		// only "trace:", neither the length nor whether it is shortest).
		b, _ := json.MarshalIndent(v.Trace, "  ", "  ")
		fmt.Fprintf(w, "  trace (%s), as JSON:\n  %s\n", what, b)
		if v.CycleStart > 0 {
			fmt.Fprintf(w, "  cycle starts at step %d\n", v.CycleStart)
		}
	case "msc":
		fmt.Fprintf(w, "  trace (%s), as a message sequence chart:\n", what)
		writeLassoMSC(w, r.prog, v)
		fmt.Fprintln(w, mscLegend)
	default:
		fmt.Fprintf(w, "  trace (%s):\n", what)
		d := stepDigits(v.Trace)
		for _, s := range v.Trace {
			if s.Step == v.CycleStart {
				fmt.Fprintf(w, "  %s\n", cycleMark(len(v.Trace)))
			}
			fmt.Fprintf(w, "  %*d  %-10s %s\n", d, s.Step, s.Thread, s.Action)
			fmt.Fprintf(w, "  %*s  %-10s queue %s\n", d, "", "", s.Queue)
		}
		if v.CycleStart > 0 {
			fmt.Fprintf(w, "  ---- back to the configuration before step %d: the cycle repeats for ever ----\n", v.CycleStart)
		}
	}
	fmt.Fprintf(w, "  final configuration:\n")
	for _, line := range strings.Split(v.Final, "\n") {
		fmt.Fprintf(w, "    %s\n", line)
	}
}

// cycleMark is the line that marks where a lasso's cycle starts.
func cycleMark(last int) string {
	return fmt.Sprintf("---- cycle starts here (repeats for ever, through step %d) ----", last)
}

// writeLassoMSC draws a trace as a message sequence chart, with the line
// where a lasso's cycle starts (one chart line per step, after a header).
func writeLassoMSC(w io.Writer, p *statespace.Program, v *statespace.Violation) {
	writeMSC(w, p, v.Trace, v.CycleStart)
	if v.CycleStart > 0 {
		fmt.Fprintf(w, "  ---- back to the configuration before step %d: the cycle repeats for ever ----\n", v.CycleStart)
	}
}

// stepDigits is the width of a trace's step numbers: 3, or more for a
// trace of 1,000 steps or more (found by a tester: from step 1000 on, the
// columns moved one to the right).
func stepDigits(trace []statespace.TraceStep) int {
	return max(3, len(strconv.Itoa(len(trace))))
}

// steps says "1 step", "2 steps".
func steps(n int) string {
	if n == 1 {
		return "1 step"
	}
	return fmt.Sprintf("%d steps", n)
}

// jsonLiveness is the JSON form of what the liveness check did.
type jsonLiveness struct {
	States   int64 `json:"states"`
	Pending  int64 `json:"pending"`
	Edges    int64 `json:"transitions_pending"`
	Excluded int64 `json:"can_apply"`
	// Stuck counts the configurations with the update pending where only
	// the queue capacity holds the system: runs ending there are not judged.
	Stuck    int64   `json:"pending_capacity_reached"`
	SCCs     int64   `json:"cyclic_components"`
	Fair     int64   `json:"fair_components"`
	Seconds  float64 `json:"seconds"`
	RAMBytes int64   `json:"ram_bytes"`
	// DiskBytes is the most the liveness graph held on disk (0 with the
	// memory store, or when it fitted its share of the budget).
	DiskBytes int64 `json:"disk_bytes"`
	Cut       bool  `json:"cut"`
	// Judged: the check ran to its end and the run's verdict includes it
	// (not cut, interrupted, or failed: found by a tester, a liveness graph
	// whose spill filled the disk read as a pass, cut false).
	Judged        bool `json:"judged"`
	*jsonQuotient      // with symmetry only
}

// jsonQuotient is what the liveness check says with symmetry: Quotient
// that it judged among representatives; FellBack that no candidate lasso
// lifted to a real one and the unreduced check decided; QuotientStates
// and Lifted count the representatives and the real configurations lifting
// explored. All four are written, false and 0 too (found by a tester:
// fell_back and lifted were left out when false and 0).
type jsonQuotient struct {
	Quotient       bool  `json:"quotient"`
	FellBack       bool  `json:"fell_back"`
	QuotientStates int64 `json:"quotient_states"`
	Lifted         int64 `json:"lifted"`
}

// jsonRun is the JSON form of one run (docs/language.md §7).
type jsonRun struct {
	Model         string `json:"model"`
	Update        string `json:"update"`
	Strategy      string `json:"strategy"`
	Verdict       string `json:"verdict"`
	Exhaustive    bool   `json:"exhaustive"`
	Search        string `json:"search"`
	QueueBound    int    `json:"queue_bound"`
	BoundHits     int64  `json:"bound_hits"`
	CapacityStuck int64  `json:"capacity_reached"`
	// CapacityLost: of those, the ones whose queue holds messages no
	// thread can ever receive, for the roles Unreceivable names.
	CapacityLost int64    `json:"capacity_unreceivable"`
	Unreceivable []string `json:"unreceivable_roles,omitempty"`
	Property     string   `json:"property"`
	Error        string   `json:"error,omitempty"` // search "failed": why
	Rule         string   `json:"rule,omitempty"`
	Thread       string   `json:"thread,omitempty"`
	// Threads: a deadlock's, an incomplete update's, a lasso's: every thread
	// at fault, as the text's threads: line (found by a tester: only
	// --continue's violations had them).
	Threads     []string               `json:"threads,omitempty"`
	Action      string                 `json:"action,omitempty"`
	Expected    string                 `json:"expected,omitempty"`
	Found       string                 `json:"found,omitempty"`
	States      int64                  `json:"states"`
	Transitions int64                  `json:"transitions"`
	Depth       int                    `json:"depth"`
	Seconds     float64                `json:"seconds"`
	Blocked     int64                  `json:"blocked_configs"`
	MaxBlocked  int                    `json:"max_blocked"`
	Latency     int                    `json:"update_latency"`
	MixedRuns   int64                  `json:"mixed_runs"`
	Introduced  bool                   `json:"update_introduced"`
	Trace       []statespace.TraceStep `json:"trace"`
	Final       string                 `json:"final,omitempty"` // the configuration the trace ends in
	Note        string                 `json:"note,omitempty"`  // the text's note: under the violation (lateSessionNote)
	lassoJSON
	// Path is the trace as successor indices (mcheck replay re-runs it);
	// UpdateAt and Skip are the options it was found with.
	Path     []uint32 `json:"path,omitempty"`
	UpdateAt string   `json:"update_at"`
	Skip     []string `json:"skip"`
	// CycleStart, for a liveness violation (a lasso), is the number of the
	// step the cycle starts with: the steps from it to the end repeat for
	// ever. Liveness is what the liveness check did, when it ran.
	CycleStart int           `json:"cycle_start,omitempty"`
	Liveness   *jsonLiveness `json:"liveness,omitempty"`
	// TraceShortest, with a violation, says whether the trace is known to
	// be a shortest one (for a lasso, its run to the cycle): false under
	// --reduce por without --shortest, and for a lasso judged among
	// symmetry representatives.
	TraceShortest *bool `json:"trace_shortest,omitempty"`
	// Bitstate is the bit array's summary, with --store bitstate.
	Bitstate string `json:"bitstate,omitempty"`
	jsonCoverage
	// Symmetry lists the interchangeable blocks the search was reduced by
	// ("{A1, B1} ~ {A2, B2}", one string per group), and SymmetryOrder the
	// number of permutations they allow.
	Symmetry      []string `json:"symmetry,omitempty"`
	SymmetryOrder *big.Int `json:"symmetry_order,omitempty"`
	// POR, with --reduce por, says how many configurations were expanded
	// and how many of them by one thread's steps only; ShortestStates,
	// with --shortest and a violation, how many configurations the search
	// again without the reduction explored (the violation is then a
	// shortest one).
	POR            *jsonPOR `json:"por,omitempty"`
	ShortestStates int64    `json:"shortest_states,omitempty"`
	// ShortestCut: that search was cut by --max-states or interrupted, so
	// the violation is the reduced search's (trace_shortest false).
	ShortestCut bool `json:"shortest_cut,omitempty"`
	// Violations, with --continue, is every distinct violation, shortest
	// first (the fields above describe the first); CutByViolations says
	// there were more than --max-violations.
	Violations      []jsonViolation `json:"violations,omitempty"`
	CutByViolations bool            `json:"max_violations_reached,omitempty"`
}

// jsonPOR is what partial-order reduction did.
type jsonPOR struct {
	Expanded int64 `json:"expanded"`
	Reduced  int64 `json:"reduced"`
}

// jsonViolation is one violation of a --continue run.
type jsonViolation struct {
	Property   string                 `json:"property"`
	Rule       string                 `json:"rule"`
	Thread     string                 `json:"thread,omitempty"`
	Threads    []string               `json:"threads,omitempty"` // a deadlock's, an incomplete update's: every thread at fault
	Where      string                 `json:"where,omitempty"`
	Action     string                 `json:"action,omitempty"`
	Expected   string                 `json:"expected,omitempty"`
	Found      string                 `json:"found,omitempty"`
	Trace      []statespace.TraceStep `json:"trace"`
	Final      string                 `json:"final,omitempty"`
	Note       string                 `json:"note,omitempty"` // the text's note: (lateSessionNote)
	Path       []uint32               `json:"path"`
	CycleStart int                    `json:"cycle_start,omitempty"`
}

func writeJSON(w io.Writer, r *runReport, f *checkFlags) {
	res := r.res
	j := jsonRun{
		Model: r.model, Update: updateName(r.update), Strategy: r.strategy, Verdict: "ok", UpdateAt: f.updateAt, Skip: skipList(f.skip),
		Exhaustive: res.Exhaustive, Search: r.search(), QueueBound: r.queueBound, BoundHits: res.CapacityHits, CapacityStuck: res.CapacityStuck,
		CapacityLost: res.CapacityLost, Unreceivable: roleNames(r.prog, res.Unreceivable),
		States: res.States, Transitions: res.Transitions, Depth: res.Depth, Seconds: res.Elapsed.Seconds(),
		Trace:   []statespace.TraceStep{},
		Blocked: res.BlockedConfigs, MaxBlocked: res.MaxBlocked, Latency: res.UpdateLatency, MixedRuns: res.MixedRuns,
		Introduced: res.Introduced,
	}
	j.Bitstate = r.bitstate
	if r.failure != nil {
		j.Error = r.failure.Error()
	}
	if r.sym != nil {
		j.Symmetry, j.SymmetryOrder = r.sym.Describe(), r.sym.Order()
	}
	if r.por {
		j.POR = &jsonPOR{Expanded: res.Expanded, Reduced: res.Reduced}
		j.ShortestStates, j.ShortestCut = r.shortestStates, r.shortestCut
	}
	// README (--json): verdict is ok (exhaustive), violation, or unknown
	// (no violation found, but the search was cut, interrupted or lossy:
	// search says why), as the text's "ok?".
	if !res.Exhaustive && res.Verdict != statespace.Violated {
		j.Verdict = "unknown"
	}
	if v := res.Violation; res.Verdict == statespace.Violated {
		j.Verdict, j.Property, j.Rule, j.Thread, j.Action, j.Expected, j.Found, j.Trace = "violation", v.Property, v.Rule, v.Thread, v.Action, v.Expected, v.Found, v.Trace
		j.Final, j.Path, j.CycleStart, j.Threads = v.Final, v.Path, v.CycleStart, v.Threads
		j.Note = lateSessionNote(r.prog, r.strategy, v)
		if v.CycleStart > 0 {
			j.lassoJSON = lassoJSONOf(r)
		}
		shortest := r.traceShortest(v)
		j.TraceShortest = &shortest
	}
	for _, v := range res.Violations {
		path := v.Path
		if path == nil {
			path = []uint32{} // a violation before the first step (found by a tester: null)
		}
		j.Violations = append(j.Violations, jsonViolation{Property: v.Property, Rule: v.Rule, Thread: v.Thread, Threads: v.Threads, Where: v.Where, Action: v.Action,
			Expected: v.Expected, Found: v.Found, Trace: v.Trace, Final: v.Final, Note: lateSessionNote(r.prog, r.strategy, v), Path: path, CycleStart: v.CycleStart})
	}
	j.CutByViolations = res.CutByViolations
	if l := r.live; l != nil {
		j.Liveness = &jsonLiveness{States: l.States, Pending: l.Pending, Edges: l.Edges, Excluded: l.Excluded, Stuck: l.Stuck, SCCs: l.SCCs, Fair: l.FairSCCs,
			Seconds: l.Elapsed.Seconds(), RAMBytes: l.RAMBytes, DiskBytes: l.DiskBytes, Cut: l.Cut,
			Judged: !l.Cut && !l.Interrupted && r.failure == nil}
		if l.Quotient {
			j.Liveness.jsonQuotient = &jsonQuotient{Quotient: true, FellBack: l.FellBack, QuotientStates: l.QuotientStates, Lifted: l.Lifted}
		}
	}
	j.jsonCoverage = coverageJSON(r.model, res.Unreached)
	b, _ := json.Marshal(j)
	fmt.Fprintf(w, "%s\n", b)
}

// orderString prints a group's order: exactly when it is small.
func orderString(o *big.Int) string {
	if o.BitLen() < 50 {
		return o.String()
	}
	// big.Float: a float64 overflows past 1e308 (found: 94 groups of 16
	// interchangeable threads printed "+Inf permutations").
	return new(big.Float).SetInt(o).Text('g', 3)
}

// effectiveBudget is the memory budget --mem-budget s gives (the default
// when s is empty), and false if s is no size.
func effectiveBudget(s string) (int64, bool) {
	budget, err := parseSize(s)
	if err != nil {
		return 0, false
	}
	if budget == 0 {
		budget = store.DefaultMemBudget()
	}
	return budget, true
}

// tablesNote warns when the tables of the configurations' parts, which stay
// in memory whatever the store, outgrew half of --mem-budget: the budget
// then no longer bounds mcheck's memory.
func tablesNote(r *runReport, f *checkFlags) string {
	budget, ok := effectiveBudget(f.memBudget)
	if !ok || r.res == nil || r.res.TablesRAM <= budget/2 {
		return ""
	}
	return fmt.Sprintf("the tables of the configurations' parts hold %s, more than half of the memory budget (%s): they stay in memory whatever --store says, so the budget does not bound them",
		store.SizeString(r.res.TablesRAM), store.SizeString(budget))
}

// maxIdleNotes is the most threads idle in a lasso's cycle the text names.
const maxIdleNotes = 8

// writeIdle says, under a lasso's found line, why its cycle is fair to each
// thread that never moves in it: where it cannot move (found by a tester:
// a participant starved only where the queue was full read as a failure of
// the update). The participants yet to apply come first: they are what the
// violation is about (found by a tester: ten bystanders hid the one
// participant past the eighth line). Those the capacity holds back all
// along are said in the run's notes too (heldByCapacity), and named here
// as well (found by a tester: the one participant the lasso was about had
// no idle: line, where the README promised one for every idle thread).
func writeIdle(w io.Writer, r *runReport) {
	for _, part := range []struct {
		head  string
		lines []string
	}{{"  stalled:  ", stalledLines(r)}, {"  idle:     ", idleLines(r)}} {
		for i, l := range part.lines {
			head := "            "
			if i == 0 {
				head = part.head
			}
			fmt.Fprintf(w, "%s%s\n", head, l)
		}
	}
}

// stalledLines say, for each participant yet to apply that moves in a
// lasso's cycle, why it cannot apply there (the HTML page shows them too).
func stalledLines(r *runReport) []string {
	var out []string
	for _, x := range r.stalled {
		out = append(out, fmt.Sprintf("%s moves in the cycle but cannot apply anywhere in it: %s", r.prog.Threads[x.Thread].Name, x.Why))
	}
	return out
}

// idleLines are writeIdle's lines (the HTML page shows them too).
func idleLines(r *runReport) []string {
	idle := slices.Clone(r.idle)
	slices.SortStableFunc(idle, func(a, b statespace.Idle) int {
		switch {
		case a.Pending == b.Pending:
			return 0
		case a.Pending:
			return -1
		}
		return 1
	})
	var out []string
	for i, x := range idle {
		if i == maxIdleNotes {
			verb := "never move" // (a tester: "1 thread more never move")
			if len(idle)-i == 1 {
				verb = "never moves"
			}
			return append(out, fmt.Sprintf("and %s more %s in the cycle (JSON idle lists them all)", plural(len(idle)-i, "thread"), verb))
		}
		out = append(out, idleLine(r.prog.Threads[x.Thread].Name, x))
	}
	return out
}

// lateBarrierNote is lateSessionNote's for a deadlock at the
// stop-the-world barrier: the sessions of moved services that started
// after the update was introduced, whose runs the barrier does not wait
// for (a tester: max+1's counterexample on the same model had the note,
// stop-the-world's deadlock, from the same cause, had none). "" if none.
func lateBarrierNote(prog *statespace.Program, v *statespace.Violation) string {
	introduced := 0
	var late []string
	var first statespace.TraceStep
	for _, s := range v.Trace {
		switch {
		case s.Kind == "introduce":
			introduced = s.Step
		case s.Kind == "start" && introduced > 0:
			name, _, _ := strings.Cut(s.Endpoint, "#")
			if svc := prog.ServiceIndex(name); svc >= 0 && prog.Services[svc].Moved {
				late = append(late, fmt.Sprintf("%s (step %d)", s.Endpoint, s.Step))
				first = s
			}
		}
	}
	switch len(late) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("session %s started (step %d) after the update was introduced (step %d): it has no update run number, so stop-the-world does not wait for its runs to end before its roles' threads stop at the barrier (docs/language.md §4)", first.Endpoint, first.Step, introduced)
	}
	return fmt.Sprintf("sessions %s started after the update was introduced (step %d): they have no update run number, so stop-the-world does not wait for their runs to end before their roles' threads stop at the barrier (docs/language.md §4)", strings.Join(late, ", "), introduced)
}

// symNote is the note of a run that --reduce symmetry asked to reduce by
// symmetry and that found none (a tester: it said nothing, as a run of
// the default --reduce all does); "" otherwise. With --continue or
// --coverage the note before the runs says symmetry is not used.
func symNote(r *runReport, f *checkFlags) string {
	if red, _ := check.ParseReduce(f.reduce); red != check.ReduceSymmetry || r.sym != nil || f.cont || f.coverage {
		return ""
	}
	return "symmetry reduction (--reduce symmetry): none found, no threads of the model being interchangeable (README, \"Symmetry, found automatically\"); the search is unreduced"
}

// liveFigures is what the liveness search held, in parentheses: its
// configurations, those with the update pending, how it was judged under
// symmetry, its time and memory ("" without a liveness search).
func liveFigures(l *statespace.LiveStats) string {
	if l == nil {
		return ""
	}
	how := ""
	switch {
	case l.FellBack:
		how = ", judged without the symmetry: no candidate lasso among representatives was a real one"
	case l.Quotient:
		how = ", judged among symmetry representatives"
	}
	disk := ""
	if l.DiskBytes > 0 {
		disk = ", " + store.SizeString(l.DiskBytes) + " on disk"
	}
	return fmt.Sprintf("(%s, %d of them with the update pending%s; %.3f s, about %s in memory%s)",
		plural(l.States, "configuration"), l.Pending, how, l.Elapsed.Seconds(), store.SizeString(l.RAMBytes), disk)
}

// heldNote is the note, for a lasso v, on the participants the queue's
// capacity holds back at every step of its cycle ("" if none): the text
// prints it above the report, the page in it (its idle lines point to it).
func heldNote(r *runReport, v *statespace.Violation) string {
	if v == nil || v.CycleStart == 0 || len(r.heldByCapacity) == 0 {
		return ""
	}
	return fmt.Sprintf("in the cycle, the queue capacity holds back %s at every step, not applied: at this capacity the update never completes; a larger --queue-bound shows whether it does (README, Capacity reached vs deadlock)",
		strings.Join(r.heldByCapacity, ", "))
}

// idleLine says why a lasso's cycle is fair to a thread that never moves
// in it: where it cannot move.
func idleLine(name string, x statespace.Idle) string {
	if x.Always {
		s := fmt.Sprintf("%s never moves in the cycle, and cannot at any step of it (%s)", name, x.Why)
		if x.HeldByCapacity() {
			s += ": the capacity alone starves it (see the note on the capacity)"
		}
		return s
	}
	s := fmt.Sprintf("%s never moves in the cycle, though it is enabled at some steps; before step %d it is not (%s)", name, x.Step, x.Why)
	if x.Wait.Kind == statespace.WaitHeldBack {
		s += fmt.Sprintf(": a thread enabled only at some steps of a cycle may be starved (weak fairness), so the cycle is fair to %s only because the capacity is reached in it", name)
	}
	return s
}

// stalledJSON is a participant yet to apply that moves in a lasso's cycle,
// with why it cannot apply there.
type stalledJSON struct {
	Thread string `json:"thread"`
	Why    string `json:"why"`
}

// lassoJSON is what a lasso's JSON says of its cycle's threads (check's
// run line, points' witness).
type lassoJSON struct {
	// HeldByCapacity: the threads the queue's capacity holds back
	// throughout the cycle, not applied ([] for none).
	HeldByCapacity *[]string `json:"held_by_capacity,omitempty"`
	// Idle: the threads that never move in the cycle ([] for none).
	Idle *[]idleJSON `json:"idle,omitempty"`
	// Stalled: the participants yet to apply that move in the cycle,
	// with why none can apply there ([] for none).
	Stalled *[]stalledJSON `json:"stalled,omitempty"`
}

// lassoJSONOf is r's lasso's lassoJSON.
func lassoJSONOf(r *runReport) lassoJSON {
	held := append([]string{}, r.heldByCapacity...)
	idle := []idleJSON{}
	for _, x := range r.idle {
		idle = append(idle, idleJSON{Thread: r.prog.Threads[x.Thread].Name, Step: x.Step, Always: x.Always, Waits: x.Why, Pending: x.Pending})
	}
	stalled := []stalledJSON{}
	for _, x := range r.stalled {
		stalled = append(stalled, stalledJSON{Thread: r.prog.Threads[x.Thread].Name, Why: x.Why})
	}
	return lassoJSON{HeldByCapacity: &held, Idle: &idle, Stalled: &stalled}
}

// idleJSON is a thread that never moves in a lasso's cycle: the first step
// before which it cannot move, whether it cannot anywhere in the cycle,
// what it waits for there, and whether it is a participant yet to apply.
type idleJSON struct {
	Thread  string `json:"thread"`
	Step    int    `json:"step"`
	Always  bool   `json:"always"`
	Waits   string `json:"waits"`
	Pending bool   `json:"pending"`
}

// roleNames names roles of sessions as service.role.
func roleNames(p *statespace.Program, ends []statespace.EndRef) []string {
	var out []string
	for _, e := range ends {
		out = append(out, p.Services[e.Service].Name+"."+p.Roles[e.Role])
	}
	return out
}

// roleList names roles of sessions for the text: "role c of s", at most
// three, then how many more.
func roleList(p *statespace.Program, ends []statespace.EndRef) string {
	var out []string
	for i, e := range ends {
		if i == 3 {
			out = append(out, fmt.Sprintf("%d more", len(ends)-3))
			break
		}
		out = append(out, "role "+p.Roles[e.Role]+" of "+p.Services[e.Service].Name)
	}
	return strings.Join(out, ", ")
}
