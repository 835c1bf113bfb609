//go:build !unix

package main

// keepBrokenPipes: no SIGPIPE here; a write to a closed pipe fails.
func keepBrokenPipes() {}
