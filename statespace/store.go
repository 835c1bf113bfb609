package statespace

// The explorer keeps its bulk data behind three small interfaces so that the
// same search runs in memory or on disk. Package store implements them (in
// memory, and on badger / spill files); the explorer is their only user.

// VisitedSet is the set of configuration keys seen so far: 64-bit words,
// each naming exactly one canonical configuration (tree.go), so an exact
// set of keys is an exact set of configurations.
//
// The explorer calls Insert once per batch of successors — typically a whole
// BFS level, or a large slice of it — so an implementation can sort, dedupe
// and look the batch up in one pass (delayed duplicate detection).
type VisitedSet interface {
	// Insert adds every key of fps to the set. fps may be in any
	// order and may hold duplicates. For each i, isNew[i] is set to true iff
	// fps[i] was not in the set before the call and no j < i has
	// fps[j] == fps[i]; otherwise false. len(isNew) == len(fps).
	Insert(fps []uint64, isNew []bool) error
	// Len is the number of distinct keys in the set.
	Len() int64
	// Close releases the set's resources (a temporary directory is removed).
	Close() error
}

// Frontier is a FIFO of byte records (state id, latency tag and key): the
// BFS frontier. It may keep records on disk beyond a memory budget.
type Frontier interface {
	// Push appends a copy of rec at the back.
	Push(rec []byte) error
	// Pop removes the record at the front. It returns (nil, io.EOF) when
	// the queue is empty. The returned slice is valid until the next call.
	Pop() ([]byte, error)
	// Len is the number of records in the queue.
	Len() int64
	Close() error
}

// Links records, for every distinct state, how it was first reached: the id
// of its parent state and the index of the transition among the parent's
// successors. Ids are dense and assigned in order: the first Append returns
// 0. Trace reconstruction walks parents back to the root (parent -1) and then
// replays the transitions forward, so traces stay exact after spilling.
type Links interface {
	Append(parent int64, succ uint32) (id int64, err error)
	Get(id int64) (parent int64, succ uint32, err error)
	Len() int64
	Close() error
}

// StoreStats is what a store can say about its size. Implementations that
// can report it implement Sizer. It is an alias of an unnamed struct type so
// that package store can declare the same type without importing this one.
type StoreStats = struct {
	RAMBytes  int64 // bytes held in memory
	DiskBytes int64 // bytes on disk
}

// RAMSharer is implemented by visited sets that share their memory budget
// with the explorer's tables of configurations' parts (badger's RAM tier
// shrinks as they grow): the explorer reports the tables' bytes before it
// inserts each batch.
type RAMSharer interface {
	ShareRAM(bytes int64)
}

// ContentKeyed is implemented by visited sets that are lossy (bitstate
// hashing): two keys that differ may be taken for the same. The explorer
// then gives them, instead of the trees' keys, a hash of each
// configuration's canonical encoding. The trees' keys name the same
// configurations, exactly, but the ids in them depend on the order in
// which the workers met the configurations' parts: which configurations a
// lossy set takes for others would then change with --workers, and from
// run to run.
type ContentKeyed interface {
	ContentKeys() bool
}

// Sizer is implemented by stores that can report their size.
type Sizer interface {
	Stats() StoreStats
}
