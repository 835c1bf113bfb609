package store_test

import (
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/mcheck/mcheck/store"
)

// BenchmarkVisitedSet inserts batches of 64Ki fingerprints, half of them
// new and half duplicates (of this batch, of recent batches and of any
// earlier one, a quarter/half/quarter split), and reports ns per inserted
// fingerprint and the store's bytes per distinct state. One op is one
// batch: -benchtime=40x makes 2.6M inserts and 1.3M states.
//
//	go test -run '^$' -bench VisitedSet -benchtime=40x ./store
func BenchmarkVisitedSet(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		benchVisitedSet(b, func() visitedSet { return store.NewMemorySet() })
	})
	b.Run("compact", func(b *testing.B) {
		benchVisitedSet(b, func() visitedSet { return store.NewCompactSet() })
	})
	badgerWith := func(opts store.BadgerOptions) func(b *testing.B) {
		return func(b *testing.B) {
			benchVisitedSet(b, func() visitedSet {
				opts.Dir = benchDir(b)
				s, err := store.OpenBadgerSet(opts)
				if err != nil {
					b.Fatal(err)
				}
				return s
			})
		}
	}
	// The default RAM tier: a run of up to ~4M states never waits for disk.
	b.Run("badger", badgerWith(store.BadgerOptions{}))
	// A RAM tier of 256Ki entries: most states go to disk, and old
	// duplicates are looked up there.
	b.Run("badger-spill", badgerWith(store.BadgerOptions{RAMEntries: 1 << 18}))
}

// benchDir is $MCHECK_BENCH_DIR (to put the store on a given disk) or a
// temporary directory.
func benchDir(b *testing.B) string {
	if d := os.Getenv("MCHECK_BENCH_DIR"); d != "" {
		dir, err := os.MkdirTemp(d, "bench-")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	return b.TempDir()
}

func benchVisitedSet(b *testing.B, open func() visitedSet) {
	const batch = 1 << 16
	// Generate the batches first, so that the timed loop only inserts.
	// Random 64-bit fresh fingerprints are new (collisions are negligible).
	rng := rand.New(rand.NewPCG(3, 4))
	batches := make([][]uint64, b.N)
	var all []uint64
	for n := range batches {
		fps := make([]uint64, batch)
		fresh := fps[:batch/2]
		for i := range fresh {
			fresh[i] = rng.Uint64()
		}
		for i := batch / 2; i < batch; i++ {
			switch r := rng.IntN(4); {
			case r == 0 || len(all) == 0: // this batch
				fps[i] = fresh[rng.IntN(len(fresh))]
			case r < 3: // the last two batches
				fps[i] = all[len(all)-1-rng.IntN(min(len(all), batch))]
			default: // any earlier state
				fps[i] = all[rng.IntN(len(all))]
			}
		}
		all = append(all, fresh...)
		rng.Shuffle(batch, func(i, j int) { fps[i], fps[j] = fps[j], fps[i] })
		batches[n] = fps
	}
	all = nil
	isNew := make([]bool, batch)
	s := open()
	cpu0 := cpuTime()
	b.ResetTimer()
	for n := range b.N {
		if err := s.Insert(batches[n], isNew); err != nil {
			b.Fatal(err)
		}
	}
	// Badger commits in the background: the time counts until it is done.
	if syncer, ok := s.(interface{ Sync() error }); ok {
		if err := syncer.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	states := float64(s.Len())
	if want := float64(b.N * batch / 2); states != want {
		b.Fatalf("%v states, want %v", states, want)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/insert")
	// CPU time of the whole process (badger's goroutines included): on a
	// busy machine, steadier than wall time.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*batch), "cpu-ns/insert")
	b.ReportMetric(states, "states")
	if sz, ok := s.(interface{ Stats() store.Stats }); ok {
		st := sz.Stats()
		b.ReportMetric(float64(st.RAMBytes)/states, "RAM-B/state")
		b.ReportMetric(float64(st.DiskBytes)/states, "disk-B/state")
	}
	t0 := time.Now()
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(time.Since(t0).Milliseconds()), "close-ms")
}
