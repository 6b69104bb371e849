package benchenv

import (
	"cmp"
	"slices"
)

// Percentile is the value at fraction p (0 to 1) of xs sorted (a copy;
// xs is left alone): the element at index len·p, the last when that is
// past the end; the zero value when xs is empty.
func Percentile[T cmp.Ordered](xs []T, p float64) T {
	if len(xs) == 0 {
		var zero T
		return zero
	}
	s := slices.Sorted(slices.Values(xs))
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// Median is Percentile(xs, 0.5): the upper median when len(xs) is even.
func Median[T cmp.Ordered](xs []T) T { return Percentile(xs, 0.5) }
