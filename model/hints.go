package model

import (
	"fmt"
	"sort"
	"strings"
)

// nearest returns the candidate closest to name by edit distance, if it is
// close enough to be a plausible misspelling, or "". budget is the number
// of edit-distance cells it may still compute (it is decreased; when it
// runs out, the hint is "").
//
// "Close enough" follows starlark's resolver: at most a third of the longer
// name's length (and at least 1) edits. Ties go to a candidate as long as
// name (a letter mistyped: KV3 is nearer KV2 than KV; a tester), then to
// the earliest, so hints are deterministic. A name longer than maxHintName gets no hint,
// and a candidate whose length alone differs by more than the limit is
// not compared: found by a tester, a hostile file of long names, or of
// thousands of undefined ones, took minutes to hours to be refused.
func nearest(name string, candidates []string, budget *int64) string {
	if len(name) > maxHintName {
		return ""
	}
	best, bestD := "", -1
	for _, c := range candidates {
		if c == name || c == "" || c == "_" || len(c) > maxHintName {
			continue
		}
		limit := max(len(name), len(c)) / 3
		if limit < 1 {
			limit = 1
		}
		if abs(len(name)-len(c)) > limit {
			continue // at least that many edits
		}
		cells := int64(len(name)+1) * int64(len(c)+1)
		if *budget < cells {
			return ""
		}
		*budget -= cells
		d := editDistance(name, c)
		if d > limit {
			continue
		}
		if bestD < 0 || d < bestD || d == bestD && len(c) == len(name) && len(best) != len(name) {
			best, bestD = c, d
		}
	}
	return best
}

// maxHintName is the longest name a hint is looked for (and looked
// among): misspelt names are short.
const maxHintName = 64

// hintBudget is the edit-distance cells one file's hints may compute in
// all: about a tenth of a second. A file with more misspellings than that
// pays for gets no hint for the rest.
const hintBudget = 50_000_000

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Nearest is the candidate closest to name, if one is close enough to be
// a plausible misspelling (as the model's hints judge it), or "": for the
// command line's hints.
func Nearest(name string, candidates []string) string {
	budget := int64(hintBudget)
	return nearest(name, candidates, &budget)
}

// didYouMean formats the hint for name among candidates: " (did you mean
// x?)" or "".
func (c *checker) didYouMean(name string, candidates []string) string {
	if n := nearest(name, candidates, &c.hintCells); n != "" {
		return fmt.Sprintf(" (did you mean %s?)", n)
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b (bytes; names
// are ASCII identifiers).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// joinNames renders names as "a, b and c".
func joinNames(names []string) string { return joinWith(names, "and") }

// joinWith is joinNames with another conjunction: "a, b or c".
func joinWith(names []string, conj string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
