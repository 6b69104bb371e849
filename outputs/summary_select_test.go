package outputs

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
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

// TestSummaryKeptQuantiles checks the quantiles a summary keeps between
// scrapes against a fresh summary given the same values, which computes
// them: after scrapes without observations, after observations, and after
// rotations with no observation (every value aged out).
func TestSummaryKeptQuantiles(t *testing.T) {
	const minute = int64(time.Minute)
	mine := newSummary(nil, 0)
	var vs []float64
	observe := func(v float64, at int64) {
		mine.observe(v, 1, at)
		vs = append(vs, v)
	}
	check := func(at int64, what string) {
		t.Helper()
		fresh := newSummary(nil, 0)
		for _, v := range vs {
			fresh.observe(v, 1, 0)
		}
		var got, want dto.Metric
		mine.write(&got, newArena(1), at)
		fresh.write(&want, newArena(1), at)
		if diff := cmp.Diff(summaryString(want.Summary), summaryString(got.Summary)); diff != "" {
			t.Fatalf("%s (-computed +kept):\n%s", what, diff)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 60 {
		observe(float64(r.IntN(1000)), 0)
	}
	check(1, "first scrape")
	check(2, "second scrape, no observation")
	observe(5000, 3)
	check(4, "after an observation")
	check(5, "again")
	check(3*minute, "after a rotation, no observation")
	check(11*minute, "after every bucket was reset, no observation")
}
