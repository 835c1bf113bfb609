package statespace

import (
	"fmt"
	"testing"
)

// TestKeySet: ids are dense and in order, a key added again gets its id
// back, keys that differ in one byte (or are prefixes of one another) are
// distinct, and every key survives the table's growth and new chunks.
func TestKeySet(t *testing.T) {
	s := newKeySet()
	var keys [][]byte
	for i := 0; i < 20000; i++ {
		k := []byte(fmt.Sprintf("config-%d", i))
		if i%3 == 0 {
			k = append(k, make([]byte, i%700)...) // long keys fill chunks
		}
		keys = append(keys, k)
	}
	keys = append(keys, []byte{}, []byte("config-1x"), []byte("config-"))
	for i, k := range keys {
		id, isNew, err := s.add(k)
		if err != nil || !isNew || int(id) != i {
			t.Fatalf("key %d: id %d, new %v, %v", i, id, isNew, err)
		}
	}
	for i, k := range keys {
		id, isNew, _ := s.add(append([]byte(nil), k...))
		if isNew || int(id) != i || string(s.key(id)) != string(k) {
			t.Fatalf("key %d again: id %d, new %v, stored %q", i, id, isNew, s.key(id))
		}
	}
	if s.len() != len(keys) || len(s.chunks) < 2 {
		t.Errorf("%d keys in %d chunks", s.len(), len(s.chunks))
	}
}
