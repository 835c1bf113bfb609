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
	paired := map[[2]int]bool{}
	work := [][2]int{{0, 0}}
	for len(work) > 0 {
		p := work[len(work)-1]
		work = work[:len(work)-1]
		if paired[p] {
			continue
		}
		paired[p] = true
		x, y := &a.States[p[0]], &b.States[p[1]]
		if x.Kind != y.Kind || x.Type != y.Type || !slices.Equal(x.Peers, y.Peers) || len(x.Branches) != len(y.Branches) {
			return false
		}
		if x.Kind == LSend || x.Kind == LRecv {
			if x.EndsRun != y.EndsRun {
				return false
			}
			work = append(work, [2]int{x.Next, y.Next})
		}
		for i, bx := range x.Branches {
			by := y.Branches[i]
			if bx.Label != by.Label || bx.EndsRun != by.EndsRun {
				return false
			}
			work = append(work, [2]int{bx.Next, by.Next})
		}
	}
	return true
}

// recvTypeChanged reports whether, following a and b along the actions
// they share (the same kind and peers, and branches by label), some
// receive of a's is, at the same place in b, a receive of a value of
// another type.
func recvTypeChanged(a, b *LocalType) bool {
	paired := map[[2]int]bool{}
	work := [][2]int{{0, 0}}
	for len(work) > 0 {
		p := work[len(work)-1]
		work = work[:len(work)-1]
		if paired[p] {
			continue
		}
		paired[p] = true
		x, y := &a.States[p[0]], &b.States[p[1]]
		if x.Kind != y.Kind || !slices.Equal(x.Peers, y.Peers) {
			continue // the two part ways here
		}
		switch x.Kind {
		case LRecv:
			if x.Type != y.Type {
				return true
			}
			work = append(work, [2]int{x.Next, y.Next})
		case LSend:
			work = append(work, [2]int{x.Next, y.Next})
		}
		for _, bx := range x.Branches {
			for _, by := range y.Branches {
				if bx.Label == by.Label {
					work = append(work, [2]int{bx.Next, by.Next})
				}
			}
		}
	}
	return false
}
