package store

import (
	"encoding/binary"
	"fmt"
	"os"
)

// linkSize is the size of one link on disk: parent (int64) and successor
// index (uint32), little-endian.
const linkSize = 12

// SpillLinks records, for every state id 0, 1, 2, ..., its parent's id and
// the index of the transition that first reached it.
//
// The newest links are held in memory in chunks of parallel arrays (12
// bytes per state). When they outgrow MemBudget the oldest chunks are
// appended to a file as fixed-size records, so link id lives at offset
// 12*id, and Get reads it back with ReadAt. Get is rare (trace
// reconstruction), Append is the hot path and never reads the file. The
// file is unlinked as soon as it is created (see createSpill).
type SpillLinks struct {
	dir      string
	fullHint string // the hint for a full disk
	linked   bool   // the spill file still has its name (unlinking failed)
	budget   int64
	chunkN   int64 // links per chunk, a power of two
	parents  [][]int64
	succs    [][]uint32
	diskN    int64 // links [0, diskN) are in the file; a multiple of chunkN
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
	k := len(l.parents)
	if k == 0 || int64(len(l.parents[k-1])) == l.chunkN {
		if l.budget > 0 && int64(k+1)*l.chunkN*linkSize > l.budget && k > 0 {
			if err := l.spill(); err != nil {
				l.err = err
				return 0, err
			}
		}
		l.parents = append(l.parents, make([]int64, 0, l.chunkN))
		l.succs = append(l.succs, make([]uint32, 0, l.chunkN))
		k = len(l.parents)
	}
	l.parents[k-1] = append(l.parents[k-1], parent)
	l.succs[k-1] = append(l.succs[k-1], succ)
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
	for i := range l.parents {
		l.buf = l.buf[:0]
		for j, p := range l.parents[i] {
			l.buf = binary.LittleEndian.AppendUint64(l.buf, uint64(p))
			l.buf = binary.LittleEndian.AppendUint32(l.buf, l.succs[i][j])
		}
		if _, err := l.f.WriteAt(l.buf, l.diskN*linkSize); err != nil {
			return ioErrorHint("spill links to", l.f.Name(), err, l.fullHint)
		}
		l.diskN += l.chunkN
	}
	clear(l.parents)
	clear(l.succs)
	l.parents, l.succs = l.parents[:0], l.succs[:0]
	return nil
}

// Get returns the links of state id.
func (l *SpillLinks) Get(id int64) (parent int64, succ uint32, err error) {
	if l.closed {
		return 0, 0, closedError("get link")
	}
	if l.err != nil {
		return 0, 0, l.err
	}
	if id < 0 || id >= l.n {
		return 0, 0, fmt.Errorf("store: link id %d out of range [0, %d)", id, l.n)
	}
	if id >= l.diskN {
		i := id - l.diskN
		c, j := i/l.chunkN, i%l.chunkN
		return l.parents[c][j], l.succs[c][j], nil
	}
	var b [linkSize]byte
	if _, err := l.f.ReadAt(b[:], id*linkSize); err != nil {
		return 0, 0, ioError("read links spill file", l.f.Name(), err)
	}
	return int64(binary.LittleEndian.Uint64(b[:])), binary.LittleEndian.Uint32(b[8:]), nil
}

// Len is the number of links recorded.
func (l *SpillLinks) Len() int64 { return l.n }

// Stats reports the memory held by the chunks and the size of the spill
// file.
func (l *SpillLinks) Stats() Stats {
	return Stats{
		RAMBytes:  int64(len(l.parents))*l.chunkN*linkSize + int64(cap(l.buf)),
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
	l.parents, l.succs, l.buf = nil, nil, nil
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
