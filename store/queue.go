package store

import (
	"bufio"
	"encoding/binary"
	"io"
	"os"
)

// SpillOptions configures a SpillQueue or SpillLinks.
type SpillOptions struct {
	// Dir is where spill files go; "" means the system temporary directory.
	Dir string
	// MemBudget is roughly how many bytes of records are held in RAM
	// before new ones go to disk; 0 or less means never spill.
	MemBudget int64
}

/*
SpillQueue is a FIFO of byte records that keeps at most about MemBudget
bytes of records in memory and the rest in temporary files.

Records live in three regions, in FIFO order:

	front  (memory)  the oldest records, popped first
	disk   (files)   records spilled to segment files, oldest file first
	back   (memory)  the newest records, pushed last

While nothing is on disk and the budget allows, Push appends to front.
Once the budget is reached, Push appends to back, and whenever memory
exceeds the budget the full chunks of back are appended to the newest
segment file. Pop takes from front, then from the files (each file is
removed once consumed), then, with front and disk both empty, back
becomes the new front. So memory stays within the budget plus one chunk,
and in a BFS the head and the tail of the frontier stay in memory while
the middle goes to disk.

Spill files are unlinked as soon as they are created (see createSpill), so
they go away with the process, however it ends.

In memory and on disk a record is its length as a uvarint followed by
its bytes; memory holds records in chunks, of 4 KiB first and doubling
up to a fixed size (a record longer than that gets a chunk of its own).
*/
type SpillQueue struct {
	dir       string
	fullHint  string // the hint for a full disk
	budget    int64
	chunkSize int
	lastChunk int // the size of the last chunk made (up to chunkSize)
	segMax    int64

	front, back chunkList
	memBytes    int64 // record bytes (with headers) in front and back
	n           int64 // records in the queue
	free        [][]byte

	segs     []*segment // oldest first; the last one may be open for writing
	diskRecs int64
	rec      []byte // buffer for records read from disk

	err    error // sticky I/O error
	closed bool
}

type chunkList struct {
	chunks [][]byte // each holds whole records
	off    int      // read offset in chunks[0]
}

type segment struct {
	f       *os.File
	w       *bufio.Writer // nil once sealed
	r       *bufio.Reader // nil until reading starts
	size    int64         // bytes written
	roff    int64         // file offset the reader has consumed up to (for r)
	recs    int64         // records written
	popped  int64         // records read
	linked  bool          // the file still has its name (unlinking failed)
	scratch [binary.MaxVarintLen64]byte
}

// NewQueue returns an empty queue. It fails only if opts.Dir is set and
// is not a writable directory; spill files are created when first needed.
func NewQueue(opts SpillOptions) (*SpillQueue, error) {
	dir, err := spillDir("queue", opts.Dir)
	if err != nil {
		return nil, err
	}
	q := &SpillQueue{dir: dir, fullHint: spillHint(dir, opts.Dir == ""), budget: opts.MemBudget}
	q.chunkSize = 1 << 20
	q.segMax = 64 << 20
	if q.budget > 0 {
		q.chunkSize = int(min(max(q.budget/8, 256), 1<<20))
		q.segMax = min(max(q.budget*8, 64<<10), 64<<20)
	}
	return q, nil
}

// spillDir checks the directory for spill files.
func spillDir(op, dir string) (string, error) {
	if dir == "" {
		return os.TempDir(), nil
	}
	if _, err := checkWritableDir(op, dir); err != nil {
		if se, ok := err.(*Error); ok {
			if se.Kind == ErrDiskFull {
				se.Hint = spillHint(dir, false)
			} else {
				se.Hint = "pass a writable directory for spill files"
			}
		}
		return "", err
	}
	return dir, nil
}

// checkTempDir makes sure spill files can be made in the temporary
// directory (TMPDIR), by making one.
func checkTempDir() error {
	dir := os.TempDir()
	f, linked, err := createSpill(dir, "mcheck-probe-*.spill")
	if err != nil {
		err = ioErrorHint("create spill file in", dir, err, spillHint(dir, true))
		if se, ok := err.(*Error); ok && se.Hint == "" {
			se.Hint = "spill files go to " + dir + " (TMPDIR): set TMPDIR to a directory this user can write"
		}
		return err
	}
	return closeSpill(f, linked)
}

// createSpill creates a spill file in dir and unlinks it at once, so that
// it goes away with the process however that ends (SIGKILL included); the
// open file stays usable. It reports whether the file still has a name
// (unlinking an open file fails on some systems), to remove at close.
func createSpill(dir, pattern string) (f *os.File, linked bool, err error) {
	f, err = os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, false, err
	}
	return f, os.Remove(f.Name()) != nil, nil
}

// closeSpill closes a spill file and removes it if it still has a name.
func closeSpill(f *os.File, linked bool) error {
	err := f.Close()
	if linked {
		if rerr := os.Remove(f.Name()); err == nil {
			err = rerr
		}
	}
	return err
}

func (q *SpillQueue) check(op string) error {
	if q.closed {
		return closedError(op)
	}
	return q.err
}

// Push appends a copy of rec at the back of the queue.
func (q *SpillQueue) Push(rec []byte) error {
	if err := q.check("push"); err != nil {
		return err
	}
	size := int64(uvarintLen(uint64(len(rec))) + len(rec))
	toFront := q.diskRecs == 0 && len(q.back.chunks) == 0 &&
		(q.budget <= 0 || q.memBytes+size <= q.budget || q.n == 0)
	if toFront {
		q.appendTo(&q.front, rec)
	} else {
		q.appendTo(&q.back, rec)
	}
	q.memBytes += size
	q.n++
	if q.budget > 0 && q.memBytes > q.budget && len(q.back.chunks) > 1 {
		if err := q.spill(); err != nil {
			q.err = err
			return err
		}
	}
	return nil
}

func (q *SpillQueue) appendTo(l *chunkList, rec []byte) {
	need := uvarintLen(uint64(len(rec))) + len(rec)
	var c []byte
	if k := len(l.chunks); k > 0 {
		c = l.chunks[k-1]
	}
	if c == nil || cap(c)-len(c) < need {
		c = q.newChunk(need)
		l.chunks = append(l.chunks, c)
	}
	c = binary.AppendUvarint(c, uint64(len(rec)))
	c = append(c, rec...)
	l.chunks[len(l.chunks)-1] = c
}

func (q *SpillQueue) newChunk(need int) []byte {
	if need > q.chunkSize {
		return make([]byte, 0, need)
	}
	if k := len(q.free); k > 0 && cap(q.free[k-1]) >= need {
		c := q.free[k-1]
		q.free = q.free[:k-1]
		return c[:0]
	}
	// Chunks double from 4 KiB to chunkSize: a small search's queue
	// stays small (a chunk emptied is kept for the next, below).
	size := min(max(2*q.lastChunk, 1<<12), q.chunkSize)
	for size < need {
		size = min(2*size, q.chunkSize)
	}
	q.lastChunk = size
	return make([]byte, 0, size)
}

func (q *SpillQueue) recycle(c []byte) {
	if cap(c) >= q.lastChunk && cap(c) <= q.chunkSize && len(q.free) < 2 {
		q.free = append(q.free, c[:0])
	}
}

// spill writes every chunk of back but the last (still being filled) to
// the newest segment file.
func (q *SpillQueue) spill() error {
	full := q.back.chunks[:len(q.back.chunks)-1]
	for _, c := range full {
		seg, err := q.writeSeg()
		if err != nil {
			return err
		}
		if _, err := seg.w.Write(c); err != nil {
			return ioErrorHint("spill queue to", seg.f.Name(), err, q.fullHint)
		}
		seg.size += int64(len(c))
		recs := countRecords(c)
		seg.recs += recs
		q.diskRecs += recs
		q.memBytes -= int64(len(c))
		q.recycle(c)
	}
	last := q.back.chunks[len(q.back.chunks)-1]
	clear(q.back.chunks)
	q.back.chunks = append(q.back.chunks[:0], last)
	return nil
}

// writeSeg returns the segment to append to, sealing a full one and
// creating a new one as needed.
func (q *SpillQueue) writeSeg() (*segment, error) {
	if k := len(q.segs); k > 0 {
		s := q.segs[k-1]
		if s.w != nil && s.size < q.segMax {
			return s, nil
		}
		if s.w != nil {
			if err := s.w.Flush(); err != nil {
				return nil, ioErrorHint("spill queue to", s.f.Name(), err, q.fullHint)
			}
			s.w = nil
		}
	}
	f, linked, err := createSpill(q.dir, "mcheck-queue-*.spill")
	if err != nil {
		return nil, ioErrorHint("create queue spill file in", q.dir, err, q.fullHint)
	}
	s := &segment{f: f, linked: linked, w: bufio.NewWriterSize(f, 256<<10)}
	q.segs = append(q.segs, s)
	return s, nil
}

func countRecords(c []byte) int64 {
	var n int64
	for len(c) > 0 {
		l, k := binary.Uvarint(c)
		c = c[k+int(l):]
		n++
	}
	return n
}

// Pop removes and returns the record at the front; (nil, io.EOF) when the
// queue is empty. The slice is valid until the next call on q.
func (q *SpillQueue) Pop() ([]byte, error) {
	if err := q.check("pop"); err != nil {
		return nil, err
	}
	if len(q.front.chunks) == 0 && q.diskRecs == 0 {
		if len(q.back.chunks) == 0 {
			return nil, io.EOF
		}
		q.front, q.back = q.back, chunkList{chunks: q.front.chunks[:0]}
	}
	if len(q.front.chunks) > 0 {
		c := q.front.chunks[0]
		l, k := binary.Uvarint(c[q.front.off:])
		start := q.front.off + k
		end := start + int(l)
		rec := c[start:end:end]
		q.front.off = end
		q.memBytes -= int64(end - start + k)
		q.n--
		if end == len(c) {
			q.recycle(c)
			q.front.chunks[0] = nil
			q.front.chunks = q.front.chunks[1:]
			q.front.off = 0
		}
		return rec, nil
	}
	rec, err := q.popDisk()
	if err != nil {
		q.err = err
		return nil, err
	}
	return rec, nil
}

func (q *SpillQueue) popDisk() ([]byte, error) {
	s := q.segs[0]
	if s.w != nil && s.w.Buffered() > 0 {
		if err := s.w.Flush(); err != nil {
			return nil, ioErrorHint("spill queue to", s.f.Name(), err, q.fullHint)
		}
	}
	if s.r == nil {
		s.r = bufio.NewReaderSize(&fileReader{f: s.f, off: &s.roff}, 256<<10)
	}
	l, err := binary.ReadUvarint(s.r)
	if err != nil {
		return nil, ioError("read queue spill file", s.f.Name(), noEOF(err))
	}
	if uint64(cap(q.rec)) < l {
		q.rec = make([]byte, l)
	}
	rec := q.rec[:l:l]
	if _, err := io.ReadFull(s.r, rec); err != nil {
		return nil, ioError("read queue spill file", s.f.Name(), noEOF(err))
	}
	s.popped++
	q.diskRecs--
	q.n--
	if s.popped == s.recs { // only the newest file can gain records later, and it is then empty
		q.segs[0] = nil
		q.segs = q.segs[1:]
		if err := s.remove(); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

// noEOF turns an end of file in the middle of the data into an error
// that says so: the queue knows how many records each file holds.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (s *segment) remove() error {
	if err := closeSpill(s.f, s.linked); err != nil {
		return ioError("remove queue spill file", s.f.Name(), err)
	}
	return nil
}

// fileReader reads f sequentially from *off with ReadAt, so that the
// file's own offset stays with the writer.
type fileReader struct {
	f   *os.File
	off *int64
}

func (r *fileReader) Read(p []byte) (int, error) {
	n, err := r.f.ReadAt(p, *r.off)
	*r.off += int64(n)
	if n > 0 && err == io.EOF {
		err = nil
	}
	return n, err
}

// Len is the number of records in the queue.
func (q *SpillQueue) Len() int64 { return q.n }

// Stats reports the memory held (chunks and I/O buffers) and the bytes in
// spill files not yet removed.
func (q *SpillQueue) Stats() Stats {
	var st Stats
	for _, l := range [][][]byte{q.front.chunks, q.back.chunks, q.free} {
		for _, c := range l {
			st.RAMBytes += int64(cap(c))
		}
	}
	st.RAMBytes += int64(cap(q.rec))
	for _, s := range q.segs {
		st.DiskBytes += s.size
		if s.w != nil {
			st.RAMBytes += int64(s.w.Size())
		}
		if s.r != nil {
			st.RAMBytes += int64(s.r.Size())
		}
	}
	return st
}

// Close drops the records and removes the spill files. It may be called
// more than once.
func (q *SpillQueue) Close() error {
	if q.closed {
		return nil
	}
	q.closed = true
	var first error
	for _, s := range q.segs {
		if err := s.remove(); err != nil && first == nil {
			first = err
		}
	}
	q.segs = nil
	q.front, q.back, q.free, q.rec = chunkList{}, chunkList{}, nil, nil
	q.n, q.memBytes, q.diskRecs = 0, 0, 0
	return first
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}
