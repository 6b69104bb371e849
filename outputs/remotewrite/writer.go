// Package remotewrite sends the store's state to Prometheus remote-write
// receivers (Prometheus, Mimir, Thanos Receive, VictoriaMetrics, Cortex)
// every interval, with Remote-Write 1.0 (prometheus.WriteRequest, snappy;
// encoded in wire.go) or 2.0 (io.prometheus.write.v2.Request) through
// client_golang's exp/api/remote client.
//
// A snapshot is gathered from the same gatherer as /metrics, so what is
// sent equals what a scrape would read. It is queued into bounded
// per-shard rings that drop the oldest samples when full; senders drain
// them. Ingest and /metrics never wait for a receiver: the only work they
// share with remote write is one Gather per interval.
package remotewrite

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/exp/api/remote"
	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	promcfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/version"

	"github.com/rosetta-adapter/rosetta/internal/tick"
)

// writer sends to one endpoint.
type writer struct {
	cfg    Config
	logger *slog.Logger
	g      prometheus.Gatherer
	m      *metrics
	api    *remote.API
	shards []*ring
	now    func() time.Time

	tracker  *tracker
	parts    [][]item
	partLens []int

	stopCollect context.CancelFunc
	stopping    chan struct{} // closed when the senders are to drain and end
	sendCtx     context.Context
	cancelSend  context.CancelFunc
	collectDone chan struct{}
	sendersDone sync.WaitGroup

	// Curried self-metrics.
	sent, dropped, failed, retried prometheus.Counter
	queueLen, lastSuccess          prometheus.Gauge
}

// newWriter builds a writer; it starts nothing, so a failure (a TLS file
// that cannot be read, say) leaves whatever runs untouched.
func newWriter(cfg Config, g prometheus.Gatherer, m *metrics, logger *slog.Logger) (*writer, error) {
	client, err := promcfg.NewClientFromConfig(cfg.HTTPClientConfig, "remote_write",
		promcfg.WithUserAgent("Rosetta/"+version.Version))
	if err != nil {
		return nil, fmt.Errorf("remote_write %q: http_client_config: %w", cfg.Name, err)
	}
	client.Timeout = cfg.Timeout
	w := &writer{
		cfg:         cfg,
		logger:      logger.With("remote", cfg.Name),
		g:           g,
		m:           m,
		now:         time.Now,
		tracker:     newTracker(cfg.ExternalLabels, cfg.SendNativeHistograms),
		sent:        m.samples.WithLabelValues(cfg.Name, outcomeSent),
		dropped:     m.samples.WithLabelValues(cfg.Name, outcomeDropped),
		failed:      m.samples.WithLabelValues(cfg.Name, outcomeFailed),
		retried:     m.samples.WithLabelValues(cfg.Name, outcomeRetried),
		queueLen:    m.queueLength.WithLabelValues(cfg.Name),
		lastSuccess: m.lastSuccess.WithLabelValues(cfg.Name),
	}
	client.Transport = &observer{
		next: client.Transport, name: cfg.Name, m: m,
		retries: m.retries.WithLabelValues(cfg.Name),
		backoff: m.backoff.WithLabelValues(cfg.Name),
	}
	// The URL is the full push URL, as in Prometheus's remote_write.
	base := *cfg.url
	p := base.EscapedPath()
	base.Path, base.RawPath = "/", ""
	w.api, err = remote.NewAPI(base.String(),
		remote.WithAPIHTTPClient(client),
		remote.WithAPIPath(p),
		remote.WithAPIBackoff(remote.BackoffConfig{Min: cfg.Queue.MinBackoff, Max: cfg.Queue.MaxBackoff}), // MaxRetries 0: until it works or the endpoint stops
	)
	if err != nil {
		return nil, fmt.Errorf("remote_write %q: %w", cfg.Name, err)
	}
	per := cfg.Queue.Capacity / cfg.Queue.MaxShards
	for range cfg.Queue.MaxShards {
		w.shards = append(w.shards, newRing(per))
	}
	w.parts = make([][]item, len(w.shards))
	w.partLens = make([]int, len(w.shards))
	return w, nil
}

// start runs the collector and the senders.
func (w *writer) start() {
	cctx, cancel := context.WithCancel(context.Background())
	w.stopCollect = cancel
	w.stopping = make(chan struct{})
	w.sendCtx, w.cancelSend = context.WithCancel(context.Background())
	w.collectDone = make(chan struct{})
	go w.collect(cctx)
	for _, r := range w.shards {
		w.sendersDone.Go(func() { w.send(r) })
	}
}

// stop ends the collector, lets the senders send what is queued for up to
// the flush deadline, and counts what is left as failed.
func (w *writer) stop() {
	w.stopCollect()
	<-w.collectDone
	close(w.stopping)
	done := make(chan struct{})
	go func() { w.sendersDone.Wait(); close(done) }()
	t := time.NewTimer(w.cfg.Queue.FlushDeadline)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		w.cancelSend()
		<-done
	}
	w.cancelSend()
	left := 0
	for _, r := range w.shards {
		left += len(r.pop(nil, r.len()))
	}
	if left > 0 {
		w.failed.Add(float64(left))
		w.logger.Warn("remote write stopped with samples unsent", "samples", left)
	}
	w.queueLen.Set(0)
}

func (w *writer) collect(ctx context.Context) {
	defer close(w.collectDone)
	tick.Every(ctx, w.cfg.Interval, w.snapshot)
}

// snapshot gathers the current state and queues it.
func (w *writer) snapshot() {
	start := w.now()
	mfs, err := w.g.Gather()
	if err != nil {
		// Gatherers return what they could gather with the error.
		w.logger.Warn("gathering for remote write", "err", err)
	}
	for i, l := range w.partLens {
		// Sized like the last snapshot's, not grown by doubling.
		w.parts[i] = make([]item, 0, l+l/8)
	}
	n := w.tracker.snapshot(mfs, start.UnixMilli(), w.parts)
	dropped := 0
	for i, r := range w.shards {
		w.partLens[i] = len(w.parts[i])
		dropped += r.push(w.parts[i])
		// Not kept for the next snapshot: 15 s of idle memory cost more
		// than one allocation per interval.
		w.parts[i] = nil
	}
	if dropped > 0 {
		w.dropped.Add(float64(dropped))
	}
	w.m.series.WithLabelValues(w.cfg.Name).Set(float64(n))
	w.updateQueueLen()
	w.m.snapshot.WithLabelValues(w.cfg.Name).Observe(time.Since(start).Seconds())
}

func (w *writer) updateQueueLen() {
	n := 0
	for _, r := range w.shards {
		n += r.len()
	}
	w.queueLen.Set(float64(n))
}

// send drains one shard until the writer stops.
func (w *writer) send(r *ring) {
	var (
		batch   []item
		req     []byte // a Remote-Write 1.0 request
		labels  []label
		att     attempts
		failing bool
	)
	ctx := context.WithValue(w.sendCtx, attemptsKey{}, &att)
	msgType := remote.WriteMessageType(w.cfg.ProtobufMessage)
	v2 := msgType == remote.WriteV2MessageType
	for {
		batch = r.pop(batch[:0], w.cfg.Queue.MaxSamplesPerSend)
		if len(batch) == 0 {
			// Idle until the next snapshot: the request buffers go, as
			// the ring's did (a few MB at 2000 samples per send and 4
			// shards, kept 15 s for nothing otherwise).
			batch, req, labels = nil, nil, nil
			select {
			case <-r.notify:
				continue
			case <-w.stopping:
				// Anything pushed before stopping was popped above.
				if r.len() == 0 {
					return
				}
				continue
			}
		}
		w.updateQueueLen()
		var msg any
		if v2 {
			msg = w.requestV2(batch, &labels)
		} else {
			req = req[:0]
			for i := range batch {
				labels = w.tracker.appendLabels(labels[:0], batch[i].ref)
				req = appendTimeSeries(req, labels, &batch[i])
			}
			msg = encoded(req)
		}
		n := float64(len(batch))
		_, err := w.api.Write(ctx, msgType, msg, remote.WithWriteRetryCallback(func(err error) {
			w.retried.Add(n)
			w.m.retries.WithLabelValues(w.cfg.Name).Inc()
			if !failing {
				failing = true
				w.logger.Warn("remote write failing; retrying with backoff", "err", err)
			}
		}))
		clear(batch)
		switch {
		case err == nil:
			w.sent.Add(n)
			w.lastSuccess.Set(float64(w.now().UnixNano()) / 1e9)
			if failing {
				failing = false
				w.logger.Info("remote write recovered")
			}
		case errors.Is(err, context.Canceled) && w.sendCtx.Err() != nil:
			w.failed.Add(n)
			return
		default:
			w.failed.Add(n)
			w.logger.Error("remote write request refused; samples lost", "samples", len(batch), "err", err)
		}
	}
}

// requestV2 builds a Remote-Write 2.0 request of batch: labels, help and
// unit interned in the request's symbol table, the family's type and help
// with every series. labels is scratch space.
func (w *writer) requestV2(batch []item, labels *[]label) *writev2.Request {
	syms := writev2.NewSymbolTable()
	req := &writev2.Request{Timeseries: make([]*writev2.TimeSeries, 0, len(batch))}
	var flat []string
	for _, it := range batch {
		*labels = w.tracker.appendLabels((*labels)[:0], it.ref)
		flat = flat[:0]
		for _, l := range *labels {
			flat = append(flat, l.Name, l.Value)
		}
		ts := &writev2.TimeSeries{LabelsRefs: syms.SymbolizeLabels(flat, nil)}
		if f := it.ref.fam; f != nil {
			ts.Metadata = &writev2.Metadata{Type: v2Type(f.typ), HelpRef: syms.Symbolize(f.help)}
		}
		if it.h == nil {
			ts.Samples = []*writev2.Sample{{Value: it.v, Timestamp: it.t}}
		} else {
			ts.Histograms = []*writev2.Histogram{histogramV2(it.h)}
		}
		req.Timeseries = append(req.Timeseries, ts)
	}
	req.Symbols = syms.Symbols()
	return req
}

// v2Types maps the store's family types to Remote-Write 2.0's, indexed
// by type (an array: v2Type runs once per series of every request); a
// type not here (untyped) is METRIC_TYPE_UNSPECIFIED, the zero value.
var v2Types = [...]writev2.Metadata_MetricType{
	dto.MetricType_COUNTER:         writev2.Metadata_METRIC_TYPE_COUNTER,
	dto.MetricType_GAUGE:           writev2.Metadata_METRIC_TYPE_GAUGE,
	dto.MetricType_HISTOGRAM:       writev2.Metadata_METRIC_TYPE_HISTOGRAM,
	dto.MetricType_GAUGE_HISTOGRAM: writev2.Metadata_METRIC_TYPE_GAUGEHISTOGRAM,
	dto.MetricType_SUMMARY:         writev2.Metadata_METRIC_TYPE_SUMMARY,
}

// v2Type is t's Remote-Write 2.0 type.
func v2Type(t dto.MetricType) writev2.Metadata_MetricType {
	if t < 0 || int(t) >= len(v2Types) {
		return writev2.Metadata_METRIC_TYPE_UNSPECIFIED
	}
	return v2Types[t]
}

// histogramV2 is the 2.0 form of a native histogram (the same fields).
func histogramV2(h *histogram) *writev2.Histogram {
	out := &writev2.Histogram{
		Sum: h.sum, Schema: h.schema, ZeroThreshold: h.zeroThreshold, Timestamp: h.timestamp,
		NegativeDeltas: h.negativeDeltas, NegativeCounts: h.negativeCounts,
		PositiveDeltas: h.positiveDeltas, PositiveCounts: h.positiveCounts,
		NegativeSpans: spansV2(h.negativeSpans), PositiveSpans: spansV2(h.positiveSpans),
	}
	if h.float {
		out.Count = &writev2.Histogram_CountFloat{CountFloat: h.countFloat}
		out.ZeroCount = &writev2.Histogram_ZeroCountFloat{ZeroCountFloat: h.zeroCountFloat}
	} else {
		out.Count = &writev2.Histogram_CountInt{CountInt: h.countInt}
		out.ZeroCount = &writev2.Histogram_ZeroCountInt{ZeroCountInt: h.zeroCountInt}
	}
	return out
}

func spansV2(s []bucketSpan) []*writev2.BucketSpan {
	out := make([]*writev2.BucketSpan, len(s))
	for i, x := range s {
		out[i] = &writev2.BucketSpan{Offset: x.Offset, Length: x.Length}
	}
	return out
}
