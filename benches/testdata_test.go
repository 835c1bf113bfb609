package benches

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/statespace"
)

// TestBenchModels: the benchmark models of testdata/ (README.md names them
// with the commands that measure them) load and compile as the language
// stands.
func TestBenchModels(t *testing.T) {
	files, err := filepath.Glob("testdata/*.dsu")
	if err != nil || len(files) == 0 {
		t.Fatalf("no benchmark models in testdata/ (%v)", err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := model.Load(f, src)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var u *model.Update
		if len(m.Updates) > 0 {
			u = m.Updates[0]
		}
		if _, err := statespace.Compile(m, u); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
}
