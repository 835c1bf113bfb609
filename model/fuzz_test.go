package model

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/model/syntax"
)

// FuzzLoad checks that Load never panics, that its errors are positioned
// error lists, and that every model it accepts has a sound monitor for every
// role of every protocol.
func FuzzLoad(f *testing.F) {
	for _, pat := range []string{"../models/*.dsu", "testdata/errors/*.dsu"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err == nil {
				f.Add(src)
			}
		}
	}
	for _, tt := range projectionTests {
		f.Add([]byte(tt.src + "\nthread T { main () }\n"))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := Load("fuzz.dsu", src)
		if err != nil {
			list, ok := err.(syntax.ErrorList)
			if !ok || len(list) == 0 {
				t.Fatalf("Load error %T %v is not a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if !strings.HasPrefix(e.Error(), "fuzz.dsu:") {
					t.Fatalf("error without file: %v", e)
				}
			}
			return
		}
		for _, p := range m.Protocols {
			for _, r := range p.Roles {
				l := p.Local[r]
				if l == nil {
					t.Fatalf("%s: no local type for %s", p.Name, r)
				}
				checkMonitor(t, r, l)
			}
		}
		// Every send and select of a model that loads is analysed (the
		// capacity rule treats one that is not as sending on any endpoint).
		chans := m.CommChannels()
		for _, th := range m.Threads {
			bodies := []syntax.Expr{th.Main}
			for _, f := range th.Funs {
				bodies = append(bodies, f.Body)
			}
			for _, b := range bodies {
				walkExpr(b, func(e syntax.Expr) {
					switch e.(type) {
					case *syntax.Send, *syntax.Select:
						if _, ok := chans[e]; !ok {
							t.Fatalf("thread %s: a send not analysed", th.Name)
						}
					}
				})
			}
		}
	})
}

// A protocol of many choices in a row shares its continuations: the
// monitors must stay linear in its size (and the text is cut).
func TestLargeProtocolStaysSmall(t *testing.T) {
	const n = 200
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, "(p -> q: { a: q -> r: { x: r -> p: <int> }, b: q -> r: { y: end } })")
	}
	src := fmt.Sprintf("protocol Big = mu t. %s. t", strings.Join(parts, ". "))
	m := loadProtocols(t, src)
	p := m.Protocols[0]
	for _, r := range p.Roles {
		l := p.Local[r]
		if len(l.States) > 3*n {
			t.Errorf("%s has %d states for %d choices", r, len(l.States), n)
		}
		checkMonitor(t, r, l)
		if len(l.Text) > maxText+10 || !strings.HasSuffix(l.Text, "...") {
			t.Errorf("%s: text of %d bytes not cut", r, len(l.Text))
		}
	}
	// r: offer x or y from q per choice; after x it sends to p.
	r := p.Local["r"]
	if got := r.States[0]; got.Kind != LOffer || len(got.Branches) != 2 {
		t.Errorf("r starts with %+v", got)
	}
}
