package outputs

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Budgets: the global and per-rule series limits are checked in create;
// these keep their accounting (series per rule, overflow counters).

// overflowCounter returns the budget overflow counter of a scope and rule,
// cached: a flood of new names hits it once per sample. famMu is held.
func (s *Store) overflowCounter(scope, rule string) prometheus.Counter {
	k := [2]string{scope, rule}
	c, ok := s.overflows[k]
	if !ok {
		c = s.m.overflow.WithLabelValues(scope, rule)
		s.overflows[k] = c
	}
	return c
}

func (s *Store) decRule(rule string) {
	if s.byRule[rule] <= 1 {
		delete(s.byRule, rule)
	} else {
		s.byRule[rule]--
	}
}
