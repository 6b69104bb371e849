package remotewrite

import (
	"regexp"
	"testing"

	"go.yaml.in/yaml/v3"
)

var positioned = regexp.MustCompile(`^cfg\.yml:\d+:\d+: outputs`)

// FuzzDecode feeds arbitrary `outputs:` blocks to Decode: it never panics,
// every error names a position in the file, and what decodes is valid.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"remote_write:\n  - url: http://a/b\n",
		"remote_write:\n  - url: https://u:p@a/b\n    queue: {capacity: 5, max_shards: 9}\n",
		"remote_write:\n  - {url: http://a, http_client_config: {basic_auth: {username: u}}, external_labels: {a: b}}\n",
		"remote_write: [{url: 'http://x', interval: -1s, protobuf_message: v3}]\n",
		"x: 1\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var root yaml.Node
		if yaml.Unmarshal([]byte(doc), &root) != nil || len(root.Content) == 0 {
			return
		}
		cfgs, err := Decode("cfg.yml", root.Content[0])
		if err != nil {
			for _, line := range splitErrors(err) {
				if !positioned.MatchString(line) {
					t.Fatalf("error without a position: %q", line)
				}
			}
			return
		}
		for _, c := range cfgs {
			if c.url == nil || c.Name == "" || c.Queue.MaxShards < 1 || c.Queue.Capacity < c.Queue.MaxShards || c.fingerprint == "" {
				t.Fatalf("invalid config accepted: %+v", c)
			}
		}
	})
}

// splitErrors returns the first line of each joined error.
func splitErrors(err error) []string {
	type multi interface{ Unwrap() []error }
	if m, ok := err.(multi); ok {
		var out []string
		for _, e := range m.Unwrap() {
			out = append(out, splitErrors(e)...)
		}
		return out
	}
	return []string{err.Error()}
}
