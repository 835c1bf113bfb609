package model

import "slices"

// SameProtocol reports whether two protocols are the same: the same roles,
// each with the same local type (so written differently, e.g. with `.`
// after a choice or without, they still are). An update that gives a
// service of protocol a the protocol b leaves it where it is: the service
// is not moved (docs/language.md §4).
func SameProtocol(a, b *Protocol) bool {
	if a == b {
		return true
	}
	if len(a.Roles) != len(b.Roles) || a.Looping != b.Looping {
		return false
	}
	for _, r := range a.Roles {
		if la, lb := a.Local[r], b.Local[r]; la == nil || lb == nil || !sameLocal(la, lb) {
			return false
		}
	}
	return true
}

// sameLocal reports whether two monitors are bisimilar from their initial
// states: the same actions, labels and run ends, whatever their numbering.
func sameLocal(a, b *LocalType) bool {
	return pairWalk(a, b, func(x, y *LState, next [][2]int) ([][2]int, bool) {
		if x.Kind != y.Kind || x.Type != y.Type || !slices.Equal(x.Peers, y.Peers) || len(x.Branches) != len(y.Branches) {
			return next, false
		}
		if x.Kind == LSend || x.Kind == LRecv {
			if x.EndsRun != y.EndsRun {
				return next, false
			}
			next = append(next, [2]int{x.Next, y.Next})
		}
		for i, bx := range x.Branches {
			by := y.Branches[i]
			if bx.Label != by.Label || bx.EndsRun != by.EndsRun {
				return next, false
			}
			next = append(next, [2]int{bx.Next, by.Next})
		}
		return next, true
	})
}

// typeChange is a receive whose value's type an update changes: from
// peer, Old in the old protocol, New at the same place in the new one.
type typeChange struct{ Peer, Old, New string }

// recvTypeChanged lists the receives of a's that, following a and b along
// the actions they share (the same kind and peers, and branches by label),
// are at the same place in b receives of a value of another type (nil if
// none is), each change once.
func recvTypeChanged(a, b *LocalType) []typeChange {
	var changes []typeChange
	pairWalk(a, b, func(x, y *LState, next [][2]int) ([][2]int, bool) {
		if x.Kind != y.Kind || !slices.Equal(x.Peers, y.Peers) {
			return next, true // the two part ways here
		}
		switch x.Kind {
		case LRecv:
			if ch := (typeChange{x.Peers[0], x.Type.String(), y.Type.String()}); x.Type != y.Type && !slices.Contains(changes, ch) {
				changes = append(changes, ch)
			}
			next = append(next, [2]int{x.Next, y.Next})
		case LSend:
			next = append(next, [2]int{x.Next, y.Next})
		}
		for _, bx := range x.Branches {
			for _, by := range y.Branches {
				if bx.Label == by.Label {
					next = append(next, [2]int{bx.Next, by.Next})
				}
			}
		}
		return next, true
	})
	return changes
}

// pairWalk visits each pair of states of a and b reachable from their
// initial states, once: visit appends the pairs to go on to and says
// whether to go on at all. It reports whether the walk went to its end.
func pairWalk(a, b *LocalType, visit func(x, y *LState, next [][2]int) ([][2]int, bool)) bool {
	paired := map[[2]int]bool{}
	work := [][2]int{{0, 0}}
	for len(work) > 0 {
		p := work[len(work)-1]
		work = work[:len(work)-1]
		if paired[p] {
			continue
		}
		paired[p] = true
		var ok bool
		if work, ok = visit(&a.States[p[0]], &b.States[p[1]], work); !ok {
			return false
		}
	}
	return true
}
