package javafmt

import (
	"math"
	"testing"
)

func TestFloat(t *testing.T) {
	tests := []struct {
		f    float64
		bits int
		want string
	}{
		{1, 64, "1.0"}, {1.7e9, 64, "1.7E9"}, {1e-4, 64, "1.0E-4"}, {0.001, 64, "0.001"},
		{1234567.0, 64, "1234567.0"}, {1e7, 64, "1.0E7"}, {-2.5, 64, "-2.5"},
		{math.NaN(), 64, "NaN"}, {math.Inf(1), 64, "Infinity"}, {math.Inf(-1), 64, "-Infinity"},
		{0, 64, "0.0"}, {math.Copysign(0, -1), 64, "-0.0"},
		{float64(float32(0.1)), 32, "0.1"}, {1.700000000123e9, 64, "1.700000000123E9"},
	}
	for _, tc := range tests {
		if got := Float(tc.f, tc.bits); got != tc.want {
			t.Errorf("Float(%v, %d) = %q, want %q", tc.f, tc.bits, got, tc.want)
		}
	}
}
