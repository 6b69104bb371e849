package statsd

import (
	"bytes"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Tags: the tags in a line's name (SignalFx, Librato, InfluxDB) and
// DogStatsD's "|#" tags become the line's labels, kept in the parser's
// label arena and deduped there.

// nameAndTags strips SignalFx, Librato or InfluxDB tags from the name part
// of a line, adding them as labels, and returns the bare name (which may
// live in p.scratch until the next line).
func (p *parser) nameAndTags(name []byte, s, e, tagAt int) []byte {
	if p.opts.signalFX {
		switch {
		case s >= 0 && e > s:
			p.nameTags(name[s+1 : e])
			if e == len(name)-1 {
				return name[:s]
			}
			p.scratch = append(append(p.scratch[:0], name[:s]...), name[e+1:]...)
			return p.scratch
		case s >= 0 && e >= 0:
			// "]" before "[": statsd_exporter v0.31.0 panics here.
			p.st.errors[errMalformedTag]++
			return name
		case (s >= 0) != (e >= 0):
			p.st.errors[errMalformedTag]++
			return name
		}
	}
	if tagAt >= 0 {
		p.nameTags(name[tagAt+1:])
		return name[:tagAt]
	}
	return name
}

// nameTags parses "a=b,c=d".
func (p *parser) nameTags(s []byte) {
	for {
		i := bytes.IndexByte(s, ',')
		if i < 0 {
			break
		}
		p.tag(s[:i], '=')
		s = s[i+1:]
	}
	if len(s) > 0 {
		p.tag(s, '=')
	}
}

// dogTags parses DogStatsD's "a:b,#c:d" (a leading "#" on a tag is
// dropped).
func (p *parser) dogTags(s []byte) {
	for {
		i := bytes.IndexByte(s, ',')
		if i < 0 {
			break
		}
		p.tag(trimHash(s[:i]), ':')
		s = s[i+1:]
	}
	if len(s) > 0 {
		p.tag(trimHash(s), ':')
	}
}

func trimHash(s []byte) []byte {
	if len(s) > 0 && s[0] == '#' {
		return s[1:]
	}
	return s
}

// tag parses one "key<sep>value" tag; a whole tag seen before costs one
// map lookup.
func (p *parser) tag(t []byte, sep byte) {
	tags := &p.tagsColon
	if sep == '=' {
		tags = &p.tagsEq
	}
	if l, ok := tags.m[string(t)]; ok {
		p.labels = append(p.labels, l)
		return
	}
	i := bytes.IndexByte(t, sep)
	if i <= 0 || i == len(t)-1 {
		p.st.errors[errMalformedTag]++
		return
	}
	if p.opts.maxValue > 0 && len(t)-i-1 > p.opts.maxValue {
		// The line is dropped (sample): keep none of it.
		p.lineLongValue = true
		return
	}
	l := normalize.Label{Name: p.keys.getEscaped(t[:i]), Value: p.strs.get(t[i+1:])}
	tags.put(t, l)
	p.labels = append(p.labels, l)
}

// lineLabelSlice dedupes the line's labels and returns them, capped so
// that appending to the slice cannot overwrite the arena.
func (p *parser) lineLabelSlice() normalize.Labels {
	n := len(p.labels)
	if n-p.lineLabels > 1 && n != p.deduped {
		p.dedupeLineLabels()
		p.deduped = len(p.labels)
		n = len(p.labels)
	}
	if n == p.lineLabels {
		return nil
	}
	return p.labels[p.lineLabels:n:n]
}

// dedupeLineLabels removes repeated label names from the line's labels,
// keeping the last value as statsd_exporter's label map does. Repeats come
// from tags given twice and from extended-aggregation lines, whose tags
// are parsed once per value.
func (p *parser) dedupeLineLabels() {
	ls := p.labels[p.lineLabels:]
	if len(ls) > 32 {
		out := ls.Sort()
		clear(ls[len(out):])
		p.labels = p.labels[:p.lineLabels+len(out)]
		return
	}
	// Check first: most lines have no repeated name.
	dups := false
	for i := 1; i < len(ls) && !dups; i++ {
		for j := range i {
			if ls[i].Name == ls[j].Name {
				dups = true
				break
			}
		}
	}
	if !dups {
		return
	}
	out := ls[:0]
	for i := range ls {
		dup := false
		for j := i + 1; j < len(ls); j++ {
			if ls[j].Name == ls[i].Name {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, ls[i])
		}
	}
	clear(ls[len(out):])
	p.labels = p.labels[:p.lineLabels+len(out)]
}

// dropLineLabels forgets the labels of a line that produced nothing.
func (p *parser) dropLineLabels() {
	clear(p.labels[p.lineLabels:])
	p.labels = p.labels[:p.lineLabels]
}
