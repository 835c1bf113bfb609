package store

import (
	"math/rand/v2"
	"os"
	"testing"
)

// TestBadgerOpenedLate: a set whose fingerprints fit in its RAM tier never
// opens badger (its directory holds only the set's own marker and pid
// files); one that outgrows the tier opens badger at its first write and
// still knows every fingerprint; a kept store (--store-dir) opens it at
// once, so that what is kept is a badger directory.
func TestBadgerOpenedLate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	batch := func() []uint64 {
		fps := make([]uint64, 1<<10)
		for i := range fps {
			fps[i] = rng.Uint64() | 1
		}
		return fps
	}
	isNew := make([]bool, 1<<10)
	insert := func(s *BadgerSet, fps []uint64, want bool) {
		t.Helper()
		if err := s.Insert(fps, isNew); err != nil {
			t.Fatal(err)
		}
		for i := range fps {
			if isNew[i] != want {
				t.Fatalf("fingerprint %d: new %v, want %v", i, isNew[i], want)
			}
		}
	}

	small := openTest(t, BadgerOptions{RAMEntries: 3 << 10})
	fps := batch()
	insert(small, fps, true)
	insert(small, fps, false)
	if small.db != nil {
		t.Error("a set within its RAM tier opened badger")
	}
	ents, err := os.ReadDir(small.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != markerFile && e.Name() != pidFile {
			t.Errorf("a set within its RAM tier made %s", e.Name())
		}
	}

	big := openTest(t, BadgerOptions{RAMEntries: 3 << 10})
	var all [][]uint64
	for range 20 {
		fps := batch()
		all = append(all, fps)
		insert(big, fps, true)
	}
	if err := big.Sync(); err != nil {
		t.Fatal(err)
	}
	if big.db == nil || big.onDisk == 0 {
		t.Fatalf("a set of %d fingerprints, 3Ki in RAM: badger open %v, %d on disk", big.Len(), big.db != nil, big.onDisk)
	}
	for _, fps := range all {
		insert(big, fps, false)
	}
	if big.Len() != 20<<10 {
		t.Errorf("%d fingerprints, want %d", big.Len(), 20<<10)
	}

	kept := openTest(t, BadgerOptions{RAMEntries: 3 << 10, Keep: true})
	if kept.db == nil {
		t.Error("a kept store did not open badger at the start")
	}
}
