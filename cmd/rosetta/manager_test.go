package main

import (
	"context"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/statsd"
	itu "github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// fakeInput is a driver whose Run the test steers.
type fakeInput struct {
	run func(ctx context.Context) error
}

func (f *fakeInput) Run(ctx context.Context, _ normalize.Appender) error { return f.run(ctx) }

type fakeConfig struct{}

func (fakeConfig) Validate() error { return nil }

// fakeFactory makes fakeInputs whose Run is run; each registers a gauge.
type fakeFactory struct {
	run func(ctx context.Context) error
}

func (fakeFactory) Type() string                             { return "fake" }
func (fakeFactory) NewDefaultConfig() inputs.Config          { return fakeConfig{} }
func (fakeFactory) Decode(*yaml.Node) (inputs.Config, error) { return fakeConfig{}, nil }
func (f fakeFactory) New(set inputs.Settings, _ inputs.Config) (inputs.Driver, error) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "fake_up", Help: "A fake input's gauge."})
	g.Set(1)
	if err := set.Registerer.Register(g); err != nil {
		return nil, err
	}
	return &fakeInput{run: f.run}, nil
}

func testManager(t *testing.T) (*manager, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := newManager(slog.New(slog.DiscardHandler), nil, reg)
	t.Cleanup(m.stop)
	return m, reg
}

func spec(t *testing.T, name string, f inputs.Factory, cfg inputs.Config, fp string) inputSpec {
	t.Helper()
	rs, err := normalize.NewRuleSet(normalize.RuleSetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return inputSpec{name: name, typ: f.Type(), factory: f, config: cfg, fingerprint: fp, rules: rs}
}

// TestReloadDoesNotBlockGather (issue 18 item 4): while a reload waits for
// a slow input to stop, Gather (every /metrics scrape) still answers.
func TestReloadDoesNotBlockGather(t *testing.T) {
	m, _ := testManager(t)
	release := make(chan struct{})
	slow := fakeFactory{run: func(ctx context.Context) error {
		<-ctx.Done()
		<-release // a slow shutdown
		return nil
	}}
	fast := fakeFactory{run: func(ctx context.Context) error { <-ctx.Done(); return nil }}
	ctx := context.Background()
	if err := m.apply(ctx, []inputSpec{spec(t, "slow", slow, fakeConfig{}, "1"), spec(t, "other", fast, fakeConfig{}, "1")}); err != nil {
		t.Fatal(err)
	}
	applied := make(chan error, 1)
	go func() { applied <- m.apply(ctx, []inputSpec{spec(t, "other", fast, fakeConfig{}, "1")}) }()
	itu.Eventually(t, 5*time.Second, "the slow input leaving the running set", func() bool { return len(m.inputStates()) == 1 })
	for range 3 {
		got := make(chan int, 1)
		go func() {
			mfs, _ := m.Gather()
			n := 0
			for _, mf := range mfs {
				if mf.GetName() == "fake_up" {
					n = len(mf.GetMetric())
				}
			}
			got <- n
		}()
		select {
		case n := <-got:
			if n != 1 {
				t.Errorf("Gather returned %d fake_up series during the reload, want the other input's 1", n)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("Gather blocked while the reload waits for a slow input to stop")
		}
	}
	select {
	case err := <-applied:
		t.Fatalf("the reload returned (%v) before the slow input stopped", err)
	default:
	}
	close(release)
	if err := <-applied; err != nil {
		t.Fatal(err)
	}
}

// TestReloadToTakenPortKeepsInput: a reload that moves a listener to a port
// something else holds fails, and the old input keeps running.
func TestReloadToTakenPortKeepsInput(t *testing.T) {
	m, _ := testManager(t)
	f := statsd.NewFactory()
	cfg := statsd.DefaultConfig
	cfg.ListenUDP, cfg.ListenTCP = "", itu.FreeAddr(t)
	ctx := context.Background()
	if err := m.apply(ctx, []inputSpec{spec(t, "statsd", f, &cfg, "a")}); err != nil {
		t.Fatal(err)
	}
	itu.WaitTCP(t, cfg.ListenTCP, 5*time.Second)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	moved := cfg
	moved.ListenTCP = taken.Addr().String()
	err = m.apply(ctx, []inputSpec{spec(t, "statsd", f, &moved, "b")})
	if err == nil || !strings.Contains(err.Error(), "cannot listen on tcp "+moved.ListenTCP) {
		t.Fatalf("apply to a taken port: %v", err)
	}
	if st := m.inputStates(); len(st) != 1 || st[0].spec.fingerprint != "a" {
		t.Fatalf("running after the failed reload: %+v", st)
	}
	c, err := net.Dial("tcp", cfg.ListenTCP)
	if err != nil {
		t.Fatalf("the old input stopped listening: %v", err)
	}
	c.Close()
	// Moving to the port the input itself holds is fine.
	if err := m.apply(ctx, []inputSpec{spec(t, "statsd", f, &cfg, "c")}); err != nil {
		t.Fatalf("re-applying the same address: %v", err)
	}
}

// TestInputPanicIsIsolated: a driver that panics is recovered, counted and
// restarted with backoff; the other input runs on.
func TestInputPanicIsIsolated(t *testing.T) {
	m, reg := testManager(t)
	var runs atomic.Int32
	panicky := fakeFactory{run: func(ctx context.Context) error {
		if runs.Add(1) <= 2 {
			var mp map[string]int
			mp["boom"]++ //nolint:staticcheck // SA5000: a nil map write, the real runtime panic under test
		}
		<-ctx.Done()
		return nil
	}}
	var otherRuns atomic.Int32
	other := fakeFactory{run: func(ctx context.Context) error { otherRuns.Add(1); <-ctx.Done(); return nil }}
	if err := m.apply(context.Background(), []inputSpec{spec(t, "panicky", panicky, fakeConfig{}, "1"), spec(t, "other", other, fakeConfig{}, "1")}); err != nil {
		t.Fatal(err)
	}
	itu.Eventually(t, 10*time.Second, "two panics recovered and a third run", func() bool { return runs.Load() == 3 })
	if n := testutil.ToFloat64(m.panics.WithLabelValues("panicky")); n != 2 {
		t.Errorf("rosetta_input_panics_total = %v, want 2", n)
	}
	if n := testutil.ToFloat64(m.restarts.WithLabelValues("panicky")); n != 2 {
		t.Errorf("restarts = %v, want 2", n)
	}
	if otherRuns.Load() != 1 {
		t.Errorf("the other input ran %d times, want 1", otherRuns.Load())
	}
	if _, err := reg.Gather(); err != nil {
		t.Fatal(err)
	}
}

// TestFailingBuiltinInputBacksOff: a statsd input that cannot bind (a
// unixgram socket in a missing directory) is restarted with a doubling
// backoff, not in a busy loop, and the restarts are counted.
func TestFailingBuiltinInputBacksOff(t *testing.T) {
	m, _ := testManager(t)
	cfg := statsd.DefaultConfig
	cfg.ListenUDP, cfg.ListenTCP = "", ""
	cfg.ListenUnixgram = t.TempDir() + "/missing/dir/statsd.sock"
	start := time.Now()
	if err := m.apply(context.Background(), []inputSpec{spec(t, "broken", statsd.NewFactory(), &cfg, "1")}); err != nil {
		t.Fatal(err)
	}
	restarts := func() float64 { return testutil.ToFloat64(m.restarts.WithLabelValues("broken")) }
	itu.Eventually(t, 10*time.Second, "four restarts", func() bool { return restarts() >= 4 })
	// 100+200+400 ms of backoff at least lie between the first failure and
	// the fourth.
	if el := time.Since(start); el < 700*time.Millisecond {
		t.Errorf("four restarts within %v: no backoff", el)
	}
	if n := restarts(); n > 8 {
		t.Errorf("%v restarts", n)
	}
}

// TestReloadFingerprintsReferencedFiles: a changed jmx_exporter_config file
// changes the input's fingerprint (so a reload restarts it with the new
// file), and the file is watched.
func TestReloadFingerprintsReferencedFiles(t *testing.T) {
	dir := t.TempDir()
	jx := writeFile(t, dir, "jmx.yml", "hostPort: 127.0.0.1:9999\nrules:\n  - pattern: \".*\"\n")
	cfgFile := writeFile(t, dir, "rosetta.yml", "inputs:\n  - name: kafka\n    type: jmx\n    config:\n      jmx_exporter_config: "+jx+"\n")
	reg, err := newInputRegistry()
	if err != nil {
		t.Fatal(err)
	}
	load := func() *loadedConfig {
		t.Helper()
		lc, err := loadConfig(&runFlags{configFile: cfgFile}, reg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return lc
	}
	before := load()
	if !slices.Contains(before.files, jx) {
		t.Errorf("watched files %v lack %s", before.files, jx)
	}
	if again := load(); again.specs[0].fingerprint != before.specs[0].fingerprint {
		t.Error("the fingerprint changed without a change")
	}
	writeFile(t, dir, "jmx.yml", "hostPort: 127.0.0.1:9998\nrules:\n  - pattern: \".*\"\n")
	if after := load(); after.specs[0].fingerprint == before.specs[0].fingerprint {
		t.Error("a changed jmx_exporter_config kept the fingerprint: the reload would keep the old file")
	}
}

// TestInputGoroutinePanicIsCounted: a driver that recovers a panic in a
// goroutine it started (inputs.Safe) and returns it gets it counted and is
// restarted like a panic in Run.
func TestInputGoroutinePanicIsCounted(t *testing.T) {
	m, _ := testManager(t)
	var runs atomic.Int32
	f := fakeFactory{run: func(ctx context.Context) error {
		if runs.Add(1) > 1 {
			<-ctx.Done()
			return nil
		}
		errc := make(chan error, 1)
		go func() {
			errc <- inputs.Safe(func() error {
				var s []int
				_ = s[3] // index out of range
				return nil
			})
		}()
		return <-errc
	}}
	if err := m.apply(context.Background(), []inputSpec{spec(t, "g", f, fakeConfig{}, "1")}); err != nil {
		t.Fatal(err)
	}
	itu.Eventually(t, 10*time.Second, "the restart after the goroutine's panic", func() bool { return runs.Load() == 2 })
	if n := testutil.ToFloat64(m.panics.WithLabelValues("g")); n != 1 {
		t.Errorf("rosetta_input_panics_total = %v, want 1", n)
	}
}
