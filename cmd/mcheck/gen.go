package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/mcheck/mcheck/benches/family"
)

func init() {
	register(&command{name: "gen", summary: "generate a member of a scalable model family (for benchmarks)", run: runGen})
}

func runGen(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("gen", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var (
		name  string
		param int
		out   string
		list  bool
	)
	fs.StringVar(&name, "family", "", "the model family: "+familyList())
	fs.IntVar(&param, "param", 0, "the family's size parameter (see --list for each family's range)")
	fs.StringVarP(&out, "output", "o", "", "write the model to this file (atomically) instead of standard output")
	fs.BoolVar(&list, "list", false, "list the families, their parameters and ranges")
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: mcheck gen --family NAME --param K [-o FILE]")
		fmt.Fprintln(w, "\nPrints the model of family NAME for size K: a .dsu file whose header comment")
		fmt.Fprintln(w, "says what it models and the verdict each strategy should give.")
		fmt.Fprintln(w, "\nfamilies:")
		writeFamilies(w)
		fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
		fmt.Fprintln(w, "\nExit status: 0 written, 2 bad usage, 3 the output could not be written.")
	}
	if status, done := parseFlags("gen", fs, args, usage, stdout, stderr); done {
		return status
	}
	if fs.NArg() > 0 {
		// (with --list too: found by a tester, they were ignored)
		fmt.Fprintf(stderr, "mcheck gen: unexpected argument(s)%s\nRun 'mcheck gen --help' for usage.\n", listArgs(fs.Args()))
		return exitUsage
	}
	if list {
		// --list writes no model: --param and -o with it were ignored
		// without a word (a tester).
		for _, f := range []string{"param", "output"} {
			if fs.Changed(f) {
				fmt.Fprintf(stderr, "mcheck gen: --list lists the families and writes no model: --%s does not go with it\nRun 'mcheck gen --help' for usage.\n", f)
				return exitUsage
			}
		}
		// With --family, that family alone (found by a tester: every
		// family was listed).
		if name != "" {
			f, err := family.Lookup(name)
			if err != nil {
				fmt.Fprintf(stderr, "mcheck gen: %v\n", err)
				return exitUsage
			}
			writeFamily(stdout, name, f)
			return exitOK
		}
		writeFamilies(stdout)
		return exitOK
	}
	if name == "" || !fs.Changed("param") {
		fmt.Fprintf(stderr, "mcheck gen: --family and --param are required (families: %s)\nRun 'mcheck gen --help' for usage.\n", familyList())
		return exitUsage
	}
	src, err := family.Generate(name, param)
	if err != nil {
		fmt.Fprintf(stderr, "mcheck gen: %v\n", err)
		return exitUsage
	}
	if out == "" {
		if _, err := stdout.Write(src); err != nil {
			if outputLost(stdout) == nil { // (main says it for standard output)
				fmt.Fprintf(stderr, "mcheck gen: %v\n", err)
			}
			return exitFailure
		}
		return exitOK
	}
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		// (found by a tester: the rename failed, "file exists", exit 3)
		fmt.Fprintf(stderr, "mcheck gen: -o %s is a directory; give a file name, e.g. %s\n", out, filepath.Join(out, fmt.Sprintf("%s-%d.dsu", name, param)))
		return exitUsage
	}
	if err := deviceWritable(out); err != nil {
		// (found by a tester: /dev/tty without a terminal, exit 3)
		fmt.Fprintf(stderr, "mcheck gen: -o %s: %v\n", out, err)
		return exitUsage
	}
	// A named pipe is waited for until a reader opens it: a SIGINT or
	// SIGTERM ends the wait, exit 3, as check --html's (found by a tester:
	// gen died by the signal, with nothing printed).
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals()...)
	defer stop()
	if err := writeOutputFile(ctx, out, src); err != nil {
		fmt.Fprintf(stderr, "mcheck gen: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func familyList() string {
	s := ""
	for i, n := range family.Names() {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

func writeFamilies(w io.Writer) {
	for _, n := range family.Names() {
		f, _ := family.Lookup(n)
		writeFamily(w, n, f)
	}
}

func writeFamily(w io.Writer, n string, f *family.Family) {
	fmt.Fprintf(w, "  %-9s %s\n  %-9s parameter: %s, %d..%d\n", n, f.Description, "", f.Param, f.Min, f.Max)
}
