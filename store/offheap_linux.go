//go:build linux && !race

package store

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on the platforms that
// matter here (x86-64, and arm64 with 4 KiB pages).
const hugePage = 2 << 20

// mapAnon maps size bytes of zeroed memory. A block of at least a huge
// page starts on a huge page's boundary and asks for transparent huge
// pages (where the system's setting is "madvise"; a refusal is harmless):
// the large hash tables (indexes, visited-set segments) are probed at
// random, and with 4 KiB pages nearly every probe of a table beyond the
// TLB's reach also misses the TLB. Such a block is touched whole, so huge
// pages cost no memory it would not use.
func mapAnon(size int) ([]byte, bool) {
	extra := 0
	if size >= hugePage {
		extra = hugePage
	}
	p, err := unix.MmapPtr(-1, 0, nil, uintptr(size+extra), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, false
	}
	if extra == 0 {
		b := unsafe.Slice((*byte)(p), size)
		populate(b)
		return b, true
	}
	b := trimToHuge(p, size)
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE)
	populate(b)
	return b, true
}

// trimToHuge trims a mapping at p of size+hugePage bytes to the pages of
// [start, start+size), start the first huge page's boundary in it, and
// returns that range.
func trimToHuge(p unsafe.Pointer, size int) []byte {
	page := uintptr(unix.Getpagesize())
	up := func(n uintptr) uintptr { return (n + page - 1) &^ (page - 1) }
	head := (hugePage - uintptr(p)%hugePage) % hugePage
	if head > 0 {
		_ = unix.MunmapPtr(p, head)
	}
	if end, total := up(head+uintptr(size)), up(uintptr(size+hugePage)); total > end {
		_ = unix.MunmapPtr(unsafe.Add(p, end), total-end)
	}
	return unsafe.Slice((*byte)(unsafe.Add(p, head)), size)
}

// populate gives b its pages now, writable (MADV_POPULATE_WRITE, Linux
// 5.14; a refusal is harmless). A hash table is read before it is written
// (a probe finds an empty slot, then fills it): the read of an untouched
// page maps the shared zero page, and the write that follows replaces it,
// which flushes that address from the TLB of every CPU the process runs
// on, by interrupting them.
func populate(b []byte) {
	_ = unix.Madvise(b, unix.MADV_POPULATE_WRITE)
}

func unmapAnon(b []byte) {
	if len(b) > 0 {
		_ = unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), uintptr(len(b)))
	}
}

// mapsAnon says whether mapAnon maps memory here (else it always fails).
const mapsAnon = true

// reserveAnon maps size bytes of address space that take no memory until
// used (MAP_NORESERVE), starting on a huge page's boundary: a table that
// grows in place uses the front of it (growAnon). It fails where the
// system refuses the mapping (a limit on the address space, strict
// overcommit); the caller then maps blocks as they are needed.
func reserveAnon(size int) ([]byte, bool) {
	p, err := unix.MmapPtr(-1, 0, nil, uintptr(size+hugePage), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE|unix.MAP_NORESERVE)
	if err != nil {
		return nil, false
	}
	return trimToHuge(p, size), true
}

// growAnon readies r[from:to] of a reservation (reserveAnon) whose front
// r[:from] is in use: its pages now, writable (populate), and huge pages
// for the whole huge pages of r[:to] (a refusal is harmless). A partial
// huge page at the end stays in small pages, so that a small table takes
// no more memory than it uses; once whole, it is collapsed into a huge
// page (MADV_COLLAPSE, Linux 6.1; elsewhere khugepaged does it in time),
// as the pages it already has are small.
func growAnon(r []byte, from, to int) {
	first, whole := from/hugePage*hugePage, to/hugePage*hugePage
	if whole > first {
		_ = unix.Madvise(r[first:whole], unix.MADV_HUGEPAGE)
	}
	// The pages of r[:from] are populated already (the page holding
	// r[from-1] too): a segment grows within one page several times over,
	// and each call was a system call for nothing (472,848 of them in the
	// reference tests' short run).
	page := unix.Getpagesize()
	if start := (from + page - 1) / page * page; start < to {
		populate(r[start:to])
	}
	if from%hugePage != 0 && first+hugePage <= whole {
		_ = unix.Madvise(r[first:first+hugePage], unix.MADV_COLLAPSE)
	}
}

// releaseAnon gives back the pages of b, a part of a reservation, which
// stays reserved (and reads as zeros).
func releaseAnon(b []byte) {
	_ = unix.Madvise(b, unix.MADV_DONTNEED)
}

// reservesAnon says whether reserveAnon reserves here (else it always fails).
const reservesAnon = true
