package remotewrite

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		// wantErr are substrings of the error; none: it decodes.
		wantErr []string
		check   func(t *testing.T, cs []Config)
	}{
		{name: "defaults", doc: "remote_write:\n  - url: https://user:pw@mimir.example/api/v1/push?x=1\n", check: func(t *testing.T, cs []Config) {
			c := cs[0]
			if c.Name != "https://mimir.example/api/v1/push" || c.Interval != 15*time.Second || c.Queue.Capacity != 500_000 || c.Queue.MaxShards != 4 || c.Queue.MaxSamplesPerSend != 2000 {
				t.Errorf("%+v", c)
			}
		}},
		{name: "everything", doc: `remote_write:
  - name: mimir
    url: https://mimir.example/api/v1/push
    interval: 30s
    remote_timeout: 5s
    send_native_histograms: true
    http_client_config:
      authorization: {credentials: tok}
      tls_config: {insecure_skip_verify: true}
      http_headers: {X-Scope-OrgID: {values: [team-a]}}
    external_labels: {cluster: eu-1}
    queue: {capacity: 10000, max_samples_per_send: 500, max_shards: 2, min_backoff: 1s, max_backoff: 1m, flush_deadline: 0s}
  - url: http://127.0.0.1:9090/api/v1/write
`, check: func(t *testing.T, cs []Config) {
			c := cs[0]
			if len(cs) != 2 || c.Name != "mimir" || c.Interval != 30*time.Second || c.Timeout != 5*time.Second || !c.SendNativeHistograms ||
				c.HTTPClientConfig.Authorization.Credentials != "tok" || c.ExternalLabels["cluster"] != "eu-1" ||
				c.Queue != (QueueConfig{Capacity: 10000, MaxSamplesPerSend: 500, MaxShards: 2, MinBackoff: time.Second, MaxBackoff: time.Minute}) {
				t.Errorf("%+v", c)
			}
			if cs[0].fingerprint == cs[1].fingerprint || cs[0].fingerprint == "" {
				t.Error("fingerprints")
			}
		}},
		{name: "unknown key", doc: "remote_write:\n  - url: http://a/b\n    intervall: 1s\n", wantErr: []string{"test.yml:3:5", `unknown key "intervall"`}},
		{name: "unknown nested key", doc: "remote_write:\n  - url: http://a/b\n    http_client_config:\n      basic_auth: {user: x}\n", wantErr: []string{"test.yml:4:20", `unknown key "user"`}},
		{name: "unknown output", doc: "remote_read: []\n", wantErr: []string{"test.yml:1:1", `unknown key "remote_read"`}},
		{name: "no url", doc: "remote_write:\n  - interval: 1s\n", wantErr: []string{"test.yml:2:5", "url: missing"}},
		{name: "bad scheme", doc: "remote_write:\n  - url: ftp://a/b\n", wantErr: []string{"not an http or https URL"}},
		{name: "duplicate", doc: "remote_write:\n  - url: http://a/b\n  - url: http://a/b\n", wantErr: []string{"test.yml:3:5", `duplicate name "http://a/b" (first at test.yml:2:5)`}},
		{name: "bad queue", doc: "remote_write:\n  - url: http://a/b\n    queue: {max_shards: 0, max_samples_per_send: 0}\n", wantErr: []string{"max_shards: 0", "max_samples_per_send: 0"}},
		{name: "bad external label", doc: "remote_write:\n  - url: http://a/b\n    external_labels: {__x: y, 1a: b}\n", wantErr: []string{`"__x"`, `"1a"`}},
		{name: "two auths", doc: "remote_write:\n  - url: http://a/b\n    http_client_config: {basic_auth: {username: u}, authorization: {credentials: c}}\n", wantErr: []string{"test.yml:2:5", "at most one of basic_auth"}},
		{name: "tiny interval", doc: "remote_write:\n  - url: http://a/b\n    interval: 1ms\n", wantErr: []string{"interval: 1ms"}},
		{name: "not a list", doc: "remote_write: {url: http://a/b}\n", wantErr: []string{"must be a list"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var root yaml.Node
			if err := yaml.Unmarshal([]byte(tc.doc), &root); err != nil {
				t.Fatal(err)
			}
			cs, err := Decode("test.yml", root.Content[0])
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				tc.check(t, cs)
				return
			}
			if err == nil {
				t.Fatalf("no error; got %+v", cs)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestRing(t *testing.T) {
	r := newRing(4)
	mk := func(vs ...float64) []item {
		var out []item
		for _, v := range vs {
			out = append(out, item{v: v})
		}
		return out
	}
	vals := func(its []item) []float64 {
		var out []float64
		for _, it := range its {
			out = append(out, it.v)
		}
		return out
	}
	for _, step := range []struct {
		push      []float64
		pop       int
		dropped   int
		want      []float64
		remaining int
	}{
		{push: []float64{1, 2, 3}, pop: 2, want: []float64{1, 2}, remaining: 1},
		{push: []float64{4, 5, 6, 7}, dropped: 1, pop: 2, want: []float64{4, 5}, remaining: 2},
		{push: []float64{8, 9, 10, 11, 12, 13}, dropped: 4, pop: 10, want: []float64{10, 11, 12, 13}},
		{pop: 1},
	} {
		if d := r.push(mk(step.push...)); d != step.dropped {
			t.Errorf("push %v dropped %d, want %d", step.push, d, step.dropped)
		}
		got := vals(r.pop(nil, step.pop))
		if !slices.Equal(got, step.want) {
			t.Errorf("pop %d: %v, want %v", step.pop, got, step.want)
		}
		if r.len() != step.remaining {
			t.Errorf("len %d, want %d", r.len(), step.remaining)
		}
	}
}
