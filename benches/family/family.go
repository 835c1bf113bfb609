// Package family generates model families that scale with one integer
// parameter, for measuring how mcheck's state space grows (docs/language.md jobs (2)
// and (3)) and what each coordination strategy costs.
//
// Each family is a function from its parameter to the text of a .dsu model.
// The text starts with a header comment saying what it models and the
// verdict each strategy is expected to give; Expected gives the same
// verdicts to tests and benchmarks.
package family

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/mcheck/mcheck/model/syntax"
)

// A Family is one scalable model.
type Family struct {
	Name        string
	Description string // one line
	Param       string // what the parameter counts, e.g. "K, producer-consumer pairs"
	Min, Max    int    // the parameter's allowed range
	// Expected is the verdict ("ok" or "violation") each of the paper's
	// strategies gives on every member of the family.
	Expected map[string]string
	// Property is the property the violating strategies break.
	Property string
	// Live, for a strategy, is the least parameter from which the update
	// can fail to complete in a fair run (a liveness violation of update
	// completion, docs/language.md §5) where Expected says "ok".
	Live map[string]int
	gen  func(param int) string
}

// Want is the verdict ("ok" or "violation") strategy s gives on member k,
// and the property a violation breaks; ok is false if the family does not
// say.
func (f *Family) Want(k int, s string) (verdict, property string, ok bool) {
	verdict, ok = f.Expected[s]
	property = f.Property
	if from, live := f.Live[s]; live && verdict == "ok" && k >= from {
		verdict, property = "violation", "update-completion"
	}
	return verdict, property, ok
}

var families = map[string]*Family{}

func register(f *Family) { families[f.Name] = f }

// Names lists the families in alphabetical order.
func Names() []string {
	names := make([]string, 0, len(families))
	for n := range families {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the family called name.
func Lookup(name string) (*Family, error) {
	if f, ok := families[name]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("unknown family %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Describe returns the one-line description of the family called name.
func Describe(name string) (string, error) {
	f, err := Lookup(name)
	if err != nil {
		return "", err
	}
	return f.Description, nil
}

// CheckParam reports whether param is in the family's range.
func (f *Family) CheckParam(param int) error {
	if param < f.Min || param > f.Max {
		return fmt.Errorf("family %s: parameter (%s) must be between %d and %d, got %d", f.Name, f.Param, f.Min, f.Max, param)
	}
	return nil
}

// Generate returns the model of family name for parameter param.
func Generate(name string, param int) ([]byte, error) {
	f, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if err := f.CheckParam(param); err != nil {
		return nil, err
	}
	// In the normal form mcheck fmt prints (found by a tester: fmt -l
	// listed every generated model).
	src := f.gen(param)
	ast, err := syntax.Parse(name+".dsu", []byte(src))
	if err != nil {
		return nil, fmt.Errorf("family %s: the generated model does not parse: %v", name, err)
	}
	var out bytes.Buffer
	if err := syntax.Fprint(&out, ast); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// builder accumulates a model's text.
type builder struct{ strings.Builder }

func (b *builder) line(format string, args ...any) {
	fmt.Fprintf(&b.Builder, format, args...)
	b.WriteByte('\n')
}

// header writes a comment block, one '#' line per line of text.
func (b *builder) header(text string) {
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if l == "" {
			b.line("#")
		} else {
			b.line("# %s", l)
		}
	}
	b.line("")
}
