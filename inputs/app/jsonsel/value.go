package jsonsel

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Scalar values: strings, literals and numbers converted to sample values
// by the selector's policy (native: numbers, units, state tables;
// json_exporter: ExporterValue).

// scalar reads a string, true, false, null or a number selected by sel
// and records its value. The selector's conversion policy decides what
// becomes a value: a native selector reads numeric, unit and state
// strings (stringValue) and keeps a number beyond float64's range (as
// ParseFloat rounds it); a json_exporter selector reads strings as
// json_exporter reads what jsonpath printed (ExporterValue) and skips such
// a number, whose float parse fails there.
func (s *scanner) scalar(sel int) error {
	sl := &s.p.sels[sel]
	switch c := s.b[s.i]; {
	case c == '"':
		str, err := s.strValue()
		if err != nil {
			return err
		}
		var v float64
		var ok bool
		if sl.exp {
			v, ok = ExporterValue(str)
		} else {
			v, ok = sl.stringValue(str)
		}
		if ok {
			return s.record(sel, v)
		}
		return nil
	case c == 't' || c == 'f' || c == 'n':
		lit, err := s.literal()
		if err != nil {
			return err
		}
		switch lit {
		case "true":
			return s.record(sel, 1)
		case "false":
			return s.record(sel, 0)
		}
		return nil
	case c == '-' || c >= '0' && c <= '9':
		start := s.i
		if err := s.number(); err != nil {
			return err
		}
		// For json_exporter, encoding/json reads the number as ParseFloat
		// does, jsonpath prints it with %v and json_exporter parses that
		// back: the same float64.
		v, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
		switch {
		case err != nil && !isRange(err):
			return s.errf("bad number %q", s.b[start:s.i])
		case err != nil && sl.exp:
			return nil
		}
		return s.record(sel, v)
	default:
		return s.errf("unexpected %s", s.what())
	}
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// stringValue converts a string value: the state table, a number, a
// number with a unit.
func (sl *selector) stringValue(str string) (float64, bool) {
	if v, ok := sl.values[str]; ok {
		return v, true
	}
	return ParseValue(str)
}

var byteUnits = []struct {
	suffix string
	mult   float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"PiB", 1 << 50},
	{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"PB", 1e15}, {"B", 1},
}

// ParseValue reads a number from a string: "12.5", "30%" (0.3), "1.5GB"
// (bytes), "512KiB", "12ms", "1h30m" (seconds). ok is false for other
// strings.
func ParseValue(str string) (float64, bool) {
	t := strings.TrimSpace(str)
	if t == "" {
		return 0, false
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			if strings.ContainsAny(t, "0123456789") {
				return f, true
			}
			return 0, false // "NaN", "Inf" as words are strings here
		}
		return f, true
	}
	if n, ok := strings.CutSuffix(t, "%"); ok {
		if f, err := strconv.ParseFloat(strings.TrimSpace(n), 64); err == nil {
			return f / 100, true
		}
		return 0, false
	}
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(t, u.suffix); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(n), 64); err == nil {
				return f * u.mult, true
			}
		}
	}
	if d, err := time.ParseDuration(strings.ReplaceAll(t, " ", "")); err == nil {
		return d.Seconds(), true
	}
	return 0, false
}
