//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package atomicfile

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWrite: a new or regular file is replaced whole; a named pipe is
// written to in place and stays a pipe (renaming over it would replace it,
// as it replaced /dev/full once when run as root).
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "f.txt")
	for _, data := range []string{"one", "two, longer"} {
		if err := Write(reg, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(reg); string(got) != data {
			t.Fatalf("read %q, want %q", got, data)
		}
	}
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	if err := Write(fifo, []byte("through the pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe" {
		t.Fatalf("the reader got %q", s)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe was replaced: %v %v", st.Mode(), err)
	}
	if err := Write(filepath.Join(dir, "no", "such", "dir"), []byte("x"), 0o644); err == nil {
		t.Fatal("writing into a missing directory succeeded")
	}
}

// TestWriteThroughLink: a target that is a symbolic link is followed, and
// the link kept; it was replaced by a regular file, leaving the file it led
// to stale (adversarial tester, with --html and gen -o).
func TestWriteThroughLink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.html")
	link := filepath.Join(dir, "link.html")
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.html", link); err != nil {
		t.Skip(err)
	}
	if err := Write(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if li, err := os.Lstat(link); err != nil || li.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", li.Mode(), err)
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Errorf("the file the link leads to holds %q", b)
	}
}

// TestWriteThroughDanglingLink: a link to a file that does not exist yet
// leads to it, through a chain of links too (found by a tester: gen -o
// onto such a link replaced the link with a regular file).
func TestWriteThroughDanglingLink(t *testing.T) {
	dir := t.TempDir()
	link, mid := filepath.Join(dir, "link.dsu"), filepath.Join(dir, "mid.dsu")
	if err := os.Symlink("mid.dsu", link); err != nil {
		t.Skip(err)
	}
	if err := os.Symlink("new.dsu", mid); err != nil {
		t.Skip(err)
	}
	if err := Write(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{link, mid} {
		if li, err := os.Lstat(l); err != nil || li.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s was replaced: %v, %v", l, li.Mode(), err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "new.dsu")); string(b) != "new" {
		t.Errorf("the file the links lead to holds %q", b)
	}
}

// TestWriteThroughLoop: a loop of links leads to no file: an error, and
// the links are kept (found by a tester: the link was replaced by a
// regular file).
func TestWriteThroughLoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.Symlink("b", a); err != nil {
		t.Skip(err)
	}
	if err := os.Symlink("a", b); err != nil {
		t.Skip(err)
	}
	if err := Write(a, []byte("new"), 0o644); err == nil || !strings.Contains(err.Error(), "cannot write "+a+": too many levels of symbolic links") {
		t.Errorf("Write through a loop: %v", err)
	}
	for _, l := range []string{a, b} {
		if li, err := os.Lstat(l); err != nil || li.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s was replaced: %v", l, err)
		}
	}
}

// TestWritePipeWithoutReader: a named pipe waits for a reader, but in
// steps its context can end (found by a tester: check --html FIFO hung
// after its search, and SIGTERM did not end it).
func TestWritePipeWithoutReader(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no named pipes here:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- WriteContext(ctx, fifo, []byte("page"), 0o644) }()
	select {
	case err := <-done:
		if err == nil || err.Error() != "cannot write "+fifo+": no process opened the named pipe for reading before the run was stopped" {
			t.Errorf("error %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the write went on waiting after its context ended")
	}
}
