package outputs

import "math"

// maxCount is where an observer's counts stop growing. A sampled StatsD
// line is up to 2^32-1 observations (max_sample_rate_repeat), so about 2^32
// such lines would wrap a uint64 count, which Prometheus would read as a
// reset; a count saturates instead. It is MaxInt64, not MaxUint64, since a
// native histogram writes its bucket counts as int64 deltas.
const maxCount = math.MaxInt64

// addCount returns c + n, or maxCount where that is more.
func addCount(c, n uint64) uint64 {
	if n > maxCount-min(c, maxCount) {
		return maxCount
	}
	return c + n
}

// addRepeated returns s after n additions s += v, each rounded as float64
// addition rounds: the sum client_golang's histograms and summaries reach
// when one value is observed n times (a StatsD timer sent with a sample
// rate, which statsd_exporter observes int(1/rate) times). It takes
// O(log n) steps, not n: while s stays in one binade, every addition of v
// adds the same multiple of the binade's ulp, so many of them are one
// exact multiplication.
func addRepeated(s, v float64, n uint64) float64 {
	if n <= 8 {
		// One observation, nearly always: no binade arithmetic.
		for range n {
			s += v
		}
		return s
	}
	for n > 0 {
		if v == 0 || math.IsNaN(s) || math.IsInf(s, 0) || math.IsNaN(v) || math.IsInf(v, 0) {
			// One addition gives what any further one keeps: s + 0,
			// NaN, or an infinity (which a finite v or the same
			// infinity leaves as it is).
			return s + v
		}
		if k, t, ok := addSteps(s, v, n); ok {
			s, n = t, n-k
			continue
		}
		t := s + v
		n--
		if t == s {
			return s // v is below half an ulp of s: s never changes
		}
		s = t
	}
	return s
}

// addSteps takes k (1 <= k <= n) additions of v to the finite, non-zero s
// at once when it can; ok is false when the next addition must be done on
// its own (s is zero, near the edge of its binade, or v is too large for
// s's binade).
func addSteps(s, v float64, n uint64) (k uint64, t float64, ok bool) {
	if s == 0 {
		return 0, 0, false
	}
	neg := s < 0
	if neg {
		// Round-to-nearest-even is symmetric: -(a+b) == (-a)+(-b).
		s, v = -s, -v
	}
	// The values of the binade: lo + X*2^e for integer X in [0, top].
	var (
		lo  float64
		e   int
		top float64
	)
	if s < 0x1p-1021 {
		// Subnormals and the first normal binade share the finest ulp.
		lo, e, top = 0, -1074, 0x1p53
	} else {
		_, exp := math.Frexp(s) // s in [2^(exp-1), 2^exp)
		lo, e, top = math.Ldexp(1, exp-1), exp-53, 0x1p52
	}
	x := math.Ldexp(s-lo, -e) // s's X: an exact integer
	q := math.Ldexp(v, -e)    // v in ulps: exact unless far below 1
	if math.Abs(q) >= 0x1p51 {
		return 0, 0, false
	}
	// While the exact sum lo + (X+q)*2^e lies in [lo, lo+top*2^e], the
	// addition rounds X+q to the nearest integer, ties to even: it adds
	// r, which does not depend on X unless q is halfway between two
	// integers; then, once X is even, it adds the even one of them.
	if x+q < 0 || x+q > top {
		return 0, 0, false
	}
	m := math.Floor(q)
	var r float64
	switch f := q - m; {
	case f < 0.5:
		r = m
	case f > 0.5:
		r = m + 1
	case math.Mod(x, 2) != 0:
		return 0, 0, false // a tie with X odd: one addition makes X even
	case math.Mod(m, 2) == 0:
		r = m
	default:
		r = m + 1
	}
	if r == 0 {
		// s + v rounds back to s, and will every time.
		if neg {
			s = -s
		}
		return n, s, true
	}
	// k additions keep every exact sum in the binade while
	// (k-1)*|r| <= room; room and the division may each be off by one or
	// two (X is up to 2^53), so three fewer are taken.
	room := top - x - q
	if r < 0 {
		room = x + q
	}
	steps := math.Floor(room/math.Abs(r)) - 3
	if steps < 1 {
		return 0, 0, false
	}
	k = n
	if steps < float64(n) {
		k = uint64(steps)
	}
	t = lo + math.Ldexp(x+float64(k)*r, e)
	if neg {
		t = -t
	}
	return k, t, true
}
