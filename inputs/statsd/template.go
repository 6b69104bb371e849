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

// maxTemplates bounds each parser's templates; a full table is emptied.
const maxTemplates = 1 << 13

var templateSeed = maphash.MakeSeed()

// lineTemplate is what a line came to, apart from its value.
type lineTemplate struct {
	h        uint64
	key      string // the bytes before the value's ':' and from the '|' after it
	nameLen  int    // len of the part before the ':'
	name     string // interned match string
	nameHash uint64
	labels   normalize.Labels // sorted, unique; shared by the records
	typ      normalize.Type
	ms       bool    // a timer: the value is divided by 1000
	rate     float64 // counters: the value is divided by the sample rate
	repeat   int64
	ref      normalize.MatchRef // the rule set's result for name
}

// templateKey locates a line's value, between the first ':' and the next
// '|'; key is the line without it (in the parser's scratch buffer).
type templateKey struct {
	name, value, tail []byte
	key               []byte
	h                 uint64
}

// templateKey fills p.key for line and reports whether the line has a
// value to take out.
func (p *parser) templateKey(line []byte) bool {
	c := bytes.IndexByte(line, ':')
	if c <= 0 {
		return false
	}
	// The value is short: a loop finds its end sooner than a call.
	j := -1
	for i, b := range line[c+1:] {
		if b == '|' {
			j = i
			break
		}
	}
	if j < 0 {
		return false
	}
	k := &p.key
	k.name, k.value, k.tail = line[:c], line[c+1:c+1+j], line[c+1+j:]
	p.keyBuf = append(append(p.keyBuf[:0], k.name...), k.tail...)
	k.key = p.keyBuf
	k.h = maphash.Bytes(templateSeed, k.key)
	return true
}

// fromTemplate appends the records of a line whose template is known and
// whose value is a plain finite number; it reports whether it did.
func (p *parser) fromTemplate(k *templateKey) bool {
	t := p.tmpls.get(k)
	if t == nil {
		return false
	}
	v, ok := parseFloat(k.value)
	if !ok {
		return false
	}
	delta := true
	switch t.typ {
	case normalize.TypeCounter:
		v /= t.rate
	case normalize.TypeGauge:
		delta = k.value[0] == '+' || k.value[0] == '-'
	default:
		delta = false
		if t.ms {
			v /= 1000
		}
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	p.st.samples++
	if len(t.labels) > 0 {
		p.st.tags++
	}
	p.recStart, p.lineLabels, p.deduped = len(p.recs), len(p.labels), -1
	for range t.repeat {
		if len(p.recs) >= p.batchMax && p.emit != nil {
			p.spill()
		}
		p.recs = append(p.recs, normalize.Record{Match: t.name, MatchHash: t.nameHash, MatchRef: &t.ref, Labels: t.labels, Value: v, Type: t.typ, Delta: delta})
	}
	p.st.records += uint64(t.repeat)
	return true
}

// addTemplate remembers the line just parsed (one sample, its records at
// p.recStart, no error and no drop).
func (p *parser) addTemplate(k *templateKey) {
	if len(p.recs) <= p.recStart {
		return
	}
	r := &p.recs[len(p.recs)-1]
	t := &lineTemplate{
		h: k.h, key: string(k.key), nameLen: len(k.name),
		name: p.name, nameHash: p.nameHash,
		labels: slices.Clip(slices.Clone(r.Labels)),
		typ:    p.tmType, ms: p.tmMS, rate: p.tmRate, repeat: p.tmRepeat,
	}
	if len(t.labels) == 0 {
		t.labels = nil
	}
	// Sorted once here (they are unique already), the rule engine uses
	// them as they are instead of copying and sorting them per record.
	slices.SortFunc(t.labels, func(a, b normalize.Label) int { return strings.Compare(a.Name, b.Name) })
	p.tmpls.put(t)
}

// templates is an open-addressing table of line templates.
type templates struct {
	slots []*lineTemplate // a power of two
	n     int
}

func (ts *templates) get(k *templateKey) *lineTemplate {
	if ts.n == 0 {
		return nil
	}
	mask := uint64(len(ts.slots) - 1)
	for i := k.h & mask; ; i = (i + 1) & mask {
		t := ts.slots[i]
		if t == nil {
			return nil
		}
		// The name may hold a '|', so where it ends is part of the key.
		if t.h == k.h && t.nameLen == len(k.name) && t.key == string(k.key) {
			return t
		}
	}
}

func (ts *templates) put(t *lineTemplate) {
	switch {
	case ts.slots == nil:
		ts.slots = make([]*lineTemplate, 64)
	case ts.n >= maxTemplates:
		clear(ts.slots)
		ts.n = 0
	case 2*(ts.n+1) > len(ts.slots):
		old := ts.slots
		ts.slots = make([]*lineTemplate, 2*len(old))
		ts.n = 0
		for _, o := range old {
			if o != nil {
				ts.insert(o)
			}
		}
	}
	ts.insert(t)
}

func (ts *templates) insert(t *lineTemplate) {
	mask := uint64(len(ts.slots) - 1)
	i := t.h & mask
	for ts.slots[i] != nil {
		if ts.slots[i].h == t.h && ts.slots[i].key == t.key && ts.slots[i].nameLen == t.nameLen {
			ts.slots[i] = t
			return
		}
		i = (i + 1) & mask
	}
	ts.slots[i] = t
	ts.n++
}

// problems sums the errors and the drops counted so far.
func (st *stats) problems() (errs, drops uint64) {
	for _, n := range st.errors {
		errs += n
	}
	for _, n := range st.drops {
		drops += n
	}
	return errs, drops
}
