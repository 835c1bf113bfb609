//go:build !linux

package store_test

import (
	"testing"
	"time"
)

func mountTmpfs(t *testing.T, size string, opts ...string) string {
	t.Skip("tmpfs mounts need Linux")
	return ""
}

// cpuTime is unknown here.
func cpuTime() time.Duration { return 0 }

// openUnlinked is unknown here.
func openUnlinked(t *testing.T, dir string) int { return -1 }
