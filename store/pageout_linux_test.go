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

// TestPageOutUnpinned: tables that cannot be pinned (as a compaction's
// outputs, being written) are reclaimed with MADV_PAGEOUT when the pinned
// ones do not bring the pages under the bound; nothing is lost (the pages
// are read again from disk).
func TestPageOutUnpinned(t *testing.T) {
	s := openTest(t, BadgerOptions{RAMEntries: 3 << 14, PageOutAbove: 1, MemBudget: 8 << 20})
	if err := s.openDB(); err != nil { // (opened at the first write otherwise)
		t.Fatal(err)
	}
	s.pager.close()         // paged out by hand below,
	s.pager.above = 1 << 62 // and not by the look-ups before
	rng := rand.New(rand.NewPCG(5, 6))
	fps := make([]uint64, 1<<14)
	isNew := make([]bool, len(fps))
	var all []uint64
	for range 10 {
		for i := range fps {
			fps[i] = rng.Uint64()
		}
		all = append(all, fps...)
		if err := s.Insert(fps, isNew); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Flatten(1); err != nil {
		t.Fatal(err)
	}
	// Read every table so that their pages are mapped.
	old := s.Len()
	for i := 0; i < len(all); i += len(fps) {
		if err := s.Insert(all[i:i+len(fps)], isNew); err != nil || s.Len() != old {
			t.Fatalf("inserting again: %v, %d new", err, s.Len()-old)
		}
	}
	pin := s.pager.pin
	s.pager.pin = func() (map[uint64]bool, func()) { return nil, func() {} } // none pinned
	defer func() { s.pager.pin = pin }()
	s.pager.above = 1
	before := tablesResident(t, s.pager.prefix)
	s.pager.pageOut()
	after := tablesResident(t, s.pager.prefix)
	t.Logf("tables resident: %d KiB before, %d KiB after; %d mappings reclaimed", before>>10, after>>10, s.pager.reclaimed.Load())
	if s.pager.pagedOut.Load() != 0 || s.pager.reclaimed.Load() == 0 {
		t.Errorf("%d mappings paged out, %d reclaimed: want 0 and some", s.pager.pagedOut.Load(), s.pager.reclaimed.Load())
	}
	if before == 0 || after >= before {
		t.Errorf("resident %d bytes before reclaiming, %d after", before, after)
	}
	s.pager.above = 1 << 62
	for i := 0; i < len(all); i += len(fps) {
		if err := s.Insert(all[i:i+len(fps)], isNew); err != nil || s.Len() != old {
			t.Fatalf("inserting again after reclaiming: %v, %d new", err, s.Len()-old)
		}
	}
}
