package mappings

import (
	"errors"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/internal/javafmt"
)

// jmx_exporter reads its config with SnakeYAML 1.x (YAML 1.1) into
// Java objects and then casts them ((Boolean), (Integer), (String)) or
// takes String.valueOf of them (pattern, value, valueFactor). javaScalar
// gives the Java object a scalar becomes: its kind and its String.valueOf.

// javaKind is the class of the object SnakeYAML makes of a scalar.
type javaKind uint8

const (
	javaString javaKind = iota
	javaNull
	javaBool
	javaInteger // Integer, Long or BigInteger (javaScalar's bits says which)
	javaDouble
	javaDate
	javaInvalid // a tagged value SnakeYAML cannot construct
)

// The implicit types of SnakeYAML 1.33 (YAML 1.1), written from the YAML
// 1.1 type definitions as SnakeYAML narrows them: a float needs a point or
// an exponent, an integer may have underscores, a 0 prefix is octal, a
// colon makes base 60.
var (
	snakeBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	snakeInt   = regexp.MustCompile(`^(?:[-+]?0b_*[01]+[01_]*|[-+]?0_*[0-7]+[0-7_]*|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x_*[0-9a-fA-F]+[0-9a-fA-F_]*|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	snakeFloat = regexp.MustCompile(`^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	snakeNull  = regexp.MustCompile(`^(?:~|null|Null|NULL| )?$`)
	snakeDate  = regexp.MustCompile(`^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$`)
)

// javaScalar returns the kind of object SnakeYAML makes of scalar n and
// its String.valueOf ("null" for null; a date keeps its text). bits is
// 32 for an Integer, 64 for a Long, 0 otherwise.
func javaScalar(n *yaml.Node) (kind javaKind, text string, bits int) {
	s := n.Value
	tag := ""
	if n.Style&yaml.TaggedStyle != 0 {
		tag = n.ShortTag()
	} else if n.Style&quotedStyles != 0 {
		return javaString, s, 0
	}
	switch {
	case tag == "!!str" || tag == "!!binary":
		return javaString, s, 0
	case tag == "!!null" || tag == "" && snakeNull.MatchString(s):
		return javaNull, "null", 0
	case tag == "!!bool" || tag == "" && snakeBool.MatchString(s):
		switch strings.ToLower(s) {
		case "yes", "true", "on":
			return javaBool, "true", 0
		case "no", "false", "off":
			return javaBool, "false", 0
		}
		return javaNull, "null", 0 // !!bool y: SnakeYAML makes null
	case tag == "!!int" || tag == "" && snakeInt.MatchString(s):
		v, ok := snakeInteger(s)
		if !ok {
			return javaInvalid, s, 0
		}
		bits = 0
		switch {
		case v.IsInt64() && v.Int64() >= math.MinInt32 && v.Int64() <= math.MaxInt32:
			bits = 32
		case v.IsInt64():
			bits = 64
		}
		return javaInteger, v.String(), bits
	case tag == "!!float" || tag == "" && snakeFloat.MatchString(s):
		f, ok := snakeDouble(s)
		if !ok {
			return javaInvalid, s, 0
		}
		return javaDouble, javafmt.Float(f, 64), 0
	case tag == "!!timestamp" || tag == "" && snakeDate.MatchString(s):
		return javaDate, s, 0
	case tag != "":
		return javaInvalid, s, 0
	}
	return javaString, s, 0
}

// snakeInteger constructs an integer as SnakeYAML does: underscores
// dropped, 0b binary, 0x hexadecimal, a leading 0 octal, colons base 60.
func snakeInteger(s string) (*big.Int, bool) {
	s = strings.ReplaceAll(s, "_", "")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	v := new(big.Int)
	ok := true
	switch {
	case s == "0":
	case strings.HasPrefix(s, "0b"):
		_, ok = v.SetString(s[2:], 2)
	case strings.HasPrefix(s, "0x"):
		_, ok = v.SetString(s[2:], 16)
	case strings.HasPrefix(s, "0"):
		_, ok = v.SetString(s[1:], 8)
	case strings.Contains(s, ":"):
		for _, d := range strings.Split(s, ":") {
			x, err := strconv.ParseInt(d, 10, 64)
			if err != nil {
				return nil, false
			}
			v.Mul(v, big.NewInt(60))
			v.Add(v, big.NewInt(x))
		}
	default:
		_, ok = v.SetString(s, 10)
	}
	if neg {
		v.Neg(v)
	}
	return v, ok
}

// snakeDouble constructs a float as SnakeYAML does.
func snakeDouble(s string) (float64, bool) {
	s = strings.ToLower(strings.ReplaceAll(s, "_", ""))
	sign := 1.0
	if s != "" && (s[0] == '-' || s[0] == '+') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	switch {
	case s == ".inf":
		return sign * math.Inf(1), true
	case s == ".nan":
		return math.NaN(), true
	case strings.Contains(s, ":"):
		parts := strings.Split(s, ":")
		v := 0.0
		for _, p := range parts[:len(parts)-1] {
			x, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				return 0, false
			}
			v = v*60 + float64(x)
		}
		last, err := strconv.ParseFloat(parts[len(parts)-1], 64)
		if err != nil {
			return 0, false
		}
		return sign * (v*60 + last), true
	}
	f, ok := javaParseDouble(s)
	return sign * f, ok
}

// javaDecimal is what Java's Double.valueOf reads (after trimming): an
// optional sign, NaN, Infinity, or a decimal with an optional exponent and
// an optional float or double suffix.
var javaDecimal = regexp.MustCompile(`^[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+[fFdD]?)$`)

// javaParseDouble is Java's Double.valueOf(s): decimal and hexadecimal
// ("0x1p3") floats.
func javaParseDouble(s string) (float64, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if !javaDecimal.MatchString(s) {
		return 0, false
	}
	s = strings.TrimRight(s, "fFdD")
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f, true // Java overflows to Infinity, underflows to 0
		}
		return 0, false
	}
	return f, true
}
