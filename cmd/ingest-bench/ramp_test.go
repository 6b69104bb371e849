package main

import (
	"errors"
	"slices"
	"testing"
)

// TestRamp runs the ramp against servers with a known loss threshold (and
// senders with a known limit): the bracket it ends with is within the
// resolution, the list's top never caps it, and it goes down when the
// first rate already lost lines.
func TestRamp(t *testing.T) {
	rates := []int{100_000, 200_000, 400_000, 1_000_000, 3_600_000}
	for _, tc := range []struct {
		name        string
		threshold   int // highest rate taken without loss
		senderLimit int // 0: none
		wantLimited bool
	}{
		{name: "inside the list", threshold: 700_000},
		{name: "above the list's top", threshold: 4_050_000},
		{name: "far above the top", threshold: 23_000_000},
		{name: "below the first rate", threshold: 37_000},
		{name: "nothing taken", threshold: 0},
		{name: "sender limited", threshold: 9_000_000, senderLimit: 5_000_000, wantLimited: true},
		// The sender falls short inside the bracket (3.6M lost lines):
		// the bisection goes on.
		{name: "sender short inside the bracket", threshold: 2_900_000, senderLimit: 2_600_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tried []int
			limited, err := ramp(rates, 0.02, func(rate int) (bool, float64, error) {
				tried = append(tried, rate)
				if len(tried) > 100 {
					return false, 0, errors.New("no end")
				}
				achieved := float64(rate)
				if tc.senderLimit > 0 {
					achieved = min(achieved, float64(tc.senderLimit))
				}
				return rate <= tc.threshold, achieved, nil
			})
			if err != nil {
				t.Fatalf("ramp: %v (tried %v)", err, tried)
			}
			if (limited > 0) != tc.wantLimited {
				t.Fatalf("sender limited at %d, want limited %v (tried %v)", limited, tc.wantLimited, tried)
			}
			lo, hi := 0, 0
			for _, r := range tried {
				if r <= tc.threshold {
					lo = max(lo, r)
				} else if hi == 0 || r < hi {
					hi = r
				}
			}
			switch {
			case tc.wantLimited:
				// The first rate above the sender's limit is 5.63M (3.6M
				// grown by 25% twice; the sender fell short but got faster
				// than at 4.5M); at the next, 7.04M, it got no faster.
				if limited != 7_040_000 || slices.Max(tried) != limited {
					t.Errorf("stopped at %d, want 7040000, where the sender got no faster than its %d (tried %v)", limited, tc.senderLimit, tried)
				}
			case tc.threshold < 1_000:
				if lo != 0 {
					t.Errorf("a lossless rate %d with nothing taken (tried %v)", lo, tried)
				}
			default:
				if hi == 0 || lo == 0 {
					t.Fatalf("no bracket: lossless %d, lossy %d (tried %v)", lo, hi, tried)
				}
				// Within 2%, or adjacent after rounding to three digits.
				if float64(hi) > float64(lo)*1.02 && roundRate(float64(hi+lo)/2) != lo && roundRate(float64(hi+lo)/2) != hi {
					t.Errorf("bracket %d..%d wider than 2%% (tried %v)", lo, hi, tried)
				}
			}
		})
	}
}

func TestRoundRate(t *testing.T) {
	for _, tc := range []struct{ in, want int }{
		{123_456, 123_000}, {4_049_999, 4_050_000}, {999_500, 1_000_000}, {37_123, 37_100}, {12_345_678, 12_300_000},
	} {
		if got := roundRate(float64(tc.in)); got != tc.want {
			t.Errorf("roundRate(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
