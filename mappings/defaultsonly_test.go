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
