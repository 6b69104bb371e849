// Package javafmt writes numbers as Java's toString does. The JMX model
// (a float attribute's text, which jmx_exporter matches rules against) and
// the jmx_exporter config reader (a YAML float read as SnakeYAML and Java
// read it) must write them alike, and neither may import the other.
package javafmt

import (
	"math"
	"strconv"
	"strings"
)

// Float formats f as Java's Double.toString (bits 64) or Float.toString
// (bits 32) do: the shortest digits that read back as f, in plain notation
// with at least one decimal in [1e-3, 1e7), in computerized scientific
// notation ("1.0E7", "1.0E-5") outside it.
func Float(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	a := math.Abs(f)
	if a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, bits) // e.g. 1.7e+09
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
