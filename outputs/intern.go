package outputs

import "strings"

// Interning: the series share one copy of each rule name and label name.

// internRule returns the shared copy of a rule name. famMu is held.
func (s *Store) internRule(rule string) *string {
	if p, ok := s.ruleNames[rule]; ok {
		return p
	}
	p := new(strings.Clone(rule))
	s.ruleNames[*p] = p
	return p
}

// The label-name intern map only shares strings; under churn (names that
// come and go) it would keep every name ever seen, so it is emptied when
// it holds maxInternedNameBytes.
const maxInternedNameBytes = 1 << 20

func (s *Store) intern(name string) string {
	if v, ok := s.names.Load(name); ok {
		return v.(string)
	}
	c := strings.Clone(name)
	if s.namesBytes.Add(int64(len(c)+64)) > maxInternedNameBytes {
		s.names.Clear()
		s.namesBytes.Store(int64(len(c) + 64))
	}
	v, _ := s.names.LoadOrStore(c, c)
	return v.(string)
}
