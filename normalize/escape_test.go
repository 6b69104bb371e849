package normalize

import (
	"testing"
	"unicode/utf8"

	"github.com/prometheus/statsd_exporter/pkg/mapper"
)

// escapeSeeds are names with every kind of character the escapers treat
// differently: dashes and runs of them, dots, colons, digits first,
// multi-byte runes.
var escapeSeeds = []string{
	"", "a", "a.b.c", "0abc", "9", "a-b", "a--b", "a---b", "-", "--", "-a-", "a.-b", "a-.-b", "ns:sub-x",
	"héllo", "日本-語", "a b", "a__b", "_", "A_Z_0_9", "a/b\\c", "x\u00a0y", "1-2-3", "é-", "-é--é",
}

// TestEscapeMetricNameMatchesStatsdExporter: normalize's escaper is the
// one statsd_exporter applies to unmapped names and tag keys, on every
// valid UTF-8 string (StatsD lines that are not valid UTF-8 are rejected
// before any escaping, by both).
func TestEscapeMetricNameMatchesStatsdExporter(t *testing.T) {
	for _, s := range escapeSeeds {
		if got, want := EscapeMetricName(s), mapper.EscapeMetricName(s); got != want {
			t.Errorf("EscapeMetricName(%q) = %q, statsd_exporter's gives %q", s, got, want)
		}
	}
}

func FuzzEscapeMetricName(f *testing.F) {
	for _, s := range escapeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := EscapeMetricName(s)
		if s != "" && !ValidLabelName(got) {
			t.Errorf("EscapeMetricName(%q) = %q, not a valid label name", s, got)
		}
		if !utf8.ValidString(s) {
			return
		}
		if want := mapper.EscapeMetricName(s); got != want {
			t.Errorf("EscapeMetricName(%q) = %q, statsd_exporter's gives %q", s, got, want)
		}
	})
}

func TestEscapeJMXName(t *testing.T) {
	for in, want := range map[string]string{
		"java.lang_Memory_HeapMemoryUsage": "java_lang_Memory_HeapMemoryUsage",
		"a..b__c":                          "a_b_c",
		"0abc":                             "_0abc",
		`com.example_"my app"`:             "com_example_my_app_",
		"ns:sub-x":                         "ns:sub_x",
		"héllo":                            "h_llo",
		"":                                 "",
	} {
		if got := EscapeJMXName(in); got != want {
			t.Errorf("EscapeJMXName(%q) = %q, want %q", in, got, want)
		}
	}
}
