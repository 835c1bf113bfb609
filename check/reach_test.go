package check_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/store"
)

// unreachedLines checks src exhaustively with coverage and returns, per
// strategy, the source lines no thread reached with whose code they hold.
func unreachedLines(t *testing.T, src string, workers int) map[string]string {
	t.Helper()
	m, err := model.Load("lines.dsu", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	outs, err := check.Run(context.Background(), m, check.Options{Coverage: true, Workers: workers, Store: store.Options{Kind: store.Memory}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range outs {
		if !o.Result.Exhaustive {
			t.Fatalf("%s: not exhaustive (%v)", o.Strategy, o.Result.Violation)
		}
		got[o.Strategy] = fmt.Sprint(o.Result.Unreached.Lines)
	}
	return got
}

// TestCoverageLines: --coverage names the source lines no thread ever ran:
// a function never called, the branch of an if never taken, the old body of
// a function whose new body took over before it ran; lines of a function
// the update leaves alone count once, whichever version ran.
func TestCoverageLines(t *testing.T) {
	src := `protocol P = mu t. a -> b: <int>. t
service s: P
thread A {
  fun unused(n) =
    n * 2
  fun double(n) = if n > 100
    then n - 1
    else n + n
  fun loop(x) = send(x, b, double(3)); loop(x)
  main let x = request(s, {a, b}, a) in
    loop(x)
}
thread B {
  fun serve(y) = let v = receive(y, a) in
    serve(y)
  main let y = accept(s, b) in serve(y)
}
`
	for _, workers := range []int{1, 2} {
		got := unreachedLines(t, src, workers)
		want := "[{5 [unused of A]} {7 [double of A]}]"
		if got[""] != want {
			t.Errorf("workers %d: unreached lines %s, want %s", workers, got[""], want)
		}
	}

	// With an update of B's serve: some run runs the old body, some the
	// new; A always sends 6, so the new body's then-branch is dead under
	// every strategy.
	upd := src + `update u {
  thread B {
    fun serve(y) = let v = receive(y, a) in
      if v > 100
      then serve(y)
      else serve(y)
  }
}
`
	for strategy, lines := range unreachedLines(t, upd, 1) {
		want := "[{5 [unused of A]} {7 [double of A]} {22 [new serve of B]}]"
		if lines != want {
			t.Errorf("%s: unreached lines %s, want %s", strategy, lines, want)
		}
	}
}

// TestCoverageLinesOff: without coverage nothing is recorded.
func TestCoverageLinesOff(t *testing.T) {
	m, err := model.Load("m.dsu", []byte("protocol P = a -> b: <int>. end\nservice s: P\nthread A { main let x = request(s, {a, b}, a) in send(x, b, 1) }\nthread B { main let y = accept(s, b) in receive(y, a) }\n"))
	if err != nil {
		t.Fatal(err)
	}
	outs, err := check.Run(context.Background(), m, check.Options{Store: store.Options{Kind: store.Memory}})
	if err != nil {
		t.Fatal(err)
	}
	if u := outs[0].Result.Unreached; u != nil {
		t.Errorf("coverage off, yet %+v", u)
	}
}
