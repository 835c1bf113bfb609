package statespace

// Uncoordinated lets each participant apply the update at any of its update
// points once it is introduced, independently of every other thread: at
// each one it may apply or go on, and both are explored.
type Uncoordinated struct{}

func init() { RegisterStrategy("uncoordinated", func() Strategy { return Uncoordinated{} }) }

func (Uncoordinated) Name() string                                 { return "uncoordinated" }
func (Uncoordinated) Introduce(p *Program, c *Config)              {}
func (Uncoordinated) Decide(p *Program, c *Config, t int) Decision { return Either }
func (Uncoordinated) Release(p *Program, c *Config) bool           { return false }
