// Package randmodel generates random, well-formed model files (.dsu) for
// differential testing: protocols (random projectable global types),
// services, threads whose code follows their role's projection, and
// updates that move services to mutated protocols and give threads new
// code. A share of the models carry a deliberate deviation (wrong type,
// order, peer or label, a missing or extra action, a division that may be
// by zero), so that every property has violations to find.
//
// Every model is finite: values come from choose over small literals and
// from values received in the same run, loops are tail calls that carry
// only the endpoint.
package randmodel

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/mcheck/mcheck/model"
)

// Config bounds the generated models. The zero value gives small models.
type Config struct {
	MaxRoles         int // roles per protocol, 2..4 (default 3)
	MaxDepth         int // messages along one path of a protocol body (default 4)
	MaxServices      int // 1 or 2 (default 2)
	DeviationPercent int // share of models with a deviation (default 20; negative: none)
	NoUpdates        bool
}

func (c Config) withDefaults() Config {
	if c.MaxRoles == 0 {
		c.MaxRoles = 3
	}
	c.MaxRoles = min(max(c.MaxRoles, 2), 4)
	if c.MaxDepth <= 0 {
		c.MaxDepth = 4
	}
	c.MaxDepth = max(c.MaxDepth, 2)
	if c.MaxServices <= 0 {
		c.MaxServices = 2
	}
	c.MaxServices = min(c.MaxServices, 2)
	if c.DeviationPercent == 0 {
		c.DeviationPercent = 20
	}
	return c
}

// attempts is how many candidates Generate tries before falling back to a
// fixed model.
const attempts = 20

// Generate returns the source text of a well-formed random model (it passes
// model.Load), the same for the same seed and config.
func Generate(seed uint64, cfg Config) string {
	cfg = cfg.withDefaults()
	for a := range attempts {
		src := generate(seed, a, cfg)
		if _, err := model.Load("randmodel.dsu", []byte(src)); err == nil {
			return src
		}
	}
	return fmt.Sprintf("# randmodel seed=%d (fallback)\n%s", seed, fallback)
}

const fallback = `protocol P = mu t. a -> b: <int>. b -> a: <bool>. t
service s: P
thread A {
  fun run(x) = send(x, b, choose(0, 1)); receive(x, b); run(x)
  main run(request(s, {a, b}, a))
}
thread B {
  fun run(x) = let n = receive(x, a) in send(x, a, n > 0); run(x)
  main run(accept(s, b))
}
`

// generate builds candidate number attempt for seed.
func generate(seed uint64, attempt int, cfg Config) string {
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15+uint64(attempt))), cfg: cfg}
	g.build()
	return g.print(seed, attempt)
}

type protocol struct {
	name    string
	src     gnode // as printed
	g       gnode // continuation form
	roles   []string
	labels  []string
	looping bool
	omitEnd bool
	local   map[string]lnode
}

type service struct {
	name      string
	proto     *protocol
	versions  []*protocol // proto, then the protocols updates move it to
	mode      string      // let, nested, fun, serve, inline: how threads open sessions
	requester string
	threads   []*thread
}

// version is one version of a thread's code: the functions generated from
// a local type.
type version struct {
	l     lnode
	proto *protocol
	funs  []fun
}

type thread struct {
	name   string
	svc    *service // nil for the ticker
	role   string
	ep     string
	old    *version
	opener []fun  // functions that open sessions (never updated)
	main   string // main, or its prefix for mode inline
	mirror *thread
}

type update struct {
	name   string
	moves  []string // "s: P"
	bodies []*tbody
	notes  []string
}

type tbody struct {
	t *thread
	v *version
}

type gen struct {
	r         *rand.Rand
	cfg       Config
	notes     []string
	protocols []*protocol
	services  []*service
	threads   []*thread
	updates   []*update
	nproto    map[string]int
}

var roleSets = [][]string{
	{"a", "b", "c", "d"},
	{"p", "q", "r", "w"},
	{"client", "server", "logger", "store"},
	{"p1", "p2", "p3", "p4"},
	{"buyer", "seller", "broker", "bank"},
}

var protoNames = []string{"Chat", "Trade", "Relay", "Poll", "Audit", "Vote", "Sync", "Feed"}

func (g *gen) pct(p int) bool { return g.r.IntN(100) < p }

func (g *gen) build() {
	g.nproto = map[string]int{}
	nsvc := 1
	if g.cfg.MaxServices > 1 && g.pct(25) {
		nsvc = 2
	}
	base := g.r.Perm(len(protoNames))
	for i := range nsvc {
		maxRoles, depth := g.cfg.MaxRoles, g.cfg.MaxDepth
		if nsvc == 2 {
			// Two services multiply their state spaces: keep both small.
			maxRoles, depth = min(maxRoles, 3-i), min(depth, 3-i)
		}
		n := 2 + g.r.IntN(maxRoles-1)
		set := roleSets[g.r.IntN(len(roleSets))]
		p := g.newProtocol(protoNames[base[i]], slices.Clone(set[:n]), 2+g.r.IntN(depth-1))
		s := &service{name: []string{"s", "aux"}[i], proto: p, versions: []*protocol{p}}
		g.services = append(g.services, s)
		g.addThreads(s, i, nsvc)
	}
	if g.cfg.DeviationPercent > 0 && g.pct(6) {
		t := &thread{name: "Ticker", opener: []fun{{name: "tick", params: []string{"k"}, body: "tick((k + 1) % 2)"}}, main: "tick(0)"}
		g.threads = append(g.threads, t)
		g.notes = append(g.notes, "thread Ticker loops silently")
	}
	if !g.cfg.NoUpdates {
		nupd := 1
		switch x := g.r.IntN(100); {
		case x < 10:
			nupd = 0
		case x < 28:
			nupd = 2
		}
		for i := range nupd {
			g.addUpdate(fmt.Sprintf("up%d", i+1))
		}
	}
	if g.cfg.DeviationPercent > 0 && g.pct(g.cfg.DeviationPercent) {
		g.deviate()
	}
}

// newProtocol generates a protocol over roles (only those that take part
// are kept) and projects it.
func (g *gen) newProtocol(name string, roles []string, depth int) *protocol {
	looping := g.pct(55)
	var src, cf gnode
	for try := 0; ; try++ {
		src = genProtocol(g.r, roles, depth, looping)
		cf = expand(src, nil)
		if len(gRoles(cf)) == len(roles) || try == 10 {
			break
		}
	}
	p := g.register(name, src, cf)
	if p == nil {
		// Cannot happen when the generator and the projection agree; keep
		// going with a trivial protocol rather than fail.
		src = &gMsg{from: roles[0], to: roles[1:2], typ: "int", next: &gEnd{}}
		p = g.register(name+"X", src, src)
	}
	return p
}

// register projects a protocol and records it; nil if it does not project.
func (g *gen) register(name string, src, cf gnode) *protocol {
	roles := gRoles(cf)
	if len(roles) < 2 || !guarded(cf) {
		return nil
	}
	local, ok := projectAll(cf, roles)
	if !ok {
		return nil
	}
	_, looping := cf.(*gRec)
	p := &protocol{name: name, src: src, g: cf, roles: roles, labels: gLabels(cf), looping: looping,
		omitEnd: g.pct(30), local: local}
	g.nproto[name]++
	g.protocols = append(g.protocols, p)
	return p
}

// threadName is the thread of role on service number i of n.
func threadName(role string, i, n int) string {
	name := strings.ToUpper(role[:1]) + role[1:]
	if n > 1 {
		name += fmt.Sprint(i + 1)
	}
	return name
}

func (g *gen) pickMode(looping bool) string {
	x := g.r.IntN(100)
	if looping {
		switch {
		case x < 45:
			return "let"
		case x < 75:
			return "nested"
		case x < 85:
			return "fun"
		}
		return "serve"
	}
	switch {
	case x < 30:
		return "let"
	case x < 40:
		return "nested"
	case x < 50:
		return "fun"
	case x < 82:
		return "serve"
	}
	return "inline"
}

// addThreads adds one thread per role of s (and sometimes a second client).
func (g *gen) addThreads(s *service, i, n int) {
	p := s.proto
	s.mode = g.pickMode(p.looping)
	s.requester = p.roles[g.r.IntN(len(p.roles))]
	desc := "looping"
	if !p.looping {
		desc = "one run"
	}
	g.notes = append(g.notes, fmt.Sprintf("service %s: %s (%s), sessions opened by %s", s.name, p.name, desc, s.mode))
	for _, role := range p.roles {
		t := &thread{name: threadName(role, i, n), svc: s, role: role, ep: g.pickEp()}
		l := p.local[role]
		switch x := g.r.IntN(100); {
		case x < 12:
			l = insertUpdate(g.r, l, false)
			g.notes = append(g.notes, "thread "+t.name+" has an update point at the start of each run")
		case x < 17:
			l = insertUpdate(g.r, l, true)
			g.notes = append(g.notes, "thread "+t.name+" has an update point in the middle of a run")
		}
		t.old = &version{l: l, proto: p, funs: roleFuns(g.r, t.ep, l, p.labels)}
		g.opener(t)
		s.threads = append(s.threads, t)
		g.threads = append(g.threads, t)
	}
	if s.mode == "serve" && n == 1 && g.pct(40) {
		var req *thread
		for _, t := range s.threads {
			if t.role == s.requester {
				req = t
			}
		}
		t := &thread{name: req.name + "x", svc: s, role: req.role, ep: req.ep, old: req.old, mirror: req}
		g.opener(t)
		s.threads = append(s.threads, t)
		g.threads = append(g.threads, t)
		g.notes = append(g.notes, "thread "+t.name+" is a second "+req.role+" (another session)")
	}
}

func (g *gen) pickEp() string { return []string{"x", "c", "ep", "y"}[g.r.IntN(4)] }

// opener sets how t opens its session: its main and its opening function.
func (g *gen) opener(t *thread) {
	s := t.svc
	var open string
	if t.role == s.requester {
		roles := slices.Clone(s.proto.roles)
		g.r.Shuffle(len(roles), func(i, j int) { roles[i], roles[j] = roles[j], roles[i] })
		open = fmt.Sprintf("request(%s, {%s}, %s)", s.name, strings.Join(roles, ", "), t.role)
	} else {
		open = fmt.Sprintf("accept(%s, %s)", s.name, t.role)
	}
	ep := t.ep
	switch s.mode {
	case "let":
		t.main = fmt.Sprintf("let %s = %s in run(%s)", ep, open, ep)
	case "nested":
		t.main = fmt.Sprintf("run(%s)", open)
	case "fun":
		t.opener = []fun{{name: "start", params: []string{"n"}, body: fmt.Sprintf("run(%s)", open)}}
		t.main = "start(0)"
	case "serve":
		t.opener = []fun{{name: "serve", params: []string{"n"}, body: fmt.Sprintf("let %s = %s in run(%s); serve(n)", ep, open, ep)}}
		t.main = "serve(0)"
	case "inline":
		t.main = fmt.Sprintf("let %s = %s in ", ep, open)
	}
}

var mutationKinds = []string{"type", "type", "add", "add", "remove", "remove", "addBranch", "removeBranch", "dropRole", "rename"}

// mutateProtocol returns a new protocol for s: a mutation of its current one.
func (g *gen) mutateProtocol(p *protocol) (*protocol, string) {
	base := strings.TrimRight(p.name, "0123456789")
	name := func() string {
		g.nproto[base]++
		return fmt.Sprintf("%s%d", base, g.nproto[base])
	}
	for range 12 {
		kind := mutationKinds[g.r.IntN(len(mutationKinds))]
		if kind == "rename" {
			break
		}
		m, what := mutate(g.r, p.g, kind)
		if m == nil || gString(m, false) == gString(p.g, false) {
			continue
		}
		if np := g.register(name(), m, m); np != nil {
			return np, what
		}
	}
	np := g.register(name(), p.g, p.g)
	return np, "the same protocol under another name"
}

func (g *gen) addUpdate(name string) {
	u := &update{name: name}
	g.updates = append(g.updates, u)
	x := g.r.IntN(100)
	var moved []*service
	switch {
	case x < 68:
		moved = []*service{g.services[g.r.IntN(len(g.services))]}
		if len(g.services) == 2 && g.pct(30) {
			moved = g.services
		}
	case x < 78:
		s := g.services[g.r.IntN(len(g.services))]
		u.moves = append(u.moves, s.name+": "+s.proto.name)
		u.notes = append(u.notes, fmt.Sprintf("names service %s with the protocol it already has", s.name))
	}
	for _, s := range moved {
		np, what := g.mutateProtocol(s.proto)
		s.versions = append(s.versions, np)
		u.moves = append(u.moves, s.name+": "+np.name)
		u.notes = append(u.notes, fmt.Sprintf("moves %s from %s to %s (%s)", s.name, s.proto.name, np.name, what))
		var kept []string
		for _, t := range s.threads {
			if t.mirror != nil {
				continue
			}
			nl, ok := np.local[t.role]
			if !ok {
				nl = &lEnd{}
			}
			changed := !lEqual(nl, s.proto.local[t.role])
			if changed && g.pct(85) || !changed && g.pct(40) {
				g.newBody(u, t, nl, np)
			} else if changed {
				kept = append(kept, t.name)
			}
		}
		if len(kept) > 0 {
			u.notes = append(u.notes, "keeps the old code of "+strings.Join(kept, ", "))
		}
	}
	if len(moved) == 0 {
		// Code only: new bodies on the same protocol for one or two threads.
		var cands []*thread
		for _, t := range g.threads {
			if t.svc != nil && t.mirror == nil {
				cands = append(cands, t)
			}
		}
		g.r.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
		for _, t := range cands[:min(len(cands), 1+g.r.IntN(2))] {
			g.newBody(u, t, t.svc.proto.local[t.role], t.svc.proto)
		}
		u.notes = append(u.notes, "changes code only")
	}
	for _, t := range g.threads {
		if t.name == "Ticker" && g.pct(30) {
			u.bodies = append(u.bodies, &tbody{t, &version{funs: []fun{{name: "tick", params: []string{"k"}, body: "tick(1 - k)"}}}})
		}
	}
}

// newBody gives t new code in u, following local type l of p.
func (g *gen) newBody(u *update, t *thread, l lnode, p *protocol) {
	if g.pct(10) {
		l = insertUpdate(g.r, l, false)
		u.notes = append(u.notes, "thread "+t.name+" gets an update point in its new code only")
	}
	v := &version{l: l, proto: p, funs: roleFuns(g.r, t.ep, l, p.labels)}
	u.bodies = append(u.bodies, &tbody{t, v})
}

// deviate puts one deviation into the old or new code of a thread.
func (g *gen) deviate() {
	type target struct {
		t     *thread
		v     *version
		where string
	}
	var old, upd []target
	for _, t := range g.threads {
		if t.svc != nil && t.mirror == nil {
			old = append(old, target{t, t.old, "old code"})
		}
	}
	for _, u := range g.updates {
		for _, b := range u.bodies {
			if b.t.svc != nil {
				upd = append(upd, target{b.t, b.v, "code of update " + u.name})
			}
		}
	}
	cands := old
	if len(upd) > 0 && g.pct(40) {
		cands = upd
	}
	// Pick the kind first, then a thread where it applies.
	for range 5 {
		kind := deviationKinds[g.r.IntN(len(deviationKinds))]
		for _, i := range g.r.Perm(len(cands)) {
			tg := cands[i]
			// A wrong label may be one only another version of the
			// service's protocol offers: it passes the load
			// (docs/language.md §4) and is a fidelity violation
			// wherever the endpoint's protocol lacks it.
			labels := slices.Clone(tg.v.proto.labels)
			for _, p := range tg.t.svc.versions {
				for _, l := range p.labels {
					if !slices.Contains(labels, l) {
						labels = append(labels, l)
					}
				}
			}
			l, what := deviate(g.r, tg.v.l, kind, tg.t.role, tg.v.proto.roles, labels)
			if l == nil {
				continue
			}
			tg.v.l = l
			tg.v.funs = roleFuns(g.r, tg.t.ep, l, tg.v.proto.labels)
			g.notes = append(g.notes, fmt.Sprintf("deviation: thread %s (%s) %s", tg.t.name, tg.where, what))
			return
		}
	}
}

// funsOf returns the functions thread t declares: its own, then
// placeholders for functions only some update's code has.
func (g *gen) funsOf(t *thread) []fun {
	src := t
	if t.mirror != nil {
		src = t.mirror
	}
	var funs []fun
	if src.old != nil {
		funs = slices.Clone(src.old.funs)
	}
	if t.svc != nil && t.svc.mode == "inline" {
		funs = funs[1:] // run's body is in main
	}
	has := func(name string) bool {
		return slices.ContainsFunc(funs, func(f fun) bool { return f.name == name })
	}
	for _, u := range g.updates {
		for _, b := range u.bodies {
			if b.t != src {
				continue
			}
			for _, f := range b.v.funs {
				if !has(f.name) && !slices.ContainsFunc(t.opener, func(o fun) bool { return o.name == f.name }) {
					funs = append(funs, fun{name: f.name, params: f.params, body: "()"})
				}
			}
		}
	}
	return append(funs, t.opener...)
}

func (g *gen) print(seed uint64, attempt int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# randmodel seed=%d\n", seed)
	if attempt > 0 {
		fmt.Fprintf(&b, "# (candidate %d)\n", attempt+1)
	}
	for _, n := range g.notes {
		fmt.Fprintf(&b, "# %s\n", n)
	}
	for _, u := range g.updates {
		for _, n := range u.notes {
			fmt.Fprintf(&b, "# update %s %s\n", u.name, n)
		}
	}
	b.WriteString("\n")
	for _, p := range g.protocols {
		fmt.Fprintf(&b, "protocol %s = %s\n", p.name, gString(p.src, p.omitEnd))
	}
	for _, s := range g.services {
		fmt.Fprintf(&b, "service %s: %s\n", s.name, s.proto.name)
	}
	for _, t := range g.threads {
		fmt.Fprintf(&b, "\nthread %s {\n", t.name)
		for _, f := range g.funsOf(t) {
			fmt.Fprintf(&b, "  %s\n", f)
		}
		main := t.main
		if t.svc != nil && t.svc.mode == "inline" {
			src := t
			if t.mirror != nil {
				src = t.mirror
			}
			main += src.old.funs[0].body
		}
		fmt.Fprintf(&b, "  main %s\n}\n", main)
	}
	for _, u := range g.updates {
		fmt.Fprintf(&b, "\nupdate %s {\n", u.name)
		for _, m := range u.moves {
			fmt.Fprintf(&b, "  service %s\n", m)
		}
		for _, t := range g.threads {
			for _, bd := range u.bodies {
				if bd.t == t || t.mirror != nil && bd.t == t.mirror {
					fmt.Fprintf(&b, "  thread %s {\n", t.name)
					for _, f := range bd.v.funs {
						fmt.Fprintf(&b, "    %s\n", f)
					}
					b.WriteString("  }\n")
				}
			}
		}
		b.WriteString("}\n")
	}
	return b.String()
}
