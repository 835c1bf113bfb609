#!/bin/sh
# pgo.sh regenerates cmd/mcheck/default.pgo, the CPU profile that the Go
# toolchain uses to optimise the mcheck binary (profile-guided
# optimisation: `go build` and `go install` pick it up by themselves). The
# profile is the merge of the explorer's benchmarks: every shipped model
# under each strategy (BenchmarkExplore), and prodcons K=3 with each store,
# one and two workers, with and without symmetry reduction (BenchmarkScale*).
#
#	benches/pgo.sh          # from anywhere in the repository; about a minute
#
# Regenerate it when the explorer's hot paths change much; a stale profile
# only optimises less. Benchmarks measure the binary as shipped when built
# with it:  go test -pgo=$PWD/cmd/mcheck/default.pgo ./benches -bench ...
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test ./statespace -run XXX -bench BenchmarkExplore -benchtime 1x \
	-cpuprofile "$tmp/explore.prof" -o "$tmp/statespace.test" >/dev/null
(cd benches && go test . -run XXX -bench 'BenchmarkScale(Store|Workers|Reduce)' -benchtime 1x \
	-cpuprofile "$tmp/scale.prof" -o "$tmp/benches.test" >/dev/null)
go tool pprof -proto "$tmp/explore.prof" "$tmp/scale.prof" >cmd/mcheck/default.pgo
echo "wrote cmd/mcheck/default.pgo ($(wc -c <cmd/mcheck/default.pgo) bytes)"
