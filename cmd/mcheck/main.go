// Command mcheck is a model checker for update-coordination safety: it
// explores every interleaving of a .dsu model under a system update and
// reports whether the update can break communication.
//
// This package only wires flags to calls: each subcommand lives in its own
// file and registers itself in commands.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/syntax"
)

// Exit statuses (docs/language.md §7).
const (
	exitOK        = 0 // no violation
	exitViolation = 1 // a violation was found
	exitUsage     = 2 // bad input or usage
	exitFailure   = 3 // resource or internal failure
	exitBounded   = 4 // no violation within the bounds, but the search was cut: nothing proved
)

// A command is one subcommand: `mcheck NAME ...`.
type command struct {
	name    string
	summary string // one line for the top-level usage
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) (status int) {
	defer func() {
		// A panic is a bug in mcheck, never the user's fault: say so plainly,
		// without a Go stack trace, and exit with the internal-failure status.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "mcheck: internal error: %v\n(please report this with the model that caused it)\n", r)
			status = exitFailure
		}
	}()
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "--version", "version":
		fmt.Fprintln(stdout, versionText())
		return exitOK
	case "-h", "--help", "help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run([]string{"--help"}, stdout, stderr)
			}
		}
		usage(stdout)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "mcheck: unknown command %q\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: mcheck COMMAND [flags] ...")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'mcheck COMMAND --help' for a command's flags.")
	fmt.Fprintln(w, "Exit status: 0 no violation (exhaustive), 1 violation found, 2 bad input or usage, 3 resource or internal failure, 4 no violation within the bounds (not exhaustive).")
}

// maxModelBytes bounds the size of a model file mcheck will read.
const maxModelBytes = 16 << 20

// readModelFile reads a model file, turning every failure into a message a
// person can act on.
func readModelFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read model: %v", path, unwrapPathErr(err))
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a model file", path)
	}
	if st.Size() > maxModelBytes {
		return nil, fmt.Errorf("%s: model file is %d bytes; the limit is %d", path, st.Size(), maxModelBytes)
	}
	flag := os.O_RDONLY
	if !st.Mode().IsRegular() {
		// A pipe with no writer would block the open for ever: open it
		// non-blocking (reads still wait for a writer that has one).
		flag |= syscall.O_NONBLOCK
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read model: %v", path, unwrapPathErr(err))
	}
	defer f.Close()
	// The size from Stat says nothing for a device or a pipe (/dev/zero):
	// read at most one byte past the limit.
	b, err := io.ReadAll(io.LimitReader(f, maxModelBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read model: %v", path, unwrapPathErr(err))
	}
	if len(b) > maxModelBytes {
		return nil, fmt.Errorf("%s: model is larger than the limit of %d bytes", path, maxModelBytes)
	}
	return b, nil
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// reportModelErrors prints a model's errors, one per line as
// file:line:col: message, and how many there are.
func reportModelErrors(w io.Writer, err error) {
	fmt.Fprintln(w, err)
	if list, ok := err.(syntax.ErrorList); ok && len(list) > 1 {
		fmt.Fprintf(w, "%d errors\n", len(list))
	}
}

// parseFlags parses a command's flags. With --help it prints usage to
// stdout; with a bad flag it says so on stderr. done reports that the
// command should return status at once.
func parseFlags(cmd string, fs *pflag.FlagSet, args []string, usage func(io.Writer), stdout, stderr io.Writer) (status int, done bool) {
	fs.Usage = func() {} // printed here, to the right stream
	err := fs.Parse(args)
	switch {
	case err == nil:
		return exitOK, false
	case errors.Is(err, pflag.ErrHelp):
		usage(stdout)
		return exitOK, true
	}
	fmt.Fprintf(stderr, "mcheck %s: %v\nRun 'mcheck %s --help' for usage.\n", cmd, err, cmd)
	return exitUsage, true
}

// readModelArg reads the one model file a command takes as its argument.
func readModelArg(cmd string, args []string, stderr io.Writer) (path string, src []byte, ok bool) {
	path, ok = oneArg(cmd, args, stderr)
	if !ok {
		return "", nil, false
	}
	src, err := readModelFile(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return "", nil, false
	}
	return path, src, true
}

// oneArg checks that exactly one positional argument (the model) was given.
func oneArg(cmd string, args []string, stderr io.Writer) (string, bool) {
	if len(args) != 1 {
		fmt.Fprintf(stderr, "mcheck %s: expected one model file, got %d argument(s)%s\n", cmd, len(args), listArgs(args))
		return "", false
	}
	return args[0], true
}

func listArgs(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return ": " + strings.Join(args, " ")
}

// reportWarnings prints the model's warnings as file:line:col: warning: msg.
func reportWarnings(stderr io.Writer, m *model.Model) {
	for _, w := range m.Warnings {
		fmt.Fprintf(stderr, "%s:%d:%d: warning: %s\n", w.File, w.Pos.Line, w.Pos.Col, w.Msg)
	}
}

// versionText is mcheck's version: the module version it was built as
// ("(devel)" for a build from a checkout, with the VCS revision when known)
// and the Go version.
func versionText() string {
	v, rev := "(unknown)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " " + s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("mcheck %s%s (%s)", v, rev, runtime.Version())
}
