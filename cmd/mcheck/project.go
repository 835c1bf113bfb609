package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/mcheck/mcheck/model"
)

func init() {
	register(&command{name: "project", summary: "check a model's protocols and print each role's local type", run: runProject})
}

const projectNotation = `Local types are written:
  q!<int>. T           send an int to q          {q, r}!<int>. T  send to q and r
  p?<int>. T           receive an int from p
  q + {a: T1, b: T2}   select: send label a or b to q
  p & {a: T1, b: T2}   offer: receive label a or b from p
  mu t. T   t   end    recursion, its variable, the end
`

func runProject(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("project", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		protocols []string
		states    bool
	)
	fs.StringSliceVar(&protocols, "protocol", nil, "print only these protocols (repeatable, comma-separated)")
	fs.BoolVar(&states, "states", false, "also print each role's monitor automaton (state: action -> next)")
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "usage: mcheck project [flags] MODEL.dsu\n\n")
		fmt.Fprintf(w, "Checks the model (well-formedness of every protocol, projection onto every\nrole, names in threads and updates) and prints, for each protocol, its roles,\nwhether it loops (and which recursion is the run loop) and each role's local type.\n\n")
		fmt.Fprint(w, projectNotation)
		fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
		fmt.Fprintln(w, "\nExit status: 0 every protocol projects, 2 bad input or usage (the model's errors, each at file:line:col), 3 the output could not be written.")
	}
	if status, done := parseFlags("project", fs, args, usage, stdout, stderr); done {
		return status
	}
	path, src, status := readModelArg(context.Background(), "project", fs.Args(), stderr)
	if status != exitOK {
		return status
	}
	// A file of protocols alone projects too (found by a tester: it was
	// refused, "declares no threads").
	m, err := model.LoadProtocols(path, src)
	if err != nil {
		reportModelErrors(stderr, err)
		return exitUsage
	}
	reportWarnings(stderr, m)
	// Names are trimmed, as --strategy's, --update's and --skip's are
	// (found by a tester: --protocol "MathA, MathB" looked for " MathB").
	for i := range protocols {
		protocols[i] = strings.TrimSpace(protocols[i])
	}
	if fs.Changed("protocol") && (len(protocols) == 0 || slices.Contains(protocols, "")) {
		// (found by a tester: an empty name printed every protocol)
		fmt.Fprintln(stderr, "mcheck project: --protocol: an empty protocol name")
		return exitUsage
	}
	for _, name := range protocols {
		if m.Protocol(name) == nil {
			var names []string
			for _, p := range m.Protocols {
				names = append(names, p.Name)
			}
			fmt.Fprintf(stderr, "mcheck project: --protocol %s: no such protocol in %s (protocols: %s)\n", name, path, strings.Join(names, ", "))
			return exitUsage
		}
	}
	if len(m.Protocols) == 0 {
		// The threads check, and there is nothing to print (found by a
		// tester: nothing at all was said).
		fmt.Fprintf(stdout, "%s declares no protocols: nothing to project (its threads and updates check)\n", path)
		return exitOK
	}
	printProjection(stdout, m, protocols, states)
	return exitOK
}

// printProjection writes the protocols of m (all, or those named) with
// their roles, runs and local types.
func printProjection(w io.Writer, m *model.Model, only []string, states bool) {
	first := true
	for _, p := range m.Protocols {
		if len(only) > 0 && !slices.Contains(only, p.Name) {
			continue
		}
		if !first {
			fmt.Fprintln(w)
		}
		first = false
		fmt.Fprintf(w, "protocol %s (%s:%d:%d)\n", p.Name, m.File.Name, p.Decl.Name.Pos.Line, p.Decl.Name.Pos.Col)
		fmt.Fprintf(w, "  global: %s\n", p.Global)
		fmt.Fprintf(w, "  roles:  %s\n", strings.Join(p.Roles, ", "))
		if p.Looping {
			// Every binder at the top that is used ends a run (found by a
			// tester: only the first was named).
			var passes []string
			for _, v := range p.RunVars {
				passes = append(passes, fmt.Sprintf("through mu %s back to %s", v, v))
			}
			fmt.Fprintf(w, "  runs:   loops; a run is one pass %s\n", strings.Join(passes, ", or "))
		} else {
			ends := false
			for _, lt := range p.Local {
				for _, st := range lt.States {
					ends = ends || st.Kind == model.LEnd
				}
			}
			if ends {
				fmt.Fprintf(w, "  runs:   no loop at top level; one run, which ends where a role reaches end\n")
			} else {
				fmt.Fprintf(w, "  runs:   no loop at top level, and no end: one run, which never ends (an inner loop)\n")
			}
		}
		if u := protocolUses(m, p); u != "" {
			fmt.Fprintf(w, "  used:   %s\n", u)
		}
		width := 0
		for _, r := range p.Roles {
			width = max(width, len(r))
		}
		for _, r := range p.Roles {
			l := p.Local[r]
			fmt.Fprintf(w, "  %-*s %s\n", width+1, r+":", l.Text)
			if states {
				for _, line := range strings.Split(strings.TrimSuffix(l.Describe(), "\n"), "\n") {
					fmt.Fprintf(w, "  %*s   %s\n", width, "", line)
				}
			}
		}
	}
}

// protocolUses says which services start on p and which updates move services to it.
func protocolUses(m *model.Model, p *model.Protocol) string {
	var uses []string
	for _, s := range m.Services {
		if s.Protocol == p {
			uses = append(uses, "service "+s.Name)
		}
	}
	for _, u := range m.Updates {
		for _, sd := range u.Decl.Services {
			if u.Moves[sd.Name.Name] != p {
				continue
			}
			if old := m.Service(sd.Name.Name); old != nil && model.SameProtocol(p, old.Protocol) {
				// Found by the adversarial tester: this used to say "moves".
				uses = append(uses, fmt.Sprintf("update %s gives it to service %s, whose protocol %s is the same, so it does not move it", u.Name, sd.Name.Name, old.Protocol.Name))
				continue
			}
			uses = append(uses, fmt.Sprintf("update %s moves service %s to it", u.Name, sd.Name.Name))
		}
	}
	if len(uses) == 0 {
		return "by no service or update"
	}
	return strings.Join(uses, "; ")
}
