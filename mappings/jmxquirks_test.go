package mappings

import (
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// -jmxoracle names the directory testdata/jmx/oracle/build.sh built the
// real jmx_exporter collector in: TestJMXExporterYAMLQuirks then rewrites
// configquirks.golden with its answers (ConfigOracle.java) first.
var jmxOracle = flag.String("jmxoracle", "", "jmx_exporter oracle build directory: rewrite testdata/jmx/oracle/configquirks.golden")

const jmxQuirksDir = "../testdata/jmx/oracle"

// TestJMXExporterYAMLQuirks: jmx_exporter configs written with YAML 1.1
// and SnakeYAML constructs (booleans yes/on, octal, hex, 1_000 and
// sexagesimal integers, nulls, tags, duplicate keys, merge keys, several
// documents, BOM, tabs) and values of other types than jmx_exporter casts
// them to, from configquirks.txt. jmx_exporter's answers, recorded from
// the real collector (new JmxCollector(yaml)) in configquirks.golden:
// Rosetta accepts a config exactly when it does, and reads the same
// flags and rules (pattern, literal name, value and help, valueFactor,
// type, labels, attrNameSnakeCase, cache), except the cases in laxer.
func TestJMXExporterYAMLQuirks(t *testing.T) {
	if *jmxOracle != "" {
		cp, err := os.ReadFile(filepath.Join(*jmxOracle, "classpath"))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("java", "-cp", strings.TrimSpace(string(cp)), "ConfigOracle", filepath.Join(jmxQuirksDir, "configquirks.txt"))
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("ConfigOracle: %v", err)
		}
		if err := os.WriteFile(filepath.Join(jmxQuirksDir, "configquirks.golden"), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := readCases(t, "configquirks.txt")
	golden := splitCases(t, "configquirks.golden")
	// Configs jmx_exporter refuses and Rosetta accepts, deliberately.
	laxer := map[string]string{
		"tab-value": "a tab after a key's colon: SnakeYAML refuses it as the start of a token, YAML 1.2 parsers accept it",
	}
	for _, c := range cases {
		g, ok := golden[c.ID]
		if !ok {
			t.Errorf("%s: not in configquirks.golden (rerun with -jmxoracle)", c.ID)
			continue
		}
		peer := strings.Split(strings.TrimSuffix(g, "\n"), "\n")
		cfg, _, err := translateJMXExporter("jmx.yml", []byte(c.Body))
		if err == nil {
			_, err = normalize.NewRuleSet(*cfg)
		}
		peerOK := peer[0] == "OK"
		if why, ok := laxer[c.ID]; ok {
			if peerOK || err != nil {
				t.Errorf("%s: laxer (%s), but jmx_exporter: %s, rosetta: %v", c.ID, why, peer[0], err)
			}
			continue
		}
		if peerOK != (err == nil) {
			t.Errorf("%s: %q\njmx_exporter: %s\nrosetta: %v", c.ID, c.Body, peer[0], err)
			continue
		}
		if !peerOK {
			continue
		}
		fields := map[string]string{}
		for _, l := range peer[1:] {
			k, v, _ := strings.Cut(l, "=")
			fields[k] = v
		}
		for _, d := range jmxReadDiffs(fields, cfg, strings.Contains(c.Body, "rules")) {
			t.Errorf("%s: %q\n%s", c.ID, c.Body, d)
		}
	}
}

// jmxReadDiffs compares what jmx_exporter read (fields, ConfigOracle's
// key=value lines) with Rosetta's rule set.
func jmxReadDiffs(f map[string]string, cfg *normalize.RuleSetConfig, hasRules bool) []string {
	var diffs []string
	diff := func(what, peer, ours string) {
		if peer != ours {
			diffs = append(diffs, fmt.Sprintf("%s: jmx_exporter %q, rosetta %q", what, peer, ours))
		}
	}
	diff("lowercaseOutputName", f["lowercaseOutputName"], strconv.FormatBool(cfg.LowercaseOutputName))
	diff("lowercaseOutputLabelNames", f["lowercaseOutputLabelNames"], strconv.FormatBool(cfg.LowercaseOutputLabelNames))
	diff("inferCounterTypeFromName", f["inferCounterTypeFromName"], strconv.FormatBool(cfg.InferCounterTypeFromName))
	n := 0
	for f[fmt.Sprintf("rule%d.cache", n)] != "" {
		n++
	}
	if !hasRules || f["rule0.pattern"] == "<null>" && n == 1 && len(cfg.Rules) == 0 {
		return diffs // the default rule: every bean, default names
	}
	if n != len(cfg.Rules) {
		return append(diffs, fmt.Sprintf("jmx_exporter has %d rules, rosetta %d", n, len(cfg.Rules)))
	}
	for i, r := range cfg.Rules {
		g := func(k string) string { return f[fmt.Sprintf("rule%d.%s", i, k)] }
		p := fmt.Sprintf("rule %d ", i)
		pattern := g("pattern")
		if pattern == "<null>" {
			pattern = "^.*$"
		}
		diff(p+"pattern", pattern, r.Match)
		for _, kv := range [][3]string{{"name", g("name"), r.Name}, {"value", g("value"), r.Value}, {"help", g("help"), r.Help}} {
			peer := kv[1]
			if peer == "<null>" {
				peer = ""
			}
			if kv[0] == "name" && peer != "" && peer[0] >= '0' && peer[0] <= '9' {
				peer = "_" + peer // jmx_exporter's safeName, which Rosetta applies to the rule
			}
			if why, ok := readOtherwise[kv[0]+"="+peer]; ok && why != "" {
				continue
			}
			if !strings.Contains(peer, "$") { // templates are rewritten
				diff(p+kv[0], peer, kv[2])
			}
		}
		if g("name") == "" && r.Action != normalize.ActionDrop {
			diffs = append(diffs, p+"an empty name drops the attribute in jmx_exporter")
		}
		factor := 1.0
		if r.Scale != nil {
			factor = *r.Scale
		}
		pf, err := strconv.ParseFloat(strings.NewReplacer("Infinity", "Inf").Replace(g("valueFactor")), 64)
		if err != nil || !(pf == factor || math.IsNaN(pf) && math.IsNaN(factor)) {
			diffs = append(diffs, fmt.Sprintf("%svalueFactor: jmx_exporter %s, rosetta %v", p, g("valueFactor"), factor))
		}
		diff(p+"attrNameSnakeCase", g("attrNameSnakeCase"), strconv.FormatBool(r.AttrNameSnakeCase))
		diff(p+"cache", g("cache"), strconv.FormatBool(r.CacheMatch))
		typ := "UNKNOWN"
		if r.TypeSet {
			switch r.Type {
			case normalize.TypeGauge:
				typ = "GAUGE"
			case normalize.TypeCounter:
				typ = "COUNTER"
			}
		}
		peerType := g("type")
		if peerType != "GAUGE" && peerType != "COUNTER" {
			peerType = "UNKNOWN" // exported untyped
		}
		diff(p+"type", peerType, typ)
		var names, values []string
		for _, l := range r.Labels {
			names, values = append(names, l.Name), append(values, l.Value)
		}
		peerNames, peerValues := g("labelNames"), g("labelValues")
		if peerNames == "<null>" {
			peerNames, peerValues = "[]", "[]"
		}
		diff(p+"label names", peerNames, "["+strings.Join(names, ", ")+"]")
		if why := readOtherwise["labels="+peerValues]; why == "" && !strings.Contains(peerValues, "$") {
			diff(p+"label values", peerValues, "["+strings.Join(values, ", ")+"]")
		}
	}
	return diffs
}

// readOtherwise: values Rosetta reads otherwise than jmx_exporter, with
// what comes of it.
var readOtherwise = map[string]string{
	"value=Fri Dec 14 00:00:00 UTC 2001": "a date as value: not a number in either (jmx_exporter skips the attribute, Rosetta counts it invalid_value)",
	"labels=[null]":                      "a null label value: jmx_exporter's scrape fails on it (replaceAll(null)); Rosetta leaves the label out",
}

// splitCases reads a file of "=== ID" sections, in order and by id.
func splitCases(t *testing.T, name string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, c := range readCases(t, name) {
		m[c.ID] = c.Body
	}
	return m
}

func readCases(t *testing.T, name string) []testutil.Section {
	t.Helper()
	return testutil.Sections(t, filepath.Join(jmxQuirksDir, name))
}
