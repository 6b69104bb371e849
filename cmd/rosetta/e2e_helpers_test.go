package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// Binaries built once per test run and shared by the end-to-end tests.
var (
	buildOnce     sync.Once
	buildErr      error
	rosettaBin    string
	statsdExpOnce sync.Once
	statsdExpBin  string
	statsdExpErr  error
	binDir        string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rosetta-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildRosetta builds ./cmd/rosetta (this package) into a temp dir.
func buildRosetta(t testing.TB) string {
	t.Helper()
	testutil.SkipShort(t, "the rosetta binary built from source")
	buildOnce.Do(func() {
		rosettaBin = filepath.Join(binDir, "rosetta")
		cmd := exec.Command("go", "build", "-o", rosettaBin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building rosetta: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return rosettaBin
}

// buildStatsdExporter builds the real statsd_exporter at the version in
// go.mod from the module cache.
func buildStatsdExporter(t testing.TB) string {
	t.Helper()
	testutil.SkipShort(t, "statsd_exporter built from the module cache")
	statsdExpOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/prometheus/statsd_exporter").Output()
		if err != nil {
			statsdExpErr = fmt.Errorf("locating statsd_exporter in the module cache: %w", err)
			return
		}
		dir := strings.TrimSpace(string(out))
		if dir == "" {
			statsdExpErr = fmt.Errorf("statsd_exporter is not in the module cache; run 'go mod download github.com/prometheus/statsd_exporter'")
			return
		}
		statsdExpBin = filepath.Join(binDir, "statsd_exporter")
		cmd := exec.Command("go", "build", "-o", statsdExpBin, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			statsdExpErr = fmt.Errorf("building statsd_exporter: %w\n%s", err, out)
		}
	})
	if statsdExpErr != nil {
		t.Fatal(statsdExpErr)
	}
	return statsdExpBin
}

// process is a server started by a test; it is killed at cleanup.
type process struct {
	cmd    *exec.Cmd
	output *bytes.Buffer
	mu     *sync.Mutex
	done   chan struct{} // closed when the process has exited
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func startProcess(t testing.TB, bin string, args ...string) *process {
	t.Helper()
	p := &process{output: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout = lockedWriter{p.mu, p.output}
	p.cmd.Stderr = lockedWriter{p.mu, p.output}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("output of %s:\n%s", filepath.Base(bin), p.Output())
		}
	})
	return p
}

func (p *process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

// statsdServer is one of the pair startStatsdPair starts.
type statsdServer struct {
	name            string // statsd_exporter or rosetta
	statsdAddr, web string
	linesMetric     string // the server's count of lines received
	p               *process
}

// startStatsdPair starts statsd_exporter and Rosetta, in that order, on
// the statsd_exporter mapping file mapping, each reading StatsD over TCP
// only (statsdAddr) and serving web; it does not wait for them.
func startStatsdPair(t *testing.T, mapping string) []statsdServer {
	t.Helper()
	return startStatsdPairOn(t, mapping, "tcp")
}

// startStatsdPairOn is startStatsdPair reading StatsD over transport
// ("tcp" or "udp") only; an empty mapping gives no mapping file.
func startStatsdPairOn(t *testing.T, mapping, transport string) []statsdServer {
	t.Helper()
	var servers []statsdServer
	for _, s := range []struct{ name, bin, linesMetric string }{
		{"statsd_exporter", buildStatsdExporter(t), "statsd_exporter_lines_total"},
		{"rosetta", buildRosetta(t), "rosetta_statsd_lines_total"},
	} {
		srv := statsdServer{
			name:        s.name,
			statsdAddr:  fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t)),
			web:         fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t)),
			linesMetric: s.linesMetric,
		}
		udp, tcp := "", srv.statsdAddr
		if transport == "udp" {
			udp, tcp = tcp, udp
		}
		args := []string{"--statsd.listen-udp=" + udp, "--statsd.listen-tcp=" + tcp, "--web.listen-address=" + srv.web}
		if mapping != "" {
			args = append(args, "--statsd.mapping-config="+mapping)
		}
		srv.p = startProcess(t, s.bin, args...)
		servers = append(servers, srv)
	}
	return servers
}

// waitReady polls url until it answers 200; it fails at once if the
// process exits.
func (p *process) waitReady(t testing.TB, url string, timeout time.Duration) {
	t.Helper()
	testutil.WaitHTTP(t, url, timeout, p.done)
}

// scrape fetches and parses a text exposition.
func scrape(t testing.TB, url string) map[string]*dto.MetricFamily {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scraping %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping %s: status %d: %s", url, resp.StatusCode, body)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parsing %s: %v\n%s", url, err, body)
	}
	return mfs
}

// scrapeProto reads url's /metrics in the protobuf format, which carries
// native histograms.
func scrapeProto(t testing.TB, url string) map[string]*dto.MetricFamily {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scraping %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping %s: status %d", url, resp.StatusCode)
	}
	dec := expfmt.NewDecoder(resp.Body, expfmt.NewFormat(expfmt.TypeProtoDelim))
	mfs := map[string]*dto.MetricFamily{}
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding %s: %v", url, err)
		}
		mfs[mf.GetName()] = &mf
	}
	return mfs
}

// metricValue returns the value of the one series of name whose labels
// include want, and whether it exists.
func metricValue(mfs map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
outer:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue outer
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		case m.Summary != nil:
			return float64(m.GetSummary().GetSampleCount()), true
		}
	}
	return 0, false
}

// sendTCP sends lines over one TCP connection and closes it.
func sendTCP(t testing.TB, addr string, payload []byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dialing %s: %v", addr, err)
	}
	defer c.Close()
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(payload); err != nil {
		t.Fatalf("writing to %s: %v", addr, err)
	}
}
