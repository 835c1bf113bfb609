package model

import (
	"slices"
	"strings"
	"testing"
)

// loadProtocols loads src (protocol declarations) with a dummy thread, so
// that the model is complete.
func loadProtocols(t *testing.T, src string) *Model {
	t.Helper()
	m, err := Load("test.dsu", []byte(src+"\nthread T { main () }\n"))
	if err != nil {
		t.Fatalf("Load:\n%v", err)
	}
	return m
}

type wantLocal struct {
	text   string
	states string // Describe(), lines joined by "; "
}

func describe(l *LocalType) string {
	return strings.Join(strings.Split(strings.TrimSuffix(l.Describe(), "\n"), "\n"), "; ")
}

// Every expected local type and automaton below is written by hand from the
// projection rules, not copied from the output.
var projectionTests = []struct {
	name    string
	src     string
	roles   []string
	looping bool
	global  string // normalised global type, if checked
	local   map[string]wantLocal
}{
	{
		name:    "MathA",
		src:     `protocol MathA = mu t. p1 -> p2: <int>. p1 -> p2: <int>. p2 -> p1: <int>. t`,
		roles:   []string{"p1", "p2"},
		looping: true,
		local: map[string]wantLocal{
			"p1": {"mu t. p2!<int>. p2!<int>. p2?<int>. t", "0: p2!<int> -> 1; 1: p2!<int> -> 2; 2: p2?<int> -> 0 (ends run)"},
			"p2": {"mu t. p1?<int>. p1?<int>. p1!<int>. t", "0: p1?<int> -> 1; 1: p1?<int> -> 2; 2: p1!<int> -> 0 (ends run)"},
		},
	},
	{
		name: "MathB",
		src: `protocol MathB = mu t. p1 -> p2: <int>. p1 -> p2: <int>.
                 p2 -> p1: { result: p2 -> p1: <int>. t, error: t }`,
		roles:   []string{"p1", "p2"},
		looping: true,
		local: map[string]wantLocal{
			"p1": {"mu t. p2!<int>. p2!<int>. p2 & {error: t, result: p2?<int>. t}",
				"0: p2!<int> -> 1; 1: p2!<int> -> 2; 2: p2 & {error -> 0 (ends run), result -> 3}; 3: p2?<int> -> 0 (ends run)"},
			"p2": {"mu t. p1?<int>. p1?<int>. p1 + {error: t, result: p1!<int>. t}",
				"0: p1?<int> -> 1; 1: p1?<int> -> 2; 2: p1 + {error -> 0 (ends run), result -> 3}; 3: p1!<int> -> 0 (ends run)"},
		},
	},
	{
		name:    "PC3",
		src:     `protocol PC3 = mu t. prod -> cons: <int>. prod -> cons: <int>. prod -> cons: <bool>. t`,
		roles:   []string{"prod", "cons"},
		looping: true,
		local: map[string]wantLocal{
			"prod": {"mu t. cons!<int>. cons!<int>. cons!<bool>. t", "0: cons!<int> -> 1; 1: cons!<int> -> 2; 2: cons!<bool> -> 0 (ends run)"},
			"cons": {"mu t. prod?<int>. prod?<int>. prod?<bool>. t", "0: prod?<int> -> 1; 1: prod?<int> -> 2; 2: prod?<bool> -> 0 (ends run)"},
		},
	},
	{
		name:    "PC2",
		src:     `protocol PC2 = mu t. prod -> cons: <int>. prod -> cons: <bool>. t`,
		roles:   []string{"prod", "cons"},
		looping: true,
		local: map[string]wantLocal{
			"prod": {"mu t. cons!<int>. cons!<bool>. t", "0: cons!<int> -> 1; 1: cons!<bool> -> 0 (ends run)"},
			"cons": {"mu t. prod?<int>. prod?<bool>. t", "0: prod?<int> -> 1; 1: prod?<bool> -> 0 (ends run)"},
		},
	},
	{
		name:  "three roles, one run",
		src:   `protocol Ring = a -> b: <int>. b -> c: <int>. c -> a: <bool>`,
		roles: []string{"a", "b", "c"},
		local: map[string]wantLocal{
			"a": {"b!<int>. c?<bool>. end", "0: b!<int> -> 1; 1: c?<bool> -> 2 (ends run); 2: end"},
			"b": {"a?<int>. c!<int>. end", "0: a?<int> -> 1; 1: c!<int> -> 2 (ends run); 2: end"},
			"c": {"b?<int>. a!<bool>. end", "0: b?<int> -> 1; 1: a!<bool> -> 2 (ends run); 2: end"},
		},
	},
	{
		name:    "merge: r learns the choice from q",
		src:     `protocol Merge = mu t. p -> q: { more: q -> r: { go: t }, stop: q -> r: { done: end } }`,
		roles:   []string{"p", "q", "r"},
		looping: true,
		local: map[string]wantLocal{
			"p": {"mu t. q + {more: t, stop: end}", "0: q + {more -> 0 (ends run), stop -> 1 (ends run)}; 1: end"},
			"q": {"mu t. p & {more: r + {go: t}, stop: r + {done: end}}",
				"0: p & {more -> 1, stop -> 2}; 1: r + {go -> 0 (ends run)}; 2: r + {done -> 3 (ends run)}; 3: end"},
			"r": {"mu t. q & {done: end, go: t}", "0: q & {done -> 1 (ends run), go -> 0 (ends run)}; 1: end"},
		},
	},
	{
		name:  "merge: identical branches",
		src:   `protocol Same = mu t. p -> q: { a: r -> s: <int>. t, b: r -> s: <int>. t }`,
		roles: []string{"p", "q", "r", "s"}, looping: true,
		local: map[string]wantLocal{
			"r": {"mu t. s!<int>. t", "0: s!<int> -> 0 (ends run)"},
			"s": {"mu t. r?<int>. t", "0: r?<int> -> 0 (ends run)"},
		},
	},
	{
		name: "merge: common label merged recursively",
		src: `protocol Deep = p -> q: { a: q -> r: { x: q -> r: { u: end } },
                       b: q -> r: { x: q -> r: { v: end }, y: end } }`,
		roles: []string{"p", "q", "r"},
		local: map[string]wantLocal{
			"r": {"q & {x: q & {u: end, v: end}, y: end}",
				"0: q & {x -> 1, y -> 2 (ends run)}; 1: q & {u -> 2 (ends run), v -> 2 (ends run)}; 2: end"},
		},
	},
	{
		name:  "nested choices",
		src:   `protocol Nested = p -> q: { a: q -> p: { x: end, y: p -> q: <int> }, b: end }`,
		roles: []string{"p", "q"},
		local: map[string]wantLocal{
			"p": {"q + {a: q & {x: end, y: q!<int>. end}, b: end}",
				"0: q + {a -> 1, b -> 2 (ends run)}; 1: q & {x -> 2 (ends run), y -> 3}; 2: end; 3: q!<int> -> 2 (ends run)"},
			"q": {"p & {a: p + {x: end, y: p?<int>. end}, b: end}",
				"0: p & {a -> 1, b -> 2 (ends run)}; 1: p + {x -> 2 (ends run), y -> 3}; 2: end; 3: p?<int> -> 2 (ends run)"},
		},
	},
	{
		name:  "recursion inside a choice",
		src:   `protocol Inner = p -> q: { once: p -> q: <int>, many: mu s. p -> q: { more: p -> q: <int>. s, done: end } }`,
		roles: []string{"p", "q"},
		local: map[string]wantLocal{
			"p": {"q + {many: mu s. q + {done: end, more: q!<int>. s}, once: q!<int>. end}",
				"0: q + {many -> 1, once -> 4}; 1: q + {done -> 2 (ends run), more -> 3}; 2: end; 3: q!<int> -> 1; 4: q!<int> -> 2 (ends run)"},
			"q": {"p & {many: mu s. p & {done: end, more: p?<int>. s}, once: p?<int>. end}",
				"0: p & {many -> 1, once -> 4}; 1: p & {done -> 2 (ends run), more -> 3}; 2: end; 3: p?<int> -> 1; 4: p?<int> -> 2 (ends run)"},
		},
	},
	{
		name:    "multicast",
		src:     `protocol Cast = mu t. p -> {r, q}: <int>. q -> p: <bool>. t`,
		roles:   []string{"p", "r", "q"},
		looping: true,
		local: map[string]wantLocal{
			"p": {"mu t. {q, r}!<int>. q?<bool>. t", "0: {q, r}!<int> -> 1; 1: q?<bool> -> 0 (ends run)"},
			"q": {"mu t. p?<int>. p!<bool>. t", "0: p?<int> -> 1; 1: p!<bool> -> 0 (ends run)"},
			"r": {"mu t. p?<int>. t", "0: p?<int> -> 0 (ends run)"},
		},
	},
	{
		name:   "sequence after a choice",
		src:    `protocol SeqC = (p -> q: { a: q -> p: <int>, b: end }). p -> q: <bool>`,
		roles:  []string{"p", "q"},
		global: "p -> q: {a: q -> p: <int>. p -> q: <bool>, b: p -> q: <bool>}",
		local: map[string]wantLocal{
			"p": {"q + {a: q?<int>. q!<bool>. end, b: q!<bool>. end}",
				"0: q + {a -> 1, b -> 2}; 1: q?<int> -> 2; 2: q!<bool> -> 3 (ends run); 3: end"},
		},
	},
	{
		name:    "loop until stop, then more",
		src:     `protocol Until = (mu t. p -> q: { more: t, stop: end }). q -> p: <int>`,
		roles:   []string{"p", "q"},
		looping: true,
		global:  "mu t. p -> q: {more: t, stop: q -> p: <int>}",
		local: map[string]wantLocal{
			"p": {"mu t. q + {more: t, stop: q?<int>. end}",
				"0: q + {more -> 0 (ends run), stop -> 1}; 1: q?<int> -> 2 (ends run); 2: end"},
		},
	},
	{
		name:    "continuation moved under a binder of the same name",
		src:     `protocol Twice = (mu t. p -> q: { more: t, stop: end }). mu t. q -> p: <int>. t`,
		roles:   []string{"p", "q"},
		looping: true,
		local: map[string]wantLocal{
			// Only the first t is the run loop.
			"p": {"mu t. q + {more: t, stop: mu t_2. q?<int>. t_2}",
				"0: q + {more -> 0 (ends run), stop -> 1}; 1: q?<int> -> 1"},
		},
	},
	{
		// Found by a tester: c was asked to tell x (going round t, where it
		// does nothing) from y (end), and the protocol was refused.
		name:  "a role with no part in a loop that holds a choice",
		src:   `protocol Idle = a -> c: <int>. mu t. a -> b: {x: t, y: end}`,
		roles: []string{"a", "c", "b"},
		local: map[string]wantLocal{
			"a": {"c!<int>. mu t. b + {x: t, y: end}", "0: c!<int> -> 1; 1: b + {x -> 1, y -> 2 (ends run)}; 2: end"},
			"b": {"mu t. a & {x: t, y: end}", "0: a & {x -> 0, y -> 1 (ends run)}; 1: end"},
			"c": {"a?<int>. end", "0: a?<int> -> 1 (ends run); 1: end"},
		},
	},
	{
		// Each branch a loop that a takes no part in: end in both.
		name:  "loops in both branches, the chooser in neither",
		src:   `protocol Both = a -> b: {x: mu t. b -> c: {k: t, e: end}, y: mu s. b -> c: {k: s, e: end}}`,
		roles: []string{"a", "b", "c"},
		local: map[string]wantLocal{
			"a": {"b + {x: end, y: end}", "0: b + {x -> 1 (ends run), y -> 1 (ends run)}; 1: end"},
		},
	},
	{
		// Found by a tester: the global line kept mu s, which binds nothing.
		name:    "binders that bind nothing",
		src:     `protocol Unused = mu t. p -> q: <int>. mu s. (mu u. t)`,
		roles:   []string{"p", "q"},
		looping: true,
		global:  "mu t. p -> q: <int>. t",
		local: map[string]wantLocal{
			"p": {"mu t. q!<int>. t", "0: q!<int> -> 0 (ends run)"},
		},
	},
	{
		// Found by a tester: mu t. mu u. ... u printed as mu t ... t, a
		// name for the loop the loop does not use.
		name:    "directly nested binders, the inner one used",
		src:     `protocol Inner = mu t. mu u. p -> q: <int>. u`,
		roles:   []string{"p", "q"},
		looping: true,
		global:  "mu u. p -> q: <int>. u",
		local: map[string]wantLocal{
			"p": {"mu u. q!<int>. u", "0: q!<int> -> 0 (ends run)"},
		},
	},
	{
		name:    "a role not in the loop's body after its first message",
		src:     `protocol Once = mu t. p -> q: <int>. mu s. q -> r: <int>. s`,
		roles:   []string{"p", "q", "r"},
		global:  "p -> q: <int>. mu s. q -> r: <int>. s",
		looping: false, // t is never used: no run loop at top level
		local: map[string]wantLocal{
			"p": {"q!<int>. end", "0: q!<int> -> 1 (ends run); 1: end"},
			"r": {"mu s. q?<int>. s", "0: q?<int> -> 0"},
		},
	},
}

func TestProjection(t *testing.T) {
	for _, tt := range projectionTests {
		t.Run(tt.name, func(t *testing.T) {
			m := loadProtocols(t, tt.src)
			if len(m.Protocols) != 1 {
				t.Fatalf("got %d protocols", len(m.Protocols))
			}
			p := m.Protocols[0]
			if !slices.Equal(p.Roles, tt.roles) {
				t.Errorf("roles = %v, want %v", p.Roles, tt.roles)
			}
			if p.Looping != tt.looping {
				t.Errorf("Looping = %v, want %v", p.Looping, tt.looping)
			}
			if tt.global != "" && p.Global != tt.global {
				t.Errorf("Global:\n got %s\nwant %s", p.Global, tt.global)
			}
			if len(p.Local) != len(p.Roles) {
				t.Errorf("%d local types for %d roles", len(p.Local), len(p.Roles))
			}
			for role, want := range tt.local {
				l := p.Local[role]
				if l == nil {
					t.Errorf("no local type for %s", role)
					continue
				}
				if l.Role != role || l.Protocol != p.Name {
					t.Errorf("local type names %s/%s, want %s/%s", l.Protocol, l.Role, p.Name, role)
				}
				if l.Text != want.text {
					t.Errorf("%s text:\n got %s\nwant %s", role, l.Text, want.text)
				}
				if got := describe(l); got != want.states {
					t.Errorf("%s states:\n got %s\nwant %s", role, got, want.states)
				}
				checkMonitor(t, role, l)
			}
		})
	}
}

// checkMonitor checks invariants every monitor must satisfy.
func checkMonitor(t *testing.T, role string, l *LocalType) {
	t.Helper()
	if len(l.States) == 0 {
		t.Fatalf("%s: no states", role)
	}
	for i, s := range l.States {
		in := func(n int) {
			if n < 0 || n >= len(l.States) {
				t.Errorf("%s: state %d jumps to %d, out of range", role, i, n)
			}
		}
		switch s.Kind {
		case LSend, LSelect:
			if !slices.IsSorted(s.Peers) || len(s.Peers) == 0 {
				t.Errorf("%s: state %d peers %v not sorted or empty", role, i, s.Peers)
			}
		case LRecv, LOffer:
			if len(s.Peers) != 1 {
				t.Errorf("%s: state %d has %d peers, want 1", role, i, len(s.Peers))
			}
		}
		switch s.Kind {
		case LSend, LRecv:
			in(s.Next)
			if l.States[s.Next].Kind == LEnd && !s.EndsRun {
				t.Errorf("%s: state %d enters end without EndsRun", role, i)
			}
		case LSelect, LOffer:
			if !slices.IsSortedFunc(s.Branches, func(a, b LBranch) int { return strings.Compare(a.Label, b.Label) }) {
				t.Errorf("%s: state %d branches not sorted", role, i)
			}
			for _, b := range s.Branches {
				in(b.Next)
				if l.States[b.Next].Kind == LEnd && !b.EndsRun {
					t.Errorf("%s: state %d enters end without EndsRun", role, i)
				}
			}
		}
	}
}

func TestMulticastPeers(t *testing.T) {
	m := loadProtocols(t, `protocol Cast = p -> {r, q}: <int>. p -> {s, q}: { x: end }`)
	l := m.Protocols[0].Local["p"]
	if got := l.States[0].Peers; !slices.Equal(got, []string{"q", "r"}) {
		t.Errorf("send peers = %v, want [q r]", got)
	}
	if got := l.States[1].Peers; !slices.Equal(got, []string{"q", "s"}) {
		t.Errorf("select peers = %v, want [q s]", got)
	}
	if l.States[1].Kind != LSelect {
		t.Errorf("state 1 kind = %v, want LSelect", l.States[1].Kind)
	}
	if b, ok := l.States[1].Branch("x"); !ok || l.States[b.Next].Kind != LEnd || !b.EndsRun {
		t.Errorf("branch x = %+v, %v", b, ok)
	}
}

func TestUnprojectableMessage(t *testing.T) {
	src := "protocol P =\n  mu t. p -> q: { a: q -> r: <int>. t, b: end }\nthread T { main () }\n"
	_, err := Load("mathserver.dsu", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	want := "mathserver.dsu:2:9: protocol P cannot be projected onto role r: r is not told which branch of the choice at 2:9 was taken, and its behaviour differs (in branch a: q?<int>. t; in branch b: end)"
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
}

// TestGlobalReadsBack: the global type project prints reads back as the
// same protocol; a continuation moved under a binder of the same name was
// printed inside it with the name shadowed, which the parser refuses; and
// a binder no variable uses is no loop (adversarial tester).
func TestGlobalReadsBack(t *testing.T) {
	m := loadProtocols(t, "protocol P = (mu t. a -> b: {x: t, y: end}). (mu t. b -> a: {x: t, y: end})\nprotocol V = mu t. a -> b: <int>. end\nprotocol W = mu t. mu s. a -> b: <int>. s")
	p := m.Protocol("P")
	if want := "mu t. a -> b: {x: t, y: mu t_2. b -> a: {x: t_2, y: end}}"; p.Global != want {
		t.Fatalf("global %q, want %q", p.Global, want)
	}
	back := loadProtocols(t, "protocol P = "+p.Global)
	if got := back.Protocol("P"); got.Global != p.Global || got.Local["a"].Text != p.Local["a"].Text || got.Local["b"].Text != p.Local["b"].Text {
		t.Errorf("read back: %q, a %q, b %q; was a %q, b %q", got.Global, got.Local["a"].Text, got.Local["b"].Text, p.Local["a"].Text, p.Local["b"].Text)
	}
	// Loops side by side keep their names: a continuation shared by two
	// branches is printed in each as it is (found by a tester: read back,
	// the second copy became mu t_2, and the local types changed too).
	// A loop whose body starts with a bracketed loop is, once sequenced,
	// two loops directly nested: one place, written as one binder, as the
	// parser reads mu s. mu t. G (found by a tester: mu s. mu t. ... read
	// back as one loop and printed as mu s. ...).
	for _, src := range []string{
		"mu s. (mu t. a -> b: {x: t, y: end}). b -> a: {p: s, q: end}",
		"mu t_1. (mu t. a -> b: {x: t, y: end}). (mu t. a -> b: {x: t, y: t_1, z: end})",
	} {
		p := loadProtocols(t, "protocol N = "+src).Protocol("N")
		back := loadProtocols(t, "protocol N = "+p.Global).Protocol("N")
		if back.Global != p.Global || back.Local["a"].Text != p.Local["a"].Text || !slices.Equal(back.RunVars, p.RunVars) {
			t.Errorf("%s: global %q, a %q, runs %v; read back %q, a %q, runs %v", src, p.Global, p.Local["a"].Text, p.RunVars, back.Global, back.Local["a"].Text, back.RunVars)
		}
	}
	g8 := loadProtocols(t, "protocol G = a -> b: {x: end, y: end}. (mu t. a -> b: {p: t, q: end}). b -> a: <int>").Protocol("G")
	if want := "a -> b: {x: mu t. a -> b: {p: t, q: b -> a: <int>}, y: mu t. a -> b: {p: t, q: b -> a: <int>}}"; g8.Global != want {
		t.Errorf("global %q, want %q", g8.Global, want)
	}
	g8back := loadProtocols(t, "protocol G = "+g8.Global).Protocol("G")
	if g8back.Global != g8.Global || g8back.Local["a"].Text != g8.Local["a"].Text || g8back.Local["b"].Text != g8.Local["b"].Text {
		t.Errorf("read back: %q, a %q, b %q; was a %q, b %q", g8back.Global, g8back.Local["a"].Text, g8back.Local["b"].Text, g8.Local["a"].Text, g8.Local["b"].Text)
	}
	if v := m.Protocol("V"); v.Looping {
		t.Errorf("mu t. a -> b: <int>. end said to loop (run variable %q)", v.RunVar)
	}
	// t and s name one place, the run loop, by the first name a
	// variable uses.
	if w := m.Protocol("W"); !w.Looping || w.RunVar != "s" {
		t.Errorf("mu t. mu s. a -> b: <int>. s: looping %v, run variable %q; want true, s", w.Looping, w.RunVar)
	}
}

// TestNestedBindersOnePlace: binders directly nested (mu t. mu s. G) name
// one place, so branches that loop back through t and through s are the
// same behaviour to the projection's merge; it compared the variables as
// two and refused the protocol (adversarial tester, a metamorphic rewrite).
func TestNestedBindersOnePlace(t *testing.T) {
	one := loadProtocols(t, "protocol P = mu t. mu s. a -> b: { x: a -> c: <int>. t, y: a -> c: <int>. t }")
	two := loadProtocols(t, "protocol P = mu t. mu s. a -> b: { x: a -> c: <int>. t, y: a -> c: <int>. s }")
	for _, r := range []string{"a", "b", "c"} {
		if a, b := one.Protocol("P").Local[r].Text, two.Protocol("P").Local[r].Text; a != b {
			t.Errorf("role %s: %q with t, %q with s", r, a, b)
		}
	}
}

// TestSequencedBindersOnePlace: a loop's body that starts with a loop of
// its own once sequenced (mu t. (mu s. G). G2, G's exits going on with
// G2) is one place too: projected as the same protocol written mu t. mu
// s. ..., where it was refused as c "not told" between s and t (a tester).
func TestSequencedBindersOnePlace(t *testing.T) {
	for _, c := range []struct{ src, c string }{
		{"mu t. (mu s. a -> b: {x: b -> c: <int>. s, y: b -> c: <int>}). t", "mu t. b?<int>. t"},
		{"mu t. (mu s. a -> b: {x: b -> c: <int>. s, y: end}). b -> c: <int>. t", "mu t. b?<int>. t"},
		{"mu t. (mu s. a -> b: {x: b -> c: <int>. s, y: b -> c: <int>. t})", "mu t. b?<int>. t"},
		{"mu t. end. (mu s. a -> b: {x: b -> c: <int>. s, y: b -> c: <int>. t})", "mu t. b?<int>. t"},
		{"mu t. (end. (mu s. (mu r. a -> b: {x: b -> c: <int>. r, y: b -> c: <int>. s})))", "mu s. b?<int>. s"},
		{"mu t. ((mu s. (mu r. a -> b: {x: b -> c: <int>. r, y: b -> c: <int>}))). t", "mu t. b?<int>. t"},
	} {
		p := loadProtocols(t, "protocol P = "+c.src).Protocol("P")
		if got := p.Local["c"].Text; got != c.c {
			t.Errorf("%s: role c: %q, want %q", c.src, got, c.c)
		}
		if !p.Looping {
			t.Errorf("%s: not looping", c.src)
		}
	}
}
