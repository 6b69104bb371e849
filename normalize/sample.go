package normalize

import (
	"context"
	"fmt"
	"hash/maphash"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// Type is the metric type an input hints at or a rule assigns.
type Type uint8

// Types. The zero value means the input did not say.
const (
	TypeUntyped Type = iota
	TypeCounter
	TypeGauge
	// TypeObserver is a single observation (a StatsD timer, histogram or
	// distribution event) that feeds a histogram or summary in the store.
	TypeObserver
	// TypeHistogram is a complete, pre-aggregated histogram (Record.Dist),
	// as read from another exporter's /metrics.
	TypeHistogram
	// TypeSummary is a complete, pre-aggregated summary (Record.Dist).
	TypeSummary
)

func (t Type) String() string {
	return enumName(t, "untyped", "counter", "gauge", "observer", "histogram", "summary")
}

// enumName is the name of v among the names of its type's values, in
// order; "unknown" past them.
func enumName[T ~uint8](v T, names ...string) string {
	if int(v) < len(names) {
		return names[v]
	}
	return "unknown"
}

// ParseType returns the type named s, one of those a config may give the
// metrics it makes: counter, gauge or untyped.
func ParseType(s string) (Type, error) {
	for _, t := range [...]Type{TypeCounter, TypeGauge, TypeUntyped} {
		if s == t.String() {
			return t, nil
		}
	}
	return TypeUntyped, fmt.Errorf("%q is not counter, gauge or untyped", s)
}

// Label is one name/value pair.
type Label struct {
	Name, Value string
}

// Labels is a list of labels. Labels on a Sample are sorted by name and
// unique; labels on a Record are as the input read them.
type Labels []Label

// Get returns the value of the label name, or "".
func (ls Labels) Get(name string) string {
	for _, l := range ls {
		if l.Name == name {
			return l.Value
		}
	}
	return ""
}

// Sort sorts ls by name in place, keeping the last value of a duplicated
// name, and returns the result.
func (ls Labels) Sort() Labels {
	if !sort.SliceIsSorted(ls, func(i, j int) bool { return ls[i].Name < ls[j].Name }) {
		sort.SliceStable(ls, func(i, j int) bool { return ls[i].Name < ls[j].Name })
	}
	return ls.dedupeSorted()
}

// dedupeSorted removes, in place, every label of a stably sorted ls whose
// name the next one repeats: the last value of a name is kept.
func (ls Labels) dedupeSorted() Labels {
	out := ls[:0]
	for i, l := range ls {
		if i+1 < len(ls) && ls[i+1].Name == l.Name {
			continue
		}
		out = append(out, l)
	}
	return out
}

// String formats ls as {a="1", b="2"}.
func (ls Labels) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, l := range ls {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l.Name)
		b.WriteString(`="`)
		b.WriteString(l.Value)
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// Bucket is one cumulative histogram bucket.
type Bucket struct {
	UpperBound float64
	Count      uint64
}

// Quantile is one summary quantile.
type Quantile struct {
	Quantile, Value float64
}

// Distribution is a pre-aggregated histogram or summary read from a source
// that already aggregates (a Prometheus scrape, a plugin).
type Distribution struct {
	Count     uint64
	Sum       float64
	Buckets   []Bucket   // histograms; cumulative, +Inf may be omitted
	Quantiles []Quantile // summaries
}

// Record is the raw reading every input produces, before any rule.
type Record struct {
	// Match is the string rules match against.
	Match string
	// Labels are the raw labels or tags that came with the reading.
	Labels Labels
	Value  float64
	// Type is the input's hint; rules may override it.
	Type Type
	// Delta is true when Value is an increment (StatsD counters, gauge
	// +/- updates) and false when it is an absolute reading.
	Delta bool
	// Repeat, above 1, says an observation (TypeObserver) was made Repeat
	// times: a StatsD timer sent with a sample rate stands for int(1/rate)
	// observations, which statsd_exporter makes one by one and the store
	// adds at once. 0 and 1 both mean once; other types ignore it.
	Repeat uint32
	// Help is the source's description, if it has one.
	Help string
	// Dist is set for TypeHistogram and TypeSummary.
	Dist *Distribution
	// NoValue says the reading has no number (a JMX String or enum
	// attribute, read so that a rule's value template can take a number
	// from the match string). Unless the matching rule has a value
	// template, the record is dropped (reason no_value).
	NoValue bool
	// Unscaled says a rule's scale does not apply to Value (a JMX
	// Boolean, which jmx_exporter exports as 1 or 0 whatever the rule's
	// valueFactor), unless the rule's value template gives the value.
	Unscaled bool
	// DefaultName and DefaultLabels, when DefaultName is set, give the
	// series the record becomes when no rule matches (and unmatched records
	// are kept) or when the matching rule has no name of its own: the
	// jmx_exporter default format, for example. When DefaultName is empty
	// the engine escapes Match into a metric name and keeps Labels.
	DefaultName   string
	DefaultLabels Labels
	// MatchHash, when not 0, is MatchHash(Match): an input that hashes
	// its names anyway (to intern them) passes the hash on so that the
	// rule cache does not hash the name again.
	MatchHash uint64
	// MatchRef, when not nil, is where the rule set remembers its result
	// for this Match and Type (see MatchRef).
	MatchRef *MatchRef
	// TimestampMs, when HasTimestamp, is the reading's own time in
	// milliseconds since the epoch, exposed with the sample (json_exporter's
	// epochtimestamp). Most readings have none: the scrape's time is theirs.
	TimestampMs  int64
	HasTimestamp bool
}

// MatchRef lets an input that sends the same match string again and
// again (a StatsD line seen before) keep the rule set's result for it, so
// that the next record skips the rule cache. The result is used only by
// the rule set that made it (not after a reload) and only for the same
// Match and Type. One MatchRef per distinct match string; it is safe for
// concurrent use.
type MatchRef struct{ p atomic.Pointer[matchMemo] }

type matchMemo struct {
	rs  uint64 // RuleSet.id; a pointer would keep an old rule set alive
	key string
	typ Type
	e   *entry
}

// matchSeed seeds MatchHash for the life of the process.
var matchSeed = maphash.MakeSeed()

// MatchHash hashes a match string as the rule cache does.
func MatchHash(b []byte) uint64 { return maphash.Bytes(matchSeed, b) }

func matchHashString(s string) uint64 { return maphash.String(matchSeed, s) }

// ObserverType selects how observations (TypeObserver) are aggregated.
type ObserverType uint8

// Observer types. ObserverDefault means the store's default.
const (
	ObserverDefault ObserverType = iota
	ObserverHistogram
	ObserverSummary
	// ObserverNativeHistogram is a native (sparse) histogram only.
	ObserverNativeHistogram
)

func (o ObserverType) String() string {
	return enumName(o, "", "histogram", "summary", "native_histogram")
}

// Objective is a summary quantile with its allowed error.
type Objective struct {
	Quantile, Error float64
}

// SeriesOptions are the per-rule settings the store needs for a series. The
// engine shares one *SeriesOptions between all samples of a rule; the store
// must treat it as read-only.
type SeriesOptions struct {
	// Rule identifies the rule that produced the sample ("" when no rule
	// matched); it keys per-rule budgets and statistics.
	Rule string
	// TTL after which an idle series is removed; 0 keeps it forever.
	TTL time.Duration
	// Observer and its options for TypeObserver samples.
	Observer ObserverType
	Buckets  []float64
	// NativeBucketFactor > 1 adds native buckets to a classic histogram (or
	// sets the resolution of a native-only one); NativeMaxBuckets caps them.
	NativeBucketFactor float64
	NativeMaxBuckets   uint32
	Objectives         []Objective
	MaxAge             time.Duration
	AgeBuckets         uint32
	BufCap             uint32
	// SeriesLimit caps the series this rule may create; 0 means no per-rule cap.
	SeriesLimit int
	// Invalid, set by the rule compiler, is why a summary cannot be
	// served: its observations are refused with this reason
	// (negative_summary_max_age, invalid_summary_quantile); "" when valid.
	Invalid string
	// DefaultHelp, when not nil, is the help of a family created by a
	// sample without help (RuleSetConfig.DefaultHelp: statsd_exporter's
	// text for the StatsD input that stands in for it); nil leaves the
	// family to the store's default.
	DefaultHelp *string
}

// Sample is a Record after the rules: a named series with a value.
type Sample struct {
	Name   string
	Labels Labels // sorted, unique
	Value  float64
	Type   Type
	Delta  bool
	// Repeat is the Record's: an observation made Repeat times (0 and 1
	// mean once).
	Repeat uint32
	Help   string
	Dist   *Distribution
	// Opts is the matched rule's options; nil means defaults.
	Opts *SeriesOptions
	// Ref, when not nil, is the memo of the match result the sample came
	// from (see SinkRef).
	Ref *SinkRef
	// TimestampMs and HasTimestamp are the Record's (scalar samples only).
	TimestampMs  int64
	HasTimestamp bool
}

// SinkRef is where a Sink may remember, for one cached match result,
// where it stored the last sample made from it, so that the next sample
// with the same name and labels skips the Sink's own lookup. StatsD sends
// the same few names again and again; this saves hashing each one. The
// rule set keeps one SinkRef per cache entry, so a reload or an eviction
// starts afresh. Whatever a Sink finds there it must check: that it is
// its own (several sinks may share a rule set) and that it still fits the
// sample (one match result can carry different labels from the input).
type SinkRef struct{ v atomic.Value }

// Load returns what a Sink stored, or nil.
func (r *SinkRef) Load() any { return r.v.Load() }

// Store remembers v, which must always be of the same concrete type.
func (r *SinkRef) Store(v any) { r.v.Store(v) }

// Appender receives batches of Records from an input. It is safe for
// concurrent use. The callee must not keep batch, or anything it points to,
// after the call returns; the caller may reuse it.
type Appender interface {
	// Append maps and stores a batch of push readings.
	Append(ctx context.Context, batch []Record) error
	// Replace maps batch and makes it the complete set of series that
	// source (an input and target, as "input/target") produces: series it
	// produced before and does not produce now are removed. Pull inputs call
	// it once per poll; an empty batch removes all of the source's series
	// (the target is down).
	Replace(ctx context.Context, source string, batch []Record) error
}

// Replacer is implemented by Appenders that take a Replace in parts (a
// *Pipeline): a pull input with a large poll adds its records as it reads
// them.
type Replacer interface {
	BeginReplace(ctx context.Context, source string) RecordReplacement
}

// RecordReplacement is one Replace in parts. Add maps a part of the poll's
// records and stores it; the caller may reuse batch, but the strings its
// records point to must stay as they are until End. End makes the records
// added the complete set of the source's series, as Replace does with one
// batch; it must be called once. Replaces of one source must not overlap
// (one poller per target).
type RecordReplacement interface {
	Add(batch []Record)
	End()
}

// JMXCacheCounter is implemented by a *Pipeline's RecordReplacements.
// After End, JMXCached returns how many of the records added jmx_exporter
// would have found in, or put into, the cache it keeps for rules with
// `cache: true` (RuleConfig.CacheMatch): those no rule matched and those
// a cache rule matched and mapped to a name and value. jmx_exporter
// serves that number, per scrape, as jmx_scrape_cached_beans; it is 0
// when no rule has CacheMatch (jmx_exporter keeps no cache then).
type JMXCacheCounter interface {
	JMXCached() int
}

// Sink receives mapped Samples; the store in package outputs implements it.
// The same ownership rule as Appender applies.
type Sink interface {
	Write(batch []Sample)
	Replace(source string, batch []Sample)
}

// ReplaceSink is a Sink that also takes a Replace in parts (the store).
type ReplaceSink interface {
	Sink
	// BeginReplace starts a Replace of source's series; the samples
	// written to the replacement until its End are the complete set.
	BeginReplace(source string) SinkReplacement
}

// SinkReplacement is one Replace in parts; End must be called once.
type SinkReplacement interface {
	Write(batch []Sample)
	End()
}
