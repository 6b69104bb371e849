package remotewrite

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/internal/selfmetric"
)

// metrics are the remote write self-metrics, one set for all endpoints,
// labelled by the endpoint's name.
type metrics struct {
	samples     *prometheus.CounterVec
	queueLength *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec
	requests    *prometheus.CounterVec
	retries     *prometheus.CounterVec
	backoff     *prometheus.CounterVec
	series      *prometheus.GaugeVec
	snapshot    *prometheus.HistogramVec
}

// outcomes of a sample.
const (
	outcomeSent    = "sent"    // accepted by the receiver
	outcomeDropped = "dropped" // pushed out of a full queue
	outcomeFailed  = "failed"  // refused (4xx), or still unsent when the endpoint stopped
	outcomeRetried = "retried" // sent again after a retryable failure
)

func newMetrics(reg prometheus.Registerer) *metrics {
	f := selfmetric.With(reg)
	return &metrics{
		samples:     f.CounterVec("rosetta_remote_write_samples_total", "Samples (a native histogram counts as one) by what became of them: sent, dropped from a full queue, failed (refused or unsent at stop), retried.", "remote", "outcome"),
		queueLength: f.GaugeVec("rosetta_remote_write_queue_length", "Samples waiting to be sent.", "remote"),
		lastSuccess: f.GaugeVec("rosetta_remote_write_last_success_timestamp_seconds", "When a request was last accepted by the receiver.", "remote"),
		requests:    f.CounterVec("rosetta_remote_write_requests_total", "HTTP requests to the receiver by status code (\"error\": no response).", "remote", "code"),
		retries:     f.CounterVec("rosetta_remote_write_retries_total", "Requests retried after a network error, a 5xx or a 429.", "remote"),
		backoff:     f.CounterVec("rosetta_remote_write_backoff_seconds_total", "Time senders waited between a failed request and its retry (backoff plus the receiver's Retry-After).", "remote"),
		series:      f.GaugeVec("rosetta_remote_write_snapshot_series", "Samples in the last snapshot of the store (stale markers included).", "remote"),
		snapshot:    f.HistogramVec("rosetta_remote_write_snapshot_duration_seconds", "Time to gather and queue one snapshot.", []float64{.001, .01, .05, .1, .25, .5, 1, 2.5}, "remote"),
	}
}

func (m *metrics) init(name string) {
	for _, o := range []string{outcomeSent, outcomeDropped, outcomeFailed, outcomeRetried} {
		m.samples.WithLabelValues(name, o)
	}
	m.queueLength.WithLabelValues(name)
	m.lastSuccess.WithLabelValues(name)
	m.retries.WithLabelValues(name)
	m.backoff.WithLabelValues(name)
}

func (m *metrics) forget(name string) {
	l := prometheus.Labels{"remote": name}
	m.samples.DeletePartialMatch(l)
	m.queueLength.DeletePartialMatch(l)
	m.lastSuccess.DeletePartialMatch(l)
	m.requests.DeletePartialMatch(l)
	m.retries.DeletePartialMatch(l)
	m.backoff.DeletePartialMatch(l)
	m.series.DeletePartialMatch(l)
	m.snapshot.DeletePartialMatch(l)
}

// attempts remembers, per sender, when its last request failed in a way
// that is retried, so that the wait until the retry can be measured.
type attempts struct{ failedAt atomic.Int64 }

type attemptsKey struct{}

// observer counts responses by code and the backoff before retries; the
// sender's *attempts rides in the request's context.
type observer struct {
	next    http.RoundTripper
	name    string
	m       *metrics
	retries prometheus.Counter
	backoff prometheus.Counter
}

func (o *observer) RoundTrip(req *http.Request) (*http.Response, error) {
	a, _ := req.Context().Value(attemptsKey{}).(*attempts)
	if a != nil {
		if at := a.failedAt.Swap(0); at != 0 {
			o.backoff.Add(time.Since(time.Unix(0, at)).Seconds())
		}
	}
	resp, err := o.next.RoundTrip(req)
	code := "error"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
	}
	o.m.requests.WithLabelValues(o.name, code).Inc()
	if a != nil && (err != nil || resp.StatusCode/100 == 5 || resp.StatusCode == http.StatusTooManyRequests) {
		a.failedAt.Store(time.Now().UnixNano())
	}
	return resp, err
}
