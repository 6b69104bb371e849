package jmx

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	rtestutil "github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// replaceCall is one Replace the fake appender received.
type replaceCall struct {
	source string
	n      int
	match  map[string]float64
}

type fakeAppender struct {
	calls chan replaceCall
}

func newFakeAppender() *fakeAppender { return &fakeAppender{calls: make(chan replaceCall, 1000)} }

func (f *fakeAppender) Append(context.Context, []normalize.Record) error { return nil }

func (f *fakeAppender) Replace(_ context.Context, source string, batch []normalize.Record) error {
	c := replaceCall{source: source, n: len(batch), match: map[string]float64{}}
	for _, r := range batch {
		c.match[r.Match] = r.Value
	}
	f.calls <- c
	return nil
}

// next waits for a Replace that satisfies ok.
func (f *fakeAppender) next(t *testing.T, what string, timeout time.Duration, ok func(replaceCall) bool) replaceCall {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case c := <-f.calls:
			if ok(c) {
				return c
			}
		case <-deadline:
			t.Fatalf("no Replace with %s within %v", what, timeout)
		}
	}
}

func decodeYAML(t *testing.T, s string) (*Config, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(s), &n); err != nil {
		t.Fatal(err)
	}
	return DecodeConfig(n.Content[0])
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name, yaml, err string
	}{
		{"host_port", "host_port: localhost:9999", ""},
		{"jmx_url", "jmx_url: service:jmx:rmi:///jndi/rmi://kafka:9999/jmxrmi\nusername: u\npassword_env: PW", ""},
		{"unknown key", "host_port: a:1\nhostPort: a:1", `2:1: jmx input: unknown key "hostPort"`},
		{"unknown tls key", "host_port: a:1\ntls:\n  ca: x", `3:3: jmx input: tls: unknown key "ca"`},
		{"bad duration", "host_port: a:1\ninterval: soon", "line 2"},
		{"neither", "interval: 5s", "one of host_port, jmx_url and jolokia_url is required"},
		{"jolokia", "jolokia_url: http://localhost:8778/jolokia/", ""},
		{"bad jolokia", "jolokia_url: ftp://x", `jolokia_url "ftp://x"`},
		{"both", "host_port: a:1\njmx_url: service:jmx:rmi:///jndi/rmi://a:1/jmxrmi", "mutually exclusive"},
		{"bad url", "jmx_url: service:jmx:remote+http://a:1", `jmx_url "service:jmx:remote+http://a:1"`},
		{"bad port", "host_port: a:x", `host_port "a:x"`},
		{"password without user", "host_port: a:1\npassword: x", "a password needs a username"},
		{"two passwords", "host_port: a:1\nusername: u\npassword: x\npassword_file: /f", "mutually exclusive"},
		{"interval", "host_port: a:1\ninterval: 0s", `interval "0s" must be positive`},
		{"connections", "host_port: a:1\nconnections: 0", "connections 0 must be between 1 and 64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := decodeYAML(t, tc.yaml)
			if err == nil {
				err = cfg.Validate()
			}
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("got %v, want an error containing %q", err, tc.err)
			}
		})
	}
	cfg, _ := decodeYAML(t, "jmx_url: service:jmx:rmi:///jndi/rmi://kafka:9999/custom\npassword: hunter2\nusername: u")
	if tg, _ := cfg.Target(); tg != (Target{Host: "kafka", Port: 9999, Name: "custom"}) {
		t.Errorf("target %+v", tg)
	}
	if s := cfg.Password.String(); strings.Contains(s, "hunter2") {
		t.Errorf("password printed: %s", s)
	}
}

// TestDriverRealJVM: the driver polls a real JVM, the JVM is killed (its
// series vanish, up goes to 0) and restarted on the same port (series come
// back without restarting the driver).
func TestDriverRealJVM(t *testing.T) {
	j := startJVM(t, jvmOptions{})
	reg := prometheus.NewRegistry()
	cfg := DefaultConfig
	cfg.HostPort = "127.0.0.1:" + itoa(j.port)
	cfg.Interval = 300 * time.Millisecond
	cfg.Timeout = 5 * time.Second
	cfg.IncludeObjectNames = []string{"com.example:*", "java.lang:type=Memory"}
	var f inputs.Factory = NewFactory()
	drv, err := f.New(inputs.Settings{Name: "kafka", Registerer: prometheus.WrapRegistererWith(prometheus.Labels{"input": "kafka"}, reg)}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	app := newFakeAppender()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- drv.Run(ctx, app) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	}()

	source := "kafka/127.0.0.1:" + itoa(j.port)
	const count = `com.example<type=Types, name=all><>Count: 42`
	c := app.next(t, "series", 30*time.Second, func(c replaceCall) bool { return c.n > 0 })
	if c.source != source {
		t.Errorf("source %q, want %q", c.source, source)
	}
	if v, ok := c.match[count]; !ok || v != 42 {
		t.Errorf("%s: %v %v", count, v, ok)
	}
	if _, ok := c.match["java.lang<type=Memory><HeapMemoryUsage>used: "]; ok {
		t.Error("value missing from match string")
	}
	found := false
	for m := range c.match {
		if strings.HasPrefix(m, "java.lang<type=Memory><HeapMemoryUsage>used: ") {
			found = true
		}
	}
	if !found {
		t.Error("no heap usage record")
	}
	if v := testutil.ToFloat64(drv.(*Driver).m.Up.WithLabelValues("127.0.0.1:" + itoa(j.port))); v != 1 {
		t.Errorf("up %v", v)
	}

	j.kill()
	app.next(t, "an empty batch after the JVM died", 30*time.Second, func(c replaceCall) bool { return c.n == 0 })
	if v := testutil.ToFloat64(drv.(*Driver).m.Up.WithLabelValues("127.0.0.1:" + itoa(j.port))); v != 0 {
		t.Errorf("up after kill %v", v)
	}

	j2 := startJVM(t, jvmOptions{port: j.port})
	_ = j2
	c = app.next(t, "series after the restart", 60*time.Second, func(c replaceCall) bool { return c.n > 0 })
	if _, ok := c.match[count]; !ok {
		t.Errorf("no %s after restart", count)
	}
	connects := testutil.ToFloat64(drv.(*Driver).m.connects.WithLabelValues("127.0.0.1:" + itoa(j.port)))
	if connects < 2 {
		t.Errorf("connects %v, want a reconnection", connects)
	}
	if n, err := testutil.GatherAndCount(reg, "rosetta_input_up", "rosetta_input_poll_errors_total", "rosetta_jmx_beans"); err != nil || n < 3 {
		t.Errorf("self-metrics: %d series, %v", n, err)
	}
}

// TestDriverDeadTarget: nothing listens; polls fail fast, up stays 0, and
// Run still returns promptly on cancel.
func TestDriverDeadTarget(t *testing.T) {
	cfg := DefaultConfig
	cfg.HostPort = "127.0.0.1:" + itoa(rtestutil.FreePort(t))
	cfg.Interval = 50 * time.Millisecond
	cfg.Timeout = time.Second
	reg := prometheus.NewRegistry()
	drv, err := New(inputs.Settings{Name: "dead", Registerer: reg}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	app := newFakeAppender()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := drv.Run(ctx, app); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("Run took %v after its context ended", el)
	}
	if len(app.calls) != 0 {
		t.Errorf("%d Replace calls for a target that never had series", len(app.calls))
	}
	if v := testutil.ToFloat64(drv.m.PollErrors.WithLabelValues(cfg.HostPort, "refused")); v < 1 {
		t.Errorf("refused polls %v", v)
	}
	if st := drv.PeerStats(); st.Error != 1 || st.Timeouts != 0 {
		t.Errorf("jmx_exporter's stats after failed polls %+v, want error 1, no timeouts", st)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestConfigFromJMXExporter(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "kafka.yml")
	t.Setenv("JMX_PW", "hunter2")
	data := `
hostPort: kafka:9999
username: monitor
password: ${JMX_PW}
ssl: true
whitelistObjectNames: ["kafka.server:*", "java.lang:type=Memory"]
blacklistObjectNames: ["kafka.server:type=Fetch,*"]
excludeJvmMetrics: true
lowercaseOutputName: true
includeObjectNameAttributes:
  "kafka.server:type=X,name=Y": [Count]
excludeObjectNameAttributes:
  "java.lang:type=Memory": [HeapMemoryUsage]
metricCustomizers:
  - mbeanFilter:
      domain: kafka.server
      properties: {type: app-info}
    attributesAsLabels: [version]
    extraMetrics:
      - {name: isBroker, value: true, description: always 1}
rules:
  - pattern: 'kafka.server<type=(.+)><>Value'
    name: kafka_$1
`
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := decodeYAML(t, "jmx_exporter_config: "+file)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if tg, _ := cfg.Target(); tg.String() != "kafka:9999" || cfg.Username != "monitor" || cfg.Password != "hunter2" || !cfg.RegistrySSL || !cfg.LowercaseOutputName {
		t.Errorf("config %+v", cfg)
	}
	if diff := cmp.Diff([]string{"kafka.server:*", "java.lang:type=Memory"}, cfg.IncludeObjectNames); diff != "" {
		t.Errorf("includes: %s", diff)
	}
	if !slices.Contains(cfg.ExcludeObjectNames, "kafka.server:type=Fetch,*") || !slices.Contains(cfg.ExcludeObjectNames, "sun.management:*") ||
		slices.Contains(cfg.ExcludeObjectNames, "java.lang:*") {
		t.Errorf("excludes %v (java.lang is explicitly included)", cfg.ExcludeObjectNames)
	}
	if diff := cmp.Diff(map[string][]string{"java.lang:type=Memory": {"HeapMemoryUsage"}}, cfg.ExcludeObjectNameAttributes); diff != "" || len(cfg.IncludeObjectNameAttributes) != 1 {
		t.Errorf("attribute filters: %s %v", diff, cfg.IncludeObjectNameAttributes)
	}
	wantMC := []MetricCustomizer{{MBeanFilter: MBeanFilter{Domain: "kafka.server", Properties: map[string]string{"type": "app-info"}},
		AttributesAsLabels: []string{"version"}, ExtraMetrics: []ExtraMetric{{Name: "isBroker", Value: true, Description: "always 1"}}}}
	if diff := cmp.Diff(wantMC, cfg.MetricCustomizers); diff != "" {
		t.Errorf("metric customizers (-want +got):\n%s", diff)
	}
	if _, err := decodeYAML(t, "jmx_exporter_config: "+filepath.Join(dir, "missing.yml")); err == nil {
		t.Error("missing file accepted")
	}
	// A key given twice takes the last value, as in SnakeYAML, at any depth.
	dup := filepath.Join(dir, "dup.yml")
	if err := os.WriteFile(dup, []byte("hostPort: a:1\nhostPort: b:2\nusername: x\nssl: {enabled: false, enabled: true}\n"+
		"rules:\n  - pattern: x\n    name: x\n    name: y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err = decodeYAML(t, "jmx_exporter_config: "+dup)
	if err != nil {
		t.Fatal(err)
	}
	if tg, _ := cfg.Target(); tg.String() != "b:2" || !cfg.RegistrySSL {
		t.Errorf("duplicate keys: target %v, registry ssl %v", tg, cfg.RegistrySSL)
	}
	// YAML 1.1 base 60, as SnakeYAML reads it: 1:30 is 90.
	b60 := filepath.Join(dir, "b60.yml")
	if err := os.WriteFile(b60, []byte("hostPort: a:1\nstartDelaySeconds: 1:30\nscrapeTimeoutSeconds: 2:00\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err = decodeYAML(t, "jmx_exporter_config: "+b60); err != nil {
		t.Fatal(err)
	}
	if cfg.StartDelay != 90*time.Second || cfg.Timeout != 120*time.Second {
		t.Errorf("base 60: start delay %v, timeout %v", cfg.StartDelay, cfg.Timeout)
	}
}

// TestDriverScrapeTimeout: a real JVM turns slow (a bean whose read takes
// 3 s, against a 1 s poll timeout). With jmx_exporter's
// scrapeTimeoutSeconds the last good poll's series stay and up stays 1,
// as jmx_exporter's collector serves its last good scrape; the timeouts
// are counted. Without it (a native timeout) the target is marked down and
// its series removed. Both recover when the JVM is fast again.
func TestDriverScrapeTimeout(t *testing.T) {
	j := startJVM(t, jvmOptions{props: []string{"-DslowBean=true"}})
	const slow = "com.example.slow<type=Slow><>Value: 7"
	file := filepath.Join(t.TempDir(), "jmx.yml")
	je := fmt.Sprintf("hostPort: 127.0.0.1:%d\nscrapeTimeoutSeconds: 1\nincludeObjectNames: [\"com.example.slow:*\"]\n", j.port)
	if err := os.WriteFile(file, []byte(je), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, config string
		keep         bool
	}{
		{"scrapeTimeoutSeconds", "jmx_exporter_config: " + file + "\ninterval: 1500ms\n", true},
		{"native timeout", fmt.Sprintf("host_port: 127.0.0.1:%d\ninclude_object_names: [\"com.example.slow:*\"]\ninterval: 1500ms\ntimeout: 1s\n", j.port), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := decodeYAML(t, tc.config)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.KeepSeriesOnTimeout != tc.keep || cfg.Timeout != time.Second {
				t.Fatalf("keep_series_on_timeout %v, timeout %v; want %v, 1s", cfg.KeepSeriesOnTimeout, cfg.Timeout, tc.keep)
			}
			reg := prometheus.NewRegistry()
			drv, err := NewFactory().New(inputs.Settings{Name: "jmx", Registerer: reg}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			app := newFakeAppender()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- drv.Run(ctx, app) }()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Run returned %v", err)
				}
			}()
			target := "127.0.0.1:" + itoa(j.port)
			m := drv.(*Driver).m
			up := func() float64 { return testutil.ToFloat64(m.Up.WithLabelValues(target)) }
			timeouts := func() float64 { return testutil.ToFloat64(m.PollErrors.WithLabelValues(target, "timeout")) }

			app.next(t, "the slow bean", 30*time.Second, func(c replaceCall) bool { _, ok := c.match[slow]; return ok })
			j.command(t, "slow 3000")
			deadline := time.Now().Add(30 * time.Second)
			for timeouts() < 2 {
				if time.Now().After(deadline) {
					t.Fatalf("%v timeouts counted after 30s", timeouts())
				}
				select {
				case c := <-app.calls:
					if tc.keep {
						t.Fatalf("series replaced (%d records) while polls time out", c.n)
					}
					if c.n != 0 {
						t.Fatalf("a poll of the slow JVM gave %d records", c.n)
					}
				case <-time.After(50 * time.Millisecond):
				}
			}
			if want := map[bool]float64{true: 1, false: 0}[tc.keep]; up() != want {
				t.Errorf("up %v while polls time out, want %v", up(), want)
			}
			// jmx_exporter's scrapeTimeoutSeconds counts the timeouts and
			// leaves jmx_scrape_error; without it, a poll that times out
			// failed.
			st := drv.(*Driver).PeerStats()
			if tc.keep && (st.Error != 0 || st.Timeouts < 2) || !tc.keep && (st.Error != 1 || st.Timeouts != 0) {
				t.Errorf("jmx_exporter's stats while polls time out: %+v", st)
			}
			if st.Duration < time.Second || st.Duration%time.Millisecond != 0 {
				t.Errorf("last poll's duration %v, want the 1s timeout or more, in whole milliseconds", st.Duration)
			}
			if !tc.keep {
				// the series were removed by the first timeout
				if n := len(app.calls); n != 0 {
					t.Errorf("%d more Replace calls after the removal", n)
				}
			}
			j.command(t, "slow 0")
			app.next(t, "the slow bean again", 30*time.Second, func(c replaceCall) bool { _, ok := c.match[slow]; return ok })
			if up() != 1 {
				t.Errorf("up %v after recovery", up())
			}
			if st := drv.(*Driver).PeerStats(); st.Error != 0 {
				t.Errorf("jmx_scrape_error %v after recovery", st.Error)
			}
		})
	}
}
