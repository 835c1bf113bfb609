package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

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
	fs.BoolVarP(&write, "write", "w", false, "write the normal form back to the file instead of printing it")
	fs.BoolVarP(&list, "list", "l", false, "print the file's name if its formatting differs from the normal form, instead of the normal form")
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "usage: mcheck fmt [flags] MODEL.dsu\n\n")
		fmt.Fprintf(w, "Parses the model and prints it in normal form: one declaration per paragraph,\n"+
			"two-space indentation, long bodies broken at ';', only the parentheses that\n"+
			"precedence needs. Comments are kept, each before the declaration or function\n"+
			"it was in. Only the syntax is checked (see 'mcheck project' for the rest).\n"+
			"Formatting the output again changes nothing.\n")
		fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
	}
	if status, done := parseFlags("fmt", fs, args, usage, stdout, stderr); done {
		return status
	}
	path, src, ok := readModelArg("fmt", fs.Args(), stderr)
	if !ok {
		return exitUsage
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
	changed := !bytes.Equal(out.Bytes(), src)
	if list && changed {
		fmt.Fprintln(stdout, path)
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
			fmt.Fprintf(stderr, "mcheck fmt: %v\n", err)
			return exitFailure
		}
	}
	return exitOK
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
		mode = st.Mode().Perm()
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
