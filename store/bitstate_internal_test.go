package store

import (
	"strings"
	"testing"
)

// TestBitArraysTooBig: arrays that together exceed the machine's memory are
// refused with an error naming the flag, not left to crash the process (2^38
// bits, 32 GiB, on a smaller machine was the runtime's fatal "out of
// memory" with its stack). 2^20 arrays of 2^38 bits exceed any machine.
func TestBitArraysTooBig(t *testing.T) {
	phys, ok := physicalMemory()
	if !ok {
		t.Skip("the machine's memory cannot be read here")
	}
	err := BitArraysFit(MaxBitstateBits, 1<<20)
	if err == nil || !strings.Contains(err.Error(), "--bits 38") || !strings.Contains(err.Error(), "fewer --workers") {
		t.Errorf("2^20 arrays of 2^38 bits: %v", err)
	}
	if err := BitArraysFit(20, 2); err != nil {
		t.Errorf("two arrays of 128 KiB: %v", err)
	}
	if phys < 1<<(MaxBitstateBits-3) {
		s, err := NewBitstateSet(MaxBitstateBits, 1)
		if err == nil || !strings.Contains(err.Error(), "more than this machine's memory") {
			t.Errorf("2^38 bits on a machine of %d bytes: %v", phys, err)
		}
		if s != nil {
			s.Close()
		}
	}
	s, err := NewBitstateSet(24, 1) // 2 MiB: mapped
	if err != nil {
		t.Fatal(err)
	}
	if !s.Add(42) || s.Add(42) {
		t.Error("a mapped array does not hold its bits")
	}
	s.Close()
}
