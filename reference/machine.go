package reference

import (
	"fmt"
	"sort"

	"github.com/mcheck/mcheck/model/syntax"
)

// ---------------------------------------------------------------------------
// Values and environments

type vkind uint8

const (
	vUnit vkind = iota
	vInt
	vBool
	vEnd // an endpoint: (instance, role)
)

type value struct {
	k    vkind
	n    int64  // vInt; vBool as 0/1
	inst int    // vEnd: index of the instance in config.insts
	role string // vEnd
}

var unitV = value{k: vUnit}

func intV(n int64) value { return value{k: vInt, n: n} }
func boolV(b bool) value {
	if b {
		return value{k: vBool, n: 1}
	}
	return value{k: vBool}
}

func (v value) typeName() string {
	switch v.k {
	case vInt:
		return "int"
	case vBool:
		return "bool"
	case vEnd:
		return "endpoint"
	}
	return "unit"
}

func (v value) String() string {
	switch v.k {
	case vInt:
		return fmt.Sprint(v.n)
	case vBool:
		return fmt.Sprint(v.n != 0)
	case vEnd:
		return fmt.Sprintf("#%d.%s", v.inst, v.role)
	}
	return "()"
}

type binding struct {
	name string
	v    value
}

// env is a set of bindings sorted by name, one per name. It is never
// modified in place: bind and restrict return new slices.
type env []binding

func (e env) lookup(name string) (value, bool) {
	for _, b := range e {
		if b.name == name {
			return b.v, true
		}
	}
	return value{}, false
}

func (e env) bind(name string, v value) env {
	out := make(env, 0, len(e)+1)
	done := false
	for _, b := range e {
		if b.name == name {
			continue
		}
		if !done && name < b.name {
			out = append(out, binding{name, v})
			done = true
		}
		out = append(out, b)
	}
	if !done {
		out = append(out, binding{name, v})
	}
	return out
}

// restrict keeps the bindings of the names in fv (sorted).
func (e env) restrict(fv []string) env {
	var out env
	for _, b := range e {
		i := sort.SearchStrings(fv, b.name)
		if i < len(fv) && fv[i] == b.name {
			out = append(out, b)
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Threads: a CEK machine (control, environment, continuation stack)

type tstatus uint8

const (
	tRun tstatus = iota
	tDone
	tCrashed
)

type ctlKind uint8

const (
	cEval ctlKind = iota // evaluate expr in env
	cRet                 // return val to the top continuation frame
	cAt                  // stopped at a visible point
)

type point uint8

const (
	pSend point = iota
	pSelect
	pRecv
	pCase
	pRequest
	pAccept
	pChoose
	pCall   // an update point at a call (args evaluated), stopped
	pUpdate // an explicit `update`, stopped
)

type kkind uint8

const (
	kLet      kkind = iota // bind the value, evaluate Body in env
	kSeq                   // drop the value, evaluate Second in env
	kIf                    // branch on the value
	kArg                   // one more argument of a call; vals: those so far
	kBinL                  // left operand done; evaluate Y in env
	kBinR                  // right operand done; vals[0] is the left one
	kUn                    // operand of a unary operator done
	kSendChan              // channel of a send done; evaluate Value in env
	kSendVal               // value of a send done; vals[0] is the channel
	kChan                  // channel of receive/select/case done (env: case branches)
	kRet                   // a function returns: back to the caller's code (fun, ver)
)

type kont struct {
	k    kkind
	node syntax.Expr
	env  env
	vals []value // never modified in place
	fun  string
	ver  int
}

type thread struct {
	status tstatus
	hv     int  // heap version: 1 once the thread has applied the update
	part   bool // participant of the update (fixed at its introduction)
	spin   bool // computing for ever without a visible step (a local cycle)

	ctl  ctlKind
	expr syntax.Expr // cEval: the expression; cAt: the node of the point
	env  env         // cEval; cAt: env for case branches or choose options
	val  value       // cRet
	pt   point       // cAt
	vals []value     // cAt: [chan], [chan, value] or call arguments
	// barrier: waiting at the stop-the-world barrier (at a pCall/pUpdate).
	barrier bool

	kont []kont
	fun  string // the function whose body runs now ("main")
	ver  int    // the heap version that body came from (main: 0)
}

func (th *thread) clone() *thread {
	n := *th
	n.kont = append([]kont(nil), th.kont...)
	return &n
}

// maxKont bounds a thread's continuation stack (non-tail recursion).
const maxKont = 2000

// maxLocal bounds the local steps between two visible ones when no local
// state repeats: beyond it the thread grows without bound.
const maxLocal = 100000

// crash stops thread t with a runtime error.
func (x *checker) crash(c *config, t int, node syntax.Node, format string, args ...any) *fault {
	th := c.threads[t]
	msg := fmt.Sprintf(format, args...)
	if node != nil {
		p := node.Position()
		msg = fmt.Sprintf("%s (at %d:%d in %s)", msg, p.Line, p.Col, th.fun)
	}
	*th = thread{status: tCrashed}
	return &fault{prop: "runtime", rule: "runtime", thread: x.threads[t].name, msg: msg}
}

func (x *checker) eval(th *thread, e syntax.Expr, en env) {
	th.ctl, th.expr, th.env = cEval, e, en.restrict(x.fv(e))
	th.vals = nil
}

func (x *checker) ret(th *thread, v value) {
	th.ctl, th.val, th.expr, th.env, th.vals = cRet, v, nil, nil, nil
}

func (x *checker) at(th *thread, p point, node syntax.Expr, en env, vals []value) {
	th.ctl, th.pt, th.expr, th.env, th.vals = cAt, p, node, en, vals
}

func (x *checker) push(c *config, t int, k kont) *fault {
	th := c.threads[t]
	if len(th.kont) >= maxKont {
		return x.crash(c, t, k.node, "call stack deeper than %d frames (unbounded recursion?)", maxKont)
	}
	th.kont = append(th.kont, k)
	return nil
}

// step takes one local step of thread t (which must be running, at cEval or
// cRet).
func (x *checker) step(c *config, t int) *fault {
	th := c.threads[t]
	if th.ctl == cRet {
		return x.stepRet(c, t)
	}
	en := th.env
	switch e := th.expr.(type) {
	case *syntax.IntLit:
		x.ret(th, intV(e.Value))
	case *syntax.BoolLit:
		x.ret(th, boolV(e.Value))
	case *syntax.UnitLit:
		x.ret(th, unitV)
	case *syntax.Var:
		v, ok := en.lookup(e.Name.Name)
		if !ok {
			return x.crash(c, t, e, "undefined variable %s", e.Name.Name)
		}
		x.ret(th, v)
	case *syntax.Let:
		if f := x.push(c, t, kont{k: kLet, node: e, env: en.restrict(x.fvMinus(e.Body, e.Name.Name))}); f != nil {
			return f
		}
		x.eval(th, e.Value, en)
	case *syntax.Seq:
		if f := x.push(c, t, kont{k: kSeq, node: e, env: en.restrict(x.fv(e.Second))}); f != nil {
			return f
		}
		x.eval(th, e.First, en)
	case *syntax.If:
		if f := x.push(c, t, kont{k: kIf, node: e, env: en.restrict(x.fvUnion(e.Then, e.Else))}); f != nil {
			return f
		}
		x.eval(th, e.Cond, en)
	case *syntax.Call:
		if len(e.Args) == 0 {
			return x.reachCall(c, t, e, nil)
		}
		if f := x.push(c, t, kont{k: kArg, node: e, env: en.restrict(x.fvUnion(e.Args[1:]...))}); f != nil {
			return f
		}
		x.eval(th, e.Args[0], en)
	case *syntax.Request:
		x.at(th, pRequest, e, nil, nil)
	case *syntax.Accept:
		x.at(th, pAccept, e, nil, nil)
	case *syntax.Send:
		if f := x.push(c, t, kont{k: kSendChan, node: e, env: en.restrict(x.fv(e.Value))}); f != nil {
			return f
		}
		x.eval(th, e.Chan, en)
	case *syntax.Receive:
		if f := x.push(c, t, kont{k: kChan, node: e}); f != nil {
			return f
		}
		x.eval(th, e.Chan, en)
	case *syntax.Select:
		if f := x.push(c, t, kont{k: kChan, node: e}); f != nil {
			return f
		}
		x.eval(th, e.Chan, en)
	case *syntax.Case:
		var bodies []syntax.Expr
		for _, b := range e.Branches {
			bodies = append(bodies, b.Body)
		}
		if f := x.push(c, t, kont{k: kChan, node: e, env: en.restrict(x.fvUnion(bodies...))}); f != nil {
			return f
		}
		x.eval(th, e.Chan, en)
	case *syntax.UpdatePoint:
		if x.stops(c, t) {
			x.at(th, pUpdate, e, nil, nil)
		} else {
			x.ret(th, unitV)
		}
	case *syntax.Choose:
		x.at(th, pChoose, e, en.restrict(x.fvUnion(e.Options...)), nil)
	case *syntax.Binary:
		if f := x.push(c, t, kont{k: kBinL, node: e, env: en.restrict(x.fv(e.Y))}); f != nil {
			return f
		}
		x.eval(th, e.X, en)
	case *syntax.Unary:
		if f := x.push(c, t, kont{k: kUn, node: e}); f != nil {
			return f
		}
		x.eval(th, e.X, en)
	default:
		return x.crash(c, t, nil, "unknown expression %T", e)
	}
	return nil
}

func (x *checker) stepRet(c *config, t int) *fault {
	th := c.threads[t]
	v := th.val
	if len(th.kont) == 0 {
		*th = thread{status: tDone}
		return nil
	}
	k := th.kont[len(th.kont)-1]
	th.kont = th.kont[:len(th.kont)-1]
	switch k.k {
	case kLet:
		e := k.node.(*syntax.Let)
		en := k.env
		if e.Name.Name != "_" {
			en = en.bind(e.Name.Name, v)
		}
		x.eval(th, e.Body, en)
	case kSeq:
		x.eval(th, k.node.(*syntax.Seq).Second, k.env)
	case kIf:
		e := k.node.(*syntax.If)
		if v.k != vBool {
			return x.crash(c, t, e, "condition is %s %s, want bool", v.typeName(), v)
		}
		if v.n != 0 {
			x.eval(th, e.Then, k.env)
		} else {
			x.eval(th, e.Else, k.env)
		}
	case kArg:
		e := k.node.(*syntax.Call)
		vals := append(append([]value(nil), k.vals...), v)
		if len(vals) == len(e.Args) {
			return x.reachCall(c, t, e, vals)
		}
		i := len(vals)
		if f := x.push(c, t, kont{k: kArg, node: e, env: k.env.restrict(x.fvUnion(e.Args[i+1:]...)), vals: vals}); f != nil {
			return f
		}
		x.eval(th, e.Args[i], k.env)
	case kBinL:
		e := k.node.(*syntax.Binary)
		if e.Op == syntax.OpAnd || e.Op == syntax.OpOr {
			if v.k != vBool {
				return x.crash(c, t, e, "operand of %s is %s %s, want bool", e.Op, v.typeName(), v)
			}
			if (v.n != 0) == (e.Op == syntax.OpOr) {
				x.ret(th, v) // short circuit
				return nil
			}
		}
		if f := x.push(c, t, kont{k: kBinR, node: e, vals: []value{v}}); f != nil {
			return f
		}
		x.eval(th, e.Y, k.env)
	case kBinR:
		e := k.node.(*syntax.Binary)
		r, err := binop(e.Op, k.vals[0], v)
		if err != "" {
			return x.crash(c, t, e, "%s", err)
		}
		x.ret(th, r)
	case kUn:
		e := k.node.(*syntax.Unary)
		switch {
		case e.Op == syntax.OpNot && v.k == vBool:
			x.ret(th, boolV(v.n == 0))
		case e.Op == syntax.OpNeg && v.k == vInt:
			x.ret(th, intV(-v.n))
		default:
			return x.crash(c, t, e, "%s applied to %s %s", e.Op, v.typeName(), v)
		}
	case kSendChan:
		e := k.node.(*syntax.Send)
		if f := x.push(c, t, kont{k: kSendVal, node: e, vals: []value{v}}); f != nil {
			return f
		}
		x.eval(th, e.Value, k.env)
	case kSendVal:
		x.at(th, pSend, k.node, nil, []value{k.vals[0], v})
	case kChan:
		switch k.node.(type) {
		case *syntax.Receive:
			x.at(th, pRecv, k.node, nil, []value{v})
		case *syntax.Select:
			x.at(th, pSelect, k.node, nil, []value{v})
		case *syntax.Case:
			x.at(th, pCase, k.node, k.env, []value{v})
		}
	case kRet:
		th.fun, th.ver = k.fun, k.ver
		x.ret(th, v)
	}
	return nil
}

func binop(op syntax.BinOp, a, b value) (value, string) {
	switch op {
	case syntax.OpEq, syntax.OpNe:
		if a.k != b.k {
			return value{}, fmt.Sprintf("%s compares %s %s with %s %s", op, a.typeName(), a, b.typeName(), b)
		}
		return boolV((a == b) == (op == syntax.OpEq)), ""
	case syntax.OpAnd, syntax.OpOr:
		if b.k != vBool {
			return value{}, fmt.Sprintf("operand of %s is %s %s, want bool", op, b.typeName(), b)
		}
		return b, "" // the left operand did not decide
	}
	if a.k != vInt || b.k != vInt {
		return value{}, fmt.Sprintf("%s applied to %s %s and %s %s, want int and int", op, a.typeName(), a, b.typeName(), b)
	}
	x, y := a.n, b.n
	switch op {
	case syntax.OpAdd:
		return intV(x + y), ""
	case syntax.OpSub:
		return intV(x - y), ""
	case syntax.OpMul:
		return intV(x * y), ""
	case syntax.OpDiv, syntax.OpMod:
		if y == 0 {
			return value{}, fmt.Sprintf("division by zero (%d %s 0)", x, op)
		}
		if op == syntax.OpDiv {
			return intV(x / y), ""
		}
		return intV(x % y), ""
	case syntax.OpLt:
		return boolV(x < y), ""
	case syntax.OpLe:
		return boolV(x <= y), ""
	case syntax.OpGt:
		return boolV(x > y), ""
	case syntax.OpGe:
		return boolV(x >= y), ""
	}
	return value{}, "unknown operator " + op.String()
}

// reachCall: thread t has evaluated the arguments of call e. The call is an
// update point unless the thread's current code has explicit ones.
func (x *checker) reachCall(c *config, t int, e *syntax.Call, args []value) *fault {
	if !x.threads[t].explicit && x.stops(c, t) {
		x.at(c.threads[t], pCall, e, nil, args)
		return nil
	}
	return x.doCall(c, t, e, args)
}

// doCall looks the body up in the thread's heap now (paper §3.1) and enters
// it. A call in tail position does not grow the continuation stack.
func (x *checker) doCall(c *config, t int, e *syntax.Call, args []value) *fault {
	th := c.threads[t]
	ti := x.threads[t]
	fd := ti.heap[th.hv][e.Fun.Name]
	if fd == nil {
		return x.crash(c, t, e, "call of undefined function %s", e.Fun.Name)
	}
	if len(fd.Params) != len(args) {
		return x.crash(c, t, e, "%s called with %d arguments, want %d", e.Fun.Name, len(args), len(fd.Params))
	}
	if n := len(th.kont); n > 0 && th.kont[n-1].k != kRet {
		if f := x.push(c, t, kont{k: kRet, node: e, fun: th.fun, ver: th.ver}); f != nil {
			return f
		}
	}
	var en env
	for i, p := range fd.Params {
		if p.Name != "_" {
			en = en.bind(p.Name, args[i])
		}
	}
	th.fun, th.ver = e.Fun.Name, th.hv
	x.eval(th, fd.Body, en)
	return nil
}

// runLocal runs thread t until it stops at a visible point, finishes,
// crashes, or is found in a local cycle (it then spins: see canonSpin).
func (x *checker) runLocal(c *config, t int) []fault {
	seen := map[string]int{}
	for steps := 0; ; steps++ {
		th := c.threads[t]
		if th.status != tRun || th.ctl == cAt {
			return nil
		}
		var b keyText
		x.writeThread(&b, th)
		key := b.String()
		if prev, ok := seen[key]; ok {
			x.canonSpin(c, t, steps-prev)
			return nil
		}
		seen[key] = steps
		if steps > maxLocal {
			return []fault{*x.crash(c, t, th.expr, "more than %d local steps without a visible action, and no local state repeats (unbounded computation)", maxLocal)}
		}
		if f := x.step(c, t); f != nil {
			return []fault{*f}
		}
	}
}

// canonSpin marks thread t, which is in a local cycle of length n, as
// spinning, in the cycle's state of least serialisation (so the same cycle
// entered at different points is one state).
func (x *checker) canonSpin(c *config, t int, n int) {
	best := c.threads[t].clone()
	var bb keyText
	x.writeThread(&bb, best)
	bestKey := bb.String()
	for i := 0; i < n; i++ {
		x.step(c, t) // cannot fault: the cycle did not
		var b keyText
		x.writeThread(&b, c.threads[t])
		if k := b.String(); k < bestKey {
			best, bestKey = c.threads[t].clone(), k
		}
	}
	best.spin = true
	c.threads[t] = best
}

// ---------------------------------------------------------------------------
// Free variables (for trimming environments to what can still be read)

func (x *checker) fv(e syntax.Expr) []string {
	if s, ok := x.fvs[e]; ok {
		return s
	}
	set := map[string]bool{}
	freeVars(e, map[string]int{}, set)
	var out []string
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	x.fvs[e] = out
	return out
}

func (x *checker) fvUnion(es ...syntax.Expr) []string {
	set := map[string]bool{}
	for _, e := range es {
		for _, n := range x.fv(e) {
			set[n] = true
		}
	}
	var out []string
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (x *checker) fvMinus(e syntax.Expr, name string) []string {
	var out []string
	for _, n := range x.fv(e) {
		if n != name {
			out = append(out, n)
		}
	}
	return out
}

func freeVars(e syntax.Expr, bound map[string]int, out map[string]bool) {
	switch e := e.(type) {
	case *syntax.Var:
		if bound[e.Name.Name] == 0 {
			out[e.Name.Name] = true
		}
	case *syntax.Let:
		freeVars(e.Value, bound, out)
		bound[e.Name.Name]++
		freeVars(e.Body, bound, out)
		bound[e.Name.Name]--
	case *syntax.Seq:
		freeVars(e.First, bound, out)
		freeVars(e.Second, bound, out)
	case *syntax.If:
		freeVars(e.Cond, bound, out)
		freeVars(e.Then, bound, out)
		freeVars(e.Else, bound, out)
	case *syntax.Call:
		for _, a := range e.Args {
			freeVars(a, bound, out)
		}
	case *syntax.Send:
		freeVars(e.Chan, bound, out)
		freeVars(e.Value, bound, out)
	case *syntax.Receive:
		freeVars(e.Chan, bound, out)
	case *syntax.Select:
		freeVars(e.Chan, bound, out)
	case *syntax.Case:
		freeVars(e.Chan, bound, out)
		for _, b := range e.Branches {
			freeVars(b.Body, bound, out)
		}
	case *syntax.Choose:
		for _, o := range e.Options {
			freeVars(o, bound, out)
		}
	case *syntax.Binary:
		freeVars(e.X, bound, out)
		freeVars(e.Y, bound, out)
	case *syntax.Unary:
		freeVars(e.X, bound, out)
	}
}

// walk calls fn on e and every expression inside it.
func walk(e syntax.Expr, fn func(syntax.Expr)) {
	if e == nil {
		return
	}
	fn(e)
	switch e := e.(type) {
	case *syntax.Let:
		walk(e.Value, fn)
		walk(e.Body, fn)
	case *syntax.Seq:
		walk(e.First, fn)
		walk(e.Second, fn)
	case *syntax.If:
		walk(e.Cond, fn)
		walk(e.Then, fn)
		walk(e.Else, fn)
	case *syntax.Call:
		for _, a := range e.Args {
			walk(a, fn)
		}
	case *syntax.Send:
		walk(e.Chan, fn)
		walk(e.Value, fn)
	case *syntax.Receive:
		walk(e.Chan, fn)
	case *syntax.Select:
		walk(e.Chan, fn)
	case *syntax.Case:
		walk(e.Chan, fn)
		for _, b := range e.Branches {
			walk(b.Body, fn)
		}
	case *syntax.Choose:
		for _, o := range e.Options {
			walk(o, fn)
		}
	case *syntax.Binary:
		walk(e.X, fn)
		walk(e.Y, fn)
	case *syntax.Unary:
		walk(e.X, fn)
	}
}
