package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcheck/mcheck/store"
)

// TestMemoryRunningOut: the rule that stops a run before the kernel's
// out-of-memory killer ends it: little memory left where mcheck runs, and
// mcheck holding a good part of it; a small run on a full machine goes on.
func TestMemoryRunningOut(t *testing.T) {
	const g = int64(1) << 30
	for _, c := range []struct {
		m    store.MemoryState
		want string // "" : goes on
	}{
		{store.MemoryState{Limit: 16 * g, Available: g / 2, Resident: 12 * g}, "memory is nearly used up (the machine has 512.0 MiB of 16.0 GiB left, and mcheck holds 12.0 GiB)"},
		{store.MemoryState{Limit: 2 * g, Available: 64 << 20, Resident: g, Group: true}, "memory is nearly used up (its control group has 64.0 MiB of 2.0 GiB left, and mcheck holds 1.0 GiB)"},
		{store.MemoryState{Limit: 16 * g, Available: 2 * g, Resident: 12 * g}, ""}, // room left
		{store.MemoryState{Limit: 16 * g, Available: g / 2, Resident: 3 * g}, ""},  // others fill it
		{store.MemoryState{Limit: 16 * g, Available: 0, Resident: 100 << 20}, ""},  // ditto
		// Under ulimit -v: less than 64 MiB and a sixty-fourth of it left
		// (112 MiB of 3 GiB), from 2 GiB up.
		{store.MemoryState{Limit: 16 * g, Available: 8 * g, Resident: g, Space: 2*g + 930<<20, SpaceLimit: 3 * g}, "address space is nearly used up (mcheck has 94.0 MiB of its 3.0 GiB (ulimit -v) left)"},
		{store.MemoryState{Limit: 16 * g, Available: 8 * g, Resident: g, Space: 3*g + 10, SpaceLimit: 3 * g}, "address space is nearly used up (mcheck has 0 KiB of its 3.0 GiB (ulimit -v) left)"},
		{store.MemoryState{Limit: 16 * g, Available: 8 * g, Resident: g, Space: 2*g + 800<<20, SpaceLimit: 3 * g}, ""},   // 224 MiB left
		{store.MemoryState{Limit: 16 * g, Available: 8 * g, Resident: g, Space: 1800 << 20, SpaceLimit: 1900 << 20}, ""}, // below 2 GiB: the warning
		{store.MemoryState{Limit: 16 * g, Available: 8 * g, Resident: g, Space: 40 * g}, ""},                             // no limit
	} {
		l, out := memoryRunningOut(c.m)
		if out != (c.want != "") || l.why != c.want {
			t.Errorf("%+v: %q, %v; want %q", c.m, l.why, out, c.want)
		}
	}
	// What to do, in each command's flags (a tester: swarm was told to
	// use --max-depth, which it does not have).
	for _, c := range []struct {
		cmd   string
		space bool
		want  string
	}{
		{"check", false, "bound the search: --max-states, --max-depth"},
		{"points", true, "bound the search: --max-states, --max-depth; or raise the limit"},
		{"swarm", false, "bound the members: --max-states, --depth, or fewer --workers"},
		{"simulate", true, "bound the walks: --depth, --shrink-states; or raise the limit"},
	} {
		if got := (lowMemory{space: c.space}).fix(c.cmd); got != c.want {
			t.Errorf("%s: %q, want %q", c.cmd, got, c.want)
		}
	}
}

// TestMemoryRunningOutStopsCheck: memory running out stops a check as a
// signal does: the statistics so far, nothing proved, exit 3, and a line
// that says why.
func TestMemoryRunningOutStopsCheck(t *testing.T) {
	read, poll := readMemoryState, memoryPoll
	defer func() { readMemoryState, memoryPoll = read, poll }()
	const g = int64(1) << 30
	readMemoryState = func() (store.MemoryState, bool) {
		return store.MemoryState{Limit: 16 * g, Available: g / 2, Resident: 12 * g}, true
	}
	memoryPoll = time.Millisecond
	model := filepath.Join(t.TempDir(), "pc3.dsu")
	if code, _, errs := runCmd("gen", "--family", "prodcons", "--param", "3", "-o", model); code != exitOK {
		t.Fatal(errs)
	}
	code, out, errs := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "max+1,stop-the-world", model)
	noPanic(t, out, errs)
	// The run never started is named (found by a tester: left out
	// without a word).
	if !strings.Contains(out, "not run (interrupted before they started): shrink/stop-the-world\n") {
		t.Errorf("the run not started is not named:\n%s", out)
	}
	if code != exitFailure || !strings.Contains(errs, "mcheck check: memory is nearly used up (the machine has 512.0 MiB of 16.0 GiB left, and mcheck holds 12.0 GiB): stopping after the current step") ||
		!strings.Contains(errs, "mcheck check: interrupted after ") {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(model); err != nil {
		t.Fatal(err)
	}
	// With --json, on stderr (found by a tester: it was not said at all).
	_, _, errs = runCmd("check", "--progress", "off", "--store", "memory", "--json", "--strategy", "max+1,stop-the-world", model)
	if !strings.Contains(errs, "mcheck check: not run (interrupted before they started): shrink/stop-the-world\n") {
		t.Errorf("--json: the run not started is not named:\n%s", errs)
	}
	// And by points (a tester).
	_, out, errs = runCmd("points", "--store", "memory", "--strategy", "max+1,stop-the-world", model)
	if !strings.Contains(out, "not run (interrupted before they started): shrink/stop-the-world\n") {
		t.Errorf("points: the run not started is not named:\n%s%s", out, errs)
	}
	// The address space under ulimit -v, the same way.
	readMemoryState = func() (store.MemoryState, bool) {
		return store.MemoryState{Limit: 16 * g, Available: 8 * g, Resident: g, Space: 3*g - 10<<20, SpaceLimit: 3 * g}, true
	}
	code, out, errs = runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "max+1", model)
	noPanic(t, out, errs)
	if code != exitFailure || !strings.Contains(errs, "mcheck check: address space is nearly used up (mcheck has 10.0 MiB of its 3.0 GiB (ulimit -v) left): stopping after the current step, with the statistics so far, before the Go runtime fails to reserve memory and ends mcheck with a trace and they are lost") ||
		!strings.Contains(errs, "mcheck check: interrupted after ") {
		t.Errorf("ulimit -v: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestNotRunAfterFailure: a failure that stops the check names the runs it
// kept from starting, as an interruption does (found by a tester: a store
// that failed in the first run left the others unsaid); with --json on
// stderr.
func TestNotRunAfterFailure(t *testing.T) {
	file := writeFile(t, t.TempDir(), "file", []byte("x"))
	const want = "not run (the failure stopped the check before they started): toB/stop-the-world, toB/max+1\n"
	code, out, errs := runCmd("check", "--progress", "off", "--store-dir", file, "../../models/mathserver.dsu")
	if code != exitFailure || !strings.Contains(out, want) {
		t.Errorf("exit %d, want 3 and %q:\n%s%s", code, want, out, errs)
	}
	code, out, errs = runCmd("check", "--progress", "off", "--json", "--store-dir", file, "../../models/mathserver.dsu")
	if code != exitFailure || !strings.Contains(errs, "mcheck check: "+want) || strings.Contains(out, "not run") {
		t.Errorf("--json: exit %d, want 3 and %q on stderr:\n%s%s", code, want, out, errs)
	}
}

// TestEarlySignal: a SIGTERM that comes after main starts but before the
// command calls interruptible is kept, and interruptible stops at once
// (found by a tester: such a signal killed mcheck with nothing printed).
func TestEarlySignal(t *testing.T) {
	catchEarlySignals([]string{"fmt"})
	if earlySigs != nil {
		t.Fatal("fmt keeps the default handling, but signals are caught")
	}
	catchEarlySignals([]string{"check", "m.dsu"})
	if earlySigs == nil {
		t.Fatal("check's signals are not caught early")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer // (written before the cancel that ctx.Done waits for)
	ctx, stop := interruptible("check", &errb)
	defer stop()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the early SIGTERM did not stop the command")
	}
	if !strings.Contains(errb.String(), "mcheck check: SIGTERM: stopping after the current step") {
		t.Errorf("stderr %q", errb.String())
	}
}
