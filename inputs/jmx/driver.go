package jmx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/jolokia"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/rmi"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	"github.com/rosetta-adapter/rosetta/internal/selfmetric"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// NewFactory returns the `jmx` input factory; its inputs replay recorded
// input offline (offline.go) and read their targets once (pollonce.go).
func NewFactory() inputs.FullFactory[Config, *Config, *Driver] {
	return inputs.NewFactoryOf("jmx", &DefaultConfig, DecodeConfig, New).Full(replay, pollOnce)
}

// Driver polls one JVM over the JMX RMI connector.
type Driver struct {
	name     string
	cfg      Config
	target   Target
	source   string
	logger   *slog.Logger
	exporter Exporter
	filter   *attributeFilter
	m        *metrics
	peer     peerStats
	now      func() time.Time
	// dial is Dial, replaceable in tests.
	dial func(ctx context.Context, o rmi.Options) (*rmi.Client, error)
}

var _ inputs.Driver = (*Driver)(nil)

// New validates cfg and creates a driver; it does not connect.
func New(set inputs.Settings, cfg *Config) (*Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("jmx input %q: %w", set.Name, err)
	}
	t, _ := cfg.Target()
	logger := set.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &Driver{
		name:   set.Name,
		cfg:    *cfg,
		target: t,
		source: set.Name + "/" + t.String(),
		logger: logger,
		exporter: Exporter{
			LowercaseOutputName:       cfg.LowercaseOutputName,
			LowercaseOutputLabelNames: cfg.LowercaseOutputLabelNames,
			Strings:                   cfg.EmitStringValues,
			Customizers:               cfg.MetricCustomizers,
		},
		now:  time.Now,
		dial: rmi.Dial,
	}
	d.peer.run = runs.Add(1)
	d.filter, _ = newAttributeFilter(cfg.IncludeObjectNameAttributes, cfg.ExcludeObjectNameAttributes) // checked by Validate
	m, err := newMetrics(set.Registerer)
	if err != nil {
		return nil, fmt.Errorf("jmx input %q: %w", set.Name, err)
	}
	d.m = m
	return d, nil
}

// Source is the name the driver's series are replaced under.
func (d *Driver) Source() string { return d.source }

func (d *Driver) options() (rmi.Options, error) {
	pw, err := d.cfg.password()
	if err != nil {
		return rmi.Options{}, err
	}
	tcfg, err := d.cfg.TLS.build()
	if err != nil {
		return rmi.Options{}, err
	}
	target := d.target.String()
	return rmi.Options{
		Host:             d.target.Host,
		Port:             d.target.Port,
		Name:             d.target.Name,
		Username:         d.cfg.Username,
		Password:         pw,
		OverrideStubHost: d.cfg.OverrideStubHost,
		RegistrySSL:      d.cfg.RegistrySSL,
		TLS:              tcfg,
		MaxConns:         d.cfg.Connections,
		DialTimeout:      d.cfg.Timeout,
		Limits: javaser.Limits{
			MaxBytes:     d.cfg.MaxReplyBytes,
			MaxDepth:     javaser.DefaultLimits.MaxDepth,
			MaxStringLen: javaser.DefaultLimits.MaxStringLen,
			MaxArrayLen:  javaser.DefaultLimits.MaxArrayLen,
			MaxHandles:   javaser.DefaultLimits.MaxHandles,
			MaxSteps:     javaser.DefaultLimits.MaxSteps,
		},
		Go: func(ctx context.Context, fn func()) { inputs.Go(ctx, nil, fn) },
		LeaseRenewed: func(err error) {
			if err != nil {
				d.m.PollErrors.WithLabelValues(target, "lease_renewal").Inc()
			}
		},
	}, nil
}

// Backoff bounds between reconnection attempts.
const (
	minBackoff = time.Second
	maxBackoff = time.Minute
)

// Run polls until ctx ends. A dead or slow JVM costs one poll timeout per
// attempt and never blocks anything else; its series are removed while it
// is down and come back when it returns.
func (d *Driver) Run(ctx context.Context, out normalize.Appender) error {
	target := d.target.String()
	d.m.Up.WithLabelValues(target).Set(0)
	var (
		s         session
		backoff   time.Duration
		nextDial  time.Time
		hadSeries bool
	)
	closeSession := func() {
		if s == nil {
			return
		}
		s.close()
		s = nil
	}
	defer closeSession()
	// open is a poll's replacement in parts while it holds the source in
	// the store: whatever ends Run (cancel, a panic) must release it.
	var open normalize.RecordReplacement
	defer func() {
		if open != nil {
			open.End()
		}
	}()
	if d.cfg.StartDelay > 0 {
		// jmx_exporter's startDelaySeconds: nothing is read before.
		t := time.NewTimer(d.cfg.StartDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
	tick := time.NewTicker(d.cfg.Interval)
	defer tick.Stop()
	for {
		start := d.now()
		pctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
		var (
			err error
			st  scrapeStats
			// The poll's records go to the store as they are read
			// (rep, begun at the first), never all held at once.
			rep   normalize.RecordReplacement
			nrecs int
		)
		emit := func(recs []normalize.Record) {
			if rep == nil {
				rep = d.beginReplace(ctx, out)
				if _, held := rep.(*heldReplacement); !held {
					open = rep
					// Health first: whoever sees the series sees up=1.
					d.m.Up.WithLabelValues(target).Set(1)
				}
			}
			rep.Add(recs)
			nrecs += len(recs)
		}
		fresh := false
		if s == nil && !start.Before(nextDial) {
			fresh = true
			s, err = d.dialSession(pctx)
			if err == nil {
				d.m.connects.WithLabelValues(target).Inc()
				backoff = 0
				nextDial = time.Time{}
				d.logger.Info("connected", append([]any{"target", target}, s.describe()...)...)
			}
			if err != nil {
				backoff = min(max(2*backoff, minBackoff), maxBackoff)
				nextDial = start.Add(backoff)
			}
		}
		polled := false
		switch {
		case err != nil:
		case s == nil:
			err = errBackoff
		default:
			st, err = d.poll(pctx, &s, fresh, closeSession, emit)
			polled = true
		}
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		dur := d.now().Sub(start)
		d.m.Duration.WithLabelValues(target).Set(dur.Seconds())
		if err != nil {
			reason := errReason(err)
			// jmx_exporter's scrapeTimeoutSeconds: a poll that times out
			// keeps the last good poll's series (and up) in place.
			keep := d.cfg.KeepSeriesOnTimeout && reason == "timeout"
			d.peer.observe(dur, true, keep)
			if !errors.Is(err, errBackoff) {
				d.m.PollErrors.WithLabelValues(target, reason).Inc()
				d.logger.Warn("poll failed", "target", target, "reason", reason, "err", err, "series_kept", keep && hadSeries)
			}
			if !keep {
				d.m.Up.WithLabelValues(target).Set(0)
			}
			if s != nil {
				// A failed poll leaves the session in doubt: reconnect.
				closeSession()
				nextDial = d.now()
			}
			if h, ok := rep.(*heldReplacement); ok {
				h.recs = nil // a failed poll stores nothing
			} else if rep != nil {
				// Parts of this poll are in the store.
				rep.End()
				open = nil
				hadSeries = true
			}
			if !keep {
				d.peer.observeCached(rep)
				if hadSeries {
					if rerr := out.Replace(ctx, d.source, nil); rerr != nil {
						d.logger.Warn("removing series failed", "err", rerr)
					}
					hadSeries = false
				}
			}
		} else {
			d.peer.observe(dur, false, false)
			// Health first, as on failure: whoever sees the series sees up=1.
			d.m.Up.WithLabelValues(target).Set(1)
			d.m.LastSuccess.WithLabelValues(target).Set(float64(d.now().UnixNano()) / 1e9)
			if rep != nil {
				rep.End()
				open = nil
			} else if rerr := out.Replace(ctx, d.source, nil); rerr != nil {
				d.logger.Warn("storing series failed", "err", rerr)
			}
			hadSeries = nrecs > 0
			d.peer.observeCached(rep)
			d.m.Samples.Add(float64(nrecs))
			d.m.beans.WithLabelValues(target).Set(float64(st.beans))
			d.m.attributes.WithLabelValues(target).Set(float64(st.attributes))
			if st.attrErrors > 0 {
				d.m.Errors.WithLabelValues("attribute_read").Add(float64(st.attrErrors))
			}
			if st.beanErrors > 0 {
				d.m.Errors.WithLabelValues("bean_read").Add(float64(st.beanErrors))
			}
			if n := d.exporter.Truncated(); n > 0 {
				d.m.Dropped.WithLabelValues("attribute_too_large").Add(float64(n))
			}
			d.countDrops(st)
		}
		if polled {
			collectAfterPoll()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// poll reads every bean of the session *s, dialing a new one once when
// an old session (not fresh) went stale. The collector's target may be
// lowered while it runs (beginPollGC).
func (d *Driver) poll(pctx context.Context, s *session, fresh bool, closeSession func(), emit func([]normalize.Record)) (scrapeStats, error) {
	defer beginPollGC()()
	st, err := (*s).scrapeTo(pctx, emit)
	if err != nil && !fresh && !isRemote(err) && pctx.Err() == nil {
		// The session went stale between polls (the JVM restarted,
		// a connection was cut): reconnect once within this poll.
		d.logger.Debug("session failed, reconnecting", "target", d.target.String(), "err", err)
		closeSession()
		if ns, derr := d.dialSession(pctx); derr == nil {
			*s = ns
			d.m.connects.WithLabelValues(d.target.String()).Inc()
			st, err = ns.scrapeTo(pctx, emit)
		}
	}
	return st, err
}

// beginReplace starts replacing the driver's series with a poll's
// records, part by part when out takes parts (the pipeline), unless a
// poll that times out must keep the last good poll's series
// (KeepSeriesOnTimeout): then the poll's records are held until it
// succeeds.
func (d *Driver) beginReplace(ctx context.Context, out normalize.Appender) normalize.RecordReplacement {
	if r, ok := out.(normalize.Replacer); ok && !d.cfg.KeepSeriesOnTimeout {
		return r.BeginReplace(ctx, d.source)
	}
	return &heldReplacement{ctx: ctx, out: out, source: d.source, logger: d.logger}
}

// heldReplacement keeps the parts for one Replace at End, for an
// Appender that does not take parts or a poll that may have to keep the
// last good poll's series.
type heldReplacement struct {
	ctx    context.Context
	out    normalize.Appender
	source string
	logger *slog.Logger
	recs   []normalize.Record
	// jmxCached is the CachedBeans of the records stored at End.
	jmxCached int
}

func (r *heldReplacement) Add(batch []normalize.Record) { r.recs = append(r.recs, batch...) }

func (r *heldReplacement) End() {
	if rr, ok := r.out.(normalize.Replacer); ok {
		// Replace in one part, to learn the poll's CachedBeans.
		p := rr.BeginReplace(r.ctx, r.source)
		p.Add(r.recs)
		p.End()
		r.jmxCached = int(jmxCached(p))
	} else if err := r.out.Replace(r.ctx, r.source, r.recs); err != nil {
		r.logger.Warn("storing series failed", "err", err)
	}
	r.recs = nil
}

// JMXCached implements normalize.JMXCacheCounter.
func (r *heldReplacement) JMXCached() int { return r.jmxCached }

// countDrops counts what the reply budgets threw away in one poll.
func (d *Driver) countDrops(st scrapeStats) {
	for _, c := range []struct {
		reason string
		n      int
	}{
		{"reply_limit", st.limited},
		{"attribute_unrequested", st.unrequested},
		{"value_too_large", st.cut},
	} {
		if c.n > 0 {
			d.m.Dropped.WithLabelValues(c.reason).Add(float64(c.n))
		}
	}
}

var errBackoff = errors.New("waiting to reconnect")

// session is one connected poller: RMI (a Client and its MBeanInfo
// cache) or Jolokia.
type session interface {
	// scrapeTo reads all selected beans, handing their records to emit
	// as they are read. A transport error aborts the poll (the session
	// is dead); errors the server throws for one bean or attribute are
	// counted and skipped.
	scrapeTo(ctx context.Context, emit func([]normalize.Record)) (scrapeStats, error)
	close()
	describe() []any // log attributes
}

func (s *scraper) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.client.Close(ctx)
}

func (s *scraper) describe() []any {
	return []any{"endpoint", s.client.Endpoint(), "lease", s.client.Lease()}
}

func (s *jolokiaScraper) close() { s.client.CloseIdleConnections() }

func (s *jolokiaScraper) describe() []any {
	return []any{"jolokia", inputs.RedactURL(s.client.URL())}
}

func (d *Driver) dialSession(ctx context.Context) (session, error) {
	if d.cfg.JolokiaURL != "" {
		pw, err := d.cfg.password()
		if err != nil {
			return nil, err
		}
		tcfg, err := d.cfg.TLS.build()
		if err != nil {
			return nil, err
		}
		jc := jolokia.NewClient(jolokia.Options{URL: d.cfg.JolokiaURL, Username: d.cfg.Username, Password: pw, TLS: tcfg, MaxReplyBytes: d.cfg.MaxReplyBytes})
		return &jolokiaScraper{client: jc, exporter: &d.exporter, include: d.cfg.IncludeObjectNames, exclude: d.cfg.ExcludeObjectNames, filter: d.filter}, nil
	}
	opts, err := d.options()
	if err != nil {
		return nil, err
	}
	c, err := d.dial(ctx, opts)
	if err != nil {
		return nil, err
	}
	return d.newScraper(c), nil
}

func (d *Driver) newScraper(c *rmi.Client) *scraper {
	return &scraper{
		input:    d.name,
		client:   c,
		exporter: &d.exporter,
		include:  d.cfg.IncludeObjectNames,
		exclude:  d.cfg.ExcludeObjectNames,
		workers:  d.cfg.Connections,
		filter:   d.filter,
	}
}

// errReason classifies a poll error for rosetta_input_poll_errors_total.
func errReason(err error) string {
	var re *javaser.RemoteError
	var ne net.Error
	switch transport := inputs.TransportReason(err); {
	case errors.Is(err, mbean.ErrAuth):
		return "auth"
	case transport != "":
		return transport
	case errors.Is(err, javaser.ErrLimit):
		return "limit"
	case errors.As(err, &re):
		return "remote_exception"
	case errors.As(err, &ne):
		return "network"
	default:
		return "protocol"
	}
}

type metrics struct {
	*inputs.Metrics
	*inputs.PollMetrics
	beans, attributes *prometheus.GaugeVec
	connects          *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	f, errs := selfmetric.Registering(reg)
	m := &metrics{
		Metrics:     inputs.NewMetrics(f),
		PollMetrics: inputs.NewPollMetrics(f),
		beans:       f.GaugeVec("rosetta_jmx_beans", "MBeans read in the last successful poll.", "target"),
		attributes:  f.GaugeVec("rosetta_jmx_attributes", "MBean attributes read in the last successful poll.", "target"),
		connects:    f.CounterVec("rosetta_jmx_connects_total", "JMX sessions established (the first and every reconnection).", "target"),
	}
	if err := errs(); err != nil {
		return nil, fmt.Errorf("registering metrics: %w", err)
	}
	return m, nil
}
