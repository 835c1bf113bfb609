package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/mcheck/mcheck/statespace"
)

// writeMSC prints a trace as a message sequence chart: one column per
// thread, each step as a mark in its thread's column with what it did.
func writeMSC(w io.Writer, p *statespace.Program, trace []statespace.TraceStep) {
	const width = 14
	var names []string
	col := map[string]int{}
	for i, t := range p.Threads {
		names = append(names, t.Name)
		col[t.Name] = i
	}
	header := "       "
	for _, n := range names {
		header += fmt.Sprintf("%-*s", width, trim(n, width-1))
	}
	fmt.Fprintln(w, header)
	for _, s := range trace {
		line := []byte(strings.Repeat(" ", width*len(names)))
		for i := range names {
			line[i*width] = '|'
		}
		text := s.What
		if c, ok := col[s.Thread]; ok {
			line[c*width] = '*'
		} else {
			for i := range names {
				line[i*width] = '='
			}
		}
		fmt.Fprintf(w, "  %3d  %s  %s\n", s.Step, strings.TrimRight(string(line), " "), text)
	}
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
