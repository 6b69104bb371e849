package main

import "math"

// The ramp: the rates an ingest run tries, up to the highest one a server
// takes without loss.

// Ramp limits (see ramp).
const (
	rampGrowth  = 1.25
	rampCeiling = 100_000_000
	rampFloor   = 1_000
)

// ramp finds the highest rate a server takes without loss, calling try
// for each rate it tries (try says whether the step was lossless and the
// rate the sender achieved): every rate of rates in turn and past the last
// on in steps of rampGrowth until the first loss (the list's top never
// caps a server), or halving from the first rate down to rampFloor when
// even that one lost lines. Then it bisects between the highest lossless
// and the lowest lossy rate until they differ by at most resolution, so
// that a ratio near a target (3.9x or 4.1x) is told apart. When, before
// any loss, the sender falls short of a rate (by 5%) and got no faster
// than at the lossless steps before, the ramp ends there and ramp returns
// that rate: the limit found is the sender's, not the server's.
func ramp(rates []int, resolution float64, try func(rate int) (lossless bool, achieved float64, err error)) (int, error) {
	lo, hi := 0, 0 // highest lossless and lowest lossy rate tried
	best := 0.0    // highest rate achieved without loss
	// step tries rate; stop is set when the sender plateaued before any
	// loss. Once a rate lost lines, a lossless step the sender fell short
	// of is only a lossless one: the bracket is the server's.
	step := func(rate int) (ok, stop bool, err error) {
		ok, achieved, err := try(rate)
		if err != nil || !ok {
			return false, false, err
		}
		plateau := hi == 0 && achieved < 0.95*float64(rate) && achieved < 1.02*best
		best = max(best, achieved)
		return true, plateau, nil
	}
	for i, rate := 0, 0; ; i++ {
		switch {
		case lo == 0 && hi > 0: // the first rate lost lines
			if rate = roundRate(float64(hi) / 2); rate < rampFloor {
				return 0, nil
			}
		case i < len(rates):
			rate = rates[i]
		case rate < rampCeiling:
			rate = roundRate(float64(rate) * rampGrowth)
		default:
			return 0, nil
		}
		ok, stop, err := step(rate)
		if err != nil {
			return 0, err
		}
		if stop {
			return rate, nil
		}
		if !ok {
			hi = rate
			if lo > 0 {
				break
			}
			continue
		}
		lo = rate
		if hi > 0 { // found going down
			break
		}
	}
	for float64(hi) > float64(lo)*(1+resolution) {
		mid := roundRate(math.Sqrt(float64(lo) * float64(hi)))
		if mid <= lo || mid >= hi {
			break
		}
		ok, stop, err := step(mid)
		if err != nil {
			return 0, err
		}
		if stop {
			return mid, nil
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return 0, nil
}

// roundRate rounds a rate to three significant digits: rates a reader can
// compare, fine enough for the bisection's 2%.
func roundRate(r float64) int {
	unit := math.Pow(10, math.Floor(math.Log10(max(r, 1000)))-2)
	return int(math.Round(r/unit) * unit)
}
