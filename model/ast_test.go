package model

import "github.com/mcheck/mcheck/model/syntax"

// Helpers to build global types by hand, for tests that must not depend on
// the parser.

func id(name string) syntax.Ident { return syntax.Ident{Name: name, Pos: syntax.Pos{Line: 1, Col: 1}} }

func ids(names ...string) []syntax.Ident {
	out := make([]syntax.Ident, len(names))
	for i, n := range names {
		out[i] = id(n)
	}
	return out
}

func gmsgT(from string, to []string, t syntax.ValType) *syntax.GMsg {
	return &syntax.GMsg{Pos: syntax.Pos{Line: 1, Col: 1}, From: id(from), To: ids(to...), Type: t}
}

// gseq builds a.b.c... right-nested, as the parser does.
func gseq(gs ...syntax.GType) syntax.GType {
	if len(gs) == 1 {
		return gs[0]
	}
	return &syntax.GSeq{Pos: gs[0].Position(), First: gs[0], Second: gseq(gs[1:]...)}
}

type br struct {
	l string
	g syntax.GType
}

func gchoiceT(from string, to []string, bs ...br) *syntax.GChoice {
	c := &syntax.GChoice{Pos: syntax.Pos{Line: 1, Col: 1}, From: id(from), To: ids(to...)}
	for _, b := range bs {
		c.Branches = append(c.Branches, &syntax.GBranch{Label: id(b.l), Body: b.g})
	}
	return c
}

func gmu(v string, body syntax.GType) *syntax.GRec {
	return &syntax.GRec{Pos: syntax.Pos{Line: 1, Col: 1}, Var: id(v), Body: body}
}

func gv(v string) *syntax.GVar { return &syntax.GVar{Name: id(v)} }

func gend0() *syntax.GEnd { return &syntax.GEnd{Pos: syntax.Pos{Line: 1, Col: 1}} }

func checkGlobal(name string, g syntax.GType) (*Protocol, error) {
	c := &checker{file: "test.dsu"}
	info := c.checkProtocol(&syntax.ProtocolDecl{Pos: syntax.Pos{Line: 1, Col: 1}, Name: id(name), Body: g})
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	return info.proto, nil
}
