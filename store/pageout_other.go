//go:build !linux

package store

// pageOut does nothing here (see pageout_linux.go): badger's mapped files
// stay resident until the system reclaims them.
func (p *pager) pageOut() {}

func mapPrefix(dir string) string { return dir }
