package jmx

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	rtestutil "github.com/rosetta-adapter/rosetta/internal/testutil"
)

// TestPollOnceRMIAndJolokia: one poll of the test JVM over RMI and over
// Jolokia gives its bean strings with values, one per line, which Replay
// turns back into the records (what explain --live and record use).
func TestPollOnceRMIAndJolokia(t *testing.T) {
	jport := rtestutil.FreePort(t)
	j := startJVM(t, jvmOptions{jolokiaPort: jport})
	for _, tc := range []struct {
		name string
		cfg  func(c *Config)
	}{
		{"rmi", func(c *Config) { c.HostPort = "127.0.0.1:" + strconv.Itoa(j.port) }},
		{"jolokia", func(c *Config) { c.JolokiaURL = "http://127.0.0.1:" + strconv.Itoa(jport) + "/jolokia/" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig
			cfg.IncludeObjectNames = []string{"com.example:*"}
			tc.cfg(&cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			recs, err := NewFactory().PollOnce(ctx, &cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 {
				t.Fatalf("%d recordings, want 1", len(recs))
			}
			body := string(recs[0].Body)
			lines := strings.Split(strings.TrimSpace(body), "\n")
			for _, l := range lines {
				if !strings.HasPrefix(l, "com.example<") || !strings.Contains(l, "><") || !strings.Contains(l, ": ") {
					t.Errorf("not a bean string with a value: %q", l)
				}
			}
			got, err := NewFactory().Replay(&cfg, recs[0].Body)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(lines) || len(got) < 5 {
				t.Errorf("replay: %d records from %d lines", len(got), len(lines))
			}
			for i, r := range got {
				if r.Match != lines[i] {
					t.Errorf("record %d: match %q, line %q", i, r.Match, lines[i])
				}
			}
		})
	}
}
