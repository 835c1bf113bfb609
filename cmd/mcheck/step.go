package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/statespace"
)

func init() {
	register(&command{name: "step", summary: "step through a model by hand: the configuration, its enabled moves, one at a time", run: runStep})
}

// stdin is where step reads its choices (a test replaces it).
var stdin io.Reader = os.Stdin

func runStep(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("step", pflag.ContinueOnError)
	var (
		update, strategy, updateAt string
		bound                      int
	)
	fs.Var(&onceValue{p: &update}, "update", "the update, one name (default: the model's only one)")
	fs.StringVar(&strategy, "strategy", "max+1", "coordination strategy: "+strings.Join(statespace.StrategyNames(), ", "))
	fs.StringVar(&updateAt, "update-at", "any", "when the update is introduced: any, never or step:K")
	fs.IntVar(&bound, "queue-bound", check.DefaultQueueBound, "capacity of the global queue")
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: mcheck step [flags] MODEL.dsu")
		fmt.Fprintln(w, "\nShows the initial configuration and its enabled moves, numbered, and reads your")
		fmt.Fprintln(w, "choice from standard input: a number takes that move, b goes one step back, q quits,")
		fmt.Fprintln(w, "an empty line shows the moves again.")
		fmt.Fprintln(w, "A move that breaks a property says so, and so does a move into a configuration")
		fmt.Fprintln(w, "with no move that breaks one (a deadlock). Like `spin -i`.")
		fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
		fmt.Fprintln(w, "\nExit status: 0 done (q, or the end of the input), 2 bad input or usage, 3 the output could not be written; an interrupt (Ctrl-C) ends it at once, as it ends any program.")
	}
	if status, done := parseFlags("step", fs, args, usage, stdout, stderr); done {
		return status
	}
	path, ok := oneArg("step", fs.Args(), stderr)
	if !ok {
		return exitUsage
	}
	// One strategy, named by its flag (found by a tester: "all" and lists
	// were "unknown strategy", without the flag).
	if _, err := statespace.StrategyNamed(strategy); err != nil {
		if strings.Contains(strategy, ",") || strategy == "all" {
			err = fmt.Errorf("step takes one strategy, got %q (one of: %s)", strategy, strings.Join(statespace.StrategyNames(), ", "))
		}
		fmt.Fprintf(stderr, "mcheck step: --strategy: %v\n", err)
		return exitUsage
	}
	if strings.Contains(update, ",") {
		// (check takes a list and checks each in turn; one walk by hand
		// goes under one update.)
		fmt.Fprintf(stderr, "mcheck step: --update takes one update, got a list: %s\n", update)
		return exitUsage
	}
	src, err := readModelFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "mcheck step: %v\n", err)
		return readFailureStatus(err)
	}
	m, err := model.Load(path, src)
	if err != nil {
		reportModelErrors(stderr, err)
		return exitUsage
	}
	// As check says them (found by a tester: step took --strategy on a
	// model without an update without a word).
	reportWarnings(stderr, m)
	if len(m.Updates) == 0 {
		var idle []string
		for _, name := range []string{"strategy", "update-at"} {
			if fl := fs.Lookup(name); fl.Changed {
				idle = append(idle, "--"+name+" "+fl.Value.String())
			}
		}
		if n := noEffectNote(idle); n != "" {
			fmt.Fprintf(stderr, "mcheck step: note: %s\n", n)
		}
	}
	at, err := statespace.ParseUpdateAt(updateAt)
	if err != nil {
		fmt.Fprintf(stderr, "mcheck step: --update-at: %v\n", err)
		return exitUsage
	}
	if bound < 1 {
		fmt.Fprintf(stderr, "mcheck step: --queue-bound must be at least 1, got %d\n", bound)
		return exitUsage
	}
	sem, props, err := check.Semantics(m, check.ReplayOptions{Update: update, Strategy: strategy, UpdateAt: at, QueueBound: bound})
	if err != nil {
		fmt.Fprintf(stderr, "mcheck step: %v\n", err)
		return exitUsage
	}
	p := sem.P
	init, fault := sem.Initial()
	// Every fact of a step or a configuration, as check --continue lists
	// them (found by a tester: one of two was named).
	for _, v := range props.CheckStepFacts(p, nil, &statespace.Succ{Next: init, Fault: fault, Action: statespace.Action{Kind: statespace.ActFault, Code: -1, Label: -1}}) {
		fmt.Fprintf(stdout, "before the first step: %s violation — %s: %s\n", v.Property, v.Rule, v.Found)
	}
	history := []*statespace.Config{init}
	in := bufio.NewScanner(stdin)
	for {
		if outputLost(stdout) != nil {
			return exitFailure // its reader is gone (main says so)
		}
		c := history[len(history)-1]
		fmt.Fprintf(stdout, "\nstep %d:\n", len(history)-1)
		for _, line := range strings.Split(sem.Describe(c), "\n") {
			fmt.Fprintf(stdout, "  %s\n", line)
		}
		if u := p.DescribeUpdate(c); u != "" {
			// (found by a tester: the configurations before and after
			// the introduction printed alike)
			fmt.Fprintf(stdout, "  %s\n", u)
		}
		succs, info := sem.Successors(c)
		if len(succs) == 0 {
			vs := props.CheckTerminalFacts(p, c, info)
			for _, v := range vs {
				fmt.Fprintf(stdout, "no move: %s violation — %s: %s\n", v.Property, v.Rule, v.Found)
			}
			if len(vs) == 0 {
				fmt.Fprintln(stdout, noMoveText(p, c, info.CapacityBlocked))
			}
		}
		for i := range succs {
			var marks []string
			if vs := props.CheckStepFacts(p, c, &succs[i]); len(vs) > 0 {
				marks = append(marks, violationsText(vs))
			}
			// A move into a configuration with no move that breaks a
			// property (a deadlock, at the barrier or not) says so too,
			// after the move's own (found by a tester: a runtime error
			// into a deadlock showed only the first, where check
			// --continue lists both).
			if after, info := sem.Successors(succs[i].Next); len(after) == 0 {
				if vs := props.CheckTerminalFacts(p, succs[i].Next, info); len(vs) > 0 {
					marks = append(marks, "leads to "+violationsText(vs))
				}
			}
			mark := ""
			if len(marks) > 0 {
				mark = "   !! " + strings.Join(marks, "; ")
			}
			fmt.Fprintf(stdout, "  %2d  %-10s %s%s\n", i+1, threadOf(p, succs[i].Action), p.DescribeAction(c, &succs[i]), mark)
		}
		fmt.Fprint(stdout, "move (number, b back, q quit)? ")
		if !in.Scan() {
			fmt.Fprintln(stdout)
			if err := in.Err(); err != nil {
				// (found by a tester: a line of 64 KiB or more ended the
				// session with exit 0, the moves after it unread)
				if errors.Is(err, bufio.ErrTooLong) {
					fmt.Fprintf(stderr, "mcheck step: reading the moves: a line longer than %d KiB\n", bufio.MaxScanTokenSize>>10)
					return exitUsage
				}
				fmt.Fprintf(stderr, "mcheck step: reading the moves: %v\n", err)
				return exitFailure
			}
			return exitOK
		}
		switch answer := strings.TrimSpace(in.Text()); answer {
		case "":
			// An empty line asks again (found by a tester: it was a move
			// named "").
			continue
		case "q", "quit":
			return exitOK
		case "b", "back":
			if len(history) > 1 {
				history = history[:len(history)-1]
			} else {
				fmt.Fprintln(stdout, "already at step 0, the initial configuration: nothing to go back to")
			}
		default:
			// Digits only, as the moves are numbered (found by a tester:
			// Atoi took +1 for 1).
			n, err := strconv.Atoi(answer)
			if strings.Trim(answer, "0123456789") != "" || err != nil || n < 1 || n > len(succs) {
				if len(succs) == 0 {
					fmt.Fprintf(stdout, "no move %q: there is none here; b or q\n", answer)
				} else {
					fmt.Fprintf(stdout, "no move %q: give a number from 1 to %d, b or q\n", answer, len(succs))
				}
				continue
			}
			history = append(history, succs[n-1].Next)
		}
	}
}

// noMoveText says why a configuration with no move and no violation has
// none (found by a tester: "every thread has finished" was said of a
// thread a runtime error had stopped).
func noMoveText(p *statespace.Program, c *statespace.Config, capacity bool) string {
	var stopped []string
	running := 0
	for i, th := range c.Threads {
		switch th.Status {
		case statespace.Done:
		case statespace.Crashed:
			stopped = append(stopped, p.Threads[i].Name)
		default:
			running++
		}
	}
	switch {
	case running > 0 && capacity:
		return "no move: only the queue's capacity holds the system (the threads still running wait for room in it)"
	case running > 0:
		return fmt.Sprintf("no move: %d threads still running wait, and no property this step checks counts it a violation", running)
	case len(stopped) > 0:
		return fmt.Sprintf("no move: every thread has finished or was stopped by a fault (stopped: %s)", strings.Join(stopped, ", "))
	}
	return "no move: every thread has finished"
}

func threadOf(p *statespace.Program, a statespace.Action) string {
	if a.Thread < 0 {
		return "-"
	}
	return p.Threads[a.Thread].Name
}

// violationsText names a step's or a configuration's violations: "a
// progress violation — deadlock; a linearity violation — orphan messages".
func violationsText(vs []*statespace.Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("%s %s violation — %s", article(v.Property), v.Property, v.Rule)
	}
	return strings.Join(parts, "; ")
}

// article is "an" before a word that starts with a vowel, "a" otherwise
// (found by a tester: "a update-completion violation").
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
