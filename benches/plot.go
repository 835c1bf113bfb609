package benches

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/internal/atomicfile"
)

// writePlots draws distinct states against the parameter, one line
// per strategy, on a log scale, as DIR/FAMILY.svg and DIR/FAMILY.png. Runs
// that were cut (by --max-states or the timeout) are lower bounds: they get
// a ring around their point; not one whose safety search was exhaustive
// (the timeout came in the liveness check): its count is exact.
func writePlots(dir, fam string, queueBound int, reduce string, rows []Row) error {
	p := plot.New()
	famInfo, _ := family.Lookup(fam)
	if reduce == "" {
		reduce = "all"
	}
	p.Title.Text = fmt.Sprintf("State-space growth: %s (queue capacity %d, --reduce %s)", fam, queueBound, reduce)
	p.X.Label.Text = "parameter: " + famInfo.Param
	p.Y.Label.Text = "distinct states (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = wholeLogTicks{plot.LogTicks{Prec: -1}}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(6), -vg.Points(6)
	p.Add(plotter.NewGrid())

	var order []string
	byStrategy := map[string]plotter.XYs{}
	var cut plotter.XYs
	violations := map[string]int{}
	minY, maxY := math.Inf(1), math.Inf(-1)
	minX, maxX := math.MaxInt, math.MinInt
	for _, r := range rows {
		if _, ok := byStrategy[r.Strategy]; !ok {
			order = append(order, r.Strategy)
			byStrategy[r.Strategy] = nil
		}
		minX, maxX = min(minX, r.Param), max(maxX, r.Param)
		if !r.Measured || r.States <= 0 {
			continue
		}
		pt := plotter.XY{X: float64(r.Param), Y: float64(r.States)}
		byStrategy[r.Strategy] = append(byStrategy[r.Strategy], pt)
		if r.Verdict == VerdictViolation {
			violations[r.Strategy]++
		} else if !r.Exhaustive && !r.SafetyDone {
			// (a run that timed out in the liveness check has an exact
			// count: a tester saw it circled as a lower bound)
			cut = append(cut, pt)
		}
		minY, maxY = math.Min(minY, pt.Y), math.Max(maxY, pt.Y)
	}
	for i, s := range order {
		pts := byStrategy[s]
		if len(pts) == 0 {
			// Said, not left out without a word (a tester: a plot of
			// runs that all timed out was an empty chart).
			if !math.IsInf(minY, 1) { // (else the title says it)
				p.Legend.Add(s + ": no run measured (see the CSV)")
			}
			continue
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		l.Color = plotutil.Color(i)
		l.Width = vg.Points(1.5)
		l.Dashes = plotutil.Dashes(i)
		sc.Color = plotutil.Color(i)
		sc.Shape = plotutil.Shape(i)
		sc.Radius = vg.Points(3)
		p.Add(l, sc)
		label := s
		if violations[s] == len(pts) {
			label += " (up to its first violation)"
		}
		p.Legend.Add(label, l, sc)
	}
	if len(cut) > 0 {
		sc, err := plotter.NewScatter(cut)
		if err != nil {
			return err
		}
		sc.Shape = draw.RingGlyph{}
		sc.Radius = vg.Points(7)
		sc.Color = color.Gray{Y: 0x60}
		p.Add(sc)
		p.Legend.Add("cut by a bound (lower bound)", sc)
	}
	if math.IsInf(minY, 1) { // nothing measured: an empty plot with a sane axis
		minY, maxY = 1, 10
		p.Title.Text += "\nno run was measured (each timed out or failed): see the CSV"
	}
	// Headroom above the data for the legend, in the top left corner.
	// The axis reaches down to a power of ten at least, where the log
	// scale puts its labels (a tester: one point, or points within a
	// decade, had an axis without a number).
	p.Y.Min, p.Y.Max = math.Min(minY/2, math.Pow(10, math.Floor(math.Log10(minY)))), maxY*math.Pow(maxY/minY*2, 0.45)
	p.X.Min, p.X.Max = float64(minX)-0.25, float64(maxX)+0.25
	if maxX-minX <= 30 {
		var ticks []plot.Tick
		for k := minX; k <= maxX; k++ {
			ticks = append(ticks, plot.Tick{Value: float64(k), Label: strconv.Itoa(k)})
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
	}
	for _, ext := range []string{"svg", "png"} {
		wt, err := p.WriterTo(7*vg.Inch, 4.5*vg.Inch, ext)
		if err != nil {
			return fmt.Errorf("cannot draw the plot: %v", err)
		}
		var buf bytes.Buffer
		if _, err := wt.WriteTo(&buf); err != nil {
			return fmt.Errorf("cannot draw the plot: %v", err)
		}
		if err := atomicfile.Write(filepath.Join(dir, fam+"."+ext), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// wholeLogTicks is plot.LogTicks with every label a whole number, its
// digits grouped by thousands (found by a tester: 100000, then 1e+06).
type wholeLogTicks struct{ plot.LogTicks }

func (t wholeLogTicks) Ticks(min, max float64) []plot.Tick {
	ts := t.LogTicks.Ticks(min, max)
	// Only the ticks within the axis are drawn: those the labels count.
	labelled := func() int {
		n := 0
		for _, tk := range ts {
			if tk.Label != "" && tk.Value >= min && tk.Value <= max {
				n++
			}
		}
		return n
	}
	// Values within one power of ten got one label or none: the ticks at
	// 2 and 5 times a power of ten are labelled too, then every tick, so
	// that a value can be read off (found by a tester: an axis labelled
	// "10" alone).
	for _, mantissas := range [][]float64{{2, 5}, {2, 3, 4, 5, 6, 7, 8, 9}} {
		if labelled() >= 2 {
			break
		}
		for i, tk := range ts {
			if tk.Value <= 0 {
				continue
			}
			m := tk.Value / math.Pow(10, math.Floor(math.Log10(tk.Value)+1e-9))
			for _, want := range mantissas {
				if math.Abs(m-want) < 1e-6 {
					ts[i].Label = "x"
				}
			}
		}
	}
	if labelled() < 2 {
		// No tick at all within so narrow an axis: its ends.
		ts = append(ts, plot.Tick{Value: min, Label: "x"}, plot.Tick{Value: max, Label: "x"})
	}
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = groupDigits(int64(math.Round(ts[i].Value)))
		}
	}
	return ts
}

// groupDigits writes n with its digits grouped by thousands: 1,000,000.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}
