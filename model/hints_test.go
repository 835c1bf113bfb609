package model

import (
	"strconv"
	"strings"
	"testing"
)

// TestHintsAreBounded: a name longer than maxHintName gets no hint and is
// offered as none, a candidate too different in length is not compared,
// and the hints of one file stop when its budget is spent (found by a
// tester: a 320 KB file with one undefined 160,000-byte name took 37 s to
// be refused, and 10,000 undefined names among 10,000 others 14 s).
func TestHintsAreBounded(t *testing.T) {
	budget := int64(hintBudget)
	if got := nearest("Pinh", []string{"Ping", "Pong"}, &budget); got != "Ping" {
		t.Errorf("nearest(Pinh) = %q, want Ping", got)
	}
	long := strings.Repeat("P", maxHintName+1)
	before := budget
	if got := nearest(long, []string{long + "Q"}, &budget); got != "" || budget != before {
		t.Errorf("a long name: hint %q, %d cells spent", got, before-budget)
	}
	if got := nearest("Ping", []string{"Ping" + strings.Repeat("x", 30)}, &budget); got != "" || budget != before {
		t.Errorf("a candidate far longer: hint %q, %d cells spent", got, before-budget)
	}
	none := int64(10) // less than one comparison of Pinh with Ping (25 cells)
	if got := nearest("Pinh", []string{"Ping"}, &none); got != "" || none != 10 {
		t.Errorf("no budget left: hint %q, budget %d", got, none)
	}
	// Through the checker: the 2,000 services of undefined protocols all
	// get their error; once the budget is spent, without a hint.
	var b strings.Builder
	for i := range 2000 {
		b.WriteString("protocol P" + strings.Repeat("x", 40) + strconv.Itoa(i) + " = a -> b: <int>. end\n")
	}
	for i := range 2000 {
		b.WriteString("service s" + strconv.Itoa(i) + ": Q" + strings.Repeat("x", 40) + strconv.Itoa(i) + "\n")
	}
	b.WriteString("thread A { main () }\n")
	_, err := Load("many.dsu", []byte(b.String()))
	msg := err.Error()
	if n := strings.Count(msg, "undefined protocol"); n != 2000 {
		t.Fatalf("%d undefined protocols reported, want 2000", n)
	}
	hints := strings.Count(msg, "did you mean")
	if hints == 0 || hints == 2000 {
		t.Errorf("%d of 2000 errors with a hint: want the first ones, until the budget is spent", hints)
	}
}

// TestNearestTies: among candidates equally near, one as long as the name
// wins (a letter mistyped), then the earliest (found by a tester: KV3
// suggested KV where KV2 was meant).
func TestNearestTies(t *testing.T) {
	for _, c := range []struct {
		name  string
		cands []string
		want  string
	}{
		{"KV3", []string{"KV", "KV2"}, "KV2"},
		{"KV3", []string{"KV2", "KV"}, "KV2"},
		{"Pinh", []string{"Ping", "Pint"}, "Ping"},
		{"Pin", []string{"Ping", "Pi"}, "Ping"},
	} {
		budget := int64(hintBudget)
		if got := nearest(c.name, c.cands, &budget); got != c.want {
			t.Errorf("nearest(%s, %v) = %q, want %q", c.name, c.cands, got, c.want)
		}
	}
}
