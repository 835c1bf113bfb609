package statespace

// MaxPlus1 is the paper's procedure (§4): at the introduction, each instance
// of a moved service gets n = max(run numbers of its roles) + 1; a thread
// applies at its first update point after completing run n on every such
// endpoint it holds, without waiting for anyone.
type MaxPlus1 struct{}

func init() { RegisterStrategy("max+1", func() Strategy { return MaxPlus1{} }) }

func (MaxPlus1) Name() string                       { return "max+1" }
func (MaxPlus1) Introduce(p *Program, c *Config)    { SetRunNumbers(p, c) }
func (MaxPlus1) Release(p *Program, c *Config) bool { return false }
func (MaxPlus1) SetsRunNumbers() bool               { return true }

func (MaxPlus1) Decide(p *Program, c *Config, t int) Decision {
	if CompletedN(c, t) {
		return Apply
	}
	return Pass
}
