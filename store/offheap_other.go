//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

func mapAnon(size int) ([]byte, bool) { return nil, false }

func unmapAnon(b []byte) {}
