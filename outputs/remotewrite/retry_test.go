package remotewrite

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/prompb"
)

// receiver is a remote-write endpoint that answers from a script of
// status codes, then 204, and decodes what it accepts.
type receiver struct {
	mu         sync.Mutex
	script     []int
	retryAfter string
	requests   []time.Time
	accepted   []prompb.WriteRequest
	headers    http.Header
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, time.Now())
	r.headers = req.Header.Clone()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(r.script) > 0 {
		code := r.script[0]
		r.script = r.script[1:]
		if r.retryAfter != "" {
			w.Header().Set("Retry-After", r.retryAfter)
		}
		http.Error(w, "scripted", code)
		return
	}
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var wr prompb.WriteRequest
	if err := wr.Unmarshal(raw); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.accepted = append(r.accepted, wr)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) state() (requests, accepted int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests), len(r.accepted)
}

// TestRetries runs against receivers that refuse: 429 and 5xx are retried
// with backoff, a Retry-After is waited for, other 4xx are not retried and
// the samples count as failed; what it all cost shows in the self-metrics.
func TestRetries(t *testing.T) {
	for _, tc := range []struct {
		name       string
		script     []int
		retryAfter string
		// Expected: retried requests, and whether the snapshot arrives.
		retries   int
		delivered bool
		// minBackoff is the least total wait before the retries.
		minBackoff time.Duration
	}{
		{name: "429 with Retry-After", script: []int{429, 429}, retryAfter: "1", retries: 2, delivered: true, minBackoff: 2 * time.Second},
		{name: "5xx", script: []int{500, 503, 502}, retries: 3, delivered: true},
		{name: "400 not retried", script: []int{400}, retries: 0, delivered: false},
		{name: "401 not retried", script: []int{401}, retries: 0, delivered: false},
		{name: "413 not retried", script: []int{413}, retries: 0, delivered: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rcv := &receiver{script: tc.script, retryAfter: tc.retryAfter}
			srv := httptest.NewServer(rcv)
			defer srv.Close()
			reg := prometheus.NewRegistry()
			g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "rw_one", Help: "x"})
			g.Set(1)
			reg.MustRegister(g)
			// One shard and an interval longer than the test: the test
			// takes the one snapshot itself.
			cfg := decodeOne(t, fmt.Sprintf(`
remote_write:
  - url: %s/push
    interval: 1h
    queue: {max_shards: 1, min_backoff: 10ms, max_backoff: 50ms}
`, srv.URL))
			m, self := startManager(t, reg, cfg)
			m.running[cfg.Name].snapshot()
			want := len(tc.script) + 1
			if !tc.delivered {
				want = 1
			}
			eventually(t, 30*time.Second, "requests", func() (bool, string) {
				n, _ := rcv.state()
				return n >= want, fmt.Sprint(n)
			})
			m.Stop()
			n, acc := rcv.state()
			if n != want {
				t.Errorf("%d requests, want %d", n, want)
			}
			if got := selfValue(t, self, "rosetta_remote_write_retries_total", nil); got != float64(tc.retries) {
				t.Errorf("retries_total %v, want %d", got, tc.retries)
			}
			for _, code := range tc.script {
				if got := selfValue(t, self, "rosetta_remote_write_requests_total", map[string]string{"code": fmt.Sprint(code)}); got == 0 {
					t.Errorf("requests_total{code=%d} not counted", code)
				}
			}
			sent := selfValue(t, self, "rosetta_remote_write_samples_total", map[string]string{"outcome": "sent"})
			failed := selfValue(t, self, "rosetta_remote_write_samples_total", map[string]string{"outcome": "failed"})
			if tc.delivered {
				if acc != 1 || sent != 1 || failed != 0 {
					t.Errorf("accepted %d requests, sent %v, failed %v; want 1, 1, 0", acc, sent, failed)
				}
				if got := selfValue(t, self, "rosetta_remote_write_samples_total", map[string]string{"outcome": "retried"}); got != float64(tc.retries) {
					t.Errorf("retried samples %v, want %d", got, tc.retries)
				}
			} else if acc != 0 || sent != 0 || failed != 1 {
				t.Errorf("accepted %d requests, sent %v, failed %v; want 0, 0, 1", acc, sent, failed)
			}
			backoff := selfValue(t, self, "rosetta_remote_write_backoff_seconds_total", nil)
			if backoff < tc.minBackoff.Seconds() || (tc.retries > 0) != (backoff > 0) {
				t.Errorf("backoff_seconds_total %v, want at least %v (and > 0 only with retries)", backoff, tc.minBackoff)
			}
			if tc.retryAfter != "" {
				rcv.mu.Lock()
				for i := 1; i < len(rcv.requests); i++ {
					if gap := rcv.requests[i].Sub(rcv.requests[i-1]); gap < time.Second {
						t.Errorf("request %d came %v after a Retry-After: 1", i, gap)
					}
				}
				rcv.mu.Unlock()
			}
			rcv.mu.Lock()
			h := rcv.headers
			rcv.mu.Unlock()
			for k, v := range map[string]string{
				"Content-Encoding":                  "snappy",
				"Content-Type":                      "application/x-protobuf",
				"X-Prometheus-Remote-Write-Version": "0.1.0",
			} {
				if h.Get(k) != v {
					t.Errorf("header %s: %q, want %q", k, h.Get(k), v)
				}
			}
		})
	}
}
