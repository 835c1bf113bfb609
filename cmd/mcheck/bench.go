package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/mcheck/mcheck/benches"
	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// `mcheck bench`: the flags and the printing; the sweep itself (child
// processes, CSV, plots) is benches.Sweep.

func init() {
	register(&command{name: "bench", summary: "measure state-space growth over a model family, per strategy (CSV and plot)", run: runBench})
}

// benchFlags are the flags of `mcheck bench`.
type benchFlags struct {
	family     string
	from, to   int
	out        string
	strategy   string
	queueBound int
	maxStates  int64
	store      string
	reduce     string
	timeout    time.Duration
}

func runBench(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("bench", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var f benchFlags
	fs.StringVar(&f.family, "family", "", "the model family to sweep: "+familyList())
	fs.IntVar(&f.from, "from", 0, "the first parameter value")
	fs.IntVar(&f.to, "to", 0, "the last parameter value")
	fs.StringVar(&f.out, "out", "", "directory for FAMILY.csv, FAMILY.svg and FAMILY.png (created if missing)")
	markRequired(fs, "family", "out")
	listVar(fs, &f.strategy, "strategy", "all", "strategies to run: "+strings.Join(statespace.StrategyNames(), ", ")+", a comma-separated list, or all")
	fs.IntVar(&f.queueBound, "queue-bound", 8, "capacity of the global queue, passed to every run")
	fs.Int64Var(&f.maxStates, "max-states", 0, "cut each run after this many distinct configurations (0: no bound); a cut run is not exhaustive and its verdict is unknown")
	fs.StringVar(&f.reduce, "reduce", "all", "reductions of each run: all, symmetry, por or none (see mcheck check --help)")
	fs.StringVar(&f.store, "store", "memory", "visited set of each run: memory or badger")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Minute, "wall-clock limit per run (0: none); a run over it is interrupted and recorded as timeout")
	usage := func(w io.Writer) { benchUsage(w, fs) }
	if status, done := parseFlags("bench", fs, args, usage, stdout, stderr); done {
		return status
	}
	strategies, err := f.validate(fs)
	if err != nil {
		fmt.Fprintf(stderr, "mcheck bench: %v\nRun 'mcheck bench --help' for usage.\n", err)
		return exitUsage
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "mcheck bench: cannot find mcheck's own executable to run the checks: %v\n", err)
		return exitFailure
	}

	ctx, stop := signal.NotifyContext(context.Background(), stopSignals()...)
	defer stop()

	// The sweep removes an earlier one's outputs as it starts; an
	// interruption says so only if there were some (a tester: it said so
	// of a new directory).
	removed := ""
	for _, p := range benchOutputs(f.out, f.family) {
		if _, err := os.Lstat(p); err == nil {
			removed = " (an earlier sweep's outputs were removed at the start)"
			break
		}
	}
	fmt.Fprintf(stderr, "mcheck bench: family %s, parameter %d..%d, strategies %s, queue capacity %d, max states %s, store %s, reduce %s, timeout %s\n",
		f.family, f.from, f.to, strings.Join(strategies, ","), f.queueBound, boundText(f.maxStates), f.store, f.reduce, durationText(f.timeout))
	rows, err := benches.Sweep(ctx, benches.SweepOptions{
		Executable: self, Family: f.family, From: f.from, To: f.to, Out: f.out, Strategies: strategies,
		QueueBound: f.queueBound, MaxStates: f.maxStates, Store: f.store, Timeout: f.timeout, Reduce: f.reduce,
	}, stderr)
	interrupted := errors.Is(err, benches.ErrInterrupted)
	// The runs the sweep did not finish, named as the other commands name
	// theirs (a tester: the CSV alone said which had run).
	notFinished := func(why string) {
		var left []string
		for k, i := f.from, 0; k <= f.to; k++ {
			for _, st := range strategies {
				if i < len(rows) && rows[i].Param == k && rows[i].Strategy == st {
					i++
					continue
				}
				left = append(left, fmt.Sprintf("%s %d %s", f.family, k, st))
			}
		}
		if len(left) > 0 {
			fmt.Fprintf(stderr, "mcheck bench: not run (%s before they finished): %s\n", why, strings.Join(left, ", "))
		}
	}
	if err != nil && !interrupted {
		// The outputs of the runs done, and the runs left (found by a
		// tester: neither was said after a failure part-way).
		fmt.Fprintf(stderr, "mcheck bench: %v\n", err)
		base := filepath.Join(f.out, f.family)
		var kept []string
		for _, ext := range []string{".csv", ".svg", ".png"} {
			if _, err := os.Stat(base + ext); err == nil {
				kept = append(kept, base+ext)
			}
		}
		if len(rows) > 0 && len(kept) > 0 {
			fmt.Fprintf(stderr, "mcheck bench: %s hold the %s done before the failure\n", strings.Join(kept, ", "), plural(len(rows), "run"))
		}
		notFinished("the failure stopped the sweep")
		return exitFailure
	}
	if len(rows) > 0 {
		base := filepath.Join(f.out, f.family)
		fmt.Fprintf(stderr, "mcheck bench: wrote %s.csv, %s.svg and %s.png\n", base, base, base)
	}
	if interrupted {
		notFinished("interrupted")
	}
	if interrupted && len(rows) == 0 {
		// Found by a tester: "the outputs hold the runs" was said when
		// no run had finished and nothing was written.
		fmt.Fprintf(stderr, "mcheck bench: interrupted before any run finished; no outputs written%s\n", removed)
		return exitFailure
	}
	if interrupted {
		fmt.Fprintf(stderr, "mcheck bench: interrupted; the outputs hold the runs completed so far%s\n", removed)
		return exitFailure
	}
	// A run that failed measured nothing: a script must not take the
	// sweep for done (found by a tester: every run failed, exit 0).
	failed := 0
	for _, r := range rows {
		if r.Verdict == benches.VerdictError {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "mcheck bench: %d of %d runs failed (verdict error; the lines above say why)\n", failed, len(rows))
		return exitFailure
	}
	return exitOK
}

func benchUsage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintln(w, "usage: mcheck bench --family NAME --from A --to B --out DIR [flags]")
	fmt.Fprintln(w, "\nSweeps the family's parameter from A to B and checks each member with every")
	fmt.Fprintln(w, "strategy (or those of --strategy), one child process per run ('mcheck check")
	fmt.Fprintln(w, "--json' on the generated model) so that each run's peak memory is its own.")
	fmt.Fprintln(w, "Writes DIR/NAME.csv, one row per run with the columns")
	fmt.Fprintf(w, "  %s\n", strings.Join(benches.Columns, ","))
	fmt.Fprintln(w, "and DIR/NAME.svg and DIR/NAME.png: distinct states against the parameter, one line")
	fmt.Fprintln(w, "per strategy, on a log scale. The verdict column is ok (exhaustive, no violation),")
	fmt.Fprintln(w, "violation, unknown (cut by --max-states without a violation: nothing is proved),")
	fmt.Fprintln(w, "timeout (over --timeout; the row keeps the statistics reached) or error (why is")
	fmt.Fprintln(w, "said on stderr). An earlier sweep's outputs in DIR are removed as the sweep starts,")
	fmt.Fprintln(w, "so that an interrupted sweep's are never taken for theirs.")
	fmt.Fprintln(w, "\nfamilies:")
	writeFamilies(w)
	fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
	fmt.Fprintln(w, "\nExit status: 0 done, 2 bad usage, 3 a run failed (its row's verdict is error), the outputs")
	fmt.Fprintln(w, "could not be written, or interrupted.")
}

// benchOutputs are the files a sweep writes in dir.
func benchOutputs(dir, family string) []string {
	base := filepath.Join(dir, family)
	return []string{base + ".csv", base + ".svg", base + ".png"}
}

// validate checks the flags and returns the strategies to run.
func (f *benchFlags) validate(fs *pflag.FlagSet) ([]string, error) {
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument(s)%s", listArgs(fs.Args()))
	}
	var missing []string
	for _, n := range []string{"family", "from", "to", "out"} {
		if !fs.Changed(n) {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	fam, err := family.Lookup(f.family)
	if err != nil {
		return nil, fmt.Errorf("--family: %v", err)
	}
	if f.from > f.to {
		return nil, fmt.Errorf("--from %d is greater than --to %d", f.from, f.to)
	}
	for _, k := range []int{f.from, f.to} {
		if err := fam.CheckParam(k); err != nil {
			return nil, err
		}
	}
	if f.out == "" {
		return nil, errors.New("--out must name a directory")
	}
	// A file where the directory or one of its parents must be is a usage
	// error, as gen -o DIR is, said before anything runs (found by
	// testers: it was exit 3, "cannot create output directory", after the
	// heading).
	for dir := filepath.Clean(f.out); ; dir = filepath.Dir(dir) {
		st, err := os.Stat(dir)
		if err == nil {
			switch {
			case st.IsDir():
			case dir == filepath.Clean(f.out):
				return nil, fmt.Errorf("--out %s is a file: it must name a directory (created if missing)", f.out)
			default:
				return nil, fmt.Errorf("--out %s: %s is a file, so the directory cannot be made under it", f.out, dir)
			}
			break
		}
		if next := filepath.Dir(dir); next == dir {
			break
		}
	}
	// A directory where an output file goes: also before anything runs
	// (found by a tester: an empty one was removed, a full one gave exit 3
	// with "remove ...: directory not empty").
	for _, p := range benchOutputs(f.out, f.family) {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return nil, fmt.Errorf("--out %s: %s is a directory, where bench writes a file; move it away or choose another --out", f.out, p)
		}
	}
	if f.queueBound < 1 {
		return nil, fmt.Errorf("--queue-bound must be at least 1, got %d", f.queueBound)
	}
	if f.maxStates < 0 {
		return nil, fmt.Errorf("--max-states must not be negative, got %d", f.maxStates)
	}
	if f.timeout < 0 {
		return nil, fmt.Errorf("--timeout must not be negative, got %s", f.timeout)
	}
	if _, err := check.ParseReduce(f.reduce); err != nil {
		return nil, err
	}
	if f.store != store.Memory && f.store != store.Badger {
		// (found by a tester: bitstate was accepted, and its rows read
		// "unknown, cut" with no --max-states)
		return nil, fmt.Errorf("--store must be memory or badger, got %q (bench measures state spaces: a bit array counts no states)", f.store)
	}
	out, err := check.ParseStrategies(f.strategy)
	if err != nil {
		return nil, fmt.Errorf("--strategy: %v", err)
	}
	return out, nil
}

func boundText(n int64) string {
	if n == 0 {
		return "none"
	}
	return strconv.FormatInt(n, 10)
}

func durationText(d time.Duration) string {
	if d == 0 {
		return "none"
	}
	return d.String()
}
