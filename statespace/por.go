package statespace

// Partial-order reduction (Options.POR): at some configurations the search
// follows the steps of one thread only (an ample set, Peled; a stubborn
// set, Valmari) instead of every enabled step, because the steps left
// out commute with it and will be taken later. It must preserve every
// configuration without a step (progress, the safety half of update
// completion, linearity at the end, capacity reached) and every step that
// violates a property (fidelity, linearity, runtime). The conditions, at a
// configuration c whose ample set is the steps of thread p:
//
//	C0  p has a step at c.
//	C1  every step of p is independent of every step any other thread
//	    can take from c on, before p moves (below).
//	C2  no step of p violates a property at c (its fault, if any, is
//	    reported; such a thread is never chosen).
//	C3  (the ignoring problem, for breadth-first search: Bošnački,
//	    Leue and Lluch-Lafuente's closed-set proviso) every configuration the
//	    steps of p lead to is new: not in the visited set before the batch
//	    records it, nor found earlier in the batch. Otherwise c is expanded
//	    fully. On a cycle of the reduced graph, take the configuration
//	    found first: its predecessor on the cycle was found after it, so
//	    when that predecessor was expanded its step on the cycle led to a
//	    configuration already visited, and it was expanded fully. Every
//	    cycle therefore has a fully expanded configuration, and no step
//	    is postponed for ever (explore.go, record).
//
// Independence (C1). Two steps of different threads are independent when
// neither can disable the other and taking them in either order gives the
// same configuration. A thread p is eligible at c when the update can no
// longer be introduced (it was, or the model has none, or --update-at
// never: the introduction reads every thread's remaining code, and
// --update-at step:K counts every step) and p, running and not at the
// barrier, is at one of
//
//   - a choose: its options change p's own frames only (and the local
//     evaluation after them, which stops at the next visible step: it can
//     end p, which enables the barrier's release but disables nothing);
//   - an update point (a call, or `update`): passing changes p's frames;
//     applying, p's heap version and its own endpoints; blocking, p's
//     barrier flag. After the introduction whether p takes part is fixed,
//     and the strategies decide from p's own state (max+1 from p's own
//     endpoints' run numbers and the number n each instance got at the
//     introduction); the barrier's release, which reads every
//     participant, is enabled only when every participant that has not
//     applied waits at the barrier or has stopped, so if it is enabled p
//     is not one of them and the release does not touch p;
//   - a receive or case on an endpoint p holds, whose run is started or
//     whose version for that run is already recorded in the instance:
//     the step removes the head of one channel (only p's endpoint reads
//     it: a sender appends at the tail, which commutes with it, and
//     enables nothing it disables; the capacity only becomes free), moves
//     p's own endpoint, and at most reads the instance's record of
//     versions per run, which no step changes once written. A receive
//     whose run is not yet recorded would write that record, which a
//     partner starting the same run reads or writes: it is not eligible.
//
// Never eligible: sends and selects (another thread's send can fill the
// queue's capacity and disable them), session starts (they join several
// threads), the barrier's release and the introduction (global), faults,
// and the spin of a local loop (it leads back to c, which C3 rejects
// anyway). A session start never involves p while p is at one of the above
// (the threads it joins wait at a request or an accept).
//
// What POR does not preserve: the length of counterexamples (the shortest
// run may interleave steps the reduced search postpones: it is a real run,
// not always a shortest one), the counts of configurations and of the
// strategy costs, and which violation is found first. The liveness half of
// update completion runs on the unreduced system.

// porFullEvery bounds how long a step may be postponed on a path without
// a cycle. C3 fires only where a path closes on a configuration already
// visited; along a path that never does — a thread counting for ever, or
// one whose loop repeats only after a long time — a thread's step can be
// postponed for as long as the path lasts, so that the reduced search
// meets a violation the unreduced one finds two steps deep only at the
// path's end, or never (found by a tester: a counter beside a two-step
// fidelity violation ran without end, or was "ok?" under --max-states).
// So the configurations of every porFullEvery-th level are expanded fully.
// A step enabled at c stays enabled along the reduced path from c (the
// ample steps taken are independent of it: C1), so it is taken within
// porFullEvery levels. Expanding more configurations fully only adds
// steps, so C0–C3 still hold. A variable for the tests.
var porFullEvery = 128

// porFullLevel reports whether the configurations of the level at depth
// are expanded fully (porFullEvery).
func porFullLevel(depth int) bool {
	return (depth+1)%porFullEvery == 0
}

// porApplies reports whether partial-order reduction may reduce at c: the
// update can no longer be introduced.
func (s *Semantics) porApplies(c *Config) bool {
	return s.P.Update == nil || c.Upd.Introduced || s.UpdateAt.Mode == AtNever
}

// porEligible reports whether thread t's steps at c may form an ample set
// (C1; see the file's comment). porApplies(c) must hold.
func (s *Semantics) porEligible(c *Config, t int) bool {
	p := s.P
	th := c.Threads[t]
	if th.Status != Running || th.Barrier || th.Spin {
		return false
	}
	f := &th.Frames[len(th.Frames)-1]
	in := &p.Codes[f.Code].Instrs[f.PC]
	switch in.Op {
	case IChoose, ICall, ITail, IUpdate:
		return true
	case IRecv, ICase:
		return recordedEnd(c, t, f.Stack[len(f.Stack)-1])
	}
	return false
}
