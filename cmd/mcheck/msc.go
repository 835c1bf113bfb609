package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/mcheck/mcheck/statespace"
)

// writeMSC prints a trace as a message sequence chart: one column per
// thread, each step as a mark in its thread's column with what it did, and
// each send or select as an arrow from the sender's column to each
// receiver's (the receivers' threads are known from the session's start).
// A session start marks every participant.
// A lasso's cycle (cycleStart > 0: the step it starts at) is marked before
// that step's line.
func writeMSC(w io.Writer, p *statespace.Program, trace []statespace.TraceStep, cycleStart int) {
	// A column is as wide as the longest name, from 14 to 40 characters
	// (found by a tester: names cut to 13 made ServerReplica1 and
	// ServerReplica10 one header); a longer name keeps its start and end.
	width := 14
	var names []string
	col := map[string]int{}
	cut := false // some name is longer than its column
	for i, t := range p.Threads {
		names = append(names, t.Name)
		col[t.Name] = i
		n := utf8.RuneCountInString(t.Name)
		width = max(width, min(n+2, 40))
		cut = cut || n+1 > 40
	}
	d := stepDigits(trace)
	indent := strings.Repeat(" ", d+4) // "  %*d  "
	header := indent
	var key []string
	for i, n := range names {
		h := trim(n, width-1)
		if cut {
			// Names cut to their start and end may meet (found by a
			// tester: two threads whose names differed in the middle
			// had one header): each header is numbered, and the cut
			// names are given whole below.
			num := fmt.Sprintf("%d:", i+1)
			h = num + trim(n, width-1-len(num))
			if h != num+n {
				key = append(key, num+" "+n)
			}
		}
		header += fmt.Sprintf("%-*s", width, h)
	}
	fmt.Fprintln(w, header)
	if len(key) > 0 {
		fmt.Fprintf(w, "%s(%s)\n", indent, strings.Join(key, "; "))
	}
	holders := map[string]map[string]string{} // session (s#1) -> role -> thread
	queued := stillQueued(trace)
	for i, s := range trace {
		line := []byte(strings.Repeat(" ", width*len(names)))
		for i := range names {
			line[i*width] = '|'
		}
		c, ok := col[s.Thread]
		switch {
		case !ok:
			for i := range names {
				line[i*width] = '='
			}
		case s.Kind == "start":
			holders[s.Endpoint] = s.Holders
			for _, th := range s.Holders {
				if k, ok := col[th]; ok {
					line[k*width] = '+'
				}
			}
			line[c*width] = '*'
		case (s.Kind == "send" || s.Kind == "select") && !s.NotDone:
			line[c*width] = '*'
			session := s.Endpoint
			if k := strings.LastIndexByte(session, '.'); k >= 0 {
				session = session[:k]
			}
			for _, peer := range s.Peers {
				if k, ok := col[holders[session][peer]]; ok && k != c {
					arrow(line, c*width, k*width, queued[msgAt{i, peer}])
				}
			}
		default:
			line[c*width] = '*'
		}
		if s.Step == cycleStart {
			fmt.Fprintf(w, "  %s\n", cycleMark(len(trace)))
		}
		fmt.Fprintf(w, "  %*d  %s  %s\n", d, s.Step, strings.TrimRight(string(line), " "), s.What)
	}
}

// mscLegend reads a chart's marks (found by a tester: the HTML page had a
// legend, the text chart none).
const mscLegend = "  (| a thread's lifeline; * the thread that takes the step; + a thread that joins the session it starts; = a step of no thread (the update is introduced, or the barrier released); *--->| a message from its sender to a receiver; *...>| one still queued when the trace ends)"

// msgAt is the copy for peer of the message sent at trace index step.
type msgAt struct {
	step int
	peer string
}

// stillQueued finds the messages of a trace still queued at its end: each
// channel (session, sender, receiver) is a FIFO that sends fill and
// receives empty (found by a tester: the page marked them, the text's
// chart did not).
func stillQueued(trace []statespace.TraceStep) map[msgAt]bool {
	fifo := map[string][]msgAt{}
	for i, s := range trace {
		if s.NotDone {
			continue
		}
		session, role := s.Endpoint, ""
		if k := strings.LastIndexByte(session, '.'); k >= 0 {
			session, role = session[:k], session[k+1:]
		}
		switch s.Kind {
		case "send", "select":
			for _, peer := range s.Peers {
				ch := session + " " + role + "->" + peer
				fifo[ch] = append(fifo[ch], msgAt{i, peer})
			}
		case "receive", "case":
			if len(s.Peers) > 0 {
				if ch := session + " " + s.Peers[0] + "->" + role; len(fifo[ch]) > 0 {
					fifo[ch] = fifo[ch][1:]
				}
			}
		}
	}
	left := map[msgAt]bool{}
	for _, ms := range fifo {
		for _, m := range ms {
			left[m] = true
		}
	}
	return left
}

// arrow draws a message from column from to column to: dashes between
// (dots for one still queued at the end), an arrow head next to the
// receiver's lifeline.
func arrow(line []byte, from, to int, queued bool) {
	fill := byte('-')
	if queued {
		fill = '.'
	}
	if from < to {
		for i := from + 1; i < to-1; i++ {
			if line[i] == ' ' {
				line[i] = fill
			}
		}
		line[to-1] = '>'
		return
	}
	for i := to + 2; i < from; i++ {
		if line[i] == ' ' {
			line[i] = fill
		}
	}
	line[to+1] = '<'
}

// trim cuts s to n characters (runes), keeping its start and end.
func trim(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	tail := (n - 1) / 2
	return string(r[:n-1-tail]) + "~" + string(r[len(r)-tail:])
}
