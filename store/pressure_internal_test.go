package store

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGroupFiles: a control group's limit and its use less its page cache
// (active and inactive files: badger's mapped tables are such pages, which
// the kernel gives back before it kills); no limit is no answer.
func TestGroupFiles(t *testing.T) {
	write := func(dir string, files map[string]string) {
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	v2 := t.TempDir()
	write(v2, map[string]string{"memory.max": "1610612736\n", "memory.current": "1500000000\n",
		"memory.stat": "anon 900000000\nfile 600000000\nactive_file 400000000\ninactive_file 200000000\n"})
	if limit, used, ok := groupFiles(v2, "memory.max", "memory.current", "active_file", "inactive_file"); !ok || limit != 1610612736 || used != 900000000 {
		t.Errorf("v2: %d, %d, %v; want 1610612736, 900000000", limit, used, ok)
	}
	v1 := t.TempDir()
	write(v1, map[string]string{"memory.limit_in_bytes": "9223372036854771712\n", "memory.usage_in_bytes": "1231015936\n"})
	if _, _, ok := groupFiles(v1, "memory.limit_in_bytes", "memory.usage_in_bytes", "total_active_file", "total_inactive_file"); ok {
		t.Error("v1 without a limit: an answer")
	}
	write(v2, map[string]string{"memory.max": "max\n"})
	if _, _, ok := groupFiles(v2, "memory.max", "memory.current", "active_file", "inactive_file"); ok {
		t.Error("v2 max: an answer")
	}
	if m, ok := ReadMemoryState(); ok && (m.Limit <= 0 || m.Available < 0 || m.Available > m.Limit || m.Resident <= 0) {
		t.Errorf("this machine's memory state does not fit together: %+v", m)
	}
}
