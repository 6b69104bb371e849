package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// binDir holds the plugins built once for all tests.
var binDir string

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		runHelper()
		return
	}
	dir, err := os.MkdirTemp("", "rosetta-plugin-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	for name, pkg := range map[string]string{
		"procstat":   "../../plugins/examples/procstat",
		"testplugin": "./testdata/testplugin",
	} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n", pkg, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func bin(name string) string { return filepath.Join(binDir, name) }

// nodePath finds node; tests that need it fail when it is missing.
func nodePath(t testing.TB) string {
	t.Helper()
	p := testutil.Peer(t, "nodejs", "node")
	if _, err := os.Stat("../../testdata/node/node_modules/@grpc/grpc-js"); err != nil {
		t.Fatalf("testdata/node/node_modules lacks @grpc/grpc-js (make peers installs it): %v", err)
	}
	return p
}

// sink is a fake Appender that keeps what it gets.
type sink struct {
	mu       sync.Mutex
	appended []normalize.Record
	replaced map[string][]normalize.Record
	replaces int
	delay    time.Duration
	count    int
	notify   chan struct{}
}

func newSink() *sink {
	return &sink{replaced: map[string][]normalize.Record{}, notify: make(chan struct{}, 1)}
}

func cloneRecords(batch []normalize.Record) []normalize.Record {
	out := make([]normalize.Record, len(batch))
	for i, r := range batch {
		r.Labels = append(normalize.Labels(nil), r.Labels...)
		out[i] = r
	}
	return out
}

func (s *sink) Append(_ context.Context, batch []normalize.Record) error {
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	s.mu.Lock()
	s.count += len(batch)
	if len(s.appended) < 100000 {
		s.appended = append(s.appended, cloneRecords(batch)...)
	}
	s.mu.Unlock()
	s.poke()
	return nil
}

func (s *sink) Replace(_ context.Context, source string, batch []normalize.Record) error {
	s.mu.Lock()
	s.replaces++
	if len(batch) == 0 {
		delete(s.replaced, source)
	} else {
		s.replaced[source] = cloneRecords(batch)
	}
	s.mu.Unlock()
	s.poke()
	return nil
}

func (s *sink) poke() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// waitFor polls cond (under the sink's lock) until it holds or timeout.
func (s *sink) waitFor(t testing.TB, timeout time.Duration, what string, cond func(s *sink) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		ok := cond(s)
		s.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		select {
		case <-s.notify:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// decode decodes a YAML input block.
func decode(t testing.TB, block string) *Config {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(block), &doc); err != nil {
		t.Fatal(err)
	}
	cfg, err := DecodeConfig(doc.Content[0])
	if err != nil {
		t.Fatalf("decoding config: %v", err)
	}
	return cfg
}

// newDriver builds a driver from a YAML block with its own registry.
func newDriver(t testing.TB, block string) (*Driver, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d, err := New(inputs.Settings{
		Name:       "ext",
		Logger:     logger.With("input", "ext"),
		Registerer: prometheus.WrapRegistererWith(prometheus.Labels{"input": "ext"}, reg),
	}, decode(t, block))
	if err != nil {
		t.Fatal(err)
	}
	return d, reg
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p[:len(p)-1]))
	return len(p), nil
}

// run runs d until the test ends; it fails the test if Run returns an
// error or does not return within 5 s of cancellation.
func run(t testing.TB, d *Driver, out normalize.Appender) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, out) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v, want nil", err)
			}
		case <-time.After(5 * time.Second):
			buf := make([]byte, 1<<20)
			t.Errorf("Run did not return within 5s of cancellation\n%s", buf[:runtime.Stack(buf, true)])
		}
	})
}

// counter reads a counter or gauge from reg, summed over series whose
// labels include want.
func counter(t testing.TB, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.Metric {
			for k, v := range want {
				found := false
				for _, lp := range m.Label {
					if lp.GetName() == k && lp.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue metric
				}
			}
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			}
		}
	}
	return sum
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the ")" that ends the command name.
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ')' {
			return i+2 < len(b) && b[i+2] != 'Z'
		}
	}
	return false
}

func inputsSettings() inputs.Settings {
	return inputs.Settings{Name: "helper", Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}
}

func fileSHA256(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// captureLogs points d's logs at a buffer (and the test log).
func captureLogs(t testing.TB, d *Driver) *testutil.Buffer {
	buf := &testutil.Buffer{}
	d.logger = slog.New(slog.NewTextHandler(io.MultiWriter(buf, testWriter{t}), &slog.HandlerOptions{Level: slog.LevelDebug})).With("input", "ext")
	d.hclog = newHCLog(d.logger)
	return buf
}
