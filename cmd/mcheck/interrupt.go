package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// interruptible returns a context that the first SIGINT or SIGTERM
// cancels: the command then stops at its next quiescent point, cleans up
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
func interruptible(cmd string, stderr io.Writer) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			fmt.Fprintf(stderr, "mcheck %s: %s: stopping after the current step, with the statistics so far (send it again to stop at once, without cleaning up)\n", cmd, signalName(s))
			cancel()
		case <-done:
			return
		}
		select {
		case s := <-sigs:
			fmt.Fprintf(stderr, "mcheck %s: second %s: stopped at once, without cleaning up (the next run removes a temporary store left behind)\n", cmd, signalName(s))
			os.Exit(exitFailure)
		case <-done:
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

// signalName names SIGINT and SIGTERM as a user sends them.
func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}
