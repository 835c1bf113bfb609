package syntax

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that no input makes the parser or the printer panic; that
// errors are bounded, positioned and sorted; and that for every input that
// parses, its normal form parses to the same tree and is a fixpoint of fmt.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{
		filepath.Join("..", "..", "models", "*.dsu"),
		filepath.Join("testdata", "fmt", "*.dsu"),
		filepath.Join("testdata", "errors", "*.dsu"),
	} {
		files, _ := filepath.Glob(pattern)
		for _, path := range files {
			src, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			if len(src) > 8<<10 {
				continue // big seeds slow the fuzzer down (minimising them) for little gain
			}
			f.Add(src)
		}
	}
	for _, s := range []string{
		"",
		"thread T { main if a then b else let x = 1 in x; y }",
		"thread T { main (if a then b else (let x = 1 in x)); y }",
		"thread T { main - -1 - - (2 * -3) }",
		"protocol P = (mu t. a -> b: <int>. t). (a -> b: { l: end }). end",
		"# c\nthread T { # d\n fun f() = 1 # e\n main f() # f\n} # g\n# h",
		"thread T { main " + strings.Repeat("(", 1001) + "1" + strings.Repeat(")", 1001) + " }",
		"thread T { main " + strings.Repeat("let x = 1 in ", 999) + "x }",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("fuzz.dsu", src)
		if err != nil {
			list, ok := err.(ErrorList)
			if !ok || len(list) == 0 {
				t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
			}
			if len(list) > maxErrors+1 {
				t.Fatalf("%d errors reported", len(list))
			}
			for i, e := range list {
				if !e.Pos.IsValid() || e.Msg == "" {
					t.Fatalf("error without position or message: %#v", e)
				}
				if i > 0 && list.Less(i, i-1) {
					t.Fatalf("errors not sorted")
				}
				if strings.Contains(e.Msg, "\x00") || !isValidUTF8(e.Msg) {
					t.Fatalf("message has raw bad bytes: %q", e.Msg)
				}
			}
			// Printing a partial tree must not panic either.
			var b bytes.Buffer
			_ = Fprint(&b, file)
			return
		}
		if err := checkRoundTrip("fuzz.dsu", file); err != nil {
			t.Fatal(err)
		}
	})
}

func isValidUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// TestLargeInputs feeds the parser ~10 MB inputs, valid and hostile: each
// must parse or fail quickly (the go test timeout is the only clock here),
// with a bounded number of errors.
func TestLargeInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	const size = 10 << 20
	var model strings.Builder
	model.WriteString("protocol P = mu t. a -> b: <int>. b -> a: { ok: t, stop: end }\nservice s: P\n")
	for i := 0; model.Len() < size; i++ {
		model.WriteString("thread T")
		model.WriteString(strings.Repeat("x", i%7))
		model.WriteString(" {\n  # a comment\n  fun f(x, n) = let v = receive(x, a) in if v + n * 2 < 10 then send(x, a, v); f(x, n - 1) else select(x, a, stop)\n  main f(accept(s, b), 3)\n}\n")
	}
	repeat := func(s string) []byte { return bytes.Repeat([]byte(s), size/len(s)) }
	inputs := map[string][]byte{
		"model":         []byte(model.String()),
		"parens":        append([]byte("thread T { main "), repeat("(")...),
		"unary":         append([]byte("thread T { main "), repeat("-")...),
		"seq":           append([]byte("thread T { main "), repeat("a; ")...),
		"sum":           append([]byte("thread T { main 0"), repeat(" + 1")...),
		"gseq":          append([]byte("protocol P = "), repeat("a -> b: <int>. ")...),
		"mu":            append([]byte("protocol P = "), repeat("mu t. ")...),
		"garbage":       repeat("\xff\x00\x01$"),
		"braces":        repeat("{"),
		"closing":       repeat("}"),
		"keywords":      repeat("thread "),
		"update":        repeat("update "),
		"comments":      repeat("# comment\n"),
		"longline":      repeat("x"),
		"digits":        repeat("9"),
		"newlines":      repeat("\n"),
		"unclosedcase":  append([]byte("thread T { main case(x, p, { "), repeat("l: 1, ")...),
		"manythreads":   repeat("thread T { main 1 }\n"),
		"brokenthreads": repeat("thread T { main f( }\n"),
	}
	for name, src := range inputs {
		start := time.Now()
		f, err := Parse(name, src)
		t.Logf("%s: %d bytes parsed in %v", name, len(src), time.Since(start))
		if list, ok := err.(ErrorList); ok && len(list) > maxErrors+1 {
			t.Errorf("%s: %d errors", name, len(list))
		}
		switch name {
		case "model", "comments", "newlines", "manythreads":
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			var b bytes.Buffer
			if err := Fprint(&b, f); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		default:
			if err == nil {
				t.Errorf("%s: no error", name)
			}
		}
	}
}

func BenchmarkParse(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "..", "models", "mathserver.dsu"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Parse("m.dsu", src); err != nil {
			b.Fatal(err)
		}
	}
}
