package statespace

// Every test of this package checks each block signature a symmetric
// search takes from the parent configuration against the block's own
// (canonicalFrom), and each part hash a swarm member keeps against the
// part's own (member.key): a panic if they ever differ.
func init() { verifySymSigs, verifyPartSums = true, true }
