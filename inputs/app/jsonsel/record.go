package jsonsel

import (
	"bytes"
	"strconv"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Records: the match string, the labels and the default name of each
// selected value.

// record emits the value at the current path for selector sel. The
// records of native selectors count against MaxRecords and MaxMatchBytes;
// over either, record emits nothing and fails the document
// (too_many_records). json_exporter's selectors are not counted: they
// read what json_exporter reads, which bounds nothing.
//
// It runs once per value of a document that may hold tens of thousands:
// the match string is built in a reused buffer, label values are cut from
// it, the default name (the same for every element of an array) is
// looked up, not rebuilt, and a record's labels and default labels share
// one allocation.
func (s *scanner) record(sel int, v float64) error {
	sl := &s.p.sels[sel]
	s.mb, s.offs = s.mb[:0], s.offs[:0]
	for i := range s.path {
		if i > 0 {
			s.mb = append(s.mb, '.')
		}
		s.offs = append(s.offs, len(s.mb))
		s.mb = appendSeg(s.mb, &s.path[i])
	}
	s.offs = append(s.offs, len(s.mb)+1) // where a next segment would start
	if !sl.exp {
		s.records++
		s.matchBytes += len(s.mb)
		if s.records > s.p.maxRecords || s.matchBytes > s.p.maxMatchBytes {
			return parsing.Errorf("too_many_records", "at byte %d: the selected values are more than %d records or %d bytes of match strings (their paths)",
				s.i, s.p.maxRecords, s.p.maxMatchBytes)
		}
	}
	rec := normalize.Record{Match: string(s.mb), Value: v, Type: sl.typ, Help: sl.help}
	named := s.named[:0]
	for j, name := range sl.labels {
		if name == "" || j >= len(sl.stars) || sl.stars[j] >= len(s.path) {
			continue
		}
		named = append(named, normalize.Label{Name: name, Value: s.segValue(rec.Match, sl.stars[j])})
	}
	s.named = named
	extra, own := s.extra[:0], false // own: a default name with labels of its own
	if sl.defName != "" {
		name := sl.defName
		if s.curOut != "" {
			name += "_" + s.curOut
		}
		rec.DefaultName = normalize.EscapeMetricName(name)
	} else if !sl.exp {
		rec.DefaultName, extra = s.defaultName(sl, rec.Match, len(named) > 0, extra)
		own = rec.DefaultName != ""
	}
	s.extra = extra
	if s.holding > 0 {
		// hold adds the object's labels: keep the named labels, then the
		// default name's own, in one run of the arena.
		at := len(s.arena)
		s.arena = append(append(s.arena, named...), extra...)
		if len(sl.labels) > 0 {
			rec.Labels = s.arena[at : at+len(named) : at+len(named)]
		}
		if own {
			rec.DefaultLabels = s.arena[at:len(s.arena):len(s.arena)]
		}
		s.held = append(s.held, rec)
		return nil
	}
	// Labels: named, constants; default labels: named, extra, constants.
	nl := len(named) + len(sl.cl)
	nd := 0
	if own {
		nd = len(named) + len(extra) + len(sl.cl)
	}
	if nl+nd > 0 || len(sl.labels) > 0 {
		buf := make(normalize.Labels, 0, nl+nd)
		buf = append(append(buf, named...), sl.cl...)
		if len(sl.labels) > 0 || len(sl.cl) > 0 {
			rec.Labels = buf[:nl:nl]
		}
		if own {
			buf = append(append(append(buf, named...), extra...), sl.cl...)
			rec.DefaultLabels = buf[nl : nl+nd : nl+nd]
		}
	}
	if rec.DefaultName != "" && !own {
		rec.DefaultLabels = rec.Labels
	}
	s.emit(rec)
	return nil
}

// defaultName returns the name a record of a native selector has when no
// rule matches, appending to extra the labels it has beyond the
// selector's named ones (hasNamed: there are some): array indexes and the
// keys a "*" matched are labels (the selector's label names, else index,
// index_2, ...), not parts of the name, so that a 4,200-element array
// gives one family per leaf path, not 4,200. When everything is selected
// (expvar), a key that cannot be part of a metric name ("/api/users",
// "404": an expvar.Map's keys) is a label too, key (key_2, ...). The name
// is "" when nothing is left of it, or when the match string is the name.
func (s *scanner) defaultName(sl *selector, match string, hasNamed bool, extra normalize.Labels) (string, normalize.Labels) {
	s.nb = s.nb[:0]
	n, nk := 0, 0
	all := s.p.all >= 0 && sl == &s.p.sels[s.p.all]
	for i := range s.path {
		sg := &s.path[i]
		star := -1
		for j, at := range sl.stars {
			if at == i {
				star = j
			}
		}
		if all && star < 0 && !sg.isIdx && !nameSegment(sg.key) {
			nk++
			extra = append(extra, normalize.Label{Name: numbered("key", nk), Value: s.segValue(match, i)})
			continue
		}
		if star < 0 && !sg.isIdx {
			if len(s.nb) > 0 {
				s.nb = append(s.nb, '.')
			}
			s.nb = appendSeg(s.nb, sg)
			continue
		}
		if star >= 0 && star < len(sl.labels) && sl.labels[star] != "" {
			continue // a named label already
		}
		n++
		extra = append(extra, normalize.Label{Name: numbered("index", n), Value: s.segValue(match, i)})
	}
	if len(s.nb) == 0 || len(extra) == 0 && !hasNamed {
		return "", extra[:0]
	}
	name, ok := s.names[string(s.nb)]
	if !ok {
		if s.names == nil {
			s.names = make(map[string]string)
		}
		name = normalize.EscapeMetricName(string(s.nb))
		s.names[string(s.nb)] = name
	}
	return name, extra
}

// numbered is base for n = 1, else base_n: the names of the labels a
// default name's indexes and keys become (precomputed for the usual
// depths: no concatenation per record).
func numbered(base string, n int) string {
	names := &indexNames
	if base == "key" {
		names = &keyNames
	}
	if n <= len(names) {
		return names[n-1]
	}
	return base + "_" + strconv.Itoa(n)
}

var (
	indexNames = [...]string{"index", "index_2", "index_3", "index_4", "index_5", "index_6", "index_7", "index_8"}
	keyNames   = [...]string{"key", "key_2", "key_3", "key_4", "key_5", "key_6", "key_7", "key_8"}
)

// nameSegment says key can be part of a metric name as it is.
func nameSegment(key []byte) bool {
	if len(key) == 0 {
		return false
	}
	for i, c := range key {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// appendSeg appends sg as the match string writes it: an index in
// decimal, a key with '.' as '_'.
func appendSeg(b []byte, sg *seg) []byte {
	if sg.isIdx {
		return strconv.AppendInt(b, int64(sg.idx), 10)
	}
	if bytes.IndexByte(sg.key, '.') < 0 {
		return append(b, sg.key...)
	}
	for _, c := range sg.key {
		if c == '.' {
			c = '_'
		}
		b = append(b, c)
	}
	return b
}

// segValue is the label value of path segment i of the record whose
// match string record has just built: cut from the match string where
// the segment stands there as it is.
func (s *scanner) segValue(match string, i int) string {
	if sg := &s.path[i]; !sg.isIdx && bytes.IndexByte(sg.key, '.') >= 0 {
		return string(sg.key) // '_' in the match string
	}
	return match[s.offs[i] : s.offs[i+1]-1]
}
