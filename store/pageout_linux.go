//go:build linux

package store

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// pageOut bounds the resident pages of badger's mapped tables. Badger maps
// its tables (MAP_SHARED) and never unmaps what it has read or written
// while the table lives, so with no memory pressure the pages a compaction
// wrote or a look-up read stay in the process's RSS. When the process's
// resident pages of mapped files exceed p.above (the executable's count
// too), every table's mapping is handed to madvise(MADV_DONTNEED). For a
// shared file mapping that only unmaps the pages from the process: they
// stay in the kernel's page cache (a table is synced once written), and a
// later access maps them again without reading the disk. (MADV_PAGEOUT
// would drop them from the page cache too: badger's compactions then read
// them back from disk, which made a large run several times slower.)
// Badger's compactions read and write tables at memory speed, so the
// pages come back fast: the pager looks often (pageOutEvery), cheaply
// (/proc/self/statm), and reads the mappings only when over.
//
// MADV_DONTNEED zeroes anonymous memory, so it must only ever reach a
// table's mapping: a range read from /proc/self/maps could have been
// unmapped (the table deleted after a compaction) and reused by another
// mapping before the madvise. So the tables are pinned first: p.pin lists
// the live tables, opens an iterator (which holds a reference to every
// live table, so none is unmapped until it is closed) and lists them
// again; only tables on both lists are certainly pinned, and only their
// mappings, read after pinning, are advised.
//
// A table badger is still writing (a compaction's outputs, installed
// together when it ends) cannot be pinned, and a compaction that rewrites
// a large level writes hundreds of MiB of them (on prodcons K=4 at 1 GiB,
// thirty 8 MiB tables were resident at once). If the pinned tables do not
// bring the pages under the bound, the other tables' mappings get
// MADV_PAGEOUT, which never loses data whatever the range has become:
// it reclaims a file's clean pages (a table is synced once written) and
// at worst swaps anonymous memory out, or, with no swap, leaves it. Those
// pages leave the page cache too, and are read from disk when badger
// next reads them; only when over the bound.
func (p *pager) pageOut() {
	if fileResident() <= p.above {
		return
	}
	pinned, release := p.pin()
	defer release()
	var writing []mapping
	for _, m := range storeMappings(p.prefix) {
		id, ok := tableID(m.name)
		if !ok {
			continue
		}
		if !pinned[id] {
			writing = append(writing, m)
			continue
		}
		if _, _, e := unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_DONTNEED); e != 0 {
			return
		}
		p.pagedOut.Add(1)
	}
	if len(writing) == 0 || fileResident() <= p.above {
		return
	}
	for _, m := range writing {
		// (EINVAL before Linux 5.4: nothing to be done.)
		if _, _, e := unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_PAGEOUT); e != 0 {
			return
		}
		p.reclaimed.Add(1)
	}
}

// canPageOut: the pager works here.
const canPageOut = true

// mapping is one mapping of a store file: its address range and the
// file's name.
type mapping struct {
	start, end uintptr
	name       string
}

// storeMappings reads /proc/self/maps and returns the mappings of files
// under prefix.
func storeMappings(prefix string) (maps []mapping) {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return nil
	}
	for line := range bytes.Lines(b) {
		// start-end perms offset dev inode path
		line = bytes.TrimSuffix(line, []byte("\n"))
		at := bytes.Index(line, []byte(prefix)) // (the path may hold spaces)
		if at <= 0 || line[at-1] != ' ' {
			continue
		}
		lo, hi, ok := bytes.Cut(bytes.Fields(line)[0], []byte("-"))
		a, err1 := strconv.ParseUint(string(lo), 16, 64)
		b, err2 := strconv.ParseUint(string(hi), 16, 64)
		if ok && err1 == nil && err2 == nil {
			maps = append(maps, mapping{start: uintptr(a), end: uintptr(b), name: string(line[at+len(prefix):])})
		}
	}
	return maps
}

// fileResident is the process's resident pages of mapped files (and shared
// memory), in bytes, from /proc/self/statm: badger's and the executable's.
func fileResident() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 3 {
		return 0
	}
	pages, err := strconv.ParseInt(string(f[2]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// tableID is the id of the table in the file name ("000123.sst").
func tableID(name string) (uint64, bool) {
	num, ok := strings.CutSuffix(name, ".sst")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(num, 10, 64)
	return id, err == nil
}

// mapPrefix is dir as /proc/self/maps names it, with a separator.
func mapPrefix(dir string) string {
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	return dir + string(filepath.Separator)
}
