package statespace

// Every test of this package checks each block signature a symmetric
// search takes from the parent configuration against the block's own
// (canonicalFrom): a panic if they ever differ.
func init() { verifySymSigs = true }
