package jsonsel

import (
	"encoding/json"
	"math"
	"strconv"

	"k8s.io/client-go/util/jsonpath"
)

// json_exporter's reading of values: what jsonpath printed, unquoted and
// converted to a sample value or a label value as json_exporter does.

// exporterValue reads a value selected by an Exporter selector: exact
// says the selector's path ends on it.
func (s *scanner) exporterValue(from, to, sel, depth int, exact bool) error {
	obj := s.p.sels[sel].objectMode()
	c := s.b[s.i]
	switch {
	case c == '{' && exact && obj:
		return s.object(from, to, sel, depth)
	case exact && obj:
		// json_exporter reads the values of an element that is not an
		// object too: its fields are missing, its constants are not.
		return s.hold(sel, depth, func() error { return s.skip(depth) })
	case c == '{' || c == '[':
		// printed as JSON by jsonpath: not a number
		return s.skip(depth)
	case !exact && (s.holding != depth || s.curOut == ""):
		return s.skip(depth)
	}
	return s.scalar(sel)
}

// ExporterValue is json_exporter's conversion of what jsonpath printed to
// a sample value: unquoted, then a float, a boolean, or "<nil>" (NaN).
func ExporterValue(printed string) (float64, bool) {
	return ExporterSanitize(ExporterUnquote(printed))
}

// ExporterSanitize is json_exporter's conversion of an unquoted result:
// a float, a boolean, or "<nil>" (NaN).
func ExporterSanitize(v string) (float64, bool) {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f, true
	}
	if b, err := strconv.ParseBool(v); err == nil {
		if b {
			return 1, true
		}
		return 0, true
	}
	if v == "<nil>" {
		return math.NaN(), true
	}
	return 0, false
}

// ExporterUnquote unquotes what jsonpath printed as json_exporter does.
func ExporterUnquote(printed string) string {
	if u, err := jsonpath.UnquoteExtend(printed); err == nil {
		return u
	}
	return printed
}

// exporterLabel is the label value json_exporter gives a field that is
// not a string: raw is the field's JSON.
func exporterLabel(raw []byte) string {
	switch c := raw[0]; {
	case c == '-' || c >= '0' && c <= '9':
		f, _ := strconv.ParseFloat(string(raw), 64)
		return strconv.FormatFloat(f, 'g', -1, 64)
	case c == '{' || c == '[':
		// jsonpath prints maps and slices with json.Marshal.
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return ""
		}
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return ExporterUnquote(string(b))
	}
	return string(raw) // true, false, null
}
