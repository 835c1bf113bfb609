package store

import (
	"sync"
	"sync/atomic"
	"time"
)

// pager keeps the resident pages of a badger store's mapped files under a
// bound, from a goroutine that looks every pageOutEvery (badger writes
// and reads them from its own goroutines: compactions, look-ups). See
// pageOut (pageout_linux.go; elsewhere it does nothing).
type pager struct {
	prefix string
	above  int64
	// pin returns the ids of live tables that cannot be unmapped until
	// release is called.
	pin       func() (ids map[uint64]bool, release func())
	pagedOut  atomic.Int64 // mappings of pinned tables advised so far
	reclaimed atomic.Int64 // mappings of tables being written advised so far
	busy      sync.Mutex   // held while paging out (the ticker or a look-up)
	stop      chan struct{}
	done      chan struct{}
	once      sync.Once
}

// pageOutEvery is how often the pager looks at the resident pages of
// mapped files, in /proc/self/statm (a few microseconds).
const pageOutEvery = 5 * time.Millisecond

// startPager starts a pager for the store in dir.
func startPager(dir string, above int64, pin func() (map[uint64]bool, func())) *pager {
	p := &pager{prefix: mapPrefix(dir), above: above, pin: pin, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(pageOutEvery)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.look()
			}
		}
	}()
	return p
}

// look pages out if over the bound, unless a page-out is under way. Besides
// the ticker, the store's look-ups call it every pageOutGets reads: a
// look-up maps again the pages it reads (64 KiB around each, the kernel's
// fault-around), so between two ticks a burst of look-ups could map
// hundreds of MiB; looking every pageOutGets reads bounds the burst to
// pageOutGets*64 KiB.
func (p *pager) look() {
	if p == nil || !p.busy.TryLock() {
		return
	}
	defer p.busy.Unlock()
	p.pageOut()
}

// pageOutGets is how many look-ups the store makes between two looks at
// the resident pages (about 16 MiB of pages mapped again at most).
const pageOutGets = 256

// close stops the pager and waits for it; p may be nil, and close may be
// called more than once.
func (p *pager) close() {
	if p == nil {
		return
	}
	p.once.Do(func() { close(p.stop) })
	<-p.done
}
