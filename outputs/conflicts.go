package outputs

import (
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Conflicts: samples the store refuses because they would make /metrics
// inconsistent (a second type for a family, generated names that clash,
// reserved names and labels, series Prometheus would see as one). They are
// counted by reason and the last ones kept for the mappings page.

// Conflict reasons, the values of rosetta_series_conflicts_total{reason}.
const (
	ReasonType          = "type"             // the family (or series) exists with another type
	ReasonNameCollision = "name_collision"   // a generated name (x_sum, x_bucket, x_total, ...) clashes with another family
	ReasonReservedName  = "reserved_name"    // the name has a reserved prefix (rosetta_)
	ReasonReservedLabel = "reserved_label"   // "le" on a histogram, "quantile" on a summary
	ReasonDuplicate     = "duplicate_series" // differs from a series of its family only by labels with empty values, which Prometheus ignores
)

// recentConflicts is how many conflicts RecentConflicts remembers.
const recentConflicts = 32

// Conflict describes samples the store dropped because of a conflict.
type Conflict struct {
	Reason string // one of the Reason constants
	Name   string
	Labels string // as {a="1", b="2"}
	Type   string // the sample's type
	Rule   string // the rule that produced the sample
	Count  int    // consecutive conflicts of this name and reason
	Last   time.Time
}

// conflict counts and remembers a conflicting sample.
func (s *Store) conflict(reason string, smp *normalize.Sample) {
	s.m.conflicts.WithLabelValues(reason).Inc()
	now := s.now()
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	s.countConflict(smp)
	if n := len(s.recent); n > 0 {
		last := &s.recent[(s.recentAt+n-1)%n]
		if len(s.recent) < recentConflicts {
			last = &s.recent[n-1]
		}
		if last.Name == smp.Name && last.Reason == reason {
			last.Count++
			last.Last = now
			return
		}
	}
	c := Conflict{Reason: reason, Name: strings.Clone(smp.Name), Labels: smp.Labels.String(), Type: smp.Type.String(), Count: 1, Last: now}
	if smp.Opts != nil {
		c.Rule = smp.Opts.Rule
	}
	if len(s.recent) < recentConflicts {
		s.recent = append(s.recent, c)
		return
	}
	s.recent[s.recentAt] = c
	s.recentAt = (s.recentAt + 1) % recentConflicts
}

// RecentConflicts returns the last conflicts, oldest first, for a status
// page: the self-metrics count conflicts by reason only, to keep their
// cardinality bounded.
func (s *Store) RecentConflicts() []Conflict {
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	out := make([]Conflict, 0, len(s.recent))
	if len(s.recent) < recentConflicts {
		return append(out, s.recent...)
	}
	out = append(out, s.recent[s.recentAt:]...)
	return append(out, s.recent[:s.recentAt]...)
}

// generated lists the suffixes of the extra sample names a family of type
// typ exposes.
func generated(typ dto.MetricType) []string {
	switch typ {
	case dto.MetricType_HISTOGRAM:
		return []string{"_bucket", "_count", "_sum"}
	case dto.MetricType_SUMMARY:
		return []string{"_count", "_sum"}
	}
	return nil
}

// collides reports whether a new family name of type typ would clash with
// the names of an existing family, without statsd_exporter's rules
// (registryRefuses otherwise). famMu is held.
//
// Histograms and summaries expose x_bucket, x_count and x_sum; those names
// must not be families of their own. A counter x_total beside a family x is
// allowed, as client_golang's registry allows it: the Go runtime's own
// metrics have go_memstats_alloc_bytes and go_memstats_alloc_bytes_total,
// and an exporter's /metrics read through Rosetta must keep both (their
// OpenMetrics metadata lines share the name x, as client_golang writes them).
func (s *Store) collides(name string, typ dto.MetricType) bool {
	for _, suf := range generated(typ) {
		if _, ok := s.familyType(name + suf); ok {
			return true
		}
	}
	for _, suf := range [...]string{"_bucket", "_count", "_sum"} {
		base, ok := strings.CutSuffix(name, suf)
		if !ok {
			continue
		}
		if other, ok := s.familyType(base); ok && slices.Contains(generated(other), suf) {
			return true
		}
	}
	return false
}

// registryRefuses returns why statsd_exporter's registry refuses a new
// series of name and type typ, or "" (SetKeepExpiredTypes). famMu is held.
//
// Its registry keeps every name's type for ever (live or expired: here
// families and expiredTypes) and checks a new series, also of an existing
// family, against them:
//
//   - another type for the name is a conflict (ReasonType);
//   - a counter or gauge x_bucket, x_count or x_sum is refused when x has
//     a type other than counter (a gauge x_sum beside a gauge x too);
//   - a histogram x is refused when x_bucket, x_count or x_sum has a type
//     other than histogram, a summary x when x_count or x_sum has one other
//     than summary.
//
// Those are one way: a histogram x_sum beside a histogram or summary x is
// taken (and so is a histogram x beside a histogram x_sum). While both have
// series its /metrics fails (client_golang's suffix check, HTTP 500);
// Rosetta serves the rest (hidden).
func (s *Store) registryRefuses(name string, typ dto.MetricType) string {
	if t, ok := s.familyType(name); ok && t != typ {
		return ReasonType
	}
	switch typ {
	case dto.MetricType_HISTOGRAM, dto.MetricType_SUMMARY:
		// name+suffix without allocating for usual lengths.
		var buf [128]byte
		b := append(buf[:0], name...)
		for _, suf := range generated(typ) {
			b = append(b[:len(name)], suf...)
			if t, ok := s.familyTypeBytes(b); ok && t != typ {
				return ReasonNameCollision
			}
		}
	default:
		for _, suf := range [...]string{"_bucket", "_count", "_sum"} {
			if base, ok := strings.CutSuffix(name, suf); ok {
				if t, ok := s.familyType(base); ok && t != dto.MetricType_COUNTER {
					return ReasonNameCollision
				}
			}
		}
	}
	return ""
}

// hidden reports whether the family name is left out of what the store
// serves: it is x_bucket, x_count or x_sum and a live family x generates
// that name. Only statsd_exporter's rules (registryRefuses) take both;
// statsd_exporter's /metrics then fails as a whole (HTTP 500), Rosetta's
// serves x. famMu is held.
func (s *Store) hidden(name string) bool {
	for _, suf := range [...]string{"_bucket", "_count", "_sum"} {
		if base, ok := strings.CutSuffix(name, suf); ok {
			if f := s.families[base]; f != nil && slices.Contains(generated(f.typ), suf) {
				return true
			}
		}
	}
	return false
}

// familyTypeBytes is familyType of string(b). famMu is held.
func (s *Store) familyTypeBytes(b []byte) (dto.MetricType, bool) {
	if f := s.families[string(b)]; f != nil {
		return f.typ, true
	}
	if s.expiredTypes.len() == 0 {
		return 0, false
	}
	if t, ok := s.expiredTypes.cur[string(b)]; ok {
		return t, true
	}
	if _, ok := s.expiredTypes.old[string(b)]; !ok {
		return 0, false
	}
	return s.expiredTypes.get(string(b))
}

// familyType returns the type of the family name, live or kept after its
// series expired (SetKeepExpiredTypes). famMu is held.
func (s *Store) familyType(name string) (dto.MetricType, bool) {
	if f := s.families[name]; f != nil {
		return f.typ, true
	}
	if s.expiredTypes.len() == 0 {
		return 0, false
	}
	return s.expiredTypes.get(name)
}

// FamilyNames returns the names of g's families and the names they
// generate (x_bucket, x_count, x_sum of histograms and summaries), for
// StoreConfig.ReservedNames.
func FamilyNames(g prometheus.Gatherer) ([]string, error) {
	mfs, err := g.Gather()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, mf := range mfs {
		name := mf.GetName()
		out = append(out, name)
		for _, suf := range generated(mf.GetType()) {
			out = append(out, name+suf)
		}
	}
	return out, nil
}
