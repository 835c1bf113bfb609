package statespace

// An Arena allocates the parts of configurations built while one
// configuration is expanded: the decoded configuration and its successors.
// They all die once the successors are encoded, so the explorer gives each
// worker one arena and resets it before every expansion, which spares the
// garbage collector nearly all of the explorer's allocation.
//
// A Config carries the arena it was built in (nil: the heap) and so do the
// configurations cloned from it. Nothing built in an arena may be kept past
// the arena's next Reset: configurations from Semantics.Initial and from
// ReplayPath use the heap.
type Arena struct {
	_       [cacheLinePad]byte // see the padding at the end
	vals    chunks[Value]
	threads chunks[Thread]
	frames  chunks[Frame]
	tptrs   chunks[*Thread]
	iptrs   chunks[*Instance]
	cptrs   chunks[*Channel]
	configs chunks[Config]
	insts   chunks[Instance]
	ends    chunks[End]
	bytes   chunks[uint8]
	chans   chunks[Channel]
	msgs    chunks[Msg]
	succs   chunks[Succ]
	sym     *symScratch // symmetry.go's scratch space (kept across resets)
	steps   []Succ      // EachSuccessor's buffer (kept across resets)
	memo    *threadMemo // the explorer's worker's (memo.go), or nil
	reach   *reachMemo  // Semantics.reachOf's (kept across resets)
	gen     uint64      // how many times it was reset (symScratch.gen)
	// Each worker has an arena, side by side in one slice, and writes its
	// fields at every step: the padding, before and after, keeps two
	// workers' fields off one cache line, and off the lines of whatever the
	// allocator put before or after the slice (no false sharing, whatever
	// the struct's size: with 2 workers, false sharing with the search's
	// fields the recording goroutine writes made mark take 6% of the time).
	_ [cacheLinePad]byte
}

// cacheLinePad is the padding that keeps per-worker structures in one
// slice on separate cache lines (two lines: adjacent-line prefetching).
const cacheLinePad = 128

// arenaMark is a point in an arena's allocation, to go back to.
type arenaMark [13][2]int

func markOf[T any](c *chunks[T]) [2]int { return [2]int{c.ci, c.off} }

func (c *chunks[T]) back(m [2]int) { c.ci, c.off = m[0], m[1] }

// mark returns the arena's current point of allocation (nil: none).
func (a *Arena) mark() arenaMark {
	if a == nil {
		return arenaMark{}
	}
	return arenaMark{markOf(&a.vals), markOf(&a.threads), markOf(&a.frames), markOf(&a.tptrs), markOf(&a.iptrs),
		markOf(&a.cptrs), markOf(&a.configs), markOf(&a.insts), markOf(&a.ends), markOf(&a.bytes), markOf(&a.chans),
		markOf(&a.msgs), markOf(&a.succs)}
}

// release makes everything allocated since m available again: nothing
// allocated since may be used afterwards.
func (a *Arena) release(m arenaMark) {
	if a == nil {
		return
	}
	a.vals.back(m[0])
	a.threads.back(m[1])
	a.frames.back(m[2])
	a.tptrs.back(m[3])
	a.iptrs.back(m[4])
	a.cptrs.back(m[5])
	a.configs.back(m[6])
	a.insts.back(m[7])
	a.ends.back(m[8])
	a.bytes.back(m[9])
	a.chans.back(m[10])
	a.msgs.back(m[11])
	a.succs.back(m[12])
}

// rewind is release for a caller that goes on to build other
// configurations than the one it built before m (a depth-first search
// backtracking): the memory given back may come again at the address of a
// configuration a cache remembers by address (symScratch's parent), so
// rewinding counts as a reset for those caches.
func (a *Arena) rewind(m arenaMark) {
	a.release(m)
	a.gen++
}

// Reset makes the arena's memory available again.
func (a *Arena) Reset() {
	a.gen++
	a.vals.reset()
	a.threads.reset()
	a.frames.reset()
	a.tptrs.reset()
	a.iptrs.reset()
	a.cptrs.reset()
	a.configs.reset()
	a.insts.reset()
	a.ends.reset()
	a.bytes.reset()
	a.chans.reset()
	a.msgs.reset()
	a.succs.reset()
}

// chunks is a bump allocator over a list of chunks that are reused after
// reset.
type chunks[T any] struct {
	list    [][]T
	ci, off int
}

// take returns n zeroed elements with capacity n.
func (c *chunks[T]) take(n int) []T {
	s := c.takeDirty(n)
	clear(s)
	return s
}

// takeDirty is take without the zeroing, for a caller that overwrites
// every element it reads (clearing pointerful memory is a runtime call per
// allocation).
func (c *chunks[T]) takeDirty(n int) []T {
	for {
		if c.ci < len(c.list) {
			ch := c.list[c.ci]
			if c.off+n <= len(ch) {
				s := ch[c.off : c.off+n : c.off+n]
				c.off += n
				return s
			}
			c.ci++
			c.off = 0
			continue
		}
		// Chunks double from 64 elements to 4,096: a small search's
		// arenas stay small.
		c.list = append(c.list, make([]T, max(n, 64<<min(len(c.list), 6))))
	}
}

func (c *chunks[T]) reset() { c.ci, c.off = 0, 0 }

func (a *Arena) values(n int) []Value {
	if a == nil {
		return make([]Value, n)
	}
	return a.vals.take(n)
}

func (a *Arena) thread() *Thread {
	if a == nil {
		return &Thread{}
	}
	return &a.threads.take(1)[0]
}

func (a *Arena) frameSlice(n, capacity int) []Frame {
	if a == nil {
		return make([]Frame, n, capacity)
	}
	return a.frames.take(capacity)[:n]
}

func (a *Arena) threadPtrs(n, capacity int) []*Thread {
	if a == nil {
		return make([]*Thread, n, capacity)
	}
	return a.tptrs.take(capacity)[:n]
}

func (a *Arena) instPtrs(n, capacity int) []*Instance {
	if a == nil {
		return make([]*Instance, n, capacity)
	}
	return a.iptrs.take(capacity)[:n]
}

func (a *Arena) chanPtrs(n, capacity int) []*Channel {
	if a == nil {
		return make([]*Channel, n, capacity)
	}
	return a.cptrs.take(capacity)[:n]
}

// copyOf returns a copy of s in c's memory with room for extra more
// elements (whose slots may hold stale values: append overwrites them).
func (c *chunks[T]) copyOf(s []T, extra int) []T {
	n := c.takeDirty(len(s) + extra)[:len(s)]
	copy(n, s)
	return n
}

// heapCopy is copyOf on the heap.
func heapCopy[T any](s []T, extra int) []T {
	return append(make([]T, 0, len(s)+extra), s...)
}

func (a *Arena) config() *Config {
	if a == nil {
		return &Config{}
	}
	c := &a.configs.takeDirty(1)[0]
	*c = Config{arena: a}
	return c
}

func (a *Arena) instance() *Instance {
	if a == nil {
		return &Instance{}
	}
	return &a.insts.take(1)[0]
}

func (a *Arena) endSlice(n int) []End {
	if a == nil {
		return make([]End, n)
	}
	return a.ends.take(n)
}

func (a *Arena) byteSlice(n int) []uint8 {
	if a == nil || n == 0 {
		return make([]uint8, n)
	}
	return a.bytes.take(n)
}

func (a *Arena) channel() *Channel {
	if a == nil {
		return &Channel{}
	}
	return &a.chans.take(1)[0]
}

func (a *Arena) msgSlice(n, capacity int) []Msg {
	if a == nil {
		return make([]Msg, n, capacity)
	}
	return a.msgs.take(capacity)[:n]
}

func (a *Arena) succSlice(capacity int) []Succ {
	if a == nil {
		return make([]Succ, 0, capacity)
	}
	return a.succs.take(capacity)[:0]
}

// memoOf is the arena's worker's memo (memo.go), nil for none (or no
// arena).
func (a *Arena) memoOf() *threadMemo {
	if a == nil {
		return nil
	}
	return a.memo
}
