package rmi

import (
	"math/big"
	"reflect"
	"sort"
	"strconv"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	"github.com/rosetta-adapter/rosetta/internal/javafmt"
)

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
// It is used as a local variable: its first objects are held in arrays
// in it, as a reply of boxed numbers has a handful.
type converter struct {
	budget int
	// onPath holds the objects being converted, outer first: at most
	// MaxConvertDepth+1, as a deeper value is cut.
	onPath [mbean.MaxConvertDepth + 2]*javaser.Object
	nPath  int
	// done memoizes objects already converted: a stream may reference one
	// object many times, and converting it once keeps the work linear.
	// The first ones are in doneFew, the others in done.
	doneFew  [16]memo
	nDoneFew int
	done     map[*javaser.Object]any
	// bigs memoizes BigIntegers (a BigDecimal's unscaled value too).
	bigs map[*javaser.Object]*big.Int
	// cut counts values replaced by Unsupported because a budget or a
	// limit was reached.
	cut int
}

type memo struct {
	o *javaser.Object
	v any
}

func newConverter() converter { return converter{budget: mbean.MaxConvertNodes} }

func (cv *converter) memoized(o *javaser.Object) (any, bool) {
	for i := range cv.nDoneFew {
		if cv.doneFew[i].o == o {
			return cv.doneFew[i].v, true
		}
	}
	r, ok := cv.done[o]
	return r, ok
}

func (cv *converter) memoize(o *javaser.Object, r any) {
	if cv.nDoneFew < len(cv.doneFew) {
		cv.doneFew[cv.nDoneFew] = memo{o, r}
		cv.nDoneFew++
		return
	}
	if cv.done == nil {
		cv.done = map[*javaser.Object]any{}
	}
	cv.done[o] = r
}

func (cv *converter) convert(v any, depth int) any {
	cv.budget--
	if depth > mbean.MaxConvertDepth || cv.budget < 0 {
		cv.cut++
		return mbean.Unsupported{Class: "(too large)"}
	}
	switch x := v.(type) {
	case nil, string:
		return x
	case *javaser.Boxed:
		// What convertObject makes of the Object the wrapper would be.
		if x.Type == 'Z' {
			return x.Bool()
		}
		return boxedNumber(x)
	case *javaser.Enum:
		return mbean.EnumValue{Class: className(x), Name: x.Constant}
	case *javaser.Array:
		n := len(x.Elems)
		if x.Prim != nil {
			n = reflect.ValueOf(x.Prim).Len() // a slice of one primitive type
		}
		return mbean.ArrayValue{Class: x.Class.Name, Len: n}
	case *javaser.Object:
		for _, p := range cv.onPath[:cv.nPath] {
			if p == x {
				return mbean.Unsupported{Class: "(cycle)"}
			}
		}
		if r, ok := cv.memoized(x); ok {
			return r
		}
		cv.onPath[cv.nPath] = x // depth <= MaxConvertDepth: room left
		cv.nPath++
		r := cv.convertObject(x, depth)
		cv.nPath--
		cv.onPath[cv.nPath] = nil
		cv.memoize(x, r)
		return r
	}
	return mbean.Unsupported{Class: className(v)}
}

func (cv *converter) convertObject(o *javaser.Object, depth int) any {
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
			return intNumber(name, n)
		}
	case "java.lang.Float":
		if f, ok := o.Field(name, "value"); ok {
			if fv, ok := f.(float32); ok {
				return floatNumber(name, fv)
			}
		}
	case "java.lang.Double", "java.util.concurrent.atomic.DoubleAdder$SerializationProxy",
		"java.util.concurrent.atomic.DoubleAccumulator$SerializationProxy":
		if f, ok := o.Field(name, "value"); ok {
			if fv, ok := f.(float64); ok {
				return doubleNumber(name, fv)
			}
		}
	case "java.math.BigInteger":
		if b := cv.bigInt(o); b != nil {
			f, _ := new(big.Float).SetInt(b).Float64()
			return mbean.Number{Class: name, Float: f, Text: b.String()}
		}
	case "java.math.BigDecimal":
		iv, _ := o.Field(name, "intVal")
		sc, _ := o.Field(name, "scale")
		io, _ := iv.(*javaser.Object)
		s, ok := sc.(int32)
		// The text of a scale far outside the digits is as long as the
		// scale: bound it like the magnitude.
		if io != nil && ok && s > -8*maxBigIntegerBytes && s < 8*maxBigIntegerBytes {
			if b := cv.bigInt(io); b != nil {
				return mbean.BigDecimal(b, s)
			}
		}
	case "java.util.Date", "java.sql.Timestamp":
		cr := javaser.NewCustomReader(o.Custom("java.util.Date"))
		if ms, err := cr.I64(); err == nil {
			return mbean.Date{Millis: ms}
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
			return intNumber(name, n)
		}
	}
	return mbean.Unsupported{Class: name}
}

// boxedNumber is the Number of a Boxed other than a Boolean.
func boxedNumber(x *javaser.Boxed) mbean.Number {
	name := x.Class.Name
	switch x.Type {
	case 'F':
		return floatNumber(name, x.Float32())
	case 'D':
		return doubleNumber(name, x.Float64())
	}
	return intNumber(name, x.Int())
}

// convertTop is convert(v, 0), except that when nums is not nil and has
// room, a boxed number is appended to it and returned as the pointer to
// it there: an interface holds a pointer without an allocation.
func (cv *converter) convertTop(v any, nums *[]mbean.Number) any {
	b, ok := v.(*javaser.Boxed)
	if !ok || b.Type == 'Z' || nums == nil || len(*nums) == cap(*nums) || cv.budget < 1 {
		return cv.convert(v, 0)
	}
	cv.budget-- // as convert charges it
	*nums = append(*nums, boxedNumber(b))
	return &(*nums)[len(*nums)-1]
}

func intNumber(class string, n int64) mbean.Number {
	return mbean.Number{Class: class, Float: float64(n), Text: strconv.FormatInt(n, 10)}
}

func floatNumber(class string, f float32) mbean.Number {
	return mbean.Number{Class: class, Float: float64(f), Text: javafmt.Float(float64(f), 32)}
}

func doubleNumber(class string, f float64) mbean.Number {
	return mbean.Number{Class: class, Float: f, Text: javafmt.Float(f, 64)}
}

// fieldOf returns the value of o's field class.name (any class's when
// class is "") as a T, or T's zero value when o has no such field or its
// value is not a T.
func fieldOf[T any](o *javaser.Object, class, name string) T {
	v, _ := o.Field(class, name)
	t, _ := v.(T)
	return t
}

func intField(o *javaser.Object, field string) (int64, bool) {
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
func (cv *converter) bigInt(o *javaser.Object) *big.Int {
	if b, ok := cv.bigs[o]; ok {
		return b
	}
	mg, _ := o.Field("java.math.BigInteger", "magnitude")
	if a, ok := mg.(*javaser.Array); ok {
		if p, ok := a.Prim.([]byte); ok && len(p) > maxBigIntegerBytes {
			cv.cut++
			return nil
		}
	}
	b := bigIntOf(o)
	if cv.bigs == nil {
		cv.bigs = map[*javaser.Object]*big.Int{}
	}
	cv.bigs[o] = b
	return b
}

func bigIntOf(o *javaser.Object) *big.Int {
	sg, _ := o.Field("java.math.BigInteger", "signum")
	mg, _ := o.Field("java.math.BigInteger", "magnitude")
	s, ok := sg.(int32)
	a, ok2 := mg.(*javaser.Array)
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

func openTypeName(v any) (typeName, description string) {
	o, ok := v.(*javaser.Object)
	if !ok {
		return "", ""
	}
	typeName = fieldOf[string](o, "javax.management.openmbean.OpenType", "typeName")
	description = fieldOf[string](o, "javax.management.openmbean.OpenType", "description")
	return typeName, description
}

// compositeTypeKeys returns the item names of a CompositeType, sorted.
func compositeTypeKeys(v any) []string {
	o, ok := v.(*javaser.Object)
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

func (cv *converter) compositeOf(o *javaser.Object, depth int) *mbean.Composite {
	ct, _ := o.Field("javax.management.openmbean.CompositeDataSupport", "compositeType")
	contents, _ := o.Field("javax.management.openmbean.CompositeDataSupport", "contents")
	ents, ok := mapEntries(contents, 0)
	if !ok {
		return nil
	}
	c := &mbean.Composite{Items: make(map[string]any, len(ents))}
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

func (cv *converter) tabularOf(o *javaser.Object, depth int) *mbean.Tabular {
	tt, _ := o.Field("javax.management.openmbean.TabularDataSupport", "tabularType")
	dm, _ := o.Field("javax.management.openmbean.TabularDataSupport", "dataMap")
	tto, ok := tt.(*javaser.Object)
	if !ok {
		return nil
	}
	t := &mbean.Tabular{}
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
		if r, ok := cv.convert(e[1], depth+1).(*mbean.Composite); ok {
			t.Rows = append(t.Rows, r)
		}
	}
	return t
}
