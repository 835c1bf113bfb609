package main

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/mcheck/mcheck/statespace"
)

// The message sequence chart of the HTML page, laid out in Go so that the
// template only writes SVG elements at given coordinates: a lifeline per
// thread (drawn thick from the step where the thread applies the update,
// ended where it finishes), a row per step (0 is the initial
// configuration) with a mark on the acting thread's lifeline, a band across
// every lifeline for steps of no thread (the update's introduction, a
// barrier's release), and an arrow per message from its send to its
// receive (dashed to the bottom when the trace ends with it still queued).

// Chart geometry, in pixels.
const (
	mscGutter   = 44 // left margin, for step numbers
	mscHeadTop  = 8
	mscHeadH    = 28
	mscRowsTop  = 48
	mscRowH     = 30
	mscCharW    = 7 // average width of a character of the row text
	mscMaxChars = 84
	mscMinCol   = 112
	mscMaxCol   = 200
)

type mscChart struct {
	Width, Height int
	Loop          *mscLoop // a lasso's way back to the start of its cycle
	Lanes         []mscLane
	Rows          []mscRow
	Msgs          []mscMsg
}

// mscLane is one thread's column.
type mscLane struct {
	Name, Label    string // Label: the name cut to the column's width
	X, BoxX, BoxW  int
	Segs           []mscSeg
	applied, ended int // the rows where it applies and ends, 0 if it does not
	endY           int
}

// mscSeg is a piece of lifeline; New: after the thread applied the update.
type mscSeg struct {
	Y1, Y2 int
	New    bool
}

// mscRow is one step's row: its background (the part the slider
// highlights) and what is drawn on it.
type mscRow struct {
	Step        int
	Class       string // violating, terminal (the violating configuration's row)
	Top, H, Y   int
	TextY       int
	Num         string
	Text, Title string
	DescX       int
	Band        *mscBand
	Joins       []mscLine
	Marks       []mscMark
	Notes       []mscNote
}

type mscBand struct{ X, Y, W, H int }

// mscLoop is drawn in the left margin, from the row after a lasso's last
// step back up to the row its cycle starts with.
type mscLoop struct{ Y1, Y2 int }

type mscLine struct{ X1, Y1, X2, Y2 int }

// mscMark is a shape on a lifeline: a circle (X, Y, R) or a polygon.
type mscMark struct {
	Circle  bool
	Class   string
	X, Y, R int
	Points  string
	Title   string
}

type mscNote struct {
	X, Y int
	Text string
}

// mscMsg is one message: from its send's step to its receive's.
type mscMsg struct {
	From, To       int // steps; To is 0 while the message is still queued
	X1, Y1, X2, Y2 int
	LX, LY         int
	Label, Title   string
	Pending        bool
	Select         bool   // a label, not a value
	channel        string // "s#1 p1->p2": receives take from its front
	lane           int    // the receiver's lane
}

// layoutMSC lays out the chart of a trace: names are the threads, snaps
// the configuration before the first step and after each.
func layoutMSC(names []string, trace []statespace.TraceStep, snaps []statespace.Snapshot, atStep bool, v *statespace.Violation) *mscChart {
	ch := &mscChart{}
	colW := columnWidth(names)
	lane := map[string]int{}
	fit := (colW - 16) / mscCharW
	labels := make([]string, len(names))
	seen := map[string]int{}
	for i, n := range names {
		labels[i] = cut(n, fit)
		seen[labels[i]]++
	}
	for i, n := range names {
		if seen[labels[i]] > 1 {
			// Names cut alike (found by a tester: two lanes read
			// "Producer_of_the_first_kin…"): numbered, as the text
			// chart's columns, the whole name in the title.
			num := fmt.Sprintf("%d:", i+1)
			labels[i] = num + cut(n, fit-len(num))
		}
	}
	for i, n := range names {
		x := mscGutter + i*colW + colW/2
		ch.Lanes = append(ch.Lanes, mscLane{Name: n, Label: labels[i], X: x, BoxX: x - colW/2 + 6, BoxW: colW - 12})
		lane[n] = i
	}
	descX := mscGutter + len(names)*colW + 14
	nRows := len(trace) + 1
	if !atStep {
		nRows++ // a row for the violating configuration
	}
	bottom := mscRowsTop + nRows*mscRowH + 8
	ch.Rows = append(ch.Rows, newRow(0, "0", "initial configuration", "the configuration before the first step", descX))
	holders := map[string]map[string]string{} // session (s#1) -> role -> thread
	for k, s := range trace {
		ch.Rows = append(ch.Rows, stepRow(ch, k+1, s, snaps, lane, holders, descX))
	}
	last := &ch.Rows[len(ch.Rows)-1]
	last.Class += " violating"
	last.Class = strings.TrimSpace(last.Class)
	if atStep {
		last.Text = "✗ " + last.Text
		if l, ok := lane[trace[len(trace)-1].Thread]; ok {
			last.Marks = append(last.Marks, mscMark{Circle: true, Class: "m-alarm", X: ch.Lanes[l].X, Y: last.Y, R: 11, Title: v.Property + " violation: " + v.Rule})
		}
	} else {
		ch.Rows = append(ch.Rows, violationRow(ch, len(trace), v, descX))
	}
	if k := v.CycleStart; k > 0 && k <= len(trace) {
		for i := k; i <= len(trace); i++ {
			ch.Rows[i].Class = strings.TrimSpace(ch.Rows[i].Class + " cycle")
		}
		ch.Loop = &mscLoop{Y1: ch.Rows[k].Y, Y2: ch.Rows[len(ch.Rows)-1].Y}
	}
	for i := range ch.Lanes {
		lifeline(&ch.Lanes[i], bottom-8)
	}
	finishMessages(ch, bottom-10)
	chars := 0
	for _, r := range ch.Rows {
		chars = max(chars, len([]rune(r.Text)))
	}
	ch.Width = descX + min(chars, mscMaxChars)*mscCharW + 24
	ch.Height = bottom
	return ch
}

// violationRow is the row after the last step when the violation is not
// a step: the configuration no step leaves (a deadlock, say), or a lasso's
// return to the start of its cycle.
func violationRow(ch *mscChart, n int, v *statespace.Violation, descX int) mscRow {
	text := "✗ " + v.Property + " violation: " + v.Rule
	if v.CycleStart > 0 {
		text = fmt.Sprintf("↺ back to the configuration before step %d: the cycle repeats for ever (%s)", v.CycleStart, v.Rule)
	}
	row := newRow(n+1, "", text, v.Property+" violation: "+v.Rule+": "+v.Found, descX)
	row.Step, row.Class = n, "violating terminal"
	if v.CycleStart > 0 {
		row.Class += " cycle"
		return row
	}
	first, last := ch.Lanes[0], ch.Lanes[len(ch.Lanes)-1]
	row.Band = &mscBand{X: first.BoxX, Y: row.Y - 7, W: last.BoxX + last.BoxW - first.BoxX, H: 14}
	return row
}

// columnWidth fits the longest thread name, within bounds.
func columnWidth(names []string) int {
	w := mscMinCol
	for _, n := range names {
		w = max(w, len([]rune(n))*8+28)
	}
	return min(w, mscMaxCol)
}

func newRow(step int, num, text, title string, descX int) mscRow {
	top := mscRowsTop + step*mscRowH
	return mscRow{Step: step, Top: top, H: mscRowH, Y: top + mscRowH/2, TextY: top + mscRowH/2 + 4,
		Num: num, Text: cut(text, mscMaxChars), Title: title, DescX: descX}
}

// stepRow lays out step k (from 1): its mark, and for a session start the
// participants, for a send the messages (their receive ends come later).
func stepRow(ch *mscChart, k int, s statespace.TraceStep, snaps []statespace.Snapshot, lane map[string]int, holders map[string]map[string]string, descX int) mscRow {
	title := s.What
	if s.Where != "" {
		title += " [" + s.Where + "]"
	}
	row := newRow(k, fmt.Sprint(k), s.What, title, descX)
	marked := map[int]bool{}
	// Threads that applied the update at this step (one, or all of a
	// barrier's release) and threads that ended.
	for i := range ch.Lanes {
		if i >= len(snaps[k].Threads) {
			continue
		}
		now, before := snaps[k].Threads[i], snaps[k-1].Threads[i]
		if now.Applied && !before.Applied {
			ch.Lanes[i].applied = k
			row.Marks = append(row.Marks, polygonMark("m-apply", diamond(ch.Lanes[i].X, row.Y, 8), ch.Lanes[i].Name+" applies the update"))
			marked[i] = true
		}
		if now.Ended && !before.Ended {
			ch.Lanes[i].ended, ch.Lanes[i].endY = k, row.Y
		}
	}
	l, ok := lane[s.Thread]
	if !ok {
		// A step of no thread: a band across every lifeline.
		first, lastLane := ch.Lanes[0], ch.Lanes[len(ch.Lanes)-1]
		row.Band = &mscBand{X: first.BoxX, Y: row.Y - 6, W: lastLane.BoxX + lastLane.BoxW - first.BoxX, H: 12}
		return row
	}
	x := ch.Lanes[l].X
	switch s.Kind {
	case "start":
		startRow(ch, &row, s, snaps[k], lane, holders)
	case "send", "select":
		if !s.NotDone {
			sendMessages(ch, k, s, x, row.Y, lane, holders)
		}
	case "receive", "case":
		if !s.NotDone {
			receiveMessage(ch, k, s, row.Y)
		}
	}
	if !marked[l] {
		row.Marks = append(row.Marks, markOf(s, x, row.Y))
	}
	return row
}

// markOf is the shape of a step on its thread's lifeline.
func markOf(s statespace.TraceStep, x, y int) mscMark {
	title := s.Thread + ": " + s.What
	switch s.Kind {
	case "send", "select", "receive", "case", "start":
		return mscMark{Circle: true, Class: "m-comm", X: x, Y: y, R: 5, Title: title}
	case "apply":
		return polygonMark("m-apply", diamond(x, y, 8), title)
	case "block":
		return polygonMark("m-block", rect(x-10, y-4, 20, 8), title)
	case "fault":
		return polygonMark("m-fault", cross(x, y, 7), title)
	}
	return mscMark{Circle: true, Class: "m-local", X: x, Y: y, R: 5, Title: title}
}

func polygonMark(class, points, title string) mscMark {
	return mscMark{Class: class, Points: points, Title: title}
}

// startRow marks every participant of a session start with its role (and
// the protocol it starts under), joined by a line.
func startRow(ch *mscChart, row *mscRow, s statespace.TraceStep, after statespace.Snapshot, lane map[string]int, holders map[string]map[string]string) {
	holders[s.Endpoint] = s.Holders
	lo, hi := math.MaxInt, math.MinInt
	for _, role := range slices.Sorted(maps.Keys(s.Holders)) { // in one order, run after run
		th := s.Holders[role]
		l, ok := lane[th]
		if !ok {
			continue
		}
		x := ch.Lanes[l].X
		lo, hi = min(lo, x), max(hi, x)
		note := role
		for _, e := range after.Endpoints {
			if e.Name == s.Endpoint+"."+role {
				note += " · " + e.Protocol
			}
		}
		row.Notes = append(row.Notes, mscNote{X: x, Y: row.Y - 8, Text: cut(note, ch.Lanes[l].BoxW/6)})
		if th != s.Thread {
			row.Marks = append(row.Marks, polygonMark("m-join", rect(x-4, row.Y-4, 8, 8), th+" takes role "+role+" of "+s.Endpoint))
		}
	}
	if lo < hi {
		row.Joins = append(row.Joins, mscLine{X1: lo, Y1: row.Y, X2: hi, Y2: row.Y})
	}
}

// sendMessages starts one arrow per receiver of a send or select.
func sendMessages(ch *mscChart, k int, s statespace.TraceStep, x, y int, lane map[string]int, holders map[string]map[string]string) {
	session, role := splitEndpoint(s.Endpoint)
	for _, peer := range s.Peers {
		l, ok := lane[holders[session][peer]]
		if !ok {
			continue
		}
		m := mscMsg{From: k, X1: x, Y1: y, X2: ch.Lanes[l].X, Label: s.Value, Title: fmt.Sprintf("step %d: %s", k, s.What),
			channel: session + " " + role + "->" + peer, lane: l}
		if s.Kind == "select" {
			m.Label, m.Select = s.Label, true
		}
		if len(s.Peers) > 1 {
			m.Title += " (the copy for " + peer + ")"
		}
		ch.Msgs = append(ch.Msgs, m)
	}
}

// receiveMessage ends the arrow of the first message still in flight on
// the receive's channel (instance, from, to): channels are FIFO.
func receiveMessage(ch *mscChart, k int, s statespace.TraceStep, y int) {
	if len(s.Peers) == 0 {
		return
	}
	session, role := splitEndpoint(s.Endpoint)
	channel := session + " " + s.Peers[0] + "->" + role
	for i := range ch.Msgs {
		if m := &ch.Msgs[i]; m.To == 0 && m.channel == channel {
			m.To, m.Y2 = k, y
			m.Title += fmt.Sprintf("; received at step %d", k)
			return
		}
	}
}

// splitEndpoint splits "s#1.p1" into the session "s#1" and the role "p1".
func splitEndpoint(ep string) (string, string) {
	if i := strings.LastIndexByte(ep, '.'); i >= 0 {
		return ep[:i], ep[i+1:]
	}
	return ep, ""
}

// finishMessages gives each arrow its end: a message never received runs
// dashed to the bottom of its receiver's lifeline, or to where the
// receiver ended (level with its send if it had ended before). Arrows stop
// short of the lifeline so that their heads do not cover the marks.
func finishMessages(ch *mscChart, bottom int) {
	for i := range ch.Msgs {
		m := &ch.Msgs[i]
		if m.To == 0 {
			m.Pending, m.Y2 = true, bottom
			if l := ch.Lanes[m.lane]; l.ended > 0 {
				m.Y2 = max(l.endY, m.Y1)
			}
			m.Title += "; still queued when the trace ends"
		}
		dx, dy := float64(m.X2-m.X1), float64(m.Y2-m.Y1)
		if d := math.Hypot(dx, dy); d > 20 {
			m.X1, m.Y1 = m.X1+int(dx*6/d), m.Y1+int(dy*6/d)
			m.X2, m.Y2 = m.X2-int(dx*7/d), m.Y2-int(dy*7/d)
		}
		m.LX = m.X1 + (m.X2-m.X1)*3/10
		m.LY = m.Y1 + (m.Y2-m.Y1)*3/10 - 5
		m.Label = cut(m.Label, 16)
	}
}

// lifeline draws a lane's lifeline: thin before the thread applies the
// update, thick after; it stops where the thread ends.
func lifeline(l *mscLane, bottom int) {
	top := mscHeadTop + mscHeadH
	end := bottom
	if l.ended > 0 {
		end = l.endY
	}
	if l.applied > 0 {
		y := mscRowsTop + l.applied*mscRowH + mscRowH/2
		l.Segs = []mscSeg{{Y1: top, Y2: y}, {Y1: y, Y2: end, New: true}}
		return
	}
	l.Segs = []mscSeg{{Y1: top, Y2: end}}
}

func diamond(x, y, r int) string {
	return fmt.Sprintf("%d,%d %d,%d %d,%d %d,%d", x, y-r, x+r, y, x, y+r, x-r, y)
}

func rect(x, y, w, h int) string {
	return fmt.Sprintf("%d,%d %d,%d %d,%d %d,%d", x, y, x+w, y, x+w, y+h, x, y+h)
}

// cross is an X of half-size r, as one polygon.
func cross(x, y, r int) string {
	t := 2 // half the stroke's width
	pts := [][2]int{{-r, -r + t}, {-r + t, -r}, {0, -t}, {r - t, -r}, {r, -r + t}, {t, 0}, {r, r - t}, {r - t, r}, {0, t}, {-r + t, r}, {-r, r - t}, {-t, 0}}
	var b strings.Builder
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d,%d", x+p[0], y+p[1])
	}
	return b.String()
}

// cut shortens s to n characters, with an ellipsis.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n || n < 2 {
		return s
	}
	return string(r[:n-1]) + "…"
}
