//go:build (darwin || freebsd || netbsd || openbsd || dragonfly) && !race

package store

import "syscall"

func mapAnon(size int) ([]byte, bool) {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	return b, err == nil
}

func unmapAnon(b []byte) { _ = syscall.Munmap(b) }

// mapsAnon says whether mapAnon maps memory here (else it always fails).
const mapsAnon = true

func reserveAnon(size int) ([]byte, bool) { return nil, false }

func growAnon(r []byte, from, to int) {}

func releaseAnon(b []byte) {}

// reservesAnon says whether reserveAnon reserves here (else it always fails).
const reservesAnon = false
