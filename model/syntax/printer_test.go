package syntax

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestGolden")

// diffModuloPos reports the first difference between two trees, ignoring
// every position ("" if they are equal). The comments of two Files compare
// as multisets of texts: fmt moves a comment before the unit it lies in.
func diffModuloPos(a, b any) string {
	if fa, ok := a.(*File); ok {
		if fb, ok := b.(*File); ok && fa != nil && fb != nil {
			ca, cb := commentTexts(fa), commentTexts(fb)
			if !slices.Equal(ca, cb) {
				return fmt.Sprintf(".Comments: %q vs %q", ca, cb)
			}
			a2, b2 := *fa, *fb
			a2.Comments, b2.Comments = nil, nil
			return diffValue("", reflect.ValueOf(a2), reflect.ValueOf(b2))
		}
	}
	return diffValue("", reflect.ValueOf(a), reflect.ValueOf(b))
}

func commentTexts(f *File) []string {
	var texts []string
	for _, c := range f.Comments {
		texts = append(texts, c.Text)
	}
	slices.Sort(texts)
	return texts
}

var posType = reflect.TypeOf(Pos{})

func diffValue(path string, a, b reflect.Value) string {
	if a.IsValid() != b.IsValid() {
		return path + ": one side missing"
	}
	if !a.IsValid() {
		return ""
	}
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: %s vs %s", path, a.Type(), b.Type())
	}
	if a.Type() == posType {
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil vs non-nil"
			}
			return ""
		}
		return diffValue(path, a.Elem(), b.Elem())
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if d := diffValue(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: length %d vs %d", path, a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if d := diffValue(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.String, reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint8, reflect.Bool:
		if !a.Equal(b) {
			return fmt.Sprintf("%s: %v vs %v", path, a, b)
		}
		return ""
	}
	panic("diffValue: unhandled kind " + a.Kind().String() + " at " + path)
}

func format(f *File) string {
	var b bytes.Buffer
	if err := Fprint(&b, f); err != nil {
		panic(err)
	}
	return b.String()
}

// checkRoundTrip checks, for a file that parses, that its normal form
// parses to the same tree, keeps every comment, and is a fixpoint of fmt.
func checkRoundTrip(name string, f *File) error {
	out1 := format(f)
	f2, err := Parse(name, []byte(out1))
	if err != nil {
		return fmt.Errorf("normal form does not parse: %v\n%s", err, out1)
	}
	if d := diffModuloPos(f, f2); d != "" {
		return fmt.Errorf("normal form parses to a different tree: %s\n%s", d, out1)
	}
	if out2 := format(f2); out2 != out1 {
		return fmt.Errorf("fmt is not a fixpoint:\n--- first\n%s--- second\n%s", out1, out2)
	}
	return nil
}

func roundTripFile(t *testing.T, path string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(path)
	f, err := Parse(name, src)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := checkRoundTrip(name, f); err != nil {
		t.Errorf("%s: %v", path, err)
	}
}

// TestRoundTripModels covers every model shipped in models/, including ones
// added later.
func TestRoundTripModels(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "models", "*.dsu"))
	if len(files) < 2 {
		t.Fatalf("found %d models", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) { roundTripFile(t, path) })
	}
}

func TestRoundTripTestdata(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "fmt", "*.dsu"))
	if len(files) == 0 {
		t.Fatal("no testdata/fmt inputs")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) { roundTripFile(t, path) })
	}
}

// TestGolden compares the normal form of testdata/fmt/X.dsu with X.golden.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "fmt", "*.dsu"))
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(path, src)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		got := format(f)
		golden := strings.TrimSuffix(path, ".dsu") + ".golden"
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o666); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s: normal form differs from %s:\n--- got\n%s--- want\n%s", path, golden, got, want)
		}
	}
}

// Minimal parentheses: the one-line form of each source.
var exprStringTests = []struct{ src, want string }{
	{"send(x,p2,1)", "send(x, p2, 1)"},
	{"send(x, {p2}, 1)", "send(x, p2, 1)"},
	{"send(x, {p2,p3}, 1)", "send(x, {p2, p3}, 1)"},
	{"select(x, {p2,p3}, l)", "select(x, {p2, p3}, l)"},
	{"request(s, {p1,p2}, p1)", "request(s, {p1, p2}, p1)"},
	{"request(s, {p1}, p1)", "request(s, {p1}, p1)"},
	{"case(x,p,{a:1,b:()})", "case(x, p, { a: 1, b: () })"},
	{"choose( -1 , 1 )", "choose(-1, 1)"},
	{"(1 + 2) * 3", "(1 + 2) * 3"},
	{"1 + (2 * 3)", "1 + 2 * 3"},
	{"(1 - 2) - 3", "1 - 2 - 3"},
	{"1 - (2 - 3)", "1 - (2 - 3)"},
	{"(a < b) == c", "(a < b) == c"},
	{"a == (b < c)", "a == (b < c)"},
	{"(a && b) || c", "a && b || c"},
	{"a && (b || c)", "a && (b || c)"},
	{"-(1)", "-1"},
	{"- - 1", "- -1"},
	{"-(a + b)", "-(a + b)"},
	{"not (not a)", "not not a"},
	{"(not a) && b", "not a && b"},
	{"a - (-1)", "a - -1"},
	{"(a; b); c", "(a; b); c"},
	{"a; (b; c)", "a; b; c"},
	{"(let x = 1 in x); y", "(let x = 1 in x); y"},
	{"let x = 1 in (x; y)", "let x = 1 in x; y"},
	{"(if c then a else b); d", "if c then a else b; d"},
	{"if c then (a; b) else d", "if c then a; b else d"},
	{"if c then a else (b; d)", "if c then a else (b; d)"},
	{"if c then a else (let x = 1 in x)", "if c then a else let x = 1 in x"},
	{"(if c then a else (let x = 1 in x)); y", "if c then a else (let x = 1 in x); y"},
	{"(if c then a else if d then b else (let x = 1 in x)); y", "if c then a else if d then b else (let x = 1 in x); y"},
	{"if c then a else if d then b else let x = 1 in x", "if c then a else if d then b else let x = 1 in x"},
	{"(if c then a else b) + 1", "(if c then a else b) + 1"},
	{"f((a; b), (let x = 1 in x))", "f((a; b), let x = 1 in x)"}, // a sequence as an argument is parenthesised (a tester)
	{"send(c, b, 1; 2)", "send(c, b, (1; 2))"},
	{"let x = 1; 2 in if (a; b) then c; d else e", "let x = (1; 2) in if (a; b) then c; d else e"},
	{"choose(a; b, c)", "choose((a; b), c)"},
	{"let x = (let y = 1 in y) in x", "let x = let y = 1 in y in x"},
	{"update; f()", "update; f()"},
	{"(())", "()"},
}

func TestExprString(t *testing.T) {
	for _, tt := range exprStringTests {
		e, err := parseExpr(t, tt.src)
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		got := ExprString(e)
		if got != tt.want {
			t.Errorf("ExprString(%q) = %q, want %q", tt.src, got, tt.want)
			continue
		}
		// The one-line form parses back to the same tree.
		e2, err := parseExpr(t, got)
		if err != nil {
			t.Errorf("%q: one-line form %q does not parse: %v", tt.src, got, err)
			continue
		}
		if d := diffModuloPos(e, e2); d != "" {
			t.Errorf("%q: one-line form %q parses differently: %s", tt.src, got, d)
		}
	}
}

func TestGTypeString(t *testing.T) {
	tests := []struct{ src, want string }{
		{"mu t.p1->p2:<int>.t", "mu t. p1 -> p2: <int>. t"},
		{"p -> {q,r} : <bool>", "p -> {q, r}: <bool>"},
		{"p->q:{a:end,b:t}.end", "p -> q: { a: end, b: t }. end"},
		{"(a->b:<int>.b->a:<int>).end", "(a -> b: <int>. b -> a: <int>). end"},
		{"a->b:<int>.(b->a:<int>.end)", "a -> b: <int>. b -> a: <int>. end"},
		{"(mu t. t).end", "(mu t. t). end"},
		{"a->b:<unit>.(mu t. t)", "a -> b: <unit>. mu t. t"},
		{"((end))", "end"},
	}
	for _, tt := range tests {
		g, err := parseGType(t, tt.src)
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if got := GTypeString(g); got != tt.want {
			t.Errorf("GTypeString(%q) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestFunString(t *testing.T) {
	f, err := Parse("f.dsu", []byte("thread T { fun f(x, y) = x + y; f(x, y) fun g() = 1 main g() }"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := FunString(f.Threads[0].Funs[0]), "fun f(x, y) = x + y; f(x, y)"; got != want {
		t.Errorf("FunString = %q, want %q", got, want)
	}
	if got, want := FunString(f.Threads[0].Funs[1]), "fun g() = 1"; got != want {
		t.Errorf("FunString = %q, want %q", got, want)
	}
}

// TestComments checks where comments go: before the unit they precede or
// lie in, except the one on a unit's last line, which stays at the end of
// it (found by a tester: `} // c` moved above the thread), those before
// a thread's or an update's closing '}', which stay there (found by a
// tester: they moved above the thread, ahead of its first comments), and
// those before a step of a body (TestBodyComments); at the end if they end
// the file.
func TestComments(t *testing.T) {
	src := `# header

# about P
protocol P = mu t. # inside P
  a -> b: <int>. t // trailing P
service s: P # trailing s
thread A { # after brace
  # before f
  fun f(x) = send(x, b, 1); # inside f
    f(x)
  main f(request(s, {a, b}, a)) # trailing main
  # before closing brace
}
update u {
  # before service
  service s: P
  thread A { fun f(x) = f(x) # trailing f
  }
}
# at the end

// really the end
`
	want := `# header

# about P
# inside P
protocol P = mu t. a -> b: <int>. t // trailing P

service s: P # trailing s

thread A {
  # after brace
  # before f
  fun f(x) =
    send(x, b, 1); # inside f
    f(x)
  main f(request(s, {a, b}, a)) # trailing main
  # before closing brace
}

update u {
  # before service
  service s: P
  thread A {
    fun f(x) = f(x) # trailing f
  }
}

# at the end

// really the end
`
	f := formatsAs(t, src, want)
	if len(f.Comments) != 14 {
		t.Errorf("%d comments recorded, want 14", len(f.Comments))
	}
}

// formatsAs checks that src formats as want and round-trips, and returns
// its parse.
func formatsAs(t *testing.T, src, want string) *File {
	t.Helper()
	f, err := Parse("c.dsu", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := format(f); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if err := checkRoundTrip("c.dsu", f); err != nil {
		t.Error(err)
	}
	return f
}

// TestBodyComments: a comment inside a body, before a step of its chain
// (the body itself, each let's body, the part after each ';'), stays before
// that step, the body laid out one step a line; one that followed code on
// its line stays at the end of the line before the step. A comment inside
// a step goes on a line of its own before that step (found by a tester:
// one in an if's then-branch went after the else-branch, before the next
// step), without blank lines the source did not have. They all used to go
// before the unit.
func TestBodyComments(t *testing.T) {
	src := `thread A {
  fun f(c) = # the head's
    # before the body
    send(c, b, 1); # after a send
    # before the let

    let x = receive(c, b) in # after in
    let y = g(x, # inside a value
              2) in
    if choose(true, false) then
      # when true
      send(c, b, 1)
    else
      # when false
      send(c, b, 2);
    # last step
    h(y,
      # inside the last step
      x)
  main let c = request(s, {a, b}, a) in
    # the call
    f(c)
}
`
	want := `thread A {
  fun f(c) = # the head's
    # before the body
    send(c, b, 1); # after a send
    # before the let

    let x = receive(c, b) in # after in
    # inside a value
    let y = g(x, 2) in
    # when true
    # when false
    if choose(true, false) then send(c, b, 1) else send(c, b, 2);
    # last step
    # inside the last step
    h(y, x)
  main
    let c = request(s, {a, b}, a) in
    # the call
    f(c)
}
`
	formatsAs(t, src, want)
}

// TestBodyCommentsBlankAfterEndOfLine (found by a fmt tester): a blank
// line after a comment at the end of a step's line is kept, as one after a
// comment on a line of its own is; none is added where there was none.
func TestBodyCommentsBlankAfterEndOfLine(t *testing.T) {
	src := `thread A {
  main let x = request(s, {a, b}, a) in # after request

    send(x, b, 1); # after send

    # own line
    send(x, b, 2); # no blank
    ()
}
`
	want := `thread A {
  main
    let x = request(s, {a, b}, a) in # after request

    send(x, b, 1); # after send

    # own line
    send(x, b, 2); # no blank
    ()
}
`
	formatsAs(t, src, want)
}

// TestBodyCommentsParensAndHeads (found by a second tester): a comment
// after a step's opening '(' lies inside the step, so it goes before the
// step on a line of its own, after the comments before the step (it was
// put at the end of the line before, ahead of them); comments in a
// function's head (before its '=') are the function's, before it, in
// order (they moved into the body, reversed); and a comment followed by a
// line with code on it, as `thread A # c` then `{`, gains no blank line.
func TestBodyCommentsParensAndHeads(t *testing.T) {
	src := `thread A # c0
{
  fun f(x) =
  # c1
  ( # c2
  send(x, b, 1); f(x))
  fun
  # one
  g # two
  (x) = send(x, b, 1); g(x)
  main
  # m1
  ( # m2
  f(request(s, {a, b}, a)))
}
thread B {
  fun g(y) = let v = receive(y, a) in
   # c3
   ( # c4
   ( # c5
   update; update)); g(y)
  main g(accept(s, b))
}
`
	want := `thread A {
  # c0
  fun f(x) =
    # c1
    # c2
    send(x, b, 1);
    f(x)
  # one
  # two
  fun g(x) = send(x, b, 1); g(x)
  main
    # m1
    # m2
    f(request(s, {a, b}, a))
}

thread B {
  fun g(y) =
    let v = receive(y, a) in
    # c3
    # c4
    # c5
    (update; update);
    g(y)
  main g(accept(s, b))
}
`
	formatsAs(t, src, want)
}

// TestNoTrailingBlanks: a let whose value is broken over lines ends its
// first line with '=', not '= ' (found by a tester).
func TestNoTrailingBlanks(t *testing.T) {
	long := strings.Repeat("v", 70)
	src := "thread A { main let " + long + " = f(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14) in " + long + " }\n"
	f, err := Parse("c.dsu", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out := format(f)
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimRight(line, " \t") != line {
			t.Errorf("a line ends in blanks: %q\n%s", line, out)
		}
	}
	if err := checkRoundTrip("c.dsu", f); err != nil {
		t.Error(err)
	}
}

// TestClosingComments: comments before a closing '}' stay inside the
// braces, empty ones included, and keep their order.
func TestClosingComments(t *testing.T) {
	src := `update u {
  thread A {
    # only a comment
  }
  thread B { fun g() = 1 # trailing g
    # closing B
  }
  # closing u
}
update v { # in v
}
`
	want := `update u {
  thread A {
    # only a comment
  }
  thread B {
    fun g() = 1 # trailing g
    # closing B
  }
  # closing u
}

update v {
  # in v
}
`
	formatsAs(t, src, want)
}

func TestCommentsOnly(t *testing.T) {
	src := "# one\n# two\n\n\n# three\n"
	f, err := Parse("c.dsu", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := format(f), "# one\n# two\n\n# three\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	f, _ = Parse("e.dsu", nil)
	if got := format(f); got != "" {
		t.Errorf("empty file prints %q", got)
	}
}

// Long bodies break at ';' and after let-in, one step per line; a protocol
// that does not fit breaks one step per line too.
func TestLineBreaking(t *testing.T) {
	src := `protocol Long = mu t. aaaaaaaa -> bbbbbbbb: <int>. bbbbbbbb -> aaaaaaaa: <int>. aaaaaaaa -> bbbbbbbb: { ok: t, stop: end }
thread T {
  fun f(x) = let a = receive(x, bbbbbbbb) in let b = receive(x, bbbbbbbb) in if a < b then send(x, bbbbbbbb, a) else send(x, bbbbbbbb, b); f(x)
  main f(request(s, {aaaaaaaa, bbbbbbbb}, aaaaaaaa))
}
`
	want := `protocol Long =
  mu t.
    aaaaaaaa -> bbbbbbbb: <int>.
    bbbbbbbb -> aaaaaaaa: <int>.
    aaaaaaaa -> bbbbbbbb: { ok: t, stop: end }

thread T {
  fun f(x) =
    let a = receive(x, bbbbbbbb) in
    let b = receive(x, bbbbbbbb) in
    if a < b then send(x, bbbbbbbb, a) else send(x, bbbbbbbb, b);
    f(x)
  main f(request(s, {aaaaaaaa, bbbbbbbb}, aaaaaaaa))
}
`
	f, err := Parse("l.dsu", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := format(f); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if err := checkRoundTrip("l.dsu", f); err != nil {
		t.Error(err)
	}
}
