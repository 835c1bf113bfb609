package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/statespace"
)

// progress is the progress bar of one exploration, on a terminal.
type progress struct {
	bar   *progressbar.ProgressBar
	label string
	last  time.Time
}

// newProgress returns a progress bar on stderr, or nil when there should be
// none: --progress off, --json, or (with auto) stderr not a terminal.
func newProgress(f *checkFlags, j *check.Job, stderr io.Writer) *progress {
	if f.progress == "off" || f.jsonOut {
		return nil
	}
	if f.progress == "auto" && !isTerminal(stderr) {
		return nil
	}
	label := j.UpdateName()
	if j.Strategy != "" {
		label += "/" + j.Strategy
	}
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(label),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetElapsedTime(true),
	)
	return &progress{bar: bar, label: label}
}

func (p *progress) update(pr statespace.Progress) {
	if time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	rate := 0.0
	if pr.Elapsed > 0 {
		rate = float64(pr.States) / pr.Elapsed.Seconds()
	}
	p.bar.Describe(fmt.Sprintf("%s: %d states, frontier %d, depth %d, %.0f states/s, store %s RAM + %s disk",
		p.label, pr.States, pr.Frontier, pr.Depth, rate, bytesText(pr.StoreRAM), bytesText(pr.StoreDisk)))
	_ = p.bar.Set64(pr.States)
}

func (p *progress) finish() { _ = p.bar.Finish() }

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
