package main

// The fault-injection suite: mcheck run as a user runs it (the binary,
// built once per test run, in a child process of its own) under the faults
// of the reliability issue, each asserting the exit status (0 ok, 1
// violation, 2 bad input, 3 failure or interrupted, 4 bounded), the message,
// what is left on disk, and that no Go stack trace is printed. README
// "Failures" lists what each fault gives; these tests are its evidence.
//
// What covers what (tests elsewhere are the in-process ones, on the parts):
//
//	disk full, store's file system at start  TestFaultDiskFull/at-start
//	disk full, store's file system mid-run   TestFaultDiskFull/store; store.TestBadgerDiskFull
//	disk full, spill files in TMPDIR         TestFaultDiskFull/spill; store.TestSpillDiskFull, store.TestSpillDiskFullHint
//	disk full, liveness pages in TMPDIR      TestFaultDiskFull/liveness-spill; store.TestPagerDiskFull
//	concurrent starts on one new --store-dir TestFaultConcurrentStarts; store.TestBadgerOpenRace (processes, one barrier),
//	                                         store.TestBadgerOpenRaceInProcess
//	kill -9, then a rerun                    TestFaultKillThenRerun; store.TestBadgerStaleTempRemoved,
//	                                         store.TestSpillFilesUnlinked, store.TestBadgerLeftoverDir
//	SIGINT, SIGTERM                          TestFaultInterrupt
//	SIGINT once the liveness graph is        statespace.TestLivenessInterruptedAfterSearch
//	explored (its decomposition)
//	SIGINT while the model loads             TestFaultInterruptWhileLoading
//	SIGINT after a violation was found       TestFaultInterruptAfterViolation
//	a second SIGINT                          TestFaultSecondInterrupt
//	one signal sent twice (GNU timeout)      TestFaultSignalTwiceAtOnce
//	hostile files (garbage, NUL, invalid     TestFaultHostileFiles
//	UTF-8, a huge line, too large, /dev/zero,
//	FIFOs, deep nesting, 300,000 errors)
//	output to a device (gen -o, --html),     TestFaultOutputToDevice
//	standard output on a full disk
//	out-of-range flags (--workers,           TestCheckLimits, TestCheckBadUsage (check_test.go)
//	--mem-budget NaN, ...)
//	a small ulimit -v (a warning; a budget   TestFaultAddressSpaceLimit; the stop near
//	or bit array larger than it leaves)      the limit: TestMemoryRunningOut* (memory_test.go)
//	a small ulimit -n                        TestFaultOpenFileLimit; store.TestFileLimitRefusesBeforeWrite,
//	                                         TestFatalLogExitsAsFailure
//	fmt -w of a file the user may not write  TestFaultFmtFileNotWritable
//	--store-dir a file, unwritable, reused   TestCheckUnwritableStoreDir; store.TestStoreDirUnwritable,
//	                                         store.TestStoreDirIsFile, store.TestBadgerLeftoverDir
//
// The disk-full tests mount tmpfs file systems: they need root on Linux and
// say why they are skipped otherwise; CI runs as root and sets
// MCHECK_REQUIRE_TMPFS=1, which turns such a skip into a failure.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mcheck/mcheck/benches/family"
)

var (
	builtOnce sync.Once
	builtDir  string // removed by TestMain
	builtBin  string
	builtErr  error
)

// mcheckBinary builds cmd/mcheck once per test binary and returns its path.
func mcheckBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the mcheck binary")
	}
	builtOnce.Do(func() {
		if builtDir, builtErr = os.MkdirTemp("", "mcheck-test-bin-"); builtErr != nil {
			return
		}
		builtBin = filepath.Join(builtDir, "mcheck")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			builtErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if builtErr != nil {
		t.Fatal(builtErr)
	}
	return builtBin
}

// removeBuiltBinary removes what mcheckBinary built (called by TestMain).
func removeBuiltBinary() {
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
}

// A child is a running mcheck.
type child struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{} // closed when it has ended
}

// An outcome is how a child ended.
type outcome struct {
	code           int            // exit status, -1 if a signal ended it
	signal         syscall.Signal // the signal that ended it, if one did
	stdout, stderr string
}

// startMcheck starts mcheck with args, TMPDIR set to tmp.
func startMcheck(t *testing.T, tmp string, args ...string) *child {
	t.Helper()
	return startChild(t, tmp, exec.Command(mcheckBinary(t), args...))
}

// startChild is startMcheck for a command that runs mcheck (through a
// shell, say).
func startChild(t *testing.T, tmp string, cmd *exec.Cmd) *child {
	t.Helper()
	c := &child{cmd: cmd, done: make(chan struct{})}
	c.cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
	})
	return c
}

// waitCPU waits until the child has used cpu of CPU time (read from
// /proc; where there is none, it sleeps for fallback instead), or has
// ended, for a minute at most.
func (c *child) waitCPU(t *testing.T, cpu, fallback time.Duration) {
	t.Helper()
	stat := fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid)
	if _, err := os.Stat(stat); err != nil {
		time.Sleep(fallback)
		return
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		select {
		case <-c.done:
			return
		default:
		}
		b, err := os.ReadFile(stat)
		if err != nil {
			return
		}
		// Fields after the command name (in parentheses): utime and
		// stime are the 12th and 13th.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) < 13 {
			return
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		if time.Duration(u+st)*tick >= cpu {
			return
		}
	}
	t.Fatalf("the child used less than %v of CPU time in a minute", cpu)
}

// wait waits for the child to end, for at most limit (then it is killed
// and the test fails), and checks that it printed no Go stack trace.
func (c *child) wait(t *testing.T, limit time.Duration) outcome {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(limit):
		c.cmd.Process.Kill()
		<-c.done
		t.Fatalf("mcheck %s still running after %v; stderr:\n%s", strings.Join(c.cmd.Args[1:], " "), limit, c.stderr.String())
	}
	o := outcome{code: c.cmd.ProcessState.ExitCode(), stdout: c.stdout.String(), stderr: c.stderr.String()}
	if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		o.signal = ws.Signal()
	}
	noPanic(t, o.stdout, o.stderr)
	return o
}

// signal sends sig to the child, unless it has ended.
func (c *child) signal(sig syscall.Signal) {
	select {
	case <-c.done:
	default:
		c.cmd.Process.Signal(sig)
	}
}

// runMcheck runs mcheck with args, TMPDIR set to tmp, to its end.
func runMcheck(t *testing.T, tmp string, args ...string) outcome {
	t.Helper()
	return startMcheck(t, tmp, args...).wait(t, time.Minute)
}

// expect fails the test unless o ended with exit status code and its
// stderr holds each of want.
func expect(t *testing.T, what string, o outcome, code int, want ...string) {
	t.Helper()
	if o.code != code {
		t.Errorf("%s: exit status %d (signal %v), want %d\nstderr: %.2000s", what, o.code, o.signal, code, o.stderr)
		return
	}
	for _, w := range want {
		if !strings.Contains(o.stderr, w) {
			t.Errorf("%s: stderr lacks %q:\n%.2000s", what, w, o.stderr)
		}
	}
}

// familyModel writes a member of a model family to a file and returns it.
func familyModel(t *testing.T, name string, k int) string {
	t.Helper()
	src, err := family.Generate(name, k)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("%s%d.dsu", name, k))
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// names lists the entries of dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ns []string
	for _, e := range ents {
		ns = append(ns, e.Name())
	}
	return ns
}

// expectEmpty fails the test if dir holds anything.
func expectEmpty(t *testing.T, what, dir string) {
	t.Helper()
	if ns := names(t, dir); len(ns) > 0 {
		t.Errorf("%s: left in %s: %v", what, dir, ns)
	}
}

// statsRE is the statistics a failed or interrupted check prints.
var statsRE = regexp.MustCompile(`(stopped|interrupted) after ([0-9]+) states at depth ([0-9]+)`)

// expectStats fails the test unless stderr gives the statistics so far,
// with some states explored.
func expectStats(t *testing.T, what string, o outcome) {
	t.Helper()
	m := statsRE.FindStringSubmatch(o.stderr)
	if m == nil {
		t.Errorf("%s: no statistics so far on stderr:\n%.2000s", what, o.stderr)
		return
	}
	if n, _ := strconv.Atoi(m[2]); n == 0 {
		t.Errorf("%s: stopped after 0 states: the fault was hit before the search ran", what)
	}
}

// requireTmpfs is the environment variable that makes the disk-full tests
// fail, rather than skip, where they cannot mount a tmpfs (.ci/run sets it
// when it runs as root).
const requireTmpfs = "MCHECK_REQUIRE_TMPFS"

// fullTmpfs mounts a tmpfs of 1 MiB (mountTmpfs) and fills it.
func fullTmpfs(t *testing.T) string {
	t.Helper()
	mnt := mountTmpfs(t, 1)
	fill, err := os.Create(filepath.Join(mnt, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	for chunk := make([]byte, 64<<10); err == nil; {
		_, err = fill.Write(chunk)
	}
	fill.Close()
	return mnt
}

// mountTmpfs mounts a tmpfs of mib MiB on a new directory (unmounted at
// the end of the test), or skips the test where that is not possible.
func mountTmpfs(t *testing.T, mib int) string {
	t.Helper()
	return mountTmpfsSize(t, fmt.Sprintf("%dm", mib))
}

// mountTmpfsSize is mountTmpfs of a size as mount takes it ("8k").
func mountTmpfsSize(t *testing.T, size string) string {
	t.Helper()
	skip := t.Skipf
	if os.Getenv(requireTmpfs) == "1" {
		skip = t.Fatalf
	}
	if runtime.GOOS != "linux" {
		skip("mounts a tmpfs: Linux only")
	}
	if os.Geteuid() != 0 {
		skip("mounts a tmpfs: needs root (CI runs as root)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		skip("cannot mount a tmpfs (%v): %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// needRE reads how much free space the store needs from a disk-full
// message.
var needRE = regexp.MustCompile(`needs ([0-9]+) MiB free`)

// TestFaultDiskFull fills small file systems: the store's at its start,
// the store's during the search, and TMPDIR with the spill files. Each
// stops with exit status 3, "disk full", the directory, the statistics so
// far, and leaves nothing behind (a temporary store is removed; a
// --store-dir is kept, closed).
func TestFaultDiskFull(t *testing.T) {
	pc3 := familyModel(t, "prodcons", 3)
	mcheckBinary(t)
	// (--reduce none: with the symmetry reduction the search is over
	// before it fills 4 MiB.)
	check := []string{"check", "--progress", "off", "--strategy", "max+1", "--reduce", "none", "--store", "badger", "--mem-budget", "4MiB"}
	need := 0 // MiB the store needs free to start, as the at-start run says
	t.Run("at-start", func(t *testing.T) {
		mnt := mountTmpfs(t, 8)
		o := runMcheck(t, mnt, append(check, pc3)...)
		expect(t, "8 MiB TMPDIR", o, exitFailure, "disk full", mnt, "the store needs")
		if m := needRE.FindStringSubmatch(o.stderr); m != nil {
			need, _ = strconv.Atoi(m[1])
		}
		expectEmpty(t, "a store refused at the start", mnt)
	})
	t.Run("store", func(t *testing.T) {
		if need == 0 {
			t.Skip("needs the at-start run's figure of the space the store needs (that run was skipped or failed)")
		}
		// Room to start, and 4 MiB to fill during the search.
		mnt := mountTmpfs(t, need+4)
		o := runMcheck(t, mnt, append(check, pc3)...)
		expect(t, "temporary store", o, exitFailure, "disk full", mnt, "nothing is proved")
		expectStats(t, "temporary store", o)
		expectEmpty(t, "a temporary store on a full disk", mnt)

		kept := filepath.Join(mnt, "kept")
		o = runMcheck(t, mnt, append(check, "--store-dir", kept, pc3)...)
		expect(t, "--store-dir", o, exitFailure, "disk full", kept)
		expectStats(t, "--store-dir", o)
		if ns := names(t, mnt); len(ns) != 1 || ns[0] != "kept" {
			t.Errorf("--store-dir on a full disk left %v beside it (want only kept)", ns)
		}
		if _, err := os.Stat(filepath.Join(kept, "MCHECK-STORE")); err != nil {
			t.Errorf("the --store-dir store was not kept: %v", err)
		}
	})
	// bench: a TMPDIR with no room for the generated models is said to be
	// the cause, and the --out directory it made is taken away again
	// (found by a tester: a bare "no space left on device", and an empty
	// --out left behind).
	t.Run("bench-tmpdir", func(t *testing.T) {
		mnt := fullTmpfs(t)
		out := filepath.Join(t.TempDir(), "results")
		o := runMcheck(t, mnt, "bench", "--family", "prodcons", "--from", "1", "--to", "1", "--out", out)
		expect(t, "bench with a full TMPDIR", o, exitFailure, "cannot write the generated model to the temporary directory (TMPDIR "+mnt, "set TMPDIR to a directory with room")
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("bench left %s behind (%v)", out, err)
		}
	})
	t.Run("bench-tmpdir-midway", func(t *testing.T) {
		// An 8 KiB TMPDIR takes ring 2's and 3's generated models, not
		// ring 4's: the runs done keep their CSV rows and plots, and the
		// runs left are named (found by a tester: no plots, and the runs
		// left unsaid).
		mnt := mountTmpfsSize(t, "8k")
		out := filepath.Join(t.TempDir(), "results")
		o := runMcheck(t, mnt, "bench", "--family", "ring", "--from", "2", "--to", "4", "--strategy", "max+1", "--out", out)
		expect(t, "bench with a TMPDIR that fills midway", o, exitFailure, "cannot write the generated model to the temporary directory",
			"ring.svg, "+filepath.Join(out, "ring.png")+" hold the 2 runs done before the failure", "not run (the failure stopped the sweep before they finished): ring 4 max+1")
	})
	t.Run("spill", func(t *testing.T) {
		mnt := mountTmpfs(t, 2)
		o := runMcheck(t, mnt, "check", "--progress", "off", "--strategy", "max+1", "--reduce", "none", "--store", "memory", "--mem-budget", "1MiB", pc3)
		expect(t, "spill files in a 2 MiB TMPDIR", o, exitFailure, "disk full", "spill files go to "+mnt, "TMPDIR")
		expectStats(t, "spill", o)
		if strings.Contains(o.stderr, "--store-dir") {
			t.Errorf("the hint names --store-dir, which has nothing to do with spill files:\n%s", o.stderr)
		}
		expectEmpty(t, "spill files on a full disk", mnt)
	})
	t.Run("after-violation", func(t *testing.T) {
		// uncoordinated finds its violation before the spill files grow;
		// max+1 then fills the 2 MiB TMPDIR. The violation is a result:
		// it wins (exit 1), as before an interruption; the failed run has
		// its JSON line, search "failed", with the error.
		// The --html page is written too, the failed run's row included
		// (found by a tester: it was never written after a failure).
		mnt := mountTmpfs(t, 2)
		page := filepath.Join(t.TempDir(), "page.html")
		o := runMcheck(t, mnt, "check", "--json", "--progress", "off", "--strategy", "uncoordinated,max+1,stop-the-world", "--reduce", "none", "--store", "memory", "--mem-budget", "1MiB", "--html", page, pc3)
		expect(t, "a full disk after a violation", o, exitViolation, "disk full", "nothing is proved", "wrote "+page+" (1 counterexample)")
		lines := strings.Split(strings.TrimSpace(o.stdout), "\n")
		if len(lines) != 2 || !strings.Contains(lines[0], `"verdict":"violation"`) ||
			!strings.Contains(lines[1], `"search":"failed"`) || !strings.Contains(lines[1], `"error":"store: spill`) {
			t.Errorf("want the violation's line, then the failed run's:\n%s", o.stdout)
		}
		// And the run the failure kept from starting, as the text says it.
		if b, err := os.ReadFile(page); err != nil || !strings.Contains(string(b), "<td>max&#43;1</td><td>ok?</td><td>-</td><td>failed</td>") ||
			!strings.Contains(string(b), "not run (the failure stopped the check before they started): shrink/stop-the-world") {
			t.Errorf("the page lacks the failed run's row, or the run not started (%v)", err)
		}
		expectEmpty(t, "spill files on a full disk after a violation", mnt)
	})
	t.Run("swarm-after-violation", func(t *testing.T) {
		// The same for swarm (adversarial tester: exit 3, no line for the
		// failed swarm, no statistics): uncoordinated's members find the
		// violation; stop-the-world's breadth-first member fills TMPDIR.
		pc4 := familyModel(t, "prodcons", 4)
		mnt := mountTmpfs(t, 1)
		o := runMcheck(t, mnt, "swarm", "--json", "--mem-budget", "1MiB", "--max-states", "100000", "--swarm", "4",
			"--strategy", "uncoordinated,stop-the-world", pc4)
		expect(t, "swarm: a full disk after a violation", o, exitViolation, "disk full", "nothing is proved")
		lines := strings.Split(strings.TrimSpace(o.stdout), "\n")
		if len(lines) != 2 || !strings.Contains(lines[0], `"verdict":"violation"`) ||
			!strings.Contains(lines[1], `"search":"failed"`) || !strings.Contains(lines[1], `"error":"`) {
			t.Errorf("want the violation's line, then the failed swarm's:\n%s", o.stdout)
		}
		expectEmpty(t, "swarm spill files on a full disk after a violation", mnt)
	})
	t.Run("swarm-failed-member", func(t *testing.T) {
		// A breadth-first member's spill fails at once: the other members
		// stop too, part-way, and all are listed, the failed one with
		// what it stored (found by a tester: the depth-first members ran
		// on to --time, or for ever with --max-states 0, and the failed
		// one was left out).
		pc4 := familyModel(t, "prodcons", 4)
		mnt := fullTmpfs(t)
		o := runMcheck(t, mnt, "swarm", "--json", "--mem-budget", "1MiB", "--max-states", "0", "--time", "20s", "--workers", "8", "--strategy", "stop-the-world", pc4)
		noPanic(t, o.stdout, o.stderr)
		expect(t, "swarm: a member fails", o, exitFailure, "disk full", "nothing is proved")
		var r struct {
			Search   string `json:"search"`
			TimedOut bool   `json:"timed_out"`
			Members  []struct {
				Member int
				Status string
			}
		}
		if err := json.Unmarshal([]byte(o.stdout), &r); err != nil {
			t.Fatalf("%v:\n%s", err, o.stdout)
		}
		if r.Search != "failed" || r.TimedOut || len(r.Members) == 0 {
			t.Errorf("want search failed, not timed out, the members listed:\n%s", o.stdout)
		}
		for _, m := range r.Members {
			if m.Status != "stopped" {
				t.Errorf("member %d %s, want stopped:\n%s", m.Member, m.Status, o.stdout)
			}
		}
		os.Remove(filepath.Join(mnt, "fill"))
		expectEmpty(t, "swarm spill files on a full disk", mnt)
	})
	t.Run("swarm-text-after-violation", func(t *testing.T) {
		// In text, the failed swarm's line and the summary, as check
		// prints them (a tester: stdout was empty but for the first run).
		pc4 := familyModel(t, "prodcons", 4)
		mnt := mountTmpfs(t, 1)
		o := runMcheck(t, mnt, "swarm", "--mem-budget", "1MiB", "--max-states", "100000", "--swarm", "4",
			"--strategy", "uncoordinated,stop-the-world", pc4)
		expect(t, "swarm text: a full disk after a violation", o, exitViolation, "disk full", "nothing is proved")
		if !strings.Contains(o.stdout, "stop-the-world: failed (") || !strings.Contains(o.stdout, "no violation found so far; nothing is proved") ||
			!regexp.MustCompile(`stop-the-world +ok\? +- +failed`).MatchString(o.stdout) {
			t.Errorf("want the failed swarm's line and its summary row:\n%s", o.stdout)
		}
		expectEmpty(t, "swarm spill files on a full disk after a violation", mnt)
	})
	t.Run("liveness-spill", func(t *testing.T) {
		// The safety search fits; the liveness graph, past half of 2 MiB,
		// spills its pages to a 1 MiB TMPDIR and fills it.
		pc2 := familyModel(t, "prodcons", 2)
		mnt := mountTmpfs(t, 1)
		o := runMcheck(t, mnt, "check", "--progress", "off", "--strategy", "stop-the-world", "--reduce", "none", "--queue-bound", "20",
			"--mem-budget", "2MiB", "--store-dir", filepath.Join(t.TempDir(), "store"), pc2)
		expect(t, "liveness pages in a 1 MiB TMPDIR", o, exitFailure, "update completion (liveness)", "disk full", "spill files go to "+mnt, "TMPDIR")
		expectStats(t, "liveness-spill", o)
		expectEmpty(t, "liveness pages on a full disk", mnt)
		// Its partial graph is no verdict (a tester: it read "every fair
		// run after the introduction completes the update").
		// The safety search's result stands, said as after an
		// interruption (a tester: "nothing is proved").
		if strings.Contains(o.stdout, "every fair run") || !strings.Contains(o.stdout, "safety: no violation in any interleaving (exhaustive for queue capacity 20); update completion (liveness) failed after ") || !strings.Contains(o.stdout, "): not judged") {
			t.Errorf("the failed liveness check is reported as a verdict:\n%s", o.stdout)
		}
		o = runMcheck(t, mnt, "check", "--json", "--progress", "off", "--strategy", "stop-the-world", "--reduce", "none", "--queue-bound", "20",
			"--mem-budget", "2MiB", "--store-dir", filepath.Join(t.TempDir(), "store"), pc2)
		if !strings.Contains(o.stdout, `"judged":false`) || !strings.Contains(o.stdout, `"search":"failed"`) {
			t.Errorf("the JSON does not say the liveness check was not judged:\n%s", o.stdout)
		}
		expectEmpty(t, "liveness pages on a full disk (JSON)", mnt)
	})
	t.Run("points", func(t *testing.T) {
		// uncoordinated's 12 points are unsafe, found before the spill
		// files grow; stop-the-world's first point fills the full TMPDIR.
		// Its row says so, the rest are named, and the unsafe points win
		// (found by a tester: exit 3, no row, "not judged (interrupted)").
		mnt := fullTmpfs(t)
		o := runMcheck(t, mnt, "points", "--store", "memory", "--mem-budget", "1MiB", "--strategy", "all", pc3)
		noPanic(t, o.stdout, o.stderr)
		expect(t, "points, then a full TMPDIR", o, exitViolation, "disk full", "that point is not judged")
		for _, want := range []string{"unknown (failed)", "11 not judged (the failure stopped them)", "not run (the failure stopped mcheck points before they started): shrink/max+1"} {
			if !strings.Contains(o.stdout, want) {
				t.Errorf("points: stdout lacks %q:\n%s", want, o.stdout)
			}
		}
		o = runMcheck(t, mnt, "points", "--json", "--store", "memory", "--mem-budget", "1MiB", "--strategy", "all", pc3)
		lines := strings.Split(strings.TrimSpace(o.stdout), "\n")
		if o.code != exitViolation || len(lines) != 13 || !strings.Contains(lines[12], `"search":"failed","error":"Producer1 at `) {
			t.Errorf("points --json: exit %d; want 1, and the 12 unsafe points' lines, then the failed one's:\n%s", o.code, o.stdout)
		}
	})
	t.Run("continue", func(t *testing.T) {
		// --continue meets uncoordinated's six violations at depth 6;
		// the trace links then fill a 4 MiB TMPDIR. The violations stand
		// (exit 1, each with its trace), and the run says it failed
		// (found by a tester: verdict unknown, no violations, exit 3).
		mnt := mountTmpfs(t, 4)
		o := runMcheck(t, mnt, "check", "--json", "--continue", "--progress", "off", "--strategy", "uncoordinated", "--store", "memory", "--mem-budget", "1MiB", pc3)
		noPanic(t, o.stdout, o.stderr)
		expect(t, "--continue, then a full TMPDIR", o, exitViolation, "disk full", "the violations found before it stand")
		var r struct {
			Verdict, Search, Error string
			Violations             []struct{ Trace []any }
		}
		if err := json.Unmarshal([]byte(o.stdout), &r); err != nil {
			t.Fatalf("%v:\n%s", err, o.stdout)
		}
		if r.Verdict != "violation" || r.Search != "failed" || !strings.Contains(r.Error, "disk full") || len(r.Violations) != 6 || len(r.Violations[0].Trace) != 6 {
			t.Errorf("want verdict violation, search failed, the error, and the 6 violations with their traces:\n%s", o.stdout)
		}
		expectEmpty(t, "--continue on a full disk", mnt)
	})
	t.Run("liveness-spill-mid-level", func(t *testing.T) {
		// The liveness graph's pages fill a 10 MiB TMPDIR in the middle of
		// a level: the keys of the next batch, read back after the failed
		// write, were zeros, and decoding them ended mcheck with a nil
		// dereference and a Go trace, exit 2, nothing on stdout (found by a
		// tester). The failure is the run's, with its statistics; the
		// violation uncoordinated found before it wins (exit 1).
		mnt := mountTmpfs(t, 10)
		for _, w := range []string{"1", "2"} {
			o := runMcheck(t, mnt, "check", "--progress", "off", "--workers", w, "--strategy", "uncoordinated,stop-the-world", "--reduce", "none",
				"--mem-budget", "1MiB", "--store-dir", filepath.Join(t.TempDir(), "store"), pc3)
			noPanic(t, o.stdout, o.stderr)
			expect(t, "liveness pages filling a 10 MiB TMPDIR mid-level, --workers "+w, o, exitViolation, "update completion (liveness)", "disk full", "spill files go to "+mnt)
			if !strings.Contains(o.stdout, "stop-the-world: safety: no violation in any interleaving (exhaustive for queue capacity 8); update completion (liveness) failed after ") {
				t.Errorf("--workers %s: the failed liveness check is not the run's failure:\n%s", w, o.stdout)
			}
			expectEmpty(t, "liveness pages filling TMPDIR mid-level", mnt)
		}
	})
}

// TestFaultConcurrentStarts starts four checks on one new --store-dir at
// once: one gets it and runs to its bound (exit 4), the others stop with
// exit 3 saying which process holds it, and touch nothing; the store is
// kept whole, and refused to a later run.
func TestFaultConcurrentStarts(t *testing.T) {
	pc3 := familyModel(t, "prodcons", 3)
	tmp := t.TempDir()
	dir := filepath.Join(t.TempDir(), "new", "store")
	args := []string{"check", "--progress", "off", "--strategy", "max+1", "--max-states", "100000", "--store-dir", dir, pc3}
	var children []*child
	for range 4 {
		children = append(children, startMcheck(t, tmp, args...))
	}
	winner := -1
	var outs []outcome
	for i, c := range children {
		o := c.wait(t, time.Minute)
		outs = append(outs, o)
		if o.code == exitBounded {
			if winner >= 0 {
				t.Fatalf("two runs got the store (%d and %d)", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("no run got the store: %+v", outs)
	}
	pid := children[winner].cmd.Process.Pid
	for i, o := range outs {
		if i != winner {
			expect(t, "a run that lost the store", o, exitFailure, "in use by another process", fmt.Sprintf("(pid %d)", pid), dir)
		}
	}
	if !strings.Contains(outs[winner].stdout, "bounded (max-states)") {
		t.Errorf("the winner's report:\n%s", outs[winner].stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "MCHECK-STORE")); err != nil {
		t.Fatalf("the winner's store is gone: %v", err)
	}
	before := names(t, dir)
	o := runMcheck(t, tmp, args...)
	expect(t, "a later run on the kept store", o, exitFailure, "left by an earlier run", "rm -r "+dir)
	if after := names(t, dir); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the refused run changed the store: %v, then %v", before, after)
	}
	expectEmpty(t, "the runs", tmp)
}

// waitForSpill waits until the child has a spill file open (unlinked, in
// dir), so that a kill finds it spilling.
func waitForSpill(t *testing.T, c *child, dir string) {
	t.Helper()
	fds := fmt.Sprintf("/proc/%d/fd", c.cmd.Process.Pid)
	if _, err := os.Stat(fds); err != nil {
		time.Sleep(time.Second) // no /proc: give it time
		return
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ents, _ := os.ReadDir(fds)
		for _, e := range ents {
			target, err := os.Readlink(filepath.Join(fds, e.Name()))
			if err == nil && strings.HasPrefix(target, dir+"/") && strings.HasSuffix(target, ".spill (deleted)") {
				return
			}
		}
		select {
		case <-c.done:
			t.Fatalf("mcheck ended before it spilled: %s", c.stderr.String())
		default:
		}
	}
	t.Fatal("mcheck opened no spill file in 30 s: nothing to test")
}

// TestFaultKillThenRerun kills a spilling check with SIGKILL: it leaves no
// spill file; a temporary store it leaves is removed by the next run; a
// --store-dir it leaves is refused by the next run, which tells how to
// remove it and touches nothing.
func TestFaultKillThenRerun(t *testing.T) {
	pc4 := familyModel(t, "prodcons", 4)
	args := []string{"check", "--progress", "off", "--strategy", "max+1", "--mem-budget", "4MiB"}
	t.Run("temporary-store", func(t *testing.T) {
		tmp := t.TempDir()
		c := startMcheck(t, tmp, append(args, pc4)...)
		waitForSpill(t, c, tmp)
		c.signal(syscall.SIGKILL)
		if o := c.wait(t, time.Minute); o.signal != syscall.SIGKILL {
			t.Fatalf("not killed: exit %d", o.code)
		}
		left := names(t, tmp)
		if len(left) != 1 || !strings.HasPrefix(left[0], "mcheck-store-") {
			t.Fatalf("the killed run left %v in TMPDIR, want its store alone (no spill files)", left)
		}
		o := runMcheck(t, tmp, "check", "--progress", "off", "--strategy", "max+1", "../../models/mathserver.dsu")
		expect(t, "the rerun", o, exitOK)
		expectEmpty(t, "the rerun (the stale store is removed)", tmp)
	})
	t.Run("store-dir", func(t *testing.T) {
		tmp := t.TempDir()
		dir := filepath.Join(t.TempDir(), "store")
		c := startMcheck(t, tmp, append(args, "--store-dir", dir, pc4)...)
		waitForSpill(t, c, tmp)
		c.signal(syscall.SIGKILL)
		c.wait(t, time.Minute)
		expectEmpty(t, "the killed run (spill files)", tmp)
		before := names(t, dir)
		o := runMcheck(t, tmp, append(args, "--store-dir", dir, pc4)...)
		expect(t, "the rerun", o, exitFailure, "left by an earlier run", "rm -r "+dir)
		if after := names(t, dir); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("the refused rerun changed the store: %v, then %v", before, after)
		}
	})
}

// TestFaultInterrupt: SIGINT, SIGTERM or SIGHUP stops a check at its next
// batch, with the statistics so far and exit status 3; a --store-dir is
// kept, closed; a temporary store is removed. (SIGHUP, a closed terminal,
// ended mcheck with nothing printed; a tester.)
func TestFaultInterrupt(t *testing.T) {
	pc4 := familyModel(t, "prodcons", 4)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(signalName(sig), func(t *testing.T) {
			tmp := t.TempDir()
			dir := filepath.Join(t.TempDir(), "store")
			args := []string{"check", "--progress", "off", "--strategy", "max+1", pc4}
			if sig == syscall.SIGINT {
				args = append(args, "--store-dir", dir)
			}
			c := startMcheck(t, tmp, args...)
			time.Sleep(time.Second)
			c.signal(sig)
			o := c.wait(t, time.Minute)
			expect(t, signalName(sig), o, exitFailure, signalName(sig)+": stopping after the current step", "interrupted after")
			expectStats(t, signalName(sig), o)
			if sig == syscall.SIGINT {
				if _, err := os.Stat(filepath.Join(dir, "MCHECK-STORE")); err != nil {
					t.Errorf("the --store-dir store was not kept: %v", err)
				}
			}
			expectEmpty(t, "an interrupted run", tmp)
		})
	}
}

// TestFaultInterruptOutputLost: an interrupted check whose standard
// output is lost (a full disk) still says on stderr where it stopped, the
// statistics so far, as well as that the output was lost (found by a
// tester: > /dev/full lost the line).
func TestFaultInterruptOutputLost(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	pc4 := familyModel(t, "prodcons", 4)
	c := startChild(t, t.TempDir(), exec.Command("sh", "-c", `exec "$0" "$@" > /dev/full`, mcheckBinary(t),
		"check", "--progress", "off", "--store", "memory", "--strategy", "max+1", pc4))
	time.Sleep(time.Second)
	c.signal(syscall.SIGINT)
	o := c.wait(t, time.Minute)
	expect(t, "SIGINT, output lost", o, exitFailure, "SIGINT: stopping after the current step", "interrupted after",
		"mcheck: cannot write the output: no space left on device")
}

// TestFaultHangupUnderNohup: started with SIGHUP ignored (nohup), mcheck
// keeps ignoring it; SIGINT still stops it.
func TestFaultHangupUnderNohup(t *testing.T) {
	pc4 := familyModel(t, "prodcons", 4)
	c := startChild(t, t.TempDir(), exec.Command("sh", "-c", `trap '' HUP; exec "$0" "$@"`, mcheckBinary(t),
		"check", "--progress", "off", "--store", "memory", "--strategy", "max+1", pc4))
	time.Sleep(time.Second)
	c.signal(syscall.SIGHUP)
	select {
	case <-c.done:
		t.Fatalf("ended by an ignored SIGHUP: %v\n%s", c.cmd.ProcessState, c.stderr.String())
	case <-time.After(time.Second):
	}
	c.signal(syscall.SIGINT)
	o := c.wait(t, time.Minute)
	expect(t, "SIGHUP ignored, then SIGINT", o, exitFailure, "SIGINT: stopping after the current step", "interrupted after")
	if strings.Contains(o.stderr, "SIGHUP") {
		t.Errorf("an ignored SIGHUP was heard:\n%s", o.stderr)
	}
}

// TestFaultInterruptWhileLoading: a signal while a large model loads (a
// second or so) is an interruption too, exit 3 with the message, for each
// command that searches (found by a tester: mcheck died by the signal).
func TestFaultInterruptWhileLoading(t *testing.T) {
	var b strings.Builder
	for i := range 300_000 {
		fmt.Fprintf(&b, "thread T%d { fun f() = 1 main f() }\n", i)
	}
	path := filepath.Join(t.TempDir(), "large.dsu")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"check", "--progress", "off", "--store", "memory"}, {"simulate"}, {"swarm"}} {
		cmd := args[0]
		c := startMcheck(t, t.TempDir(), append(args, path)...)
		// The handler is in place and the model is loading once the child
		// has run for a while on its own CPU time (a wall-clock wait failed
		// on a loaded machine: the child was still starting).
		c.waitCPU(t, 150*time.Millisecond, 200*time.Millisecond)
		c.signal(syscall.SIGINT)
		o := c.wait(t, time.Minute)
		expect(t, cmd+" interrupted while loading", o, exitFailure, "SIGINT: stopping after the current step", "interrupted after")
	}
}

// TestFaultInterruptAfterViolation: a violation found before the
// interruption wins: exit status 1, with the interruption said on stderr.
func TestFaultInterruptAfterViolation(t *testing.T) {
	pc4 := familyModel(t, "prodcons", 4)
	c := startMcheck(t, t.TempDir(), "check", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated,stop-the-world", pc4)
	time.Sleep(time.Second)
	c.signal(syscall.SIGINT)
	o := c.wait(t, time.Minute)
	expect(t, "SIGINT after a violation", o, exitViolation, "interrupted after")
	if !strings.Contains(o.stdout, "fidelity violation") {
		t.Errorf("the violation found before the interruption is not reported:\n%s", o.stdout)
	}
}

// TestFaultSecondInterrupt: a second SIGINT, sent while mcheck is still
// stopping after the first (closing a --store-dir store takes a while),
// ends it at once, with exit status 3 (not death by the signal) and a
// message; the store it did not close is then refused to a later run as a
// killed run's would be. If the first SIGINT's stop was done before the
// second arrived, the first one's outcome is checked instead.
func TestFaultSecondInterrupt(t *testing.T) {
	pc4 := familyModel(t, "prodcons", 4)
	tmp := t.TempDir()
	dir := filepath.Join(t.TempDir(), "store")
	args := []string{"check", "--progress", "off", "--strategy", "max+1", "--store-dir", dir, pc4}
	c := startMcheck(t, tmp, args...)
	time.Sleep(time.Second)
	c.signal(syscall.SIGINT)
	// Another kind of signal: the same kind this soon would be taken as
	// the first again (TestFaultSignalTwiceAtOnce).
	time.Sleep(20 * time.Millisecond)
	c.signal(syscall.SIGTERM)
	// The whole check takes minutes: 30 s is "at once" with room for a
	// loaded machine.
	o := c.wait(t, 30*time.Second)
	if o.code != exitFailure {
		t.Fatalf("exit status %d (signal %v), want 3\nstderr: %s", o.code, o.signal, o.stderr)
	}
	if strings.Contains(o.stderr, "second SIGTERM: stopped at once, without cleaning up") {
		t.Logf("the second signal stopped mcheck")
		if strings.Contains(o.stderr, "interrupted after") {
			t.Errorf("stopped at once, yet went on to the statistics:\n%s", o.stderr)
		}
	} else {
		t.Logf("the first SIGINT's stop was done before the second arrived")
		expect(t, "SIGINT", o, exitFailure, "interrupted after")
	}
	expectEmpty(t, "spill files", tmp)
	o = runMcheck(t, tmp, args...)
	expect(t, "a later run on the store", o, exitFailure, "left by an earlier run")
}

// TestFaultSignalTwiceAtOnce: a signal sent twice at once, as GNU timeout
// sends it (to mcheck, then to its process group), is one interruption:
// mcheck stops with the statistics and cleans up (found by a tester: under
// load it heard a second signal and stopped at once, a temporary store
// left behind). The same under timeout itself, where it is installed.
func TestFaultSignalTwiceAtOnce(t *testing.T) {
	pc4 := familyModel(t, "prodcons", 4)
	tmp := t.TempDir()
	c := startMcheck(t, tmp, "check", "--progress", "off", "--strategy", "max+1", pc4)
	time.Sleep(time.Second)
	c.signal(syscall.SIGTERM)
	// Sent at once, the two are often one pending signal; a little later,
	// as a loaded machine delivers them, they are two (without sameSignal
	// this failed half the time here: the stop takes 10-20 ms).
	time.Sleep(3 * time.Millisecond)
	c.signal(syscall.SIGTERM)
	o := c.wait(t, time.Minute)
	expect(t, "SIGTERM twice at once", o, exitFailure, "SIGTERM: stopping after the current step", "interrupted after")
	if strings.Contains(o.stderr, "second SIGTERM") {
		t.Errorf("one interruption heard as two:\n%s", o.stderr)
	}
	expectEmpty(t, "an interrupted run", tmp)
	timeout, err := exec.LookPath("timeout")
	if err != nil {
		t.Skip("no timeout command here")
	}
	c = startChild(t, tmp, exec.Command(timeout, "1", mcheckBinary(t), "check", "--progress", "off", "--strategy", "max+1", pc4))
	o = c.wait(t, time.Minute)
	if !strings.Contains(o.stderr, "SIGTERM: stopping after the current step") || !strings.Contains(o.stderr, "interrupted after") ||
		strings.Contains(o.stderr, "second SIGTERM") {
		t.Errorf("under timeout: exit %d\n%s", o.code, o.stderr)
	}
	expectEmpty(t, "a run under timeout", tmp)
}

// A hostile input file: what it is, how to make it, and what check must
// say of it (exit status 2).
type hostile struct {
	name string
	make func(t *testing.T, dir string) string // returns the path
	want string
}

// writeFile writes data to dir/name and returns the path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mathserver is the paper's model, a base for hostile variants.
func mathserver(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../models/mathserver.dsu")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// nested replaces the second argument of P1's send with e, in the model
// and its update.
func nested(t *testing.T, e string) []byte {
	return []byte(strings.ReplaceAll(mathserver(t), "send(x, p2, 2)", "send(x, p2, "+e+")"))
}

func hostileFiles() []hostile {
	const n = 100000 // nesting depth, far past the parser's limit of 1000
	file := func(name string, data func(t *testing.T) []byte) func(t *testing.T, dir string) string {
		return func(t *testing.T, dir string) string { return writeFile(t, dir, name, data(t)) }
	}
	return []hostile{
		{"binary-garbage", file("garbage.dsu", func(t *testing.T) []byte {
			b := make([]byte, 64<<10)
			rng := rand.New(rand.NewPCG(15, 15))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			return b
		}), "garbage.dsu:1:"},
		{"nul-bytes", file("nul.dsu", func(*testing.T) []byte { return make([]byte, 1<<20) }), "illegal character NUL"},
		{"invalid-utf8-in-code", file("utf8.dsu", func(t *testing.T) []byte {
			return []byte(strings.ReplaceAll(mathserver(t), "thread P1", "thread P\xff\xfe1"))
		}), "invalid UTF-8 encoding (byte 0xff)"},
		{"invalid-utf8-in-comment", file("utf8c.dsu", func(t *testing.T) []byte {
			return []byte("# \xc3\x28 \xed\xa0\x80\n" + mathserver(t))
		}), "invalid UTF-8 encoding (byte 0xc3) in comment"},
		{"huge-line", file("line.dsu", func(*testing.T) []byte {
			return []byte("protocol P = " + strings.Repeat("a", 15<<20) + "\n")
		}), "...(15728640 bytes)"},
		{"over-16MiB", file("big.dsu", func(*testing.T) []byte {
			return append([]byte("#"), bytes.Repeat([]byte("x"), 17<<20)...)
		}), "model file is 17825793 bytes; the limit is 16777216"},
		{"dev-zero", func(t *testing.T, _ string) string {
			if _, err := os.Stat("/dev/zero"); err != nil {
				t.Skip("no /dev/zero")
			}
			return "/dev/zero"
		}, "model is larger than the limit of 16777216 bytes"},
		{"fifo-no-writer", func(t *testing.T, dir string) string { return mkfifo(t, dir) }, "declares no threads"},
		{"fifo-endless-writer", func(t *testing.T, dir string) string {
			path := mkfifo(t, dir)
			endlessWriter(t, path)
			return path
		}, "model is larger than the limit of 16777216 bytes"},
		{"nested-parentheses", file("paren.dsu", func(t *testing.T) []byte {
			return nested(t, strings.Repeat("(", n)+"2"+strings.Repeat(")", n))
		}), "too deeply nested: more than 1000 levels"},
		{"nested-if", file("if.dsu", func(t *testing.T) []byte {
			return nested(t, strings.Repeat("if true then ", n)+"2"+strings.Repeat(" else 3", n))
		}), "too deeply nested"},
		{"nested-let", file("let.dsu", func(t *testing.T) []byte {
			var b strings.Builder
			for i := range n {
				fmt.Fprintf(&b, "let v%d = 1 in ", i)
			}
			return nested(t, b.String()+"2")
		}), "too deeply nested"},
		{"nested-protocol", file("proto.dsu", func(*testing.T) []byte {
			return []byte("protocol P = " + strings.Repeat("a -> b: { l: ", n) + "end" + strings.Repeat(" }", n) + "\n")
		}), "too deeply nested"},
		// Every thread's undefined x, and every thread but the first
		// declared again (a repeated declaration is still checked).
		{"300000-errors", file("errors.dsu", func(*testing.T) []byte {
			return bytes.Repeat([]byte("thread T { main x }\n"), 300000)
		}), "599999 errors"},
	}
}

// mkfifo makes a named pipe in dir, or skips the test.
func mkfifo(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "model.dsu")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	return path
}

// endlessWriter writes to the named pipe at path until the end of the
// test. (It opens it for reading too, so that the open does not wait for a
// reader, and mcheck finds a writer there.)
func endlessWriter(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := bytes.Repeat([]byte("# comment\n"), 6554)
		for {
			if _, err := f.Write(buf); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		f.Close() // unblocks the write
		<-done
	})
}

// maxErrBytes bounds what a hostile file may make mcheck print.
const maxErrBytes = 16 << 10

// TestFaultHostileFiles: each hostile file is refused with exit status 2
// and a message saying what is wrong, quickly, with a bounded amount of
// output, by every command that reads a model.
func TestFaultHostileFiles(t *testing.T) {
	mcheckBinary(t)
	for _, h := range hostileFiles() {
		t.Run(h.name, func(t *testing.T) {
			tmp := t.TempDir()
			path := h.make(t, t.TempDir())
			o := runMcheck(t, tmp, "check", "--progress", "off", path)
			expect(t, "check", o, exitUsage, h.want)
			if len(o.stderr) > maxErrBytes {
				t.Errorf("check printed %d bytes on stderr (at most %d expected): %.300s...", len(o.stderr), maxErrBytes, o.stderr)
			}
			expectEmpty(t, "check", tmp)
		})
	}
	// Every other command that reads a model reads it the same way.
	for _, name := range []string{"dev-zero", "fifo-no-writer", "nested-parentheses", "huge-line"} {
		t.Run("commands/"+name, func(t *testing.T) {
			var h hostile
			for _, x := range hostileFiles() {
				if x.name == name {
					h = x
				}
			}
			path := h.make(t, t.TempDir())
			for _, cmd := range []string{"project", "simulate", "points", "step"} {
				o := runMcheck(t, t.TempDir(), cmd, path)
				expect(t, cmd, o, exitUsage, h.want)
				if len(o.stderr) > maxErrBytes {
					t.Errorf("%s printed %d bytes on stderr", cmd, len(o.stderr))
				}
			}
		})
	}
	// replay reads a JSON report the same way.
	t.Run("replay", func(t *testing.T) {
		dir := t.TempDir()
		for _, tc := range []struct{ path, want string }{
			{"/dev/zero", "report is larger than the limit"},
			{mkfifo(t, dir), "no violation in the report"},
			{writeFile(t, dir, "garbage.json", []byte("\x00\xff{{{")), "not a report of mcheck check --json"},
		} {
			o := runMcheck(t, t.TempDir(), "replay", tc.path)
			expect(t, "replay "+tc.path, o, exitUsage, tc.want)
		}
	})
}

// mknodChar makes a character device node (major, minor) in dir, or
// skips the test (it needs root).
func mknodChar(t *testing.T, dir, name string, major, minor int) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, major<<8|minor); err != nil {
		t.Skipf("cannot make a device node (%v): needs root", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("cannot open a device node here (%v)", err)
	}
	f.Close()
	return path
}

// isCharDevice reports whether path is still a character device.
func isCharDevice(path string) bool {
	st, err := os.Lstat(path)
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// TestFaultOutputToDevice: an output file that is a device or a named pipe
// is written to, never replaced by a regular file (as root, renaming over
// /dev/null replaced the device node itself); fmt -w refuses one; standard
// output that cannot be written (a full disk) is exit status 3. The
// devices are nodes made in a temporary directory (as /dev/null and
// /dev/full are), never the system's.
func TestFaultOutputToDevice(t *testing.T) {
	t.Run("tty-without-terminal", func(t *testing.T) {
		// A device that cannot be opened (/dev/tty in a session with no
		// terminal) is bad usage, said before the search (found by a
		// tester: exit 3 once the search was done).
		cmd := exec.Command(mcheckBinary(t), "check", "--progress", "off", "--store", "memory", "--html", "/dev/tty", "../../models/mathserver.dsu")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		o := startChild(t, t.TempDir(), cmd).wait(t, 20*time.Second)
		expect(t, "check --html /dev/tty without a terminal", o, exitUsage, "--html /dev/tty: ")
		if o.stdout != "" {
			t.Errorf("the search ran: %s", o.stdout)
		}
	})
	t.Run("gen-tty-without-terminal", func(t *testing.T) {
		// The same for gen -o (found by a tester: exit 3).
		cmd := exec.Command(mcheckBinary(t), "gen", "--family", "ring", "--param", "3", "-o", "/dev/tty")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		o := startChild(t, t.TempDir(), cmd).wait(t, 20*time.Second)
		expect(t, "gen -o /dev/tty without a terminal", o, exitUsage, "-o /dev/tty: ")
	})
	t.Run("fifo", func(t *testing.T) {
		dir := t.TempDir()
		fifo := mkfifo(t, dir)
		got := make(chan []byte, 1)
		go func() {
			f, err := os.Open(fifo) // waits for the writer
			if err != nil {
				got <- nil
				return
			}
			defer f.Close()
			b, _ := io.ReadAll(f)
			got <- b
		}()
		o := runMcheck(t, dir, "gen", "--family", "ring", "--param", "3", "-o", fifo)
		expect(t, "gen -o FIFO", o, exitOK)
		want, _ := family.Generate("ring", 3)
		if b := <-got; !bytes.Equal(b, want) {
			t.Errorf("the pipe read %d bytes, want the model (%d bytes)", len(b), len(want))
		}
		if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
			t.Errorf("the named pipe was replaced: %v", err)
		}
		// A pipe no process reads is waited for, but a signal ends the
		// wait (found by a tester: check --html FIFO hung after its
		// search, and SIGTERM did not end it).
		c := startMcheck(t, dir, "check", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "--html", fifo, "../../models/mathserver.dsu")
		time.Sleep(time.Second) // the search (milliseconds) has ended: the page waits for a reader
		c.signal(syscall.SIGTERM)
		o = c.wait(t, 20*time.Second)
		expect(t, "--html FIFO without a reader, then SIGTERM", o, exitFailure, "cannot write "+fifo+": no process opened the named pipe for reading before the run was stopped")
		// Interrupted during the search: the page is not waited for, and
		// what an interruption says is still said (found by a tester: the
		// interrupted run's line and the runs not started went unsaid).
		pc4 := familyModel(t, "prodcons", 4)
		c = startMcheck(t, dir, "check", "--progress", "off", "--store", "memory", "--reduce", "none", "--strategy", "stop-the-world,max+1", "--html", fifo, pc4)
		time.Sleep(time.Second)
		c.signal(syscall.SIGINT)
		o = c.wait(t, 20*time.Second)
		expect(t, "--html FIFO, SIGINT during the search", o, exitFailure, "no process opened the named pipe", "mcheck check: interrupted after ")
		if !strings.Contains(o.stdout, "not run (interrupted before they started): shrink/max+1") {
			t.Errorf("the run not started is not named:\n%s", o.stdout)
		}
		// gen -o likewise (found by a tester: gen died by the signal,
		// with nothing printed).
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			c = startMcheck(t, dir, "gen", "--family", "ring", "--param", "3", "-o", fifo)
			time.Sleep(500 * time.Millisecond)
			c.signal(sig)
			o = c.wait(t, 20*time.Second)
			expect(t, "gen -o FIFO without a reader, then "+sig.String(), o, exitFailure, "cannot write "+fifo+": no process opened the named pipe for reading before the run was stopped")
		}
		// A model read from a pipe whose writer has not closed it: a
		// signal ends the read, exit 3 (found by a tester: the signal was
		// acknowledged, the read went on, and the run ended in exit 2 on
		// what had been read).
		for _, cmd := range []string{"check", "points", "simulate", "swarm"} {
			model := mkfifo(t, t.TempDir())
			stopWriter := make(chan struct{})
			go func() {
				f, err := os.OpenFile(model, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				f.WriteString("protocol P = a -> b: <int>\n")
				<-stopWriter
				f.Close()
			}()
			c = startMcheck(t, dir, cmd, model)
			time.Sleep(500 * time.Millisecond)
			c.signal(syscall.SIGTERM)
			o = c.wait(t, 20*time.Second)
			close(stopWriter)
			expect(t, cmd+" of a model still being written, then SIGTERM", o, exitFailure, model+": interrupted while the model was being read")
		}
		// fmt -w rewrites regular files only.
		err := rewriteFile(fifo, want)
		if err == nil || !strings.Contains(err.Error(), "regular files only") {
			t.Errorf("fmt -w on a named pipe: %v", err)
		}
	})
	t.Run("devices", func(t *testing.T) {
		dir := t.TempDir()
		null := mknodChar(t, dir, "null", 1, 3)
		full := mknodChar(t, dir, "full", 1, 7)
		o := runMcheck(t, dir, "check", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "--html", null, "../../models/mathserver.dsu")
		expect(t, "--html NULL-DEVICE", o, exitViolation, "wrote "+null)
		o = runMcheck(t, dir, "check", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "--html", full, "../../models/mathserver.dsu")
		expect(t, "--html FULL-DEVICE", o, exitFailure, "cannot write "+full+": no space left on device")
		o = runMcheck(t, dir, "gen", "--family", "ring", "--param", "3", "-o", full)
		expect(t, "gen -o FULL-DEVICE", o, exitFailure, "cannot write "+full+": no space left on device")
		// A report written to a full disk is a failure, whatever the verdict.
		f, err := os.OpenFile(full, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd := exec.Command(mcheckBinary(t), "check", "--progress", "off", "--store", "memory", "../../models/mathserver.dsu")
		var errb bytes.Buffer
		cmd.Stdout, cmd.Stderr, cmd.Env = f, &errb, append(os.Environ(), "TMPDIR="+dir)
		cmd.Run()
		o = outcome{code: cmd.ProcessState.ExitCode(), stderr: errb.String()}
		noPanic(t, o.stderr)
		expect(t, "check > FULL-DEVICE", o, exitFailure, "mcheck: cannot write the output: no space left on device")
		if !isCharDevice(null) || !isCharDevice(full) {
			t.Errorf("a device node was replaced by a file: %v", names(t, dir))
		}
		if ns := names(t, dir); len(ns) != 2 {
			t.Errorf("left beside the devices: %v", ns)
		}
	})
}

// TestBrokenPipe: standard output whose reader has gone is output that
// cannot be written: exit 3 with the reason, and the --html page, meant
// for a file, is still written. mcheck died of SIGPIPE, status 141, silently
// (adversarial tester).
func TestBrokenPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader is gone before the first write
	report := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command(mcheckBinary(t), "check", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "--html", report+".html", "../../models/mathserver.dsu")
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &errb
	cmd.Run()
	w.Close()
	o := outcome{code: cmd.ProcessState.ExitCode(), stderr: errb.String()}
	noPanic(t, o.stderr)
	expect(t, "check | (reader gone)", o, exitFailure, "mcheck: cannot write the output: broken pipe")
	if fi, err := os.Stat(report + ".html"); err != nil || fi.Size() == 0 {
		t.Errorf("the --html page was not written: %v", err)
	}
	// Every strategy: the runs after the output was lost are stopped, not
	// searched to no one (adversarial tester: all of them were), and not
	// reported as interrupted.
	r, w, err = os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	cmd = exec.Command(mcheckBinary(t), "check", "--progress", "off", "--store", "memory", "--json", "../../models/mathserver.dsu")
	errb.Reset()
	cmd.Stdout, cmd.Stderr = w, &errb
	cmd.Run()
	w.Close()
	o = outcome{code: cmd.ProcessState.ExitCode(), stderr: errb.String()}
	expect(t, "check --json | (reader gone)", o, exitFailure, "mcheck: cannot write the output: broken pipe")
	if strings.Contains(o.stderr, "interrupted") {
		t.Errorf("stderr: %s", o.stderr)
	}
}

// TestMissingTMPDIR: a TMPDIR that names no directory is said to be the
// cause (the errors gave the bare "no such file or directory"), and bench
// leaves no empty --out behind (adversarial tester).
func TestMissingTMPDIR(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none")
	t.Setenv("TMPDIR", missing)
	pc3 := familyModel(t, "prodcons", 3)
	code, stdout, errs := runCmd("check", "--progress", "off", "--store", "memory", "--mem-budget", "1MiB", "--queue-bound", "6", "--strategy", "max+1", "--skip", "update-completion", pc3)
	if code != exitFailure || !strings.Contains(errs, missing+" does not exist: it is TMPDIR; set TMPDIR to a directory that exists") {
		t.Errorf("check: exit %d, %s", code, errs)
	}
	// The failed run is reported on stdout too, with the summary (found by
	// a tester: with one strategy stdout was empty); it fails before the
	// search, not at its first spill (found by a later tester: the memory
	// store ran on to it).
	if !strings.Contains(stdout, "max+1: failed (") || !strings.Contains(stdout, "summary:") || !regexp.MustCompile(`max\+1 +ok\? +- +failed +0 `).MatchString(stdout) {
		t.Errorf("check's stdout lacks the failed run or the summary:\n%s", stdout)
	}
	// Whatever the store, in the same words, and before the store is
	// opened: a new --store-dir was made, with badger's files in it, and
	// the retry with a good TMPDIR was refused as not empty; a temporary
	// store said "create store in" (a tester).
	storeDir := filepath.Join(t.TempDir(), "store")
	for _, args := range [][]string{{"--store", "badger"}, {"--store", "badger", "--store-dir", storeDir}} {
		code, _, errs := runCmd(append(append([]string{"check", "--progress", "off"}, args...), "../../models/mathserver.dsu")...)
		if code != exitFailure || !strings.Contains(errs, "create spill file in "+missing) || !strings.Contains(errs, "it is TMPDIR; set TMPDIR to a directory that exists") {
			t.Errorf("check %v: exit %d, %s", args, code, errs)
		}
	}
	if _, err := os.Stat(storeDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a check that could not start left --store-dir %s behind (%v)", storeDir, err)
	}
	out := filepath.Join(t.TempDir(), "results")
	code, _, errs = runCmd("bench", "--family", "prodcons", "--from", "1", "--to", "1", "--out", out)
	if code != exitFailure || !strings.Contains(errs, "(TMPDIR "+missing+")") {
		t.Errorf("bench: exit %d, %s", code, errs)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("bench left %s behind (%v)", out, err)
	}
}

// TestFaultOpenFileLimit: under a small limit on open files the badger
// store is refused with a hint (exit 3), never badger's log.Fatal (exit
// status 1, "a violation was found", and one terse line: at ulimit -n 12
// before the check); the memory store runs. Nothing is left in TMPDIR.
// At 8 to 10, and with a file inherited open above the limit (a shell's
// 255), the refusal came from badger, raw (a tester): the room counted the
// inherited file as taking a number below the limit, went negative and
// was read as unknown.
func TestFaultOpenFileLimit(t *testing.T) {
	bin := mcheckBinary(t)
	high, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer high.Close()
	for _, n := range []int{8, 9, 10, 12, 20} {
		for _, st := range []string{"badger", "memory"} {
			tmp := t.TempDir()
			what := fmt.Sprintf("ulimit -n %d, a file open at 250, --store %s", n, st)
			cmd := exec.Command("sh", "-c", fmt.Sprintf("ulimit -n %d && exec \"$0\" \"$@\"", n), bin,
				"check", "--progress", "off", "--strategy", "stop-the-world", "--store", st, "../../models/code-only.dsu")
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			// File 250 (3 + 247) open in the child, the ones between closed.
			cmd.ExtraFiles = make([]*os.File, 248)
			cmd.ExtraFiles[247] = high
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.Run()
			o := outcome{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
			noPanic(t, o.stdout, o.stderr)
			if st == "memory" {
				expect(t, what, o, exitOK)
			} else {
				expect(t, what, o, exitFailure, "ulimit -n", "--store memory")
			}
			expectEmpty(t, what, tmp)
		}
	}
	// With --store-dir too: at 8 the directory could not even be locked,
	// which read "store directory is not writable" (a tester).
	for _, n := range []int{8, 9} {
		dir := filepath.Join(t.TempDir(), "store")
		cmd := exec.Command("sh", "-c", fmt.Sprintf("ulimit -n %d && exec \"$0\" \"$@\"", n), bin,
			"check", "--progress", "off", "--strategy", "stop-the-world", "--store", "badger", "--store-dir", dir, "../../models/code-only.dsu")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		cmd.Run()
		o := outcome{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
		what := fmt.Sprintf("ulimit -n %d, --store-dir", n)
		noPanic(t, o.stdout, o.stderr)
		expect(t, what, o, exitFailure, "ulimit -n", "--store memory")
		if strings.Contains(o.stderr, "not writable") {
			t.Errorf("%s: said to be unwritable:\n%s", what, o.stderr)
		}
	}
}

// TestFaultAddressSpaceLimit: under an address-space limit below 2 GiB
// mcheck warns that the Go runtime may end it with a trace (it cannot do
// better: the runtime fails to start threads); at 3 GiB a check runs with
// no warning, its default budget within a quarter of the limit.
func TestFaultAddressSpaceLimit(t *testing.T) {
	bin := mcheckBinary(t)
	run := func(kb int, args ...string) outcome {
		cmd := exec.Command("sh", append([]string{"-c", fmt.Sprintf("ulimit -v %d && exec \"$0\" \"$@\"", kb), bin}, args...)...)
		// Few threads, as on the 2-core machine this was measured on: each
		// of the runtime's threads reserves address space.
		cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir(), "GOMAXPROCS=2")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		cmd.Run()
		return outcome{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	}
	o := run(1900000, "gen", "--list")
	expect(t, "ulimit -v 1900000, gen --list", o, exitOK, "warning: the address-space limit (ulimit -v) is 1.8 GiB", "raise the limit")
	o = run(3000000, "check", "--progress", "off", "--workers", "2", "--strategy", "stop-the-world", "../../models/code-only.dsu")
	noPanic(t, o.stdout, o.stderr)
	expect(t, "ulimit -v 3000000, check", o, exitOK)
	if strings.Contains(o.stderr, "warning") {
		t.Errorf("a warning at 3 GiB: %s", o.stderr)
	}
	// Bit arrays of members at once past half of the limit are refused
	// before any starts (a tester: 8 of 1 GiB under 5.7 GiB ended in the
	// runtime's pthread_create failure and a trace).
	o = run(6000000, "swarm", "--bits", "33", "--workers", "8", "--swarm", "8", "--max-states", "1000", "--strategy", "stop-the-world", "../../models/code-only.dsu")
	noPanic(t, o.stdout, o.stderr)
	expect(t, "ulimit -v 6000000, swarm --bits 33 --workers 8", o, exitFailure, "--bits 33 with 8 members at once needs 8.0 GiB", "more than half of the address-space limit (ulimit -v: 5.7 GiB)", "fewer --workers")
	// With --json, the swarm that failed has its line, search "failed",
	// and the runs after it are named, as check does (a tester: stdout was
	// empty, and the runs not started were said to be the check's).
	o = run(6000000, "swarm", "--json", "--bits", "33", "--workers", "8", "--swarm", "8", "--max-states", "1000", "--strategy", "stop-the-world,max+1", "../../models/code-only.dsu")
	noPanic(t, o.stdout, o.stderr)
	expect(t, "ulimit -v 6000000, swarm --json --bits 33 --workers 8", o, exitFailure, "not run (the failure stopped the swarm before they started): refactor/max+1")
	for _, w := range []string{`"strategy":"stop-the-world","verdict":"unknown","exhaustive":false,"search":"failed"`, `"error":"--bits 33 with 8 members at once needs 8.0 GiB`} {
		if !strings.Contains(o.stdout, w) {
			t.Errorf("swarm --json --bits 33: stdout lacks %q:\n%s", w, o.stdout)
		}
	}
	// A budget, or a bit array, larger than what the limit leaves once
	// mcheck has started (about 1.7 GiB reserved): refused (a tester: a
	// budget of 2 GiB under 2.5 GiB ran badger down to 320 KiB of address
	// space; --bits 32 under 2.1 GB, within half of the limit, stopped at
	// the first step or ended in a Go trace).
	o = run(2621440, "check", "--progress", "off", "--mem-budget", "2GiB", "--strategy", "stop-the-world", "../../models/code-only.dsu")
	noPanic(t, o.stdout, o.stderr)
	expect(t, "ulimit -v 2621440, --mem-budget 2GiB", o, exitUsage, "--mem-budget 2GiB is more than the address-space limit (ulimit -v: 2.5 GiB) leaves", "take a smaller budget, or raise the limit")
	o = run(2200000, "check", "--progress", "off", "--store", "bitstate", "--bits", "32", "--strategy", "stop-the-world", "../../models/code-only.dsu")
	noPanic(t, o.stdout, o.stderr)
	expect(t, "ulimit -v 2200000, --bits 32", o, exitFailure, "--bits 32 needs 512 MiB for its bit array, more than the address-space limit (ulimit -v: 2.1 GiB) leaves", "take a smaller --bits, or raise the limit")
}

// TestFaultBenchInterrupted: an interrupted sweep exits 3 and names the runs
// it stopped or did not start, as the other commands do (found by a
// tester: only the CSV said which had run).
func TestFaultBenchInterrupted(t *testing.T) {
	dir := t.TempDir()
	c := startMcheck(t, dir, "bench", "--family", "prodcons", "--from", "3", "--to", "4", "--reduce", "none", "--out", filepath.Join(dir, "out"))
	time.Sleep(2 * time.Second) // into the sweep; prodcons 4 takes minutes a run
	c.signal(syscall.SIGINT)
	o := c.wait(t, time.Minute)
	expect(t, "bench interrupted", o, exitFailure, "not run (interrupted before they finished): ", "prodcons 4 max+1")
}

// TestFaultFmtFileNotWritable: fmt -w replaces a file by renaming a new
// one over it, which the directory's permission allows; a file the user
// may not write is left as it is, exit 3 (a tester: as nobody, in a
// directory anyone may write, fmt -w replaced root's 0644 file and took
// it over). Run as nobody: Linux, as root (CI runs as root).
func TestFaultFmtFileNotWritable(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("runs mcheck as nobody: Linux, as root (CI runs as root)")
	}
	bin := mcheckBinary(t)
	dir := t.TempDir()
	// The binary and the directory, where nobody may reach them (the
	// test's own directories opened; TMPDIR itself is left as it is).
	if st, err := os.Stat(os.TempDir()); err != nil || st.Mode().Perm()&0o001 == 0 {
		t.Skip("TMPDIR is closed to other users")
	}
	for d := dir; d != os.TempDir() && d != filepath.Dir(d); d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && st.Mode().Perm()&0o005 != 0o005 {
			if err := os.Chmod(d, st.Mode().Perm()|0o005); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "mcheck")
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "m.dsu")
	src := []byte("protocol P = a -> b: <int>\nthread T {   main ()   }\n") // not in normal form
	if err := os.WriteFile(model, src, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string) {
		cmd := exec.Command(exe, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var errs bytes.Buffer
		cmd.Stderr = &errs
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, errs.String()
		case errors.As(err, &ee):
			return ee.ExitCode(), errs.String()
		}
		t.Fatalf("running as nobody: %v", err)
		return 0, ""
	}
	code, errs := run("fmt", "-w", model)
	if code != exitFailure || !strings.Contains(errs, "cannot write "+model+": permission denied") || strings.Contains(errs, "goroutine ") {
		t.Errorf("fmt -w of root's 0644 file as nobody: exit %d, stderr %q; want 3 and permission denied", code, errs)
	}
	if got, _ := os.ReadFile(model); !bytes.Equal(got, src) {
		t.Errorf("the file was rewritten:\n%s", got)
	}
	if st, err := os.Stat(model); err != nil || st.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Errorf("the file changed hands: %v", err)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, ".*")); len(names) != 0 {
		t.Errorf("left behind: %v", names)
	}
	// A file nobody may write, it rewrites.
	if err := os.Chown(model, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if code, errs := run("fmt", "-w", model); code != exitOK {
		t.Errorf("fmt -w of nobody's own file: exit %d, %s", code, errs)
	}
	if got, _ := os.ReadFile(model); bytes.Equal(got, src) {
		t.Errorf("nobody's own file was not rewritten")
	}
}
