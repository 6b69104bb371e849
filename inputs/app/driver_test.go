package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	rtestutil "github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// kvTestConfig is a minimal HTTP type for driver tests: "key value" lines.
type kvTestConfig struct {
	Common      `yaml:",inline"`
	HTTPOptions `yaml:",inline"`
}

func (c *kvTestConfig) Validate() error {
	return joinErrs(c.Common.validate(false), c.HTTPOptions.validate())
}

func (c *kvTestConfig) NewParser() (parsing.Parser, error) {
	return parsing.ParserFunc(func(body []byte, emit func(normalize.Record)) error {
		sc := bufio.NewScanner(bytes.NewReader(body))
		for n := 1; sc.Scan(); n++ {
			k, v, ok := strings.Cut(sc.Text(), " ")
			f, err := strconv.ParseFloat(v, 64)
			if !ok || err != nil {
				return parsing.Errorf("invalid_body", "line %d: not \"key value\"", n)
			}
			emit(normalize.Record{Match: k, Value: f, Type: normalize.TypeGauge})
		}
		return nil
	}), nil
}

func (c *kvTestConfig) newFetcher(name string) (fetcher, error) {
	return newHTTPFetcher(name, &c.HTTPOptions, "", int64(c.MaxBodySize))
}

var testFactory = factory{typ: "kvtest", newDefault: func() typeConfig {
	return &kvTestConfig{Common: DefaultCommon, HTTPOptions: DefaultHTTPOptions}
}}

// recorder is the Appender the drivers are handed: it keeps each source's
// latest batch, as the store would.
type recorder struct {
	mu      sync.Mutex
	sources map[string][]normalize.Record
	calls   int
	changed chan struct{}
}

func newRecorder() *recorder {
	return &recorder{sources: map[string][]normalize.Record{}, changed: make(chan struct{}, 100)}
}

func (r *recorder) Append(context.Context, []normalize.Record) error { return nil }

func (r *recorder) Replace(_ context.Context, source string, batch []normalize.Record) error {
	r.mu.Lock()
	r.sources[source] = append([]normalize.Record(nil), batch...)
	r.calls++
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
	return nil
}

func (r *recorder) get(source string) []normalize.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sources[source]
}

func decodeTest(t *testing.T, f inputs.Factory, doc string) inputs.Config {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	cfg, err := f.Decode(n.Content[0])
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return cfg
}

// startDriver runs a driver of f with cfg until the test ends.
func startDriver(t *testing.T, f inputs.Factory, cfg inputs.Config) (*recorder, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	d, err := f.New(inputs.Settings{Name: "app", Registerer: reg}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx, rec) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("driver did not stop within 10s of cancel")
		}
	})
	return rec, reg
}

// waitFor polls cond for up to 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	rtestutil.Eventually(t, 10*time.Second, what, cond)
}

func TestDriverBadTargets(t *testing.T) {
	good := "requests 12\nlatency 0.5\n"
	var mu sync.Mutex
	mode := "good"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		m := mode
		mu.Unlock()
		switch m {
		case "good":
			fmt.Fprint(w, good)
		case "status500":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "timeout":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "truncated":
			w.Header().Set("Content-Length", "1000")
			fmt.Fprint(w, good)
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		case "huge":
			// 50 MB, streamed without a Content-Length.
			chunk := bytes.Repeat([]byte("requests 1\n"), 100_000)
			for i := 0; i < 50 && r.Context().Err() == nil; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case "utf8":
			fmt.Fprint(w, "requests 1\nla\xfftency 2\n")
		case "garbage":
			fmt.Fprint(w, "<html>not stats</html>\n")
		}
	}))
	defer srv.Close()

	cfg := decodeTest(t, testFactory, fmt.Sprintf("targets: [%q]\ninterval: 100ms\nmax_body_size: 1MiB\n", srv.URL))
	rec, reg := startDriver(t, testFactory, cfg)
	source := "app/" + srv.URL
	up := func() float64 {
		return testutil.ToFloat64(mustVec(t, reg, "rosetta_input_up", srv.URL))
	}
	waitFor(t, "first good poll", func() bool { return len(rec.get(source)) == 2 })
	if got := up(); got != 1 {
		t.Fatalf("up = %v after a good poll", got)
	}
	for _, tc := range []struct{ mode, reason string }{
		{"status500", "http_status"},
		{"timeout", "timeout"},
		{"truncated", "truncated"},
		{"huge", "body_too_large"},
		{"utf8", "invalid_utf8"},
		{"garbage", "invalid_body"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			mu.Lock()
			mode = tc.mode
			mu.Unlock()
			waitFor(t, "series dropped", func() bool { return len(rec.get(source)) == 0 })
			waitFor(t, "error counted", func() bool { return pollErrors(t, reg, srv.URL, tc.reason) > 0 })
			if got := up(); got != 0 {
				t.Errorf("up = %v while failing", got)
			}
			mu.Lock()
			mode = "good"
			mu.Unlock()
			waitFor(t, "recovery", func() bool { return len(rec.get(source)) == 2 })
		})
	}
	// Connection refused: a port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/stats"
	ln.Close()
	cfg2 := decodeTest(t, testFactory, fmt.Sprintf("targets: [%q]\ninterval: 50ms\n", dead))
	_, reg2 := startDriver(t, testFactory, cfg2)
	waitFor(t, "refused counted", func() bool { return pollErrors(t, reg2, dead, "refused") > 0 })
}

func mustVec(t *testing.T, reg *prometheus.Registry, name, target string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "x"})
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "target" && l.GetValue() == target {
					g.Set(m.GetGauge().GetValue())
				}
			}
		}
	}
	return g
}

func pollErrors(t *testing.T, reg *prometheus.Registry, target, reason string) float64 {
	t.Helper()
	return rtestutil.Counter(t, reg, "rosetta_input_poll_errors_total", map[string]string{"target": target, "reason": reason})
}

// A hanging target does not hold back the others.
func TestDriverHangingTargetIsolated(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	var n int
	var mu sync.Mutex
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		fmt.Fprintf(w, "polls %d\n", n)
		mu.Unlock()
	}))
	defer ok.Close()
	cfg := decodeTest(t, testFactory, fmt.Sprintf("targets: [%q, %q]\ntarget_label: instance\ninterval: 2s\n", hang.URL, ok.URL))
	rec, reg := startDriver(t, testFactory, cfg)
	// The good target, listed second, is stored before the hanging one's
	// first poll times out (timeout = interval = 2s).
	waitFor(t, "good target polled", func() bool { return len(rec.get("app/"+ok.URL)) == 1 })
	if n := pollErrors(t, reg, hang.URL, "timeout"); n != 0 {
		t.Errorf("the good target waited for the hanging one's timeout (%v timeouts counted first)", n)
	}
	waitFor(t, "hanging target timed out", func() bool { return pollErrors(t, reg, hang.URL, "timeout") > 0 })
	got := rec.get("app/" + ok.URL)[0]
	want := normalize.Labels{{Name: "instance", Value: ok.URL}}
	if diff := cmp.Diff(want, got.Labels); diff != "" {
		t.Errorf("target label (-want +got):\n%s", diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"targets: [http://a/]\nintervall: 5s\n", `2:1: kvtest input: unknown key "intervall"`},
		{"targets: [http://a/]\nbasic_auth: {username: u, pasword: x}\n", `2:27: kvtest input: basic_auth: unknown key "pasword"`},
		{"targets: []\n", `1:10: kvtest input: targets: at least one target is required`},
		{"targets: [http://a/, http://b/]\n", `kvtest input: target_label: 2 targets need a target_label`},
		{"targets: [ftp://a/]\n", `1:10: kvtest input: targets[0]: "ftp://a/" is not an http:// or https:// URL`},
		{"targets: [http://a/]\nmax_body_size: 12XB\n", `2:16: kvtest input: invalid size "12XB"`},
		{"targets: [http://a/]\nmax_body_size: unlimted\n", `2:16: kvtest input: invalid size "unlimted" (want a number of bytes, or one with KB, MB, GB, KiB, MiB or GiB, or unlimited)`},
		{"targets: [http://a/]\nmethod: DELETE\n", `2:9: kvtest input: method: "DELETE" is not GET, POST or PUT`},
		{"targets: [http://a/]\ntimeout: 0s\n", `2:10: kvtest input: timeout: must be positive`},
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(tc.doc), &n); err != nil {
			t.Fatal(err)
		}
		_, err := testFactory.Decode(n.Content[0])
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.doc, err, tc.want)
		}
	}
}

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ByteSize
		str  string
	}{
		{"1048576", 1 << 20, "1MiB"},
		{"16MiB", 16 << 20, "16MiB"},
		{"500KB", 500_000, "500000B"},
		{"1.5GiB", 3 << 29, "1536MiB"},
		{"2 KiB", 2048, "2KiB"},
		{"7", 7, "7B"},
		{"unlimited", NoBodyLimit, "unlimited"},
	} {
		got, err := ParseByteSize(tc.in)
		if err != nil || got != tc.want || got.String() != tc.str {
			t.Errorf("ParseByteSize(%q) = %d (%s), %v; want %d (%s)", tc.in, got, got, err, tc.want, tc.str)
		}
	}
	for _, bad := range []string{"", "MB", "-1", "1TB", "x1"} {
		if _, err := ParseByteSize(bad); err == nil {
			t.Errorf("ParseByteSize(%q) succeeded", bad)
		}
	}
}

// TestClassify: a transport error's poll_errors reason, in classify's
// order (a deadline or a refused dial first, as every pull input names
// them; then a reset, DNS, another timeout, TLS), and a parsing.Error's
// own reason kept.
func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("poll: %w", context.DeadlineExceeded), "timeout"},
		{&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, "timeout"},
		{&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, "refused"},
		// a deadline that cut a body short is a timeout, not a reset
		{errors.Join(io.ErrUnexpectedEOF, os.ErrDeadlineExceeded), "timeout"},
		{&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, "connection_reset"},
		{fmt.Errorf("reading body: %w", io.ErrUnexpectedEOF), "connection_reset"},
		{io.EOF, "connection_reset"},
		{&net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, "dns"},
		{&net.DNSError{Err: "timeout", Name: "x.invalid", IsTimeout: true}, "dns"},
		{errors.New("tls: handshake failure"), "tls"},
		{errors.New("x509: certificate signed by unknown authority"), "tls"},
		{errors.New("something else"), "network"},
		{parsing.Errorf("body_too_large", "too large"), "body_too_large"},
	} {
		if got := parsing.Reason(classify(c.err), ""); got != c.want {
			t.Errorf("classify(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
