package mappings

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/internal/errpos"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// `rosetta check`: a file taken for a native config or a mapping file,
// validated, and the warnings of valid files.

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
						// An input's own (a json_exporter module's paths).
						if w, ok := c.(interface{ Warnings() []string }); ok {
							out = append(out, w.Warnings()...)
						}
					}
				}
				rsc, _, warnings, err := ruleSetConfigFor(cfg, ic, opts)
				out = append(out, warnings...)
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

// formatWarnings are the format's warnings for a rule file, read as file
// and data: format, else the format its content is detected as.
func formatWarnings(file string, data []byte, format string) []string {
	f, ok := lookupFormat(format)
	if !ok {
		root, err := parseYAML(file, data)
		if err != nil || root == nil {
			return nil
		}
		if f, ok = detectFormat(root); !ok {
			return nil
		}
	}
	if f.Warnings == nil {
		return nil
	}
	return f.Warnings(file, data)
}

// globOrdering is the glob_disable_ordering of an input's globs: they
// share one trie, ordered as the rule set's defaults say (the input's
// defaults: when they set it, else its first mapping file's,
// RuleSetConfigFor).
type globOrdering struct {
	unordered bool
	from      string
}

func newGlobOrdering(ic *InputConfig) globOrdering {
	if !ic.hasGlobOrdering {
		return globOrdering{from: "the built-in defaults"}
	}
	return globOrdering{unordered: ic.Rules.Defaults.GlobDisableOrdering, from: "the input's defaults:"}
}

// check returns a warning when fc, the i-th rule file of the input as
// translated without errors, has glob rules and its globs are not matched
// as its own glob_disable_ordering says (or, after a first file that sets
// it, as they would be alone).
func (o *globOrdering) check(ic *InputConfig, i int, ref MappingRef, file string, fc *normalize.RuleSetConfig) string {
	if i == 0 && !ic.hasGlobOrdering {
		o.unordered, o.from = fc.Defaults.GlobDisableOrdering, "the first mapping file's defaults ("+file+")"
		return ""
	}
	// The input's defaults: that set glob_disable_ordering fill a file's
	// unset (false) one as they fill its other defaults; another file's
	// do not.
	own := fc.Defaults.GlobDisableOrdering
	if own == o.unordered || ic.hasGlobOrdering && !own || !hasGlobs(fc, ic.Rules.Defaults.MatchType) {
		return ""
	}
	msg := fmt.Errorf("input %q: %s's globs are matched with glob_disable_ordering: %v, as %s say, not its own %v: an input's globs share one trie", ic.Name, file, o.unordered, o.from, own)
	return errpos.New(ref.Pos.File, ref.Pos.Line, ref.Pos.Col, msg).Error()
}

// hasGlobs reports whether a rule file has glob rules, where its rules
// and defaults leaving the match type unset give it the input's.
func hasGlobs(fc *normalize.RuleSetConfig, input normalize.MatchType) bool {
	for _, r := range fc.Rules {
		if cmp.Or(r.MatchType, fc.Defaults.MatchType, input) != normalize.MatchRegex {
			return true
		}
	}
	return false
}
