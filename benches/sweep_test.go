package benches

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fakeMcheck writes a shell script that stands for `mcheck check --json`:
// it prints out on stdout, msg on stderr and exits with code.
func fakeMcheck(t *testing.T, out, msg string, code int) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake child is a shell script")
	}
	path := filepath.Join(t.TempDir(), "mcheck")
	script := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' '%s'\nprintf '%%s\\n' '%s' >&2\nexit %d\n", out, msg, code)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func report(verdict string, exhaustive bool) string {
	return fmt.Sprintf(`{"verdict":%q,"exhaustive":%t,"states":1000,"transitions":2500,"depth":12,"seconds":0.5,"blocked_configs":3,"max_blocked":2,"update_latency":7}`, verdict, exhaustive)
}

// TestRunOneVerdict: the row's verdict is three-valued; a search that the
// child reports as "ok" but not exhaustive (cut by --max-states) is
// unknown, never ok.
func TestRunOneVerdict(t *testing.T) {
	for _, c := range []struct {
		out        string
		code       int
		verdict    string
		exhaustive bool
	}{
		{report("ok", true), 0, VerdictOK, true},
		{report("ok", false), 0, VerdictUnknown, false},
		{report("unknown", false), 0, VerdictUnknown, false},
		{report("bounded", false), 0, VerdictUnknown, false},
		{report("violation", false), 1, VerdictViolation, false},
		{report("ok", true), 3, VerdictError, false},         // a failing child
		{report("maybe", true), 0, VerdictError, false},      // a verdict the sweep does not know
		{"not json", 0, VerdictError, false},                 // no report
		{report("violation", false), 2, VerdictError, false}, // bad usage
	} {
		opt := &SweepOptions{Executable: fakeMcheck(t, c.out, "boom", c.code), QueueBound: 8, Store: "memory", Timeout: time.Minute}
		r := runOne(context.Background(), "x.dsu", 3, "max+1", opt)
		if r.Verdict != c.verdict || r.Exhaustive != c.exhaustive {
			t.Errorf("child %s, exit %d: verdict %s, exhaustive %t; want %s, %t", c.out, c.code, r.Verdict, r.Exhaustive, c.verdict, c.exhaustive)
		}
		if measured := c.out != "not json"; r.Measured != measured {
			t.Errorf("child %s: measured %t", c.out, r.Measured)
		}
		if r.Verdict == VerdictError && !strings.Contains(r.Detail, fmt.Sprintf("exit status %d: boom", c.code)) {
			t.Errorf("child %s, exit %d: detail %q", c.out, c.code, r.Detail)
		}
		if r.Measured && (r.States != 1000 || r.Transitions != 2500 || r.Depth != 12 || r.Latency != 7 || r.MaxBlocked != 2) {
			t.Errorf("child %s: statistics %+v", c.out, r)
		}
	}
}

// TestRunOneChildFailure: a child that fails without a report gives an
// error row with empty statistics.
func TestRunOneChildFailure(t *testing.T) {
	opt := &SweepOptions{Executable: "/bin/false", QueueBound: 8, Store: "memory", Timeout: time.Minute}
	r := runOne(context.Background(), "x.dsu", 3, "max+1", opt)
	if r.Verdict != VerdictError || r.Measured || !strings.Contains(r.Detail, "exit status 1") {
		t.Errorf("row %+v, want an error row", r)
	}
	line := string(csvBytes("ring", []Row{r}))
	if !strings.Contains(line, "\nring,3,max+1,error,false,,,,") {
		t.Errorf("CSV:\n%s", line)
	}
}

// TestSweepFakeChild runs a sweep against a fake child that always reports
// a cut search: every row is unknown, the CSV has the documented columns
// and the plots are drawn.
func TestSweepFakeChild(t *testing.T) {
	out := filepath.Join(t.TempDir(), "results")
	var progress bytes.Buffer
	rows, err := Sweep(context.Background(), SweepOptions{
		Executable: fakeMcheck(t, report("ok", false), "", 0), Family: "ring", From: 2, To: 3, Out: out,
		Strategies: []string{"stop-the-world", "max+1"}, QueueBound: 8, MaxStates: 1000,
	}, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4", len(rows))
	}
	f, err := os.Open(filepath.Join(out, "ring.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(recs[0], ","), strings.Join(Columns, ","); got != want {
		t.Errorf("header %s, want %s", got, want)
	}
	if len(recs) != 5 {
		t.Fatalf("%d records, want a header and 4 rows", len(recs))
	}
	for i, rec := range recs[1:] {
		want := fmt.Sprintf("ring,%d,%s,unknown,false,1000,2500,12,0.500,2000", 2+i/2, []string{"stop-the-world", "max+1"}[i%2])
		if got := strings.Join(rec[:10], ","); got != want {
			t.Errorf("row %d: %s, want %s", i+1, got, want)
		}
	}
	if !strings.Contains(progress.String(), "  ring 3 max+1          ... unknown, 1000 states (cut, a lower bound)") {
		t.Errorf("progress:\n%s", progress.String())
	}
	for _, ext := range []string{"svg", "png"} {
		if fi, err := os.Stat(filepath.Join(out, "ring."+ext)); err != nil || fi.Size() == 0 {
			t.Errorf("ring.%s: %v", ext, err)
		}
	}
}

// TestSweepInterrupted: a sweep whose context has ended runs nothing and
// says it was interrupted.
func TestSweepInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := t.TempDir()
	// An earlier sweep's outputs are not left to pass for this one's
	// (adversarial tester).
	for _, name := range []string{"ring.csv", "ring.svg", "ring.png"} {
		if err := os.WriteFile(filepath.Join(out, name), []byte("earlier"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := Sweep(ctx, SweepOptions{
		Executable: fakeMcheck(t, report("ok", true), "", 0), Family: "ring", From: 2, To: 2, Out: out, QueueBound: 8,
	}, nil)
	if !errors.Is(err, ErrInterrupted) || len(rows) != 0 {
		t.Errorf("rows %v, err %v; want ErrInterrupted and no rows", rows, err)
	}
	for _, name := range []string{"ring.csv", "ring.svg", "ring.png"} {
		if _, err := os.Stat(filepath.Join(out, name)); err == nil {
			t.Errorf("an interrupted sweep with no runs left %s", name)
		}
	}
}

func TestSweepOptions(t *testing.T) {
	dir := t.TempDir()
	good := SweepOptions{Executable: "/bin/true", Family: "ring", From: 2, To: 3, Out: dir, QueueBound: 8}
	for _, c := range []struct {
		edit func(*SweepOptions)
		want string
	}{
		{func(o *SweepOptions) { o.Executable = "" }, "no mcheck executable"},
		{func(o *SweepOptions) { o.Family = "nosuch" }, `unknown family "nosuch"`},
		{func(o *SweepOptions) { o.From = 4 }, "parameter range 4..3 is empty"},
		{func(o *SweepOptions) { o.From = 1 }, "must be between 2 and 64, got 1"},
		{func(o *SweepOptions) { o.Out = "" }, "no output directory"},
		{func(o *SweepOptions) { o.Strategies = []string{} }, "no strategies"},
		{func(o *SweepOptions) { o.QueueBound = 0 }, "queue capacity must be at least 1"},
		{func(o *SweepOptions) { o.MaxStates = -1 }, "max states must not be negative"},
		{func(o *SweepOptions) { o.Timeout = -time.Second }, "timeout must not be negative"},
	} {
		opt := good
		c.edit(&opt)
		if _, err := Sweep(context.Background(), opt, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", opt, err, c.want)
		}
	}
	// An output directory that cannot be created.
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	opt := good
	opt.Out = filepath.Join(file, "sub")
	if _, err := Sweep(context.Background(), opt, nil); err == nil || !strings.Contains(err.Error(), "cannot create output directory") {
		t.Errorf("unwritable Out: %v", err)
	}
	// An output directory that takes no file: said before any run (found
	// by a tester: one run, then "cannot write").
	ro := filepath.Join(dir, "read-only")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	if f, err := os.CreateTemp(ro, "x"); err == nil {
		// Root writes there: a directory of the kernel's takes no file.
		f.Close()
		ro = "/proc/self"
	}
	if f, err := os.CreateTemp(ro, "x"); err == nil {
		f.Close()
		t.Log("no directory that takes no file here: not tried")
	} else {
		opt.Out = ro
		var progress strings.Builder
		rows, err := Sweep(context.Background(), opt, &progress)
		if err == nil || !strings.Contains(err.Error(), "cannot write in the output directory "+ro) || len(rows) != 0 || progress.Len() != 0 {
			t.Errorf("read-only Out: %d rows, error %v, progress %q", len(rows), err, progress.String())
		}
	}
}

// TestSummaryError: a run that failed counts its states "before it
// failed", not as cut (found by a tester).
func TestSummaryError(t *testing.T) {
	r := Row{Verdict: VerdictError, Measured: true, States: 0, Detail: "disk full"}
	if s := r.summary(); !strings.Contains(s, "error, 0 states (before it failed)") || strings.Contains(s, "cut") {
		t.Errorf("%s", s)
	}
}

// TestSummaryTimeoutInLiveness: a run over --timeout in the liveness check,
// after an exhaustive safety search, has an exact state count: its line says
// so rather than "a lower bound" (found by a tester).
func TestSummaryTimeoutInLiveness(t *testing.T) {
	r := Row{Verdict: VerdictTimeout, Measured: true, SafetyDone: true, States: 1385703, Depth: 207, Seconds: 6, Detail: "over --timeout 6s in the liveness check"}
	if s := r.summary(); !strings.Contains(s, "1385703 states (the safety search exhaustive)") || strings.Contains(s, "lower bound") {
		t.Errorf("%s", s)
	}
	r.SafetyDone = false
	if s := r.summary(); !strings.Contains(s, "(cut, a lower bound)") {
		t.Errorf("%s", s)
	}
	// A liveness violation: the same (it said "up to the violation").
	r = Row{Verdict: VerdictViolation, Measured: true, SafetyDone: true, States: 782732}
	if s := r.summary(); !strings.Contains(s, "782732 states (the safety search exhaustive, before the liveness violation)") {
		t.Errorf("%s", s)
	}
}

// TestFailureLine: a failed run's row gives the line that says why, not
// the first line of the child's stderr (found by a tester: under ulimit -v
// the start-up warning stood where "fatal error: out of memory" belonged).
func TestFailureLine(t *testing.T) {
	for _, c := range []struct{ stderr, want string }{
		{"mcheck: warning: the address-space limit (ulimit -v) is 1.4 GiB; ...\nfatal error: out of memory\n\ngoroutine 1 [running]:\nmain.main()\n", "fatal error: out of memory"},
		{"x.dsu:1:1: warning: unused\nmcheck check: note: --reduce por is not used\nmcheck check: store: disk full\nmcheck check: stopped after 3 states\n", "mcheck check: store: disk full"},
		{"panic: boom\n\ngoroutine 1\n", "panic: boom"},
		{"  something else\nmore\n", "something else"},
		{"", ""},
	} {
		if got := failureLine(c.stderr); got != c.want {
			t.Errorf("failureLine(%q) = %q, want %q", c.stderr, got, c.want)
		}
	}
}

// TestSweepChildHeardSignalFirst: a child that stopped on a signal sent to
// the whole group, heard before this process heard it, makes the run the
// sweep's interruption (no row), not a failed run (found by a tester: an
// error row, then the next run started); a signal the child alone got
// leaves its run a failure.
func TestSweepChildHeardSignalFirst(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake child is a shell script")
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "exited")
	child := filepath.Join(dir, "mcheck")
	script := "#!/bin/sh\necho 'mcheck check: SIGINT: stopping after the current step, with the statistics so far' >&2\n" +
		"echo 'mcheck check: interrupted after 10 states at depth 2 (u, max+1)' >&2\ntouch " + marker + "\nexit 3\n"
	if err := os.WriteFile(child, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			if _, err := os.Stat(marker); err == nil {
				time.Sleep(100 * time.Millisecond)
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	opt := SweepOptions{Executable: child, Family: "ring", From: 2, To: 3, Out: filepath.Join(dir, "out"), QueueBound: 8}
	rows, err := Sweep(ctx, opt, nil)
	if !errors.Is(err, ErrInterrupted) || len(rows) != 0 {
		t.Errorf("rows %v, err %v; want ErrInterrupted and no rows", rows, err)
	}
	// The child alone: its run failed.
	old := signalGrace
	signalGrace = 50 * time.Millisecond
	defer func() { signalGrace = old }()
	row := runOne(context.Background(), filepath.Join(dir, "m.dsu"), 2, "max+1", &opt)
	if row.Verdict != VerdictError || !strings.Contains(row.Detail, "exit status 3") {
		t.Errorf("a child stopped by a signal of its own: %+v", row)
	}
}
