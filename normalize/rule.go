package normalize

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Pos is a position in a config or mapping file.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	switch {
	case p.File == "" && p.Line == 0:
		return ""
	case p.Line == 0:
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// MatchType selects how a rule's match is interpreted.
type MatchType uint8

// Match types. MatchDefault takes the rule set's default (glob unless set).
const (
	MatchDefault MatchType = iota
	MatchGlob
	MatchRegex
)

func (m MatchType) String() string { return enumName(m, "", "glob", "regex") }

// Action is what a matching rule does.
type Action uint8

// Actions.
const (
	ActionMap Action = iota
	ActionDrop
)

func (a Action) String() string { return enumName(a, "map", "drop") }

// HistogramOptions configure histogram observers.
type HistogramOptions struct {
	Buckets            []float64
	NativeBucketFactor float64
	NativeMaxBuckets   uint32
}

// SummaryOptions configure summary observers. A negative MaxAge or a
// quantile outside [0, 1] (which only a statsd_exporter mapping file can
// give) makes every observation into the summary invalid (SeriesOptions.Invalid).
type SummaryOptions struct {
	Quantiles  []Objective
	MaxAge     time.Duration
	AgeBuckets uint32
	BufCap     uint32
}

// LabelConfig is one label a rule sets; Name and Value may be templates.
type LabelConfig struct {
	Name, Value string
	Pos         Pos
}

// RuleConfig is one rule as written in a config or mapping file, after
// decoding. Zero values mean "not set".
type RuleConfig struct {
	// Pos is where the rule starts; Index its number (from 1) in its file.
	Pos   Pos
	Index int

	Match     string
	MatchType MatchType
	// MatchMetricType restricts the rule to records of this type:
	// TypeCounter, TypeGauge or TypeObserver; TypeUntyped means any.
	MatchMetricType Type
	// Name is the output name template; "" uses the record's default name.
	Name   string
	Labels []LabelConfig
	Action Action
	Help   string
	// AttrNameSnakeCase is jmx_exporter's rule option: the rule matches
	// the bean string with the attribute name in snake case, and its
	// default name uses that form too. Regex rules only.
	AttrNameSnakeCase bool
	// CacheMatch is jmx_exporter's rule option `cache`: the rule matches
	// the bean string with its value (after the attribute name's ": ")
	// replaced by "<cache>", so that its result does not depend on the
	// value. Regex rules only.
	CacheMatch bool
	// JavaRegex says a regex Match is a java.util.regex pattern, matched
	// with Java's meaning (and its matches(): the whole string).
	// RegexDialectSet says the rule chose its dialect (regex_dialect):
	// else a regex rule takes Defaults.JavaRegex, JavaRegex or not.
	JavaRegex       bool
	RegexDialectSet bool
	// JMXExporterValues says the rule is a jmx_exporter config's: its
	// Value may be any text (a value that is not a number is
	// invalid_value where the rule matches) and its Scale any double
	// (.inf, NaN), as jmx_exporter reads them. A rule file's rule with
	// JavaRegex (regex_dialect: java) is a rule file's rule: not set.
	JMXExporterValues bool
	// JMXLabels gives the rule's labels jmx_exporter's treatment: a label
	// name made from captures goes through the rule set's name escaper,
	// and a label whose name or value expands to "" is left out.
	JMXLabels bool
	// HelpTemplate says Help is a template like Name (Rosetta's own rules
	// and jmx_exporter's); statsd_exporter's help is literal text.
	HelpTemplate bool
	// StatsdTemplates expands the rule's glob templates as
	// statsd_exporter's formatter does, through fmt.Sprintf: a "%" in a
	// template with a reference is a verb ("%%" is "%"). Its Scale may be
	// infinite or NaN, as statsd_exporter's may.
	StatsdTemplates bool
	// Type overrides the output type of counter, gauge and untyped records
	// when TypeSet (TypeCounter, TypeGauge or TypeUntyped).
	Type    Type
	TypeSet bool
	// Value, if set, is a template whose expansion is parsed as the value.
	Value string
	// Scale multiplies the value when set.
	Scale       *float64
	HonorLabels bool
	Observer    ObserverType
	Histogram   *HistogramOptions
	Summary     *SummaryOptions
	TTL         time.Duration
	SeriesLimit int
	// LowercaseOutputName, LowercaseOutputLabelNames and
	// InferCounterTypeFromName are the rule set's options of those names
	// for this rule alone: its file's, in a rule set made of several
	// files. The rule set's own apply to every rule besides.
	LowercaseOutputName       bool
	LowercaseOutputLabelNames bool
	InferCounterTypeFromName  bool
	// Defaults, when set, fill what the rule leaves unset in place of the
	// rule set's Defaults (which then serve unmatched records and the
	// other rules): a mapping file's rules keep their file's defaults
	// beside other rule sources. The built-in defaults fill what they
	// leave unset, as they do the rule set's.
	Defaults *Defaults
}

// Defaults are the rule-set defaults (statsd_exporter's "defaults").
type Defaults struct {
	Observer            ObserverType
	MatchType           MatchType
	GlobDisableOrdering bool
	TTL                 time.Duration
	Summary             SummaryOptions
	Histogram           HistogramOptions
	// JavaRegex is the dialect of regex rules that do not set theirs
	// (regex_dialect: java).
	JavaRegex bool
}

// Unmatched says what happens to records no rule matches.
type Unmatched uint8

// Unmatched policies.
const (
	UnmatchedKeep Unmatched = iota
	UnmatchedDrop
)

func (u Unmatched) String() string { return enumName(u, "keep", "drop") }

// RuleSetConfig is a complete, decoded rule set for one input.
type RuleSetConfig struct {
	Defaults Defaults
	// InlineDefaults, when set, are what a rule added to the input's own
	// (inline) rules takes, when they are not Defaults (which may be a
	// mapping file's, for unmatched records). The rule set only reports
	// them (InlineOptions): a rule suggested for unmatched records must
	// set what differs to keep what they get now.
	InlineDefaults *Defaults
	Rules          []RuleConfig
	// Unmatched: keep (escaped match string or the record's default name)
	// or drop.
	Unmatched                 Unmatched
	LowercaseOutputName       bool
	LowercaseOutputLabelNames bool
	// ClientJavaNames names series as jmx_exporter's client_java (1.x)
	// exposes them: the reserved suffixes _total, _created, _bucket and
	// _info are stripped from every name (repeatedly), and a counter gets
	// _total back.
	ClientJavaNames bool
	// RegexTimeout bounds one match of a backtracking (Java) regex; 0
	// means DefaultRegexTimeout.
	RegexTimeout time.Duration
	// InferCounterTypeFromName is jmx_exporter's inferCounterTypeFromName:
	// a counter, gauge or untyped sample whose output name ends in _total
	// becomes a counter, whatever its rule says.
	InferCounterTypeFromName bool
	// UnmatchedNames add, for records no rule matches, to the rule set's
	// own lowercasing and counter inference: a lone mapping file's, which
	// govern them beside inline rules as they do when the file is alone,
	// while the inline rules keep the input's.
	UnmatchedNames NameOptions
	// DuplicateLabel, when set, is jmx_exporter's `_objectname`: within
	// one poll (a Replace batch), when samples of one name do not all have
	// distinct label sets, every sample of that name gets this label, whose
	// value is the record's match string up to its last ':'.
	DuplicateLabel string
	// Escape turns a templated or unmatched name into a metric name; nil
	// means EscapeMetricName.
	Escape func(string) string
	// CacheSize bounds the match cache (entries); 0 means
	// DefaultCacheSize, or DefaultGlobCacheSize for a rule set without
	// regex rules; negative disables the cache.
	CacheSize int
	// StatsdGlobQuirks reproduces three quirks of statsd_exporter's glob
	// state machine, for drop-in compatibility: a glob rule whose path ends
	// where an earlier, longer rule passed through (a.* after a.*.c) never
	// matches; of two rules with the same glob and metric type, the
	// first wins but competes with the second one's position in the file;
	// and under glob_disable_ordering, unless statsd_exporter's heuristic
	// predicts a need to backtrack, the search follows one greedy path and
	// misses some names a rule matches (*.*.b, c.b, c.b.b do not map
	// c.a.b). Without it, every name a rule matches finds one.
	StatsdGlobQuirks bool
	// NoMappingDefaults leaves the defaults exactly as given. By default
	// the statsd_exporter defaults for a loaded mapping file are filled
	// in: DefBuckets, native histogram factor 1.1 with 256 buckets, and
	// quantiles 0.5, 0.9, 0.99.
	NoMappingDefaults bool
	// DefaultHelp is the help text of a family whose first sample gets
	// none from its record or rule ("": the store's default):
	// statsd_exporter's for the StatsD input that stands in for it, so
	// that its text reaches that input's series only. Every series
	// option of the rule set points to it (SeriesOptions.DefaultHelp);
	// samples carry nothing more.
	DefaultHelp string
}

// NameOptions are a rule file's options that change a series' name,
// label names and type.
type NameOptions struct {
	LowercaseOutputName       bool
	LowercaseOutputLabelNames bool
	InferCounterTypeFromName  bool
}

// DefaultCacheSize is the match cache size when none is configured.
const DefaultCacheSize = 1 << 16

// DefaultGlobCacheSize is the default for a rule set without regex rules
// (a StatsD mapping file, or none): a miss costs a glob trie walk and an
// escaped name, not a regex per rule, so the cache need not hold every
// name of a high-cardinality sender (65,536 entries of 25-byte names cost
// ~8 MB; the inputs' line templates keep their own match results).
const DefaultGlobCacheSize = 1 << 14

// DefaultBuckets are client_golang's default histogram buckets.
var DefaultBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// DefaultObjectives are statsd_exporter's default summary quantiles.
var DefaultObjectives = []Objective{{0.5, 0.05}, {0.9, 0.01}, {0.99, 0.001}}

// RuleError is a problem with one rule.
type RuleError struct {
	Pos   Pos
	Index int
	Match string
	Err   error
}

func (e *RuleError) Error() string {
	if s := e.Pos.String(); s != "" {
		return s + ": " + e.Message()
	}
	return e.Message()
}

func (e *RuleError) Unwrap() error { return e.Err }

// Where is the rule's position (errpos.Positioned).
func (e *RuleError) Where() (file string, line, col int) { return e.Pos.File, e.Pos.Line, e.Pos.Col }

// Message is the error without its position (errpos.Positioned).
func (e *RuleError) Message() string {
	if e.Index > 0 {
		return fmt.Sprintf("rule %d (%q): %s", e.Index, e.Match, e.Err.Error())
	}
	return e.Err.Error()
}

// compiled rule
type rule struct {
	id    string
	index int32
	cfg   RuleConfig
	re    *regex
	stars int // glob captures

	name     template
	hasName  bool
	labels   []labelTmpl
	value    template
	hasValue bool
	help     template
	hasHelp  bool // help has references to expand
	opts     *SeriesOptions

	hits lastHits
}

type labelTmpl struct {
	name, value template
}

func (r *rule) compileTemplate(t string) template {
	if r.re != nil {
		return compileRegexTemplate(t, r.re)
	}
	return compileGlobTemplate(t, r.stars, r.cfg.StatsdTemplates)
}

// compileRule checks and compiles c; the glob pattern has been added to
// the tries by the caller, which passes the star count.
func compileRule(c RuleConfig, d *Defaults, idx int32, regexTimeout time.Duration) (*rule, []error) {
	var errs []error
	fail := func(pos Pos, format string, args ...any) {
		if pos.Line == 0 {
			pos = c.Pos
		}
		errs = append(errs, &RuleError{Pos: pos, Index: c.Index, Match: c.Match, Err: fmt.Errorf(format, args...)})
	}
	r := &rule{index: idx, cfg: c}
	if c.MatchType == MatchDefault {
		r.cfg.MatchType = d.MatchType
		if r.cfg.MatchType == MatchDefault {
			r.cfg.MatchType = MatchGlob
		}
	}
	if !c.RegexDialectSet && d.JavaRegex && r.cfg.MatchType == MatchRegex {
		r.cfg.JavaRegex = true
	}
	switch {
	case c.Match == "":
		fail(Pos{}, "match is empty")
	case r.cfg.MatchType == MatchRegex:
		var re *regex
		var err error
		if r.cfg.JavaRegex {
			re, err = compileJava(c.Match, regexTimeout)
		} else {
			re, err = compileRE2(c.Match)
		}
		if err != nil {
			fail(Pos{}, "invalid regex %q: %w", c.Match, err)
		} else {
			r.re = re
		}
	case c.JavaRegex:
		fail(Pos{}, "regex_dialect java needs match_type regex")
	default:
		if err := validGlob(c.Match); err != nil {
			fail(Pos{}, "invalid glob %q: %w", c.Match, err)
		} else {
			r.stars = 0
			for _, seg := range strings.Split(c.Match, ".") {
				if seg == "*" {
					r.stars++
				}
			}
		}
	}
	if c.CacheMatch && r.cfg.MatchType != MatchRegex {
		// a glob rule never sees the <cache> match string
		fail(Pos{}, "jmx_cache needs match_type regex")
	}
	if c.AttrNameSnakeCase && r.cfg.MatchType != MatchRegex {
		// nor the snake case attribute name
		fail(Pos{}, "attr_name_snake_case needs match_type regex")
	}
	switch c.MatchMetricType {
	case TypeUntyped, TypeCounter, TypeGauge, TypeObserver:
	default:
		fail(Pos{}, "invalid match_metric_type %q", c.MatchMetricType.String())
	}
	if c.TypeSet {
		switch c.Type {
		case TypeCounter, TypeGauge, TypeUntyped:
		default:
			fail(Pos{}, "invalid type %q (want counter, gauge or untyped)", c.Type.String())
		}
	}
	if c.Name != "" {
		r.hasName = true
		r.name = r.compileTemplate(c.Name)
		if !strings.Contains(c.Name, "$") && !ValidMetricName(c.Name) {
			fail(Pos{}, "invalid metric name %q", c.Name)
		} else if strings.Contains(c.Name, "$") && !validNameTemplate(c.Name) {
			fail(Pos{}, "invalid metric name template %q", c.Name)
		}
	}
	seen := map[string]bool{}
	for _, l := range c.Labels {
		lt := labelTmpl{name: r.compileTemplate(l.Name), value: r.compileTemplate(l.Value)}
		if !lt.name.hasRefs() {
			// a reference to no capture expands to nothing: check what is left
			if !ValidLabelName(lt.name.text) {
				fail(l.Pos, "invalid label name %q", l.Name)
			}
			if seen[lt.name.text] {
				fail(l.Pos, "duplicate label name %q", l.Name)
			}
			seen[lt.name.text] = true
		}
		r.labels = append(r.labels, lt)
	}
	if c.Value != "" {
		r.hasValue = true
		r.value = r.compileTemplate(c.Value)
		// jmx_exporter accepts any value and skips the attributes a
		// value that is not a number matches (invalid_value here).
		if !r.value.hasRefs() && !c.JMXExporterValues {
			if _, err := strconv.ParseFloat(strings.TrimSpace(c.Value), 64); err != nil {
				fail(Pos{}, "invalid value %q: not a number", c.Value)
			}
		}
	}
	if c.HelpTemplate && c.Help != "" {
		if h := r.compileTemplate(c.Help); h.hasRefs() {
			r.help, r.hasHelp = h, true
		}
	}
	// statsd_exporter multiplies by any float its YAML library reads,
	// jmx_exporter by any double Java reads (.inf, .nan, "Infinity");
	// Rosetta's own rules take finite ones.
	if c.Scale != nil && !c.StatsdTemplates && !c.JMXExporterValues && (math.IsNaN(*c.Scale) || math.IsInf(*c.Scale, 0)) {
		fail(Pos{}, "invalid scale %v", *c.Scale)
	}
	if c.SeriesLimit < 0 {
		fail(Pos{}, "invalid series_limit %d: must not be negative", c.SeriesLimit)
	}
	if c.TTL < 0 {
		fail(Pos{}, "invalid ttl %q: must not be negative", c.TTL)
	}
	opts, err := seriesOptions(c, d)
	if err != nil {
		fail(Pos{}, "%w", err)
		opts = &SeriesOptions{}
	}
	r.opts = opts
	return r, errs
}

// validNameTemplate checks a templated name the way statsd_exporter does:
// only [a-zA-Z0-9_] and references, not starting with a digit.
func validNameTemplate(t string) bool {
	stripped := globRefRE.ReplaceAllString(t, "x")
	return ValidMetricName(strings.ReplaceAll(stripped, ":", "_"))
}

// seriesOptions builds the store options of a rule (or of unmatched
// records when c is the zero rule) the way statsd_exporter's registry
// resolves them. A negative max_age and a quantile outside [0, 1] are
// allowed, as statsd_exporter's mapper allows them; the summary's
// observations are refused (SeriesOptions.Invalid). Rosetta's own rule files refuse
// them when decoded.
func seriesOptions(c RuleConfig, d *Defaults) (*SeriesOptions, error) {
	o := &SeriesOptions{TTL: c.TTL, SeriesLimit: c.SeriesLimit}
	if o.TTL == 0 {
		o.TTL = d.TTL
	}
	o.Observer = c.Observer
	if o.Observer == ObserverDefault {
		o.Observer = d.Observer
	}
	// statsd_exporter rejects mixed options only for an explicit observer
	// type; without one it uses a summary and ignores histogram_options.
	explicit := o.Observer != ObserverDefault
	if !explicit {
		o.Observer = ObserverSummary
	}
	switch o.Observer {
	case ObserverHistogram, ObserverNativeHistogram:
		if c.Summary != nil && explicit {
			return nil, errors.New("cannot use a histogram observer and summary_options at the same time")
		}
		o.Buckets = d.Histogram.Buckets
		o.NativeBucketFactor = d.Histogram.NativeBucketFactor
		o.NativeMaxBuckets = d.Histogram.NativeMaxBuckets
		if h := c.Histogram; h != nil {
			if len(h.Buckets) > 0 {
				o.Buckets = h.Buckets
			}
			if h.NativeBucketFactor > 0 {
				o.NativeBucketFactor = h.NativeBucketFactor
			}
			if h.NativeMaxBuckets > 0 {
				o.NativeMaxBuckets = h.NativeMaxBuckets
			}
		}
		if o.Observer == ObserverNativeHistogram {
			o.Buckets = nil
			if o.NativeBucketFactor <= 1 {
				o.NativeBucketFactor = 1.1
			}
		}
		if err := checkBuckets(o.Buckets); err != nil {
			return nil, err
		}
		if o.NativeBucketFactor != 0 && o.NativeBucketFactor <= 1 {
			return nil, fmt.Errorf("invalid native_histogram_bucket_factor %v: must be greater than 1", o.NativeBucketFactor)
		}
	case ObserverSummary:
		if c.Histogram != nil && explicit {
			return nil, errors.New("cannot use a summary observer and histogram_options at the same time")
		}
		o.Objectives = d.Summary.Quantiles
		o.MaxAge, o.AgeBuckets, o.BufCap = d.Summary.MaxAge, d.Summary.AgeBuckets, d.Summary.BufCap
		if s := c.Summary; s != nil {
			if len(s.Quantiles) > 0 {
				o.Objectives = s.Quantiles
			}
			// statsd_exporter takes the rule's summary options as a whole
			// once it has any, with zero fields filled from the defaults.
			if s.MaxAge != 0 {
				o.MaxAge = s.MaxAge
			}
			if s.AgeBuckets != 0 {
				o.AgeBuckets = s.AgeBuckets
			}
			if s.BufCap != 0 {
				o.BufCap = s.BufCap
			}
		}
		if len(o.Objectives) == 0 {
			o.Objectives = DefaultObjectives
		}
		// statsd_exporter accepts any quantile and max_age; a summary it
		// cannot serve makes its observations invalid (o.Invalid).
		for _, q := range o.Objectives {
			if !(q.Quantile >= 0 && q.Quantile <= 1) {
				o.Invalid = invalidQuantile
			}
		}
		if o.MaxAge < 0 {
			o.Invalid = negativeMaxAge
		}
	default:
		return nil, fmt.Errorf("invalid observer_type %q", o.Observer.String())
	}
	return o, nil
}

func checkBuckets(b []float64) error {
	for i, v := range b {
		if math.IsNaN(v) {
			return fmt.Errorf("invalid bucket %v", v)
		}
		if i > 0 && v <= b[i-1] {
			return fmt.Errorf("buckets must be in increasing order: %v after %v", v, b[i-1])
		}
	}
	return nil
}

// ruleID is a stable, readable id: "<file>:<line>", or "rule<index>"
// without a position.
func ruleID(c *RuleConfig, i int) string {
	if c.Pos.Line > 0 {
		return fmt.Sprintf("%s:%d", filepath.Base(c.Pos.File), c.Pos.Line)
	}
	return fmt.Sprintf("rule%d", i+1)
}
