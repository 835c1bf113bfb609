package model

import (
	"testing"

	"github.com/mcheck/mcheck/model/syntax"
)

func TestProjectHandBuilt(t *testing.T) {
	I := syntax.TInt
	mathA := gmu("t", gseq(gmsgT("p1", []string{"p2"}, I), gmsgT("p1", []string{"p2"}, I), gmsgT("p2", []string{"p1"}, I), gv("t")))
	p, err := checkGlobal("MathA", mathA)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Local["p1"].Text, "mu t. p2!<int>. p2!<int>. p2?<int>. t"; got != want {
		t.Errorf("p1: got %q, want %q", got, want)
	}
	if got, want := p.Local["p1"].Describe(), "0: p2!<int> -> 1\n1: p2!<int> -> 2\n2: p2?<int> -> 0 (ends run)\n"; got != want {
		t.Errorf("p1 states:\n%s\nwant\n%s", got, want)
	}
	mathB := gmu("t", gseq(gmsgT("p1", []string{"p2"}, I), gmsgT("p1", []string{"p2"}, I),
		gchoiceT("p2", []string{"p1"}, br{"result", gseq(gmsgT("p2", []string{"p1"}, I), gv("t"))}, br{"error", gv("t")})))
	p, err = checkGlobal("MathB", mathB)
	if err != nil {
		t.Fatal(err)
	}
	for role, want := range map[string]string{
		"p1": "mu t. p2!<int>. p2!<int>. p2 & {error: t, result: p2?<int>. t}",
		"p2": "mu t. p1?<int>. p1?<int>. p1 + {error: t, result: p1!<int>. t}",
	} {
		if got := p.Local[role].Text; got != want {
			t.Errorf("%s: got %q, want %q", role, got, want)
		}
	}
	t.Log(p.Local["p1"].Describe())
}

// The parser never produces a service without a protocol, but Check must
// not rely on it (files may be built by other tools).
func TestServiceWithoutProtocol(t *testing.T) {
	pos := func(l, c int32) syntax.Pos { return syntax.Pos{Line: l, Col: c} }
	f := &syntax.File{Name: "built.dsu"}
	f.Services = []*syntax.ServiceDecl{{Pos: pos(1, 1), Name: syntax.Ident{Pos: pos(1, 9), Name: "s"}}}
	f.Threads = []*syntax.ThreadDecl{{Pos: pos(2, 1), Name: syntax.Ident{Pos: pos(2, 8), Name: "T"}, Main: &syntax.UnitLit{Pos: pos(2, 17)}}}
	_, err := Check(f)
	if err == nil || err.Error() != "built.dsu:1:9: service s has no protocol (write service s: PROTOCOL)" {
		t.Errorf("got %v", err)
	}
}
