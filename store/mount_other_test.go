//go:build !linux

package store_test

import "testing"

func mountTmpfs(t *testing.T, size string, opts ...string) string {
	t.Skip("tmpfs mounts need Linux")
	return ""
}
