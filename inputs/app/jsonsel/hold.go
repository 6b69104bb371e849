package jsonsel

import "github.com/rosetta-adapter/rosetta/normalize"

// Objects read whole: a selector with LabelsFrom, Fields or constants
// holds the records of the object it selects until the object ends and its
// label fields are known.

// hold reads the value of selector sel's object with read, holding its
// records until its label fields are known, then emits them and the
// selector's constants.
func (s *scanner) hold(sel, depth int, read func() error) error {
	s.holding = depth + 1
	s.held = s.held[:0]
	sl := &s.p.sels[sel]
	if cap(s.fromVals) < len(sl.from) {
		s.fromVals = make([]string, len(sl.from))
	}
	s.fromVals = s.fromVals[:len(sl.from)]
	clear(s.fromVals)
	err := read()
	s.holding = 0
	if err != nil {
		return err
	}
	for _, c := range sl.consts {
		s.curOut = c.name
		s.path = append(s.path, seg{key: []byte(c.name)})
		s.holding = depth + 1
		err := s.record(sel, c.v)
		s.holding = 0
		s.path = s.path[:len(s.path)-1]
		s.curOut = ""
		if err != nil {
			return err
		}
	}
	for _, r := range s.held {
		var extra normalize.Labels // a native selector's default name's own labels
		if len(r.DefaultLabels) > len(r.Labels) {
			extra = r.DefaultLabels[len(r.Labels):]
		}
		// Labels: the record's, the object's, the constants; default
		// labels: the same and extra, in the same allocation.
		ls := make(normalize.Labels, 0, len(r.Labels)+len(sl.from)+len(sl.cl)+len(extra))
		ls = append(ls, r.Labels...)
		for j, lf := range sl.from {
			if s.fromVals[j] != "" || sl.exp { // json_exporter's labels are never absent
				ls = append(ls, normalize.Label{Name: lf.label, Value: s.fromVals[j]})
			}
		}
		ls = append(ls, sl.cl...)
		r.Labels = ls[:len(ls):len(ls)]
		if r.DefaultName != "" {
			r.DefaultLabels = append(ls, extra...)
		}
		s.emit(r)
	}
	s.arena = s.arena[:0]
	return nil
}

// fieldOf returns the value name of a member of the holding object when
// its selector reads Fields only (only true).
func (s *scanner) fieldOf(sel int, key []byte, depth int) (string, bool) {
	if s.holding != depth+1 || sel < 0 || len(s.p.sels[sel].fields) == 0 && !s.p.sels[sel].exp {
		return "", false
	}
	return s.p.sels[sel].fields[string(key)], true
}

// labelField reports whether the member key at the holding object's level
// is a LabelsFrom field of sel, and stores its value.
func (s *scanner) labelField(sel int, key []byte, depth int) (bool, error) {
	if s.holding != depth+1 || sel < 0 {
		return false, nil
	}
	sl := &s.p.sels[sel]
	for j, lf := range sl.from {
		if string(key) != lf.field {
			continue
		}
		if s.i < len(s.b) && s.b[s.i] == '"' {
			v, err := s.strValue()
			if err != nil {
				return true, err
			}
			if sl.exp {
				v = ExporterUnquote(v)
			}
			s.fromVals[j] = v
			return true, nil
		}
		start := s.i
		if err := s.skip(depth + 1); err != nil {
			return true, err
		}
		if sl.exp {
			s.fromVals[j] = exporterLabel(s.b[start:s.i])
			return true, nil
		}
		if c := s.b[start]; c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f' {
			s.fromVals[j] = string(s.b[start:s.i])
		}
		return true, nil
	}
	return false, nil
}
