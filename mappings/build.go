package mappings

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/internal/errpos"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Build: each input's driver config decoded through the registry, its
// rules gathered from the input block and its mapping files (any format,
// formats.go) and compiled.

// Options are what Build needs from outside.
type Options struct {
	// Library holds the curated mapping files (library:NAME reads
	// NAME.yml from it); nil disables library references.
	Library fs.FS
	// ReadFile reads mapping files; nil means os.ReadFile.
	ReadFile func(string) ([]byte, error)
	// Escape, when set, is the name escaper of every rule set.
	Escape func(string) string
	// CacheSize is passed to every rule set (see normalize.RuleSetConfig).
	CacheSize int
}

// Input is one fully built input.
type Input struct {
	Name, Type string
	Factory    inputs.Factory
	Config     inputs.Config
	Rules      *normalize.RuleSet
	// Fingerprint identifies the input's type and driver config: equal
	// fingerprints mean the driver need not restart on reload.
	Fingerprint string
	referenced  []string // files the config block names
	// Files are the mapping files the rules came from and the files the
	// config block names (for watching).
	Files []string
	// Warnings are what its rule files have that is accepted but not used
	// (keys jmx_exporter ignores, for example), "file:line:col: message".
	Warnings []string
}

// Build decodes every input's driver config with its factory and compiles
// its rules. It reads mapping files but has no other side effect; every
// error is reported at once.
func Build(cfg *Config, reg *inputs.Registry, opts Options) ([]Input, error) {
	var errs []error
	out := make([]Input, 0, len(cfg.Inputs))
	for _, ic := range cfg.Inputs {
		in, err := buildInput(cfg, &ic, reg, opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, in)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func buildInput(cfg *Config, ic *InputConfig, reg *inputs.Registry, opts Options) (Input, error) {
	in := Input{Name: ic.Name, Type: ic.Type}
	var errs []error
	fail := func(err error) { errs = append(errs, err) }
	f, ok := reg.Factory(ic.Type)
	switch {
	case ic.Type == "":
		// Parse reported it.
	case !ok:
		fail(errpos.New(ic.Pos.File, ic.Pos.Line, ic.Pos.Col, fmt.Errorf("input %q: unknown type %q (known: %s)", ic.Name, ic.Type, strings.Join(reg.Types(), ", "))))
	default:
		in.Factory = f
		var node *yaml.Node
		if ic.Config != nil && !isNull(ic.Config) {
			node = ic.Config
		} else {
			node = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		c, err := f.Decode(node)
		if err == nil {
			ic.implied = impliedRefs(c)
			err = c.Validate()
		}
		if err != nil {
			// One position per error: the driver's own (a key of the
			// block, or a line of a file it read), else the block's.
			at := errpos.Error{File: cfg.File, Line: ic.Pos.Line, Col: ic.Pos.Col}
			if ic.Config != nil {
				at.Line, at.Col = ic.Config.Line, ic.Config.Column
			}
			fail(errpos.Wrap(err, at, fmt.Sprintf("input %q: config: ", ic.Name)))
		} else {
			in.Config = c
		}
		h := sha256.New()
		h.Write([]byte(ic.Type))
		h.Write([]byte{0})
		var referenced []string
		if ic.Config != nil {
			// the decoded value, so that comments and key order do not count
			var v any
			if err := ic.Config.Decode(&v); err == nil {
				b, _ := yaml.Marshal(v)
				h.Write(b)
				referenced = referencedFiles(v, nil)
			}
		}
		// The files the block names (a jmx_exporter or json_exporter config,
		// TLS and password files): a change in one must restart the input
		// like a change in the block, and is watched like a mapping file.
		for _, f := range referenced {
			h.Write([]byte{0})
			h.Write([]byte(f))
			h.Write([]byte{0})
			if b, err := os.ReadFile(f); err == nil {
				h.Write(b)
			}
		}
		in.Fingerprint = hex.EncodeToString(h.Sum(nil))
		in.referenced = referenced
	}
	rsc, files, warnings, err := ruleSetConfigFor(cfg, ic, opts)
	in.Files = files
	for _, f := range in.referenced {
		if !slices.Contains(in.Files, f) {
			in.Files = append(in.Files, f)
		}
	}
	in.Warnings = warnings
	if err != nil {
		fail(err)
	}
	if rsc != nil {
		if dh, ok := in.Config.(inputs.DefaultHelper); ok {
			rsc.DefaultHelp = dh.DefaultHelp()
		}
		// Compiled even after decoding errors (rules that decoded), so
		// that check reports their errors too.
		rs, cerr := normalize.NewRuleSet(*rsc)
		if cerr != nil {
			fail(cerr)
		}
		if err == nil {
			in.Rules = rs
		}
	}
	return in, errors.Join(errs...)
}

// impliedRefs are the rule files an input's decoded config names.
func impliedRefs(c inputs.Config) []MappingRef {
	rf, ok := c.(inputs.RuleFiles)
	if !ok {
		return nil
	}
	var out []MappingRef
	for _, f := range rf.RuleFiles() {
		out = append(out, MappingRef{File: f.File, Format: f.Format})
	}
	return out
}

// ruleRefs are the rule files of an input in order: those its config
// names, then its mapping_files, without a file named twice (by path; a
// library file by name).
func ruleRefs(cfg *Config, ic *InputConfig) []MappingRef {
	refs := slices.Clone(ic.implied)
	seen := map[string]bool{}
	key := func(ref MappingRef) string {
		if ref.Library != "" {
			return "library:" + ref.Library
		}
		file := ref.File
		if !filepath.IsAbs(file) && cfg.File != "" {
			file = filepath.Join(filepath.Dir(cfg.File), file)
		}
		if abs, err := filepath.Abs(file); err == nil {
			file = abs
		}
		return file
	}
	for _, ref := range refs {
		seen[key(ref)] = true
	}
	for _, ref := range ic.MappingFiles {
		if k := key(ref); !seen[k] || len(ic.implied) == 0 {
			seen[k] = true
			refs = append(refs, ref)
		}
	}
	return refs
}

// RuleSetConfigFor assembles an input's rule set: the rule files its
// config names (a jmx input's jmx_exporter_config), its mapping files in
// order, then its inline rules. What a file's rules leave unset comes from
// the file's own defaults, then from the input's `defaults` (global.ttl
// for the ttl) or the built-in ones, never from another file's: each rule
// carries its defaults (RuleConfig.Defaults), so that a file means the
// same wherever it is listed. The rule set's own defaults, for unmatched
// records, are the input's `defaults`, or else those of its first mapping
// file; its glob_disable_ordering is the input's `defaults`' when they set
// it, else its first mapping file's.
// A file's lowercasing and counter inference hold for its own rules
// (fileRules), and for the whole rule set when it is used alone. A file
// the config names is the input's base: its options (unmatched,
// lowercasing, counter inference) hold for the whole rule set, unless the
// input sets them.
func RuleSetConfigFor(cfg *Config, ic *InputConfig, opts Options) (*normalize.RuleSetConfig, []string, error) {
	rsc, files, _, err := ruleSetConfigFor(cfg, ic, opts)
	return rsc, files, err
}

// ruleSetConfigFor is RuleSetConfigFor, with the warnings of the files:
// their formats' (formatWarnings), then those of their glob ordering
// (globOrdering.check), found on the files as translated for the rule set.
func ruleSetConfigFor(cfg *Config, ic *InputConfig, opts Options) (*normalize.RuleSetConfig, []string, []string, error) {
	out := ic.Rules
	out.Rules = nil
	out.CacheSize = opts.CacheSize
	if opts.Escape != nil {
		out.Escape = opts.Escape
	}
	if out.Defaults.TTL == 0 {
		out.Defaults.TTL = cfg.Global.TTL
	}
	// base fills what a file's rules and defaults, and inline rules,
	// leave unset.
	base := out.Defaults
	var errs []error
	var files, fileWarnings, warnings []string
	order := newGlobOrdering(ic)
	refs := ruleRefs(cfg, ic)
	// Mapping files that all drop what they do not match (the curated
	// JMX files, jmx_exporter configs) drop it together too, unless the
	// input says otherwise: listing library:jvm beside library:kafka must
	// not bring in every other bean under default names.
	allDrop := len(refs) > 0
	quirksSet := false
	for i, ref := range refs {
		refPos := errpos.Error{File: ref.Pos.File, Line: ref.Pos.Line, Col: ref.Pos.Col}
		file, data, err := readRef(cfg, ref, opts)
		if err == nil {
			fileWarnings = append(fileWarnings, formatWarnings(file, data, ref.Format)...)
		}
		if _, ok := lookupFormat(ref.Format); !ok && ref.Format != "" {
			errs = append(errs, errpos.Wrap(fmt.Errorf("unknown format %q (known: %s)", ref.Format, strings.Join(Formats(), ", ")), refPos, fmt.Sprintf("input %q: ", ic.Name)))
			continue
		}
		if err != nil {
			errs = append(errs, errpos.Wrap(err, refPos, fmt.Sprintf("input %q: ", ic.Name)))
			continue
		}
		if ref.Library == "" {
			files = append(files, file)
		}
		fc, err := TranslateFile(file, data, ref.Format)
		if err != nil {
			errs = append(errs, errpos.InFile(err, file))
			if fc != nil {
				// What decoded is still compiled (see Build).
				out.Rules = append(out.Rules, fileRules(fc, base)...)
			}
			continue
		}
		if w := order.check(ic, i, ref, file, fc); w != "" {
			warnings = append(warnings, w)
		}
		allDrop = allDrop && fc.Unmatched == normalize.UnmatchedDrop
		if !quirksSet && len(fc.Rules) > 0 {
			// The first file with rules: a statsd_exporter file with
			// only defaults has no globs to keep the quirks of.
			out.StatsdGlobQuirks, quirksSet = fc.StatsdGlobQuirks, true
		}
		if i == 0 && !ic.hasDefaults {
			ttl := out.Defaults.TTL
			out.Defaults = fc.Defaults
			if out.Defaults.TTL == 0 {
				out.Defaults.TTL = ttl
			}
		}
		if i == 0 && !ic.hasGlobOrdering {
			// An input's defaults: that leave glob_disable_ordering
			// unset leave it to the first file, as without them.
			out.Defaults.GlobDisableOrdering = fc.Defaults.GlobDisableOrdering
		}
		if i == 0 && len(refs) == 1 {
			// One mapping file: its options govern what its rules do
			// not match, as when it is alone, inline rules or not (so
			// that adding one changes no other record); the input's own
			// options add to them (whether or not the input has a
			// defaults: block). Its rules carry their own (fileRules);
			// inline rules take the input's.
			if !ic.hasUnmatched {
				out.Unmatched = fc.Unmatched
			}
			out.UnmatchedNames = normalize.NameOptions{
				LowercaseOutputName:       fc.LowercaseOutputName,
				LowercaseOutputLabelNames: fc.LowercaseOutputLabelNames,
				InferCounterTypeFromName:  fc.InferCounterTypeFromName,
			}
		}
		if i < len(ic.implied) && i == 0 {
			// The whole config the input names: what it adds to is added.
			if !ic.hasUnmatched {
				out.Unmatched = fc.Unmatched
			}
			out.LowercaseOutputName = out.LowercaseOutputName || fc.LowercaseOutputName
			out.LowercaseOutputLabelNames = out.LowercaseOutputLabelNames || fc.LowercaseOutputLabelNames
			out.InferCounterTypeFromName = out.InferCounterTypeFromName || fc.InferCounterTypeFromName
		}
		out.Rules = append(out.Rules, fileRules(fc, base)...)
		if fc.Escape != nil && out.Escape == nil {
			out.Escape = fc.Escape
		}
		if fc.DuplicateLabel != "" && out.DuplicateLabel == "" {
			out.DuplicateLabel = fc.DuplicateLabel
		}
		out.ClientJavaNames = out.ClientJavaNames || fc.ClientJavaNames
	}
	if allDrop && !ic.hasUnmatched {
		out.Unmatched = normalize.UnmatchedDrop
	}
	for _, r := range ic.Rules.Rules {
		r.Defaults = &base
		out.Rules = append(out.Rules, r)
	}
	// What an inline rule added later takes, for the rules suggested for
	// unmatched records (which may take the first file's defaults).
	out.InlineDefaults = &base
	warnings = append(fileWarnings, warnings...)
	if err := errors.Join(errs...); err != nil {
		// out holds what decoded, for reporting its errors as well.
		return &out, files, warnings, err
	}
	return &out, files, warnings, nil
}

// fileRules are a file's rules as they keep their file's defaults and
// options when rules from several sources are merged: what the file's
// defaults leave unset comes from base (the input's defaults, else the
// built-in ones), not from the rule set's, which may be another file's;
// the rule set's lowercasing and counter inference are the input's (or
// those of the config the input names, ic.implied; an input's only file
// governs unmatched records through UnmatchedNames), a file's own hold
// for its rules wherever they are.
func fileRules(fc *normalize.RuleSetConfig, base normalize.Defaults) []normalize.RuleConfig {
	rules := applyDefaults(fc.Rules, fc.Defaults)
	d := mergeDefaults(fc.Defaults, base)
	for i := range rules {
		r := &rules[i]
		r.Defaults = &d
		r.LowercaseOutputName = r.LowercaseOutputName || fc.LowercaseOutputName
		r.LowercaseOutputLabelNames = r.LowercaseOutputLabelNames || fc.LowercaseOutputLabelNames
		r.InferCounterTypeFromName = r.InferCounterTypeFromName || fc.InferCounterTypeFromName
	}
	return rules
}

// applyDefaults writes a file's defaults into its rules so that they keep
// them when rules from several sources are merged.
func applyDefaults(rules []normalize.RuleConfig, d normalize.Defaults) []normalize.RuleConfig {
	out := make([]normalize.RuleConfig, len(rules))
	for i, r := range rules {
		if r.MatchType == normalize.MatchDefault {
			r.MatchType = d.MatchType
		}
		if !r.RegexDialectSet && r.MatchType == normalize.MatchRegex {
			r.JavaRegex, r.RegexDialectSet = r.JavaRegex || d.JavaRegex, true
		}
		if r.Observer == normalize.ObserverDefault {
			r.Observer = d.Observer
		}
		if r.TTL == 0 {
			r.TTL = d.TTL
		}
		switch r.Observer {
		case normalize.ObserverHistogram, normalize.ObserverNativeHistogram:
			h := d.Histogram
			if r.Histogram != nil {
				h = mergeHistogram(*r.Histogram, h)
			}
			if len(h.Buckets) > 0 || h.NativeBucketFactor > 0 || h.NativeMaxBuckets > 0 {
				r.Histogram = &h
			}
		case normalize.ObserverSummary:
			s := d.Summary
			if r.Summary != nil {
				s = mergeSummary(*r.Summary, s)
			}
			if len(s.Quantiles) > 0 || s.MaxAge != 0 || s.AgeBuckets > 0 || s.BufCap > 0 {
				r.Summary = &s
			}
		}
		out[i] = r
	}
	return out
}

// mergeDefaults fills what d leaves unset from base. A regex dialect
// goes with the match type it is the default for: applyDefaults gave d's
// to the file's regex rules, base's is for rules that take base's regex
// match type. glob_disable_ordering is not a rule's: it stays the rule
// set's (its globs share one trie).
func mergeDefaults(d, base normalize.Defaults) normalize.Defaults {
	if d.MatchType == normalize.MatchDefault {
		d.MatchType, d.JavaRegex = base.MatchType, base.JavaRegex
	}
	d.Observer = cmp.Or(d.Observer, base.Observer)
	d.TTL = cmp.Or(d.TTL, base.TTL)
	d.Histogram = mergeHistogram(d.Histogram, base.Histogram)
	d.Summary = mergeSummary(d.Summary, base.Summary)
	return d
}

func mergeHistogram(h, d normalize.HistogramOptions) normalize.HistogramOptions {
	h.Buckets = orList(h.Buckets, d.Buckets)
	h.NativeBucketFactor = cmp.Or(h.NativeBucketFactor, d.NativeBucketFactor)
	h.NativeMaxBuckets = cmp.Or(h.NativeMaxBuckets, d.NativeMaxBuckets)
	return h
}

func mergeSummary(s, d normalize.SummaryOptions) normalize.SummaryOptions {
	s.Quantiles = orList(s.Quantiles, d.Quantiles)
	s.MaxAge = cmp.Or(s.MaxAge, d.MaxAge)
	s.AgeBuckets = cmp.Or(s.AgeBuckets, d.AgeBuckets)
	s.BufCap = cmp.Or(s.BufCap, d.BufCap)
	return s
}

// orList is cmp.Or for lists: l unless it is empty, else d.
func orList[L ~[]E, E any](l, d L) L {
	if len(l) == 0 {
		return d
	}
	return l
}

func readRef(cfg *Config, ref MappingRef, opts Options) (string, []byte, error) {
	if ref.Library != "" {
		if opts.Library == nil {
			return "", nil, fmt.Errorf("library %q: no mapping library available", ref.Library)
		}
		name := ref.Library
		if path.Ext(name) == "" {
			name += ".yml"
		}
		data, err := fs.ReadFile(opts.Library, name)
		if err != nil {
			return "", nil, fmt.Errorf("library %q: %w", ref.Library, err)
		}
		return "library:" + name, data, nil
	}
	file := ref.File
	if !filepath.IsAbs(file) && cfg.File != "" {
		file = filepath.Join(filepath.Dir(cfg.File), file)
	}
	read := opts.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	data, err := read(file)
	if err != nil {
		return "", nil, fmt.Errorf("mapping file: %w", err)
	}
	return file, data, nil
}
