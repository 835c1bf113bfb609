package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// childEnv makes the test binary behave as mcheck itself when `mcheck
// bench` re-executes os.Executable() for its child runs.
const childEnv = "MCHECK_TEST_RUN_AS_MCHECK"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	code := m.Run()
	removeBuiltBinary() // (faults_test.go)
	os.Exit(code)
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "family,param,strategy,verdict,exhaustive,states,transitions,depth,seconds,states_per_sec,peak_rss_bytes,blocked_configs,max_blocked,update_latency" {
		t.Fatalf("CSV header is %s", got)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		row := map[string]string{}
		for i, c := range recs[0] {
			row[c] = r[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// TestBenchSweep runs a small sweep end to end, each run in a child
// process, and checks the CSV against the family's expected verdicts.
func TestBenchSweep(t *testing.T) {
	t.Setenv(childEnv, "1")
	out := filepath.Join(t.TempDir(), "results")
	code, stdout, errs := runGenBench(t, "bench", "--family", "ring", "--from", "2", "--to", "3", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	if stdout != "" {
		t.Errorf("bench printed on stdout: %q", stdout)
	}
	for _, want := range []string{"mcheck bench: family ring, parameter 2..3", "  ring 3 max+1", "ok, ", "states (exhaustive)", "wrote " + out + "/ring.csv"} {
		if !strings.Contains(errs, want) {
			t.Errorf("progress on stderr lacks %q:\n%s", want, errs)
		}
	}
	rows := readCSV(t, filepath.Join(out, "ring.csv"))
	want := []struct{ param, strategy, verdict, exhaustive, maxBlocked string }{
		{"2", "uncoordinated", "violation", "false", "0"},
		{"2", "stop-the-world", "ok", "true", "2"},
		{"2", "max+1", "ok", "true", "0"},
		{"3", "uncoordinated", "violation", "false", "0"},
		{"3", "stop-the-world", "ok", "true", "3"},
		{"3", "max+1", "ok", "true", "0"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r["family"] != "ring" || r["param"] != w.param || r["strategy"] != w.strategy || r["verdict"] != w.verdict || r["exhaustive"] != w.exhaustive || r["max_blocked"] != w.maxBlocked {
			t.Errorf("row %d = %v, want %+v", i+1, r, w)
		}
		for _, c := range []string{"states", "transitions", "depth", "seconds", "states_per_sec", "peak_rss_bytes", "blocked_configs", "update_latency"} {
			if r[c] == "" {
				t.Errorf("row %d: %s is empty", i+1, c)
			}
		}
		if len(r["peak_rss_bytes"]) < 7 { // a Go process takes megabytes
			t.Errorf("row %d: peak_rss_bytes %s is not a process's peak RSS in bytes", i+1, r["peak_rss_bytes"])
		}
	}
	svg, _ := os.ReadFile(filepath.Join(out, "ring.svg"))
	png, _ := os.ReadFile(filepath.Join(out, "ring.png"))
	if !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("distinct states")) || !bytes.Contains(svg, []byte("stop-the-world")) {
		t.Errorf("ring.svg is not the plot (%d bytes)", len(svg))
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("ring.png is not a PNG (%d bytes)", len(png))
	}
}

// TestBenchTimeout: a run over --timeout is interrupted, keeps the
// statistics it reached, and is a timeout row, not a crash; a bound cuts
// a run without making it exhaustive, and its verdict is unknown, not ok.
func TestBenchTimeout(t *testing.T) {
	t.Setenv(childEnv, "1")
	out := t.TempDir()
	code, _, errs := runGenBench(t, "bench", "--family", "ring", "--from", "9", "--to", "9", "--strategy", "max+1,stop-the-world",
		"--timeout", "1500ms", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	rows := readCSV(t, filepath.Join(out, "ring.csv"))
	if len(rows) != 2 || rows[0]["strategy"] != "max+1" || rows[1]["strategy"] != "stop-the-world" {
		t.Fatalf("rows %v", rows)
	}
	for _, r := range rows {
		if r["verdict"] != "timeout" || r["exhaustive"] != "false" || r["states"] == "" || r["states"] == "0" {
			t.Errorf("row %v: want a timeout with the states reached", r)
		}
	}

	code, _, errs = runGenBench(t, "bench", "--family", "prodcons", "--from", "2", "--to", "2", "--strategy", "max+1",
		"--max-states", "1000", "--queue-bound", "4", "--store", "badger", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	rows = readCSV(t, filepath.Join(out, "prodcons.csv"))
	if len(rows) != 1 || rows[0]["verdict"] != "unknown" || rows[0]["exhaustive"] != "false" || rows[0]["states"] != "1000" {
		t.Errorf("cut run: %v, want verdict unknown (a cut run proves nothing)", rows)
	}
	if !strings.Contains(errs, "unknown, 1000 states (cut, a lower bound)") {
		t.Errorf("progress on stderr:\n%s", errs)
	}
}

func TestBenchUsage(t *testing.T) {
	code, out, _ := runGenBench(t, "bench", "--help")
	if code != exitOK || !strings.Contains(out, "usage: mcheck bench --family NAME --from A --to B --out DIR") || !strings.Contains(out, "peak_rss_bytes") || !strings.Contains(out, "unknown (cut by --max-states") {
		t.Errorf("--help: exit %d:\n%s", code, out)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "missing --family, --from, --to, --out"},
		{[]string{"--family", "ring", "--from", "2", "--to", "3"}, "missing --out"},
		{[]string{"--family", "nosuch", "--from", "2", "--to", "3", "--out", dir}, `--family: unknown family "nosuch"`},
		{[]string{"--family", "ring", "--from", "4", "--to", "3", "--out", dir}, "--from 4 is greater than --to 3"},
		{[]string{"--family", "ring", "--from", "1", "--to", "3", "--out", dir}, "must be between 2 and 64, got 1"},
		{[]string{"--family", "ring", "--from", "2", "--to", "3", "--out", dir, "--strategy", "max+2"}, `--strategy: unknown strategy "max+2"`},
		{[]string{"--family", "ring", "--from", "2", "--to", "3", "--out", dir, "--store", "disk"}, "--store must be memory or badger"},
		{[]string{"--family", "ring", "--from", "2", "--to", "3", "--out", dir, "--store", "bitstate"}, "--store must be memory or badger"},
		{[]string{"--family", "ring", "--from", "2", "--to", "3", "--out", dir, "--queue-bound", "0"}, "--queue-bound must be at least 1"},
		{[]string{"--family", "ring", "--from", "2", "--to", "3", "--out", dir, "--timeout", "soon"}, "invalid argument"},
		{[]string{"--family", "ring", "--from", "2", "--to", "3", "--out", dir, "extra"}, "unexpected argument(s): extra"},
	} {
		code, out, errs := runGenBench(t, append([]string{"bench"}, c.args...)...)
		if code != exitUsage || out != "" || !strings.Contains(errs, c.want) {
			t.Errorf("bench %v: exit %d, stderr %q; want exit 2 and %q", c.args, code, errs, c.want)
		}
	}
	// An output directory that cannot be created is a failure to write
	// (sysfs refuses a new directory, to root too).
	if st, err := os.Stat("/sys"); err == nil && st.IsDir() {
		code, _, errs := runGenBench(t, "bench", "--family", "ring", "--from", "2", "--to", "2", "--out", "/sys/mcheck-bench-test/sub")
		if code != exitFailure || !strings.Contains(errs, "cannot create output directory") {
			t.Errorf("unwritable --out: exit %d, stderr %q", code, errs)
		}
	}
	// A file given as the directory, or as one of its parents, is a usage
	// error, as gen -o DIR is, said before anything runs (found by a
	// tester: the parent's case was exit 3, after the heading).
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	code, out, errs := runGenBench(t, "bench", "--family", "ring", "--from", "2", "--to", "2", "--out", file)
	if code != exitUsage || !strings.Contains(errs, "is a file: it must name a directory") {
		t.Errorf("--out FILE: exit %d, stderr %q", code, errs)
	}
	code, out, errs = runGenBench(t, "bench", "--family", "ring", "--from", "2", "--to", "2", "--out", filepath.Join(file, "sub", "x"))
	if code != exitUsage || !strings.Contains(errs, file+" is a file, so the directory cannot be made under it") || out != "" {
		t.Errorf("--out FILE/sub/x: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// A directory where an output file goes, empty or not: bad usage,
	// before anything runs, and left as it is (found by a tester: an
	// empty one was removed, a full one was exit 3, "directory not empty").
	for _, full := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "results")
		inWay := filepath.Join(out, "ring.svg")
		os.MkdirAll(inWay, 0o755)
		if full {
			os.WriteFile(filepath.Join(inWay, "keep"), nil, 0o644)
		}
		code, _, errs := runGenBench(t, "bench", "--family", "ring", "--from", "2", "--to", "2", "--out", out)
		if code != exitUsage || !strings.Contains(errs, inWay+" is a directory, where bench writes a file") || strings.Contains(errs, "family ring, parameter") {
			t.Errorf("a directory at %s (full %v): exit %d, stderr %q", inWay, full, code, errs)
		}
		if st, err := os.Stat(inWay); err != nil || !st.IsDir() {
			t.Errorf("the directory in the way is gone: %v", err)
		}
	}
}

// TestBenchRunFailed: a sweep whose runs fail (here: too few open files to
// start a child) still writes its rows, verdict error, and exits 3, not 0
// (found by a tester).
func TestBenchRunFailed(t *testing.T) {
	out := filepath.Join(t.TempDir(), "results")
	cmd := exec.Command("sh", "-c", "ulimit -n 12 && exec \"$0\" \"$@\"", mcheckBinary(t),
		"bench", "--family", "prodcons", "--from", "1", "--to", "1", "--strategy", "uncoordinated", "--store", "badger", "--out", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Run()
	noPanic(t, "", stderr.String())
	if code := cmd.ProcessState.ExitCode(); code != exitFailure || !strings.Contains(stderr.String(), "1 of 1 runs failed") {
		t.Fatalf("exit %d, want %d saying the run failed; stderr:\n%s", code, exitFailure, stderr.String())
	}
	rows := readCSV(t, filepath.Join(out, "prodcons.csv"))
	if len(rows) != 1 || rows[0]["verdict"] != "error" {
		t.Errorf("rows %v, want one with verdict error", rows)
	}
}
