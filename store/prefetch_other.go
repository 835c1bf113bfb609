//go:build !amd64

package store

import "unsafe"

// prefetch does nothing where there is no prefetch instruction written
// for the architecture (see prefetch_amd64.s).
func prefetch(p unsafe.Pointer) {}
