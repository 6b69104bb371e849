package jmx

import (
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// Attribute values after Convert. A value is one of: nil, bool, string,
// Number, Date, EnumValue, *Composite, *Tabular, ArrayValue or Unsupported.

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

const maxConvertDepth = 32

// maxConvertNodes bounds the values one Convert call builds: a stream can
// share one object many times (a DAG), which conversion would expand into
// a tree.
const maxConvertNodes = 1 << 16

// maxBigIntegerBytes bounds the magnitude of a BigInteger (or a
// BigDecimal's unscaled value) that is converted: its decimal text costs
// time quadratic in its length, and a metric never needs 2,400 digits.
const maxBigIntegerBytes = 1 << 10

// Convert interprets a decoded serialization value as an attribute value.
func Convert(v any) any {
	cv := newConverter()
	return cv.convert(v, 0)
}

// converter converts the values of one reply. All the values of a reply
// share one converter, so that they share its budget and its memo: a
// reply whose attributes all reference one big value converts it once.
type converter struct {
	budget int
	onPath []*Object
	// done memoizes objects already converted: a stream may reference one
	// object many times, and converting it once keeps the work linear.
	done map[*Object]any
	// bigs memoizes BigIntegers (a BigDecimal's unscaled value too).
	bigs map[*Object]*big.Int
	// cut counts values replaced by Unsupported because a budget or a
	// limit was reached.
	cut int
}

func newConverter() *converter { return &converter{budget: maxConvertNodes} }

func (cv *converter) convert(v any, depth int) any {
	cv.budget--
	if depth > maxConvertDepth || cv.budget < 0 {
		cv.cut++
		return Unsupported{Class: "(too large)"}
	}
	switch x := v.(type) {
	case nil, string:
		return x
	case *Enum:
		return EnumValue{Class: className(x), Name: x.Constant}
	case *Array:
		n := len(x.Elems)
		if x.Prim != nil {
			n = primLen(x.Prim)
		}
		return ArrayValue{Class: x.Class.Name, Len: n}
	case *Object:
		for _, p := range cv.onPath {
			if p == x {
				return Unsupported{Class: "(cycle)"}
			}
		}
		if r, ok := cv.done[x]; ok {
			return r
		}
		cv.onPath = append(cv.onPath, x)
		r := cv.convertObject(x, depth)
		cv.onPath = cv.onPath[:len(cv.onPath)-1]
		if cv.done == nil {
			cv.done = map[*Object]any{}
		}
		cv.done[x] = r
		return r
	}
	return Unsupported{Class: className(v)}
}

func primLen(p any) int {
	switch s := p.(type) {
	case []byte:
		return len(s)
	case []bool:
		return len(s)
	case []int16:
		return len(s)
	case []int32:
		return len(s)
	case []int64:
		return len(s)
	case []float32:
		return len(s)
	case []float64:
		return len(s)
	}
	return 0
}

func (cv *converter) convertObject(o *Object, depth int) any {
	name := o.Class.Name
	switch name {
	case "java.lang.Boolean":
		b, _ := o.Field(name, "value")
		if bv, ok := b.(bool); ok {
			return bv
		}
	case "java.lang.Byte", "java.lang.Short", "java.lang.Integer", "java.lang.Long",
		"java.util.concurrent.atomic.AtomicInteger", "java.util.concurrent.atomic.AtomicLong",
		"java.util.concurrent.atomic.LongAdder$SerializationProxy",
		"java.util.concurrent.atomic.LongAccumulator$SerializationProxy":
		if n, ok := intField(o, "value"); ok {
			return Number{Class: name, Float: float64(n), Text: strconv.FormatInt(n, 10)}
		}
	case "java.lang.Float":
		if f, ok := o.Field(name, "value"); ok {
			if fv, ok := f.(float32); ok {
				return Number{Class: name, Float: float64(fv), Text: javaFloat(float64(fv), 32)}
			}
		}
	case "java.lang.Double", "java.util.concurrent.atomic.DoubleAdder$SerializationProxy",
		"java.util.concurrent.atomic.DoubleAccumulator$SerializationProxy":
		if f, ok := o.Field(name, "value"); ok {
			if fv, ok := f.(float64); ok {
				return Number{Class: name, Float: fv, Text: javaFloat(fv, 64)}
			}
		}
	case "java.math.BigInteger":
		if b := cv.bigInt(o); b != nil {
			f, _ := new(big.Float).SetInt(b).Float64()
			return Number{Class: name, Float: f, Text: b.String()}
		}
	case "java.math.BigDecimal":
		iv, _ := o.Field(name, "intVal")
		sc, _ := o.Field(name, "scale")
		io, _ := iv.(*Object)
		s, ok := sc.(int32)
		// The text of a scale far outside the digits is as long as the
		// scale: bound it like the magnitude.
		if io != nil && ok && s > -8*maxBigIntegerBytes && s < 8*maxBigIntegerBytes {
			if b := cv.bigInt(io); b != nil {
				return bigDecimal(b, s)
			}
		}
	case "java.util.Date", "java.sql.Timestamp":
		cr := newCustomReader(o.Custom("java.util.Date"))
		if ms, err := cr.i64(); err == nil {
			return Date{Millis: ms}
		}
	case "javax.management.openmbean.CompositeDataSupport":
		if c := cv.compositeOf(o, depth); c != nil {
			return c
		}
	case "javax.management.openmbean.TabularDataSupport":
		if t := cv.tabularOf(o, depth); t != nil {
			return t
		}
	}
	if o.Is("java.lang.Number") {
		if n, ok := intField(o, "value"); ok {
			return Number{Class: name, Float: float64(n), Text: strconv.FormatInt(n, 10)}
		}
	}
	return Unsupported{Class: name}
}

func intField(o *Object, field string) (int64, bool) {
	v, ok := o.Field("", field)
	if !ok {
		return 0, false
	}
	switch n := v.(type) {
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}

// bigInt is bigIntOf, memoized and bounded (maxBigIntegerBytes).
func (cv *converter) bigInt(o *Object) *big.Int {
	if b, ok := cv.bigs[o]; ok {
		return b
	}
	mg, _ := o.Field("java.math.BigInteger", "magnitude")
	if a, ok := mg.(*Array); ok {
		if p, ok := a.Prim.([]byte); ok && len(p) > maxBigIntegerBytes {
			cv.cut++
			return nil
		}
	}
	b := bigIntOf(o)
	if cv.bigs == nil {
		cv.bigs = map[*Object]*big.Int{}
	}
	cv.bigs[o] = b
	return b
}

func bigIntOf(o *Object) *big.Int {
	sg, _ := o.Field("java.math.BigInteger", "signum")
	mg, _ := o.Field("java.math.BigInteger", "magnitude")
	s, ok := sg.(int32)
	a, ok2 := mg.(*Array)
	if !ok || !ok2 {
		return nil
	}
	b, ok := a.Prim.([]byte)
	if !ok {
		return nil
	}
	r := new(big.Int).SetBytes(b)
	if s < 0 {
		r.Neg(r)
	}
	return r
}

// bigDecimal formats unscaled×10^-scale as BigDecimal.toString does.
func bigDecimal(unscaled *big.Int, scale int32) Number {
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

// javaFloat formats f as Java's Double.toString (bits 64) or
// Float.toString (bits 32) do: plain notation with at least one decimal in
// [1e-3, 1e7), computerized scientific notation outside it.
func javaFloat(f float64, bits int) string {
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

func openTypeName(v any) (typeName, description string) {
	o, ok := v.(*Object)
	if !ok {
		return "", ""
	}
	if s, ok := o.Field("javax.management.openmbean.OpenType", "typeName"); ok {
		typeName, _ = s.(string)
	}
	if s, ok := o.Field("javax.management.openmbean.OpenType", "description"); ok {
		description, _ = s.(string)
	}
	return typeName, description
}

// compositeTypeKeys returns the item names of a CompositeType, sorted.
func compositeTypeKeys(v any) []string {
	o, ok := v.(*Object)
	if !ok {
		return nil
	}
	m, _ := o.Field("javax.management.openmbean.CompositeType", "nameToType")
	ents, _ := mapEntries(m, 0)
	keys := make([]string, 0, len(ents))
	for _, e := range ents {
		if s, ok := e[0].(string); ok {
			keys = append(keys, s)
		}
	}
	sort.Strings(keys)
	return keys
}

func (cv *converter) compositeOf(o *Object, depth int) *Composite {
	ct, _ := o.Field("javax.management.openmbean.CompositeDataSupport", "compositeType")
	contents, _ := o.Field("javax.management.openmbean.CompositeDataSupport", "contents")
	ents, ok := mapEntries(contents, 0)
	if !ok {
		return nil
	}
	c := &Composite{Items: make(map[string]any, len(ents))}
	c.TypeName, c.Description = openTypeName(ct)
	for _, e := range ents {
		k, ok := e[0].(string)
		if !ok {
			continue
		}
		c.Keys = append(c.Keys, k)
		c.Items[k] = cv.convert(e[1], depth+1)
	}
	sort.Strings(c.Keys)
	return c
}

func (cv *converter) tabularOf(o *Object, depth int) *Tabular {
	tt, _ := o.Field("javax.management.openmbean.TabularDataSupport", "tabularType")
	dm, _ := o.Field("javax.management.openmbean.TabularDataSupport", "dataMap")
	tto, ok := tt.(*Object)
	if !ok {
		return nil
	}
	t := &Tabular{}
	t.TypeName, _ = openTypeName(tto)
	rt, _ := tto.Field("javax.management.openmbean.TabularType", "rowType")
	_, t.Description = openTypeName(rt)
	t.RowKeys = compositeTypeKeys(rt)
	in, _ := tto.Field("javax.management.openmbean.TabularType", "indexNames")
	idx, _ := collectionElems(in, 0)
	for _, e := range idx {
		if s, ok := e.(string); ok {
			t.IndexNames = append(t.IndexNames, s)
		}
	}
	ents, ok := mapEntries(dm, 0)
	if !ok {
		return nil
	}
	for _, e := range ents {
		if r, ok := cv.convert(e[1], depth+1).(*Composite); ok {
			t.Rows = append(t.Rows, r)
		}
	}
	return t
}

// javaString is String.valueOf(v) for the values jmx_exporter formats.
func javaString(v any) string {
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
	case EnumValue:
		return x.Name
	case Date:
		return javaFloat(float64(x.Millis)/1000.0, 64)
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
		if b.Len() > maxStringForm || depth > maxConvertDepth {
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
			b.WriteString(javaString(c.Items[k]))
		}
	}
	b.WriteString("})")
}
