package mbean

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/rosetta-adapter/rosetta/internal/javafmt"
)

// Attribute values, as both transports convert them. A value is one of: nil, bool, string,
// Number, Date, EnumValue, *Composite, *Tabular, ArrayValue or Unsupported; an attribute's own
// value (not a composite's item) read in a pipelined run may be a *Number instead of a Number
// (rmi.RunBuffers), which JavaString and the exporter take alike.

// Number is a java.lang.Number (or an atomic or adder): its value as a
// float64 (Number.doubleValue) and its Java toString.
type Number struct {
	Class string
	Float float64
	Text  string
}

// Date is a java.util.Date.
type Date struct {
	Millis int64
}

// EnumValue is a Java enum constant.
type EnumValue struct {
	Class, Name string
}

// Composite is javax.management.openmbean.CompositeData.
type Composite struct {
	TypeName    string
	Description string
	Keys        []string // sorted, as CompositeType.keySet()
	Items       map[string]any
}

// Tabular is javax.management.openmbean.TabularData.
type Tabular struct {
	TypeName    string
	Description string // of the row type
	IndexNames  []string
	RowKeys     []string // the row type's keys, sorted
	Rows        []*Composite
}

// ArrayValue is an array (jmx_exporter ignores arrays).
type ArrayValue struct {
	Class string
	Len   int
}

// Unsupported is any other object.
type Unsupported struct {
	Class string
}

// MaxConvertDepth bounds the nesting of a converted value (composites in
// composites), in both transports and in the exporter's walk.
const MaxConvertDepth = 32

// MaxConvertNodes bounds the values one conversion builds: a stream can
// share one object many times (a DAG), which conversion would expand into
// a tree.
const MaxConvertNodes = 1 << 16

// BigDecimal formats unscaled×10^-scale as BigDecimal.toString does.
func BigDecimal(unscaled *big.Int, scale int32) Number {
	f, _ := new(big.Float).SetInt(unscaled).Float64()
	f /= math.Pow10(int(scale))
	coeff := new(big.Int).Abs(unscaled).String()
	neg := unscaled.Sign() < 0
	adjusted := -int64(scale) + int64(len(coeff)-1)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case scale == 0:
		b.WriteString(coeff)
	case scale > 0 && adjusted >= -6:
		pad := int(scale) - len(coeff)
		if pad >= 0 {
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", pad))
			b.WriteString(coeff)
		} else {
			b.WriteString(coeff[:len(coeff)-int(scale)])
			b.WriteByte('.')
			b.WriteString(coeff[len(coeff)-int(scale):])
		}
	default:
		b.WriteString(coeff[:1])
		if len(coeff) > 1 {
			b.WriteByte('.')
			b.WriteString(coeff[1:])
		}
		b.WriteByte('E')
		if adjusted >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.FormatInt(adjusted, 10))
	}
	return Number{Class: "java.math.BigDecimal", Float: f, Text: b.String()}
}

// JavaString is String.valueOf(v) for the values jmx_exporter formats.
func JavaString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case Number:
		return x.Text
	case *Number: // a value as rmi.RunBuffers holds it
		if x == nil {
			return "null"
		}
		return x.Text
	case EnumValue:
		return x.Name
	case Date:
		return javafmt.Float(float64(x.Millis)/1000.0, 64)
	case *Composite:
		var b strings.Builder
		composite(&b, x, 0)
		return b.String()
	case ArrayValue:
		return x.Class
	case Unsupported:
		return x.Class
	}
	return ""
}

// maxStringForm bounds the toString of a composite: converted values may
// share sub-values, so their text could grow exponentially.
const maxStringForm = 64 << 10

// composite writes CompositeDataSupport.toString.
func composite(b *strings.Builder, c *Composite, depth int) {
	b.WriteString("javax.management.openmbean.CompositeDataSupport(compositeType=")
	b.WriteString(c.TypeName)
	b.WriteString(",contents={")
	for i, k := range c.Keys {
		if b.Len() > maxStringForm || depth > MaxConvertDepth {
			b.WriteString("...")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteByte('=')
		if sub, ok := c.Items[k].(*Composite); ok {
			composite(b, sub, depth+1)
		} else {
			b.WriteString(JavaString(c.Items[k]))
		}
	}
	b.WriteString("})")
}
