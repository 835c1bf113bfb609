package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"

	"github.com/mcheck/mcheck/store"
)

// Guards for the process as a whole, installed by main: the standard
// logger's fatal exits, and the limit on the address space.
//
// Badger and its cache end the process through the standard logger's
// Fatal on some failures they do not return (a directory they cannot list
// under a small ulimit -n, an assertion): exit status 1, which says a
// violation was found, after one terse line. Such a message ends mcheck
// here instead, with the status of a resource or internal failure and a
// line that says what ended the run; the logger's other messages pass
// through as they were.

// installFatalLog makes the standard logger write to w, and a fatal
// message exit with exitFailure.
func installFatalLog(w io.Writer) {
	log.SetOutput(fatalLog{w})
}

type fatalLog struct{ w io.Writer }

func (f fatalLog) Write(p []byte) (int, error) {
	if !fromFatal() {
		return f.w.Write(p)
	}
	fmt.Fprintf(f.w, "mcheck: the store failed and ended the run, with no results (exit status %d): %s\n", exitFailure, bytes.TrimSpace(p))
	os.Exit(exitFailure)
	return len(p), nil
}

// fromFatal reports whether the write comes from log's Fatal functions,
// which exit once it returns.
func fromFatal() bool {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		fr, more := frames.Next()
		switch fr.Function {
		case "log.Fatal", "log.Fatalf", "log.Fatalln", "log.(*Logger).Fatal", "log.(*Logger).Fatalf", "log.(*Logger).Fatalln":
			return true
		}
		if !more {
			return false
		}
	}
}

// minAddressSpace is the least address-space limit (ulimit -v) under which
// mcheck runs without a warning: below about 1.5 GiB the Go runtime fails
// to start threads or reserve its heap's metadata, and ends the process
// with a Go trace (found by a tester, with the memory store and a 64 MiB
// budget at 1 GB), and badger maps files of hundreds of MiB.
const minAddressSpace = 2 << 30

// warnAddressSpace says, on w, that the address-space limit is too small
// for mcheck to run reliably, if it is.
func warnAddressSpace(w io.Writer) {
	if as, ok := store.AddressSpaceLimit(); ok && as < minAddressSpace {
		fmt.Fprintf(w, "mcheck: warning: the address-space limit (ulimit -v) is %s; below %s the Go runtime may fail to start a thread or reserve memory, and end mcheck with a Go trace: raise the limit\n",
			bytesText(as), bytesText(minAddressSpace))
	}
}
