package store

// Stats is what a store can say about its size.
//
// It is an alias of an unnamed struct type, not a defined type, so that this
// package need not import statespace: a value converts to
// statespace.Stats, and if statespace declares its Stats as the
// same alias, Stats methods here satisfy statespace.Sizer directly.
type Stats = struct {
	RAMBytes  int64 // bytes held in memory
	DiskBytes int64 // bytes on disk
}
