package statespace

import "testing"

// TestContinuedNote: a distinct violation is kept at its least depth (one
// met later in the same level, at a configuration with no step, replaces
// the step's one deeper), a repeat is not recorded again, and one beyond
// the limit marks the list full without entering it.
func TestContinuedNote(t *testing.T) {
	c := newContinued(2)
	c.note(violAt{id: 5, succ: 1}, 4, "a") // a step from level 3
	c.note(violAt{id: 7, succ: 0}, 4, "b")
	c.note(violAt{id: 6, succ: -1}, 3, "a") // a configuration of level 3
	c.note(violAt{id: 9, succ: 2}, 5, "a")  // deeper: ignored
	if len(c.list) != 2 || c.list[0].at != (violAt{id: 6, succ: -1}) || c.list[0].depth != 3 || c.full {
		t.Fatalf("list %+v, full %v", c.list, c.full)
	}
	c.note(violAt{id: 8, succ: 0}, 4, "c")
	if len(c.list) != 2 || !c.full {
		t.Fatalf("beyond the limit: list %+v, full %v", c.list, c.full)
	}
	if newContinued(0).max != DefaultMaxViolations {
		t.Fatal("no limit given: want the default")
	}
}
