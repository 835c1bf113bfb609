package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

func init() {
	register(&command{name: "bench", summary: "measure state-space growth over a model family, per strategy (CSV and plot)", run: runBench})
}

// benchColumns are the columns of DIR/FAMILY.csv, in order.
var benchColumns = []string{"family", "param", "strategy", "verdict", "exhaustive", "states", "transitions", "depth",
	"seconds", "states_per_sec", "peak_rss_bytes", "blocked_configs", "max_blocked", "update_latency"}

// benchFlags are the flags of `mcheck bench`.
type benchFlags struct {
	family     string
	from, to   int
	out        string
	strategy   string
	queueBound int
	maxStates  int64
	store      string
	timeout    time.Duration
}

// benchRow is one (param, strategy) run: a row of the CSV.
type benchRow struct {
	param      int
	strategy   string
	verdict    string // ok, violation, timeout or error
	exhaustive bool
	measured   bool // the child reported its statistics (not for errors)
	states     int64
	trans      int64
	depth      int
	seconds    float64
	rss        int64 // bytes; 0 if unknown
	blocked    int64
	maxBlocked int
	latency    int
	detail     string // why a run failed
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
	fs.StringVar(&f.strategy, "strategy", "all", "strategies to run: "+strings.Join(statespace.StrategyNames(), ", ")+", a comma-separated list, or all")
	fs.IntVar(&f.queueBound, "queue-bound", 8, "capacity of the global queue, passed to every run")
	fs.Int64Var(&f.maxStates, "max-states", 0, "cut each run after this many distinct configurations (0: no bound); a cut run is not exhaustive")
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
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		fmt.Fprintf(stderr, "mcheck bench: cannot create output directory: %v\n", err)
		return exitFailure
	}
	tmp, err := os.MkdirTemp("", "mcheck-bench-")
	if err != nil {
		fmt.Fprintf(stderr, "mcheck bench: %v\n", err)
		return exitFailure
	}
	defer os.RemoveAll(tmp)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	csvPath := filepath.Join(f.out, f.family+".csv")
	var rows []benchRow
	interrupted := false
	fmt.Fprintf(stderr, "mcheck bench: family %s, parameter %d..%d, strategies %s, queue capacity %d, max states %s, store %s, timeout %s\n",
		f.family, f.from, f.to, strings.Join(strategies, ","), f.queueBound, boundText(f.maxStates), f.store, durationText(f.timeout))
sweep:
	for k := f.from; k <= f.to; k++ {
		src, err := family.Generate(f.family, k)
		if err != nil { // validated above; never happens
			fmt.Fprintf(stderr, "mcheck bench: %v\n", err)
			return exitUsage
		}
		modelPath := filepath.Join(tmp, fmt.Sprintf("%s-%d.dsu", f.family, k))
		if err := os.WriteFile(modelPath, src, 0o644); err != nil {
			fmt.Fprintf(stderr, "mcheck bench: %v\n", err)
			return exitFailure
		}
		for _, s := range strategies {
			fmt.Fprintf(stderr, "  %s %d %-14s ... ", f.family, k, s)
			row := benchOne(ctx, self, modelPath, k, s, &f)
			if ctx.Err() != nil {
				fmt.Fprintln(stderr, "interrupted")
				interrupted = true
				break sweep
			}
			fmt.Fprintln(stderr, row.summary())
			rows = append(rows, row)
			// Rewrite the CSV after every run: an interrupted or crashed
			// sweep keeps what it measured.
			if err := writeOutputAtomic(csvPath, benchCSV(f.family, rows)); err != nil {
				fmt.Fprintf(stderr, "mcheck bench: %v\n", err)
				return exitFailure
			}
		}
	}
	if len(rows) > 0 {
		if err := writeBenchPlots(f.out, f.family, &f, rows); err != nil {
			fmt.Fprintf(stderr, "mcheck bench: %v\n", err)
			return exitFailure
		}
		base := filepath.Join(f.out, f.family)
		fmt.Fprintf(stderr, "mcheck bench: wrote %s.csv, %s.svg and %s.png\n", base, base, base)
	}
	if interrupted {
		fmt.Fprintln(stderr, "mcheck bench: interrupted; the outputs hold the runs completed so far")
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
	fmt.Fprintf(w, "  %s\n", strings.Join(benchColumns, ","))
	fmt.Fprintln(w, "and DIR/NAME.svg and DIR/NAME.png: distinct states against the parameter, one line")
	fmt.Fprintln(w, "per strategy, on a log scale. A run that fails or exceeds --timeout is a row with")
	fmt.Fprintln(w, "verdict error or timeout (a timed-out run keeps the statistics it reached).")
	fmt.Fprintln(w, "\nfamilies:")
	writeFamilies(w)
	fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
	fmt.Fprintln(w, "\nExit status: 0 done, 2 bad usage, 3 the outputs could not be written (or interrupted).")
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
	if f.queueBound < 1 {
		return nil, fmt.Errorf("--queue-bound must be at least 1, got %d", f.queueBound)
	}
	if f.maxStates < 0 {
		return nil, fmt.Errorf("--max-states must not be negative, got %d", f.maxStates)
	}
	if f.timeout < 0 {
		return nil, fmt.Errorf("--timeout must not be negative, got %s", f.timeout)
	}
	if err := store.CheckKind(f.store, ""); err != nil {
		return nil, err
	}
	out, err := check.ParseStrategies(f.strategy)
	if err != nil {
		return nil, fmt.Errorf("--strategy: %v", err)
	}
	return out, nil
}

// benchGrace is how long a timed-out child has, after its interrupt, to
// report its statistics before it is killed.
var benchGrace = 15 * time.Second

// benchOne runs `mcheck check --json` on one model with one strategy in a
// child process and turns its report into a row.
func benchOne(ctx context.Context, self, modelPath string, k int, strategy string, f *benchFlags) benchRow {
	row := benchRow{param: k, strategy: strategy, latency: -1}
	args := []string{"check", "--json", "--progress", "off", "--strategy", strategy,
		"--queue-bound", strconv.Itoa(f.queueBound), "--store", f.store}
	if f.maxStates > 0 {
		args = append(args, "--max-states", strconv.FormatInt(f.maxStates, 10))
	}
	args = append(args, modelPath)
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if f.timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, f.timeout)
	}
	defer cancel()
	cmd := exec.CommandContext(runCtx, self, args...)
	// On timeout, interrupt the child as a user would: it stops at the next
	// batch and still prints its JSON with the statistics so far.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = benchGrace
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start).Seconds()
	if cmd.ProcessState != nil {
		row.rss = maxRSS(cmd.ProcessState)
	}
	timedOut := f.timeout > 0 && errors.Is(runCtx.Err(), context.DeadlineExceeded)
	var j jsonRun
	line, _, _ := bytes.Cut(stdout.Bytes(), []byte("\n"))
	jsonErr := json.Unmarshal(line, &j)
	if jsonErr == nil {
		row.measured = true
		row.exhaustive = j.Exhaustive
		row.states, row.trans, row.depth, row.seconds = j.States, j.Transitions, j.Depth, j.Seconds
		row.blocked, row.maxBlocked, row.latency = j.Blocked, j.MaxBlocked, j.Latency
	} else {
		row.seconds = wall
	}
	code := -1
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	switch {
	case timedOut:
		row.verdict, row.exhaustive = "timeout", false
		row.detail = fmt.Sprintf("over --timeout %s", f.timeout)
	case jsonErr == nil && (code == exitOK || code == exitViolation) && (j.Verdict == "ok" || j.Verdict == "violation"):
		row.verdict = j.Verdict
	default:
		row.verdict, row.exhaustive = "error", false
		msg := strings.TrimSpace(stderr.String())
		if msg == "" && err != nil {
			msg = err.Error()
		}
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		row.detail = fmt.Sprintf("exit status %d: %s", code, msg)
	}
	return row
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

func (r *benchRow) statesPerSec() float64 {
	if r.seconds <= 0 {
		return 0
	}
	return float64(r.states) / r.seconds
}

func (r *benchRow) summary() string {
	var b strings.Builder
	b.WriteString(r.verdict)
	if r.measured {
		search := "exhaustive"
		switch {
		case r.verdict == "violation":
			search = "up to the violation"
		case !r.exhaustive:
			search = "cut, a lower bound"
		}
		fmt.Fprintf(&b, ", %d states (%s), depth %d, %.2fs, %.0f states/s", r.states, search, r.depth, r.seconds, r.statesPerSec())
	}
	if r.rss > 0 {
		fmt.Fprintf(&b, ", peak RSS %.0f MiB", float64(r.rss)/(1<<20))
	}
	if r.detail != "" {
		fmt.Fprintf(&b, " (%s)", r.detail)
	}
	return b.String()
}

// benchCSV renders the rows. A run that did not report its statistics has
// empty numeric fields (but its peak RSS and seconds, which are measured
// from outside, when known).
func benchCSV(fam string, rows []benchRow) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(benchColumns)
	for _, r := range rows {
		rec := []string{fam, strconv.Itoa(r.param), r.strategy, r.verdict, strconv.FormatBool(r.exhaustive)}
		if r.measured {
			rec = append(rec, strconv.FormatInt(r.states, 10), strconv.FormatInt(r.trans, 10), strconv.Itoa(r.depth))
		} else {
			rec = append(rec, "", "", "")
		}
		rec = append(rec, strconv.FormatFloat(r.seconds, 'f', 3, 64))
		if r.measured {
			rec = append(rec, strconv.FormatFloat(r.statesPerSec(), 'f', 0, 64))
		} else {
			rec = append(rec, "")
		}
		if r.rss > 0 {
			rec = append(rec, strconv.FormatInt(r.rss, 10))
		} else {
			rec = append(rec, "")
		}
		if r.measured {
			rec = append(rec, strconv.FormatInt(r.blocked, 10), strconv.Itoa(r.maxBlocked), strconv.Itoa(r.latency))
		} else {
			rec = append(rec, "", "", "")
		}
		w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

// writeBenchPlots draws distinct states against the parameter, one line
// per strategy, on a log scale, as DIR/FAMILY.svg and DIR/FAMILY.png. Runs
// that were cut (by --max-states or the timeout) are lower bounds: they get
// a ring around their point.
func writeBenchPlots(dir, fam string, f *benchFlags, rows []benchRow) error {
	p := plot.New()
	famInfo, _ := family.Lookup(fam)
	p.Title.Text = fmt.Sprintf("State-space growth: %s (queue capacity %d)", fam, f.queueBound)
	p.X.Label.Text = "parameter: " + famInfo.Param
	p.Y.Label.Text = "distinct states (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(6), -vg.Points(6)
	p.Add(plotter.NewGrid())

	var order []string
	byStrategy := map[string]plotter.XYs{}
	var cut plotter.XYs
	violations := map[string]int{}
	minY, maxY := math.Inf(1), math.Inf(-1)
	minX, maxX := math.MaxInt, math.MinInt
	for _, r := range rows {
		if _, ok := byStrategy[r.strategy]; !ok {
			order = append(order, r.strategy)
			byStrategy[r.strategy] = nil
		}
		minX, maxX = min(minX, r.param), max(maxX, r.param)
		if !r.measured || r.states <= 0 {
			continue
		}
		pt := plotter.XY{X: float64(r.param), Y: float64(r.states)}
		byStrategy[r.strategy] = append(byStrategy[r.strategy], pt)
		if r.verdict == "violation" {
			violations[r.strategy]++
		} else if !r.exhaustive {
			cut = append(cut, pt)
		}
		minY, maxY = math.Min(minY, pt.Y), math.Max(maxY, pt.Y)
	}
	for i, s := range order {
		pts := byStrategy[s]
		if len(pts) == 0 {
			continue
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		l.Color = plotutil.Color(i)
		l.Width = vg.Points(1.5)
		l.Dashes = plotutil.Dashes(i)
		sc.Color = plotutil.Color(i)
		sc.Shape = plotutil.Shape(i)
		sc.Radius = vg.Points(3)
		p.Add(l, sc)
		label := s
		if violations[s] == len(pts) {
			label += " (up to its first violation)"
		}
		p.Legend.Add(label, l, sc)
	}
	if len(cut) > 0 {
		sc, err := plotter.NewScatter(cut)
		if err != nil {
			return err
		}
		sc.Shape = draw.RingGlyph{}
		sc.Radius = vg.Points(7)
		sc.Color = color.Gray{Y: 0x60}
		p.Add(sc)
		p.Legend.Add("cut by a bound (lower bound)", sc)
	}
	if math.IsInf(minY, 1) { // nothing measured: an empty plot with a sane axis
		minY, maxY = 1, 10
	}
	// Headroom above the data for the legend, in the top left corner.
	p.Y.Min, p.Y.Max = minY/2, maxY*math.Pow(maxY/minY*2, 0.45)
	p.X.Min, p.X.Max = float64(minX)-0.25, float64(maxX)+0.25
	if maxX-minX <= 30 {
		var ticks []plot.Tick
		for k := minX; k <= maxX; k++ {
			ticks = append(ticks, plot.Tick{Value: float64(k), Label: strconv.Itoa(k)})
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
	}
	for _, ext := range []string{"svg", "png"} {
		wt, err := p.WriterTo(7*vg.Inch, 4.5*vg.Inch, ext)
		if err != nil {
			return fmt.Errorf("cannot draw the plot: %v", err)
		}
		var buf bytes.Buffer
		if _, err := wt.WriteTo(&buf); err != nil {
			return fmt.Errorf("cannot draw the plot: %v", err)
		}
		if err := writeOutputAtomic(filepath.Join(dir, fam+"."+ext), buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
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
