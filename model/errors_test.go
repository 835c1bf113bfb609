package model

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/model/syntax"
)

// TestErrorFiles loads every testdata/errors/*.dsu file and checks that the
// errors reported are exactly the ones marked in the file: a line that ends
// with `// ERROR "rx"` (one or more markers) must get, for each marker, an
// error on that line matching rx, and no error may appear on a line without
// a matching marker.
func TestErrorFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.dsu")
	if err != nil || len(files) == 0 {
		t.Fatalf("no error files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want := errorMarkers(t, src)
			if len(want) == 0 {
				t.Fatalf("%s has no ERROR markers", file)
			}
			_, err = Load(file, src)
			if err == nil {
				t.Fatalf("Load succeeded, want errors")
			}
			list, ok := err.(syntax.ErrorList)
			if !ok {
				t.Fatalf("Load returned %T, want syntax.ErrorList: %v", err, err)
			}
			byLine := map[int][]*syntax.Error{}
			for _, e := range list {
				if e.File != file {
					t.Errorf("error names file %q, want %q: %v", e.File, file, e)
				}
				if !strings.HasPrefix(e.Error(), file+":") {
					t.Errorf("error does not start with file:line:col: %v", e)
				}
				byLine[int(e.Pos.Line)] = append(byLine[int(e.Pos.Line)], e)
			}
			for line, rxs := range want {
				for _, rx := range rxs {
					found := false
					for _, e := range byLine[line] {
						if rx.MatchString(e.Msg) {
							found = true
						}
					}
					if !found {
						t.Errorf("%s:%d: no error matching %q; got %v", file, line, rx, byLine[line])
					}
				}
			}
			for line, es := range byLine {
				for _, e := range es {
					matched := false
					for _, rx := range want[line] {
						if rx.MatchString(e.Msg) {
							matched = true
						}
					}
					if !matched {
						t.Errorf("unexpected error: %v", e)
					}
				}
			}
		})
	}
}

var markerRx = regexp.MustCompile(`ERROR ("(?:[^"\\]|\\.)*")`)

func errorMarkers(t *testing.T, src []byte) map[int][]*regexp.Regexp {
	want := map[int][]*regexp.Regexp{}
	for i, line := range strings.Split(string(src), "\n") {
		k := strings.Index(line, "//")
		if k < 0 {
			continue
		}
		for _, m := range markerRx.FindAllStringSubmatch(line[k:], -1) {
			// The regexp is written raw between the quotes; only \" is an escape.
			s := strings.ReplaceAll(m[1][1:len(m[1])-1], `\"`, `"`)
			rx, err := regexp.Compile(s)
			if err != nil {
				t.Fatalf("line %d: bad regexp %s: %v", i+1, m[1], err)
			}
			want[i+1] = append(want[i+1], rx)
		}
	}
	return want
}

// TestWarnings: a case branch for a label no protocol offers is dead code, a
// warning, not an error (docs/language.md §4); selecting such a label stays an error.
func TestWarnings(t *testing.T) {
	src := `protocol Q  = mu t. a -> b: { busy: t, go: a -> b: <int>. t }
protocol Q2 = mu t. a -> b: { go: a -> b: <int>. t }
service s: Q
thread A { fun f(x) = select(x, b, go); send(x, b, 1); f(x)  main f(request(s, {a, b}, a)) }
thread B { fun g(y) = case(y, a, { busy: g(y), go: receive(y, a); g(y) })  main g(accept(s, b)) }
update u {
  service s: Q2
  thread B { fun g(y) = case(y, a, { busy: g(y), go: receive(y, a); g(y), gone: () }) }
}
`
	m, err := Load("w.dsu", []byte(src))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var got []string
	for _, w := range m.Warnings {
		got = append(got, w.Error())
	}
	want := []string{
		"w.dsu:8:38: case branch busy is dead code: busy is not a label of any choice in protocol Q2, which thread B talks on after update u",
		"w.dsu:8:75: case branch gone is dead code: gone is not a label of any choice in protocol Q2, which thread B talks on after update u",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	bad := strings.Replace(src, "thread B { fun g(y) = case(y, a, { busy: g(y), go: receive(y, a); g(y), gone: () }) }",
		"thread B { fun g(y) = case(y, a, { busy: g(y), go: receive(y, a); g(y) }) }\n  thread A { fun f(x) = select(x, b, busy); f(x) }", 1)
	if _, err := Load("w.dsu", []byte(bad)); err == nil || !strings.Contains(err.Error(), "label busy is not a label of any choice in protocol Q2") {
		t.Errorf("select of a label the protocol lacks: err = %v, want an error", err)
	}
}
