package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/statespace"
)

// progress is the progress of one run: a bar on a terminal; into a file
// or a pipe (--progress on), a whole line a second.
type progress struct {
	bar   *progressbar.ProgressBar // nil: lines
	label string
	last  time.Time
	out   io.Writer
	every time.Duration // the least time between two redraws or lines
	phase string        // the phase last shown (statespace.Progress)
}

// newProgress returns the progress of a run on stderr, or nil when there
// should be none: --progress off, or auto with --json or stderr not a
// terminal. (On forces it, with --json too: the JSON is on stdout.)
func newProgress(f *checkFlags, j *check.Job, stderr io.Writer) *progress {
	switch f.progress {
	case "off":
		return nil
	case "auto":
		if f.jsonOut || !isTerminal(stderr) {
			return nil
		}
	}
	label := j.UpdateName()
	if j.Strategy != "" {
		label += "/" + j.Strategy
	}
	return newProgressOf(label, stderr)
}

// jobProgress is the progress of a command's runs, one after another: each
// job's, made at its first report (nil when there is to be none), and
// finished when the job ends.
type jobProgress struct {
	f      *checkFlags
	stderr io.Writer
	bar    *progress
}

// of is job j's progress, nil if none is shown.
func (jp *jobProgress) of(j *check.Job) *progress {
	if jp.bar == nil {
		jp.bar = newProgress(jp.f, j, jp.stderr)
	}
	return jp.bar
}

// finished ends the current job's progress (a bar is cleared).
func (jp *jobProgress) finished(*check.Job) {
	if jp.bar != nil {
		jp.bar.finish()
		jp.bar = nil
	}
}

// newProgressOf returns the progress of the run called label on stderr:
// a bar on a terminal, lines otherwise.
func newProgressOf(label string, stderr io.Writer) *progress {
	if !isTerminal(stderr) {
		// Lines that a file keeps and a pipe passes on as they come: no
		// bar, whose redraws are carriage returns on one endless line
		// (found by testers: lines cut at 64 columns, then no newline).
		return &progress{label: label, out: stderr, every: time.Second}
	}
	every := 200 * time.Millisecond
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(label),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionThrottle(every),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetElapsedTime(true),
	)
	return &progress{bar: bar, label: label, out: stderr, every: every}
}

func (p *progress) update(pr statespace.Progress) {
	if time.Since(p.last) < p.every && pr.Phase == p.phase {
		return
	}
	p.last, p.phase = time.Now(), pr.Phase // a new phase is shown at once
	rate := 0.0
	if pr.Elapsed > 0 {
		rate = float64(pr.States) / pr.Elapsed.Seconds()
	}
	var desc string
	if pr.Of > 0 {
		// The liveness check's decomposition: how far through the graph.
		desc = fmt.Sprintf("%s, %s: %d of %d configurations, %s RAM + %s disk",
			p.label, pr.Phase, pr.States, pr.Of, bytesText(pr.StoreRAM), bytesText(pr.StoreDisk))
	} else if pr.Phase == "" {
		desc = fmt.Sprintf("%s: %d states, frontier %d, depth %d, %.0f states/s, store %s RAM + %s disk",
			p.label, pr.States, pr.Frontier, pr.Depth, rate, bytesText(pr.StoreRAM), bytesText(pr.StoreDisk))
	} else {
		// The liveness check explores the space again: say so, or it looks
		// like the search started over.
		desc = fmt.Sprintf("%s, %s: %d states, depth %d, %.0f states/s, %s RAM + %s disk",
			p.label, pr.Phase, pr.States, pr.Depth, rate, bytesText(pr.StoreRAM), bytesText(pr.StoreDisk))
	}
	if p.bar == nil {
		fmt.Fprintf(p.out, "%s, %s\n", desc, pr.Elapsed.Round(time.Second))
		return
	}
	// A line wider than the terminal wraps, and every redraw then leaves a
	// line behind: keep the description within the width, with room for
	// the spinner and the elapsed time.
	desc = fitLine(desc, terminalWidth(p.out)-progressRoom)
	p.bar.Describe(desc)
	_ = p.bar.Set64(pr.States)
}

// updateWalks shows the progress of a simulation's walks.
func (p *progress) updateWalks(sp statespace.SimProgress) {
	if time.Since(p.last) < p.every && sp.Phase == p.phase {
		return
	}
	p.last, p.phase = time.Now(), sp.Phase
	rate := 0.0
	if sp.Elapsed > 0 {
		rate = float64(sp.Steps) / sp.Elapsed.Seconds()
	}
	desc := fmt.Sprintf("%s: %d walks, %d steps, %d distinct configurations, %.0f steps/s", p.label, sp.Walks, sp.Steps, sp.Distinct, rate)
	if sp.Phase == "shrinking" {
		desc = fmt.Sprintf("%s: a violation found after %s; shrinking it", p.label, plural(sp.Walks, "walk"))
	}
	if p.bar == nil {
		fmt.Fprintf(p.out, "%s, %s\n", desc, sp.Elapsed.Round(time.Second))
		return
	}
	p.bar.Describe(fitLine(desc, terminalWidth(p.out)-progressRoom))
	_ = p.bar.Set64(sp.Walks)
}

// updateMembers shows the progress of a swarm's members.
func (p *progress) updateMembers(sp statespace.SwarmProgress) {
	if time.Since(p.last) < p.every && sp.Phase == p.phase {
		return
	}
	p.last, p.phase = time.Now(), sp.Phase
	desc := fmt.Sprintf("%s: %d of %d members done, %d states stored", p.label, sp.Members, sp.Of, sp.States)
	if sp.Phase == "shrinking" {
		desc = fmt.Sprintf("%s: a violation found by member %d; shrinking it", p.label, sp.Members-1)
	}
	if p.bar == nil {
		fmt.Fprintf(p.out, "%s, %s\n", desc, sp.Elapsed.Round(time.Second))
		return
	}
	p.bar.Describe(fitLine(desc, terminalWidth(p.out)-progressRoom))
	_ = p.bar.Set64(int64(sp.Members))
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// bytesText prints a byte count with a binary unit.
func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// progressRoom is what the bar draws besides the description (spinner,
// elapsed time, spacing).
const progressRoom = 24

// terminalWidth is w's terminal width in columns, or 80 when it cannot be
// told.
func terminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 0 {
			return width
		}
	}
	return 80
}

// fitLine cuts s to at most width characters (runes), marking the cut.
func fitLine(s string, width int) string {
	if width < 8 {
		width = 8
	}
	r := []rune(s)
	if len(r) <= width {
		return s
	}
	return string(r[:width-1]) + "…"
}
