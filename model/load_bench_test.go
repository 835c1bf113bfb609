package model

import (
	"fmt"
	"strings"
	"testing"
)

// wideModel is a multicast protocol with n roles and a thread per role.
func wideModel(n int) []byte {
	var roles []string
	for i := 0; i < n; i++ {
		roles = append(roles, fmt.Sprintf("r%d", i))
	}
	all, rest := strings.Join(roles, ", "), strings.Join(roles[1:], ", ")
	var b strings.Builder
	fmt.Fprintf(&b, "protocol P = r0 -> {%s}: <int>. end\nservice s: P\n", rest)
	fmt.Fprintf(&b, "thread T0 { main let x = request(s, {%s}, r0) in send(x, {%s}, 1) }\n", all, rest)
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "thread T%d { main let x = accept(s, r%d) in receive(x, r0) }\n", i, i)
	}
	return []byte(b.String())
}

// BenchmarkLoadWide loads models with n roles and n threads: loading must
// stay near linear in the model's size (it was threads × roles²).
//
//	go test ./model -run XXX -bench LoadWide
func BenchmarkLoadWide(b *testing.B) {
	for _, n := range []int{250, 1000} {
		src := wideModel(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Load("wide.dsu", src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
