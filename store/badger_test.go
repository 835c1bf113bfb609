package store_test

import (
	"testing"

	"github.com/mcheck/mcheck/store"
)

func openBadger(opts store.BadgerOptions) func(t *testing.T) visitedSet {
	return func(t *testing.T) visitedSet {
		t.Helper()
		s, err := store.OpenBadgerSet(opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

func TestBadgerSet(t *testing.T) {
	testVisitedSet(t, openBadger(store.BadgerOptions{}))
}

// TestBadgerSetTinyTiers runs the suite with a RAM tier of 64 entries and
// a filter sized for 1000 states, so duplicates go to badger, false
// positives of the filter are looked up, and the filter is rebuilt.
func TestBadgerSetTinyTiers(t *testing.T) {
	testVisitedSet(t, openBadger(store.BadgerOptions{RAMEntries: 64, ExpectedStates: 1000}))
}

// TestBadgerSetFullFilter runs the suite with a filter capped at 1 KiB
// (made at its cap, never rebuilt, soon answering "perhaps" for nearly
// everything) and a tier that shares 64 KiB with nothing.
func TestBadgerSetFullFilter(t *testing.T) {
	testVisitedSet(t, openBadger(store.BadgerOptions{RAMEntries: 256, FilterBytes: 1 << 10, ShareBytes: 64 << 10}))
}
