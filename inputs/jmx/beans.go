package jmx

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	"github.com/rosetta-adapter/rosetta/internal/javafmt"
	"github.com/rosetta-adapter/rosetta/normalize"
)

var nan = math.NaN()

// prop returns the value of key, and "null" (Java's String.valueOf(null))
// when it is absent.
func propOr(props []mbean.Prop, key string) string {
	for _, p := range props {
		if p.Key == key {
			return p.Value
		}
	}
	return "null"
}

// Exporter turns attribute values into records with jmx_exporter's exact
// semantics (JmxScraper.processBeanValue and the collector's recordBean and
// defaultExport).
type Exporter struct {
	// LowercaseOutputName and LowercaseOutputLabelNames apply to the
	// default names and labels, as in jmx_exporter.
	LowercaseOutputName       bool
	LowercaseOutputLabelNames bool
	// Strings also emits records for String (and enum) values, marked
	// NoValue, so that rules with a `value` template can use them (the
	// engine drops them otherwise, as jmx_exporter does). Off,
	// only numbers and booleans become records, as only they become
	// samples without such a rule.
	Strings bool
	// Customizers are jmx_exporter's metricCustomizers (see Config).
	Customizers []MetricCustomizer
	// truncated counts attributes whose walk hit MaxRecordsPerAttribute or
	// the visit budget (records dropped); read with Truncated.
	truncated atomic.Int64
}

// Truncated returns and resets the count of attributes cut short.
func (x *Exporter) Truncated() int64 { return x.truncated.Swap(0) }

// skipAttribute reports the attributes jmx_exporter never reads.
func skipAttribute(bean, attr string) bool {
	if bean == "java.lang:type=Runtime" {
		switch attr {
		case "SystemProperties", "ClassPath", "BootClassPath", "LibraryPath":
			return true
		}
	}
	return false
}

// skipBean reports the beans jmx_exporter never reads.
func skipBean(bean string) bool {
	return bean == "jdk.management.jfr:type=FlightRecorder"
}

// Bean appends the records of one bean's attributes to out. descr maps
// attribute names to their MBeanAttributeInfo descriptions.
func (x *Exporter) Bean(out []normalize.Record, b *mbean.BeanName, descr map[string]string, attrs []mbean.Attribute) []normalize.Record {
	return x.bean(out, nil, nil, b, func(_ int, a string) string { return descr[a] }, attrs)
}

// bean is Bean with the descriptions from a function of the attribute's
// index in attrs and its name, the strings records repeat from in (nil:
// made for each record) and their match strings cut from arena (nil: one
// allocation each).
func (x *Exporter) bean(out []normalize.Record, in *interner, arena *textArena, b *mbean.BeanName, descr func(int, string) string, attrs []mbean.Attribute) []normalize.Record {
	start := len(out)
	bc := &beanCtx{in: in, arena: arena, props: b.Props}
	if len(b.Props) > 1 {
		// One label set for every record of the bean's own properties
		// (a Record's labels are read, never written).
		bc.labels = x.propLabels(in, b.Props)
	}
	c := x.customizer(b)
	var extra normalize.Labels
	if c != nil {
		for _, name := range c.AttributesAsLabels {
			for _, a := range attrs {
				if a.Name == name && a.Value != nil {
					ln := normalize.EscapeJMXName(name)
					if x.LowercaseOutputLabelNames {
						ln = strings.ToLower(ln)
					}
					extra = append(extra, normalize.Label{Name: ln, Value: mbean.JavaString(a.Value)})
					break
				}
			}
		}
		// Extra metrics come first, as jmx_exporter reads them before the
		// attributes.
		for _, m := range c.ExtraMetrics {
			w := newWalk(len(out))
			w.bc = bc
			out = x.value(out, &w, b, b.Props, nil, m.Name, m.Description, extraValue(m.Value), 0)
		}
	}
	defer func() {
		if len(extra) == 0 {
			return
		}
		// The attributes' values as labels, on every series of the bean,
		// whether a rule names it or not.
		for i := start; i < len(out); i++ {
			r := &out[i]
			r.Labels = append(r.Labels[:len(r.Labels):len(r.Labels)], extra...)
			r.DefaultLabels = append(r.DefaultLabels[:len(r.DefaultLabels):len(r.DefaultLabels)], extra...)
		}
	}()
	// One budget for the whole bean (one reply): attributes that share one
	// big value must not each get a budget of their own.
	bw := newWalk(len(out))
	bw.bc = bc
	bw.limit = len(out) + MaxRecordsPerBean
	bw.visits = 4 * mbean.MaxConvertNodes
	for i, a := range attrs {
		if skipAttribute(b.Name, a.Name) {
			continue
		}
		if bw.exhausted(len(out)) {
			x.truncated.Add(1)
			continue
		}
		// Each attribute may use at most MaxRecordsPerAttribute of what is
		// left, so one huge attribute does not starve the others.
		w := bw
		w.limit = min(bw.limit, len(out)+MaxRecordsPerAttribute)
		w.visits = min(bw.visits, mbean.MaxConvertNodes)
		out = x.value(out, &w, b, b.Props, nil, a.Name, descr(i, a.Name), a.Value, 0)
		bw.visits -= min(bw.visits, mbean.MaxConvertNodes) - w.visits
		bw.bytes = w.bytes
		if w.exhausted(len(out)) {
			x.truncated.Add(1)
		}
	}
	return out
}

// MaxRecordsPerAttribute bounds the records one attribute value (a huge or
// self-sharing TabularData) may produce, and MaxRecordsPerBean those of
// all the attributes of one bean (one reply) together.
const (
	MaxRecordsPerAttribute = 1 << 15
	MaxRecordsPerBean      = 1 << 16
)

// maxRecordBytesPerBean bounds the text (match strings and help) the
// records of one bean may build: a long string the reply references from
// every row would otherwise be copied into every record.
const maxRecordBytesPerBean = 32 << 20

// walk bounds one bean's walk: converted values may share sub-values,
// which the walk would expand.
type walk struct {
	limit  int // len(out) at which to stop
	visits int // values left to visit
	bytes  int // record text left to build
	bc     *beanCtx
}

// beanCtx is what the records of one bean share: the interner, the
// arena of their match strings and the labels of the bean's own key
// properties.
type beanCtx struct {
	in     *interner
	arena  *textArena
	props  []mbean.Prop // the bean's properties, which labels are made of
	labels normalize.Labels
}

func newWalk(start int) walk {
	return walk{limit: start + MaxRecordsPerAttribute, visits: mbean.MaxConvertNodes, bytes: maxRecordBytesPerBean}
}

// exhausted reports whether the walk has stopped (or must stop) with out
// at length n.
func (w *walk) exhausted(n int) bool { return n >= w.limit || w.visits < 0 || w.bytes < 0 }

func (x *Exporter) value(out []normalize.Record, w *walk, b *mbean.BeanName, props []mbean.Prop, attrKeys []string, attrName, descr string, v any, depth int) []normalize.Record {
	w.visits--
	if depth > mbean.MaxConvertDepth || w.exhausted(len(out)) {
		return out
	}
	switch val := v.(type) {
	case nil:
	case mbean.Number, *mbean.Number, bool, string:
		out = x.record(out, w, b, props, attrKeys, attrName, descr, val)
	case mbean.Date:
		out = x.record(out, w, b, props, attrKeys, attrName, descr,
			mbean.Number{Class: "java.lang.Double", Float: float64(val.Millis) / 1000.0, Text: mbean.JavaString(val)})
	case mbean.EnumValue:
		out = x.record(out, w, b, props, attrKeys, attrName, descr, val.Name)
	case *mbean.Composite:
		keys := append(attrKeys[:len(attrKeys):len(attrKeys)], attrName)
		for _, k := range val.Keys {
			out = x.value(out, w, b, props, keys, k, val.Description, val.Items[k], depth+1)
		}
	case *mbean.Tabular:
		ext := append(attrKeys[:len(attrKeys):len(attrKeys)], attrName)
		var valueKeys []string
		for _, k := range val.RowKeys {
			isIndex := false
			for _, ix := range val.IndexNames {
				if ix == k {
					isIndex = true
					break
				}
			}
			if !isIndex {
				valueKeys = append(valueKeys, k)
			}
		}
		for _, row := range val.Rows {
			l2s := slices.Clone(props)
			for _, idx := range val.IndexNames {
				obj := row.Items[idx]
				if obj == nil {
					continue
				}
				for hasProp(l2s, idx) {
					idx += "_"
				}
				if ck, ok := obj.(*mbean.Composite); ok {
					for _, sub := range ck.Keys {
						l2s = putProp(l2s, idx+"_"+sub, mbean.JavaString(ck.Items[sub]))
					}
				} else {
					l2s = putProp(l2s, idx, mbean.JavaString(obj))
				}
			}
			for _, vk := range valueKeys {
				names, name := ext, vk
				if strings.EqualFold(vk, "value") {
					names, name = attrKeys, attrName
				}
				out = x.value(out, w, b, l2s, names, name, val.Description, row.Items[vk], depth+1)
			}
		}
	}
	// Arrays and other types are not exported, as in jmx_exporter.
	return out
}

func hasProp(ps []mbean.Prop, k string) bool {
	for _, p := range ps {
		if p.Key == k {
			return true
		}
	}
	return false
}

// putProp is LinkedHashMap.put: replace in place or append.
func putProp(ps []mbean.Prop, k, v string) []mbean.Prop {
	for i := range ps {
		if ps[i].Key == k {
			ps[i].Value = v
			return ps
		}
	}
	return append(ps, mbean.Prop{Key: k, Value: v})
}

func (x *Exporter) record(out []normalize.Record, w *walk, b *mbean.BeanName, props []mbean.Prop, attrKeys []string, attrName, descr string, v any) []normalize.Record {
	var (
		value            float64
		noValue, boolean bool
	)
	switch val := v.(type) {
	case mbean.Number:
		value = val.Float
	case *mbean.Number:
		value = val.Float
	case bool:
		boolean = true
		if val {
			value = 1
		}
	case string:
		if !x.Strings {
			return out
		}
		value, noValue = nan, true
	}
	vs := mbean.JavaString(v)
	// The record's own text: its match string and help.
	size := 2*len(b.Domain) + len(vs) + len(descr) + 2*len(attrName) + 64
	for _, p := range props {
		size += len(p.Key) + len(p.Value) + 2
	}
	for _, k := range attrKeys {
		size += 2*len(k) + 2
	}
	if w.bytes -= size; w.bytes < 0 {
		return out
	}
	var in *interner
	if w.bc != nil {
		in = w.bc.in
	}
	// The match string is the record's own (it holds the value): made
	// in one allocation of its exact size.
	mlen := len(b.Domain) + len("<><>: ") + len(attrName) + len(vs)
	for i, p := range props {
		mlen += len(p.Key) + 1 + len(p.Value)
		if i > 0 {
			mlen += 2
		}
	}
	for i, k := range attrKeys {
		mlen += len(k)
		if i > 0 {
			mlen += 2
		}
	}
	var arena *textArena
	if w.bc != nil {
		arena = w.bc.arena
	}
	m := arena.bytes(mlen)
	m = append(m, b.Domain...)
	m = append(m, '<')
	m = appendProps(m, props, ", ")
	m = append(m, "><"...)
	for i, k := range attrKeys {
		if i > 0 {
			m = append(m, ", "...)
		}
		m = append(m, k...)
	}
	m = append(m, '>')
	m = append(m, attrName...)
	m = append(m, ": "...)
	m = append(m, vs...)

	// Help and name repeat across the beans of one type and across polls:
	// built in a scratch buffer and interned.
	var arr [256]byte
	buf := arr[:0]
	if descr != "" && descr != attrName {
		// jmx_exporter leaves out a description that only repeats the
		// attribute's name (MXBeans describe attributes so).
		buf = append(append(buf, descr...), ' ')
	}
	buf = append(buf, b.Domain...)
	buf = append(buf, ":name="...)
	buf = append(buf, propOr(props, "name")...)
	buf = append(buf, ",type="...)
	buf = append(buf, propOr(props, "type")...)
	buf = append(buf, ",attribute="...)
	buf = append(buf, attrName...)
	help := in.text(buf)

	buf = append(buf[:0], b.Domain...)
	if len(props) > 0 {
		buf = append(append(buf, '_'), props[0].Value...)
	}
	for _, k := range attrKeys {
		buf = append(append(buf, '_'), k...)
	}
	buf = append(append(buf, '_'), attrName...)
	name := in.name(buf, x.defaultName)
	var labels normalize.Labels
	switch {
	case len(props) <= 1:
	case w.bc != nil && len(props) == len(w.bc.props) && &props[0] == &w.bc.props[0]:
		labels = w.bc.labels
	default:
		labels = x.propLabels(in, props)
	}
	// No raw Labels: a jmx_exporter rule with a name gets only its own
	// labels; the bean's properties are in the match string.
	return append(out, normalize.Record{
		Match:         unsafe.String(unsafe.SliceData(m), len(m)), //nolint:gosec // G103: m is the record's own part of an arena chunk, never written again (textArena)
		Value:         value,
		NoValue:       noValue,
		Unscaled:      boolean, // jmx_exporter: 1 or 0, no valueFactor
		Type:          normalize.TypeUntyped,
		Help:          help,
		DefaultName:   name,
		DefaultLabels: labels,
	})
}

// defaultName is jmx_exporter's default metric name of a raw name
// (domain, first property's value, keys and attribute joined by '_').
func (x *Exporter) defaultName(raw string) string {
	name := normalize.EscapeJMXName(raw)
	if x.LowercaseOutputName {
		name = strings.ToLower(name)
	}
	return name
}

// labelName is the default label name of a key property.
func (x *Exporter) labelName(key string) string {
	ln := normalize.EscapeJMXName(key)
	if x.LowercaseOutputLabelNames {
		ln = strings.ToLower(ln)
	}
	return ln
}

// propLabels are the default labels of a bean's properties but the
// first (whose value is in the name).
func (x *Exporter) propLabels(in *interner, props []mbean.Prop) normalize.Labels {
	labels := make(normalize.Labels, 0, len(props)-1)
	for _, p := range props[1:] {
		labels = append(labels, normalize.Label{Name: in.label(p.Key, x.labelName), Value: p.Value})
	}
	return labels
}

// customizer returns the first metric customizer whose filter matches b.
func (x *Exporter) customizer(b *mbean.BeanName) *MetricCustomizer {
	for i := range x.Customizers {
		c := &x.Customizers[i]
		if c.MBeanFilter.Domain != b.Domain {
			continue
		}
		ok := true
		for k, v := range c.MBeanFilter.Properties {
			found := false
			for _, p := range b.Props {
				if p.Key == k && p.Value == v {
					found = true
					break
				}
			}
			ok = ok && found
		}
		if ok {
			return c
		}
	}
	return nil
}

// extraValue turns an extra metric's YAML value into what an attribute of
// that value would be.
func extraValue(v any) any {
	switch v := v.(type) {
	case int:
		return mbean.Number{Float: float64(v), Text: strconv.Itoa(v)}
	case float64:
		return mbean.Number{Float: v, Text: javafmt.Float(v, 64)}
	case bool, string:
		return v
	}
	return fmt.Sprint(v)
}

// appendProps appends key properties as key=value with sep between them:
// ", " in jmx_exporter's bean string, "," in a canonical ObjectName.
func appendProps(b []byte, props []mbean.Prop, sep string) []byte {
	for i, p := range props {
		if i > 0 {
			b = append(b, sep...)
		}
		b = append(b, p.Key...)
		b = append(b, '=')
		b = append(b, p.Value...)
	}
	return b
}

// textArena cuts the bytes of records' match strings from chunks, so that
// a run of beans makes a few allocations for them instead of one a
// record. A part handed out is never written again once its string is
// made; a chunk lives as long as a string cut from it, and the pipeline
// keeps none (it copies what it keeps: the rule cache's keys, the
// unmatched names).
type textArena struct{ free []byte }

// textChunk is the size of an arena's chunk; longer strings get an
// allocation of their own.
const textChunk = 8 << 10

// bytes returns an empty slice with room for n bytes.
func (a *textArena) bytes(n int) []byte {
	if a == nil || n > textChunk/8 {
		return make([]byte, 0, n)
	}
	if cap(a.free) < n {
		a.free = make([]byte, 0, textChunk)
	}
	b := a.free[:0:n]
	a.free = a.free[n:n]
	return b
}
