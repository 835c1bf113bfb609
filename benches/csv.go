package benches

import (
	"bytes"
	"encoding/csv"
	"strconv"
)

// Columns are the columns of OUT/FAMILY.csv, in order:
//
//   - family, param, strategy: the run.
//   - verdict: VerdictOK, VerdictViolation, VerdictUnknown, VerdictTimeout
//     or VerdictError (see their docs). Only an exhaustive search is "ok".
//   - exhaustive: true only for an "ok" run; false for a violation, a cut,
//     a timeout and an error.
//   - states, transitions, depth: the child's statistics (for a cut or
//     timed-out run, those reached: lower bounds); empty for an error.
//   - seconds: the exploration's time as the child measured it (the
//     wall-clock time of the child for an error).
//   - states_per_sec: states / seconds; empty for an error.
//   - peak_rss_bytes: the child process's peak resident set (getrusage);
//     empty if the platform does not report it.
//   - blocked_configs, max_blocked, update_latency: the child's metrics
//     (see `mcheck check --json`); empty for an error.
var Columns = []string{"family", "param", "strategy", "verdict", "exhaustive", "states", "transitions", "depth",
	"seconds", "states_per_sec", "peak_rss_bytes", "blocked_configs", "max_blocked", "update_latency"}

// The values of the verdict column. The first three are the three-valued
// verdict of the child's report (statespace.Verdict); the last two say
// that the run gave no verdict.
const (
	VerdictOK        = "ok"        // exhaustive search, no violation
	VerdictViolation = "violation" // a violation was found
	VerdictUnknown   = "unknown"   // no violation found, but the search was cut by --max-states: nothing is proved
	VerdictTimeout   = "timeout"   // the run exceeded the timeout and was interrupted; its statistics are those reached
	VerdictError     = "error"     // the child failed (Row.Detail says how)
)

// csvBytes renders the rows of family fam. A run that did not report its
// statistics has empty numeric fields (but its peak RSS and seconds, which
// are measured from outside, when known).
func csvBytes(fam string, rows []Row) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(Columns)
	for _, r := range rows {
		rec := []string{fam, strconv.Itoa(r.Param), r.Strategy, r.Verdict, strconv.FormatBool(r.Exhaustive)}
		if r.Measured {
			rec = append(rec, strconv.FormatInt(r.States, 10), strconv.FormatInt(r.Transitions, 10), strconv.Itoa(r.Depth))
		} else {
			rec = append(rec, "", "", "")
		}
		rec = append(rec, strconv.FormatFloat(r.Seconds, 'f', 3, 64))
		if r.Measured {
			rec = append(rec, strconv.FormatFloat(r.StatesPerSec(), 'f', 0, 64))
		} else {
			rec = append(rec, "")
		}
		if r.PeakRSS > 0 {
			rec = append(rec, strconv.FormatInt(r.PeakRSS, 10))
		} else {
			rec = append(rec, "")
		}
		if r.Measured {
			rec = append(rec, strconv.FormatInt(r.Blocked, 10), strconv.Itoa(r.MaxBlocked), strconv.Itoa(r.Latency))
		} else {
			rec = append(rec, "", "", "")
		}
		w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}
