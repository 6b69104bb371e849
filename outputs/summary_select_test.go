package outputs

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSelectRank checks quickselect against a sort on values with many
// ties, infinities and signed zeros, at every rank.
func TestSelectRank(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 3, 12, 13, 14, 50, 499, 1000} {
		for _, spread := range []int{1, 3, 1000} {
			vs := make([]float64, n)
			for i := range vs {
				switch x := r.IntN(spread + 3); x {
				case spread:
					vs[i] = math.Inf(1)
				case spread + 1:
					vs[i] = math.Inf(-1)
				case spread + 2:
					vs[i] = math.Copysign(0, -1)
				default:
					vs[i] = float64(x)
				}
			}
			sorted := slices.Clone(vs)
			slices.Sort(sorted)
			for k := range n {
				got := slices.Clone(vs)
				selectRank(got, k)
				if got[k] != sorted[k] {
					t.Fatalf("n=%d spread=%d rank %d: %v, want %v", n, spread, k, got[k], sorted[k])
				}
				for i, v := range got {
					if i < k && v > got[k] || i > k && v < got[k] {
						t.Fatalf("n=%d spread=%d rank %d: %v at %d is on the wrong side of %v", n, spread, k, v, i, got[k])
					}
				}
			}
		}
	}
}
