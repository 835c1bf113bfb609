package store

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// MemoryState is what the system says of memory, for a run that must stop
// before the kernel ends it (a search holds its results in memory; the
// kernel's out-of-memory killer would lose them, and may take other
// processes first): how much memory there is where this process runs
// (Limit: the machine's, or its control group's if that is smaller), how
// much of it is still available (free, or reclaimable: the page cache,
// badger's mapped tables included), and how much this process holds in
// RAM of its own, files' pages left out (Resident); and, under an
// address-space limit (ulimit -v: SpaceLimit, 0 if none), how much address
// space the process has mapped or reserved (Space): past the limit the Go
// runtime cannot grow its heap and ends the process with a trace.
type MemoryState struct {
	Limit, Available, Resident int64
	Group                      bool // Limit is the control group's
	Space, SpaceLimit          int64
}

// ReadMemoryState reads the memory state, where the system says it
// (Linux: /proc/meminfo, the control group's files, /proc/self/statm).
func ReadMemoryState() (MemoryState, bool) {
	var m MemoryState
	total, avail := meminfo()
	if total <= 0 || avail < 0 {
		return m, false
	}
	m.Limit, m.Available = total, avail
	if limit, used, ok := groupMemory(); ok && limit < m.Limit {
		m.Limit, m.Available, m.Group = limit, max(limit-used, 0), true
	}
	rss, space, ok := resident()
	if !ok {
		return m, false
	}
	m.Resident, m.Space = rss, space
	if lim, ok := AddressSpaceLimit(); ok {
		m.SpaceLimit = lim
	}
	return m, true
}

// SpaceMargin is how much of an address-space limit (ulimit -v) a search
// must leave: the Go runtime reserves its heap 64 MiB at a time, so a
// search whose heap grows with less than that left ends at its next
// reservation (a Go trace, no statistics); and a sixty-fourth of the limit
// for the growth between two looks at it and for the tables' mappings. The
// address space grows in such reservations, ahead of the memory: under 2.1
// GB a search that reached its limit after 32 s (prodcons K=4, the memory
// store) had 134 MiB left after 14 s and 97 MiB after about 20; with a
// sixteenth of the limit as the margin (134 MiB) it stopped after 14 s.
func SpaceMargin(limit int64) int64 { return 64<<20 + limit/64 }

// SpaceLeft is what is left of the process's address-space limit (ulimit
// -v) less SpaceMargin, and the limit, if it has one and it can be read.
func SpaceLeft() (left, limit int64, ok bool) {
	limit, ok = AddressSpaceLimit()
	if !ok {
		return 0, 0, false
	}
	_, space, ok := resident()
	if !ok {
		return 0, 0, false
	}
	return max(limit-space-SpaceMargin(limit), 0), limit, true
}

// meminfo is MemTotal and MemAvailable of /proc/meminfo, in bytes (-1:
// not read).
func meminfo() (total, avail int64) {
	total, avail = -1, -1
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() && (total < 0 || avail < 0) {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			continue
		}
		switch fields[0] {
		case "MemTotal:":
			total = kb * 1024
		case "MemAvailable:":
			avail = kb * 1024
		}
	}
	return total, avail
}

// groupMemory is the memory limit of this process's control group and
// what the group uses of it, less its page cache (files' pages, active or
// not: the kernel gives them back before it kills, and badger's mapped
// tables are such pages; counted as used, they stopped a run that fitted),
// if the group has a limit: cgroup v2 (memory.max, memory.current) or v1
// (the memory controller's limit_in_bytes, usage_in_bytes).
func groupMemory() (limit, used int64, ok bool) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0, 0, false
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			dir := filepath.Join("/sys/fs/cgroup", parts[2])
			if limit, used, ok = groupFiles(dir, "memory.max", "memory.current", "active_file", "inactive_file"); ok {
				return limit, used, true
			}
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			dir := filepath.Join("/sys/fs/cgroup/memory", parts[2])
			if limit, used, ok = groupFiles(dir, "memory.limit_in_bytes", "memory.usage_in_bytes", "total_active_file", "total_inactive_file"); ok {
				return limit, used, true
			}
		}
	}
	return 0, 0, false
}

// groupFiles reads a control group's limit and usage files in dir, and
// takes the page cache of its memory.stat (the counts named cache) from
// the usage. No limit ("max", or v1's huge number) is no answer.
func groupFiles(dir, limitFile, usageFile string, cache ...string) (limit, used int64, ok bool) {
	num := func(name string) (int64, bool) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return 0, false
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
		return n, err == nil
	}
	limit, ok = num(limitFile)
	if !ok || limit <= 0 || limit >= 1<<62 {
		return 0, 0, false
	}
	if used, ok = num(usageFile); !ok {
		return 0, 0, false
	}
	if b, err := os.ReadFile(filepath.Join(dir, "memory.stat")); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if name, v, found := strings.Cut(line, " "); found && slices.Contains(cache, name) {
				if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n <= used {
					used -= n
				}
			}
		}
	}
	return limit, used, true
}

// resident is this process's resident memory less its pages shared with
// files (/proc/self/statm: resident - shared), in bytes: what it holds of
// its own. Mapped files (the binary, badger's tables) are the page cache's
// (a tester saw mcheck "hold" 71 MiB of a group limited to 60). space is
// its address space (the first field: what ulimit -v bounds).
func resident() (rss, space int64, ok bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, 0, false
	}
	fields := strings.Fields(string(b))
	if len(fields) < 3 {
		return 0, 0, false
	}
	size, err0 := strconv.ParseInt(fields[0], 10, 64)
	res, err1 := strconv.ParseInt(fields[1], 10, 64)
	shared, err2 := strconv.ParseInt(fields[2], 10, 64)
	if err0 != nil || err1 != nil || err2 != nil {
		return 0, 0, false
	}
	page := int64(os.Getpagesize())
	return max(res-shared, 0) * page, size * page, true
}
