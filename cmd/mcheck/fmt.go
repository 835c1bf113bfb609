package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/mcheck/mcheck/internal/atomicfile"
	"github.com/mcheck/mcheck/model/syntax"
)

func init() {
	register(&command{name: "fmt", summary: "print a model in normal form (-w: rewrite the file)", run: runFmt})
}

func runFmt(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("fmt", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var write, list bool
	fs.BoolVarP(&write, "write", "w", false, "write the normal form back to the file instead of printing it (a regular file, or one links lead to; not a device, a pipe, a link in /dev or a name in /proc)")
	fs.BoolVarP(&list, "list", "l", false, "print the file's name if its formatting differs from the normal form, instead of the normal form")
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "usage: mcheck fmt [flags] MODEL.dsu\n       mcheck fmt -l|-w MODEL.dsu...\n\n")
		fmt.Fprintf(w, "Parses the model and prints it in normal form: one declaration per paragraph,\n"+
			"two-space indentation, long bodies broken at ';', only the parentheses that\n"+
			"precedence needs. Every comment is kept: one right after a unit's last token\n"+
			"(a declaration, function, main or update member) stays at the end of its last\n"+
			"line; one after a thread's or an update's last member stays before its '}';\n"+
			"one before or inside a step of a body (a let's body, what follows a ';') goes\n"+
			"before that step; the others go on lines of their own before the unit they lie\n"+
			"in; a blank line after a comment is kept. Only the syntax is checked (see\n"+
			"'mcheck project' for the rest). MODEL - is standard input. With -l or -w,\n"+
			"several files may be given: each is done in turn, the status is the worst.\n"+
			"Formatting the output again changes nothing.\n")
		fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
		fmt.Fprintln(w, "\nExit status: 0 done, 2 bad input or usage (a syntax error at file:line:col), 3 the output could not be written.")
	}
	if status, done := parseFlags("fmt", fs, args, usage, stdout, stderr); done {
		return status
	}
	files := fs.Args()
	if (!list && !write) || len(files) == 0 {
		// The normal form is printed for one file only; -l and -w take
		// several, as gofmt's do (found by a tester: fmt -l *.dsu).
		what := "model file"
		if len(files) == 0 {
			// (a tester: "expected one model file" where -l and -w take several)
			what = "model file (or, with -l or -w, one or more)"
		}
		if _, ok := oneArgOf("fmt", what, files, stderr); !ok {
			return exitUsage
		}
	}
	status := exitOK
	for _, path := range files {
		status = max(status, fmtFile(path, list, write, stdout, stderr))
	}
	return status
}

// fmtFile formats one file: prints its normal form, or (list) its name if
// that differs, and (write) rewrites it; the status is fmt's for the file.
func fmtFile(path string, list, write bool, stdout, stderr io.Writer) int {
	stdin := path == "-"
	if stdin {
		// Editors pipe through formatters. Its name in messages is gofmt's
		// (a tester: "/dev/stdin:1:26" for what was typed as -).
		if write {
			fmt.Fprintln(stderr, "mcheck fmt: -w rewrites files: standard input (-) is none; without -w the normal form is printed")
			return exitUsage
		}
		path = "/dev/stdin"
	}
	if write {
		// Before reading: /dev/stdin would be read, and what it leads to
		// rewritten.
		if err := checkRewritable(path); err != nil {
			fmt.Fprintf(stderr, "mcheck fmt: %v\n", err)
			return exitUsage
		}
	}
	src, err := readModelFileCtx(context.Background(), path)
	if stdin {
		path = "<standard input>"
	}
	if err != nil {
		// Standard input by its name here too (a tester: the size limit
		// and a directory said /dev/stdin).
		msg := err.Error()
		if rest, ok := strings.CutPrefix(msg, "/dev/stdin: "); ok && stdin {
			msg = path + ": " + rest
		}
		fmt.Fprintf(stderr, "mcheck fmt: %s\n", msg)
		return readFailureStatus(err)
	}
	f, err := syntax.Parse(path, src)
	if err != nil {
		reportModelErrors(stderr, err)
		return exitUsage
	}
	var out bytes.Buffer
	if err := syntax.Fprint(&out, f); err != nil {
		fmt.Fprintf(stderr, "mcheck fmt: %v\n", err)
		return exitFailure
	}
	// The normal form must read back: its parentheses around a sequence
	// in an argument, a let's value or a condition count a level each, so
	// a file near the parser's limit on nesting can have a normal form
	// beyond it (a tester: fmt -w made a file that loaded one that did
	// not). Such a file is left as it is.
	if _, err := syntax.Parse(path, out.Bytes()); err != nil {
		var l syntax.ErrorList
		if errors.As(err, &l) && len(l) > 0 && strings.HasPrefix(l[0].Msg, "too deeply nested") {
			fmt.Fprintf(stderr, "mcheck fmt: %s: left as it is: its normal form would be %s, counting the parentheses fmt puts around a sequence in an argument, a let's value or a condition; split it into functions\n", path, l[0].Msg)
			return exitUsage
		}
		fmt.Fprintf(stderr, "mcheck fmt: internal error: the normal form of %s does not read back: %v\n", path, err)
		return exitFailure
	}
	if out.Len() > maxModelBytes {
		// Likewise for the size (a tester: a file of 16 MiB had a normal
		// form 3 bytes larger, which mcheck then refused to read).
		fmt.Fprintf(stderr, "mcheck fmt: %s: left as it is: its normal form would be %d bytes, over the limit of %d on a model file; split it\n", path, out.Len(), maxModelBytes)
		return exitUsage
	}
	changed := !bytes.Equal(out.Bytes(), src)
	if list && changed {
		if _, err := fmt.Fprintln(stdout, path); err != nil {
			return exitFailure // (main says it for standard output)
		}
	}
	if write {
		if changed {
			if err := rewriteFile(path, out.Bytes()); err != nil {
				fmt.Fprintf(stderr, "mcheck fmt: %v\n", err)
				return exitFailure
			}
		}
		return exitOK
	}
	if !list {
		if _, err := stdout.Write(out.Bytes()); err != nil {
			if outputLost(stdout) == nil { // (main says it for standard output)
				fmt.Fprintf(stderr, "mcheck fmt: %v\n", err)
			}
			return exitFailure
		}
	}
	return exitOK
}

// checkRewritable refuses, for -w, a path that is not a regular file, or a
// symbolic link (through any number of links) to one. A link into /dev or
// /proc is refused whatever it leads to: /dev/stdin leads, through
// /proc/self/fd/0, to whatever standard input is, a file of no name of its
// own. So is a path in /proc (its files are not files on a disk). A path
// that does not exist is left to the reading, which says so.
func checkRewritable(path string) error {
	cur, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	for hops := 0; ; hops++ {
		if hops > 40 {
			return fmt.Errorf("cannot rewrite %s: too many symbolic links", path)
		}
		// The directories on the way may be links too (/dev/fd is one to
		// /proc/self/fd): resolve them, so that the checks below see
		// where the name really is.
		if dir, err := filepath.EvalSymlinks(filepath.Dir(cur)); err == nil {
			cur = filepath.Join(dir, filepath.Base(cur))
		}
		if under(cur, "/proc") {
			return fmt.Errorf("cannot rewrite %s: -w rewrites regular files only, and this is a name in /proc%s, not a file: give the file's own name", path, aka(path, cur))
		}
		st, err := os.Lstat(cur)
		if err != nil {
			return nil
		}
		if st.Mode()&os.ModeSymlink == 0 {
			if !st.Mode().IsRegular() {
				what := fileKind(st.Mode())
				if st.IsDir() {
					what = "directory"
				}
				return fmt.Errorf("cannot rewrite %s: -w rewrites regular files only, and this is a %s", path, what)
			}
			return nil
		}
		if under(cur, "/dev") {
			return fmt.Errorf("cannot rewrite %s: -w rewrites regular files only, and this is a link in /dev%s, which leads to whatever is open, not to a file: give the file's own name", path, aka(path, cur))
		}
		to, err := os.Readlink(cur)
		if err != nil {
			return nil
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(cur), to)
		}
		cur = filepath.Clean(to)
	}
}

// aka is " (cur)" when the path given reaches cur by other names, else "".
func aka(path, cur string) string {
	if abs, err := filepath.Abs(path); err == nil && abs == cur {
		return ""
	}
	return " (" + cur + ")"
}

// under reports whether path is dir or inside it.
func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// rewriteFile replaces path with data, whole or not at all, keeping path's
// permissions. A symbolic link is followed: the file it points to is
// replaced, not the link.
func rewriteFile(path string, data []byte) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			// (Renaming over a device or a pipe would replace it.)
			return fmt.Errorf("cannot write %s: -w rewrites regular files only, and this is a %s", path, fileKind(st.Mode()))
		}
		// Its mode bits, setuid, setgid and sticky included (found by a
		// tester: a setuid file lost the bit).
		mode = st.Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky)
		// Renaming needs the directory's permission only: a file we may
		// not write is not replaced either (a tester: as nobody, in a
		// directory anyone may write, fmt -w replaced root's 0644 file).
		// Opened for writing, neither truncated nor written, as the
		// system judges it (root may write it).
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("cannot write %s: %w", path, unwrapPathErr(err))
		}
		f.Close()
	}
	return atomicfile.Write(path, data, mode)
}

// fileKind names the kind of a file that is not a regular one.
func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeCharDevice != 0:
		return "character device"
	case m&os.ModeDevice != 0:
		return "device"
	case m&os.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}
