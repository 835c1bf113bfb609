package syntax

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// An expected-error file marks each line where an error is expected with a
// comment `// ERROR "regexp"` or `# ERROR "regexp"` (several may follow one
// another), optionally `ERROR col:N "regexp"` to pin the column. The regexp
// is taken literally between the quotes (no escapes to undo; it cannot
// contain '"': use '.'). The marker belongs to the line it is on; `ERROR
// line:N "regexp"` names another line, for errors on lines that cannot carry
// a comment. The test checks that every marker is matched by an error on
// its line (and column), and that no error goes unmatched.
var markerRx = regexp.MustCompile(`ERROR(?: line:(\d+))?(?: col:(\d+))? "([^"]*)"`)

type marker struct {
	line, col int
	rx        *regexp.Regexp
	matched   bool
}

func readMarkers(t *testing.T, path string, src []byte) []*marker {
	var ms []*marker
	for i, text := range strings.Split(string(src), "\n") {
		for _, m := range markerRx.FindAllStringSubmatch(text, -1) {
			line := i + 1
			if m[1] != "" {
				line, _ = strconv.Atoi(m[1])
			}
			col := 0
			if m[2] != "" {
				col, _ = strconv.Atoi(m[2])
			}
			rx, err := regexp.Compile(m[3])
			if err != nil {
				t.Fatalf("%s:%d: bad regexp %q: %v", path, i+1, m[3], err)
			}
			ms = append(ms, &marker{line: line, col: col, rx: rx})
		}
	}
	return ms
}

func TestErrorFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "errors", "*.dsu"))
	if len(files) == 0 {
		t.Fatal("no testdata/errors files")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			markers := readMarkers(t, path, src)
			if len(markers) == 0 {
				t.Fatal("no ERROR markers")
			}
			_, err = Parse(path, src)
			if err == nil {
				t.Fatal("no error reported")
			}
			list, ok := err.(ErrorList)
			if !ok {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			for _, e := range list {
				if e.File != path {
					t.Errorf("error names file %q, want %q", e.File, path)
				}
				if !strings.HasPrefix(e.Error(), fmt.Sprintf("%s:%d:%d: ", path, e.Pos.Line, e.Pos.Col)) {
					t.Errorf("error %q is not file:line:col: msg", e.Error())
				}
				found := false
				for _, m := range markers {
					if !m.matched && m.line == int(e.Pos.Line) && (m.col == 0 || m.col == int(e.Pos.Col)) && m.rx.MatchString(e.Msg) {
						m.matched, found = true, true
						break
					}
				}
				if !found {
					t.Errorf("unexpected error %s", e)
				}
			}
			for _, m := range markers {
				if !m.matched {
					where := fmt.Sprint(m.line)
					if m.col > 0 {
						where += fmt.Sprintf(":%d", m.col)
					}
					t.Errorf("%s:%s: no error matching %q", path, where, m.rx)
				}
			}
			for i := 1; i < len(list); i++ {
				if list.Less(i, i-1) {
					t.Errorf("errors not sorted: %s before %s", list[i-1], list[i])
				}
			}
		})
	}
}
