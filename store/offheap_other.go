//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly) || race

package store

func mapAnon(size int) ([]byte, bool) { return nil, false }

func unmapAnon(b []byte) {}

// Under the race detector nothing is mapped: it does not see atomic
// operations on memory outside the Go heap, and would report the tables'
// lock-free lookups as races.

// mapsAnon says whether mapAnon maps memory here (else it always fails).
const mapsAnon = false

func reserveAnon(size int) ([]byte, bool) { return nil, false }

func growAnon(r []byte, from, to int) {}

func releaseAnon(b []byte) {}

// reservesAnon says whether reserveAnon reserves here (else it always fails).
const reservesAnon = false
