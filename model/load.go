package model

import "github.com/mcheck/mcheck/model/syntax"

// Load parses and checks a model file. On failure the error is a
// syntax.ErrorList: the parse errors if the file does not parse, otherwise
// every error Check found.
func Load(filename string, src []byte) (*Model, error) {
	f, err := syntax.Parse(filename, src)
	if err != nil {
		return nil, err
	}
	return Check(f)
}

// LoadProtocols is Load for a file that may declare no threads: one that
// holds only protocols (and services) is a model whose protocols can be
// projected (mcheck project), though nothing would run. A file with
// neither protocols nor threads is refused.
func LoadProtocols(filename string, src []byte) (*Model, error) {
	f, err := syntax.Parse(filename, src)
	if err != nil {
		return nil, err
	}
	return check(f, false)
}
