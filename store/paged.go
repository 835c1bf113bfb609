package store

import (
	"fmt"
	"os"
	"unsafe"
)

/*
Pager holds arrays of words (Array[uint32], Array[uint64]) in fixed-size
pages, at most about MemBudget bytes of pages in RAM and the rest in one
temporary file: TLC's disk graph for liveness, in a smaller form. An array
is read and written in place, at any index, and grows by Append; a page
not in RAM when it is touched is read back from the file, after another
is written out to make room (the CLOCK algorithm: a page touched since
the hand last passed it is spared once).

With no budget (0 or less) every page stays in RAM and nothing is ever
written: the arrays are then chunked slices.

Arrays are not safe for concurrent use. An I/O error (a full disk) does
not panic: the access returns a zero word, and Err reports the first
error from then on; a caller must check Err before trusting what it read.
The file is unlinked as soon as it is created (see createSpill).
*/
type Pager struct {
	dir      string
	fullHint string
	budget   int64
	f        *os.File
	linked   bool
	fileEnd  int64 // the end of the file: where the next page written first goes

	resident []*page // pages in RAM, in CLOCK order
	hand     int
	free     [][]byte // buffers of evicted pages, for reuse
	ramBytes int64    // bytes of pages in RAM
	reads    int64    // pages read back from the file
	writes   int64    // pages written to the file
	err      error
	closed   bool
}

// pageBytes is the size of a page: small enough that a random access in a
// large array reads little, large enough that scans are sequential.
const pageBytes = 1 << 14

type page struct {
	buf   []byte // nil while on disk
	off   int64  // where its copy is in the file; -1: none yet
	dirty bool
	ref   bool
	at    int // its index in Pager.resident while in RAM
}

// NewPager returns a pager whose pages spill to a file in opts.Dir (the
// system temporary directory if ""), past opts.MemBudget bytes in RAM
// (never, if 0 or less). It fails only if opts.Dir is not a writable
// directory; the file is created when first needed.
func NewPager(opts SpillOptions) (*Pager, error) {
	dir, err := spillDir("pages", opts.Dir)
	if err != nil {
		return nil, err
	}
	budget := opts.MemBudget
	if budget > 0 {
		budget = max(budget, 8*pageBytes)
	}
	return &Pager{dir: dir, fullHint: spillHint(dir, opts.Dir == ""), budget: budget}, nil
}

// Err is the first I/O error the pager met, if any; words read since may
// be wrong.
func (pg *Pager) Err() error { return pg.err }

// Stats reports the bytes of pages in RAM and the size of the file.
func (pg *Pager) Stats() Stats {
	return Stats{RAMBytes: pg.ramBytes + int64(len(pg.free))*pageBytes, DiskBytes: pg.fileEnd}
}

// IO reports how many pages were read back from the file and written to
// it.
func (pg *Pager) IO() (reads, writes int64) { return pg.reads, pg.writes }

// alloc returns a buffer for a page, making room first if the budget asks.
func (pg *Pager) alloc() []byte {
	for pg.budget > 0 && pg.ramBytes+pageBytes > pg.budget && len(pg.resident) > 1 {
		pg.evict()
	}
	pg.ramBytes += pageBytes
	if n := len(pg.free); n > 0 {
		b := pg.free[n-1]
		pg.free = pg.free[:n-1]
		clear(b)
		return b
	}
	// As words, so that the page is aligned for them.
	w := make([]uint64, pageBytes/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), pageBytes)
}

// admit makes p resident with buffer b.
func (pg *Pager) admit(p *page, b []byte) {
	p.buf, p.ref, p.at = b, true, len(pg.resident)
	pg.resident = append(pg.resident, p)
}

// evict writes one page out (the first the CLOCK hand finds untouched) and
// frees its buffer.
func (pg *Pager) evict() {
	for {
		if pg.hand >= len(pg.resident) {
			pg.hand = 0
		}
		p := pg.resident[pg.hand]
		if p.ref {
			p.ref = false
			pg.hand++
			continue
		}
		if p.dirty && pg.err == nil {
			if pg.f == nil {
				f, linked, err := createSpill(pg.dir, "mcheck-pages-*.spill")
				if err != nil {
					pg.err = ioErrorHint("create a spill file for pages in", pg.dir, err, pg.fullHint)
				}
				pg.f, pg.linked = f, linked
			}
			if pg.err == nil {
				if p.off < 0 {
					p.off = pg.fileEnd
					pg.fileEnd += pageBytes
				}
				if _, err := pg.f.WriteAt(p.buf, p.off); err != nil {
					pg.err = ioErrorHint("spill pages to", pg.f.Name(), err, pg.fullHint)
				}
				pg.writes++
			}
		}
		last := len(pg.resident) - 1
		pg.resident[pg.hand] = pg.resident[last]
		pg.resident[pg.hand].at = pg.hand
		pg.resident = pg.resident[:last]
		pg.free = append(pg.free, p.buf)
		p.buf, p.dirty = nil, false
		pg.ramBytes -= pageBytes
		return
	}
}

// fault brings p back into RAM.
func (pg *Pager) fault(p *page) {
	b := pg.alloc()
	if p.off >= 0 && pg.err == nil {
		if _, err := pg.f.ReadAt(b, p.off); err != nil {
			pg.err = ioError("read pages back from", pg.f.Name(), err)
		}
		pg.reads++
	}
	pg.admit(p, b)
}

// Close frees the pages and removes the file. It may be called more than
// once; the arrays must not be used afterwards.
func (pg *Pager) Close() error {
	if pg.closed {
		return nil
	}
	pg.closed = true
	for _, p := range pg.resident {
		p.buf = nil
	}
	pg.resident, pg.free, pg.ramBytes = nil, nil, 0
	if pg.f == nil {
		return nil
	}
	name := pg.f.Name()
	err := closeSpill(pg.f, pg.linked)
	pg.f = nil
	if err != nil {
		return ioError("remove pages spill file", name, err)
	}
	return nil
}

// Word is what an Array holds.
type Word interface{ ~uint32 | ~uint64 }

// Array is a growable array of words kept by a Pager.
type Array[T Word] struct {
	pg    *Pager
	pages []*page
	shift uint
	mask  int64
	n     int64
}

// NewArray returns an empty array kept by pg.
func NewArray[T Word](pg *Pager) *Array[T] {
	var z T
	per := int64(pageBytes / unsafe.Sizeof(z))
	shift := uint(0)
	for int64(1)<<shift < per {
		shift++
	}
	return &Array[T]{pg: pg, shift: shift, mask: per - 1}
}

// Len is the number of words.
func (a *Array[T]) Len() int64 { return a.n }

// words views a resident page.
func (a *Array[T]) words(p *page) []T {
	var z T
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(p.buf))), pageBytes/int(unsafe.Sizeof(z)))
}

// slot returns the page of word i, resident and marked touched.
func (a *Array[T]) slot(i int64) []T {
	if i < 0 || i >= a.n {
		panic(fmt.Sprintf("store: index %d out of range [0, %d)", i, a.n))
	}
	p := a.pages[i>>a.shift]
	if p.buf == nil {
		a.pg.fault(p)
	}
	p.ref = true
	return a.words(p)
}

// At is word i.
func (a *Array[T]) At(i int64) T { return a.slot(i)[i&a.mask] }

// Peek is word i if its page is in RAM (ok), reading without writing
// anything: the page's CLOCK mark is left as it is and a page on disk is
// not read back. Peeks may run concurrently with each other, as long as
// nothing else uses the array meanwhile.
func (a *Array[T]) Peek(i int64) (v T, ok bool) {
	if i < 0 || i >= a.n {
		panic(fmt.Sprintf("store: index %d out of range [0, %d)", i, a.n))
	}
	p := a.pages[i>>a.shift]
	if p.buf == nil {
		return v, false
	}
	return a.words(p)[i&a.mask], true
}

// Set makes word i v.
func (a *Array[T]) Set(i int64, v T) {
	w := a.slot(i)
	a.pages[i>>a.shift].dirty = true
	w[i&a.mask] = v
}

// Append adds v at the end.
func (a *Array[T]) Append(v T) {
	if a.n>>a.shift == int64(len(a.pages)) {
		p := &page{off: -1}
		a.pg.admit(p, a.pg.alloc())
		a.pages = append(a.pages, p)
	}
	a.n++
	a.Set(a.n-1, v)
}

// Truncate drops the words from n on (it keeps their pages, for the words
// appended next).
func (a *Array[T]) Truncate(n int64) {
	if n < 0 || n > a.n {
		panic(fmt.Sprintf("store: truncate to %d outside [0, %d]", n, a.n))
	}
	a.n = n
}
