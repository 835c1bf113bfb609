package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReplayReport: replay reads any bytes as a report without panicking:
// a report is read from a file a user may have edited (go test -fuzz
// FuzzReplayReport ./cmd/mcheck; the seeds, real reports of check, run
// with the package's tests).
func FuzzReplayReport(f *testing.F) {
	for _, args := range [][]string{
		{"check", "--json", "--progress", "off", "--store", "memory", "../../models/mathserver.dsu"},
		{"check", "--json", "--progress", "off", "--store", "memory", "--continue", "--strategy", "uncoordinated", "../../models/mathserver.dsu"},
		{"check", "--json", "--progress", "off", "--store", "memory", "--strategy", "max+1", "--queue-bound", "2", "../../models/prodcons.dsu"},
	} {
		_, out, _ := runCmd(args...)
		f.Add([]byte(out))
	}
	f.Add([]byte(`{"verdict":"violation","path":[0,null],"trace":[{}]}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, report []byte) {
		path := filepath.Join(dir, "r.json")
		if err := os.WriteFile(path, report, 0o644); err != nil {
			t.Fatal(err)
		}
		for nth := 1; nth <= 3; nth++ {
			rec, err := nthViolation(path, nth)
			if err == nil && rec == nil {
				t.Fatalf("counterexample %d: no run and no error", nth)
			}
			if err != nil && strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("counterexample %d: an empty error", nth)
			}
		}
	})
}
