package statespace

import (
	"errors"
	"fmt"

	"github.com/mcheck/mcheck/store"
)

// liveKeys gives every distinct configuration the liveness check meets a
// dense uint32 id, in the order they are added. Configurations are kept as
// the explorer keeps them (tree.go): as trees of interned parts, each
// distinct thread, instance and channel once, a configuration being one
// exact 8-byte key (two configurations have the same key iff they are
// equal: no fingerprint). An open-addressing table of 4-byte slots (ids)
// finds a key's id. It is the liveness check's visited set and frontier at
// once: in breadth-first order, the states still to expand are the ids not
// yet expanded.
//
// Keys are made relative to the configuration being expanded (the
// cursor): a successor shares the parts its step did not change, which are
// not looked up again.
type liveKeys struct {
	trees *trees
	cur   cursor               // the configuration last decoded: the parent of the keys made next
	at    *store.Array[uint64] // id -> key, paged (livecols.go)
	pg    *store.Pager         // at's
	slots []uint32             // id+1; 0: empty
	mask  uint64
}

// newLiveKeys returns an empty set whose id -> key column pg keeps.
func newLiveKeys(p *Program, pg *store.Pager) *liveKeys {
	s := &liveKeys{trees: newTrees(p), at: store.NewArray[uint64](pg), pg: pg}
	s.slots = make([]uint32, 1<<10)
	s.mask = uint64(len(s.slots) - 1)
	return s
}

func (s *liveKeys) len() int { return int(s.at.Len()) }

// keyHash mixes a key (splitmix64's finaliser): the table's index bits
// must depend on both halves.
func keyHash(k uint64) uint64 {
	k ^= k >> 30
	k *= 0xbf58476d1ce4e5b9
	k ^= k >> 27
	k *= 0x94d049bb133111eb
	return k ^ k>>31
}

// lookup looks for the configuration with the given key without changing
// anything (lookups may run concurrently while nothing is inserted): its
// id if it has one (found), and whether the answer is sure (not sure when
// a key it had to compare is on disk: insert will tell).
func (s *liveKeys) lookup(key uint64) (id uint32, found, sure bool) {
	for i := keyHash(key) & s.mask; ; i = (i + 1) & s.mask {
		slot := s.slots[i]
		if slot == 0 {
			return 0, false, true
		}
		k, ok := s.at.Peek(int64(slot - 1))
		if !ok {
			return 0, false, false
		}
		if k == key {
			return slot - 1, true, true
		}
	}
}

// probe finds key in the table: its id (found), or the empty slot i
// where it goes.
func (s *liveKeys) probe(key uint64) (i uint64, id uint32, found bool) {
	for i = keyHash(key) & s.mask; ; i = (i + 1) & s.mask {
		slot := s.slots[i]
		if slot == 0 {
			return i, 0, false
		}
		if s.at.At(int64(slot-1)) == key {
			return i, slot - 1, true
		}
	}
}

// find returns the id of the configuration with the given key, if it has
// one, adding nothing.
func (s *liveKeys) find(key uint64) (uint32, bool) {
	_, id, found := s.probe(key)
	return id, found
}

// insert returns the id of the configuration with the given key (made by
// s.trees), adding it if it is new.
func (s *liveKeys) insert(key uint64) (uint32, bool, error) {
	i, id, found := s.probe(key)
	if found {
		return id, false, nil
	}
	if s.at.Len() >= noState-1 {
		return 0, false, errors.New("more than 4294967293 configurations: too many to number")
	}
	id = uint32(s.at.Len())
	s.at.Append(key)
	s.slots[i] = id + 1
	if uint64(s.at.Len())*2 > uint64(len(s.slots)) {
		s.grow()
	}
	return id, true, nil
}

// decode rebuilds configuration id in a (its parts are the tables',
// shared) and makes it the parent of the keys made next. Once the pager
// has failed, what its columns give may be garbage, which decoding must
// not meet (found by a tester: a key read as 0 after the spill file filled
// TMPDIR ended mcheck with a nil dereference): it panics with pagesFailed,
// which the liveness check recovers as its error (pagesError).
func (s *liveKeys) decode(id uint32, a *Arena) *Config {
	key := s.at.At(int64(id))
	if err := s.pg.Err(); err != nil { // failed before, or reading the key's page back
		panic(pagesFailed{err})
	}
	return s.trees.decode(key, a, &s.cur)
}

// pagesFailed is liveKeys.decode's panic once the pager has failed.
type pagesFailed struct{ err error }

// pagesError is the pager's error if r, a recovered panic, is
// pagesFailed (nil if r is nil); any other panic goes on.
func pagesError(r any) error {
	if r == nil {
		return nil
	}
	pf, ok := r.(pagesFailed)
	if !ok {
		panic(r)
	}
	return fmt.Errorf("liveness: %w", pf.err)
}

// same reports whether two canonical configurations are equal (their keys,
// made without a parent, are).
func (s *liveKeys) same(a, b *Config) (bool, error) {
	ka, err := s.trees.key(&cursor{}, a)
	if err != nil {
		return false, err
	}
	kb, err := s.trees.key(&cursor{}, b)
	return ka == kb, err
}

// grow doubles the table.
func (s *liveKeys) grow() {
	s.slots = make([]uint32, 2*len(s.slots))
	s.mask = uint64(len(s.slots) - 1)
	for id := range s.at.Len() {
		key := s.at.At(id)
		for i := keyHash(key) & s.mask; ; i = (i + 1) & s.mask {
			if s.slots[i] == 0 {
				s.slots[i] = uint32(id) + 1
				break
			}
		}
	}
}

// quiesce frees the tables' retired indexes; only between expansions.
func (s *liveKeys) quiesce() { s.trees.quiesce() }

// close frees the tables: no configuration decoded from them may be used
// afterwards.
func (s *liveKeys) close() { s.trees.close() }

// ramBytes is the memory the set holds but its id -> key column (the
// pager's): its index and the tables of parts.
func (s *liveKeys) ramBytes() int64 {
	return int64(len(s.slots))*4 + s.trees.stats().RAMBytes
}
