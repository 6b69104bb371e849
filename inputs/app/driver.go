package app

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/internal/selfmetric"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Driver polls the targets of one application-stats input.
type Driver struct {
	name    string
	typ     string
	common  Common
	fetcher fetcher
	parser  parsing.Parser
	logger  *slog.Logger
	m       *metrics
	now     func() time.Time
}

type metrics struct {
	*inputs.Metrics
	*inputs.PollMetrics
}

// newDriver builds a driver from a validated config.
func newDriver(set inputs.Settings, typ string, cfg typeConfig) (*Driver, error) {
	parser, err := cfg.NewParser()
	if err != nil {
		return nil, err
	}
	f, err := cfg.newFetcher(set.Name)
	if err != nil {
		return nil, err
	}
	mf, errs := selfmetric.Registering(set.Registerer)
	m := &metrics{inputs.NewMetrics(mf), inputs.NewPollMetrics(mf)}
	if err := errs(); err != nil {
		return nil, err
	}
	logger := set.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &Driver{
		name:    set.Name,
		typ:     typ,
		common:  *cfg.common(),
		fetcher: f,
		parser:  parser,
		logger:  logger,
		m:       m,
		now:     time.Now,
	}
	for _, t := range d.common.Targets {
		// Present from the start, so that a target that never answers is
		// visible as up 0 rather than absent.
		d.m.Up.WithLabelValues(redact(t)).Set(0)
	}
	return d, nil
}

// Run polls every target in its own goroutine until ctx ends. A target that
// hangs costs its own poll timeout and nothing else.
func (d *Driver) Run(ctx context.Context, out normalize.Appender) error {
	defer d.fetcher.close()
	var wg sync.WaitGroup
	for i, t := range d.common.Targets {
		// A panic in a target's poll (a parser bug hit by a body) is
		// reported to the manager, which restarts the input.
		inputs.Go(ctx, &wg, func() { d.runTarget(ctx, i, t, out) })
	}
	wg.Wait()
	return nil
}

func (d *Driver) runTarget(ctx context.Context, i int, target string, out normalize.Appender) {
	label := redact(target)
	source := d.name + "/" + label
	// Spread the targets' first polls over a tenth of the interval so many
	// targets do not all start at once.
	if n := len(d.common.Targets); n > 1 {
		delay := d.common.Interval / 10 * time.Duration(i) / time.Duration(n)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
	var (
		buf       bytes.Buffer
		hadSeries bool
	)
	tick := time.NewTicker(d.common.Interval)
	defer tick.Stop()
	for {
		start := d.now()
		recs, err := d.poll(ctx, target, &buf)
		if ctx.Err() != nil {
			return
		}
		d.m.Duration.WithLabelValues(label).Set(d.now().Sub(start).Seconds())
		if err != nil {
			reason := parsing.Reason(err, "parse")
			d.m.PollErrors.WithLabelValues(label, reason).Inc()
			d.m.Up.WithLabelValues(label).Set(0)
			d.logger.Warn("poll failed", "target", label, "reason", reason, "err", err)
			if hadSeries {
				if rerr := out.Replace(ctx, source, nil); rerr != nil {
					d.logger.Warn("removing series failed", "target", label, "err", rerr)
				}
				hadSeries = false
			}
		} else {
			// Health first: whoever sees the series sees up 1.
			d.m.Up.WithLabelValues(label).Set(1)
			d.m.LastSuccess.WithLabelValues(label).Set(float64(d.now().UnixNano()) / 1e9)
			if rerr := out.Replace(ctx, source, recs); rerr != nil {
				d.logger.Warn("storing series failed", "target", label, "err", rerr)
			}
			hadSeries = len(recs) > 0
			d.m.Samples.Add(float64(len(recs)))
		}
		// Do not keep a huge buffer alive between polls for one big body.
		if buf.Cap() > 4<<20 {
			buf = bytes.Buffer{}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// poll fetches and parses one target within the timeout.
func (d *Driver) poll(ctx context.Context, target string, buf *bytes.Buffer) ([]normalize.Record, error) {
	ctx, cancel := context.WithTimeout(ctx, d.common.Timeout)
	defer cancel()
	buf.Reset()
	ctype, err := d.fetcher.fetch(ctx, target, buf)
	if err != nil {
		return nil, err
	}
	body := buf.Bytes()
	inputs.Fault(d.name, "app.parse")
	replaced, err := checkUTF8(d.parser, body)
	if err != nil {
		return nil, err
	}
	recs, err := parse(ctx, d.parser, body, ctype, d.common.TargetLabel, redact(target))
	if err == nil && replaced {
		// Served, as json_exporter serves it; counted, so that it shows.
		d.m.Errors.WithLabelValues("invalid_utf8").Inc()
	}
	return recs, err
}

// checkUTF8 fails a body that is not valid UTF-8 (invalid_utf8) unless p
// reads such a body itself (a JSON parser: as encoding/json does), which
// it reports as replaced.
func checkUTF8(p parsing.Parser, body []byte) (replaced bool, err error) {
	if utf8.Valid(body) {
		return false, nil
	}
	if _, ok := p.(parsing.UTF8Replacer); ok {
		return true, nil
	}
	return false, parsing.Errorf("invalid_utf8", "body is not valid UTF-8 (at byte %d)", invalidAt(body))
}

// parse runs p over body and collects its records, adding the target label.
func parse(ctx context.Context, p parsing.Parser, body []byte, ctype, targetLabel, target string) ([]normalize.Record, error) {
	var recs []normalize.Record
	emit := func(r normalize.Record) {
		if targetLabel != "" {
			// A fresh slice: the parser may share label backing arrays
			// between records.
			l := normalize.Label{Name: targetLabel, Value: target}
			r.Labels = append(r.Labels[:len(r.Labels):len(r.Labels)], l)
			if r.DefaultName != "" {
				r.DefaultLabels = append(r.DefaultLabels[:len(r.DefaultLabels):len(r.DefaultLabels)], l)
			}
		}
		recs = append(recs, r)
	}
	var err error
	if xp, ok := p.(parsing.ContextParser); ok {
		err = xp.ParseContext(ctx, body, ctype, emit)
	} else if cp, ok := p.(parsing.ContentTypeParser); ok {
		err = cp.ParseContentType(body, ctype, emit)
	} else {
		err = p.Parse(body, emit)
	}
	if err != nil {
		return nil, err
	}
	return recs, nil
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// ParseBody parses one recorded body offline with the parser cfg builds, as
// a poll would (content type and target label aside): the entry point of
// rosetta test and rosetta explain.
func ParseBody(cfg inputs.Config, body []byte, contentType string) ([]normalize.Record, error) {
	pc, ok := cfg.(ParserConfig)
	if !ok {
		return nil, fmt.Errorf("config %T has no offline parser", cfg)
	}
	p, err := pc.NewParser()
	if err != nil {
		return nil, err
	}
	if _, err := checkUTF8(p, body); err != nil {
		return nil, err
	}
	return parse(context.Background(), p, body, contentType, "", "")
}
