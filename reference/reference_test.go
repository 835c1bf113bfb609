package reference

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/model"
)

func load(t *testing.T, name, src string) *model.Model {
	t.Helper()
	m, err := model.Load(name, []byte(src))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

type want struct {
	verdict string
	props   string // comma-separated, sorted
	depth   int
}

func check(t *testing.T, m *model.Model, opt Options, w want) *Result {
	t.Helper()
	if opt.QueueBound == 0 {
		opt.QueueBound = 8
	}
	r, err := Check(m, opt)
	if err != nil {
		t.Fatalf("%+v: %v", opt, err)
	}
	got := want{r.Verdict, strings.Join(r.Properties, ","), r.Depth}
	if got != w {
		t.Errorf("%+v: got %+v (rules %v), want %+v\n%s", opt, got, r.Rules, w, strings.Join(r.Trace, "\n"))
	}
	return r
}

// The shipped models, at capacity 8 and at small capacities. Verdicts are
// those of each file's header; depths were checked against the explorer.
func TestShippedModels(t *testing.T) {
	ok := want{"ok", "", -1}
	fid := func(d int) want { return want{"violation", "fidelity", d} }
	cases := map[string][3]want{ // uncoordinated, stop-the-world, max+1
		"code-only.dsu":            {ok, ok, ok},
		"mathserver.dsu":           {fid(7), ok, ok},
		"midrun-update-point.dsu":  {fid(5), fid(7), fid(5)},
		"pipeline3.dsu":            {fid(6), ok, ok},
		"prodcons.dsu":             {fid(6), ok, ok},
		"sessions-per-request.dsu": {fid(6), {"violation", "progress,update-completion", 3}, fid(6)},
	}
	strategies := []string{"uncoordinated", "stop-the-world", "max+1"}
	for file, ws := range cases {
		src, err := os.ReadFile(filepath.Join("..", "models", file))
		if err != nil {
			t.Fatal(err)
		}
		m := load(t, file, string(src))
		for i, s := range strategies {
			for _, qb := range []int{8, 2, 1} {
				check(t, m, Options{Strategy: s, QueueBound: qb}, ws[i])
			}
		}
	}
}

// State counts of exhaustive runs equal the explorer's (README figures).
func TestShippedStates(t *testing.T) {
	for _, c := range []struct {
		file, strategy string
		states         int
	}{
		{"mathserver.dsu", "stop-the-world", 102},
		{"mathserver.dsu", "max+1", 112},
		{"prodcons.dsu", "stop-the-world", 174},
		{"prodcons.dsu", "max+1", 230},
	} {
		src, _ := os.ReadFile(filepath.Join("..", "models", c.file))
		m := load(t, c.file, string(src))
		r := check(t, m, Options{Strategy: c.strategy}, want{"ok", "", -1})
		if r.States != c.states {
			t.Errorf("%s %s: %d states, want %d", c.file, c.strategy, r.States, c.states)
		}
	}
}

func TestUpdateAt(t *testing.T) {
	src, _ := os.ReadFile(filepath.Join("..", "models", "mathserver.dsu"))
	m := load(t, "mathserver.dsu", string(src))
	for _, s := range []string{"uncoordinated", "stop-the-world", "max+1"} {
		check(t, m, Options{Strategy: s, UpdateAt: "never"}, want{"ok", "", -1})
	}
	// step:0: the introduction is the first step (the session still starts
	// under MathA on both sides: neither thread has applied yet).
	r := check(t, m, Options{Strategy: "uncoordinated", UpdateAt: "step:0"}, want{"violation", "fidelity", 7})
	if !strings.Contains(r.Trace[0], "introduced") {
		t.Errorf("step:0 trace starts with %q", r.Trace[0])
	}
}

const deadlock = `
protocol P = a -> b: <int>. end
service s: P
service u: P
thread A { main let x = request(s, {a, b}, a) in send(x, b, 1) }
thread B { main let y = accept(u, b) in receive(y, a) }
`

func TestDeadlock(t *testing.T) {
	m := load(t, "deadlock", deadlock)
	check(t, m, Options{Strategy: "max+1"}, want{"violation", "progress", 0})
	check(t, m, Options{Strategy: "max+1", Skip: []string{"progress"}}, want{"ok", "", -1})
}

// A held-back send that would release the receiver: capacity, not deadlock.
const capacity = `
protocol P = a -> b: <int>. end
service s: P
service u: P
thread A {
  main let x = request(s, {a, b}, a) in let y = request(u, {a, b}, a) in
       send(x, b, 1); send(y, b, 2)
}
thread B {
  main let x = accept(s, b) in let y = accept(u, b) in
       let v = receive(y, a) in receive(x, a)
}
`

func TestCapacityOnly(t *testing.T) {
	m := load(t, "capacity", capacity)
	r := check(t, m, Options{Strategy: "uncoordinated", QueueBound: 1}, want{"ok", "", -1})
	if !r.CapacityReached {
		t.Error("capacity not reached at bound 1")
	}
	r = check(t, m, Options{Strategy: "uncoordinated", QueueBound: 2}, want{"ok", "", -1})
	if r.CapacityReached {
		t.Error("capacity reached at bound 2")
	}
}

// The capacity holds A back, but B waits on an accept nobody requests: a
// deadlock whatever the capacity holds back (docs/language.md §5).
const capacityAndDeadlock = `
protocol P = a -> b: <int>. a -> b: <int>. end
service s: P
service u: P
thread A { main let x = request(s, {a, b}, a) in send(x, b, 1); send(x, b, 2) }
thread B { main let y = accept(s, b) in let z = accept(u, b) in receive(y, a) }
`

func TestCapacityDoesNotHideDeadlock(t *testing.T) {
	m := load(t, "capdead", capacityAndDeadlock)
	r := check(t, m, Options{Strategy: "uncoordinated", QueueBound: 1}, want{"violation", "linearity,progress", 2})
	if r.CapacityReached {
		t.Error("reported as capacity")
	}
}

const orphan = `
protocol P = a -> b: <int>. a -> b: <int>. end
service s: P
thread A { main let x = request(s, {a, b}, a) in send(x, b, 1); send(x, b, 2) }
thread B { main let y = accept(s, b) in receive(y, a) }
`

func TestOrphan(t *testing.T) {
	m := load(t, "orphan", orphan)
	r := check(t, m, Options{Strategy: "max+1"}, want{"violation", "linearity", 4})
	if !slices.Contains(r.Rules, "linearity (orphan messages)") {
		t.Errorf("rules %v", r.Rules)
	}
}

const ownership = `
protocol P = a -> b: <int>. end
service s: P
thread A { main let x = request(s, {a, b}, a) in send(x, b, x) }
thread B { main let y = accept(s, b) in receive(y, a) }
`

func TestOwnership(t *testing.T) {
	m := load(t, "ownership", ownership)
	r := check(t, m, Options{Strategy: "max+1"}, want{"violation", "fidelity,linearity", 2})
	if !slices.Contains(r.Rules, "linearity (ownership)") {
		t.Errorf("rules %v", r.Rules)
	}
	// Fidelity off: B receives the endpoint; the run then ends normally.
	check(t, m, Options{Strategy: "max+1", Skip: []string{"fidelity"}}, want{"violation", "linearity", 2})
	check(t, m, Options{Strategy: "max+1", Skip: []string{"fidelity", "linearity"}}, want{"ok", "", -1})
}

const runtimeErr = `
protocol P = a -> b: <int>. end
service s: P
thread A { main let x = request(s, {a, b}, a) in send(x, b, 1 / choose(0, 1)) }
thread B { main let y = accept(s, b) in receive(y, a) }
`

func TestRuntime(t *testing.T) {
	m := load(t, "runtime", runtimeErr)
	// The run that crashes A also leaves B waiting for ever: both tie.
	check(t, m, Options{Strategy: "max+1"}, want{"violation", "progress,runtime", 2})
	check(t, m, Options{Strategy: "max+1", Skip: []string{"progress"}}, want{"violation", "runtime", 2})
	// Runtime off: A has crashed (stopped); B waits for ever.
	check(t, m, Options{Strategy: "max+1", Skip: []string{"runtime"}}, want{"violation", "progress", 2})
	m = load(t, "div0", "thread T { main 1 / 0 }")
	check(t, m, Options{Strategy: "max+1"}, want{"violation", "runtime", 0})
}

// A thread computing for ever without communicating is not an error, and the
// system is not stuck while it runs; unbounded growth is a runtime error.
const silent = `
protocol P = a -> b: <int>. end
service s: P
thread Tick { fun tick(k) = tick((k + 1) % 2) main tick(0) }
thread A { main let x = request(s, {a, b}, a) in send(x, b, 1) }
thread B { main let y = accept(s, b) in receive(y, a) }
update u { thread Tick { fun tick(k) = tick(k) } }
`

func TestSilentLoop(t *testing.T) {
	m := load(t, "silent", silent)
	for _, at := range []string{"never", "any", "step:2"} {
		for _, s := range []string{"uncoordinated", "stop-the-world", "max+1"} {
			check(t, m, Options{Strategy: s, UpdateAt: at}, want{"ok", "", -1})
		}
	}
	m = load(t, "grow", "thread G { fun up(k) = up(k + 1) main up(0) }")
	check(t, m, Options{Strategy: "max+1"}, want{"violation", "runtime", 0})
}

// Update completion: the stop-the-world barrier never opens (Client waits
// at a request only a released Server could accept).
func TestUpdateCompletion(t *testing.T) {
	src, _ := os.ReadFile(filepath.Join("..", "models", "sessions-per-request.dsu"))
	m := load(t, "spr", string(src))
	check(t, m, Options{Strategy: "stop-the-world", Skip: []string{"progress"}}, want{"violation", "update-completion", 3})
}

// Naming a service with the protocol it already has moves nothing.
func TestNotMoved(t *testing.T) {
	src, _ := os.ReadFile(filepath.Join("..", "models", "mathserver.dsu"))
	s := string(src)
	for _, r := range [][2]string{
		{"service s: MathB", "service s: MathA"},
		{"case(x, p2, { result: receive(x, p2), error: () })", "receive(x, p2)"},
		{"if z1 < 0 then\n        select(y, p1, error)\n      else\n        (select(y, p1, result); send(y, p1, z1 + z2));", "send(y, p1, z1 + z2);"},
	} {
		// Each edit must apply (the model's layout is fmt's: an edit
		// that no longer matched left the choice in).
		if !strings.Contains(s, r[0]) {
			t.Fatalf("models/mathserver.dsu has no %q", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	m := load(t, "notmoved", s)
	for _, st := range []string{"uncoordinated", "max+1"} {
		check(t, m, Options{Strategy: st}, want{"ok", "", -1})
	}
	// Both threads take part (new bodies) and have no updated role: P1
	// blocks at its first call while P2, already in g, waits for it.
	check(t, m, Options{Strategy: "stop-the-world"}, want{"violation", "progress,update-completion", 4})
}

func TestOptions(t *testing.T) {
	m := load(t, "div0", "thread T { main 1 }")
	for _, o := range []Options{{Strategy: "x", QueueBound: 1}, {Strategy: "max+1"}, {Strategy: "max+1", QueueBound: 1, UpdateAt: "later"},
		{Strategy: "max+1", QueueBound: 1, Update: "nope"}, {Strategy: "max+1", QueueBound: 1, Skip: []string{"speed"}}} {
		if _, err := Check(m, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	src, _ := os.ReadFile(filepath.Join("..", "models", "prodcons.dsu"))
	m = load(t, "prodcons", string(src))
	if _, err := Check(m, Options{Strategy: "max+1", QueueBound: 8, MaxStates: 10}); err != ErrTooBig {
		t.Errorf("MaxStates 10: %v", err)
	}
}
