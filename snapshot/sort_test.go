package snapshot

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// sortStable must give exactly the order slices.SortStableFunc gives:
// equal keys keep their input order.
func TestSortStableMatchesSortStableFunc(t *testing.T) {
	type item struct{ key, seq int }
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 13, 100, 5000} {
		xs := make([]item, n)
		for i := range xs {
			xs[i] = item{key: r.IntN(n/4 + 1), seq: i} // many ties
		}
		want := slices.Clone(xs)
		slices.SortStableFunc(want, func(a, b item) int { return cmp.Compare(a.key, b.key) })
		sortStable(xs, func(a, b *item) int { return cmp.Compare(a.key, b.key) })
		if !slices.Equal(xs, want) {
			t.Fatalf("n=%d: sortStable differs from slices.SortStableFunc", n)
		}
	}
}
