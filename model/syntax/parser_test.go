package syntax

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sx renders an expression as an S-expression, so that tests state the
// tree a string parses to independently of the printer.
func sx(e Expr) string {
	switch e := e.(type) {
	case nil:
		return "<nil>"
	case *Let:
		return fmt.Sprintf("(let %s %s %s)", e.Name.Name, sx(e.Value), sx(e.Body))
	case *Seq:
		return fmt.Sprintf("(seq %s %s)", sx(e.First), sx(e.Second))
	case *If:
		return fmt.Sprintf("(if %s %s %s)", sx(e.Cond), sx(e.Then), sx(e.Else))
	case *Call:
		return "(call " + e.Fun.Name + sxList(e.Args) + ")"
	case *Request:
		return fmt.Sprintf("(request %s %s %s)", e.Service.Name, sxIdents(e.Roles), e.Role.Name)
	case *Accept:
		return fmt.Sprintf("(accept %s %s)", e.Service.Name, e.Role.Name)
	case *Send:
		return fmt.Sprintf("(send %s %s %s)", sx(e.Chan), sxIdents(e.To), sx(e.Value))
	case *Receive:
		return fmt.Sprintf("(receive %s %s)", sx(e.Chan), e.From.Name)
	case *Select:
		return fmt.Sprintf("(select %s %s %s)", sx(e.Chan), sxIdents(e.To), e.Label.Name)
	case *Case:
		s := fmt.Sprintf("(case %s %s", sx(e.Chan), e.From.Name)
		for _, b := range e.Branches {
			s += fmt.Sprintf(" [%s %s]", b.Label.Name, sx(b.Body))
		}
		return s + ")"
	case *UpdatePoint:
		return "update"
	case *Choose:
		return "(choose" + sxList(e.Options) + ")"
	case *IntLit:
		return fmt.Sprint(e.Value)
	case *BoolLit:
		return fmt.Sprint(e.Value)
	case *UnitLit:
		return "()"
	case *Var:
		return e.Name.Name
	case *Binary:
		return fmt.Sprintf("(%s %s %s)", e.Op, sx(e.X), sx(e.Y))
	case *Unary:
		return fmt.Sprintf("(%s %s)", e.Op, sx(e.X))
	}
	return fmt.Sprintf("<%T>", e)
}

func sxList(es []Expr) string {
	s := ""
	for _, e := range es {
		s += " " + sx(e)
	}
	return s
}

func sxIdents(ids []Ident) string {
	var names []string
	for _, id := range ids {
		names = append(names, id.Name)
	}
	return "[" + strings.Join(names, " ") + "]"
}

func sg(g GType) string {
	switch g := g.(type) {
	case nil:
		return "<nil>"
	case *GMsg:
		return fmt.Sprintf("(msg %s %s %s)", g.From.Name, sxIdents(g.To), g.Type)
	case *GChoice:
		s := fmt.Sprintf("(choice %s %s", g.From.Name, sxIdents(g.To))
		for _, b := range g.Branches {
			s += fmt.Sprintf(" [%s %s]", b.Label.Name, sg(b.Body))
		}
		return s + ")"
	case *GSeq:
		return fmt.Sprintf("(. %s %s)", sg(g.First), sg(g.Second))
	case *GRec:
		return fmt.Sprintf("(mu %s %s)", g.Var.Name, sg(g.Body))
	case *GVar:
		return g.Name.Name
	case *GEnd:
		return "end"
	}
	return fmt.Sprintf("<%T>", g)
}

// parseExpr parses src as the main expression of a thread.
func parseExpr(t *testing.T, src string) (Expr, error) {
	t.Helper()
	f, err := Parse("x.dsu", []byte("thread T { main "+src+"\n}"))
	if err != nil {
		return nil, err
	}
	return f.Threads[0].Main, nil
}

func parseGType(t *testing.T, src string) (GType, error) {
	t.Helper()
	f, err := Parse("x.dsu", []byte("protocol P = "+src+"\n"))
	if err != nil {
		return nil, err
	}
	return f.Protocols[0].Body, nil
}

var exprTests = []struct{ src, want string }{
	// literals and names
	{"1", "1"},
	{"0", "0"},
	{"9223372036854775807", "9223372036854775807"},
	{"true", "true"},
	{"false", "false"},
	{"()", "()"},
	{"( )", "()"},
	{"x", "x"},
	{"_", "_"},
	{"update", "update"},
	// unary
	{"-1", "(- 1)"},
	{"- 1", "(- 1)"},
	{"--1", "(- (- 1))"},
	{"not x", "(not x)"},
	{"not not x", "(not (not x))"},
	{"-x * y", "(* (- x) y)"},
	{"not a && b", "(&& (not a) b)"},
	{"not a == b", "(== (not a) b)"},
	{"not (a == b)", "(not (== a b))"},
	// precedence and associativity
	{"1 + 2 * 3", "(+ 1 (* 2 3))"},
	{"(1 + 2) * 3", "(* (+ 1 2) 3)"},
	{"1 - 2 - 3", "(- (- 1 2) 3)"},
	{"1 - (2 - 3)", "(- 1 (- 2 3))"},
	{"8 / 4 / 2", "(/ (/ 8 4) 2)"},
	{"7 % 3 * 2", "(* (% 7 3) 2)"},
	{"a - -1", "(- a (- 1))"},
	{"a || b && c", "(|| a (&& b c))"},
	{"a && b || c", "(|| (&& a b) c)"},
	{"a || b || c", "(|| (|| a b) c)"},
	{"a < b && c >= d", "(&& (< a b) (>= c d))"},
	{"a + 1 == b * 2", "(== (+ a 1) (* b 2))"},
	{"a <= b", "(<= a b)"},
	{"a > b", "(> a b)"},
	{"a != b", "(!= a b)"},
	{"(a < b) < c", "(< (< a b) c)"},
	{"a < (b < c)", "(< a (< b c))"},
	// let, seq, if
	{"let x = 1 in x", "(let x 1 x)"},
	{"let x = a in b; c", "(let x a (seq b c))"},
	{"let x = a; b in c", "(let x (seq a b) c)"},
	{"let x = let y = 1 in y in x", "(let x (let y 1 y) x)"},
	{"a; b; c", "(seq a (seq b c))"},
	{"(a; b); c", "(seq (seq a b) c)"},
	{"if c then a else b", "(if c a b)"},
	{"if c then a else b; d", "(seq (if c a b) d)"},
	{"if c then a; b else d", "(if c (seq a b) d)"},
	{"if c then a else (b; d)", "(if c a (seq b d))"},
	{"if c then a else let x = 1 in x; y", "(if c a (let x 1 (seq x y)))"},
	{"if c then a else if d then b else e; f", "(seq (if c a (if d b e)) f)"},
	{"if a < b then 1 else 2 + 3", "(if (< a b) 1 (+ 2 3))"},
	{"if if a then b else c then d else e", "(if (if a b c) d e)"},
	{"(if c then a else b) + 1", "(+ (if c a b) 1)"},
	{"f(let x = 1 in x, if a then b else c)", "(call f (let x 1 x) (if a b c))"},
	{"let x = if c then a else b in x", "(let x (if c a b) x)"},
	{"let _ = a in b", "(let _ a b)"},
	// calls and communication
	{"f()", "(call f)"},
	{"f(x)", "(call f x)"},
	{"f(x, y + 1, g(z))", "(call f x (+ y 1) (call g z))"},
	{"request(s, {p1, p2}, p1)", "(request s [p1 p2] p1)"},
	{"request(s, {p1}, p1)", "(request s [p1] p1)"},
	{"accept(s, p2)", "(accept s p2)"},
	{"send(x, p2, 1)", "(send x [p2] 1)"},
	{"send(x, {p2}, 1)", "(send x [p2] 1)"},
	{"send(x, {p2, p3}, a + 1)", "(send x [p2 p3] (+ a 1))"},
	{"receive(x, p1)", "(receive x p1)"},
	{"select(y, p1, error)", "(select y [p1] error)"},
	{"select(y, {p1, p3}, result)", "(select y [p1 p3] result)"},
	{"case(x, p2, { result: receive(x, p2), error: () })", "(case x p2 [result (receive x p2)] [error ()])"},
	{"case(x, p2, { l: a; b })", "(case x p2 [l (seq a b)])"},
	{"choose(1)", "(choose 1)"},
	{"choose(-1, 1)", "(choose (- 1) 1)"},
	{"choose(a, b, c)", "(choose a b c)"},
	{"receive(f(x), p) + 1", "(+ (receive (call f x) p) 1)"},
	{"send(x, p2, choose(-1, 1)); send(x, p2, 2); receive(x, p2); f(x)",
		"(seq (send x [p2] (choose (- 1) 1)) (seq (send x [p2] 2) (seq (receive x p2) (call f x))))"},
	// comments and white space anywhere
	{"1 + # one\n 2 // two\n * 3", "(+ 1 (* 2 3))"},
	{"a\t;\r\nb", "(seq a b)"},
}

func TestExprForms(t *testing.T) {
	for _, tt := range exprTests {
		e, err := parseExpr(t, tt.src)
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if got := sx(e); got != tt.want {
			t.Errorf("%q parses as\n  %s\nwant\n  %s", tt.src, got, tt.want)
		}
	}
}

var gtypeTests = []struct{ src, want string }{
	{"end", "end"},
	{"t", "t"},
	{"p -> q: <int>", "(msg p [q] int)"},
	{"p->q:<bool>", "(msg p [q] bool)"},
	{"p -> {q, r}: <unit>", "(msg p [q r] unit)"},
	{"p -> {q}: <int>", "(msg p [q] int)"},
	{"p -> q: <int>. end", "(. (msg p [q] int) end)"},
	{"a -> b: <int>. b -> c: <int>. c -> a: <int>", "(. (msg a [b] int) (. (msg b [c] int) (msg c [a] int)))"},
	{"mu t. p -> q: <int>. t", "(mu t (. (msg p [q] int) t))"},
	{"mu t. mu u. t", "(mu t (mu u t))"},
	{"(mu t. p -> q: <int>. t). end", "(. (mu t (. (msg p [q] int) t)) end)"},
	{"(a -> b: <int>. b -> a: <int>). end", "(. (. (msg a [b] int) (msg b [a] int)) end)"},
	{"(end)", "end"},
	{"p -> q: { l: end }", "(choice p [q] [l end])"},
	{"p2 -> p1: { result: p2 -> p1: <int>. t, error: t }", "(choice p2 [p1] [result (. (msg p2 [p1] int) t)] [error t])"},
	{"p -> {q, r}: { a: end, b: t }. end", "(. (choice p [q r] [a end] [b t]) end)"},
	{"p -> q: <int>. mu t. q -> p: <int>. t", "(. (msg p [q] int) (mu t (. (msg q [p] int) t)))"},
	{"mu t. p1 -> p2: <int>. p1 -> p2: <int>.\n p2 -> p1: { result: p2 -> p1: <int>. t, error: t }",
		"(mu t (. (msg p1 [p2] int) (. (msg p1 [p2] int) (choice p2 [p1] [result (. (msg p2 [p1] int) t)] [error t]))))"},
}

func TestGTypeForms(t *testing.T) {
	for _, tt := range gtypeTests {
		g, err := parseGType(t, tt.src)
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if got := sg(g); got != tt.want {
			t.Errorf("%q parses as\n  %s\nwant\n  %s", tt.src, got, tt.want)
		}
	}
}

func TestEmptyFile(t *testing.T) {
	for _, src := range []string{"", "\n\n", "# only a comment\n", "// c", "\xEF\xBB\xBF"} {
		f, err := Parse("e.dsu", []byte(src))
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if len(f.Decls) != 0 {
			t.Errorf("%q: %d decls", src, len(f.Decls))
		}
	}
}

func TestPaperModels(t *testing.T) {
	root := filepath.Join("..", "..", "models")
	src, err := os.ReadFile(filepath.Join(root, "mathserver.dsu"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse("mathserver.dsu", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Protocols) != 2 || len(f.Services) != 1 || len(f.Threads) != 2 || len(f.Updates) != 1 {
		t.Fatalf("mathserver: %d protocols, %d services, %d threads, %d updates",
			len(f.Protocols), len(f.Services), len(f.Threads), len(f.Updates))
	}
	if got, want := sg(f.Protocols[0].Body), "(mu t (. (msg p1 [p2] int) (. (msg p1 [p2] int) (. (msg p2 [p1] int) t))))"; got != want {
		t.Errorf("MathA = %s, want %s", got, want)
	}
	p1 := f.Threads[0]
	if p1.Name.Name != "P1" || len(p1.Funs) != 1 || p1.Funs[0].Name.Name != "f" || len(p1.Funs[0].Params) != 1 {
		t.Errorf("thread P1 parsed wrong: %+v", p1)
	}
	if got, want := sx(p1.Main), "(let x1 (request s [p1 p2] p1) (call f x1))"; got != want {
		t.Errorf("P1 main = %s, want %s", got, want)
	}
	u := f.Updates[0]
	if u.Name.Name != "toB" || len(u.Services) != 1 || u.Services[0].Protocol.Name != "MathB" || len(u.Threads) != 2 || len(u.Decls) != 3 {
		t.Errorf("update toB parsed wrong: %+v", u)
	}
	g := u.Threads[1].Funs[0]
	want := "(let z1 (receive y p1) (let z2 (receive y p1) (seq (if (< z1 0) (select y [p1] error) (seq (select y [p1] result) (send y [p1] (+ z1 z2)))) (call g y))))"
	if got := sx(g.Body); got != want {
		t.Errorf("new g =\n  %s\nwant\n  %s", got, want)
	}

	src, err = os.ReadFile(filepath.Join(root, "prodcons.dsu"))
	if err != nil {
		t.Fatal(err)
	}
	f, err = Parse("prodcons.dsu", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Protocols) != 2 || len(f.Services) != 1 || len(f.Threads) != 2 || len(f.Updates) != 1 {
		t.Fatalf("prodcons: wrong declaration counts")
	}
	if got, want := sx(f.Threads[0].Main), "(call produce (request pc [prod cons] prod))"; got != want {
		t.Errorf("Producer main = %s, want %s", got, want)
	}
}

func TestPositions(t *testing.T) {
	src := "protocol P = mu t. a -> b: <int>. t\nservice s: P\nthread T {\n  fun f(x) = x + 1\n  main f(2)\n}\n"
	f, err := Parse("p.dsu", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got Pos, line, col int32) {
		t.Helper()
		if got != (Pos{line, col}) {
			t.Errorf("%s at %d:%d, want %d:%d", what, got.Line, got.Col, line, col)
		}
	}
	p := f.Protocols[0]
	check("protocol", p.Pos, 1, 1)
	check("protocol name", p.Name.Pos, 1, 10)
	rec := p.Body.(*GRec)
	check("mu", rec.Pos, 1, 14)
	seq := rec.Body.(*GSeq)
	check("seq", seq.Pos, 1, 20)
	msg := seq.First.(*GMsg)
	check("msg", msg.Pos, 1, 20)
	check("msg type", msg.TypePos, 1, 29)
	check("service protocol", f.Services[0].Protocol.Pos, 2, 12)
	th := f.Threads[0]
	check("thread", th.Pos, 3, 1)
	check("fun", th.Funs[0].Pos, 4, 3)
	check("param", th.Funs[0].Params[0].Pos, 4, 9)
	bin := th.Funs[0].Body.(*Binary)
	check("binary op", bin.OpPos, 4, 16)
	check("binary", bin.Position(), 4, 14)
	check("main", th.MainPos, 5, 3)
	check("call", th.Main.Position(), 5, 8)
}

// Inputs at the edges of the lexer and of comment placement: each parses,
// and its normal form round-trips.
func TestEdgeCases(t *testing.T) {
	for _, src := range []string{
		"thread A { main update # c\n }",
		"update # c\n u { } # d",
		"update u {\n  # only a comment\n}",
		"thread A {\n  main f(x)\n  # after main, before the brace\n}\n",
		"thread A { fun f() = update; f() main f() }\nupdate u { thread A { fun f() = f() } }",
		"protocol P = # in P\n  a -> b: <int>\n# between\nservice s: P",
		"# c1\r\n# c2\r\nthread A {\r\n  main 1\r\n}\r\n",
		"\xEF\xBB\xBFthread A { main 1 }",
		"thread A { main x_1 + _y + Z9 }",
		"thread A { main 007 }",
		"//\n#\nthread A { main 1 } //",
		"protocol P = a -> b: <int>.\n\n  b -> a: <int>\n\n\n# end",
		"thread A { main f(x) } # trailing\n\n\n# separate\n\n# at the end\n",
	} {
		f, err := Parse("edge.dsu", []byte(src))
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if err := checkRoundTrip("edge.dsu", f); err != nil {
			t.Errorf("%q: %v", src, err)
		}
		if got, want := len(f.Comments), strings.Count(src, "#")+strings.Count(src, "//"); got != want {
			t.Errorf("%q: %d comments, want %d", src, got, want)
		}
	}
}

func TestUpdateKeyword(t *testing.T) {
	// `update` is a declaration after a declaration, and an expression in
	// an expression.
	f, err := Parse("u.dsu", []byte("thread A { main update; update }\nupdate u { }"))
	if err != nil {
		t.Fatal(err)
	}
	if got := sx(f.Threads[0].Main); got != "(seq update update)" {
		t.Errorf("main = %s", got)
	}
	if len(f.Updates) != 1 || f.Updates[0].Name.Name != "u" {
		t.Errorf("update declaration not parsed: %+v", f.Updates)
	}
	if !IsKeyword("update") || !IsKeyword("int") || IsKeyword("result") || IsKeyword("error") {
		t.Error("IsKeyword is wrong")
	}
}

// TestTooDeepAtOperator: a sum too long to nest is reported at the operator
// that goes past MaxDepth, whatever follows it (it was reported at the
// token after the last operand: the closing brace on the next line for one
// length, a term for the next; found by a tester).
func TestTooDeepAtOperator(t *testing.T) {
	var at []string
	for _, n := range []int{MaxDepth + 1, MaxDepth + 2, MaxDepth + 10} {
		src := "thread T {\n  main " + strings.Repeat("1 + ", n-1) + "1\n}\n"
		_, err := Parse("sum.dsu", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "too deeply nested") {
			t.Fatalf("%d terms: %v, want too deeply nested", n, err)
		}
		pos := strings.SplitN(err.Error(), ": ", 2)[0]
		at = append(at, pos)
		line, col := 0, 0
		fmt.Sscanf(strings.TrimPrefix(pos, "sum.dsu:"), "%d:%d", &line, &col)
		if line != 2 || col < 8 || src[len("thread T {\n")+col-1] != '+' {
			t.Errorf("%d terms: reported at %s, want at a + on line 2", n, pos)
		}
	}
	if at[0] != at[1] || at[1] != at[2] {
		t.Errorf("reported at %v, want one place for every length", at)
	}
}

// TestNestedIfDepth: an if nested in another's condition or then-branch is
// one level deeper, as in its else-branch (a tester: 500 were refused,
// where language.md says about a thousand): 990 nest, 1010 do not.
func TestNestedIfDepth(t *testing.T) {
	forms := map[string]func(n int) string{
		"then": func(n int) string {
			return strings.Repeat("if true then ", n) + "()" + strings.Repeat(" else ()", n)
		},
		"condition": func(n int) string {
			return strings.Repeat("if ", n) + "true" + strings.Repeat(" then true else true", n)
		},
		"else": func(n int) string {
			return strings.Repeat("if true then () else ", n) + "()"
		},
	}
	for name, form := range forms {
		for _, n := range []int{MaxDepth - 10, MaxDepth + 10} {
			_, err := Parse("if.dsu", []byte("thread T {\n  main "+form(n)+"\n}\n"))
			if deep := err != nil && strings.Contains(err.Error(), "too deeply nested"); deep != (n > MaxDepth) || (err != nil && !deep) {
				t.Errorf("%d ifs nested in the %s: %v", n, name, err)
			}
		}
	}
}
