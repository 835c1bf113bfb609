package benches

// The sweep behind `mcheck bench`: every member of a family over a range of
// its parameter, checked with each strategy in a child process of its own
// (`mcheck check --json`), so that each run's peak memory is its own.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/internal/atomicfile"
	"github.com/mcheck/mcheck/statespace"
)

// SweepOptions configure a sweep.
type SweepOptions struct {
	// Executable is the path of the mcheck executable; each run is
	// `Executable check --json ...` on a generated model.
	Executable string
	Family     string
	From, To   int    // the parameter range, both included
	Out        string // directory for FAMILY.csv, FAMILY.svg and FAMILY.png (created if missing)
	// Strategies are run in this order for each parameter; nil: every
	// strategy (statespace.StrategyNames).
	Strategies []string
	QueueBound int           // capacity of the global queue, at least 1
	MaxStates  int64         // cut each run after this many distinct configurations; 0: no bound
	Store      string        // the runs' visited set (memory or badger); "": mcheck's default
	Timeout    time.Duration // wall-clock limit per run; 0: none
	Reduce     string        // the runs' --reduce; "": mcheck's default (all)
}

// ErrInterrupted is returned by Sweep when its context ends before the
// last run: the outputs then hold the runs completed so far.
var ErrInterrupted = errors.New("interrupted")

// Row is one (parameter, strategy) run of a sweep: a row of the CSV.
type Row struct {
	Param       int
	Strategy    string
	Verdict     string // VerdictOK, VerdictViolation, VerdictUnknown, VerdictTimeout or VerdictError
	Exhaustive  bool
	Measured    bool // the child reported its statistics (not for errors)
	States      int64
	Transitions int64
	Depth       int
	Seconds     float64 // the exploration's time; the wall-clock time if not Measured
	PeakRSS     int64   // bytes; 0 if unknown
	Blocked     int64
	MaxBlocked  int
	Latency     int
	Detail      string // why a run timed out or failed
	// SafetyDone: the safety search was exhaustive, and what timed out or
	// found a violation was the liveness check after it (States is exact).
	SafetyDone bool
}

// Sweep runs the sweep of opt: for each parameter from opt.From to opt.To
// and each strategy, one child process `mcheck check --json`. It writes one
// line per run on progress (nil: nowhere) and rewrites OUT/FAMILY.csv after
// every run, so that an interrupted or crashed sweep keeps what it
// measured; at the end it draws OUT/FAMILY.svg and OUT/FAMILY.png. It
// returns the rows written. A run that fails or times out is a row, not an
// error; the error is a bad option, an output that cannot be written, or
// ErrInterrupted when ctx ends (the outputs then hold the rows returned).
func Sweep(ctx context.Context, opt SweepOptions, progress io.Writer) ([]Row, error) {
	if progress == nil {
		progress = io.Discard
	}
	if opt.Strategies == nil {
		opt.Strategies = statespace.StrategyNames()
	}
	if err := opt.check(); err != nil {
		return nil, err
	}
	// The generated models go to a temporary directory, made first: a
	// missing TMPDIR leaves no empty --out directory behind.
	tmp, err := os.MkdirTemp("", "mcheck-bench-")
	if err != nil {
		return nil, fmt.Errorf("cannot create a temporary directory for the generated models (TMPDIR %s): %v", os.TempDir(), err)
	}
	defer os.RemoveAll(tmp)
	_, statErr := os.Stat(opt.Out)
	if err := os.MkdirAll(opt.Out, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create output directory: %v", err)
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		// Made here: a sweep that wrote nothing in it takes it away
		// again (found by a tester: a full TMPDIR left an empty --out).
		defer os.Remove(opt.Out) // (only if empty)
	}
	// A directory that takes no file (read-only, immutable, full) is said
	// before the first run, not after it (found by a tester: one run, then
	// "cannot write"). The outputs are written as the probe is: a file of
	// their own in the directory, then renamed (atomicfile).
	probe, err := os.CreateTemp(opt.Out, ".mcheck-bench-*")
	if err != nil {
		return nil, fmt.Errorf("cannot write in the output directory %s: %v", opt.Out, err)
	}
	probe.Close()
	os.Remove(probe.Name())

	csvPath := filepath.Join(opt.Out, opt.Family+".csv")
	var rows []Row
	// The outputs of an earlier sweep must not pass for this one's, should
	// it be interrupted before its first run ends: they go now, and come
	// back run by run (the CSV) and at the end (the plots).
	for _, ext := range []string{".csv", ".svg", ".png"} {
		if err := os.Remove(filepath.Join(opt.Out, opt.Family+ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	interrupted := false
	var failed error // what stopped the sweep part-way (the rows so far are plotted)
sweep:
	for k := opt.From; k <= opt.To; k++ {
		src, err := family.Generate(opt.Family, k)
		if err != nil {
			failed = err
			break
		}
		modelPath := filepath.Join(tmp, fmt.Sprintf("%s-%d.dsu", opt.Family, k))
		if err := os.WriteFile(modelPath, src, 0o644); err != nil {
			// Said as the temporary directory's failure (found by a
			// tester: a bare "no space left on device" on a path in it).
			failed = fmt.Errorf("cannot write the generated model to the temporary directory (TMPDIR %s; set TMPDIR to a directory with room): %v", os.TempDir(), err)
			break
		}
		for _, s := range opt.Strategies {
			fmt.Fprintf(progress, "  %s %d %-14s ... ", opt.Family, k, s)
			row := runOne(ctx, modelPath, k, s, &opt)
			if ctx.Err() != nil {
				fmt.Fprintln(progress, "interrupted")
				interrupted = true
				break sweep
			}
			fmt.Fprintln(progress, row.summary())
			rows = append(rows, row)
			if err := atomicfile.Write(csvPath, csvBytes(opt.Family, rows), 0o644); err != nil {
				return rows, err
			}
		}
	}
	// The plots of the runs done, also when a failure stopped the sweep
	// (found by a tester: the CSV held them, and no plot was drawn).
	if len(rows) > 0 {
		if err := writePlots(opt.Out, opt.Family, opt.QueueBound, opt.Reduce, rows); err != nil {
			return rows, errors.Join(failed, err)
		}
	}
	if failed != nil {
		return rows, failed
	}
	if interrupted {
		return rows, ErrInterrupted
	}
	return rows, nil
}

// check checks the options (the strategies are checked by the child).
func (opt *SweepOptions) check() error {
	if opt.Executable == "" {
		return errors.New("no mcheck executable to run the checks")
	}
	fam, err := family.Lookup(opt.Family)
	if err != nil {
		return err
	}
	if opt.From > opt.To {
		return fmt.Errorf("parameter range %d..%d is empty", opt.From, opt.To)
	}
	for _, k := range []int{opt.From, opt.To} {
		if err := fam.CheckParam(k); err != nil {
			return err
		}
	}
	switch {
	case opt.Out == "":
		return errors.New("no output directory")
	case len(opt.Strategies) == 0:
		return errors.New("no strategies")
	case opt.QueueBound < 1:
		return fmt.Errorf("queue capacity must be at least 1, got %d", opt.QueueBound)
	case opt.MaxStates < 0:
		return fmt.Errorf("max states must not be negative, got %d", opt.MaxStates)
	case opt.Timeout < 0:
		return fmt.Errorf("timeout must not be negative, got %s", opt.Timeout)
	}
	return nil
}

// childReport is the part of `mcheck check --json`'s line (docs/language.md §7) that
// a row needs.
type childReport struct {
	Verdict     string  `json:"verdict"`
	Exhaustive  bool    `json:"exhaustive"`
	States      int64   `json:"states"`
	Transitions int64   `json:"transitions"`
	Depth       int     `json:"depth"`
	Seconds     float64 `json:"seconds"`
	Blocked     int64   `json:"blocked_configs"`
	MaxBlocked  int     `json:"max_blocked"`
	Latency     int     `json:"update_latency"`
	// Liveness is there once the safety search held exhaustively and the
	// liveness check began: the states are the whole space's then.
	Liveness *struct{} `json:"liveness"`
}

// The child's exit statuses that come with a verdict (docs/language.md §7).
const (
	childOK        = 0 // no violation, exhaustive
	childViolation = 1
	childBounded   = 4 // no violation within the bounds
)

// childGrace is how long a timed-out child has, after its interrupt, to
// report its statistics before it is killed.
var childGrace = 15 * time.Second

// signalGrace is how long a child that heard a signal waits for this
// process to hear it too (heardSignal).
var signalGrace = 2 * time.Second

// childHeard matches the line of a child's stderr that says it is stopping
// on a signal (cmd/mcheck's interrupt handling).
var childHeard = regexp.MustCompile(`(?m)^mcheck check: SIG[A-Z]+: stopping after the current step`)

// heardSignal says that a child's stderr says it stopped on a signal.
func heardSignal(stderr string) bool { return childHeard.MatchString(stderr) }

// runOne runs `mcheck check --json` on one model with one strategy in a
// child process and turns its report into a row.
func runOne(ctx context.Context, modelPath string, k int, strategy string, opt *SweepOptions) Row {
	row := Row{Param: k, Strategy: strategy, Latency: -1}
	args := []string{"check", "--json", "--progress", "off", "--strategy", strategy,
		"--queue-bound", strconv.Itoa(opt.QueueBound)}
	if opt.Store != "" {
		args = append(args, "--store", opt.Store)
	}
	if opt.Reduce != "" {
		args = append(args, "--reduce", opt.Reduce)
	}
	if opt.MaxStates > 0 {
		args = append(args, "--max-states", strconv.FormatInt(opt.MaxStates, 10))
	}
	args = append(args, modelPath)
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if opt.Timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, opt.Timeout)
	}
	defer cancel()
	cmd := exec.CommandContext(runCtx, opt.Executable, args...)
	// On timeout, interrupt the child as a user would: it stops at the next
	// batch and still prints its JSON with the statistics so far.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = childGrace
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	done := dieWithParent(cmd)
	err := cmd.Run()
	done()
	wall := time.Since(start).Seconds()
	if cmd.ProcessState != nil {
		row.PeakRSS = maxRSS(cmd.ProcessState)
	}
	timedOut := opt.Timeout > 0 && errors.Is(runCtx.Err(), context.DeadlineExceeded)
	if !timedOut && ctx.Err() == nil && heardSignal(stderr.String()) {
		// The child heard a signal sent to the whole process group (^C,
		// timeout -s INT) before this process did: its own comes at about
		// the same time, and makes the run the sweep's interruption, with
		// no row, not a failed run (found by a tester: an error row, then
		// the next run started). A signal sent to the child alone leaves
		// the run a failure.
		select {
		case <-ctx.Done():
		case <-time.After(signalGrace):
		}
	}
	var j childReport
	line, _, _ := bytes.Cut(stdout.Bytes(), []byte("\n"))
	jsonErr := json.Unmarshal(line, &j)
	if jsonErr == nil {
		row.Measured = true
		row.Exhaustive = j.Exhaustive
		row.States, row.Transitions, row.Depth, row.Seconds = j.States, j.Transitions, j.Depth, j.Seconds
		row.Blocked, row.MaxBlocked, row.Latency = j.Blocked, j.MaxBlocked, j.Latency
	} else {
		row.Seconds = wall
	}
	code := -1
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	verdict := ""
	if jsonErr == nil && (code == childOK || code == childViolation || code == childBounded) {
		verdict = childVerdict(&j)
	}
	switch {
	case timedOut:
		row.Verdict, row.Exhaustive = VerdictTimeout, false
		row.Detail = fmt.Sprintf("over --timeout %s", opt.Timeout)
		if jsonErr == nil && j.Liveness != nil && j.Verdict != VerdictViolation {
			row.SafetyDone = true
			row.Detail += " in the liveness check"
		}
	case verdict != "":
		row.Verdict = verdict
		if verdict != VerdictOK {
			row.Exhaustive = false
		}
		// A liveness violation comes after an exhaustive safety search,
		// whose count the row has (found by a tester: "up to the
		// violation").
		row.SafetyDone = verdict == VerdictViolation && j.Liveness != nil
	default:
		row.Verdict, row.Exhaustive = VerdictError, false
		msg := failureLine(stderr.String())
		if msg == "" && err != nil {
			msg = err.Error()
		}
		row.Detail = fmt.Sprintf("exit status %d: %s", code, msg)
	}
	return row
}

// failureLine is the line of a failed child's stderr that says why: its
// own error ("mcheck check: ..." that is not a warning or a note), else
// the Go runtime's ("fatal error: ...", "panic: ..."), else the first line
// (found by a tester: under ulimit -v the row gave the start-up warning,
// not the "fatal error: out of memory" that ended the run).
func failureLine(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for _, l := range lines {
		if m, ok := strings.CutPrefix(l, "mcheck check: "); ok && !strings.HasPrefix(m, "warning") && !strings.HasPrefix(m, "note") {
			return l
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "fatal error: ") || strings.HasPrefix(l, "panic: ") {
			return l
		}
	}
	return strings.TrimSpace(lines[0])
}

// childVerdict is the three-valued verdict of a child's report, or "" if
// the report has none: "ok" only for an exhaustive search; a search cut by
// a bound that found no violation is "unknown", whether the child says so
// ("unknown" or "bounded") or says "ok" with exhaustive false.
func childVerdict(j *childReport) string {
	switch j.Verdict {
	case VerdictViolation:
		return VerdictViolation
	case VerdictOK:
		if j.Exhaustive {
			return VerdictOK
		}
		return VerdictUnknown
	case VerdictUnknown, "bounded":
		return VerdictUnknown
	}
	return ""
}

// maxRSS is the child's peak resident set size in bytes (getrusage's
// ru_maxrss: KiB on Linux and the BSDs, bytes on macOS), or 0 where the
// platform does not report it. It reads the field by reflection so that
// mcheck still builds where syscall.Rusage does not exist.
func maxRSS(ps *os.ProcessState) int64 {
	u := reflect.ValueOf(ps.SysUsage())
	if u.Kind() != reflect.Pointer || u.IsNil() || u.Elem().Kind() != reflect.Struct {
		return 0
	}
	fld := u.Elem().FieldByName("Maxrss")
	if !fld.IsValid() || !fld.CanInt() {
		return 0
	}
	n := fld.Int()
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return n
	}
	return n * 1024
}

// StatesPerSec is the run's exploration speed, or 0.
func (r *Row) StatesPerSec() float64 {
	if r.Seconds <= 0 {
		return 0
	}
	return float64(r.States) / r.Seconds
}

// summary is the run's progress line.
func (r *Row) summary() string {
	var b strings.Builder
	b.WriteString(r.Verdict)
	if r.Measured {
		search := "exhaustive"
		switch {
		case r.Verdict == VerdictViolation && r.SafetyDone:
			search = "the safety search exhaustive, before the liveness violation"
		case r.Verdict == VerdictViolation:
			search = "up to the violation"
		case r.SafetyDone:
			// (found by a tester: an exact count was called a lower bound)
			search = "the safety search exhaustive"
		case r.Verdict == VerdictError:
			// (found by a tester: "cut", of a run that failed)
			search = "before it failed"
		case !r.Exhaustive:
			search = "cut, a lower bound"
		}
		fmt.Fprintf(&b, ", %d states (%s), depth %d, %.2fs, %.0f states/s", r.States, search, r.Depth, r.Seconds, r.StatesPerSec())
	}
	if r.PeakRSS > 0 {
		fmt.Fprintf(&b, ", peak RSS %.0f MiB", float64(r.PeakRSS)/(1<<20))
	}
	if r.Detail != "" {
		fmt.Fprintf(&b, " (%s)", r.Detail)
	}
	return b.String()
}
