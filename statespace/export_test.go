package statespace

import "time"

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

// SetPORFullEvery makes every n-th level expanded fully under partial-order
// reduction, until the function it returns is called.
func SetPORFullEvery(n int) (restore func()) {
	old := porFullEvery
	porFullEvery = n
	return func() { porFullEvery = old }
}

// CanonicalOf is the canonical form of c from scratch (Program.Canonical)
// as s's searches make it (--update-at never forgets run numbers).
func (s *Semantics) CanonicalOf(c *Config) *Config {
	return s.P.canonicalOf(c, s.canon())
}

// SymRepOf is the encoding of the representative s's symmetry gives c's
// orbit, computed from scratch (s.Sym must be set).
func (s *Semantics) SymRepOf(c *Config) []byte {
	n := s.P.canonicalOf(c, s.canon())
	s.Sym.canonical(n)
	return s.P.Encode(nil, n)
}

// SameOrbit reports whether c is in the orbit of the configuration whose
// representative's encoding is rep, under s's symmetry.
func (s *Semantics) SameOrbit(c *Config, rep []byte) bool {
	return s.Sym.sameOrbit(s.P.canonicalOf(c, s.canon()), rep)
}

// Unreduced is s without its symmetry, ordering instances as s does.
func (s *Semantics) Unreduced() *Semantics { return s.unreduced() }

// SetLiveSearched sets a function the liveness check calls once its graph
// is explored, before it is decomposed (nil: none), and returns a function
// that restores the setting. Not for parallel tests.
func SetLiveSearched(f func()) (restore func()) {
	old := liveSearched
	liveSearched = f
	return func() { liveSearched = old }
}

// SetLiveProgress sets how often the liveness check's decomposition looks
// at its context (every steps steps) and reports its progress (then, once
// every has passed), and returns a function that restores the settings.
// Not for parallel tests.
func SetLiveProgress(every time.Duration, steps int) (restore func()) {
	oldEvery, oldSteps := liveProgressEvery, liveCheckSteps
	liveProgressEvery, liveCheckSteps = every, steps
	return func() { liveProgressEvery, liveCheckSteps = oldEvery, oldSteps }
}
