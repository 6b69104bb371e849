package statsd

import (
	"bytes"
	"hash/maphash"
	"math"
	"slices"
	"strings"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Line templates: StatsD clients send the same lines again and again with
// new values ("api.requests:1|c|#region:eu"). The first time a line's name
// repeats, the parser remembers what the line came to apart from its value
// (name, labels, type, sample rate), keyed by the bytes before and after
// the value; a later line with the same bytes there only has its value
// parsed. A line qualifies when it has one value, parsed without any error
// or drop; the fast path gives up (and the full parser runs) whenever the
// value is not a plain finite number, so errors are counted exactly as
// before.

// maxTemplateBytes bounds the estimated heap of each parser's templates
// (both generations of its table, see table). A template holds its key
// (the line but its value), itself (112 bytes), its match memo (48), its
// share of the table's slots (2 to 4 of 16 bytes) and its labels; the name
// and label strings are shared with the interners. About 30,000 templates
// of 40-byte keys fit, 15,000 in a generation.
//
// A TCP connection's parser gets tcpTemplateBytes: there may be a
// thousand connections, and a short one would leave a large table behind
// for the garbage collector.
const (
	maxTemplateBytes = 8 << 20
	tcpTemplateBytes = 2 << 20
)

var templateSeed = maphash.MakeSeed()

// lineTemplate is what a line came to, apart from its value.
type lineTemplate struct {
	key      string // the line but its value (templateKey)
	cost     int    // tableCost
	name     string // interned match string
	nameHash uint64
	labels   normalize.Labels // sorted, unique; shared by the records
	typ      normalize.Type
	gone     bool    // left the table (between tableDropped and tableSweep)
	colon    int32   // where key's name ends: key[colon] is its first ':'
	div      float64 // the value is divided by it (a counter's sample rate, 1000 for a timer)
	repeat   int64
	ref      normalize.MatchRef // the rule set's result for name
	// next is the template of the line that came after this one last
	// time. Clients send their lines in much the same order at every
	// flush, so the next line is compared with it before the table is
	// searched: with many series the table's slot is a cache miss per
	// line, and the line's hash is not needed (see lookupTemplate). When
	// the table drops a generation, the templates kept forget the ones
	// that left (tableSweep), so the templates alive stay within the
	// table's byte budget.
	next *lineTemplate
}

func (t *lineTemplate) tableKey() string { return t.key }
func (t *lineTemplate) tableCost() int   { return t.cost }
func (t *lineTemplate) tableDropped()    { t.gone = true }
func (t *lineTemplate) tableKept()       { t.gone = false }

func (t *lineTemplate) tableSweep() {
	if t.gone || t.next != nil && t.next.gone {
		t.next = nil
	}
}

// templateKey locates a line's value, between the first ':' and the next
// '|'; key is the line without it, ':' kept (so where the name ends, which
// may hold a '|', is part of the key), in the parser's scratch buffer.
type templateKey struct {
	value  []byte
	key    []byte
	h      uint64
	hashed bool // h is key's hash
}

// templateKey fills p.key for line and reports whether the line has a
// value to take out.
func (p *parser) templateKey(line []byte) bool {
	c := bytes.IndexByte(line, ':')
	if c <= 0 {
		return false
	}
	j := valueEnd(line[c+1:])
	if j < 0 {
		return false
	}
	k := &p.key
	k.value = line[c+1 : c+1+j]
	p.keyBuf = append(append(p.keyBuf[:0], line[:c+1]...), line[c+1+j:]...)
	k.key = p.keyBuf
	k.hashed = false // hashed when the table is searched (hash)
	return true
}

// valueEnd returns the index of the first '|' in b, which follows a line's
// value, or -1. The value is short: a loop finds its end sooner than a
// call (bytes.IndexByte).
func valueEnd(b []byte) int {
	for i, c := range b {
		if c == '|' {
			return i
		}
	}
	return -1
}

// hash returns the key's hash, computing it once.
func (k *templateKey) hash() uint64 {
	if !k.hashed {
		k.h, k.hashed = maphash.Bytes(templateSeed, k.key), true
	}
	return k.h
}

// predictMax bounds the parser's misprediction score: at predictOff and
// above, the next line is not compared with the predicted template (a
// client that sends its lines in a new order each time would pay a cache
// miss per line for nothing), but the table's answer is still checked
// against the prediction, so that it is turned back on when the order
// settles.
const (
	predictMax = 16
	predictOff = 8
)

// predictLine returns the template predicted for line (the previous
// line's template's next) and the line's value, when the line is that
// template's key with a value in it. It compares the line with the key in
// place: the key is neither copied nor hashed.
func (p *parser) predictLine(line []byte) (*lineTemplate, []byte, bool) {
	if p.prevTmpl == nil || p.mispredicts >= predictOff {
		return nil, nil, false
	}
	t := p.prevTmpl.next
	if t == nil {
		return nil, nil, false
	}
	// key is line[:c+1] + line[c+1+j:], c the first ':' and j the first
	// '|' after it (templateKey); key[:colon] holds no ':'.
	n := int(t.colon)
	if len(line) <= n || line[n] != ':' || string(line[:n]) != t.key[:n] {
		return nil, nil, false
	}
	rest := line[n+1:]
	j := valueEnd(rest)
	if j < 0 || string(rest[j:]) != t.key[n+1:] {
		return nil, nil, false
	}
	p.mispredicts = max(0, p.mispredicts-1)
	p.predicted++
	return t, rest[:j], true
}

// lookupTemplate finds the template of the line whose key is k in the
// table (predictLine has tried the predicted one), and scores the
// prediction by the table's answer.
func (p *parser) lookupTemplate(k *templateKey) (*lineTemplate, bool) {
	t, found := p.tmpls.find(k.hash(), k.key)
	if p.prevTmpl != nil && p.prevTmpl.next != nil {
		if found && t == p.prevTmpl.next {
			p.mispredicts = max(0, p.mispredicts-1)
		} else {
			p.mispredicts = min(predictMax, p.mispredicts+2)
		}
	}
	return t, found
}

// followed records that the line just appended used template t: the
// previous line's template learns that t came after it.
func (p *parser) followed(t *lineTemplate) {
	if prev := p.prevTmpl; prev != nil && prev.next != t {
		prev.next = t
	}
	p.prevTmpl = t
}

// fromTemplate appends the records of a line whose template is in the
// table and whose value is a plain finite number; it reports whether it
// did.
func (p *parser) fromTemplate(k *templateKey) bool {
	t, found := p.lookupTemplate(k)
	if !found {
		return false
	}
	return p.applyTemplate(t, k.value)
}

// applyTemplate appends the records of a line of template t with value, a
// plain finite number; it reports whether it did.
func (p *parser) applyTemplate(t *lineTemplate, value []byte) bool {
	v, ok := parseFloat(value)
	if !ok {
		return false
	}
	if t.div != 1 {
		v /= t.div
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	delta := false
	switch t.typ {
	case normalize.TypeCounter:
		delta = true
	case normalize.TypeGauge:
		delta = value[0] == '+' || value[0] == '-'
	}
	p.st.samples++
	if len(t.labels) > 0 {
		p.st.tags++
	}
	p.recStart, p.lineLabels, p.deduped = len(p.recs), len(p.labels), -1
	if len(p.recs) >= p.batchMax && p.emit != nil {
		p.spill()
	}
	p.recs = append(p.recs, normalize.Record{Match: t.name, MatchHash: t.nameHash, MatchRef: &t.ref, Labels: t.labels, Value: v, Type: t.typ, Delta: delta, Repeat: recordRepeat(t.repeat)})
	p.st.records += uint64(t.repeat)
	p.followed(t)
	return true
}

// addTemplate remembers the line just parsed (one sample, no error and no
// drop); its records are at the end of p.recs.
func (p *parser) addTemplate(k *templateKey) {
	if len(p.recs) <= p.recStart {
		return
	}
	r := &p.recs[len(p.recs)-1]
	t := &lineTemplate{
		name: p.name, nameHash: p.nameHash, typ: r.Type,
		div: p.tmDiv, repeat: p.tmRepeat,
	}
	if len(r.Labels) > 0 {
		// Sorted once here (they are unique already), the rule engine
		// uses them as they are instead of copying and sorting them per
		// record.
		t.labels = slices.Clone(r.Labels)
		slices.SortFunc(t.labels, func(a, b normalize.Label) int { return strings.Compare(a.Name, b.Name) })
		t.labels = slices.Clip(t.labels)
	}
	if len(k.key) > maxInternLen {
		return
	}
	t.key = string(k.key)
	t.colon = int32(bytes.IndexByte(k.key, ':'))
	t.cost = len(k.key) + 224 + 32*len(t.labels)
	p.tmpls.add(k.hash(), t, p.tmplBytes)
	p.followed(t)
}
