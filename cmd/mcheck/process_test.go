package main

import (
	"bytes"
	"errors"
	"log"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestFatalLogExitsAsFailure: a log.Fatal in a library (badger's y.Check
// on a directory it cannot list, with a small ulimit -n) ends mcheck with
// exit status 3 and a line saying so, not log's 1 (a violation found);
// the logger's other messages pass through.
func TestFatalLogExitsAsFailure(t *testing.T) {
	switch os.Getenv("MCHECK_FATALLOG_TEST") {
	case "fatal":
		installFatalLog(os.Stderr)
		log.Print("a message that passes")
		log.Fatalf(" err: open /tmp/store: too many open files")
		return
	case "":
	default:
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestFatalLogExitsAsFailure$")
	cmd.Env = append(os.Environ(), "MCHECK_FATALLOG_TEST=fatal")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
		t.Fatalf("exit: %v, want status %d; stderr:\n%s", err, exitFailure, stderr.String())
	}
	for _, want := range []string{"a message that passes", "mcheck: the store failed and ended the run", "too many open files"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}
