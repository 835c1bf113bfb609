package reference

import (
	"slices"
)

// liveness judges the liveness half of update completion (docs/language.md
// §5) the plain way, on a graph of the whole state space built afresh: a
// configuration may lie on a fair cycle if the update is introduced, some
// participant has neither applied nor finished, and no participant can
// apply there (no fair run passes such a configuration for ever without
// applying). For each such configuration, breadth-first order, its strongly
// connected component among them is the set of those both reachable from
// it and reaching it; the component holds a fair cycle if it holds a cycle
// and every thread moves in a step inside it or has no step at some
// configuration of it (weak fairness). The first configuration found
// whose component does is the shallowest on a fair cycle: its depth is the
// length of the lasso's prefix.
func (x *checker) liveness(res *Result, maxStates int) (*Result, error) {
	type lnode struct {
		c        *config
		parent   int
		label    string
		depth    int
		succ     []int
		who      [][]int
		enabled  []bool
		pending  bool
		canApply bool
	}
	init, _ := x.initial()
	nodes := []*lnode{{c: init, parent: -1}}
	index := map[string]int{x.key(init): 0}
	for i := 0; i < len(nodes); i++ {
		n := nodes[i]
		c := n.c
		n.enabled = make([]bool, len(x.threads))
		n.pending = c.introduced && slices.ContainsFunc(c.threads, func(th *thread) bool {
			return th.part && th.hv == 0 && th.status == tRun
		})
		for _, s := range x.expand(c).succs {
			for _, t := range s.who {
				n.enabled[t] = true
			}
			n.canApply = n.canApply || s.applies
			k := x.key(s.next)
			j, seen := index[k]
			if !seen {
				if len(nodes) >= maxStates {
					return nil, ErrTooBig
				}
				j = len(nodes)
				index[k] = j
				nodes = append(nodes, &lnode{c: s.next, parent: i, label: s.label, depth: n.depth + 1})
			}
			n.succ = append(n.succ, j)
			n.who = append(n.who, s.who)
		}
		n.c = nil
	}
	preds := make([][]int, len(nodes))
	for u, n := range nodes {
		for _, w := range n.succ {
			preds[w] = append(preds[w], u)
		}
	}
	in := func(i int) bool { return nodes[i].pending && !nodes[i].canApply }
	// reach marks with stamp the region's configurations reachable from
	// (forward) or reaching (backward) from.
	fw, bw := make([]int, len(nodes)), make([]int, len(nodes))
	reach := func(from int, forward bool, mark []int, stamp int) {
		mark[from] = stamp
		stack := []int{from}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			next := preds[u]
			if forward {
				next = nodes[u].succ
			}
			for _, w := range next {
				if in(w) && mark[w] != stamp {
					mark[w] = stamp
					stack = append(stack, w)
				}
			}
		}
	}
	judged := make([]bool, len(nodes)) // in a component already judged unfair
	for s := range nodes {
		if !in(s) || judged[s] {
			continue
		}
		stamp := s + 1
		reach(s, true, fw, stamp)
		reach(s, false, bw, stamp)
		ok := make([]bool, len(x.threads))
		cyclic := false
		for u := range nodes {
			if fw[u] != stamp || bw[u] != stamp {
				continue
			}
			judged[u] = true
			for t := range ok {
				ok[t] = ok[t] || !nodes[u].enabled[t]
			}
			for k, w := range nodes[u].succ {
				if fw[w] == stamp && bw[w] == stamp {
					cyclic = true
					for _, t := range nodes[u].who[k] {
						ok[t] = true
					}
				}
			}
		}
		if !cyclic || slices.Contains(ok, false) {
			continue
		}
		var trace []string
		for i := s; i > 0; i = nodes[i].parent {
			trace = append(trace, nodes[i].label)
		}
		slices.Reverse(trace)
		trace = append(trace, "   => never applies: a fair cycle starts here")
		res.Verdict, res.Depth, res.Lasso, res.Trace = "violation", nodes[s].depth, true, trace
		res.Properties, res.Rules = []string{"update-completion"}, []string{"never applies"}
		return res, nil
	}
	return res, nil
}
