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
