package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/mcheck/mcheck/model/syntax"
)

func runFmtCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"fmt"}, args...), &out, &errb)
	for _, s := range []string{out.String(), errb.String()} {
		if strings.Contains(s, "panic") || strings.Contains(s, "goroutine") || strings.Contains(s, "internal error") {
			t.Errorf("output mentions a crash:\n%s", s)
		}
	}
	return code, out.String(), errb.String()
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
	return path
}

const untidy = "# a comment\nprotocol P=mu t.a->b:<int>.t\nservice s:P\nthread A{main send(request(s,{a,b},a),b,1)}\nthread B{main receive(accept(s,b),a)}\n"

const tidy = `# a comment
protocol P = mu t. a -> b: <int>. t

service s: P

thread A {
  main send(request(s, {a, b}, a), b, 1)
}

thread B {
  main receive(accept(s, b), a)
}
`

func TestFmtPrints(t *testing.T) {
	path := writeTemp(t, "m.dsu", untidy)
	code, out, errs := runFmtCmd(t, path)
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if out != tidy {
		t.Errorf("got\n%s\nwant\n%s", out, tidy)
	}
	// The file is left alone.
	if b, _ := os.ReadFile(path); string(b) != untidy {
		t.Errorf("fmt without -w changed the file")
	}
	// fmt of fmt's output is the same.
	path2 := writeTemp(t, "m2.dsu", out)
	if code, out2, _ := runFmtCmd(t, path2); code != exitOK || out2 != out {
		t.Errorf("fmt is not idempotent: exit %d\n%s", code, out2)
	}
}

func TestFmtModels(t *testing.T) {
	files, _ := filepath.Glob("../../models/*.dsu")
	if len(files) == 0 {
		t.Fatal("no models")
	}
	// Each is in normal form: the layout users copy is fmt's.
	for _, path := range files {
		code, out, errs := runFmtCmd(t, path)
		if code != exitOK || errs != "" || out == "" {
			t.Errorf("%s: exit %d, stderr %q", path, code, errs)
		}
		if src, err := os.ReadFile(path); err != nil || string(src) != out {
			t.Errorf("%s is not in fmt's normal form (mcheck fmt -w %s): %v", path, path, err)
		}
	}
}

func TestFmtWrite(t *testing.T) {
	path := writeTemp(t, "m.dsu", untidy)
	code, out, errs := runFmtCmd(t, "-w", path)
	if code != exitOK || out != "" || errs != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != tidy {
		t.Errorf("file after -w:\n%s", b)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o640 {
		t.Errorf("-w changed the permissions to %v", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("-w left files behind: %v", entries)
	}
	// -l lists only files that differ.
	if code, out, _ := runFmtCmd(t, "-l", path); code != exitOK || out != "" {
		t.Errorf("-l on a tidy file: exit %d, %q", code, out)
	}
	other := writeTemp(t, "u.dsu", untidy)
	if code, out, _ := runFmtCmd(t, "--list", other); code != exitOK || out != other+"\n" {
		t.Errorf("-l on an untidy file: exit %d, %q", code, out)
	}
	// The setuid and sticky bits are kept too.
	if err := os.Chmod(other, 0o751|os.ModeSetuid|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	want, _ := os.Stat(other)
	if want.Mode()&os.ModeSetuid == 0 {
		t.Fatalf("setuid not set: %v", want.Mode())
	}
	if code, _, errs := runFmtCmd(t, "-w", other); code != exitOK {
		t.Fatalf("-w: exit %d, %s", code, errs)
	}
	if st, _ := os.Stat(other); st.Mode() != want.Mode() {
		t.Errorf("-w changed the mode from %v to %v", want.Mode(), st.Mode())
	}
}

func TestFmtWriteThroughSymlink(t *testing.T) {
	target := writeTemp(t, "real.dsu", untidy)
	link := filepath.Join(t.TempDir(), "link.dsu")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks:", err)
	}
	if code, _, errs := runFmtCmd(t, "-w", link); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("-w replaced the link itself")
	}
	if b, _ := os.ReadFile(target); string(b) != tidy {
		t.Errorf("target after -w through a link:\n%s", b)
	}
}

// TestFmtWriteRefusesNonRegular: -w rewrites a regular file, or one links
// lead to, and refuses the rest with exit 2 before reading: a device, a
// pipe, a directory, and a link into /dev or /proc, whatever it leads to.
// Found by the adversarial tester: -w /dev/null was exit 0, and -w
// /dev/stdin < models/x.dsu rewrote models/x.dsu.
func TestFmtWriteRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.dsu")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	// (Nothing is written to /dev/null: it reads as empty, whose normal
	// form is empty, so even a -w that took it would leave it alone.)
	for _, c := range []struct{ path, want string }{
		{"/dev/null", "cannot rewrite /dev/null: -w rewrites regular files only, and this is a character device"},
		{fifo, "-w rewrites regular files only, and this is a named pipe"},
		{dir, "-w rewrites regular files only, and this is a directory"},
	} {
		code, out, errs := runFmtCmd(t, "-w", c.path)
		if code != exitUsage || out != "" || !strings.Contains(errs, c.want) {
			t.Errorf("-w %s: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.path, code, out, errs, c.want)
		}
	}
	// Links into /dev or /proc lead to whatever standard input is: here a
	// model file, which must be left alone.
	model := writeTemp(t, "m.dsu", untidy)
	link := filepath.Join(dir, "stdin.dsu")
	if err := os.Symlink("/dev/stdin", link); err != nil {
		t.Skip("no symlinks:", err)
	}
	fds := filepath.Join(dir, "fds")
	if err := os.Symlink("/proc/self/fd", fds); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{"-", "-w rewrites files: standard input (-) is none"},
		{"/dev/stdin", "this is a link in /dev, which leads to whatever is open"},
		{link, "this is a link in /dev (/dev/stdin)"},
		{"/dev/fd/0", "this is a name in /proc"},
		{"/proc/self/fd/0", "this is a name in /proc"},
		{filepath.Join(fds, "0"), "this is a name in /proc"},
	} {
		in, err := os.Open(model)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(mcheckBinary(t), "fmt", "-w", c.path)
		var out, errb bytes.Buffer
		cmd.Stdin, cmd.Stdout, cmd.Stderr = in, &out, &errb
		cmd.Run()
		in.Close()
		code := cmd.ProcessState.ExitCode()
		noPanic(t, out.String(), errb.String())
		if code != exitUsage || !strings.Contains(errb.String(), c.want) {
			t.Errorf("-w %s < m.dsu: exit %d, stderr %q; want exit 2 and %q", c.path, code, errb.String(), c.want)
		}
		if b, _ := os.ReadFile(model); string(b) != untidy {
			t.Fatalf("-w %s < m.dsu rewrote m.dsu:\n%s", c.path, b)
		}
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
}

// TestFmtStdinName: standard input (-) is named as gofmt names it, not
// /dev/stdin (a tester), in -l's list and in a syntax error's place.
func TestFmtStdinName(t *testing.T) {
	for _, c := range []struct {
		args   []string
		in     string
		code   int
		stream string
		want   string
	}{
		{[]string{"-l", "-"}, "protocol P=a->b:<int>\n", exitOK, "out", "<standard input>\n"},
		{[]string{"-"}, "protocol P = a -> b: <int", exitUsage, "err", "<standard input>:1:26: expected '>'"},
		// (a tester: the size limit said /dev/stdin)
		{[]string{"-"}, strings.Repeat("#\n", 8<<20+1), exitUsage, "err", "mcheck fmt: <standard input>: model is larger than the limit"},
	} {
		cmd := exec.Command(mcheckBinary(t), append([]string{"fmt"}, c.args...)...)
		var out, errb bytes.Buffer
		cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(c.in), &out, &errb
		cmd.Run()
		got := out.String()
		if c.stream == "err" {
			got = errb.String()
		}
		if code := cmd.ProcessState.ExitCode(); code != c.code || !strings.HasPrefix(got, c.want) {
			t.Errorf("fmt %v: exit %d, %s %q; want exit %d and %q", c.args, code, c.stream, got, c.code, c.want)
		}
	}
}

func TestFmtWriteLeavesBadFileAlone(t *testing.T) {
	bad := "thread A { main f(x y) }\n"
	path := writeTemp(t, "bad.dsu", bad)
	code, _, errs := runFmtCmd(t, "-w", path)
	if code != exitUsage || errs == "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if b, _ := os.ReadFile(path); string(b) != bad {
		t.Errorf("-w rewrote a file that does not parse")
	}
}

var errLine = regexp.MustCompile(`^\S+:\d+:\d+: \S.*$`)

func TestFmtErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		content string // written to name in dir when not ""
		want    string // regexp the stderr must match
		code    int
		posErrs int // how many file:line:col lines stderr must have, at least
	}{
		{name: "nul", content: "\x00", want: `nul.dsu:1:1: illegal character NUL`, code: exitUsage, posErrs: 1},
		{name: "garbage", content: "\xff\xfe\x01 protocol \x80\n\x7f@@\n", want: `garbage.dsu:1:1: invalid UTF-8 encoding \(byte 0xff\)`, code: exitUsage, posErrs: 2},
		{name: "truncated", content: "protocol P = mu t. a -> b: <int>. t\nthread A { fun f(x) = send(x, b,", want: `truncated.dsu:2:33: expected expression, found end of file`, code: exitUsage, posErrs: 1},
		{name: "twoerrors", content: "protocol P = a -> b: <string>\nthread A { fun f(x) = f(x y) main f(1) }\n", want: `(?s)twoerrors.dsu:1:23: expected value type int, bool or unit, found 'string'.*twoerrors.dsu:2:27: expected '\)' after the arguments of f, found 'y' \(missing ','\?\)\n2 errors`, code: exitUsage, posErrs: 2},
		{name: "missing", args: []string{filepath.Join(dir, "nope.dsu")}, want: `nope.dsu: cannot read model: no such file or directory`, code: exitUsage},
		{name: "dir", args: []string{dir}, want: `is a directory, not a model file`, code: exitUsage},
		{name: "badflag", args: []string{"--frobnicate", "x.dsu"}, want: `mcheck fmt: unknown flag: --frobnicate\nRun 'mcheck fmt --help' for usage.`, code: exitUsage},
		{name: "noargs", args: []string{}, want: `mcheck fmt: expected one model file \(or, with -l or -w, one or more\), got 0 argument\(s\)`, code: exitUsage},
		{name: "twoargs", args: []string{"a.dsu", "b.dsu"}, want: `expected one model file, got 2 argument\(s\): a.dsu b.dsu`, code: exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.content != "" {
				path := filepath.Join(dir, tt.name+".dsu")
				if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
				args = []string{path}
			}
			code, out, errs := runFmtCmd(t, args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errs)
			}
			if out != "" {
				t.Errorf("stdout not empty: %q", out)
			}
			if !regexp.MustCompile(tt.want).MatchString(errs) {
				t.Errorf("stderr does not match %q:\n%s", tt.want, errs)
			}
			n := 0
			for _, line := range strings.Split(strings.TrimSpace(errs), "\n") {
				if errLine.MatchString(line) {
					n++
				}
			}
			if n < tt.posErrs {
				t.Errorf("%d file:line:col errors, want at least %d:\n%s", n, tt.posErrs, errs)
			}
		})
	}
}

func TestFmtEmptyFile(t *testing.T) {
	// An empty file is syntactically fine: its normal form is empty.
	path := writeTemp(t, "empty.dsu", "")
	code, out, errs := runFmtCmd(t, path)
	if code != exitOK || out != "" || errs != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestFmtHelp(t *testing.T) {
	code, out, errs := runFmtCmd(t, "--help")
	if code != exitOK || errs != "" || !strings.Contains(out, "usage: mcheck fmt [flags] MODEL.dsu") || !strings.Contains(out, "--write") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	var out2, errb bytes.Buffer
	if code := run([]string{"help", "fmt"}, &out2, &errb); code != exitOK || !strings.Contains(out2.String(), "usage: mcheck fmt") {
		t.Errorf("mcheck help fmt: exit %d, %q", code, out2.String())
	}
}

// TestFmtSeveralFiles: -l and -w take several files, as gofmt's do, the
// status the worst; printing takes one; - is standard input (found by a
// tester: fmt -l *.dsu was a usage error).
func TestFmtSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.dsu")
	bad := filepath.Join(dir, "bad.dsu")
	broken := filepath.Join(dir, "broken.dsu")
	src, err := os.ReadFile("../../models/mathserver.dsu")
	if err != nil {
		t.Fatal(err)
	}
	for path, b := range map[string]string{good: string(src), bad: "service s:   P\nprotocol P = a -> b: <int>. end\n", broken: "protocol P =\n"} {
		if err := os.WriteFile(path, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := runFmtCmd(t, "-l", good, bad)
	if code != exitOK || out != bad+"\n" || errs != "" {
		t.Errorf("-l good bad: exit %d, %q, %q", code, out, errs)
	}
	code, out, errs = runFmtCmd(t, "-l", bad, broken, good)
	if code != exitUsage || out != bad+"\n" || !strings.Contains(errs, "broken.dsu:1:13: expected global type") {
		t.Errorf("-l bad broken good: exit %d, %q, %q", code, out, errs)
	}
	if code, _, errs := runFmtCmd(t, "-w", bad, good); code != exitOK || errs != "" {
		t.Errorf("-w bad good: exit %d, %q", code, errs)
	}
	if code, out, _ := runFmtCmd(t, "-l", bad, good); code != exitOK || out != "" {
		t.Errorf("after -w, -l lists %q (exit %d)", out, code)
	}
	if code, _, errs := runFmtCmd(t, good, bad); code != exitUsage || !strings.Contains(errs, "expected one model file") {
		t.Errorf("printing two files: exit %d, %q", code, errs)
	}
}

// TestFmtTooDeepNormalForm: a file that loads, whose normal form nests
// deeper than the parser reads (fmt's parentheses around a sequence in an
// argument count a level each), is refused and left as it is (a tester:
// fmt -w turned a file that loaded into one that did not).
func TestFmtTooDeepNormalForm(t *testing.T) {
	body := "1"
	for range 400 {
		body = "f(1; " + body + ")"
	}
	src := "protocol P = a -> b: <int>\nservice s: P\nthread A {\n fun f(x) = x\n main " + body + "\n}\n"
	if _, err := syntax.Parse("deep.dsu", []byte(src)); err != nil {
		t.Fatalf("the file itself is refused: %v", err)
	}
	path := writeTemp(t, "deep.dsu", src)
	code, out, errs := runFmtCmd(t, "-w", path)
	if code != exitUsage || out != "" || !strings.Contains(errs, "left as it is: its normal form would be too deeply nested") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != src {
		t.Errorf("the file was changed (%v)", err)
	}
}

// TestFmtNormalFormOverSizeLimit: a file within the size limit whose
// normal form is not is left as it is, as one too deeply nested is (a
// tester: fmt -w made a file mcheck then refused to read).
func TestFmtNormalFormOverSizeLimit(t *testing.T) {
	head := "thread A { main () }\n"
	src := head + "#" + strings.Repeat("x", maxModelBytes-len(head)-2) + "\n"
	path := writeTemp(t, "big.dsu", src)
	code, out, errs := runFmtCmd(t, "-w", path)
	if code != exitUsage || out != "" || !strings.Contains(errs, "left as it is: its normal form would be") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != src {
		t.Errorf("the file was changed (%v)", err)
	}
}
