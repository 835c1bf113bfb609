//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcheck/mcheck/statespace"
)

// The counterexample page in a real browser: headless Chromium loads it,
// runs its script, and prints the DOM that results (--dump-dom); the page's
// hash (#run=R&step=K&keys=...) moves the slider and presses keys as a
// user would. Without Chromium the test is skipped, unless
// MCHECK_BROWSER_TEST=1 (as in CI, which installs it) makes that a failure.

// findChromium returns the browser to run, or "" with why not.
func findChromium() (string, string) {
	if p := os.Getenv("MCHECK_CHROMIUM"); p != "" {
		return p, ""
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, ""
		}
	}
	return "", "no chromium, chromium-browser or google-chrome on PATH (set MCHECK_CHROMIUM to a browser)"
}

// browser runs headless Chromium with a fresh profile, offline, within the
// test's deadline.
type browser struct {
	path string
	ctx  context.Context
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path, why := findChromium()
	if path == "" {
		if os.Getenv("MCHECK_BROWSER_TEST") == "1" {
			t.Fatalf("MCHECK_BROWSER_TEST=1 but %s", why)
		}
		t.Skipf("skipping the browser test: %s; install chromium (apt-get install chromium) or set MCHECK_BROWSER_TEST=1 to require it", why)
	}
	// One deadline for the test's every run of the browser: generous, as
	// a loaded machine takes chromium several seconds a page (20 s timed
	// out while other work ran).
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return &browser{path: path, ctx: ctx}
}

// run starts the browser on url with the extra flags and returns stdout.
func (b *browser) run(t *testing.T, url string, flags ...string) string {
	t.Helper()
	profile, err := os.MkdirTemp("", "mcheck-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(profile)
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--disable-dev-shm-usage", "--mute-audio", "--user-data-dir=" + profile}, flags...)
	cmd := exec.CommandContext(b.ctx, b.path, append(args, url)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) } // the browser and its helpers
	cmd.WaitDelay = 2 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v (deadline: %v)\n%s", b.path, url, err, b.ctx.Err(), tail(errb.String(), 2000))
	}
	return out.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// dom is a page as the browser left it.
type dom string

// tag is the start tag of the element whose start matches re (the first).
func (d dom) tag(t *testing.T, re string) string {
	t.Helper()
	m := regexp.MustCompile(`<` + re + `[^>]*>`).FindString(string(d))
	if m == "" {
		t.Fatalf("the page has no element <%s...>", re)
	}
	return m
}

var attrRE = regexp.MustCompile(`\s([a-z-]+)(?:="([^"]*)")?`)

// attrs parses a start tag's attributes.
func attrs(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// text is the text of the first element matching re with no element inside.
func (d dom) text(t *testing.T, re string) string {
	t.Helper()
	m := regexp.MustCompile(`<` + re + `[^>]*>([^<]*)<`).FindStringSubmatch(string(d))
	if m == nil {
		t.Fatalf("the page has no element <%s...> with text", re)
	}
	return html.UnescapeString(m[1])
}

// pageFor writes the page of a model's check and returns its file:// URL
// and the runs' JSON.
func pageFor(t *testing.T, model string, args ...string) (string, []jsonRun) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "cx.html")
	all := append([]string{"check", "--store", "memory", "--progress", "off", "--json", "--html", file}, args...)
	code, out, errs := runCmd(append(all, model)...)
	if code != exitViolation {
		t.Fatalf("exit %d, want 1\n%s", code, errs)
	}
	var runs []jsonRun
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r jsonRun
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	return "file://" + file, runs
}

// loaded checks that the page's script ran to its end without an error.
func loaded(t *testing.T, d dom, runs int) {
	t.Helper()
	body := attrs(d.tag(t, "body"))
	if e, ok := body["data-error"]; ok {
		t.Fatalf("the page's script failed: %s", e)
	}
	want := fmt.Sprintf("%d counterexample", runs)
	if runs != 1 {
		want += "s"
	}
	if body["data-ready"] != want {
		t.Fatalf("body data-ready %q, want %q: the script did not finish", body["data-ready"], want)
	}
}

// atStep checks that counterexample i shows step k of trace: the slider,
// the current step's line, the highlighted chart rows, the one detail
// block shown.
func atStep(t *testing.T, d dom, i, k int, trace []statespace.TraceStep) {
	t.Helper()
	sec := attrs(d.tag(t, fmt.Sprintf(`section class="run" id="run-%d"`, i)))
	if sec["data-current"] != fmt.Sprint(k) || sec["data-ready"] != fmt.Sprintf("%d steps", len(trace)) {
		t.Fatalf("counterexample %d: data-current %q, data-ready %q; want step %d of %d", i, sec["data-current"], sec["data-ready"], k, len(trace))
	}
	// The section's own part of the page.
	part := string(d)[strings.Index(string(d), fmt.Sprintf(`id="run-%d"`, i)):]
	if j := strings.Index(part, "</section>"); j >= 0 {
		part = part[:j]
	}
	sd := dom(part)
	want := "Step 0: initial configuration"
	if k > 0 {
		s := trace[k-1]
		want = fmt.Sprintf("Step %d (%s): %s", k, s.Thread, s.What)
		if s.Thread == "-" {
			want = fmt.Sprintf("Step %d: %s", k, s.What)
		}
	}
	if got := sd.text(t, `p class="now[^"]*"`); got != want {
		t.Errorf("the current step reads %q, want %q", got, want)
	}
	if got := attrs(sd.tag(t, `input type="range"`))["aria-valuenow"]; got != fmt.Sprint(k) {
		t.Errorf("the slider is at %q, want %d", got, k)
	}
	if got := sd.text(t, `span class="pos"`); got != fmt.Sprintf("step %d of %d", k, len(trace)) {
		t.Errorf("position %q", got)
	}
	var current []string
	for _, m := range regexp.MustCompile(`<g class="(row|fg)[^"]*\bcurrent\b[^"]*" data-step="(\d+)"`).FindAllStringSubmatch(part, -1) {
		current = append(current, m[1]+m[2])
	}
	if wantRows := fmt.Sprintf("[row%d fg%d]", k, k); fmt.Sprint(current) != wantRows && fmt.Sprint(current) != fmt.Sprintf("[row%d row%d fg%d fg%d]", k, k, k, k) {
		t.Errorf("highlighted chart rows %v, want step %d's", current, k)
	}
	var shown []string
	for _, m := range regexp.MustCompile(`<div class="detail[^"]*" data-step="(\d+)"[^>]*>`).FindAllStringSubmatch(part, -1) {
		if _, hidden := attrs(m[0])["hidden"]; !hidden {
			shown = append(shown, m[1])
		}
	}
	if fmt.Sprint(shown) != fmt.Sprintf("[%d]", k) {
		t.Errorf("detail blocks shown: %v, want only step %d's", shown, k)
	}
}

func TestHTMLInBrowser(t *testing.T) {
	b := newBrowser(t)
	url, runs := pageFor(t, "../../models/mathserver.dsu")
	trace := runs[0].Trace
	n := len(trace)

	// As loaded: the violating step.
	d := dom(b.run(t, url, "--dump-dom"))
	loaded(t, d, 1)
	atStep(t, d, 1, n, trace)
	if !strings.Contains(string(d), `class="now bad"`) {
		t.Errorf("the violating step is not shown as bad")
	}

	// The slider moved to step 4 (the send): its arrow is highlighted.
	d = dom(b.run(t, url+"#step=4", "--dump-dom"))
	loaded(t, d, 1)
	atStep(t, d, 1, 4, trace)
	if !regexp.MustCompile(`<g class="msg[^"]*\bhot\b[^"]*" data-from="4" data-to="7"`).MatchString(string(d)) {
		t.Errorf("the message sent at step 4 is not highlighted at step 4")
	}

	// Keys: from step 2, two steps forward, one back; Home; one forward.
	d = dom(b.run(t, url+"#step=2&keys=ArrowRight,ArrowRight,ArrowLeft", "--dump-dom"))
	atStep(t, d, 1, 3, trace)
	d = dom(b.run(t, url+"#step=5&keys=Home,ArrowRight,ArrowLeft,ArrowLeft", "--dump-dom"))
	atStep(t, d, 1, 0, trace) // Left at step 0 stays there

	// It renders: a screenshot that is a real picture, not a blank page.
	shot := filepath.Join(t.TempDir(), "page.png")
	b.run(t, url, "--screenshot="+shot, "--window-size=1200,900", "--hide-scrollbars")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	colours := map[[3]uint32]bool{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 3 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	if bounds.Dx() < 800 || len(colours) < 20 {
		t.Errorf("the screenshot looks empty: %v, %d colours", bounds, len(colours))
	}
}

// TestHTMLInBrowserRuns: a page with several counterexamples shows one at
// a time; #run=R selects one, and End goes to its last step.
func TestHTMLInBrowserRuns(t *testing.T) {
	b := newBrowser(t)
	url, runs := pageFor(t, "../../models/sessions-per-request.dsu")
	if len(runs) != 3 {
		t.Fatalf("%d runs, want 3", len(runs))
	}
	d := dom(b.run(t, url+"#run=2&step=1&keys=End", "--dump-dom"))
	loaded(t, d, 3)
	for i := 1; i <= 3; i++ {
		_, hidden := attrs(d.tag(t, fmt.Sprintf(`section class="run" id="run-%d"`, i)))["hidden"]
		if hidden != (i != 2) {
			t.Errorf("counterexample %d hidden: %v", i, hidden)
		}
	}
	atStep(t, d, 2, len(runs[1].Trace), runs[1].Trace)
	atStep(t, d, 1, len(runs[0].Trace), runs[0].Trace) // the others are left as they were
	if !strings.Contains(d.tag(t, `tr id="row-2"`), "active") {
		t.Errorf("the summary does not mark the counterexample shown")
	}
}

// TestHTMLInBrowserContinue: with --continue a run has several
// counterexamples; showing a later one marks its run's summary row, and at
// step 0 no arrow is highlighted, a message still queued at the end
// included (both found by a tester: the later ones looked for rows that do
// not exist, and at step 0 the queued messages lit up). The one shown is
// not the run's last: the row was marked for the last alone (found when a
// change of the semantics made another the one with a queued message).
func TestHTMLInBrowserContinue(t *testing.T) {
	b := newBrowser(t)
	url, runs := pageFor(t, "../../models/mathserver.dsu", "--continue", "--strategy", "uncoordinated")
	if len(runs) != 1 || len(runs[0].Violations) < 3 {
		t.Fatalf("%d runs, want 1 with several violations", len(runs))
	}
	// The last counterexample with a message queued at the end.
	n := len(runs[0].Violations)
	for n > 1 && strings.HasSuffix(runs[0].Violations[n-1].Final, "queue: []") {
		n--
	}
	if n < 2 || n == len(runs[0].Violations) {
		t.Fatalf("counterexample %d of %d is the last with a message queued at the end: the test needs one after the first and before the last", n, len(runs[0].Violations))
	}
	d := dom(b.run(t, url+fmt.Sprintf("#run=%d&step=0", n), "--dump-dom"))
	if !strings.Contains(d.tag(t, `tr id="row-1"`), "active") {
		t.Errorf("counterexample %d does not mark its run's row", n)
	}
	sec := string(d)[strings.Index(string(d), fmt.Sprintf(`id="run-%d"`, n)):]
	if end := strings.Index(sec, "</section>"); end >= 0 {
		sec = sec[:end]
	}
	if !strings.Contains(sec, "pending") {
		t.Fatalf("counterexample %d has no message queued at the end: the test needs one", n)
	}
	if regexp.MustCompile(`<g class="msg[^"]*\bhot\b`).MatchString(sec) {
		t.Errorf("an arrow is highlighted at step 0: %s", regexp.MustCompile(`<g class="msg[^"]*\bhot\b[^>]*>`).FindString(sec))
	}
}
