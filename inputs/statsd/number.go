package statsd

import (
	"math"
	"strconv"
)

// Numbers: values parsed as strconv.ParseFloat parses them (with a fast
// path), and sample rates turned into repeats as statsd_exporter does.

// recordRepeat is Record.Repeat for repeat observations: 0 for one.
func recordRepeat(repeat int64) uint32 {
	if repeat <= 1 {
		return 0
	}
	return uint32(min(repeat, math.MaxUint32))
}

// repeats is int(1/rate) as statsd_exporter computes it on amd64: results
// that do not fit an int (and NaN) become its minimum, so none.
func repeats(rate float64) int64 {
	r := 1 / rate
	if r >= 1 && r < math.MaxInt64 {
		return int64(r)
	}
	return 0
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseFloat parses b as strconv.ParseFloat(string(b), 64) does and
// returns what it returns (ok is err == nil). Plain decimals of up to 15
// digits take a fast path whose result is exact: both the digits and the
// power of ten are exact doubles, and one IEEE division rounds correctly.
func parseFloat(b []byte) (float64, bool) {
	i := 0
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		i = 1
	}
	var (
		m      uint64
		nd     int
		frac   int
		sawDot bool
	)
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			nd++
			if sawDot {
				frac++
			}
			if nd > 15 {
				return parseFloatSlow(b)
			}
		case c == '.' && !sawDot:
			sawDot = true
		default:
			return parseFloatSlow(b)
		}
	}
	if nd == 0 {
		return parseFloatSlow(b)
	}
	f := float64(m)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	return f, true
}

func parseFloatSlow(b []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil
}
