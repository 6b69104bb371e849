package outputs

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naiveAdd is what client_golang computes: n additions one by one.
func naiveAdd(s, v float64, n uint64) float64 {
	for range n {
		s += v
	}
	return s
}

func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

var negZero = math.Copysign(0, -1)

func TestAddRepeated(t *testing.T) {
	cases := []struct {
		s, v float64
		n    uint64
	}{
		{0, 0.1, 10},
		{0, 0.001, 100000},
		{0, 0.012, 1000},
		{1e16, 1, 100},              // below half an ulp: s never changes
		{1, 0x1p-53, 100},           // exactly half an ulp, s even: stays
		{1 + 0x1p-52, 0x1p-53, 100}, // half an ulp, s odd: rounds up once, then stays
		{0x1p52, 1.5, 100000},       // ties every step
		{0x1p52 + 1, 2.5, 100000},
		{0x1p52, -1.5, 100000},
		{3, -0.1, 1000}, // down through zero
		{-3, 0.1, 1000}, // up through zero
		{5e-324, 5e-324, 100000},
		{0x1p-1022, -5e-324, 10000},
		{math.MaxFloat64 / 2, math.MaxFloat64 / 1e6, 2000000}, // overflows to +Inf
		{0x1p1023, 0x1p971, 100000},
		{0, math.NaN(), 5},
		{1, math.Inf(1), 5},
		{math.Inf(1), math.Inf(-1), 5},
		{math.Inf(-1), 1, 5},
		{negZero, 0, 3},
		{0, negZero, 3},
		{negZero, negZero, 3},
		{0.5, -0.5, 1},
		{0.5, -0.5, 2},
		{123.456, 0.000123, 1234567},
	}
	for _, c := range cases {
		if got, want := addRepeated(c.s, c.v, c.n), naiveAdd(c.s, c.v, c.n); !sameFloat(got, want) {
			t.Errorf("addRepeated(%v, %v, %d) = %v (%x), want %v (%x)", c.s, c.v, c.n, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
}

// TestAddRepeatedRandom compares with the loop on random sums, values of
// many magnitudes (timer values in seconds mostly) and counts.
func TestAddRepeatedRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	iters := 3000
	if testing.Short() {
		iters = 300
	}
	for range iters {
		s := randFloat(r)
		v := randFloat(r)
		n := uint64(r.IntN(20000))
		if r.IntN(4) == 0 {
			// A tie: v is a half-integer number of s's ulps.
			_, exp := math.Frexp(s)
			v = math.Ldexp(float64(r.IntN(9))+0.5, exp-53)
			if r.IntN(2) == 0 {
				v = -v
			}
		}
		if got, want := addRepeated(s, v, n), naiveAdd(s, v, n); !sameFloat(got, want) {
			t.Fatalf("addRepeated(%v, %v, %d) = %v, want %v", s, v, n, got, want)
		}
	}
}

func randFloat(r *rand.Rand) float64 {
	var f float64
	switch r.IntN(5) {
	case 0:
		f = float64(r.IntN(1000)) / 1000 // a millisecond timer
	case 1:
		f = r.Float64() * math.Pow(10, float64(r.IntN(40)-20))
	case 2:
		f = math.Ldexp(1, r.IntN(2100)-1074)
	case 3:
		f = 0
	default:
		f = r.NormFloat64() * 1000
	}
	if r.IntN(3) == 0 {
		f = -f
	}
	return f
}

// FuzzAddRepeated checks addRepeated against the loop.
func FuzzAddRepeated(f *testing.F) {
	f.Add(0.0, 0.001, uint32(1000))
	f.Add(float64(0x1p52), 1.5, uint32(100))
	f.Add(-3.0, 0.1, uint32(1000))
	f.Fuzz(func(t *testing.T, s, v float64, n uint32) {
		n %= 1 << 17
		if got, want := addRepeated(s, v, uint64(n)), naiveAdd(s, v, uint64(n)); !sameFloat(got, want) {
			t.Fatalf("addRepeated(%v, %v, %d) = %v, want %v", s, v, n, got, want)
		}
	})
}

func BenchmarkAddRepeated(b *testing.B) {
	for b.Loop() {
		_ = addRepeated(12.345, 0.0123, 1e7)
	}
}
