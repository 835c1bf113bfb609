package model

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func loadFile(t *testing.T, path string) *Model {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(path, src)
	if err != nil {
		t.Fatalf("Load %s:\n%v", path, err)
	}
	return m
}

// Every shipped model must load.
func TestShippedModelsLoad(t *testing.T) {
	files, _ := filepath.Glob("../models/*.dsu")
	if len(files) == 0 {
		t.Fatal("no shipped models in ../models")
	}
	for _, f := range files {
		loadFile(t, f)
	}
}

func TestMathServer(t *testing.T) {
	m := loadFile(t, "../models/mathserver.dsu")
	var names []string
	for _, p := range m.Protocols {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"MathA", "MathB"}) {
		t.Fatalf("protocols %v", names)
	}
	a, b := m.Protocol("MathA"), m.Protocol("MathB")
	if !a.Looping || !b.Looping || a.RunVar != "t" {
		t.Errorf("Looping/RunVar: %v %v %q", a.Looping, b.Looping, a.RunVar)
	}
	if got := a.Local["p2"].Text; got != "mu t. p1?<int>. p1?<int>. p1!<int>. t" {
		t.Errorf("MathA p2 = %s", got)
	}
	if got := b.Local["p1"].Text; got != "mu t. p2!<int>. p2!<int>. p2 & {error: t, result: p2?<int>. t}" {
		t.Errorf("MathB p1 = %s", got)
	}
	s := m.Service("s")
	if s == nil || s.Protocol != a {
		t.Fatalf("service s = %+v", s)
	}
	if len(m.Threads) != 2 || m.Threads[0].Name != "P1" || m.Threads[1].Name != "P2" {
		t.Fatalf("threads %+v", m.Threads)
	}
	if len(m.Threads[0].Funs) != 1 || m.Threads[0].Funs[0].Name.Name != "f" || m.Threads[0].Main == nil {
		t.Errorf("P1 heap %+v", m.Threads[0].Funs)
	}
	u := m.Update("toB")
	if u == nil || u.Moves["s"] != b || len(u.Moves) != 1 {
		t.Fatalf("update toB = %+v", u)
	}
	if u.Bodies["P1"]["f"] == nil || u.Bodies["P2"]["g"] == nil || len(u.Bodies) != 2 {
		t.Errorf("update bodies %+v", u.Bodies)
	}
	if u.Bodies["P1"]["f"] == m.Threads[0].Funs[0] {
		t.Errorf("update body is the old body")
	}
}

func TestProdCons(t *testing.T) {
	m := loadFile(t, "../models/prodcons.dsu")
	pc3, pc2 := m.Protocol("PC3"), m.Protocol("PC2")
	if pc3 == nil || pc2 == nil {
		t.Fatal("missing protocols")
	}
	if !slices.Equal(pc3.Roles, []string{"prod", "cons"}) {
		t.Errorf("roles %v", pc3.Roles)
	}
	if got := len(pc3.Local["cons"].States); got != 3 {
		t.Errorf("PC3 cons has %d states, want 3", got)
	}
	if got := len(pc2.Local["prod"].States); got != 2 {
		t.Errorf("PC2 prod has %d states, want 2", got)
	}
	if m.Update("shrink").Moves["pc"] != pc2 {
		t.Errorf("shrink does not move pc to PC2")
	}
}
