package store

import (
	"encoding/binary"
	"fmt"
	"os"
	"slices"
)

// linkSize is the size of one link, in memory and on disk: the parent's id
// plus one (48 bits; 0 for none) and the successor index (16 bits; 0xFFFF:
// look in the exceptions), as one little-endian uint64.
const linkSize = 8

const (
	succBits = 16
	succBig  = 1<<succBits - 1 // the successor index is in SpillLinks.big
	maxLinks = 1<<(64-succBits) - 2
)

// SpillLinks records, for every state id 0, 1, 2, ..., its parent's id and
// the index of the transition that first reached it.
//
// The newest links are held in memory in chunks (8 bytes per state, mapped
// outside the Go heap: offheap.go); a successor index too big for 16 bits
// is kept in a map beside them (it takes a configuration with more than
// 65,534 steps). When they outgrow MemBudget the oldest chunks are
// appended to a file as fixed-size records, so link id lives at offset
// 8*id, and Get reads it back with ReadAt. Get is rare (trace
// reconstruction), Append is the hot path and never reads the file. The
// file is unlinked as soon as it is created (see createSpill).
type SpillLinks struct {
	dir      string
	fullHint string // the hint for a full disk
	linked   bool   // the spill file still has its name (unlinking failed)
	budget   int64
	chunkN   int64            // links per chunk, a power of two
	chunks   []block          // full chunks but the last, each chunkN links
	last     []uint64         // the last chunk's links (a view of chunks[len-1])
	big      map[int64]uint32 // successor indices of succBig links
	diskN    int64            // links [0, diskN) are in the file; a multiple of chunkN
	n        int64
	f        *os.File
	buf      []byte
	err      error
	closed   bool
}

// NewLinks returns an empty SpillLinks. It fails only if opts.Dir is set
// and is not a writable directory; the spill file is created when first
// needed.
func NewLinks(opts SpillOptions) (*SpillLinks, error) {
	dir, err := spillDir("links", opts.Dir)
	if err != nil {
		return nil, err
	}
	l := &SpillLinks{dir: dir, fullHint: spillHint(dir, opts.Dir == ""), budget: opts.MemBudget, chunkN: 1 << 16}
	if l.budget > 0 {
		// At least two chunks fit in the budget.
		for l.chunkN > 16 && l.chunkN*linkSize*2 > l.budget {
			l.chunkN >>= 1
		}
	}
	return l, nil
}

// Append records the links of the next state and returns its id.
func (l *SpillLinks) Append(parent int64, succ uint32) (int64, error) {
	if l.closed {
		return 0, closedError("append link")
	}
	if l.err != nil {
		return 0, l.err
	}
	if l.n >= maxLinks || parent >= maxLinks {
		l.err = fmt.Errorf("store: more than %d states: too many to link", int64(maxLinks))
		return 0, l.err
	}
	if len(l.chunks) == 0 || int64(len(l.last)) == l.chunkN {
		k := len(l.chunks)
		if l.budget > 0 && int64(k+1)*l.chunkN*linkSize > l.budget && k > 0 {
			if err := l.spill(); err != nil {
				l.err = err
				return 0, err
			}
		}
		b := newBlock(int(l.chunkN) * linkSize)
		l.chunks = append(l.chunks, b)
		l.last = words(b)[:0]
	}
	s := uint64(succ)
	if succ >= succBig {
		if l.big == nil {
			l.big = map[int64]uint32{}
		}
		l.big[l.n] = succ
		s = succBig
	}
	l.last = append(l.last, uint64(parent+1)<<succBits|s)
	id := l.n
	l.n++
	return id, nil
}

// spill writes the chunks in memory, all full, to the file, oldest first.
func (l *SpillLinks) spill() error {
	if l.f == nil {
		f, linked, err := createSpill(l.dir, "mcheck-links-*.spill")
		if err != nil {
			return ioErrorHint("create links spill file in", l.dir, err, l.fullHint)
		}
		l.f, l.linked = f, linked
	}
	for i := range l.chunks {
		l.buf = l.buf[:0]
		for _, w := range words(l.chunks[i])[:l.chunkN] {
			l.buf = binary.LittleEndian.AppendUint64(l.buf, w)
		}
		if _, err := l.f.WriteAt(l.buf, l.diskN*linkSize); err != nil {
			// The chunks written stay on disk only, the rest in memory:
			// every link recorded can still be read (Get), for the
			// traces of what the search found before the failure.
			for j := range i {
				l.chunks[j].free()
			}
			l.chunks = slices.Delete(l.chunks, 0, i)
			return ioErrorHint("spill links to", l.f.Name(), err, l.fullHint)
		}
		l.diskN += l.chunkN
	}
	l.freeChunks()
	return nil
}

func (l *SpillLinks) freeChunks() {
	for i := range l.chunks {
		l.chunks[i].free()
	}
	l.chunks, l.last = l.chunks[:0], nil
}

// unpack splits a stored link.
func (l *SpillLinks) unpack(id int64, w uint64) (int64, uint32) {
	succ := uint32(w & succBig)
	if succ == succBig {
		succ = l.big[id]
	}
	return int64(w>>succBits) - 1, succ
}

// Get returns the links of state id. A failed Append (a full disk) lost
// no link: the links recorded before it can still be read, so that the
// search that failed can still give the traces of what it found (found by
// a tester: check --continue lost the violations it had met).
func (l *SpillLinks) Get(id int64) (parent int64, succ uint32, err error) {
	if l.closed {
		return 0, 0, closedError("get link")
	}
	if id < 0 || id >= l.n {
		return 0, 0, fmt.Errorf("store: link id %d out of range [0, %d)", id, l.n)
	}
	if id >= l.diskN {
		i := id - l.diskN
		c, j := i/l.chunkN, i%l.chunkN
		parent, succ = l.unpack(id, words(l.chunks[c])[j])
		return parent, succ, nil
	}
	var b [linkSize]byte
	if _, err := l.f.ReadAt(b[:], id*linkSize); err != nil {
		return 0, 0, ioError("read links spill file", l.f.Name(), err)
	}
	parent, succ = l.unpack(id, binary.LittleEndian.Uint64(b[:]))
	return parent, succ, nil
}

// Len is the number of links recorded.
func (l *SpillLinks) Len() int64 { return l.n }

// Stats reports the memory held by the chunks and the size of the spill
// file.
func (l *SpillLinks) Stats() Stats {
	return Stats{
		RAMBytes:  int64(len(l.chunks))*l.chunkN*linkSize + int64(cap(l.buf)) + int64(len(l.big))*24,
		DiskBytes: l.diskN * linkSize,
	}
}

// Close drops the links and removes the spill file. It may be called more
// than once.
func (l *SpillLinks) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	for i := range l.chunks {
		l.chunks[i].recycle()
	}
	l.chunks, l.buf, l.big = nil, nil, nil
	if l.f == nil {
		return nil
	}
	name := l.f.Name()
	err := closeSpill(l.f, l.linked)
	l.f = nil
	if err != nil {
		return ioError("remove links spill file", name, err)
	}
	return nil
}
