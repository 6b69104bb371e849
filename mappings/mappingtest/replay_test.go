package mappingtest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestRecordsThroughRegistry replays recorded input of several types,
// the plugin host's included, through the registry's inputs.Replayer:
// the tools know no driver.
func TestRecordsThroughRegistry(t *testing.T) {
	e := testEnv(t)
	for _, tc := range []struct {
		typ, config, body string
		want              []string // match string and value of each record
		wantErr           string
	}{
		{typ: "statsd", body: "a.b:1|c\nc:2|g\n", want: []string{"a.b 1", "c 2"}},
		{typ: "jmx", body: "java.lang<type=Memory><HeapMemoryUsage>used: 42\n", want: []string{"java.lang<type=Memory><HeapMemoryUsage>used: 42 42"}},
		{typ: "redis", body: "# Server\r\nuptime_in_seconds:7\r\n", want: []string{"uptime_in_seconds 7"}},
		{
			typ:    "plugin",
			config: "path: ./p",
			// The second batch uses the tables the first one filled.
			body: `{"symbols":["host","a"],"families":[{"name":"load","type":"TYPE_GAUGE"}],"samples":[{"family":0,"labels":[0,1],"value":0.5}]}
# a comment
{"samples":[{"family":0,"value":2}]}
`,
			want: []string{"load 0.5", "load 2"},
		},
		{typ: "plugin", config: "path: ./p", body: "{not json}\n", wantErr: "line 1: not a Batch"},
		{typ: "plugin", config: "path: ./p", body: `{"samples":[{"family":3,"value":1}]}`, wantErr: "samples skipped by the decoder"},
		{typ: "nosuch", body: "x", wantErr: `unknown input type "nosuch"`},
	} {
		t.Run(tc.typ+" "+tc.wantErr, func(t *testing.T) {
			var node *yaml.Node
			if tc.config != "" {
				var doc yaml.Node
				if err := yaml.Unmarshal([]byte(tc.config), &doc); err != nil {
					t.Fatal(err)
				}
				node = doc.Content[0]
			}
			recs, err := e.Records(tc.typ, []byte(tc.body), nil, node)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summarize(recs)); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
	if got, want := strings.Join(e.Types(), " "), "apache expvar jmx json memcached nginx plugin prometheus redis statsd text"; got != want {
		t.Errorf("Types() = %q, want %q", got, want)
	}
}

func summarize(recs []normalize.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Match+" "+strconv.FormatFloat(r.Value, 'g', -1, 64))
	}
	return out
}
