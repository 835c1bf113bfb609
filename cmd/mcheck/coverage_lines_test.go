package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckCoverageLines: --coverage names the source lines never run,
// with whose code they are, and says when every line ran.
func TestCheckCoverageLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dead.dsu")
	src := "protocol P = a -> b: <int>. end\nservice s: P\n" +
		"thread A {\n  fun f(n) = if n > 0\n    then n\n    else 0 - n\n  main let x = request(s, {a, b}, a) in send(x, b, f(2))\n}\n" +
		"thread B { main let y = accept(s, b) in receive(y, a) }\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd("check", "--progress", "off", "--store", "memory", "--coverage", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "  never ran:       " + filepath.ToSlash(path) + ":6 (f of A)\n"
	if !strings.Contains(out, want) || strings.Count(out, "never ran:") != 1 {
		t.Errorf("coverage should list line 6 only, as %q:\n%s", want, out)
	}
	_, out, _ = runCmd("check", "--progress", "off", "--store", "memory", "--coverage", "../../models/code-only.dsu")
	if !strings.Contains(out, "every source line run, in this exhaustive search") {
		t.Errorf("a model whose every line runs should say so:\n%s", out)
	}
}
