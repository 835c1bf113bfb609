package statespace

// WaitKind says what a running thread that cannot move is waiting for.
type WaitKind uint8

const (
	WaitNone     WaitKind = iota // not waiting (finished, or it can move)
	WaitHeldBack                 // at a send or select the queue's capacity holds back
	WaitReceive                  // at a receive or case: for a message from Peer
	WaitSession                  // at a request or accept: for partners on Service
	WaitBarrier                  // at the stop-the-world barrier
)

// Wait is what thread Thread waits for in a configuration (a fact for the
// progress property: which stuck threads a held-back send could release).
type Wait struct {
	Kind    WaitKind
	Thread  int
	Peer    int // WaitReceive: the thread holding the sending endpoint, -1 if none
	Service int // WaitSession: the service
}

// WaitOf says what running thread t is waiting for in c, assuming it cannot
// move: at a send or select it is held back by the capacity.
func (p *Program) WaitOf(c *Config, t int) Wait {
	th := c.Threads[t]
	w := Wait{Thread: t, Peer: -1, Service: -1}
	if th.Status != Running {
		return w
	}
	if th.Barrier {
		w.Kind = WaitBarrier
		return w
	}
	f := &th.Frames[len(th.Frames)-1]
	in := &p.Codes[f.Code].Instrs[f.PC]
	switch in.Op {
	case ISend, ISelect:
		w.Kind = WaitHeldBack
	case IRecv, ICase:
		w.Kind = WaitReceive
		if ev := f.Stack[len(f.Stack)-1]; ev.K == VEndpoint {
			if inst, _ := ev.Endpoint(); inst != DeadInstance && inst < len(c.Insts) {
				if k := c.Insts[inst].end(int(in.A)); k >= 0 {
					w.Peer = int(c.Insts[inst].Ends[k].Holder)
				}
			}
		}
	case IRequest, IAccept:
		w.Kind = WaitSession
		w.Service = int(in.A)
	}
	return w
}

// Joins reports whether thread t's code can open or join a session of
// service svc (request or accept on it).
func (p *Program) Joins(t, svc int) bool { return p.Threads[t].Joins[svc] }
