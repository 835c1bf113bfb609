package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// defaultStore is the visited set used unless --store says otherwise.
const defaultStore = "badger"

func checkStoreFlags(f *checkFlags) error {
	switch f.store {
	case "memory", "badger":
	default:
		return fmt.Errorf("--store must be memory or badger, got %q", f.store)
	}
	if f.storeDir != "" && f.store != "badger" {
		return errors.New("--store-dir needs --store badger")
	}
	return nil
}

// stores are the three stores of one exploration.
type stores struct {
	visited  statespace.VisitedSet
	frontier statespace.Queue
	links    statespace.Links
	opened   []interface{ Close() error } // in the order opened
	memLimit int64                        // Go's memory limit before, restored at close
}

// openStores opens a fresh set of stores. A --store-dir is used by one
// exploration at a time: with several (update, strategy) runs, each run
// after the first gets DIR/<n>.
func openStores(f *checkFlags, plan *checkPlan) (*stores, error) {
	budget := plan.memBudget
	if budget == 0 {
		budget = defaultMemBudget()
	}
	// The budget is for everything. The badger RAM tier gets 3/8 of it: it
	// answers duplicates without a random read of badger, which is what
	// slows a large search down under memory pressure. The frontier (1/8)
	// and the trace links (1/16) are read and written in order, so they
	// spill to files cheaply. The rest is for the visited set's filter,
	// badger's tables and the explorer's batches. Go's soft memory limit
	// (set while the stores are open) keeps the collector from letting the
	// heap grow past the budget.
	st := &stores{memLimit: debug.SetMemoryLimit(budget)}
	if f.store == "memory" {
		st.visited = store.NewMemorySet()
	} else {
		dir := f.storeDir
		if dir != "" && plan.storeRuns > 0 {
			dir = fmt.Sprintf("%s/run-%d", strings.TrimRight(dir, "/"), plan.storeRuns+1)
		}
		plan.storeRuns++
		tier := int(max(budget*3/8/16, 1<<16)) // about 16 bytes a fingerprint in the tier
		bs, err := store.OpenBadgerSet(store.BadgerOptions{Dir: dir, Keep: dir != "", RAMEntries: tier})
		if err != nil {
			st.close()
			return nil, err
		}
		st.visited = bs
	}
	st.opened = append(st.opened, st.visited)
	q, err := store.NewQueue(store.SpillOptions{MemBudget: budget / 8})
	if err != nil {
		st.close()
		return nil, err
	}
	st.frontier = q
	st.opened = append(st.opened, q)
	l, err := store.NewLinks(store.SpillOptions{MemBudget: budget / 16})
	if err != nil {
		st.close()
		return nil, err
	}
	st.links = l
	st.opened = append(st.opened, l)
	return st, nil
}

// close closes every store opened, in reverse order.
func (st *stores) close() error {
	var errs []error
	for i := len(st.opened) - 1; i >= 0; i-- {
		errs = append(errs, st.opened[i].Close())
	}
	debug.SetMemoryLimit(st.memLimit)
	return errors.Join(errs...)
}

// defaultMemBudget is a quarter of the machine's memory (from
// /proc/meminfo), or 1 GiB where that cannot be read.
func defaultMemBudget() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 1 << 30
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			if kb, err := strconv.ParseInt(fields[1], 10, 64); err == nil && kb > 0 {
				return kb * 1024 / 4
			}
		}
	}
	return 1 << 30
}
