package mappings

import (
	"strings"
	"testing"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestRegexDialectDefault: defaults.regex_dialect sets the dialect of the
// file's regex rules that do not set their own; glob rules are left alone;
// it stays with its file's rules beside another file; statsd_exporter files
// do not have it.
func TestRegexDialectDefault(t *testing.T) {
	const javaFile = "defaults:\n  regex_dialect: java\nrules:\n" +
		"  - {match: '.(?<=x)y', match_type: regex, name: java_y}\n" + // lookbehind: Java only
		"  - {match: 'q', match_type: regex, regex_dialect: re2, name: re2_q}\n" + // unanchored: RE2
		"  - {match: 'g.*', name: glob_g}\n" // a glob rule: the default is not for it
	const otherFile = "rules:\n  - {match: 'z', match_type: regex, name: re2_z}\n"
	check := func(t *testing.T, rs *normalize.RuleSet, want map[string]string) {
		t.Helper()
		for match, name := range want {
			s, o, _ := rs.Map(normalize.Record{Match: match, Value: 1, Type: normalize.TypeGauge})
			got := ""
			if o == normalize.OutcomeMapped {
				got = s.Name
			}
			if got != name {
				t.Errorf("%q: got %q (%v), want %q", match, got, o, name)
			}
		}
	}
	want := map[string]string{"xy": "java_y", "aqa": "re2_q", "g.h": "glob_g"}

	t.Run("one file", func(t *testing.T) {
		rsc, err := TranslateFile("r.yml", []byte(javaFile), "")
		if err != nil {
			t.Fatal(err)
		}
		rs, err := normalize.NewRuleSet(*rsc)
		if err != nil {
			t.Fatal(err)
		}
		check(t, rs, want)
	})
	t.Run("beside another file", func(t *testing.T) {
		files := map[string]string{"java.yml": javaFile, "other.yml": otherFile}
		read := readFiles(files)
		for _, order := range []string{"[java.yml, other.yml]", "[other.yml, java.yml]"} {
			rs := inputRules(t, "inputs:\n  - name: in\n    type: statsd\n    mapping_files: "+order+"\n", Options{ReadFile: read})
			// the other file's regex is RE2's, unanchored
			check(t, rs, map[string]string{"xy": "java_y", "aqa": "re2_q", "g.h": "glob_g", "aza": "re2_z"})
		}
	})
	t.Run("inline defaults", func(t *testing.T) {
		rs := inputRules(t, "inputs:\n  - name: in\n    type: statsd\n    defaults: {regex_dialect: java}\n"+
			"    rules:\n      - {match: '.(?<=x)y', match_type: regex, name: java_y}\n", Options{})
		check(t, rs, map[string]string{"xy": "java_y"})
	})
	for data, want := range map[string]string{
		"defaults:\n  regex_dialect: perl\nrules:\n  - {match: a, name: b}\n":                            "r.yml:2:18: regex_dialect: invalid value \"perl\"",
		"defaults:\n  regex_dialect: java\nmappings:\n  - {match: a.b, name: b}\n":                       "regex_dialect",
		"defaults:\n  regex_dialect: java\n  match_type: regex\nrules:\n  - {match: '(?<=a', name: b}\n": "invalid regex",
	} {
		rsc, err := TranslateFile("r.yml", []byte(data), "")
		if err == nil {
			_, err = normalize.NewRuleSet(*rsc)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error with %q", data, err, want)
		}
	}
}

// TestConvertRegexDialectDefault: rosetta convert keeps a rule file's
// defaults.regex_dialect, and a rule's own re2 beside it.
func TestConvertRegexDialectDefault(t *testing.T) {
	data := "defaults:\n  regex_dialect: java\nrules:\n" +
		"  - {match: '.(?<=x)y', match_type: regex, name: java_y}\n" +
		"  - {match: 'q', match_type: regex, regex_dialect: re2, name: re2_q}\n"
	out, _, err := Convert("r.yml", []byte(data), "")
	if err != nil {
		t.Fatal(err)
	}
	rsc, err := TranslateFile("c.yml", out, "")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	rs, err := normalize.NewRuleSet(*rsc)
	if err != nil {
		t.Fatal(err)
	}
	for match, want := range map[string]string{"xy": "java_y", "aqa": "re2_q"} {
		s, o, _ := rs.Map(normalize.Record{Match: match, Value: 1, Type: normalize.TypeGauge})
		if o != normalize.OutcomeMapped || s.Name != want {
			t.Errorf("converted file: %q mapped to %q (%v), want %q\n%s", match, s.Name, o, want, out)
		}
	}
}
