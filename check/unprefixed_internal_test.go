package check

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

// TestLivenessErrorOnePrefix: a liveness failure reads "update completion
// (liveness): store: ...", not "update completion (liveness): liveness:
// store: ...", and still wraps the store's error (the exit status is chosen
// by what it wraps).
func TestLivenessErrorOnePrefix(t *testing.T) {
	inner := fmt.Errorf("liveness: %w", fmt.Errorf("store: %w", fs.ErrPermission))
	err := fmt.Errorf("update completion (liveness): %w", unprefixed{inner, "liveness: "})
	if got, want := err.Error(), "update completion (liveness): store: permission denied"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrPermission) {
		t.Error("the store's error is no longer wrapped")
	}
}
