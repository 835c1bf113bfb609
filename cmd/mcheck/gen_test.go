package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/model"
)

func runGenBench(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	for _, s := range []string{out.String(), errb.String()} {
		if strings.Contains(s, "panic") || strings.Contains(s, "goroutine ") || strings.Contains(s, "internal error") {
			t.Errorf("output mentions a crash:\n%s", s)
		}
	}
	return code, out.String(), errb.String()
}

func TestGenPrints(t *testing.T) {
	code, out, errs := runGenBench(t, "gen", "--family", "ring", "--param", "3")
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	want, _ := family.Generate("ring", 3)
	if out != string(want) {
		t.Errorf("gen printed something else than family.Generate:\n%s", out)
	}
	if _, err := model.Load("ring-3.dsu", []byte(out)); err != nil {
		t.Errorf("generated model does not load: %v", err)
	}
}

func TestGenOutputFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pc.dsu")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runGenBench(t, "gen", "--family", "prodcons", "--param", "2", "-o", path)
	if code != exitOK || out != "" || errs != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	got, _ := os.ReadFile(path)
	want, _ := family.Generate("prodcons", 2)
	if !bytes.Equal(got, want) {
		t.Errorf("%s holds:\n%s", path, got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	// An unwritable destination is a failure to write (3), not a crash.
	code, _, errs = runGenBench(t, "gen", "--family", "prodcons", "--param", "2", "-o", filepath.Join(dir, "no", "such", "dir", "x.dsu"))
	if code != exitFailure || !strings.Contains(errs, "cannot write") {
		t.Errorf("unwritable -o: exit %d, stderr %q; want 3 and 'cannot write'", code, errs)
	}
	// A directory is a mistake in the command line (2), as --html's is
	// (found by a tester: exit 3, "rename ...: file exists").
	code, _, errs = runGenBench(t, "gen", "--family", "prodcons", "--param", "2", "-o", dir)
	if code != exitUsage || !strings.Contains(errs, "is a directory; give a file name") {
		t.Errorf("-o DIR: exit %d, stderr %q; want 2 and 'is a directory'", code, errs)
	}
}

func TestGenUsage(t *testing.T) {
	code, out, _ := runGenBench(t, "gen", "--help")
	if code != exitOK || !strings.Contains(out, "usage: mcheck gen --family NAME --param K") || !strings.Contains(out, "prodcons") || !strings.Contains(out, "ring") {
		t.Errorf("--help: exit %d:\n%s", code, out)
	}
	code, out, _ = runGenBench(t, "gen", "--list")
	if code != exitOK || !strings.Contains(out, "parameter: K, producer-consumer pairs, 1..64") {
		t.Errorf("--list: exit %d:\n%s", code, out)
	}
	// With --family, that family alone (found by a tester).
	code, out, _ = runGenBench(t, "gen", "--list", "--family", "ring")
	if code != exitOK || !strings.Contains(out, "parameter: N, threads in the ring") || strings.Contains(out, "prodcons") {
		t.Errorf("--list --family ring: exit %d:\n%s", code, out)
	}
	if code, _, errs := runGenBench(t, "gen", "--list", "--family", "nosuch"); code != exitUsage || !strings.Contains(errs, `unknown family "nosuch"`) {
		t.Errorf("--list --family nosuch: exit %d: %s", code, errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--family", "ring"}, "--family and --param are required"},
		{[]string{"--param", "3"}, "--family and --param are required"},
		{[]string{"--family", "nosuch", "--param", "3"}, `unknown family "nosuch" (known: prodcons, ring`},
		{[]string{"--family", "ring", "--param", "1"}, "must be between 2 and 64, got 1"},
		{[]string{"--family", "ring", "--param", "x"}, "invalid argument"},
		{[]string{"--family", "ring", "--param", "3", "extra"}, "unexpected argument(s): extra"},
		// (a tester: with --list they were ignored, exit 0)
		{[]string{"--list", "extra"}, "unexpected argument(s): extra"},
		{[]string{"--list", "--family", "ring", "extra"}, "unexpected argument(s): extra"},
		{[]string{"--nosuch"}, "unknown flag: --nosuch"},
		// (a tester: --param was ignored without a word)
		{[]string{"--list", "--param", "3"}, "--param does not go with it"},
		{[]string{"--list", "-o", "x.dsu"}, "--output does not go with it"},
	} {
		code, out, errs := runGenBench(t, append([]string{"gen"}, c.args...)...)
		if code != exitUsage || out != "" || !strings.Contains(errs, c.want) {
			t.Errorf("gen %v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, errs, c.want)
		}
	}
}
