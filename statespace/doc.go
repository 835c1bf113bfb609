// Package statespace owns mcheck's semantics and its search (docs/language.md §3, §4,
// §6): a checked model compiled for one update (program.go, compile.go), the
// configurations and their canonical form (config.go) and encoding
// (encode.go), the transition relation (step.go drives it; local.go,
// comm.go, monitor.go and update.go hold local evaluation, communication,
// the protocol monitor and the update), the coordination strategies (one
// file each: uncoordinated.go, stoptheworld.go, maxplus1.go, behind
// strategy.go), and the breadth-first explorer (explore.go, with the strategy costs it
// observes in costs.go, and the counterexamples it replays in trace.go) and
// the store interfaces it drives (store.go).
//
// Steps record facts (fault.go) and never judge them: package properties
// turns facts into violations; package store implements the visited set,
// frontier and trace links; package check assembles the pipeline.
package statespace
