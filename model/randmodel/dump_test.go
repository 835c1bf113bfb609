package randmodel

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// TestDump writes models for seeds 0..N-1 (RANDMODEL_N, default 200) to
// $RANDMODEL_DUMP, to run the checker on them.
func TestDump(t *testing.T) {
	dir := os.Getenv("RANDMODEL_DUMP")
	if dir == "" {
		t.Skip("set RANDMODEL_DUMP to a directory")
	}
	n, err := strconv.Atoi(os.Getenv("RANDMODEL_N"))
	if err != nil {
		n = 200
	}
	for seed := range uint64(n) {
		if err := os.WriteFile(fmt.Sprintf("%s/m%04d.dsu", dir, seed), []byte(Generate(seed, Config{})), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
