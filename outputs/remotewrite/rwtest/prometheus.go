// Package rwtest runs a real Prometheus (Debian's `prometheus` package) as
// a remote-write receiver for tests, and reads series back through its
// HTTP API.
package rwtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Options configure a Prometheus.
type Options struct {
	// WebConfig is the content of --web.config.file (TLS, basic auth).
	WebConfig string
	// TLS makes the client used for queries trust this pool-less setup:
	// set it when WebConfig enables TLS.
	TLS *tls.Config
	// Username and Password authenticate queries when WebConfig asks for
	// basic auth.
	Username, Password string
	// Features are --enable-feature values (native-histograms, ...).
	Features []string
}

// Prometheus is a running (or stopped) Prometheus server on 127.0.0.1.
type Prometheus struct {
	t    testing.TB
	bin  string
	args []string
	opts Options
	// Addr is host:port; it stays the same across Stop and Start.
	Addr   string
	client *http.Client

	mu     sync.Mutex
	cmd    *exec.Cmd
	out    bytes.Buffer
	exited chan struct{}
}

// Start starts a Prometheus with the remote-write receiver enabled and a
// TSDB in a temp dir; it fails the test when the executable is missing.
// It is stopped at cleanup. With -short the test is skipped, as
// testutil.Peer does (this package is not a test, so it may not import
// testutil).
func Start(t testing.TB, opts Options) *Prometheus {
	t.Helper()
	if testing.Short() {
		t.Skip("needs prometheus; runs without -short (make test)")
	}
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("the prometheus executable (Debian package prometheus, see .ci/packages.apt) is needed: %v", err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &Prometheus{t: t, bin: bin, opts: opts, Addr: freeAddr(t)}
	p.args = []string{
		"--config.file=" + cfg,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + p.Addr,
		"--web.enable-remote-write-receiver",
		"--log.level=warn",
	}
	if opts.WebConfig != "" {
		wc := filepath.Join(dir, "web.yml")
		if err := os.WriteFile(wc, []byte(opts.WebConfig), 0o600); err != nil {
			t.Fatal(err)
		}
		p.args = append(p.args, "--web.config.file="+wc)
	}
	for _, f := range opts.Features {
		p.args = append(p.args, "--enable-feature="+f)
	}
	tr := &http.Transport{TLSClientConfig: opts.TLS}
	p.client = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	p.Start()
	t.Cleanup(p.Stop)
	return p
}

// URL is the base URL (http or https).
func (p *Prometheus) URL() string {
	if p.opts.TLS != nil {
		return "https://" + p.Addr
	}
	return "http://" + p.Addr
}

// WriteURL is the remote-write receiver's URL.
func (p *Prometheus) WriteURL() string { return p.URL() + "/api/v1/write" }

// Start starts the server (again) and waits until it is ready.
func (p *Prometheus) Start() {
	p.t.Helper()
	p.mu.Lock()
	p.out.Reset()
	cmd := exec.Command(p.bin, p.args...)
	cmd.Stdout = &lockedBuf{mu: &p.mu, b: &p.out}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		p.mu.Unlock()
		p.t.Fatalf("starting prometheus: %v", err)
	}
	p.cmd = cmd
	p.exited = make(chan struct{})
	exited := p.exited
	p.mu.Unlock()
	go func() { _ = cmd.Wait(); close(exited) }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, p.URL()+"/-/ready", nil)
		p.auth(req)
		resp, err := p.client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			p.t.Fatalf("prometheus exited before it was ready:\n%s", p.Output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("prometheus not ready after 60s:\n%s", p.Output())
		}
	}
}

// Stop stops the server (SIGTERM, then SIGKILL after 10s) and waits.
func (p *Prometheus) Stop() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// Output is what the server logged since its last start.
func (p *Prometheus) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *Prometheus) auth(req *http.Request) {
	if p.opts.Username != "" {
		req.SetBasicAuth(p.opts.Username, p.opts.Password)
	}
}

// query runs the instant query q at time at (zero: now) and decodes the
// data of a successful response into data.
func (p *Prometheus) query(ctx context.Context, q string, at time.Time, data any) error {
	v := url.Values{"query": {q}}
	if !at.IsZero() {
		v.Set("time", strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL()+"/api/v1/query?"+v.Encode(), nil)
	if err != nil {
		return err
	}
	p.auth(req)
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("query %q: HTTP %d: %w", q, resp.StatusCode, err)
	}
	if body.Status != "success" {
		return fmt.Errorf("query %q: %s", q, body.Error)
	}
	if err := json.Unmarshal(body.Data, data); err != nil {
		return fmt.Errorf("query %q: data: %w", q, err)
	}
	return nil
}

// Sample is one series of an instant query's result.
type Sample struct {
	Labels map[string]string
	Value  float64
	// Histogram is set for a native histogram: its count and sum.
	Histogram *struct{ Count, Sum float64 }
}

// Query runs an instant query at time at (zero: now).
func (p *Prometheus) Query(ctx context.Context, q string, at time.Time) ([]Sample, error) {
	var data struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric    map[string]string  `json:"metric"`
			Value     [2]any             `json:"value"`
			Histogram [2]json.RawMessage `json:"histogram"`
		} `json:"result"`
	}
	if err := p.query(ctx, q, at, &data); err != nil {
		return nil, err
	}
	if data.ResultType != "vector" {
		return nil, fmt.Errorf("query %q: result type %s, want vector", q, data.ResultType)
	}
	out := make([]Sample, 0, len(data.Result))
	for _, r := range data.Result {
		s := Sample{Labels: r.Metric}
		if len(r.Histogram[1]) > 0 {
			var h struct {
				Count string `json:"count"`
				Sum   string `json:"sum"`
			}
			if err := json.Unmarshal(r.Histogram[1], &h); err != nil {
				return nil, fmt.Errorf("query %q: histogram: %w", q, err)
			}
			s.Histogram = &struct{ Count, Sum float64 }{parseFloat(h.Count), parseFloat(h.Sum)}
		} else {
			str, _ := r.Value[1].(string)
			s.Value = parseFloat(str)
		}
		out = append(out, s)
	}
	return out, nil
}

func parseFloat(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type lockedBuf struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// Point is one sample of a range query.
type Point struct {
	T     time.Time
	Value float64
}

// Range returns the raw samples of the series selected by sel over the
// last d before at (a range selector `sel[d]` evaluated at at).
func (p *Prometheus) Range(ctx context.Context, sel string, d time.Duration, at time.Time) (map[string][]Point, error) {
	q := fmt.Sprintf("%s[%dms]", sel, d.Milliseconds())
	var data struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Values [][2]any          `json:"values"`
		} `json:"result"`
	}
	if err := p.query(ctx, q, at, &data); err != nil {
		return nil, err
	}
	out := map[string][]Point{}
	for _, r := range data.Result {
		key := fmt.Sprint(r.Metric)
		for _, v := range r.Values {
			ts, _ := v[0].(float64)
			s, _ := v[1].(string)
			out[key] = append(out[key], Point{T: time.UnixMilli(int64(math.Round(ts * 1000))), Value: parseFloat(s)})
		}
	}
	return out, nil
}
