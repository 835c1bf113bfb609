package store

import "testing"

// TestChunkOf checks that the chunks' places cover the entries once each,
// in order: chunk k holds chunkLen(k) entries, one after another, and
// entriesFor counts the chunks a table of n entries has made.
func TestChunkOf(t *testing.T) {
	k0, next := 0, uint32(0)
	var made int64
	for i := uint32(0); i < 5*entryChunk+7; i++ {
		k, off := chunkOf(i)
		switch {
		case k == k0 && off == next:
		case k == k0+1 && off == 0 && int(next) == chunkLen(k0):
			made += int64(chunkLen(k0))
		default:
			t.Fatalf("entry %d: chunk %d place %d after chunk %d place %d", i, k, off, k0, next-1)
		}
		if int(off) >= chunkLen(k) {
			t.Fatalf("entry %d: place %d in chunk %d of %d entries", i, off, k, chunkLen(k))
		}
		k0, next = k, off+1
		if got, want := entriesFor(i+1), made+int64(chunkLen(k)); got != want {
			t.Fatalf("entriesFor(%d) = %d, want %d", i+1, got, want)
		}
	}
	if chunkLen(0) != firstChunk || chunkLen(smallChunks) != entryChunk || entriesFor(entryChunk) != entryChunk {
		t.Errorf("chunk sizes %d, %d; %d entries for %d", chunkLen(0), chunkLen(smallChunks), entriesFor(entryChunk), entryChunk)
	}
}

// TestChunkedEntriesStay checks that an entry written stays where at finds
// it while later entries are added (chunks never move), for a plain table
// (chunks mapped outside the heap) and one with pointers.
func TestChunkedEntriesStay(t *testing.T) {
	var plain chunked[uint64]
	plain.plain = true
	var ptrs chunked[*int]
	const n = 3*entryChunk + 100
	vals := make([]int, n)
	for i := range uint32(n) {
		*plain.slot(i) = uint64(i) * 7
		*ptrs.slot(i) = &vals[i]
		if i%97 == 0 {
			for j := uint32(0); j <= i; j += 13 {
				if *plain.at(j) != uint64(j)*7 || *ptrs.at(j) != &vals[j] {
					t.Fatalf("after %d entries, entry %d moved", i+1, j)
				}
			}
		}
	}
	plain.recycle()
}
