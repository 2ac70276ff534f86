package penalty_test

import (
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// The figures the chief's queue is built from: what a read costs when it recounts instead of reading
// the stored Dues. Run: go test -run '^$' -bench . -benchmem ./server/penalty/
func BenchmarkDuesOf(b *testing.B) {
	r := rules(b)
	c := inState(b, r)[penalty.Delivered]
	b.ResetTimer()
	for b.Loop() {
		_ = penalty.DuesOf(r, c)
	}
}

func BenchmarkAssess(b *testing.B) {
	r := rules(b)
	c := openCase(b, r, legal.Organisation, t0, baseCharg, charge("FUEL-119-29-1", day(2026, 2, 2)))
	b.ResetTimer()
	for b.Loop() {
		_ = penalty.Assess(r, c, day(2026, 2, 10))
	}
}

func BenchmarkDuties(b *testing.B) {
	r := rules(b)
	c := inState(b, r)[penalty.Issued]
	b.ResetTimer()
	for b.Loop() {
		_ = penalty.Duties(c, tLater)
	}
}

func BenchmarkApprove(b *testing.B) {
	r := rules(b)
	c := submitted(b, r, legal.Individual, t0, baseCharg)
	in := penalty.ApproveInput{Titles: titles["p-chief"]}
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := penalty.Approve(r, c, act(c, chief, tApprove, ""), in); err != nil {
			b.Fatal(err)
		}
	}
}
