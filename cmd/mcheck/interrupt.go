package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/mcheck/mcheck/store"
)

// interruptible returns a context that the first of stopSignals (SIGINT,
// SIGTERM, SIGHUP) cancels: the command then stops at its next quiescent point, cleans up
// (a temporary store is removed, a --store-dir closed) and prints the
// statistics so far. It says so at once on stderr, since finishing the
// step in progress and closing the store can take a while. A second
// signal ends mcheck at once with exit status 3 (exitFailure), without
// cleaning up: a temporary store left in TMPDIR is removed by the next
// run, a --store-dir is left as a killed run leaves it (spill files are
// unlinked once open, so none is left). stop releases the signals.
// Commands call it before they load the model, so that a signal while a
// large model loads is an interruption too (found by a tester: mcheck
// died by the signal).
//
// Memory running out stops the command the same way (watchMemory): the
// kernel's out-of-memory killer would end it with nothing printed.
func interruptible(cmd string, stderr io.Writer) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	if earlySigs != nil {
		sigs, earlySigs = earlySigs, nil // with what came before
	}
	signal.Notify(sigs, stopSignals()...)
	done := make(chan struct{})
	low := make(chan lowMemory, 1)
	go watchMemory(readMemoryState, memoryPoll, low, done)
	// On a terminal, the notice clears the progress bar's line first
	// (found by a tester: it was written onto the bar).
	clear := ""
	if isTerminal(stderr) {
		clear = "\r\x1b[K"
	}
	go func() {
		var first os.Signal
		var at time.Time
		select {
		case s := <-sigs:
			first, at = s, time.Now()
			fmt.Fprintf(stderr, clear+"mcheck %s: %s: stopping after the current step, with the statistics so far (send it again to stop at once, without cleaning up)\n", cmd, signalName(s))
			cancel()
		case low := <-low:
			fmt.Fprintf(stderr, clear+"mcheck %s: %s: stopping after the current step, with the statistics so far, before %s and they are lost (%s)\n", cmd, low.why, low.ender, low.fix(cmd))
			cancel()
		case <-done:
			return
		}
		for {
			select {
			case s := <-sigs:
				if s == first && time.Since(at) < sameSignal {
					continue // the first one again (see sameSignal)
				}
				fmt.Fprintf(stderr, "mcheck %s: second %s: stopped at once, without cleaning up (the next run removes a temporary store left behind)\n", cmd, signalName(s))
				os.Exit(exitFailure)
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
			cancel()
		})
	}
}

// sameSignal is how soon after the first a signal of the same kind is taken
// as the same one, not a second: GNU timeout sends its signal twice, to
// mcheck and to its process group (found by a tester: under load mcheck
// heard both, and stopped at once, without cleaning up). A person who
// sends it again means it later than that.
const sameSignal = 250 * time.Millisecond

// earlySigs, set by catchEarlySignals, holds the signals that came before
// the command called interruptible.
var earlySigs chan os.Signal

// catchEarlySignals starts, first thing in main, catching stopSignals
// for a command that calls interruptible (command.signals): one
// that came while flags were parsed killed mcheck by the
// signal, with nothing printed (found by a tester, 0.05–0.2 s after the
// start on a loaded machine); now interruptible stops at once with the
// statistics (none yet) and exit 3. Other commands keep the default.
// The Go runtime and the packages' initialisation come before main: a
// signal in those first milliseconds still kills mcheck.
func catchEarlySignals(args []string) {
	if len(args) == 0 || commands[args[0]] == nil || !commands[args[0]].signals {
		return
	}
	earlySigs = make(chan os.Signal, 2)
	signal.Notify(earlySigs, stopSignals()...)
}

// stopSignals are the signals that stop a command with the statistics so
// far: SIGINT, SIGTERM, and SIGHUP (a closed terminal, a dropped ssh
// session: it ended mcheck with nothing printed and a temporary store
// left; a tester) unless mcheck started with it ignored (nohup), which it
// then keeps ignoring. Decided at the first call, before any is caught.
var stopSignals = sync.OnceValue(func() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
})

// signalName names SIGINT, SIGTERM and SIGHUP as a user sends them.
func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return s.String()
}

// readMemoryState reads the memory state (tests replace it).
var readMemoryState = store.ReadMemoryState

// memoryPoll is how often watchMemory looks (tests shorten it).
var memoryPoll = 250 * time.Millisecond

// watchMemory looks at the memory state every poll until done, and sends
// on low, once, why memory is running out (memoryRunningOut), if it does.
// A search's memory grows by a table's doubling at a time: the margin is a
// sixteenth of the memory, not the last few pages. Where the state cannot
// be read it gives up.
func watchMemory(read func() (store.MemoryState, bool), poll time.Duration, low chan<- lowMemory, done <-chan struct{}) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		m, ok := read()
		if !ok {
			return
		}
		if l, out := memoryRunningOut(m); out {
			low <- l
			return
		}
	}
}

// lowMemory is why memory is running out, and what would end mcheck if
// it went on; space: the address-space limit's.
type lowMemory struct {
	why, ender string
	space      bool
}

// fix is what to do about it, in cmd's flags (found by a tester: swarm,
// whose runs are bounded by --depth, was told to use --max-depth).
func (l lowMemory) fix(cmd string) string {
	bound := "bound the search: --max-states, --max-depth"
	switch cmd {
	case "swarm":
		bound = "bound the members: --max-states, --depth, or fewer --workers"
	case "simulate":
		bound = "bound the walks: --depth, --shrink-states"
	}
	if l.space {
		bound += "; or raise the limit"
	}
	return bound
}

// memoryRunningOut reports whether the memory where mcheck runs is nearly
// used up (less than a sixteenth of it available) while mcheck holds a
// good part of it (more than a quarter, the default --mem-budget): SPIN's
// -DMEMLIM stop, with the limit the system's. A small run on a machine
// that other processes fill is left alone: it is not what fills it.
//
// Under an address-space limit (ulimit -v) of minAddressSpace or more,
// when less than store.SpaceMargin of it is left: past the limit the Go runtime
// cannot reserve memory for its heap and ends mcheck with a trace and no
// statistics (a tester: the memory store at 2.1 GB, prodcons K=4). The
// process reserves about 1.7 GiB before it stores anything (the runtime's
// reservations, the C library's arenas), all of it its own. Below
// minAddressSpace that alone can leave less than the margin, and mcheck
// warns at its start instead (warnAddressSpace): small runs still fit
// there.
func memoryRunningOut(m store.MemoryState) (lowMemory, bool) {
	if m.SpaceLimit >= minAddressSpace && m.SpaceLimit-m.Space < store.SpaceMargin(m.SpaceLimit) {
		return lowMemory{
			why: fmt.Sprintf("address space is nearly used up (mcheck has %s of its %s (ulimit -v) left)",
				store.SizeString(max(m.SpaceLimit-m.Space, 0)), store.SizeString(m.SpaceLimit)),
			ender: "the Go runtime fails to reserve memory and ends mcheck with a trace",
			space: true,
		}, true
	}
	if m.Limit <= 0 || m.Available >= m.Limit/16 || m.Resident <= m.Limit/4 {
		return lowMemory{}, false
	}
	where := "the machine"
	if m.Group {
		where = "its control group"
	}
	return lowMemory{
		why: fmt.Sprintf("memory is nearly used up (%s has %s of %s left, and mcheck holds %s)",
			where, store.SizeString(m.Available), store.SizeString(m.Limit), store.SizeString(m.Resident)),
		ender: "the system's out-of-memory killer ends mcheck",
	}, true
}
