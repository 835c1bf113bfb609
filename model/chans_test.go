package model

import (
	"testing"

	"github.com/mcheck/mcheck/model/syntax"
)

// TestCommChannels: the endpoints each send's channel may be flow from
// request and accept through lets and arguments (every call site, the
// update's code too); a received value or a call's result may be any.
func TestCommChannels(t *testing.T) {
	src := `protocol P = mu t. a -> b: <int>. t
service s1: P
service s2: P
thread S {
  fun f(c, d) = send(c, b, 1); f(c, d)
  fun g(e) = send(e, b, 2); g(e)
  fun h(x) = let y = receive(x, b) in send(y, b, 3)
  fun k(x) = send(f(x, x), b, 4)
  main let c2 = request(s2, {a, b}, a) in let c1 = request(s1, {a, b}, a) in
       let c2 = c1 in if true then f(c1, c2) else g(accept(s2, b))
}
update u { thread S { fun g(e) = send(e, b, 5); f(e, e) } }
`
	m, err := Load("chans.dsu", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]ChanSet{} // by the value sent
	for e, cs := range m.CommChannels() {
		if s, ok := e.(*syntax.Send); ok {
			got[s.Value.(*syntax.IntLit).Value] = cs
		}
	}
	s1a, s2b := SvcRole{"s1", "a"}, SvcRole{"s2", "b"}
	for v, want := range map[int64]struct {
		any   bool
		pairs []SvcRole
	}{
		1: {pairs: []SvcRole{s1a, s2b}}, // f(c1, c2) (c2 is c1 there), and g's new body passes e on
		2: {pairs: []SvcRole{s2b}},
		3: {any: true}, // a received value
		4: {any: true}, // a call's result
		5: {pairs: []SvcRole{s2b}},
	} {
		cs := got[v]
		if cs.Any != want.any || (!want.any && len(cs.Pairs) != len(want.pairs)) {
			t.Errorf("send of %d: %+v, want %+v", v, cs, want)
			continue
		}
		for _, p := range want.pairs {
			if !cs.Pairs[p] {
				t.Errorf("send of %d: %+v lacks %v", v, cs, p)
			}
		}
	}
}
