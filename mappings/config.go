package mappings

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/internal/errpos"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Config is a decoded native config file (--config.file).
type Config struct {
	// File is the path the config was read from ("" for in-memory data).
	File   string
	Global GlobalConfig
	Inputs []InputConfig
	// Outputs is the raw `outputs:` block (nil when absent), decoded by
	// outputs/remotewrite.
	Outputs *yaml.Node
}

// GlobalConfig holds store-wide settings.
type GlobalConfig struct {
	// SeriesLimit is the store-wide series budget; 0 means no limit.
	SeriesLimit int
	// TTL is the default TTL of series whose rules set none; 0 keeps them.
	TTL time.Duration
}

// MappingRef names one rule source of an input.
type MappingRef struct {
	// File is a path (relative to the config's directory), or Library the
	// name of an embedded curated file ("library:redis").
	File, Library string
	// Format is a registered format name, "" to detect it.
	Format string
	Pos    normalize.Pos
}

// InputConfig is one input of a config, before its driver config is
// decoded.
type InputConfig struct {
	Name, Type string
	Pos        normalize.Pos
	// Config is the raw `config:` block, decoded by the input's Factory in
	// Build; nil when absent.
	Config       *yaml.Node
	MappingFiles []MappingRef
	// Rules holds the inline defaults, rules, unmatched and lowercase
	// options.
	Rules normalize.RuleSetConfig
	// hasDefaults is true when the input sets `defaults:` itself.
	hasDefaults bool
	// hasUnmatched is true when the input sets `unmatched:` itself.
	hasUnmatched bool
	// implied are the rule files the input's decoded config names
	// (inputs.RuleFiles): they come before MappingFiles.
	implied []MappingRef
}

// Parse decodes a native config strictly; every problem is reported at once
// with its position in file. On errors it still returns what it could
// decode (never nil), so that Check can report build errors as well.
func Parse(file string, data []byte) (*Config, error) {
	cfg := &Config{File: file}
	root, err := parseYAML(file, data)
	if err != nil {
		return cfg, err
	}
	if root == nil {
		// A ConfigMap whose template rendered nothing must not run an
		// adapter that does nothing.
		return cfg, errpos.New(file, 0, 0, errors.New("the config is empty: it needs at least one input under inputs: (without --config.file the embedded default runs a StatsD input)"))
	}
	d := &decoder{file: file}
	names := map[string]normalize.Pos{}
	var inputsNode *yaml.Node
	d.fields(root, "config", func(k string, kn, v *yaml.Node) bool {
		switch k {
		case "global":
			d.fields(v, "global", func(k string, kn, v *yaml.Node) bool {
				switch k {
				case "series_limit":
					cfg.Global.SeriesLimit = int(d.integer(v, k, 1<<40))
				case "ttl":
					cfg.Global.TTL = d.duration(v, k)
				default:
					return false
				}
				return true
			})
		case "inputs":
			inputsNode = kn
			for _, in := range d.list(v, k) {
				ic := d.input(in)
				if ic.Name == "" {
					continue
				}
				if p, ok := names[ic.Name]; ok {
					d.errf(in, "input %q: duplicate name (first at %s)", ic.Name, p)
					// Kept, so that Check reports its other errors too;
					// Parse's error keeps the config from running.
					cfg.Inputs = append(cfg.Inputs, ic)
					continue
				}
				names[ic.Name] = ic.Pos
				cfg.Inputs = append(cfg.Inputs, ic)
			}
		case "outputs":
			cfg.Outputs = v
		default:
			return false
		}
		return true
	})
	if len(cfg.Inputs) == 0 && len(d.errs) == 0 {
		at := root
		if inputsNode != nil {
			at = inputsNode
		}
		d.errf(at, "config: no inputs: a config needs at least one input under inputs:")
	}
	return cfg, d.err()
}

func (d *decoder) input(n *yaml.Node) InputConfig {
	ic := InputConfig{Pos: d.pos(n)}
	var nameNode *yaml.Node
	d.fields(n, "input", func(k string, kn, v *yaml.Node) bool {
		switch k {
		case "name":
			ic.Name = d.str(v, k)
			nameNode = v
		case "type":
			ic.Type = d.str(v, k)
		case "config":
			ic.Config = v
		case "mapping_files":
			for _, m := range d.list(v, k) {
				ic.MappingFiles = append(ic.MappingFiles, d.mappingRef(m))
			}
		case "defaults":
			ic.hasDefaults = true
			return d.ruleSetKey(&ic.Rules, k, v)
		case "unmatched":
			ic.hasUnmatched = true
			return d.ruleSetKey(&ic.Rules, k, v)
		default:
			return d.ruleSetKey(&ic.Rules, k, v)
		}
		return true
	})
	if ic.Type == "" && n.Kind == yaml.MappingNode {
		d.errf(n, "input: type is missing")
	}
	if ic.Name == "" {
		ic.Name = ic.Type
	}
	if nameNode != nil && strings.ContainsAny(ic.Name, "/ \t\n") {
		d.errf(nameNode, "input: invalid name %q (no slashes or spaces)", ic.Name)
	}
	return ic
}

func (d *decoder) mappingRef(n *yaml.Node) MappingRef {
	ref := MappingRef{Pos: d.pos(n)}
	if n.Kind == yaml.ScalarNode {
		ref.File = n.Value
	} else {
		d.fields(n, "mapping_files", func(k string, kn, v *yaml.Node) bool {
			switch k {
			case "file":
				ref.File = d.str(v, k)
			case "format":
				ref.Format = d.str(v, k)
			default:
				return false
			}
			return true
		})
	}
	if lib, ok := strings.CutPrefix(ref.File, "library:"); ok {
		ref.File, ref.Library = "", lib
	}
	if ref.File == "" && ref.Library == "" {
		d.errf(n, "mapping_files: file is missing")
	}
	return ref
}

// Load reads and parses a native config file.
func Load(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(file, data)
}

// LoadStatsdMapping reads a statsd_exporter mapping file
// (--statsd.mapping-config) into a rule-set config.
func LoadStatsdMapping(file string) (*normalize.RuleSetConfig, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read statsd mapping: %w", err)
	}
	return TranslateStatsd(file, data)
}

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
	rsc, files, err := RuleSetConfigFor(cfg, ic, opts)
	in.Files = files
	for _, f := range in.referenced {
		if !slices.Contains(in.Files, f) {
			in.Files = append(in.Files, f)
		}
	}
	in.Warnings = ruleFileWarnings(cfg, ic, opts)
	if err != nil {
		fail(err)
	}
	if rsc != nil {
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
// order, then its inline rules. A file's own defaults are applied to its
// rules; the rule set's defaults (for unmatched records and inline rules)
// are the input's `defaults`, or else those of its first mapping file. A
// file the config names is the input's base: its options (unmatched,
// lowercasing, counter inference) hold for the whole rule set, unless the
// input sets them.
func RuleSetConfigFor(cfg *Config, ic *InputConfig, opts Options) (*normalize.RuleSetConfig, []string, error) {
	out := ic.Rules
	out.Rules = nil
	out.CacheSize = opts.CacheSize
	if opts.Escape != nil {
		out.Escape = opts.Escape
	}
	if out.Defaults.TTL == 0 {
		out.Defaults.TTL = cfg.Global.TTL
	}
	var errs []error
	var files []string
	refs := ruleRefs(cfg, ic)
	// Mapping files that all drop what they do not match (the curated
	// JMX files, jmx_exporter configs) drop it together too, unless the
	// input says otherwise: listing library:jvm beside library:kafka must
	// not bring in every other bean under default names.
	allDrop := len(refs) > 0
	for i, ref := range refs {
		refPos := errpos.Error{File: ref.Pos.File, Line: ref.Pos.Line, Col: ref.Pos.Col}
		if _, ok := lookupFormat(ref.Format); !ok && ref.Format != "" {
			errs = append(errs, errpos.Wrap(fmt.Errorf("unknown format %q (known: %s)", ref.Format, strings.Join(Formats(), ", ")), refPos, fmt.Sprintf("input %q: ", ic.Name)))
			continue
		}
		file, data, err := readRef(cfg, ref, opts)
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
				out.Rules = append(out.Rules, applyDefaults(fc.Rules, fc.Defaults)...)
			}
			continue
		}
		allDrop = allDrop && fc.Unmatched == normalize.UnmatchedDrop
		if i == 0 {
			out.StatsdGlobQuirks = fc.StatsdGlobQuirks
		}
		if i == 0 && !ic.hasDefaults {
			ttl := out.Defaults.TTL
			out.Defaults = fc.Defaults
			if out.Defaults.TTL == 0 {
				out.Defaults.TTL = ttl
			}
			if len(refs) == 1 && len(ic.Rules.Rules) == 0 {
				// One file alone: keep its options exactly.
				if !ic.hasUnmatched {
					out.Unmatched = fc.Unmatched
				}
				out.LowercaseOutputName = fc.LowercaseOutputName
				out.LowercaseOutputLabelNames = fc.LowercaseOutputLabelNames
				out.InferCounterTypeFromName = fc.InferCounterTypeFromName
			}
		}
		if i < len(ic.implied) && i == 0 {
			// The whole config the input names: what it adds to is added.
			if !ic.hasUnmatched {
				out.Unmatched = fc.Unmatched
			}
			out.LowercaseOutputName = out.LowercaseOutputName || fc.LowercaseOutputName
			out.LowercaseOutputLabelNames = out.LowercaseOutputLabelNames || fc.LowercaseOutputLabelNames
			out.InferCounterTypeFromName = fc.InferCounterTypeFromName
		}
		out.Rules = append(out.Rules, applyDefaults(fc.Rules, fc.Defaults)...)
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
	out.Rules = append(out.Rules, ic.Rules.Rules...)
	if err := errors.Join(errs...); err != nil {
		// out holds what decoded, for reporting its errors as well.
		return &out, files, err
	}
	return &out, files, nil
}

// applyDefaults writes a file's defaults into its rules so that they keep
// them when rules from several sources are merged.
func applyDefaults(rules []normalize.RuleConfig, d normalize.Defaults) []normalize.RuleConfig {
	out := make([]normalize.RuleConfig, len(rules))
	for i, r := range rules {
		if r.MatchType == normalize.MatchDefault {
			r.MatchType = d.MatchType
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
			if len(s.Quantiles) > 0 || s.MaxAge > 0 || s.AgeBuckets > 0 || s.BufCap > 0 {
				r.Summary = &s
			}
		}
		out[i] = r
	}
	return out
}

func mergeHistogram(h, d normalize.HistogramOptions) normalize.HistogramOptions {
	if len(h.Buckets) == 0 {
		h.Buckets = d.Buckets
	}
	if h.NativeBucketFactor == 0 {
		h.NativeBucketFactor = d.NativeBucketFactor
	}
	if h.NativeMaxBuckets == 0 {
		h.NativeMaxBuckets = d.NativeMaxBuckets
	}
	return h
}

func mergeSummary(s, d normalize.SummaryOptions) normalize.SummaryOptions {
	if len(s.Quantiles) == 0 {
		s.Quantiles = d.Quantiles
	}
	if s.MaxAge == 0 {
		s.MaxAge = d.MaxAge
	}
	if s.AgeBuckets == 0 {
		s.AgeBuckets = d.AgeBuckets
	}
	if s.BufCap == 0 {
		s.BufCap = d.BufCap
	}
	return s
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

// TranslateFile turns a mapping file of the given format ("" to detect it)
// into rules.
func TranslateFile(file string, data []byte, format string) (*normalize.RuleSetConfig, error) {
	var f Format
	if format != "" {
		var ok bool
		if f, ok = lookupFormat(format); !ok {
			return nil, fmt.Errorf("%s: unknown format %q (known: %s)", file, format, strings.Join(Formats(), ", "))
		}
	} else {
		root, err := parseYAML(file, data)
		if err != nil {
			return nil, err
		}
		if root == nil {
			return nil, errpos.New(file, 0, 0, fmt.Errorf("the file is empty: its format cannot be told (give format: %s)", strings.Join(Formats(), ", ")))
		}
		var ok bool
		if f, ok = detectFormat(root); !ok {
			if hasKey(root, "modules") {
				return nil, errpos.New(file, 0, 0, errors.New("a json_exporter config, not a mapping file: name it in a json input (json_exporter_config: FILE, module: NAME), whose check reports its errors"))
			}
			return nil, errpos.New(file, 0, 0, fmt.Errorf("unknown mapping file format (top-level keys %s; known formats: %s)",
				strings.Join(sortedKeys(root), ", "), strings.Join(Formats(), ", ")))
		}
	}
	return f.Translate(file, data)
}

// Kind is what Check found a file to be.
type Kind string

// File kinds.
const (
	KindConfig  Kind = "config"
	KindMapping Kind = "mapping"
)

// Check validates files the way `rosetta check` does: a file with
// `inputs` or `global` at the top is a native config (parsed and built
// with reg), anything else a mapping file of any known format (translated
// and compiled). It returns what each file was taken for and every error.
func Check(reg *inputs.Registry, opts Options, files ...string) ([]Kind, error) {
	var errs []error
	kinds := make([]Kind, len(files))
	for i, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			errs = append(errs, fmt.Errorf("check: %w", err))
			continue
		}
		kinds[i], err = CheckData(reg, opts, file, data)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return kinds, errors.Join(errs...)
}

// CheckData is Check for one file's contents.
func CheckData(reg *inputs.Registry, opts Options, file string, data []byte) (Kind, error) {
	root, err := parseYAML(file, data)
	if err != nil {
		return "", err
	}
	if root == nil {
		return "", errpos.New(file, 0, 0, errors.New("the file is empty: neither a Rosetta config nor a mapping file"))
	}
	if hasKey(root, "inputs") || hasKey(root, "global") {
		// Build even a config with errors, to report everything at once.
		cfg, perr := Parse(file, data)
		_, berr := Build(cfg, reg, opts)
		return KindConfig, errors.Join(perr, berr)
	}
	rsc, err := TranslateFile(file, data, "")
	if rsc == nil {
		return KindMapping, err
	}
	// The rules that decoded are compiled even after errors, so that
	// every independent error is reported.
	rsc.CacheSize = -1
	_, cerr := normalize.NewRuleSet(*rsc)
	return KindMapping, errors.Join(err, cerr)
}

// Warnings returns what `rosetta check` should point out in files that are
// valid: rules that can never match (see normalize.RuleSet.Shadowed), each
// as "file:line:col: rule N ("match"): ...". Files with errors give none.
func Warnings(reg *inputs.Registry, opts Options, files ...string) []string {
	var out []string
	warn := func(rs *normalize.RuleSet, quirks bool) {
		for _, r := range rs.Shadowed() {
			why := "never matches: an earlier rule has the same glob and metric type"
			if quirks {
				why = "never matches: an earlier rule has the same glob and metric type, or (statsd_exporter's state machine) an earlier, longer glob passes through its last segment; move it before that rule"
			}
			out = append(out, (&normalize.RuleError{Pos: r.Pos, Index: r.Index, Match: r.Match, Err: errors.New(why)}).Error())
		}
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		root, err := parseYAML(file, data)
		if err != nil || root == nil {
			continue
		}
		if hasKey(root, "inputs") || hasKey(root, "global") {
			cfg, err := Parse(file, data)
			if err != nil {
				continue
			}
			for i := range cfg.Inputs {
				ic := &cfg.Inputs[i]
				if f, ok := reg.Factory(ic.Type); ok && ic.Config != nil && !isNull(ic.Config) {
					if c, err := f.Decode(ic.Config); err == nil {
						ic.implied = impliedRefs(c)
					}
				}
				out = append(out, ruleFileWarnings(cfg, ic, opts)...)
				rsc, _, err := RuleSetConfigFor(cfg, ic, opts)
				if err != nil {
					continue
				}
				rsc.CacheSize = -1
				if rs, err := normalize.NewRuleSet(*rsc); err == nil {
					warn(rs, rsc.StatsdGlobQuirks)
				}
			}
			continue
		}
		rsc, err := TranslateFile(file, data, "")
		if err != nil {
			continue
		}
		if f, ok := detectFormat(root); ok && f.Warnings != nil {
			out = append(out, f.Warnings(file, data)...)
		}
		rsc.CacheSize = -1
		if rs, err := normalize.NewRuleSet(*rsc); err == nil {
			warn(rs, rsc.StatsdGlobQuirks)
		}
	}
	return out
}

// referencedFiles returns the file paths a decoded config block names: the
// values of the keys that name files (jmx_exporter_config,
// json_exporter_config and every *_file), at any depth, in order.
func referencedFiles(v any, out []string) []string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := x[k].(string); ok && p != "" && (k == "jmx_exporter_config" || k == "json_exporter_config" || strings.HasSuffix(k, "_file")) {
				out = append(out, p)
				continue
			}
			out = referencedFiles(x[k], out)
		}
	case []any:
		for _, e := range x {
			out = referencedFiles(e, out)
		}
	}
	return out
}

// ruleFileWarnings are the formats' warnings for an input's rule files.
func ruleFileWarnings(cfg *Config, ic *InputConfig, opts Options) []string {
	var out []string
	for _, ref := range ruleRefs(cfg, ic) {
		file, data, err := readRef(cfg, ref, opts)
		if err != nil {
			continue
		}
		f, ok := lookupFormat(ref.Format)
		if !ok {
			root, err := parseYAML(file, data)
			if err != nil || root == nil {
				continue
			}
			if f, ok = detectFormat(root); !ok {
				continue
			}
		}
		if f.Warnings != nil {
			out = append(out, f.Warnings(file, data)...)
		}
	}
	return out
}
