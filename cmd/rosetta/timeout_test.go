package main

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
)

// pushTypes are the input types that receive rather than poll; every other
// registered type must be an inputs.Poller.
var pushTypes = map[string]bool{"statsd": true}

// minimalConfig is the smallest valid config block of each pull type.
var minimalConfig = map[string]string{
	"jmx":        "host_port: 127.0.0.1:9999\n",
	"plugin":     "path: /bin/true\n",
	"json":       "targets: [http://127.0.0.1:1/]\n",
	"expvar":     "targets: [http://127.0.0.1:1/]\n",
	"prometheus": "targets: [http://127.0.0.1:1/]\n",
	"nginx":      "targets: [http://127.0.0.1:1/]\n",
	"apache":     "targets: [http://127.0.0.1:1/]\n",
	"redis":      "targets: [127.0.0.1:1]\n",
	"memcached":  "targets: [127.0.0.1:1]\n",
	"text":       "targets: [http://127.0.0.1:1/]\nlines: [{regex: '^(?P<key>\\w+) (?P<value>\\d+)$'}]\n",
}

// TestPollTimeoutDefaults checks, for every pull input type, that an unset
// timeout is min(10s, interval), that an explicit one longer than the
// interval is refused, and that the default interval is 15s.
func TestPollTimeoutDefaults(t *testing.T) {
	reg, err := newInputRegistry()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name        string
		extra       string
		wantTimeout time.Duration
		wantErr     string
	}{
		{"defaults", "", 10 * time.Second, ""},
		{"short interval, no timeout", "interval: 1s\n", time.Second, ""},
		{"sub-second interval, no timeout", "interval: 250ms\n", 250 * time.Millisecond, ""},
		{"long interval, no timeout", "interval: 1m\n", 10 * time.Second, ""},
		{"explicit timeout below interval", "interval: 1s\ntimeout: 500ms\n", 500 * time.Millisecond, ""},
		{"explicit timeout equal to interval", "interval: 2s\ntimeout: 2s\n", 2 * time.Second, ""},
		{"explicit long timeout with long interval", "interval: 1m\ntimeout: 30s\n", 30 * time.Second, ""},
		{"explicit timeout above interval", "interval: 1s\ntimeout: 2s\n", 0, `"2s" must not exceed interval "1s"`},
		{"default timeout is explicit when written", "interval: 1s\ntimeout: 10s\n", 0, `"10s" must not exceed interval "1s"`},
	}
	for _, typ := range reg.Types() {
		f, _ := reg.Factory(typ)
		if pushTypes[typ] {
			continue
		}
		if _, ok := f.NewDefaultConfig().(inputs.Poller); !ok {
			t.Errorf("%s: pull input config does not implement inputs.Poller", typ)
			continue
		}
		base, ok := minimalConfig[typ]
		if !ok {
			t.Errorf("%s: no minimal config in this test; add one", typ)
			continue
		}
		for _, tc := range cases {
			t.Run(typ+"/"+tc.name, func(t *testing.T) {
				var doc yaml.Node
				if err := yaml.Unmarshal([]byte(base+tc.extra), &doc); err != nil {
					t.Fatal(err)
				}
				cfg, err := f.Decode(doc.Content[0])
				if err == nil {
					err = cfg.Validate()
				}
				if tc.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
						t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				interval, got := cfg.(inputs.Poller).Poll()
				if got != tc.wantTimeout {
					t.Errorf("timeout = %v, want %v", got, tc.wantTimeout)
				}
				if tc.extra == "" && interval != 15*time.Second {
					t.Errorf("default interval = %v, want 15s", interval)
				}
			})
		}
	}
}
