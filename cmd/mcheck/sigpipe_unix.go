//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// keepBrokenPipes makes a write to a pipe whose reader has gone (mcheck
// check M | head -1) fail with EPIPE instead of killing the process with
// SIGPIPE: the run then ends as for any output that cannot be written,
// "mcheck: cannot write the output: broken pipe", exit 3, and what goes
// elsewhere (a --json report to a file, --html) is still written.
// (Without a handler, Go dies of SIGPIPE on a write to standard output or
// error, status 141, silently; with one, the write returns the error.)
func keepBrokenPipes() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}
