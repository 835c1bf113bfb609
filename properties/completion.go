package properties

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mcheck/mcheck/statespace"
)

// Update completion (docs/language.md §5), the safety half: in a configuration where no
// step is enabled (and not stuck only by the capacity), every participant of
// an introduced update has applied it or finished.
func incomplete(p *statespace.Program, c *statespace.Config) *statespace.Violation {
	if p.Update == nil || !c.Upd.Introduced {
		return nil
	}
	var missing []string
	for t, th := range c.Threads {
		// Applied or finished: a participant that stopped without
		// applying has nothing left to update.
		if th.Participant && th.HeapVer == 0 && th.Status == statespace.Running {
			missing = append(missing, p.Threads[t].Name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return &statespace.Violation{
		Property: UpdateCompletion, Rule: ruleIncomplete, Thread: missing[0], Threads: missing,
		Action:   "no step is enabled",
		Expected: fmt.Sprintf("every thread taking part in update %s to have applied it or finished", p.Update.Name),
		Found:    "not applied by " + strings.Join(missing, ", "),
	}
}
