package mappings

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/mappings/library"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestFileOptionsWithOtherSources: a rule file's lowercase_output_name,
// lowercase_output_label_names and infer_counter_type_from_name apply to
// that file's rules whether the file is used alone, beside other files or
// beside inline rules; they do not leak to the other sources' rules. A
// file the input's only one also governs the records no rule matches.
func TestFileOptionsWithOtherSources(t *testing.T) {
	files := map[string]string{
		"lower.yml": "lowercase_output_name: true\nlowercase_output_label_names: true\ninfer_counter_type_from_name: true\n" +
			"rules:\n  - match: 'Lower.*'\n    name: Lower_${1}_total\n    labels: {Key: v}\n" +
			"  - match: 'Unnamed.*'\n    labels: {Key: v}\n",
		"plain.yml": "rules:\n  - match: 'Plain.*'\n    name: Plain_${1}_total\n    labels: {Key: v}\n",
	}
	read := readFiles(files)
	type want struct {
		name, label string
		typ         normalize.Type
	}
	lower := want{"lower_x_total", "key", normalize.TypeCounter}
	plain := want{"Plain_X_total", "Key", normalize.TypeGauge}
	for _, tc := range []struct {
		name  string
		input string
	}{
		{"alone", "mapping_files: [lower.yml]"},
		// an input's defaults: block does not make the file any less alone
		{"alone beside the input's defaults", "mapping_files: [lower.yml]\ndefaults: {ttl: 1m}"},
		{"first of two files", "mapping_files: [lower.yml, plain.yml]"},
		{"second of two files", "mapping_files: [plain.yml, lower.yml]"},
		{"beside inline rules", "mapping_files: [lower.yml]\nrules:\n  - {match: 'Plain.*', name: 'Plain_${1}_total', labels: {Key: v}}"},
		{"beside inline rules and another file", "mapping_files: [plain.yml, lower.yml]\nrules:\n  - {match: 'Other.*', name: 'Other_${1}'}"},
	} {
		alone := strings.HasPrefix(tc.name, "alone")
		t.Run(tc.name, func(t *testing.T) {
			data := "inputs:\n  - name: in\n    type: statsd\n    " + indent(tc.input) + "\n"
			rs := inputRules(t, data, Options{Library: library.FS, ReadFile: read})
			for match, w := range map[string]want{"Lower.X": lower, "Plain.X": plain, "Unnamed.X_total": {"unnamed_x_total", "key", normalize.TypeCounter}} {
				if alone && match == "Plain.X" {
					continue
				}
				s, o, reason := rs.Map(normalize.Record{Match: match, Value: 1, Type: normalize.TypeGauge})
				if o != normalize.OutcomeMapped {
					t.Fatalf("%s: %v %s", match, o, reason)
				}
				if s.Name != w.name || len(s.Labels) != 1 || s.Labels[0].Name != w.label || s.Type != w.typ {
					t.Errorf("%s: got %s%v %v, want %s{%s} %v", match, s.Name, s.Labels, s.Type, w.name, w.label, w.typ)
				}
			}
			// A record no rule matches is a file's when the file is the
			// input's only one, inline rules or not (adding an inline
			// rule changes no other record); the inline rule itself
			// keeps the input's options (Plain.X above).
			u := want{"Unmatched_X_total", "Tag", normalize.TypeGauge}
			if alone || tc.name == "beside inline rules" {
				u = want{"unmatched_x_total", "tag", normalize.TypeCounter}
			}
			s, _, _ := rs.Map(normalize.Record{Match: "Unmatched.X_total", Labels: normalize.Labels{{Name: "Tag", Value: "v"}}, Value: 1, Type: normalize.TypeGauge})
			if s.Name != u.name || len(s.Labels) != 1 || s.Labels[0].Name != u.label || s.Type != u.typ {
				t.Errorf("unmatched: got %s%v %v, want %s{%s} %v", s.Name, s.Labels, s.Type, u.name, u.label, u.typ)
			}
		})
	}
}

// TestLibraryKafkaBesideJVM: library:kafka's lowercasing holds when it is
// combined with library:jvm, as its header recommends.
func TestLibraryKafkaBesideJVM(t *testing.T) {
	rs := inputRules(t, "inputs:\n  - name: in\n    type: jmx\n    mapping_files: [library:jvm, library:kafka]\n", Options{Library: library.FS})
	for match, want := range map[string]string{
		"kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec><>Count: 5000":                                                      "kafka_server_brokertopicmetrics_messagesin_all_topics_total{}",
		"kafka.server<type=FetcherLagMetrics, name=ConsumerLag, clientId=ReplicaFetcherThread-0-1, topic=orders, partition=0><>Value: 7": `kafka_server_fetcherlagmetrics_consumerlag{clientid="ReplicaFetcherThread-0-1",partition="0",topic="orders"}`,
	} {
		s, o, reason := rs.Map(normalize.Record{Match: match, Value: 1, Type: normalize.TypeUntyped})
		if o != normalize.OutcomeMapped {
			t.Fatalf("%s: %v %s", match, o, reason)
		}
		got := s.Name + "{"
		for i, l := range s.Labels {
			if i > 0 {
				got += ","
			}
			got += l.Name + "=" + strconv.Quote(l.Value)
		}
		if got += "}"; got != want {
			t.Errorf("%s: got %s, want %s", match, got, want)
		}
	}
}

// TestInputOptionsBesideOneFile: an input's lowercase and counter
// inference options hold beside one mapping file that does not set them.
func TestInputOptionsBesideOneFile(t *testing.T) {
	data := "inputs:\n  - name: in\n    type: statsd\n    mapping_files: [plain.yml]\n" +
		"    lowercase_output_name: true\n    lowercase_output_label_names: true\n    infer_counter_type_from_name: true\n"
	read := func(string) ([]byte, error) {
		return []byte("rules:\n  - match: 'Plain.*'\n    name: Plain_${1}_total\n    labels: {Key: v}\n"), nil
	}
	rs := inputRules(t, data, Options{ReadFile: read})
	s, _, _ := rs.Map(normalize.Record{Match: "Plain.X", Value: 1, Type: normalize.TypeGauge})
	if s.Name != "plain_x_total" || len(s.Labels) != 1 || s.Labels[0].Name != "key" || s.Type != normalize.TypeCounter {
		t.Errorf("got %s%v %v, want plain_x_total{key} counter", s.Name, s.Labels, s.Type)
	}
}

// TestJMXLibraryFilesCombined: every JMX library file gives each of its
// test records (its .test.yml inputs; jvm's recorded beans) the same
// series beside library:jvm, before or after it, as alone: the curated
// files' own options (lowercasing, counter inference) stay with their
// rules, and jvm's stay with jvm's.
func TestJMXLibraryFilesCombined(t *testing.T) {
	records := func(t *testing.T, name string) []string {
		t.Helper()
		b, err := fs.ReadFile(library.FS, name+".test.yml")
		if err != nil {
			t.Fatal(err)
		}
		var tf struct {
			Tests []struct {
				Input     string `yaml:"input"`
				InputFile string `yaml:"input_file"`
			} `yaml:"tests"`
		}
		if err := yaml.Unmarshal(b, &tf); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tc := range tf.Tests {
			in := tc.Input
			if tc.InputFile != "" {
				b, err := os.ReadFile(filepath.Join("library", tc.InputFile))
				if err != nil {
					t.Fatal(err)
				}
				in = string(b)
			}
			for line := range strings.SplitSeq(in, "\n") {
				if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
					out = append(out, line)
				}
			}
		}
		if len(out) == 0 {
			t.Fatalf("%s.test.yml: no records", name)
		}
		return out
	}
	ruleSet := func(t *testing.T, files string) *normalize.RuleSet {
		t.Helper()
		return inputRules(t, "inputs:\n  - name: in\n    type: jmx\n    mapping_files: "+files+"\n", Options{Library: library.FS})
	}
	series := func(rs *normalize.RuleSet, match string) string {
		s, o, _ := rs.Map(normalize.Record{Match: match, Value: 1, Type: normalize.TypeUntyped})
		if o != normalize.OutcomeMapped {
			return o.String()
		}
		return fmt.Sprintf("%s%v %v", s.Name, s.Labels, s.Type)
	}
	jvmRecords := records(t, "jvm")
	jvm := ruleSet(t, "[library:jvm]")
	for _, name := range []string{"activemq", "cassandra", "jetty", "kafka", "tomcat", "zookeeper"} {
		t.Run(name, func(t *testing.T) {
			alone := ruleSet(t, "[library:"+name+"]")
			own := records(t, name)
			for _, files := range []string{"[library:jvm, library:" + name + "]", "[library:" + name + ", library:jvm]"} {
				both := ruleSet(t, files)
				mapped := 0
				for _, m := range own {
					if want := series(alone, m); want != normalize.OutcomeDropped.String() && want != normalize.OutcomeUnmatched.String() {
						mapped++
						if got := series(both, m); got != want {
							t.Errorf("%s: %s: got %s, alone %s", files, m, got, want)
						}
					}
				}
				if mapped == 0 {
					t.Fatalf("%s: no record of %s.test.yml is mapped", files, name)
				}
				for _, m := range jvmRecords {
					if want := series(jvm, m); want != normalize.OutcomeDropped.String() && want != normalize.OutcomeUnmatched.String() {
						if got := series(both, m); got != want {
							t.Errorf("%s: %s: got %s, with library:jvm alone %s", files, m, got, want)
						}
					}
				}
			}
		})
	}
}
