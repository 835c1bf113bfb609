//go:build linux

package store

import (
	"bufio"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// tablesResident is the resident bytes of the mappings of the tables
// under prefix, from /proc/self/smaps.
func tablesResident(t *testing.T, prefix string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var total int64
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = strings.HasSuffix(line, ".sst") && strings.Contains(line, " "+prefix)
			continue
		}
		if rest, ok := strings.CutPrefix(line, "Rss:"); ok && in {
			kb, err := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			total += kb << 10
		}
	}
	return total
}

// TestPageOut: with PageOutAbove set, the resident pages of badger's
// mapped tables are given back once they exceed it, and the set still
// answers right afterwards (the pages are read again from the page
// cache).
func TestPageOut(t *testing.T) {
	s := openTest(t, BadgerOptions{RAMEntries: 3 << 14, PageOutAbove: 1, MemBudget: 8 << 20})
	rng := rand.New(rand.NewPCG(9, 9))
	fps := make([]uint64, 1<<14)
	isNew := make([]bool, len(fps))
	for range 40 {
		for i := range fps {
			fps[i] = rng.Uint64()
		}
		if err := s.Insert(fps, isNew); err != nil {
			t.Fatal(err)
		}
	}
	s.pager.close() // (looked at below by hand)
	if s.pager.pagedOut.Load() == 0 {
		t.Errorf("nothing paged out after %d fingerprints written", s.onDisk)
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Flatten(1); err != nil { // a compaction reads and writes tables
		t.Fatal(err)
	}
	before := tablesResident(t, s.pager.prefix)
	s.pager.pageOut()
	after := tablesResident(t, s.pager.prefix)
	t.Logf("tables resident: %d KiB before, %d KiB after; %d mappings advised in all", before>>10, after>>10, s.pager.pagedOut.Load())
	if before == 0 || after >= before {
		t.Errorf("resident %d bytes before paging out, %d after", before, after)
	}
	// Every fingerprint inserted is still there: insert the last batch
	// again (its keys are in badger or in the tier) and new ones.
	isNew = make([]bool, len(fps))
	if err := s.Insert(fps, isNew); err != nil {
		t.Fatal(err)
	}
	for i, n := range isNew {
		if n {
			t.Fatalf("fingerprint %d of the last batch is new again", i)
		}
	}
	old := s.Len()
	rng = rand.New(rand.NewPCG(9, 9)) // the first batch, long in badger
	for i := range fps {
		fps[i] = rng.Uint64()
	}
	if err := s.Insert(fps, isNew); err != nil || s.Len() != old {
		t.Fatalf("the first batch again: %v, %d new", err, s.Len()-old)
	}
}
