package normalize

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/internal/selfmetric"
)

// PipelineSettings wire a Pipeline.
type PipelineSettings struct {
	// Input is the input's name (for logs; the Registerer already labels
	// metrics with it).
	Input      string
	Sink       Sink
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// Unmatched, when set, counts the match strings no rule matched (for
	// the mappings page).
	Unmatched *TopK
}

// Pipeline maps the Records of one input through the current RuleSet and
// writes the Samples to the Sink. It implements Appender and is safe for
// concurrent use.
type Pipeline struct {
	set   PipelineSettings
	rules atomic.Pointer[RuleSet]
	pool  sync.Pool // *scratch

	cacheHits, cacheMisses prometheus.Counter
	unmapped               prometheus.Counter
	dropped                *prometheus.CounterVec
	droppedRule            prometheus.Counter
	droppedNoValue         prometheus.Counter
	droppedUnmatched       prometheus.Counter
	invalid                *prometheus.CounterVec
	mapped                 prometheus.Counter

	events eventCounters
}

// EventCounts are a pipeline's counts as statsd_exporter counts its
// events: a record standing for Repeat observations (a sampled StatsD
// timer) counts Repeat times, as statsd_exporter makes an event of each.
// They are monotonic: a new rule set does not reset them.
type EventCounts struct {
	// Stored are the samples handed to the sink, by their type
	// (statsd_exporter_events_total{type}, before the store's conflicts).
	Stored [TypeSummary + 1]uint64
	// The rest complete the rule counters the pipeline registers, which
	// count records, with the events beyond one of the records that stand
	// for several: of the records no rule matched
	// (rosetta_rule_unmapped_total), a drop rule dropped
	// (rosetta_rule_dropped_total{reason="drop_rule"}), dropped otherwise,
	// and refused (rosetta_rule_invalid_total). With Stored they give the
	// events looked up: records looked up (cache hits and misses) plus
	// every extra (Lookups).
	RepeatUnmapped, RepeatDropRule, RepeatDropOther, RepeatInvalid uint64
}

// ExtraStored returns the events beyond one per sample of the samples
// handed to the sink, given their count (rosetta_rule_samples_total).
func (c EventCounts) ExtraStored(samples uint64) uint64 {
	var n uint64
	for _, v := range c.Stored {
		n += v
	}
	return n - min(n, samples)
}

type eventCounters struct {
	stored                                                         [TypeSummary + 1]atomic.Uint64
	repeatUnmapped, repeatDropRule, repeatDropOther, repeatInvalid atomic.Uint64
}

// EventCounts returns the pipeline's event counts so far.
func (p *Pipeline) EventCounts() EventCounts {
	e := &p.events
	var c EventCounts
	for i := range e.stored {
		c.Stored[i] = e.stored[i].Load()
	}
	c.RepeatUnmapped = e.repeatUnmapped.Load()
	c.RepeatDropRule = e.repeatDropRule.Load()
	c.RepeatDropOther = e.repeatDropOther.Load()
	c.RepeatInvalid = e.repeatInvalid.Load()
	return c
}

// extraEvents is the events beyond one of a record that stands for
// Repeat observations (EventCounts).
func (r *Record) extraEvents() uint64 { return uint64(max(r.Repeat, 1)) - 1 }

// addEvents adds n to c unless it is 0 (no atomic add on the hot path).
func addEvents(c *atomic.Uint64, n uint64) {
	if n > 0 {
		c.Add(n)
	}
}

type scratch struct {
	samples []Sample
	labels  []Label
	invalid map[string]float64
	// recs holds, per sample, the index of its record, when the rule set
	// de-duplicates label sets (DuplicateLabel).
	recs []int32
	// unmatched are the batch's unmatched names, for the TopK.
	unmatched []topKey
	// hits counts the batch's records per rule index; touched lists the
	// rules counted, so that the shared counters are updated once per
	// rule and batch instead of once per record.
	hits    []uint64
	touched []int32
	// jmxCached counts the batch's records whose result jmx_exporter
	// finds in or puts into its rule cache (entry.jmxCached).
	jmxCached int
}

// NewPipeline returns a pipeline using rs (nil means no rules: everything
// is kept under its escaped name). It registers the pipeline's metrics on
// set.Registerer when that is not nil.
func NewPipeline(set PipelineSettings, rs *RuleSet) *Pipeline {
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Pipeline{set: set}
	p.pool.New = func() any { return &scratch{invalid: map[string]float64{}} }
	if rs == nil {
		rs, _ = NewRuleSet(RuleSetConfig{})
	}
	p.rules.Store(rs)
	f := selfmetric.With(set.Registerer)
	p.cacheHits = f.Counter("rosetta_rule_cache_hits_total", "Records whose match result came from the rule cache.")
	p.cacheMisses = f.Counter("rosetta_rule_cache_misses_total", "Records whose match result was computed by the rules.")
	p.unmapped = f.Counter("rosetta_rule_unmapped_total", "Records no rule matched.")
	p.mapped = f.Counter("rosetta_rule_samples_total", "Samples the rules produced and passed to the store.")
	p.dropped = f.CounterVec("rosetta_rule_dropped_total", "Records dropped on purpose, by reason: drop_rule (a rule with action drop), unmatched (unmatched: drop) or no_value (a reading without a number, such as a JMX String attribute, that no value template used).", "reason")
	p.droppedRule = p.dropped.WithLabelValues("drop_rule")
	p.droppedNoValue = p.dropped.WithLabelValues("no_value")
	p.droppedUnmatched = p.dropped.WithLabelValues("unmatched")
	p.invalid = f.CounterVec("rosetta_rule_invalid_total", "Records whose output would be invalid and was not stored, by reason.", "reason")
	if reg := set.Registerer; reg != nil {
		reg.MustRegister(&ruleCollector{p: p})
	}
	return p
}

// SetRuleSet swaps in new rules (atomically; in-flight batches finish with
// the old ones). A nil rs is ignored.
func (p *Pipeline) SetRuleSet(rs *RuleSet) {
	if rs != nil {
		p.rules.Store(rs)
	}
}

// RuleSet returns the rules in use.
func (p *Pipeline) RuleSet() *RuleSet { return p.rules.Load() }

// Append maps batch and writes the samples to the sink.
func (p *Pipeline) Append(_ context.Context, batch []Record) error {
	p.Map(batch).Commit()
	return nil
}

// Mapped is a batch mapped by Map and not yet written.
type Mapped struct {
	p  *Pipeline
	sc *scratch
}

// Map maps batch without writing it; Commit writes the result. Together
// they are Append in two steps, for an input that must write its batches
// in arrival order: it can map them in parallel and write them in turn.
// The result does not point into batch.
func (p *Pipeline) Map(batch []Record) Mapped { return Mapped{p: p, sc: p.mapBatch(batch)} }

// Commit writes the samples to the sink; m must not be used again.
func (m Mapped) Commit() {
	if len(m.sc.samples) > 0 {
		m.p.set.Sink.Write(m.sc.samples)
	}
	m.p.release(m.sc)
}

// BatchMapper is implemented by Appenders whose Append can be split into
// Map and Commit (a *Pipeline).
type BatchMapper interface {
	Map(batch []Record) Mapped
}

// Replace maps batch and replaces the series of source with the samples.
func (p *Pipeline) Replace(_ context.Context, source string, batch []Record) error {
	p.replaceWith(p.rules.Load(), source, batch)
	return nil
}

func (p *Pipeline) replaceWith(rs *RuleSet, source string, batch []Record) (jmxCached int) {
	sc := p.mapWith(rs, batch)
	jmxCached = sc.jmxCached
	if rs.clientJavaNames {
		clientJavaFamilies(sc.samples)
	}
	if rs.dupLabel != "" {
		dedupe(rs.dupLabel, sc, batch)
	}
	p.set.Sink.Replace(source, sc.samples)
	p.release(sc)
	return jmxCached
}

// BeginReplace is Replace in parts: a pull input adds a poll's records as
// it reads them (Add) instead of holding them all, and End makes what
// was added the complete set of source's series, so that a large poll
// never holds all its records and samples at once. The rules in use at
// BeginReplace map every part. When the sink cannot take parts, or the
// rules need the whole poll at once (jmx_exporter's duplicate-series and
// family-type handling), the parts are kept and mapped at End, as
// Replace does.
func (p *Pipeline) BeginReplace(_ context.Context, source string) RecordReplacement {
	rs := p.rules.Load()
	if sink, ok := p.set.Sink.(ReplaceSink); ok && rs.dupLabel == "" && !rs.clientJavaNames {
		return &streamReplacement{p: p, rs: rs, sink: sink.BeginReplace(source)}
	}
	return &heldReplacement{p: p, rs: rs, source: source}
}

// streamReplacement maps and writes each part as it comes.
type streamReplacement struct {
	p         *Pipeline
	rs        *RuleSet
	sink      SinkReplacement
	jmxCached int
}

func (r *streamReplacement) Add(batch []Record) {
	sc := r.p.mapWith(r.rs, batch)
	r.jmxCached += sc.jmxCached
	r.sink.Write(sc.samples)
	r.p.release(sc)
}

func (r *streamReplacement) End() { r.sink.End() }

// JMXCached implements JMXCacheCounter.
func (r *streamReplacement) JMXCached() int { return r.jmxCached }

// heldReplacement keeps the parts for one Replace at End.
type heldReplacement struct {
	p         *Pipeline
	rs        *RuleSet
	source    string
	recs      []Record
	jmxCached int
}

func (r *heldReplacement) Add(batch []Record) { r.recs = append(r.recs, batch...) }

func (r *heldReplacement) End() {
	r.jmxCached = r.p.replaceWith(r.rs, r.source, r.recs)
	r.recs = nil
}

// JMXCached implements JMXCacheCounter.
func (r *heldReplacement) JMXCached() int { return r.jmxCached }

func (p *Pipeline) release(sc *scratch) {
	clear(sc.samples)
	sc.samples = sc.samples[:0]
	clear(sc.labels)
	sc.labels = sc.labels[:0]
	sc.recs = sc.recs[:0]
	if cap(sc.samples) > 1<<16 || cap(sc.labels) > 1<<18 {
		return // do not keep huge buffers
	}
	p.pool.Put(sc)
}

func (p *Pipeline) mapBatch(batch []Record) *scratch { return p.mapWith(p.rules.Load(), batch) }

func (p *Pipeline) mapWith(rs *RuleSet, batch []Record) *scratch {
	sc := p.pool.Get().(*scratch)
	now := time.Now().UnixNano()
	if n := len(rs.rules); cap(sc.hits) < n {
		sc.hits = make([]uint64, n)
	} else {
		sc.hits = sc.hits[:n]
	}
	var hits, misses, unmapped, dropRule, dropUnmatched, dropNoValue, jmxCached int
	// Events as statsd_exporter counts them (EventCounts): extra are the
	// events beyond one of records that stand for several.
	// The hot path only adds each stored sample's events to its type's
	// count; the extras of records dropped, refused or unmatched are
	// counted where those are.
	var (
		stored                                                  [8]uint64 // by Type&7
		extraUnmapped, extraDropRule, extraDropOther, extraInvl uint64
	)
	track := rs.dupLabel != ""
	for i := range batch {
		rec := &batch[i]
		e, hit := rs.lookupRecord(rec)
		if hit {
			hits++
		} else {
			misses++
		}
		if e.jmxCached {
			jmxCached++
		}
		if r := e.rule; r != nil {
			if sc.hits[r.index] == 0 {
				sc.touched = append(sc.touched, r.index)
			}
			sc.hits[r.index]++
		} else {
			unmapped++
			extraUnmapped += rec.extraEvents()
			if p.set.Unmatched != nil {
				sc.unmatched = append(sc.unmatched, topKey{rec.Match, rec.Type})
			}
		}
		sc.samples = append(sc.samples, Sample{})
		s := &sc.samples[len(sc.samples)-1]
		var out Outcome
		var reason string
		out, reason, sc.labels = rs.mapRecord(rec, e, s, sc.labels)
		switch out {
		case OutcomeMapped, OutcomeUnmatched:
			if track {
				sc.recs = append(sc.recs, int32(i))
			}
			stored[s.Type&7] += uint64(max(s.Repeat, 1))
			continue
		case OutcomeDropped:
			switch reason {
			case "unmatched":
				dropUnmatched++
				extraDropOther += rec.extraEvents()
			case "no_value":
				dropNoValue++
				extraDropOther += rec.extraEvents()
			default:
				dropRule++
				extraDropRule += rec.extraEvents()
			}
		case OutcomeInvalid:
			sc.invalid[reason]++
			extraInvl += rec.extraEvents()
		}
		sc.samples = sc.samples[:len(sc.samples)-1]
	}
	for _, i := range sc.touched {
		rs.rules[i].hits.add(sc.hits[i], now)
		sc.hits[i] = 0
	}
	sc.touched = sc.touched[:0]
	sc.jmxCached = jmxCached
	addCount(p.cacheHits, hits)
	addCount(p.cacheMisses, misses)
	addCount(p.unmapped, unmapped)
	addCount(p.droppedRule, dropRule)
	addCount(p.droppedUnmatched, dropUnmatched)
	addCount(p.droppedNoValue, dropNoValue)
	addCount(p.mapped, len(sc.samples))
	ev := &p.events
	for t := range ev.stored {
		addEvents(&ev.stored[t], stored[t])
	}
	addEvents(&ev.repeatUnmapped, extraUnmapped)
	addEvents(&ev.repeatDropRule, extraDropRule)
	addEvents(&ev.repeatDropOther, extraDropOther)
	addEvents(&ev.repeatInvalid, extraInvl)
	if len(sc.unmatched) > 0 {
		p.set.Unmatched.add(sc.unmatched, time.Unix(0, now))
		clear(sc.unmatched)
		sc.unmatched = sc.unmatched[:0]
	}
	if len(sc.invalid) > 0 {
		for reason, n := range sc.invalid {
			p.invalid.WithLabelValues(reason).Add(n)
		}
		clear(sc.invalid)
	}
	return sc
}

// addCount adds a batch's count of something to its counter; a batch with
// none leaves the counter alone (no atomic add on the hot path).
func addCount(c prometheus.Counter, n int) {
	if n > 0 {
		c.Add(float64(n))
	}
}

// ruleCollector exposes per-rule hit counters of the current rule set.
type ruleCollector struct{ p *Pipeline }

var (
	ruleHitsDesc = prometheus.NewDesc("rosetta_rule_hits_total",
		"Records each rule matched since its rule set was loaded (rule is file:line).", []string{"rule"}, nil)
	rulesDesc = prometheus.NewDesc("rosetta_rules",
		"Rules in the rule set in use.", nil, nil)
	regexTimeoutsDesc = prometheus.NewDesc("rosetta_rule_regex_timeouts_total",
		"Matches of a backtracking (Java) regex rule that ran out of time and were skipped, since its rule set was loaded; after 8 the rule is skipped for every new string.", []string{"rule"}, nil)
)

func (c *ruleCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- ruleHitsDesc
	ch <- rulesDesc
	ch <- regexTimeoutsDesc
}

func (c *ruleCollector) Collect(ch chan<- prometheus.Metric) {
	rs := c.p.rules.Load()
	ch <- prometheus.MustNewConstMetric(rulesDesc, prometheus.GaugeValue, float64(len(rs.rules)))
	for _, r := range rs.rules {
		ch <- prometheus.MustNewConstMetric(ruleHitsDesc, prometheus.CounterValue, float64(r.hits.n.Load()), r.id)
		if r.re != nil && r.re.backtracking() {
			ch <- prometheus.MustNewConstMetric(regexTimeoutsDesc, prometheus.CounterValue, float64(r.re.timeouts.Load()), r.id)
		}
	}
}

// Unmatched returns the pipeline's tracker of unmatched names, or nil.
func (p *Pipeline) Unmatched() *TopK { return p.set.Unmatched }

// Counts returns the pipeline's record counters: "unmapped", "mapped",
// "dropped/<reason>" and "invalid/<reason>".
func (p *Pipeline) Counts() map[string]float64 {
	out := map[string]float64{}
	read := func(prefix string, c prometheus.Collector) {
		ch := make(chan prometheus.Metric, 16)
		go func() { c.Collect(ch); close(ch) }()
		for m := range ch {
			var d dto.Metric
			if m.Write(&d) != nil {
				continue
			}
			key := prefix
			for _, l := range d.GetLabel() {
				if l.GetName() == "reason" {
					key += "/" + l.GetValue()
				}
			}
			out[key] += d.GetCounter().GetValue()
		}
	}
	read("unmapped", p.unmapped)
	read("mapped", p.mapped)
	read("dropped", p.dropped)
	read("invalid", p.invalid)
	return out
}
