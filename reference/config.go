package reference

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/mcheck/mcheck/model"
)

// endpoint is one role of a session instance: who holds it and where its
// monitor is.
type endpoint struct {
	role    string
	holder  int  // the thread that opened it
	ver     int  // protocol version of the current run (0 old, 1 new)
	pending int  // protocol version of the next run
	state   int  // monitor state in the local type of (ver, role)
	run     int  // completed runs (normalised, see canon)
	started bool // the current run has had an action
	done    bool // the local type reached end
	lost    bool // no longer tracked (after a fault)
	absent  bool // the protocol version of the run has no such role: the next action is fidelity (a)
}

type instance struct {
	svc    string
	ends   []endpoint  // sorted by role
	runVer map[int]int // run -> protocol version it is performed under (fidelity (c))
	hasN   bool        // update run number n set (stop-the-world, max+1)
	n      int
	// noRuns: run numbers are not tracked (they can no longer matter: the
	// service is not moved, or every role has migrated for good).
	noRuns bool
	// hasNewFrom: every run from newFrom on that is not in runVer counts as
	// performed under the new protocol (roles that migrated for good ran
	// ahead; how far ahead was forgotten: see normaliseRuns).
	hasNewFrom bool
	newFrom    int
}

func (in *instance) clone() *instance {
	n := *in
	n.ends = append([]endpoint(nil), in.ends...)
	n.runVer = map[int]int{}
	for k, v := range in.runVer {
		n.runVer[k] = v
	}
	return &n
}

func (in *instance) end(role string) int {
	for i := range in.ends {
		if in.ends[i].role == role {
			return i
		}
	}
	return -1
}

type msg struct {
	isLabel bool
	label   string
	v       value
}

func (m msg) String() string {
	if m.isLabel {
		return m.label
	}
	return m.v.String()
}

type qkey struct {
	inst     int
	from, to string
}

type config struct {
	threads    []*thread
	insts      []*instance
	queue      map[qkey][]msg // one FIFO per (instance, from, to) (docs/language.md §6)
	introduced bool
	steps      int // transitions taken, kept only while step:K waits to introduce
}

func (c *config) clone() *config {
	n := &config{introduced: c.introduced, steps: c.steps, queue: map[qkey][]msg{}}
	for _, th := range c.threads {
		n.threads = append(n.threads, th.clone())
	}
	for _, in := range c.insts {
		n.insts = append(n.insts, in.clone())
	}
	for k, q := range c.queue {
		n.queue[k] = append([]msg(nil), q...)
	}
	return n
}

func (c *config) queueLen() int {
	n := 0
	for _, q := range c.queue {
		n += len(q)
	}
	return n
}

func (c *config) sortedKeys() []qkey {
	var ks []qkey
	for k, q := range c.queue {
		if len(q) > 0 {
			ks = append(ks, k)
		}
	}
	sort.Slice(ks, func(i, j int) bool {
		a, b := ks[i], ks[j]
		if a.inst != b.inst {
			return a.inst < b.inst
		}
		if a.from != b.from {
			return a.from < b.from
		}
		return a.to < b.to
	})
	return ks
}

// ---------------------------------------------------------------------------
// Canonical form (docs/language.md §6): forget finished instances and renumber the
// others; normalise run numbers per instance.

// mapValues applies f to every value held by a thread or queued.
func mapValues(c *config, f func(value) value) {
	mv := func(vs []value) []value {
		if len(vs) == 0 {
			return vs
		}
		out := make([]value, len(vs))
		for i, v := range vs {
			out[i] = f(v)
		}
		return out
	}
	me := func(e env) env {
		if len(e) == 0 {
			return e
		}
		out := make(env, len(e))
		for i, b := range e {
			out[i] = binding{b.name, f(b.v)}
		}
		return out
	}
	for _, th := range c.threads {
		th.val = f(th.val)
		th.vals = mv(th.vals)
		th.env = me(th.env)
		for i := range th.kont {
			th.kont[i].vals = mv(th.kont[i].vals)
			th.kont[i].env = me(th.kont[i].env)
		}
	}
	for k, q := range c.queue {
		for i := range q {
			q[i].v = f(q[i].v)
		}
		c.queue[k] = q
	}
}

func (x *checker) canon(c *config) {
	// References to instances.
	ref := map[int]bool{}
	mapValues(c, func(v value) value {
		if v.k == vEnd {
			ref[v.inst] = true
		}
		return v
	})
	for k, q := range c.queue {
		if len(q) > 0 {
			ref[k.inst] = true
		} else {
			delete(c.queue, k)
		}
	}
	// An instance is forgotten when nothing refers to it (no endpoint value
	// anywhere, no queued message) and each role has reached end, is no
	// longer tracked, or is held by a thread that has stopped: no step can
	// ever observe it again.
	var kept []int // by old number
	for i, in := range c.insts {
		finished := !ref[i]
		for _, e := range in.ends {
			if live(&e) && c.threads[e.holder].status == tRun {
				finished = false
			}
		}
		if !finished {
			kept = append(kept, i)
		}
	}
	// The rest are renumbered in a canonical order: by service, then by
	// the roles and their holders (fixed at the start); sessions that tie
	// keep their order of creation.
	sort.SliceStable(kept, func(a, b int) bool {
		return instKey(c.insts[kept[a]]) < instKey(c.insts[kept[b]])
	})
	renum := map[int]int{}
	keep := make([]*instance, len(kept))
	moved := len(kept) != len(c.insts)
	for k, i := range kept {
		renum[i] = k
		keep[k] = c.insts[i]
		moved = moved || k != i
	}
	if moved {
		c.insts = keep
		mapValues(c, func(v value) value {
			if v.k == vEnd {
				v.inst = renum[v.inst]
			}
			return v
		})
		q := map[qkey][]msg{}
		for k, m := range c.queue {
			k.inst = renum[k.inst]
			q[k] = m
		}
		c.queue = q
	}
	for _, in := range c.insts {
		x.normaliseRuns(in)
	}
}

// instKey is what orders instances in the canonical form: the service,
// then each role with the thread holding it.
func instKey(in *instance) string {
	var b strings.Builder
	b.WriteString(in.svc)
	for _, e := range in.ends {
		fmt.Fprintf(&b, "\x00%s\x00%d", e.role, e.holder)
	}
	return b.String()
}

// live: the endpoint's run number still matters (not at end, tracked, its
// role present in its protocol version).
func live(e *endpoint) bool { return !e.done && !e.lost && !e.absent }

func (x *checker) normaliseRuns(in *instance) {
	if in.noRuns {
		return
	}
	base, any := 0, false
	for i := range in.ends {
		if e := &in.ends[i]; live(e) && (!any || e.run < base) {
			base, any = e.run, true
		}
	}
	if !any {
		// Nothing can act in a run any more: no run number can matter.
		for i := range in.ends {
			in.ends[i].run = 0
		}
		in.runVer = map[int]int{}
		in.n = 0
		return
	}
	for i := range in.ends {
		e := &in.ends[i]
		switch {
		case e.lost || e.absent:
			e.run = 0
		case e.done:
			// Matters only for n = max+1 at the introduction: below
			// base it cannot be the max.
			e.run = max(e.run-base, 0)
		default:
			e.run -= base
		}
	}
	rv := map[int]int{}
	for r, v := range in.runVer {
		if r-base >= 0 {
			rv[r-base] = v
		}
	}
	in.runVer = rv
	// n <= base: every live role has completed run n, the exact value
	// cannot matter (a role past run n).
	in.n = max(in.n-base, 0)
	if in.hasNewFrom {
		in.newFrom = max(in.newFrom-base, 0)
	}

	// Roles that have migrated for good and run ahead of every other live
	// role and of n (docs/language.md §6: their lead must not make a finite space
	// infinite). Past horizon+1 every run any role can still start was,
	// or will be, performed under the new protocol by them: only that
	// matters to a lagging role, which can start those runs only after
	// horizon+1. So their runs are capped at horizon+1 and the record past
	// it summarised by newFrom.
	if x.moved[in.svc] {
		horizon, lagging := -1, false
		if in.hasN {
			horizon = in.n
		}
		for i := range in.ends {
			if e := &in.ends[i]; live(e) && (e.ver != 1 || e.pending != 1) {
				horizon, lagging = max(horizon, e.run), true
			}
		}
		cut := horizon + 1
		allNew := true
		for r, v := range in.runVer {
			if r >= cut && v != 1 {
				allNew = false
			}
		}
		if lagging && allNew {
			capped := false
			for i := range in.ends {
				if e := &in.ends[i]; live(e) && e.ver == 1 && e.pending == 1 && e.run > cut {
					e.run, capped = cut, true
				}
			}
			if capped || in.hasNewFrom {
				for r := range in.runVer {
					if r >= cut {
						delete(in.runVer, r)
					}
				}
				if !in.hasNewFrom || cut < in.newFrom {
					in.newFrom = cut
				}
				in.hasNewFrom = true
			}
		}
	}

	// Every live role now runs the new protocol for good, and no run any of
	// them has still to start was recorded under the old one: fidelity (c)
	// can no longer fail and no apply condition can ask about it.
	if !x.moved[in.svc] {
		return
	}
	first := -1
	for i := range in.ends {
		e := &in.ends[i]
		if !live(e) {
			continue
		}
		if e.ver != 1 || e.pending != 1 {
			return
		}
		s := e.run
		if e.started {
			s++
		}
		if first < 0 || s < first {
			first = s
		}
	}
	for r, v := range in.runVer {
		if r >= first && v != 1 {
			return
		}
	}
	in.noRuns, in.hasN, in.n = true, false, 0
	in.hasNewFrom, in.newFrom = false, 0
	in.runVer = map[int]int{}
	for i := range in.ends {
		in.ends[i].run = 0
	}
}

// ---------------------------------------------------------------------------
// Serialisation (the visited-set key).

// keyText builds a key. Its text is what the fmt verbs %s, %d and %v would
// print, written without fmt: keys are most of the reference checker's time.
type keyText struct{ strings.Builder }

func (b *keyText) s(v string) *keyText { b.WriteString(v); return b }

func (b *keyText) d(v int64) *keyText {
	var a [20]byte
	b.Write(strconv.AppendInt(a[:0], v, 10))
	return b
}

func (b *keyText) i(v int) *keyText { return b.d(int64(v)) }

func (b *keyText) t(v bool) *keyText { return b.s(strconv.FormatBool(v)) }

func (x *checker) key(c *config) string {
	var b keyText
	b.s("I").t(c.introduced).s(" S").i(c.steps).s("\n")
	for _, th := range c.threads {
		x.writeThread(&b, th)
		b.WriteByte('\n')
	}
	for _, in := range c.insts {
		b.s("inst ").s(in.svc).s(" n").t(in.hasN).s(":").i(in.n).s(" nr").t(in.noRuns)
		b.s(" nf").t(in.hasNewFrom).s(":").i(in.newFrom).s(" [")
		for _, e := range in.ends {
			b.s(e.role).s(" h").i(e.holder).s(" v").i(e.ver).s("/").i(e.pending).s(" s").i(e.state).s(" r").i(e.run).s(" ")
			b.t(e.started).t(e.done).t(e.lost).t(e.absent).s(";")
		}
		var rs []int
		for r := range in.runVer {
			rs = append(rs, r)
		}
		sort.Ints(rs)
		b.s("] rv")
		for _, r := range rs {
			b.s(" ").i(r).s(":").i(in.runVer[r])
		}
		b.WriteByte('\n')
	}
	for _, k := range c.sortedKeys() {
		b.s("q ").i(k.inst).s(" ").s(k.from).s(" ").s(k.to).s(":")
		for _, m := range c.queue[k] {
			b.s(" ").t(m.isLabel).s(m.label).s("/")
			x.writeVal(&b, m.v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func (x *checker) writeVal(b *keyText, v value) {
	b.i(int(v.k)).s(":").d(v.n).s(":").i(v.inst).s(":").s(v.role)
}

func (x *checker) writeEnv(b *keyText, e env) {
	b.WriteByte('{')
	for _, bd := range e {
		b.s(bd.name).s("=")
		x.writeVal(b, bd.v)
		b.WriteByte(',')
	}
	b.WriteByte('}')
}

func (x *checker) writeVals(b *keyText, vs []value) {
	b.WriteByte('[')
	for _, v := range vs {
		x.writeVal(b, v)
		b.WriteByte(',')
	}
	b.WriteByte(']')
}

func (x *checker) writeThread(b *keyText, th *thread) {
	if th.status != tRun {
		b.s("T").i(int(th.status))
		return
	}
	b.s("R hv").i(th.hv).s(" p").t(th.part).s(" s").t(th.spin).s(" c").i(int(th.ctl)).s(" e").i(x.ids[th.expr]).s(" ")
	x.writeEnv(b, th.env)
	b.s(" v")
	x.writeVal(b, th.val)
	b.s(" pt").i(int(th.pt)).s(" ")
	x.writeVals(b, th.vals)
	b.s(" b").t(th.barrier).s(" ").s(th.fun).s("/").i(th.ver).s(" |")
	for _, k := range th.kont {
		b.s(" k").i(int(k.k)).s(" n").i(x.ids[k.node]).s(" ").s(k.fun).s("/").i(k.ver).s(" ")
		x.writeEnv(b, k.env)
		x.writeVals(b, k.vals)
	}
}

// ---------------------------------------------------------------------------
// Monitors

// proto returns the protocol of service svc in protocol version ver.
func (x *checker) proto(svc string, ver int) *model.Protocol {
	if ver == 1 && x.moved[svc] {
		return x.upd.Moves[svc]
	}
	return x.m.Service(svc).Protocol
}

func (x *checker) local(svc string, ver int, role string) *model.LocalType {
	return x.proto(svc, ver).Local[role]
}

// protoVersion is the protocol version code of heap version v speaks on svc
// (docs/language.md §5: an update that does not move a service leaves it unchanged).
func (x *checker) protoVersion(svc string, v int) int {
	if v == 1 && x.moved[svc] {
		return 1
	}
	return 0
}

func (x *checker) protoName(svc string, ver int) string { return x.proto(svc, ver).Name }
