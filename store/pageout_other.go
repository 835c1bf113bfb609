//go:build !linux

package store

// canPageOut: there is no pager here (see pageout_linux.go): badger's
// mapped files stay resident until the system reclaims them.
const canPageOut = false

func (p *pager) pageOut() {}

func mapPrefix(dir string) string { return dir }
