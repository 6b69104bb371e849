package outputs

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// fillMixed writes n series of every kind the store has into s, several
// families larger than one streaming chunk among them.
func fillMixed(t testing.TB, s *Store, n int, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 2))
	hist := &normalize.SeriesOptions{Rule: "h", Observer: normalize.ObserverHistogram, Buckets: []float64{0.1, 1, 10}}
	native := &normalize.SeriesOptions{Rule: "n", Observer: normalize.ObserverNativeHistogram, NativeBucketFactor: 1.1, NativeMaxBuckets: 100}
	summ := &normalize.SeriesOptions{Rule: "s", Observer: normalize.ObserverSummary, Objectives: []normalize.Objective{{Quantile: 0.5, Error: 0.05}, {Quantile: 0.99, Error: 0.001}}, MaxAge: time.Minute, AgeBuckets: 2, BufCap: 100}
	var batch []normalize.Sample
	for i := range n {
		id := fmt.Sprint(i)
		switch i % 9 {
		// Some families hold several label-name sets, as DogStatsD
		// clients that send a tag only sometimes make them.
		case 0, 1, 2:
			if i%27 == 0 {
				batch = append(batch, counter("app_requests_total", float64(r.IntN(100)), true, "svc", id))
			} else {
				batch = append(batch, counter("app_requests_total", float64(r.IntN(100)), true, "svc", id, "code", "200"))
			}
		case 3:
			if i%2 == 0 {
				batch = append(batch, gauge("app_temperature_celsius", r.Float64()*40, false, "room", id))
			} else {
				batch = append(batch, gauge("app_temperature_celsius", r.Float64()*40, false, "floor", "1", "room", id))
			}
		case 4:
			batch = append(batch, normalize.Sample{Name: "app_untyped", Labels: ls("i", id, "esc", "a\"b\\c\nd"), Value: math.Inf(1 - 2*(i%2)), Type: normalize.TypeUntyped})
		case 5:
			for range 3 {
				batch = append(batch, observe("app_job_seconds", r.Float64()*20, hist, "job", id))
			}
			if i%45 == 5 {
				batch = append(batch, observe("app_job_seconds", r.Float64()*20, hist))
			}
		case 6:
			batch = append(batch, observe("app_native_seconds", r.Float64(), native, "n", id))
		case 7:
			for range 3 {
				batch = append(batch, observe("app_wait_seconds", r.Float64(), summ, "q", id))
			}
		case 8:
			batch = append(batch, normalize.Sample{Name: "app_scraped_seconds", Labels: ls("x", id), Type: normalize.TypeHistogram,
				Dist: &normalize.Distribution{Count: 7, Sum: 3.5, Buckets: []normalize.Bucket{{UpperBound: 1, Count: 3}, {UpperBound: math.Inf(1), Count: 7}}}})
		}
	}
	s.Write(batch)
}

// promhttpBody is what promhttp encodes from g's families in format f, of
// those named in filter only when it is not nil.
func promhttpBody(t *testing.T, g prometheus.Gatherer, f expfmt.Format, filter map[string]struct{}) *bytes.Buffer {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, f)
	for _, mf := range mfs {
		if _, ok := filter[mf.GetName()]; ok || filter == nil {
			if err := enc.Encode(mf); err != nil {
				t.Fatal(err)
			}
		}
	}
	if c, ok := enc.(expfmt.Closer); ok {
		_ = c.Close()
	}
	return &b
}

// The streamed /metrics is byte for byte what promhttp would encode from
// Gatherers{others, store}.Gather(), in both text formats, with families
// of others interleaved and one clashing with a store family.
func TestWriteExpositionEqualsGather(t *testing.T) {
	s, _ := newTestStore(t, StoreConfig{DefaultHelp: "Metric from the store."})
	fillMixed(t, s, 5000, 1)
	others := prometheus.NewRegistry()
	for _, name := range []string{"aaa_first", "app_p_middle", "app_requests_total", "zzz_last"} {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: "other " + name})
		c.Add(3)
		others.MustRegister(c)
	}
	gs := Gatherers{others, s}
	for _, f := range []expfmt.Format{
		expfmt.NewFormat(expfmt.TypeTextPlain),
		expfmt.NewFormat(expfmt.TypeOpenMetrics),
	} {
		t.Run(string(f), func(t *testing.T) {
			want := promhttpBody(t, gs, f, nil)
			var got bytes.Buffer
			if err := writeExposition(&got, f, s, others, nil); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want.Bytes(), got.Bytes()) {
				t.Errorf("streamed output differs from promhttp's encoding (-want +got):\n%s", cmp.Diff(want.String(), got.String()))
			}
			if !bytes.Contains(got.Bytes(), []byte("other app_requests_total")) {
				t.Error("the other gatherer's family did not win the name clash")
			}
		})
	}
}

// The store's own order of series (label sets of different names in one
// family among them) is the order client_golang's registry sorts them in,
// so Rosetta's /metrics lists them as statsd_exporter's does.
func TestGatherOrderIsRegistryOrder(t *testing.T) {
	s, _ := newTestStore(t, StoreConfig{})
	fillMixed(t, s, 5000, 3)
	text := func(g prometheus.Gatherer) string {
		mfs, err := g.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		for _, mf := range mfs {
			if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
				t.Fatal(err)
			}
		}
		return b.String()
	}
	got, want := text(s), text(prometheus.Gatherers{s})
	if got != want {
		t.Errorf("the store's order differs from client_golang's (-registry +store):\n%s", cmp.Diff(want, got))
	}
	for _, series := range []string{"app_requests_total{svc=\"0\"}", "app_job_seconds_count ", "app_temperature_celsius{floor=\"1\",room=\"3\"}"} {
		if !strings.Contains(got, series) {
			t.Errorf("no %s in the output", series)
		}
	}
}

// The handler negotiates like promhttp: text, OpenMetrics, gzip, and
// protobuf through the fallback.
func TestExposeHandler(t *testing.T) {
	s, _ := newTestStore(t, StoreConfig{})
	fillMixed(t, s, 900, 2)
	others := prometheus.NewRegistry()
	others.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "rosetta_x", Help: "x"}))
	w, err := NewWeb(WebConfig{Gatherer: Gatherers{others, s}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	defer srv.Close()
	for _, tc := range []struct{ accept, encoding, wantType string }{
		{"text/plain;version=0.0.4", "", "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"},
		{"application/openmetrics-text;version=1.0.0", "gzip", "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores"},
		{"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", "", "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores"},
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
		req.Header.Set("Accept", tc.accept)
		req.Header.Set("Accept-Encoding", tc.encoding)
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("Content-Type"); got != tc.wantType {
			t.Errorf("%s: Content-Type %q, want %q", tc.accept, got, tc.wantType)
		}
		if got := resp.Header.Get("Content-Encoding"); got != tc.encoding {
			t.Errorf("%s: Content-Encoding %q, want %q", tc.accept, got, tc.encoding)
		}
		if len(body) < 1000 {
			t.Errorf("%s: body of %d bytes", tc.accept, len(body))
		}
	}
	// name[] selects families.
	resp, err := http.Get(srv.URL + "/metrics?name[]=rosetta_x&name[]=app_temperature_celsius")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if bytes.Contains(body, []byte("app_requests_total")) || !bytes.Contains(body, []byte("rosetta_x")) || !bytes.Contains(body, []byte("app_temperature_celsius{")) {
		t.Errorf("name[] filter: got\n%s", body)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"": false, "gzip": true, "deflate, gzip;q=0.5": true, "gzip;q=0": false, "GZIP": true, "br": false, "identity, gzip ; q=1.0": true,
	} {
		if got := acceptsGzip(h); got != want {
			t.Errorf("acceptsGzip(%q) = %v", h, got)
		}
	}
}

// A scrape of a large store allocates a small fraction of what building
// every metric at once (Gather) does.
func BenchmarkExposition(b *testing.B) {
	s, _ := newTestStore(b, StoreConfig{})
	fillMixed(b, s, 100_000, 3)
	f := expfmt.NewFormat(expfmt.TypeTextPlain)
	b.Run("stream", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := writeExposition(io.Discard, f, s, nil, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gather+encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			mfs, _ := s.Gather()
			enc := expfmt.NewEncoder(io.Discard, f)
			for _, mf := range mfs {
				if err := enc.Encode(mf); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// discardResponse is an http.ResponseWriter that keeps only the byte count,
// so that a benchmark of the handler measures encoding and compression.
type discardResponse struct {
	hdr http.Header
	n   int
}

func (d *discardResponse) Header() http.Header         { return d.hdr }
func (d *discardResponse) WriteHeader(int)             {}
func (d *discardResponse) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

// BenchmarkExpositionHandler serves /metrics for a store of 100k mixed
// series through the handler, as a scrape does: text, OpenMetrics, and
// both gzipped. body-bytes is the size on the wire.
func BenchmarkExpositionHandler(b *testing.B) {
	s, _ := newTestStore(b, StoreConfig{})
	fillMixed(b, s, 100_000, 3)
	h := &exposeHandler{store: s, logger: slog.New(slog.DiscardHandler)}
	for _, c := range []struct{ name, accept, encoding string }{
		{"text", "text/plain", ""},
		{"text-gzip", "text/plain", "gzip"},
		{"openmetrics", "application/openmetrics-text; version=1.0.0", ""},
		{"openmetrics-gzip", "application/openmetrics-text; version=1.0.0", "gzip"},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/metrics", nil)
			req.Header.Set("Accept", c.accept)
			if c.encoding != "" {
				req.Header.Set("Accept-Encoding", c.encoding)
			}
			b.ReportAllocs()
			var n, iters int
			cpu := cpuTime() // on a shared machine, steadier than wall time
			for b.Loop() {
				rw := &discardResponse{hdr: http.Header{}}
				h.ServeHTTP(rw, req)
				n = rw.n
				iters++
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(iters), "cpu-ns/op")
			b.ReportMetric(float64(n), "body-bytes")
		})
	}
}

// TestTextEdgeValues renders values and strings whose formatting has
// special cases in expfmt (0, -0, ±1, exponents, NaN, infinities, counts
// written as floats, escapes in help and label values, own timestamps,
// series without labels beside ones with) and expects promhttp's bytes.
func TestTextEdgeValues(t *testing.T) {
	s, _ := newTestStore(t, StoreConfig{DefaultHelp: `back\slash and
newline "quoted"`})
	summ := &normalize.SeriesOptions{Rule: "s", Observer: normalize.ObserverSummary}
	hist := &normalize.SeriesOptions{Rule: "h", Observer: normalize.ObserverHistogram, Buckets: []float64{-1, 0, 1e-7, 1e21}}
	var batch []normalize.Sample
	for i, v := range []float64{0, math.Copysign(0, -1), 1, -1, 1e6, 999999, -999999, 100000, -1e6 + 0.5, 1e21, 1.5e-7, 123456789.125, math.NaN(), math.Inf(1), math.Inf(-1)} {
		id := fmt.Sprint(i)
		batch = append(batch,
			gauge("edge_gauge", v, false, "i", id, "v", "q\"uo\\te\nd"),
			normalize.Sample{Name: "edge_untyped", Labels: ls("i", id), Value: v, Type: normalize.TypeUntyped, TimestampMs: int64(i) * -1000, HasTimestamp: i%2 == 0},
		)
		if !math.IsNaN(v) {
			batch = append(batch, observe("edge_summary", v, summ, "i", id), observe("edge_hist", v, hist, "i", id))
		}
	}
	batch = append(batch, gauge("edge_gauge", 2, false), counter("edge_total", 1e6, true))
	for range 1_000_000 / 1000 {
		batch = append(batch, counter("edge_total", 1000, true))
	}
	for i := range 1200 {
		batch = append(batch, observe("edge_summary", float64(i%7), summ))
	}
	batch = append(batch, normalize.Sample{Name: "edge_dist", Type: normalize.TypeSummary, Dist: &normalize.Distribution{Count: 1 << 60, Sum: -0.5,
		Quantiles: []normalize.Quantile{{Quantile: 0.25, Value: math.NaN()}, {Quantile: 1, Value: 3}}}})
	s.Write(batch)
	mfs, err := s.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []expfmt.Format{expfmt.NewFormat(expfmt.TypeTextPlain), expfmt.NewFormat(expfmt.TypeOpenMetrics)} {
		t.Run(string(f), func(t *testing.T) {
			var want bytes.Buffer
			enc := expfmt.NewEncoder(&want, f)
			for _, mf := range mfs {
				if err := enc.Encode(mf); err != nil {
					t.Fatal(err)
				}
			}
			if c, ok := enc.(expfmt.Closer); ok {
				_ = c.Close()
			}
			var got bytes.Buffer
			if err := writeExposition(&got, f, s, nil, nil); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want.Bytes(), got.Bytes()) {
				t.Errorf("output differs from expfmt's (-want +got):\n%s", cmp.Diff(want.String(), got.String()))
			}
			subs := []string{`back\\slash and\nnewline "quoted"`, `v="q\"uo\\te\nd"`, "edge_total 2e+06\n", "edge_untyped{i=\"2\"} 1 -2000\n", `edge_summary_count 1200`, "edge_dist_count 1.152921504606847e+18\n"}
			if f.FormatType() == expfmt.TypeOpenMetrics {
				subs = []string{`back\\slash and\nnewline \"quoted\"`, `v="q\"uo\\te\nd"`, "edge_total 2e+06\n", "edge_untyped{i=\"2\"} 1.0 -2.0\n", `edge_summary_count 1200`, "edge_dist_count 1152921504606846976\n", "# TYPE edge_untyped unknown\n", "# TYPE edge counter\n", "# EOF\n"}
			}
			for _, sub := range subs {
				if !strings.Contains(got.String(), sub) {
					t.Errorf("output lacks %q", sub)
				}
			}
		})
	}
}

// blockingWriter stands for a scraper that stops reading: its first Write
// says so on entered and waits until release is closed.
type blockingWriter struct {
	entered, release chan struct{}
	once             sync.Once
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	b.once.Do(func() { close(b.entered) })
	<-b.release
	return len(p), nil
}

// A scraper that stops reading must not hold up ingestion: /metrics
// writes to the network only with no shard locked, also when other
// gatherers' families (here more than one flush of them) come right
// before a store family and are written while its shard is locked.
func TestSlowScraperDoesNotBlockIngestion(t *testing.T) {
	s, _ := newTestStore(t, StoreConfig{})
	s.Write([]normalize.Sample{counter("zzz_total", 1, true, "k", "v")})
	others := prometheus.NewRegistry()
	big := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "aaa_big", Help: "more than one flush of text"}, []string{"i"})
	for i := range 2 * textFlush / 20 {
		big.WithLabelValues(fmt.Sprint(i)).Set(float64(i))
	}
	others.MustRegister(big)

	w := &blockingWriter{entered: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- writeExposition(w, expfmt.NewFormat(expfmt.TypeTextPlain), s, others, nil) }()
	select {
	case <-w.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the exposition never wrote")
	}
	wrote := make(chan struct{})
	go func() {
		s.Write([]normalize.Sample{counter("zzz_total", 1, true, "k", "v")})
		close(wrote)
	}()
	select {
	case <-wrote:
	case <-time.After(10 * time.Second):
		t.Error("a write into the store waited for the stalled scraper")
	}
	close(w.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	<-wrote
}

// A filtered /metrics (name[]) is the full one's families of those names,
// byte for byte, store and other gatherers' alike.
func TestWriteExpositionFiltered(t *testing.T) {
	s, _ := newTestStore(t, StoreConfig{})
	fillMixed(t, s, 2000, 3)
	others := prometheus.NewRegistry()
	for _, name := range []string{"aaa_first", "app_requests_total", "zzz_last"} {
		others.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: "other " + name}))
	}
	filter := map[string]struct{}{"aaa_first": {}, "app_requests_total": {}, "app_wait_seconds": {}, "app_job_seconds": {}, "absent": {}}
	f := expfmt.NewFormat(expfmt.TypeTextPlain)
	want := promhttpBody(t, Gatherers{others, s}, f, filter)
	var got bytes.Buffer
	if err := writeExposition(&got, f, s, others, filter); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want.Bytes(), got.Bytes()) {
		t.Errorf("filtered output (-want +got):\n%s", cmp.Diff(want.String(), got.String()))
	}
	if !bytes.Contains(got.Bytes(), []byte("app_wait_seconds{")) {
		t.Error("a store family named in the filter is missing")
	}
}
