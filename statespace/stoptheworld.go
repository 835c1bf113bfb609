package statespace

// StopTheWorld is the naive procedure the paper describes (§4): n is set as
// for max+1; a thread that has completed run n on each of its updated roles
// blocks at its next update point; when every participant that has not
// applied is blocked there (a finished thread counts as arrived), all apply
// together in one step and go on.
type StopTheWorld struct{}

func init() { RegisterStrategy("stop-the-world", func() Strategy { return StopTheWorld{} }) }

func (StopTheWorld) Name() string                    { return "stop-the-world" }
func (StopTheWorld) Introduce(p *Program, c *Config) { SetRunNumbers(p, c) }
func (StopTheWorld) SetsRunNumbers() bool            { return true }

func (StopTheWorld) Decide(p *Program, c *Config, t int) Decision {
	if CompletedN(c, t) {
		return Block
	}
	return Pass
}

func (StopTheWorld) Release(p *Program, c *Config) bool {
	waiting := false
	for _, th := range c.Threads {
		if !th.Participant || th.HeapVer == 1 {
			continue
		}
		if th.Barrier {
			waiting = true
		} else if th.Status == Running {
			return false
		}
	}
	return waiting
}
