package mappings

import (
	"strings"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestDefaultsOnlyFileFormat: a file with only `defaults:` is valid in
// both statsd_exporter's format and Rosetta's. Without a format it is read
// as statsd_exporter's when statsd_exporter accepts it (it then means what
// it means there: yaml.v2's booleans, a negative ttl), else as Rosetta's
// (its keys and values: regex_dialect, native_histogram); a file neither
// accepts gets Rosetta's errors.
func TestDefaultsOnlyFileFormat(t *testing.T) {
	for _, tc := range []struct {
		data  string
		check func(*normalize.RuleSetConfig) bool
		err   string
	}{
		// statsd_exporter's reading: yaml.v2's "yes", a negative ttl
		{"defaults:\n  glob_disable_ordering: yes\n", func(c *normalize.RuleSetConfig) bool { return c.Defaults.GlobDisableOrdering && c.StatsdGlobQuirks }, ""},
		{"defaults:\n  ttl: -1s\n", func(c *normalize.RuleSetConfig) bool { return c.Defaults.TTL == time.Nanosecond }, ""},
		{"defaults:\n  ttl: 1m\n", func(c *normalize.RuleSetConfig) bool { return c.Defaults.TTL == time.Minute && c.StatsdGlobQuirks }, ""},
		// Rosetta's keys and values
		{"defaults:\n  regex_dialect: java\n", func(c *normalize.RuleSetConfig) bool { return c.Defaults.JavaRegex && !c.StatsdGlobQuirks }, ""},
		{"defaults:\n  observer_type: native_histogram\n", func(c *normalize.RuleSetConfig) bool {
			return c.Defaults.Observer == normalize.ObserverNativeHistogram && !c.StatsdGlobQuirks
		}, ""},
		// neither
		{"defaults:\n  observer_type: bogus\n", nil, `d.yml:2:18: observer_type: invalid observer type "bogus" (want histogram, summary or native_histogram)`},
		{"defaults:\n  regex_dialect: perl\n", nil, `d.yml:2:18: regex_dialect: invalid value "perl"`},
	} {
		rsc, err := TranslateFile("d.yml", []byte(tc.data), "")
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v, want an error with %q", tc.data, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.data, err)
		case !tc.check(rsc):
			t.Errorf("%q: read as %+v", tc.data, rsc)
		}
	}
	// a format given is used as given
	if _, err := TranslateFile("d.yml", []byte("defaults:\n  regex_dialect: java\n"), FormatStatsd); err == nil {
		t.Error("regex_dialect in a file given as statsd_exporter's: no error")
	}
}

// TestDefaultsOnlyFileGlobQuirks: statsd_exporter's glob quirks are those
// of the rule set's first file with rules: a statsd_exporter file with only
// defaults, first, does not give them to a Rosetta rule file's or the
// input's own rules.
func TestDefaultsOnlyFileGlobQuirks(t *testing.T) {
	files := map[string]string{
		"d.yml": "defaults:\n  ttl: 1m\n",
		"r.yml": "rules:\n  - {match: 'a.*.c', name: long}\n  - {match: 'a.*', name: short}\n",
		"s.yml": "mappings:\n  - {match: 'a.*.c', name: long}\n  - {match: 'a.*', name: short}\n",
	}
	read := readFiles(files)
	for input, want := range map[string]string{
		"mapping_files: [d.yml, r.yml]": "short",
		"mapping_files: [d.yml]\n    rules:\n      - {match: 'a.*.c', name: long}\n      - {match: 'a.*', name: short}": "short",
		// statsd_exporter's files keep their quirk, after a defaults file too
		"mapping_files: [d.yml, s.yml]": "",
		"mapping_files: [s.yml]":        "",
	} {
		rsc := inputRuleSetConfig(t, "inputs:\n  - name: in\n    type: statsd\n    "+input+"\n", Options{ReadFile: read})
		rs, err := normalize.NewRuleSet(*rsc)
		if err != nil {
			t.Fatal(err)
		}
		s, o, _ := rs.Map(normalize.Record{Match: "a.b", Value: 1, Type: normalize.TypeGauge})
		got := ""
		if o == normalize.OutcomeMapped {
			got = s.Name
		}
		if got != want {
			t.Errorf("%s: a.b mapped to %q (%v), want %q", input, got, o, want)
		}
		if strings.Contains(input, "d.yml") && rsc.Defaults.TTL != time.Minute {
			t.Errorf("%s: ttl %v, want the defaults file's 1m", input, rsc.Defaults.TTL)
		}
	}
}
