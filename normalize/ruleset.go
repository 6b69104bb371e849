package normalize

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// RuleSet is a compiled, immutable rule set with its match cache. It is
// safe for concurrent use; build a new one to change rules.
type RuleSet struct {
	// id tells rule sets apart in MatchRef memos, which must not keep an
	// old rule set (and its cache) alive after a reload.
	id      uint64
	rules   []*rule
	regexes []*rule
	tries   [4]*globTrie // counter, gauge, observer, other
	unmatch Unmatched
	lcName  bool
	lcLabel bool
	// inferCounter is RuleSetConfig.InferCounterTypeFromName.
	inferCounter bool
	// unmatchedNames are the name options of records no rule matches:
	// the rule set's and RuleSetConfig.UnmatchedNames together.
	unmatchedNames NameOptions
	// clientJavaNames is RuleSetConfig.ClientJavaNames.
	clientJavaNames bool
	escape          func(string) string
	// dupLabel is RuleSetConfig.DuplicateLabel.
	dupLabel string
	// opts for records no rule matched
	defaultOpts *SeriesOptions
	// defaultHelp is the help of families whose first sample has none
	// (RuleSetConfig), or nil; every SeriesOptions of the rule set
	// points to it.
	defaultHelp *string
	// inline fill what an inline rule leaves unset (InlineOptions).
	inline   Defaults
	cache    *cache
	shadowed []*rule
	// byDefault, in a rule set without rules, is the match result of
	// every record that has a default name (a JMX attribute's): nothing
	// to match, so nothing to look up or cache.
	byDefault *entry
	// jmxCache says a rule has CacheMatch: jmx_exporter then keeps a
	// rule cache, and counts what goes into it (entry.jmxCached).
	jmxCache bool
}

// Shadowed returns the glob rules that can never match because an earlier
// rule has the same glob and metric type, or because of statsd_exporter's
// state-machine quirk (RuleSetConfig.StatsdGlobQuirks). Tools warn about
// them.
func (rs *RuleSet) Shadowed() []RuleInfo {
	out := make([]RuleInfo, len(rs.shadowed))
	for i, r := range rs.shadowed {
		out[i] = r.info()
	}
	return out
}

// GreedyGlobs reports whether the glob search is statsd_exporter's greedy
// walk without backtracking (RuleSetConfig.StatsdGlobQuirks under
// glob_disable_ordering, where its heuristic sees no need to backtrack),
// which misses some names a glob matches.
func (rs *RuleSet) GreedyGlobs() bool { return rs.tries[0].greedy }

// typeClass maps a record type to its trie.
func typeClass(t Type) int {
	switch t {
	case TypeCounter:
		return 0
	case TypeGauge:
		return 1
	case TypeObserver:
		return 2
	}
	return 3
}

// builtinDefaults fills what d leaves unset with the built-in defaults
// (statsd_exporter's for a loaded mapping file, unless noMapping) and a
// glob match type.
func builtinDefaults(d Defaults, noMapping bool) Defaults {
	if !noMapping {
		if len(d.Histogram.Buckets) == 0 {
			d.Histogram.Buckets = DefaultBuckets
		}
		if d.Histogram.NativeBucketFactor == 0 {
			d.Histogram.NativeBucketFactor = 1.1
		}
		if d.Histogram.NativeMaxBuckets == 0 {
			d.Histogram.NativeMaxBuckets = 256
		}
		if len(d.Summary.Quantiles) == 0 {
			d.Summary.Quantiles = DefaultObjectives
		}
	}
	if d.MatchType == MatchDefault {
		d.MatchType = MatchGlob
	}
	return d
}

// NewRuleSet compiles cfg. It reports every problem at once (errors.Join
// of *RuleError). It has no side effects.
func NewRuleSet(cfg RuleSetConfig) (*RuleSet, error) {
	d := builtinDefaults(cfg.Defaults, cfg.NoMappingDefaults)
	rs := &RuleSet{
		id:              ruleSetIDs.Add(1),
		unmatch:         cfg.Unmatched,
		lcName:          cfg.LowercaseOutputName,
		lcLabel:         cfg.LowercaseOutputLabelNames,
		inferCounter:    cfg.InferCounterTypeFromName,
		clientJavaNames: cfg.ClientJavaNames,
		escape:          cfg.Escape,
		dupLabel:        cfg.DuplicateLabel,
		unmatchedNames: NameOptions{
			LowercaseOutputName:       cfg.LowercaseOutputName || cfg.UnmatchedNames.LowercaseOutputName,
			LowercaseOutputLabelNames: cfg.LowercaseOutputLabelNames || cfg.UnmatchedNames.LowercaseOutputLabelNames,
			InferCounterTypeFromName:  cfg.InferCounterTypeFromName || cfg.UnmatchedNames.InferCounterTypeFromName,
		},
	}
	if rs.escape == nil {
		rs.escape = EscapeMetricName
	}
	for i := range rs.tries {
		rs.tries[i] = newGlobTrie(!d.GlobDisableOrdering, cfg.StatsdGlobQuirks)
	}
	var errs []error
	var err error
	rs.defaultOpts, err = seriesOptions(RuleConfig{}, &d)
	if err != nil {
		errs = append(errs, fmt.Errorf("defaults: %w", err))
	}
	rs.inline = d
	if cfg.InlineDefaults != nil {
		rs.inline = builtinDefaults(*cfg.InlineDefaults, cfg.NoMappingDefaults)
	}
	ids := map[string]int{}
	own := map[*Defaults]*Defaults{}
	for i, c := range cfg.Rules {
		if c.Index == 0 {
			c.Index = i + 1
		}
		rd := &d
		if c.Defaults != nil {
			// a rule's own defaults, filled once per distinct set
			if own[c.Defaults] == nil {
				o := builtinDefaults(*c.Defaults, cfg.NoMappingDefaults)
				own[c.Defaults] = &o
			}
			rd = own[c.Defaults]
		}
		r, rerrs := compileRule(c, rd, int32(i), cfg.RegexTimeout)
		errs = append(errs, rerrs...)
		r.id = ruleID(&c, i)
		if n := ids[r.id]; n > 0 {
			r.id = fmt.Sprintf("%s:%d", r.id, c.Pos.Col)
			if ids[r.id] > 0 {
				r.id = fmt.Sprintf("%s#%d", r.id, i+1)
			}
		}
		ids[r.id]++
		r.opts.Rule = r.id
		rs.rules = append(rs.rules, r)
		if len(rerrs) > 0 {
			continue
		}
		if r.re != nil {
			rs.regexes = append(rs.regexes, r)
			rs.jmxCache = rs.jmxCache || c.CacheMatch
			continue
		}
		live := false
		if c.MatchMetricType == TypeUntyped {
			for _, t := range rs.tries {
				ok := t.add(c.Match, int32(i))
				live = live || ok
			}
		} else {
			live = rs.tries[typeClass(c.MatchMetricType)].add(c.Match, int32(i))
		}
		if !live {
			rs.shadowed = append(rs.shadowed, r)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.StatsdGlobQuirks && d.GlobDisableOrdering {
		var globs []string
		for _, r := range rs.rules {
			if r.re == nil {
				globs = append(globs, r.cfg.Match)
			}
		}
		greedy := !statsdNeedsBacktracking(globs)
		for _, t := range rs.tries {
			t.greedy = greedy
		}
	}
	size := cfg.CacheSize
	if size == 0 {
		size = DefaultCacheSize
		if len(rs.regexes) == 0 {
			size = DefaultGlobCacheSize
		}
	}
	if size > 0 {
		rs.cache = newCache(size)
	}
	if cfg.DefaultHelp != "" {
		// One pointer for every series option: the store takes it as a
		// new family's help when the first sample has none, so that the
		// samples themselves carry nothing more. Its own allocation, so
		// that a family does not keep the rule set alive after a reload.
		rs.defaultHelp = new(string)
		*rs.defaultHelp = cfg.DefaultHelp
		rs.defaultOpts.DefaultHelp = rs.defaultHelp
		for _, r := range rs.rules {
			r.opts.DefaultHelp = rs.defaultHelp
		}
	}
	if len(rs.rules) == 0 {
		rs.byDefault = &entry{useDefault: true}
	}
	return rs, nil
}

// DefaultHelp returns the help text of families whose first sample gets
// none from its record or rule ("": the store's default).
func (rs *RuleSet) DefaultHelp() string {
	if rs.defaultHelp == nil {
		return ""
	}
	return *rs.defaultHelp
}

// UnmatchedOptions returns the series options of records no rule
// matches.
func (rs *RuleSet) UnmatchedOptions() *SeriesOptions { return rs.defaultOpts }

// InlineOptions returns the series options a rule c would have, added to
// the input's own (inline) rules: it takes RuleSetConfig.InlineDefaults.
func (rs *RuleSet) InlineOptions(c RuleConfig) (*SeriesOptions, error) {
	o, err := seriesOptions(c, &rs.inline)
	if o != nil {
		o.DefaultHelp = rs.defaultHelp
	}
	return o, err
}

// InlineMatchType is the match type of a rule added to the input's own
// (inline) rules that sets none: glob unless the input's defaults say
// regex.
func (rs *RuleSet) InlineMatchType() MatchType { return rs.inline.MatchType }

// Len returns the number of rules.
func (rs *RuleSet) Len() int { return len(rs.rules) }

// CacheLen returns the number of match results cached; ok is false when
// the rule set has no cache. It walks the cache: call it at scrape time,
// not per record.
func (rs *RuleSet) CacheLen() (n int, ok bool) {
	if rs.cache == nil {
		return 0, false
	}
	return rs.cache.len(), true
}

// entry is a cached match result for one (match string, type): everything
// about the output that depends on the match string alone. The cache
// holds tens of thousands of them, most for names no rule matched, so
// what only a matching rule produces is behind out.
type entry struct {
	key  string
	name string // the output name: the expanded rule name, or the escaped match string when the rule has none or nothing matched
	hash uint64 // c.hash of key and typ
	rule *rule  // nil: no rule matched
	out  *ruleOut
	sink SinkRef     // the sink's memo for this result
	ref  atomic.Bool // clock bit for the cache
	typ  Type
	// useDefault says the record's DefaultName, if any, takes the
	// place of name.
	useDefault bool
	// jmxCached says jmx_exporter finds this result in, or puts it
	// into, its rule cache (MatchedRulesCache, kept when a rule has
	// `cache: true`): no rule matched, or a cache rule did and made a
	// series name and value of the match string. Those are the
	// attributes jmx_scrape_cached_beans counts (Replacement.JMXCached).
	jmxCached bool
}

// ruleOut is what a matching rule that keeps the record makes of the
// match string; every such entry has one.
type ruleOut struct {
	labels   Labels // the rule's labels, expanded, sorted by name, unique
	value    float64
	hasValue bool
	help     string // the expanded help of a rule with a help template
	invalid  string // reason the output is invalid, "" if valid
}

// ruleSetIDs numbers rule sets.
var ruleSetIDs atomic.Uint64

// lookupRecord is lookup for a record, through its MatchRef when it has
// one.
func (rs *RuleSet) lookupRecord(rec *Record) (*entry, bool) {
	if rs.byDefault != nil && rec.DefaultName != "" {
		// Without rules such a record becomes its default series: the
		// entry's name (the escaped match string) is not used. A poll of
		// 20,000 JMX attributes missed the cache with nearly every one
		// (their values are in their match strings), escaping and
		// copying each match string for nothing.
		return rs.byDefault, false
	}
	ref := rec.MatchRef
	if ref == nil {
		return rs.lookup(rec.Match, rec.MatchHash, rec.Type)
	}
	// The input passes the same string each time, so comparing it is
	// comparing a pointer.
	if m := ref.p.Load(); m != nil && m.rs == rs.id && m.typ == rec.Type && m.key == rec.Match {
		return m.e, true
	}
	e, hit := rs.lookup(rec.Match, rec.MatchHash, rec.Type)
	if rs.cache != nil {
		ref.p.Store(&matchMemo{rs: rs.id, key: rec.Match, typ: rec.Type, e: e})
	}
	return e, hit
}

// lookup returns the cached or computed entry for (s, t).
func (rs *RuleSet) lookup(s string, sh uint64, t Type) (*entry, bool) {
	var h uint64
	if rs.cache != nil {
		h = rs.cache.hash(s, sh, t)
		if e := rs.cache.get(h, s, t); e != nil {
			return e, true
		}
	}
	// The record's string may live in the input's reused buffer: keep a
	// copy of our own.
	s = strings.Clone(s)
	e := rs.compute(s, t)
	if rs.cache != nil {
		e.key, e.typ, e.hash = s, t, h
		if rs.cache.admit(h) {
			rs.cache.put(e)
		}
	}
	return e, false
}

// findScratch is the storage of find's captures (in front) and of the
// glob search's path stack (behind), reused by compute: a match string
// computed is a cache miss, and a JMX attribute whose value changes
// misses at every poll.
type findScratch [16]string

var findScratches = sync.Pool{New: func() any { return new(findScratch) }}

// matchable reports whether any rule may match a record of type t.
func (rs *RuleSet) matchable(t Type) bool {
	return len(rs.regexes) > 0 || !rs.tries[typeClass(t)].empty
}

// find returns the matching rule and its captures (captures[0] is $0),
// which may be held in all (16 strings; nil allocates them).
func (rs *RuleSet) find(s string, t Type, all []string) (*rule, []string) {
	if len(all) < len(findScratch{}) {
		all = make([]string, len(findScratch{}))
	}
	all[0] = s
	caps := all[:1:8]
	if idx, caps := rs.tries[typeClass(t)].match(s, caps, all[8:8:16]); idx >= 0 {
		return rs.rules[idx], caps
	}
	// variants[snake|cache<<1] are the jmx_exporter rule options' views
	// of the match string, made once each when a rule needs them.
	var variants [4]string
	variants[0] = s
	for _, r := range rs.regexes {
		if mt := r.cfg.MatchMetricType; mt != TypeUntyped && mt != t {
			continue
		}
		v := 0
		if r.cfg.AttrNameSnakeCase {
			v |= 1
		}
		if r.cfg.CacheMatch {
			v |= 2
		}
		if v != 0 && variants[v] == "" {
			variants[v] = jmxRuleMatch(variants[0], v&1 != 0, v&2 != 0)
		}
		s = variants[v]
		var ok bool
		caps, ok, _ = r.re.submatch(s, caps[:0])
		if !ok {
			// A backtracking match that ran out of time is skipped
			// (counted per rule: rosetta_rule_regex_timeouts_total).
			continue
		}
		return r, caps
	}
	return nil, nil
}

func (rs *RuleSet) compute(s string, t Type) *entry {
	var (
		r    *rule
		caps []string
	)
	if rs.matchable(t) {
		// The captures are read below and kept nowhere: their storage
		// goes back to the pool.
		sc := findScratches.Get().(*findScratch)
		defer func() {
			clear(sc[:])
			findScratches.Put(sc)
		}()
		r, caps = rs.find(s, t, sc[:])
	}
	e := &entry{rule: r}
	if r == nil {
		e.name, e.useDefault = rs.outName(s, rs.lowerName(nil)), true
		e.jmxCached = rs.jmxCache
		return e
	}
	if r.cfg.Action == ActionDrop {
		return e
	}
	o := &ruleOut{}
	e.out = o
	var arr [256]byte
	buf := arr[:0]
	if r.hasName {
		n := r.name.expandString(buf, caps)
		e.name = rs.outName(n, rs.lowerName(r))
	} else {
		e.name, e.useDefault = rs.outName(s, rs.lowerName(r)), true
	}
	if e.name == "" || !ValidMetricName(e.name) {
		o.invalid = "empty_metric_name"
		if e.name != "" {
			o.invalid = "invalid_metric_name"
		}
	}
	if len(r.labels) > 0 {
		o.labels = make(Labels, 0, len(r.labels))
		for _, lt := range r.labels {
			var n, v string
			n = lt.name.expandString(buf, caps)
			v = lt.value.expandString(buf, caps)
			if r.cfg.JMXLabels {
				if lt.name.hasRefs() {
					n = rs.escape(n)
				}
				if n == "" || v == "" {
					continue
				}
			}
			if rs.lowerLabels(r) {
				n = strings.ToLower(n)
			}
			if lt.name.hasRefs() && !ValidLabelName(n) && o.invalid == "" {
				o.invalid = "invalid_label_name"
			}
			if lt.value.hasRefs() && !utf8.ValidString(v) && o.invalid == "" {
				o.invalid = "invalid_label_value"
			}
			o.labels = append(o.labels, Label{Name: n, Value: v})
		}
		o.labels = sortLabels(o.labels)
	}
	if r.hasHelp {
		o.help = r.help.expandString(buf, caps)
	}
	badValue := false
	if r.hasValue {
		v := r.value.expandString(buf, caps)
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		badValue = err != nil
		if badValue && o.invalid == "" {
			o.invalid = "invalid_value"
		}
		o.value, o.hasValue = f, true
	}
	// jmx_exporter returns before caching a rule's result when its name
	// is empty or its value template's result does not parse.
	e.jmxCached = r.cfg.CacheMatch && e.name != "" && !badValue
	return e
}

// lowerName, lowerLabels and inferCounterFor say whether the rule set's
// options of those names hold for a record that rule r (nil: none)
// matched: the rule set's, or the rule's own (its file's); for a record no
// rule matched, unmatchedNames.
func (rs *RuleSet) lowerName(r *rule) bool {
	if r == nil {
		return rs.unmatchedNames.LowercaseOutputName
	}
	return rs.lcName || r.cfg.LowercaseOutputName
}

func (rs *RuleSet) lowerLabels(r *rule) bool {
	if r == nil {
		return rs.unmatchedNames.LowercaseOutputLabelNames
	}
	return rs.lcLabel || r.cfg.LowercaseOutputLabelNames
}

func (rs *RuleSet) inferCounterFor(r *rule) bool {
	if r == nil {
		return rs.unmatchedNames.InferCounterTypeFromName
	}
	return rs.inferCounter || r.cfg.InferCounterTypeFromName
}

func (rs *RuleSet) outName(n string, lower bool) string {
	n = rs.escape(n)
	if lower {
		n = strings.ToLower(n)
	}
	return n
}

// Invalid reasons of an observation into a summary statsd_exporter
// cannot serve, of a statsd_exporter mapping file that it accepts.
// Rosetta refuses each such observation; the rest goes on.
const (
	// negativeMaxAge: a negative max_age. client_golang panics when the
	// summary is made, on its first observation: statsd_exporter exits.
	negativeMaxAge = "negative_summary_max_age"
	// invalidQuantile: a quantile outside [0, 1] (or NaN). perks indexes
	// outside its buffer when queried: from the first observation on,
	// every scrape of statsd_exporter panics (net/http recovers; no
	// answer).
	invalidQuantile = "invalid_summary_quantile"
)

// Outcome classifies what the rules did with a record.
type Outcome uint8

// Outcomes.
const (
	OutcomeMapped    Outcome = iota // a rule matched and produced a sample
	OutcomeUnmatched                // no rule matched; kept under the default name
	OutcomeDropped                  // a drop rule matched, or unmatched records are dropped
	OutcomeInvalid                  // the output would be invalid; Reason says why
)

func (o Outcome) String() string {
	return [...]string{"mapped", "unmatched", "dropped", "invalid"}[o]
}

// mapRecord maps rec through entry e into s, appending labels to arena.
// It returns the outcome, an invalid reason and the grown arena.
func (rs *RuleSet) mapRecord(rec *Record, e *entry, s *Sample, arena []Label) (Outcome, string, []Label) {
	r := e.rule
	if r == nil && rs.unmatch == UnmatchedDrop {
		return OutcomeDropped, "unmatched", arena
	}
	if r != nil && r.cfg.Action == ActionDrop {
		return OutcomeDropped, "drop_rule", arena
	}
	o := e.out // not nil when r is
	if rec.NoValue && (r == nil || !o.hasValue) {
		// A reading without a number (a JMX String attribute) becomes a
		// sample only through a rule that takes its value from the match.
		return OutcomeDropped, "no_value", arena
	}
	if o != nil && o.invalid != "" {
		return OutcomeInvalid, o.invalid, arena
	}
	ref := &e.sink
	if e == rs.byDefault {
		ref = nil // one result for many series: no memo of one
	}
	*s = Sample{Name: e.name, Type: rec.Type, Delta: rec.Delta, Repeat: rec.Repeat, Help: rec.Help, Dist: rec.Dist, Value: rec.Value, Ref: ref,
		TimestampMs: rec.TimestampMs, HasTimestamp: rec.HasTimestamp}
	base := rec.Labels
	if e.useDefault && rec.DefaultName != "" {
		s.Name = rec.DefaultName
		if r != nil && r.cfg.AttrNameSnakeCase {
			s.Name = jmxSnakeDefaultName(s.Name, rec.Match)
		}
		if rs.lowerName(r) {
			s.Name = strings.ToLower(s.Name)
		}
		base = rec.DefaultLabels
	}
	start := len(arena)
	own := base[:len(base):len(base)]
	// Sorted, unique labels are used as they are (a Sample's labels are
	// read, never written): StatsD line templates keep theirs sorted.
	lowerLabels := rs.lowerLabels(r)
	if lowerLabels || !sortedUnique(base) {
		for _, l := range base {
			if lowerLabels {
				l.Name = strings.ToLower(l.Name)
			}
			arena = append(arena, l)
		}
		own = sortLabels(arena[start:])
		arena = arena[:start+len(own)]
	}
	if r == nil {
		s.Opts = rs.defaultOpts
		s.Labels = own
	} else {
		s.Opts = r.opts
		if len(o.labels) == 0 {
			s.Labels = own
		} else if len(own) == 0 {
			s.Labels = o.labels[:len(o.labels):len(o.labels)] // the entry's own, never written
		} else {
			// merge two sorted lists; on equal names the rule wins unless
			// honor_labels
			mstart := len(arena)
			i, j := 0, 0
			for i < len(own) || j < len(o.labels) {
				switch {
				case j == len(o.labels) || i < len(own) && own[i].Name < o.labels[j].Name:
					arena = append(arena, own[i])
					i++
				case i == len(own) || o.labels[j].Name < own[i].Name:
					arena = append(arena, o.labels[j])
					j++
				default:
					if r.cfg.HonorLabels {
						arena = append(arena, own[i])
					} else {
						arena = append(arena, o.labels[j])
					}
					i++
					j++
				}
			}
			s.Labels = arena[mstart:]
		}
		if r.hasHelp {
			s.Help = o.help
		} else if r.cfg.Help != "" {
			s.Help = r.cfg.Help
		}
		if r.cfg.TypeSet {
			switch rec.Type {
			case TypeUntyped, TypeCounter, TypeGauge:
				s.Type = r.cfg.Type
			}
		}
		if o.hasValue {
			s.Value = o.value
		}
		if r.cfg.Scale != nil && (o.hasValue || !rec.Unscaled) {
			s.Value *= *r.cfg.Scale
		}
	}
	if rs.inferCounterFor(r) && strings.HasSuffix(s.Name, "_total") {
		switch s.Type {
		case TypeUntyped, TypeGauge:
			s.Type = TypeCounter
		}
	}
	if rs.clientJavaNames {
		s.Name = clientJavaName(s.Name, s.Type == TypeCounter)
	}
	// A negative increment (-Inf too) is refused as statsd_exporter
	// refuses it; NaN and +Inf are added, as client_golang's counter adds
	// them (the series then stays NaN or +Inf until it expires).
	if s.Type == TypeCounter && rec.Delta && rec.Dist == nil && s.Value < 0 {
		return OutcomeInvalid, "illegal_negative_counter", arena[:start]
	}
	if s.Name == "" {
		return OutcomeInvalid, "empty_metric_name", arena[:start]
	}
	if s.Opts.Invalid != "" && s.Type == TypeObserver {
		return OutcomeInvalid, s.Opts.Invalid, arena[:start]
	}
	if r == nil {
		return OutcomeUnmatched, "", arena
	}
	return OutcomeMapped, "", arena
}

// sortedUnique reports whether ls is sorted by name without repeats.
func sortedUnique(ls Labels) bool {
	for i := 1; i < len(ls); i++ {
		if ls[i-1].Name >= ls[i].Name {
			return false
		}
	}
	return true
}

// sortLabels sorts ls by name (stable) and removes duplicate names, keeping
// the last value, in place.
func sortLabels(ls Labels) Labels {
	if len(ls) < 2 {
		return ls
	}
	if len(ls) > 24 {
		return ls.Sort()
	}
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && ls[j].Name < ls[j-1].Name; j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
	return ls.dedupeSorted()
}

// Map maps one record through the cache (for tests and tools; pipelines
// batch and count). The sample is zero unless the outcome is mapped or
// unmatched; reason says why a record was dropped or is invalid. It does
// not count rule hits.
func (rs *RuleSet) Map(rec Record) (Sample, Outcome, string) {
	e, _ := rs.lookup(rec.Match, rec.MatchHash, rec.Type)
	var s Sample
	out, reason, _ := rs.mapRecord(&rec, e, &s, nil)
	if out != OutcomeMapped && out != OutcomeUnmatched {
		return Sample{}, out, reason
	}
	return s, out, reason
}

// RuleInfo describes one rule for status pages and tools.
type RuleInfo struct {
	ID        string
	Pos       Pos
	Index     int
	Match     string
	MatchType MatchType
	Action    Action
	Name      string
}

func (r *rule) info() RuleInfo {
	return RuleInfo{ID: r.id, Pos: r.cfg.Pos, Index: r.cfg.Index, Match: r.cfg.Match,
		MatchType: r.cfg.MatchType, Action: r.cfg.Action, Name: r.cfg.Name}
}

// RuleStats is a rule with its hit statistics.
type RuleStats struct {
	RuleInfo
	Hits      uint64
	LastMatch time.Time // zero if never
}

// Stats returns every rule, in order, with its hits since the rule set was
// built.
func (rs *RuleSet) Stats() []RuleStats {
	out := make([]RuleStats, len(rs.rules))
	for i, r := range rs.rules {
		out[i] = RuleStats{RuleInfo: r.info(), Hits: r.hits.n.Load()}
		if ns := r.hits.last.Load(); ns != 0 {
			out[i].LastMatch = time.Unix(0, ns)
		}
	}
	return out
}

// lastHits counts a rule's hits and the last time it matched.
type lastHits struct {
	n    atomic.Uint64
	last atomic.Int64 // unix nanoseconds
}

func (h *lastHits) add(n uint64, now int64) {
	h.n.Add(n)
	if h.last.Load() != now {
		h.last.Store(now)
	}
}
