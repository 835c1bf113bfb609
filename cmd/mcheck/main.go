// Command mcheck is a model checker for update-coordination safety: it
// explores every interleaving of a .dsu model under a system update and
// reports whether the update can break communication.
//
// This package only wires flags to calls: each subcommand lives in its own
// file and registers itself in commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/syntax"
	"github.com/mcheck/mcheck/properties"
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
	// signals: the command stops on SIGINT, SIGTERM and SIGHUP (interruptible),
	// and catchEarlySignals catches them from main's start.
	signals bool
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

func main() {
	catchEarlySignals(os.Args[1:])
	keepBrokenPipes()
	installFatalLog(os.Stderr)
	warnAddressSpace(os.Stderr)
	out := &checkedWriter{w: os.Stdout}
	status := run(os.Args[1:], out, os.Stderr)
	if out.err != nil {
		// A report lost to a full disk (mcheck check M > report.txt) must
		// not pass for one written: the exit status says so.
		fmt.Fprintf(os.Stderr, "mcheck: cannot write the output: %v\n", unwrapPathErr(out.err))
		status = exitFailure
	}
	os.Exit(status)
}

// checkedWriter remembers the first error of the writes to w (standard
// output) and skips the writes after it.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.err = err
	return n, err
}

// outputLost reports the error that lost the standard output (a closed
// pipe, a full disk), if w is it and one did: a command that writes as it
// goes stops there, as no one reads what follows (main says why, exit 3).
func outputLost(w io.Writer) error {
	if c, ok := w.(*checkedWriter); ok {
		return c.err
	}
	return nil
}

// requiredFlag annotates a flag a command cannot do without (markRequired).
const requiredFlag = "mcheck-required"

// markRequired marks fs's flags names as required, for parseFlags' word on
// an empty value.
func markRequired(fs *pflag.FlagSet, names ...string) {
	for _, n := range names {
		fs.SetAnnotation(n, requiredFlag, []string{"true"})
	}
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
		if len(args) == 2 && (args[1] == "--help" || args[1] == "-h") {
			// (found by a tester: every other command took --help)
			fmt.Fprintln(stdout, "usage: mcheck version (or mcheck --version)\n\nPrints mcheck's version: its module version, the commit it was built from when known, and the Go release.\n\nExit status: 0 printed, 2 bad usage, 3 the output could not be written.")
			return exitOK
		}
		if len(args) > 1 {
			// (found by a tester: `mcheck version --json` printed the text)
			fmt.Fprintf(stderr, "mcheck %s: unexpected argument(s): %s\n", strings.TrimPrefix(args[0], "--"), strings.Join(args[1:], " "))
			return exitUsage
		}
		fmt.Fprintln(stdout, versionText())
		return exitOK
	case "-h", "--help", "help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run([]string{"--help"}, stdout, stderr)
			}
			if args[1] == "version" || args[1] == "--version" {
				return run([]string{"version", "--help"}, stdout, stderr)
			}
			// (found by a tester: help of an unknown command printed the
			// usage, exit 0)
			return unknownCommand(args[1], stderr)
		}
		usage(stdout)
		return exitOK
	}
	if _, ok := commands[args[0]]; !ok {
		return unknownCommand(args[0], stderr)
	}
	return commands[args[0]].run(args[1:], stdout, stderr)
}

// unknownCommand says name is no command, with the nearest one, and the
// usage: exit 2.
func unknownCommand(name string, stderr io.Writer) int {
	hint := "" // (a tester: chek named nothing)
	if n := model.Nearest(name, slices.Sorted(maps.Keys(commands))); n != "" {
		hint = " (did you mean " + n + "?)"
	}
	fmt.Fprintf(stderr, "mcheck: unknown command %q%s\n", name, hint)
	usage(stderr)
	return exitUsage
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
	fmt.Fprintln(w, "\nRun 'mcheck COMMAND --help' (or 'mcheck help COMMAND') for a command's flags, 'mcheck --version' (or 'mcheck version') for the version.")
	fmt.Fprintln(w, "Exit status: 0 no violation (exhaustive), 1 violation found, 2 bad input or usage, 3 resource or internal failure, interrupted, or the output could not be written, 4 no violation within the bounds (not exhaustive).")
}

// maxModelBytes bounds the size of a model file mcheck will read.
const maxModelBytes = 16 << 20

// readModelFile reads a model file, turning every failure into a message a
// person can act on.
func readModelFile(path string) ([]byte, error) {
	return readFileLimited(path, "model", maxModelBytes)
}

// errReadInterrupted: the run was stopped (ctx) while its model was still
// being read, an exit 3.
var errReadInterrupted = errors.New("interrupted while the model was being read (its writer had not closed the pipe)")

// readModelFileCtx is readModelFile that ends when ctx does: a read from
// a named pipe waits for its writer to close it, and a signal then was
// acknowledged and not acted on, the run ending in exit 2 on what had
// been read (found by a tester).
func readModelFileCtx(ctx context.Context, path string) ([]byte, error) {
	if st, err := os.Stat(path); err != nil || st.Mode().IsRegular() {
		// A regular file's read ends: a signal meanwhile is heard after
		// it, with the statistics (none yet).
		return readModelFile(path)
	}
	type read struct {
		src []byte
		err error
	}
	done := make(chan read, 1)
	go func() {
		src, err := readModelFile(path)
		done <- read{src, err}
	}()
	select {
	case r := <-done:
		return r.src, r.err
	case <-ctx.Done():
		select {
		case r := <-done: // read in full as the signal came
			return r.src, r.err
		default:
		}
		return nil, fmt.Errorf("%s: %w", path, errReadInterrupted)
	}
}

// readFileLimited reads a file of at most limit bytes, whatever it is: a
// regular file, a device (/dev/zero) or a named pipe (one with no writer
// reads as empty rather than blocking). what names the file in messages.
func readFileLimited(path, what string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		if path == "-" && errors.Is(err, fs.ErrNotExist) {
			// (a tester: "check - < m.dsu" said no such file, no more)
			return nil, fmt.Errorf("-: cannot read %s: no such file (only mcheck fmt reads standard input, for a model; save it to a file)", what)
		}
		return nil, fmt.Errorf("%s: cannot read %s: %w", path, what, unwrapPathErr(err))
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a %s file", path, what)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %s file is %d bytes; the limit is %d", path, what, st.Size(), limit)
	}
	flag := os.O_RDONLY
	if !st.Mode().IsRegular() {
		// A pipe with no writer would block the open for ever: open it
		// non-blocking (reads still wait for a writer that has one).
		flag |= syscall.O_NONBLOCK
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read %s: %w", path, what, unwrapPathErr(err))
	}
	defer f.Close()
	// The size from Stat says nothing for a device or a pipe (/dev/zero):
	// read at most one byte past the limit.
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read %s: %w", path, what, unwrapPathErr(err))
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: %s is larger than the limit of %d bytes", path, what, limit)
	}
	return b, nil
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// maxShownErrors bounds the model errors printed (a hostile file can have
// hundreds of thousands); past it only their number is.
const maxShownErrors = 50

// maxWordBytes bounds a run of non-blank characters in a message: a longer
// one (a name megabytes long, from a hostile file) is cut short.
const maxWordBytes = 4096

// reportModelErrors prints a model's errors, one per line as
// file:line:col: message (at most maxShownErrors of them), and how many
// there are.
func reportModelErrors(w io.Writer, err error) {
	var list syntax.ErrorList
	if !errors.As(err, &list) {
		fmt.Fprintln(w, elideLongWords(err.Error()))
		return
	}
	for i, e := range list {
		if i == maxShownErrors {
			fmt.Fprintf(w, "... (%d more not shown)\n", len(list)-i)
			break
		}
		fmt.Fprintln(w, elideLongWords(e.Error()))
	}
	switch n := len(list); {
	case n > 0 && list[n-1].Msg == syntax.TooManyErrors:
		// The parser stopped: how many more there are is not known (found
		// by a tester: its line was counted as an error, "11 errors").
		fmt.Fprintf(w, "%s before the parser stopped; there may be more\n", plural(int64(n-1), "error")) // (a tester: "1 errors")
	case n > 1:
		fmt.Fprintf(w, "%d errors\n", n)
	}
}

// elideLongWords cuts each run of non-blank characters longer than
// maxWordBytes to its start, saying how long it was.
func elideLongWords(s string) string {
	if len(s) <= maxWordBytes {
		return s
	}
	words := strings.Split(s, " ")
	for i, word := range words {
		if len(word) > maxWordBytes {
			cut := 64
			for cut > 0 && !utf8.RuneStart(word[cut]) {
				cut--
			}
			words[i] = fmt.Sprintf("%s...(%d bytes)", word[:cut], len(word))
		}
	}
	return strings.Join(words, " ")
}

// listValue is a string flag whose repetitions add to a comma-separated
// list: --strategy A --strategy B is --strategy A,B, as --skip's
// repetitions add up (found by a tester: the last one silently won).
type listValue struct {
	p   *string
	set bool
}

func (v *listValue) String() string { return *v.p }
func (v *listValue) Type() string   { return "string" }

func (v *listValue) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		// (found by a tester: --update "" meant every update, where
		// --update "u," was refused)
		return errors.New("an empty list: leave the flag out for its default")
	}
	if v.set {
		*v.p += "," + s
	} else {
		*v.p, v.set = s, true
	}
	return nil
}

// onceValue is a string flag that takes one value: given twice, it is
// refused (found by a tester: step --update a --update b silently took b,
// where check's repetitions add up).
type onceValue struct {
	p   *string
	set bool
}

func (v *onceValue) String() string { return *v.p }
func (v *onceValue) Type() string   { return "string" }

func (v *onceValue) Set(s string) error {
	if v.set {
		return fmt.Errorf("given twice (%s, then %s): it takes one", *v.p, s)
	}
	*v.p, v.set = s, true
	return nil
}

// switchValue is a boolean flag that says what it is when given a value
// it does not take (found by a tester: points --trace=msc said
// `strconv.ParseBool: parsing "msc"`, where check's --trace takes one).
type switchValue struct {
	p          *bool
	name, hint string
}

func (v *switchValue) String() string {
	if v.p == nil {
		return "false"
	}
	return strconv.FormatBool(*v.p)
}
func (v *switchValue) Type() string { return "bool" }

func (v *switchValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("--%s is a switch here, on or off (%s)", v.name, v.hint)
	}
	*v.p = b
	return nil
}

// skipValue is --skip: comma-separated property names, repetitions adding
// up. An empty list or an empty name in it is refused, as --strategy's and
// --update's are (found by a tester: --skip ” and --skip fidelity, were
// taken silently).
type skipValue struct{ p *[]string }

func (v skipValue) String() string { return strings.Join(*v.p, ",") }
func (v skipValue) Type() string   { return "strings" }

func (v skipValue) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("an empty list: leave the flag out for its default")
	}
	names, err := check.SplitNames(s, "property")
	if err != nil {
		return err
	}
	*v.p = append(*v.p, names...)
	return nil
}

// skipVar defines --skip.
func skipVar(fs *pflag.FlagSet, p *[]string) {
	fs.Var(skipValue{p}, "skip", "switch properties off (comma-separated): "+strings.Join(properties.Names, ", "))
}

// listVar defines a listValue flag with a default.
func listVar(fs *pflag.FlagSet, p *string, name, value, usage string) {
	*p = value
	fs.Var(&listValue{p: p}, name, usage)
}

// parseFlags parses a command's flags. With --help it prints usage to
// stdout; with a bad flag it says so on stderr. done reports that the
// command should return status at once.
func parseFlags(cmd string, fs *pflag.FlagSet, args []string, usage func(io.Writer), stdout, stderr io.Writer) (status int, done bool) {
	fs.Usage = func() {} // printed here, to the right stream
	// --help as a flag of our own (hidden: every usage names it), so that
	// --help=false is a flag turned off, not a request for help (found by
	// a tester; pflag's own treats any --help so).
	help := fs.BoolP("help", "h", false, "print this help")
	_ = fs.MarkHidden("help")
	fs.VisitAll(func(f *pflag.Flag) {
		if t := f.Value.Type(); strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint") {
			f.Value = decimalValue{f.Value}
		}
	})
	err := fs.Parse(args)
	if err == nil && *help {
		err = pflag.ErrHelp
	}
	if err == nil {
		// pflag reads "-o=" as the value "=" (found by a tester: gen -o=
		// wrote a file named =); it is the empty value, as "--output=" is.
		for _, a := range args {
			if a == "--" {
				break
			}
			if len(a) == 3 && a[0] == '-' && a[2] == '=' {
				if f := fs.ShorthandLookup(a[1:2]); f != nil && f.Value.Type() == "string" {
					err = fmt.Errorf("-%s/--%s: an empty value (give one, or leave the flag out)", f.Shorthand, f.Name)
				}
			}
		}
	}
	if err == nil {
		// A string flag given an empty value is refused, not taken for
		// its default (found by a tester: --update-at "" ran as any, and
		// --store "" as the default store, where --trace "" was refused).
		fs.Visit(func(f *pflag.Flag) {
			if err == nil && f.Value.Type() == "string" && f.Value.String() == "" {
				name := "--" + f.Name
				if f.Shorthand != "" {
					name = "-" + f.Shorthand + "/" + name // (a tester: -o "" was named --output)
				}
				advice := "give one, or leave the flag out"
				if _, ok := f.Annotations[requiredFlag]; ok {
					advice = "give one: the flag is required" // (a tester: leaving it out was refused)
				}
				err = fmt.Errorf("%s: an empty value (%s)", name, advice)
			}
		})
	}
	switch {
	case err == nil:
		return exitOK, false
	case errors.Is(err, pflag.ErrHelp):
		usage(stdout)
		return exitOK, true
	}
	fmt.Fprintf(stderr, "mcheck %s: %s%s\nRun 'mcheck %s --help' for usage.\n", cmd, flagError(fs, err), flagHint(fs, args, err), cmd)
	return exitUsage, true
}

// decimalValue reads a whole-number flag in decimal, as the docs write
// every number: pflag reads Go's prefixes, so --queue-bound 010 was
// capacity 8 and --max-states 0x10 16 (a tester). Leading zeros are
// dropped; a prefix, a digit separator or anything else is not a whole
// number.
type decimalValue struct{ pflag.Value }

func (d decimalValue) Set(s string) error {
	sign, digits := "", s
	if s != "" && (s[0] == '+' || s[0] == '-') {
		sign, digits = s[:1], s[1:]
	}
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return &strconv.NumError{Func: "ParseInt", Num: s, Err: strconv.ErrSyntax}
	}
	if t := strings.TrimLeft(digits, "0"); t != "" {
		digits = t
	} else {
		digits = "0"
	}
	if sign == "+" || digits == "0" {
		sign = "" // +5 and -0 alike for every flag (a tester: --seed refused them)
	}
	if sign == "-" && strings.HasPrefix(d.Type(), "uint") {
		// (a tester: --seed -5 was "not a whole number")
		return errors.New("must not be negative")
	}
	return d.Value.Set(sign + digits)
}

// flagError words a flag's parse error without Go's parser in it (found
// by a tester: `strconv.ParseInt: parsing "1e6": invalid syntax`).
func flagError(fs *pflag.FlagSet, err error) string {
	msg := err.Error()
	i := strings.Index(msg, ": strconv.Parse")
	if i < 0 {
		return msg
	}
	want := "a number"
	if _, rest, ok := strings.Cut(msg, `for "--`); ok {
		name, _, _ := strings.Cut(rest, `"`)
		if f := fs.Lookup(name); f != nil {
			switch t := f.Value.Type(); {
			case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
				want = "a whole number"
			case t == "bool":
				// (a tester: --shrink=2 was "not a number")
				want = "true or false (a switch: --" + name + " alone is true)"
			}
		}
	}
	switch {
	case strings.HasSuffix(msg, "value out of range"):
		return msg[:i] + ": out of range"
	case strings.HasSuffix(msg, "invalid syntax"):
		return msg[:i] + ": not " + want
	}
	return msg
}

// flagHint is a hint for an unknown flag (found by a tester: --strateg
// and -strategy got none): the flag meant, by its spelling, or the two
// dashes a long flag takes.
func flagHint(fs *pflag.FlagSet, args []string, err error) string {
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		if n := model.Nearest(name, names); n != "" {
			return fmt.Sprintf(" (did you mean --%s?)", n)
		}
		return ""
	}
	if !strings.HasPrefix(msg, "unknown shorthand flag: ") {
		return ""
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if name, ok := strings.CutPrefix(a, "-"); ok && !strings.HasPrefix(name, "-") && len(name) > 1 {
			name, _, _ = strings.Cut(name, "=")
			if fs.Lookup(name) != nil {
				return fmt.Sprintf(" (a long flag takes two dashes: --%s)", name)
			}
		}
	}
	return ""
}

// readModelArg reads the one model file a command takes as its argument;
// status is not exitOK when it cannot (the status to exit with).
func readModelArg(ctx context.Context, cmd string, args []string, stderr io.Writer) (path string, src []byte, status int) {
	path, ok := oneArg(cmd, args, stderr)
	if !ok {
		return "", nil, exitUsage
	}
	src, err := readModelFileCtx(ctx, path)
	if err != nil {
		// Prefixed as every command's (found by a tester: points and
		// project printed the bare error).
		fmt.Fprintf(stderr, "mcheck %s: %v\n", cmd, err)
		return "", nil, readFailureStatus(err)
	}
	return path, src, exitOK
}

// loadModel reads the model file at path and loads it, printing its errors
// (file:line:col) and warnings, and returns it and its text; with update
// (--update), it checks that the model declares an update of that name.
// status is not exitOK when it cannot (the status to exit with).
func loadModel(ctx context.Context, cmd, path, update string, stderr io.Writer) (m *model.Model, src []byte, status int) {
	src, err := readModelFileCtx(ctx, path)
	if err != nil {
		fmt.Fprintf(stderr, "mcheck %s: %v\n", cmd, err)
		return nil, nil, readFailureStatus(err)
	}
	m, err = model.Load(path, src)
	if err != nil {
		reportModelErrors(stderr, err)
		return nil, nil, exitUsage
	}
	reportWarnings(stderr, m)
	if !knownUpdate(cmd, m, update, stderr) {
		return nil, nil, exitUsage
	}
	return m, src, exitOK
}

// knownUpdate reports whether m declares the update named by --update (or
// --update was not given), printing the error if not.
func knownUpdate(cmd string, m *model.Model, update string, stderr io.Writer) bool {
	if update == "" {
		return true
	}
	if _, err := check.SplitNames(update, "update"); err != nil {
		// Named by its flag, as --strategy's are (a tester).
		fmt.Fprintf(stderr, "mcheck %s: --update: %v\n", cmd, err)
		return false
	}
	if _, err := check.UpdatesNamed(m, update); err != nil {
		fmt.Fprintf(stderr, "mcheck %s: %v\n", cmd, err)
		return false
	}
	return true
}

// readFailureStatus is the exit status for a model file that could not be
// read: the system out of a resource (open files, memory) is a failure,
// exit 3; anything else is bad input, exit 2 (found by a tester: under
// ulimit -n 5, "too many open files" was exit 2).
func readFailureStatus(err error) int {
	if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOMEM) || errors.Is(err, errReadInterrupted) {
		return exitFailure
	}
	return exitUsage
}

// oneArg checks that exactly one positional argument (the model) was given.
func oneArg(cmd string, args []string, stderr io.Writer) (string, bool) {
	return oneArgOf(cmd, "model file", args, stderr)
}

// oneArgOf checks that exactly one positional argument was given; what
// names it in the message ("model file").
func oneArgOf(cmd, what string, args []string, stderr io.Writer) (string, bool) {
	if len(args) != 1 {
		fmt.Fprintf(stderr, "mcheck %s: expected one %s, got %d argument(s)%s\n", cmd, what, len(args), listArgs(args))
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
	for _, w := range warningLines(m) {
		fmt.Fprintln(stderr, w)
	}
}

// warningLines are the model's warnings, a line each (file:line:col:
// warning: msg).
func warningLines(m *model.Model) []string {
	var out []string
	for _, w := range m.Warnings {
		out = append(out, fmt.Sprintf("%s:%d:%d: warning: %s", w.File, w.Pos.Line, w.Pos.Col, elideLongWords(w.Msg)))
	}
	return out
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
