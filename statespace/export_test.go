package statespace

// SetCreationOrder makes the canonical form keep instances in their order
// of creation (on) or order them (off, the default), and returns a function
// that restores the setting. Not for parallel tests.
func SetCreationOrder(on bool) (restore func()) {
	old := creationOrder
	creationOrder = on
	return func() { creationOrder = old }
}

// SetDupFilter turns the explorer's duplicate filter on or off, and
// returns a function that restores the setting. Not for parallel tests.
func SetDupFilter(on bool) (restore func()) {
	old := noDupFilter
	noDupFilter = !on
	return func() { noDupFilter = old }
}

// SetSleepSets turns the explorer's sleep sets (sleep.go) on or off, and
// returns a function that restores the setting. Not for parallel tests.
func SetSleepSets(on bool) (restore func()) {
	old := noSleepSets
	noSleepSets = !on
	return func() { noSleepSets = old }
}

// PORFullEvery is how often a level is expanded fully under partial-order
// reduction (porFullEvery).
func PORFullEvery() int { return porFullEvery }

// CanonicalOf is the canonical form of c from scratch (Program.Canonical)
// as s's searches make it (--update-at never forgets run numbers).
func (s *Semantics) CanonicalOf(c *Config) *Config {
	return s.P.canonicalOf(c, s.canon())
}
