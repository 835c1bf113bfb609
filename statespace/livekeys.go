package statespace

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/maphash"
)

// keySet gives every distinct key (a canonical configuration encoding) a
// dense uint32 id, in the order they are added, and keeps the keys: exact
// (keys are compared byte for byte, never trusted to a fingerprint) and
// compact (the keys sit back to back in large chunks, each prefixed with its
// length; an open-addressing table of 8-byte slots finds them). It is the
// liveness check's visited set and frontier at once: in breadth-first
// order, the states still to expand are the ids not yet expanded.
//
// It lives in RAM. The disk-backed store can take its place behind the same
// three methods (add, key, len).
type keySet struct {
	chunks [][]byte
	at     []uint64 // id -> chunk<<32 | offset of its length-prefixed key
	slots  []uint64 // hash<<32 | id+1; 0: empty
	mask   uint64
	seed   maphash.Seed
	bytes  int64 // key bytes held
}

const keyChunk = 1 << 22

func newKeySet() *keySet {
	s := &keySet{seed: maphash.MakeSeed()}
	s.slots = make([]uint64, 1<<10)
	s.mask = uint64(len(s.slots) - 1)
	return s
}

func (s *keySet) len() int { return len(s.at) }

// key returns the key of id. Keys are never moved: it stays valid.
func (s *keySet) key(id uint32) []byte {
	a := s.at[id]
	ch := s.chunks[a>>32]
	off := a & (1<<32 - 1)
	n, k := binary.Uvarint(ch[off:])
	return ch[off+uint64(k) : off+uint64(k)+n]
}

// add returns the id of key, adding it (a copy) if it is new.
func (s *keySet) add(key []byte) (uint32, bool, error) {
	h := maphash.Bytes(s.seed, key)
	tag := h >> 32
	for i := h & s.mask; ; i = (i + 1) & s.mask {
		slot := s.slots[i]
		if slot == 0 {
			if len(s.at) >= noState-1 {
				return 0, false, errors.New("more than 4294967293 configurations: too many to hold in memory")
			}
			id := uint32(len(s.at))
			s.at = append(s.at, s.store(key))
			s.slots[i] = tag<<32 | uint64(id+1)
			if uint64(len(s.at))*2 > uint64(len(s.slots)) {
				s.grow()
			}
			return id, true, nil
		}
		if slot>>32 == tag {
			id := uint32(slot) - 1
			if bytes.Equal(s.key(id), key) {
				return id, false, nil
			}
		}
	}
}

// store appends a length-prefixed copy of key to the chunks.
func (s *keySet) store(key []byte) uint64 {
	need := binary.MaxVarintLen64 + len(key)
	last := len(s.chunks) - 1
	if last < 0 || len(s.chunks[last])+need > cap(s.chunks[last]) {
		// Chunks grow from 4 KiB to keyChunk: small models stay small.
		size := 4 << 10
		if last >= 0 {
			size = min(2*cap(s.chunks[last]), keyChunk)
		}
		s.chunks = append(s.chunks, make([]byte, 0, max(size, need)))
		last++
	}
	ch := s.chunks[last]
	off := len(ch)
	ch = binary.AppendUvarint(ch, uint64(len(key)))
	ch = append(ch, key...)
	s.chunks[last] = ch
	s.bytes += int64(len(key))
	return uint64(last)<<32 | uint64(off)
}

// grow doubles the table.
func (s *keySet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	s.mask = uint64(len(s.slots) - 1)
	for _, slot := range old {
		if slot == 0 {
			continue
		}
		h := maphash.Bytes(s.seed, s.key(uint32(slot)-1))
		for i := h & s.mask; ; i = (i + 1) & s.mask {
			if s.slots[i] == 0 {
				s.slots[i] = slot
				break
			}
		}
	}
}

// ramBytes is the memory the set holds.
func (s *keySet) ramBytes() int64 {
	b := int64(len(s.slots))*8 + int64(cap(s.at))*8
	for _, ch := range s.chunks {
		b += int64(cap(ch))
	}
	return b
}
