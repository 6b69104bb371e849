package plugin

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

func decodeBlock(t testing.TB, block string) (*Config, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(block), &doc); err != nil {
		t.Fatal(err)
	}
	return DecodeConfig(doc.Content[0])
}

func TestDecodeConfig(t *testing.T) {
	cfg, err := decodeBlock(t, `path: /bin/x
args: [-v]
env: {A: "1"}
inherit_env: false
interval: 30s
timeout: 5s
checksum: sha256:`+strings.Repeat("ab", 32)+`
config:
  pids: [1]
`)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig
	want.Path, want.Args, want.Env, want.InheritEnv = "/bin/x", []string{"-v"}, map[string]string{"A": "1"}, false
	want.Interval, want.Timeout, want.Checksum = 30*time.Second, 5*time.Second, "sha256:"+strings.Repeat("ab", 32)
	got := *cfg
	if got.Config.Kind != yaml.MappingNode || got.Config.Line != 9 || got.Config.Column != 3 {
		t.Errorf("config node %v at %d:%d, want a mapping at 9:3", got.Config.Kind, got.Config.Line, got.Config.Column)
	}
	got.Config = yaml.Node{}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b yaml.Node) bool { return a.Kind == b.Kind })); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
}

func TestDecodeConfigErrors(t *testing.T) {
	tests := []struct {
		block string
		want  []string
	}{
		{"args: [x]\n", []string{`1:1: plugin input: path: is required`}},
		{"path: node\n", []string{`1:7: plugin input: path: "node" must be a file path`}},
		{"path: /x\nintervall: 1s\n", []string{`2:1: plugin input: unknown key "intervall"`}},
		{"path: /x\nchecksum: md5:00\n", []string{`2:11: plugin input: checksum: "md5:00": want "sha256:<hex>"`}},
		{"path: /x\nchecksum: sha256:zz\n", []string{`want 64 hex digits`}},
		{"path: /x\ninterval: 1s\ntimeout: 2s\n", []string{`3:10: plugin input: timeout: "2s" must not exceed interval "1s"`}},
		{"path: /x\nheartbeat_interval: 5s\nstream_timeout: 5s\n", []string{`3:17: plugin input: stream_timeout: "5s" must exceed heartbeat_interval "5s"`}},
		{"path: /x\nqueue_batches: 0\nmax_batch_samples: 0\n", []string{`2:16: plugin input: queue_batches: 0 must be at least 1`, `3:20: plugin input: max_batch_samples: 0 must be between`}},
		{"path: /x\nrestart_backoff: -1s\n", []string{`restart_backoff: "-1s" must be positive`}},
		{"path: /x\nenv: {\"A=B\": x}\n", []string{`env: "A=B" is not a valid variable name`}},
		{"path: /x\nmax_message_bytes: 10\n", []string{`max_message_bytes: 10 must be between`}},
	}
	for _, tc := range tests {
		t.Run(tc.block, func(t *testing.T) {
			_, err := decodeBlock(t, tc.block)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

func TestToJSON(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"", "null"},
		{"a: 1\nb: [x, 2.5, true, null, ~]\nc: {d: .inf, e: .nan, f: 0x10}\n", `{"a":1,"b":["x",2.5,true,null,null],"c":{"d":".inf","e":".nan","f":16}}`},
		{"base: &b {x: 1}\nuse: *b\n", `{"base":{"x":1},"use":{"x":1}}`},
		{"big: 18446744073709551615\nq: \"1\"\nu: \"\\u00e9\"\n", `{"big":18446744073709551615,"q":"1","u":"é"}`},
		{"? [a]\n: 1\n", `{"":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.yaml, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tc.yaml), &doc); err != nil {
				t.Fatal(err)
			}
			got, err := toJSON(&doc)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("toJSON = %s, want %s", got, tc.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("invalid JSON %s", got)
			}
		})
	}
}

func TestResolvePath(t *testing.T) {
	const src = `targets:
  - url: http://a
    tags: [x, y]
  - url: http://b
name: n
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path     string
		line     int
		col      int
		resolved bool
	}{
		{"", 1, 1, true},
		{"name", 5, 7, true},
		{"targets[1].url", 4, 10, true},
		{"targets[0].tags[1]", 3, 15, true},
		{"targets[7].url", 2, 3, false},
		{"targets[0].nope", 2, 5, false},
		{"targets.[", 1, 1, false},
		{"a..b", 1, 1, false},
	}
	for _, tc := range tests {
		n, ok := resolvePath(&doc, tc.path)
		if n.Line != tc.line || n.Column != tc.col || ok != tc.resolved {
			t.Errorf("resolvePath(%q) = %d:%d %v, want %d:%d %v", tc.path, n.Line, n.Column, ok, tc.line, tc.col, tc.resolved)
		}
	}
}

func TestPathAtLine(t *testing.T) {
	const text = "a: 1\nb:\n  c: [1, 2]\n  d:\n    - x\n    - y\n"
	for line, want := range map[int]string{1: "a", 2: "b", 3: "b.c", 5: "b.d[0]", 6: "b.d[1]", 9: ""} {
		if got := pathAtLine(text, line); got != want {
			t.Errorf("pathAtLine(%d) = %q, want %q", line, got, want)
		}
	}
}

// FuzzConfigBlock passes arbitrary YAML as a plugin config block through
// what the host does with it: JSON rendering (always valid JSON), path
// resolution with arbitrary paths and line lookup; none may panic.
func FuzzConfigBlock(f *testing.F) {
	f.Add("a: [1, {b: c}]\nd: &x 1\ne: *x\n", "a[1].b", 2)
	f.Add("- 1\n- .nan\n", "[1]", 1)
	f.Add("a: b", "a..", 0)
	f.Fuzz(func(t *testing.T, src, path string, line int) {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(src), &doc) != nil {
			return
		}
		if js, err := toJSON(&doc); err == nil && !json.Valid([]byte(js)) {
			t.Fatalf("invalid JSON %q from %q", js, src)
		}
		if n, _ := resolvePath(&doc, path); n == nil {
			t.Fatal("nil node")
		}
		_ = pathAtLine(src, line)
		if segs, err := parsePath(path); err == nil {
			for _, s := range segs {
				if s.index < 0 && s.key == "" {
					t.Fatalf("empty key in %q", path)
				}
			}
		}
	})
}
