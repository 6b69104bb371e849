package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/common/version"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/normalize"
	pluginpb "github.com/rosetta-adapter/rosetta/plugins/proto"
	"github.com/rosetta-adapter/rosetta/plugins/shared"
)

// Type is the input type of plugin inputs.
const Type = "plugin"

// NewFactory returns the plugin input factory; its drivers replay recorded
// input offline (replay.go) and read their targets once (pollonce.go).
func NewFactory() inputs.FullFactory[Config, *Config, *Driver] {
	return inputs.NewFactoryOf(Type, &DefaultConfig, DecodeConfig, New).Full(replay, pollOnce)
}

// Driver runs and supervises one plugin.
type Driver struct {
	name        string
	cfg         Config
	logger      *slog.Logger
	hclog       hclog.Logger
	metrics     *metrics
	checksum    []byte
	configYAML  string
	configJSON  string
	configPos   position
	hostVersion string

	// onSession, when set (tests), is called with each session's pid once
	// it is ready.
	onSession func(pid int)
}

var _ inputs.Driver = (*Driver)(nil)

// New returns a driver for cfg; it does not start the plugin.
func New(set inputs.Settings, cfg *Config) (*Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger := set.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	logger = logger.With("plugin_path", cfg.Path)
	d := &Driver{
		name:        set.Name,
		cfg:         *cfg,
		logger:      logger,
		hclog:       newHCLog(logger),
		configPos:   position{cfg.Config.Line, cfg.Config.Column},
		hostVersion: version.Version,
	}
	var err error
	if d.metrics, err = newMetrics(set.Registerer); err != nil {
		return nil, fmt.Errorf("registering metrics: %w", err)
	}
	if cfg.Checksum != "" {
		d.checksum, _ = cfg.checksum()
	}
	if d.configYAML, err = toYAML(&cfg.Config); err != nil {
		return nil, fmt.Errorf("plugin input %q: config: %w", set.Name, err)
	}
	if d.configJSON, err = toJSON(&cfg.Config); err != nil {
		return nil, fmt.Errorf("plugin input %q: config: %w", set.Name, err)
	}
	return d, nil
}

// Check launches the plugin, describes and configures it, and stops it:
// what a config check does to catch wrong paths, incompatible plugins and
// rejected config blocks before Run.
func (d *Driver) Check(ctx context.Context) error {
	s, err := d.launch(ctx)
	if err != nil {
		return err
	}
	s.kill(true)
	return nil
}

// Run launches the plugin and keeps it running until ctx ends: a session
// that fails (the plugin exits, crashes, breaks the contract, or a stream
// stalls or a collect hangs) is ended and the plugin launched again after
// a backoff. Run returns an error wrapping ErrConfigRejected when the
// plugin rejects its config (restarting would not help), nil when ctx
// ends.
func (d *Driver) Run(ctx context.Context, out normalize.Appender) error {
	backoff := d.cfg.RestartBackoff
	var gapStart time.Time
	first := true
	for ctx.Err() == nil {
		if !first {
			d.metrics.restarts.Inc()
		}
		first = false
		s, err := d.launch(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var se *startError
			reason := failStart
			if errors.As(err, &se) {
				reason = se.reason
			}
			d.metrics.failures.WithLabelValues(reason).Inc()
			if errors.Is(err, ErrConfigRejected) {
				d.logger.Error("plugin rejected its config", "err", err)
				return err
			}
			d.logger.Error("plugin failed to start", "err", err, "retry_in", backoff)
			if !sleep(ctx, backoff) {
				return nil
			}
			backoff = min(2*backoff, d.cfg.RestartBackoffMax)
			continue
		}
		if !gapStart.IsZero() {
			d.metrics.gapSecs.Add(time.Since(gapStart).Seconds())
			gapStart = time.Time{}
		}
		mode := "push"
		if s.info.Mode == pluginpb.Mode_MODE_PULL {
			mode = "pull"
		}
		d.metrics.info.Reset()
		d.metrics.info.WithLabelValues(s.info.Name, s.info.Version, mode).Set(1)
		d.metrics.up.Set(1)
		d.logger.Info("plugin started", "plugin", s.info.Name, "version", s.info.Version, "mode", mode,
			"pid", s.cmd.Process.Pid, "start_duration", time.Since(s.started))
		if d.onSession != nil {
			d.onSession(s.cmd.Process.Pid)
		}

		var reason string
		if mode == "push" {
			reason, err = d.push(ctx, s, out)
		} else {
			reason, err = d.pull(ctx, s, out)
		}
		d.metrics.up.Set(0)
		if ctx.Err() != nil {
			s.kill(true)
			return nil
		}
		s.kill(false)
		gapStart = time.Now()
		d.metrics.gaps.Inc()
		d.metrics.failures.WithLabelValues(reason).Inc()
		if time.Since(s.started) >= d.cfg.StableAfter {
			backoff = d.cfg.RestartBackoff
		}
		d.logger.Warn("plugin session ended; restarting", "plugin", s.info.Name, "reason", reason, "err", err, "retry_in", backoff)
		if !sleep(ctx, backoff) {
			return nil
		}
		backoff = min(2*backoff, d.cfg.RestartBackoffMax)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// decodedPool recycles decoded batches between the stream reader and the
// appender.
var decodedPool = sync.Pool{New: func() any { return new(shared.Decoded) }}

// push reads a push plugin's stream until it fails or ctx ends. A reader
// decodes batches into a bounded queue that one appender drains; when the
// queue is full, batches are dropped and counted rather than letting a
// flooding plugin grow memory.
func (d *Driver) push(ctx context.Context, s *session, out normalize.Appender) (reason string, err error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := s.rpc.Stream(sctx, &pluginpb.StreamRequest{
		HeartbeatIntervalMs: uint32(d.cfg.HeartbeatInterval / time.Millisecond),
		MaxBatchSamples:     uint32(d.cfg.MaxBatchSamples),
	})
	if err != nil {
		return failExit, fmt.Errorf("opening stream: %w", err)
	}

	queue := make(chan *shared.Decoded, d.cfg.QueueBatches)
	var wg sync.WaitGroup
	inputs.Go(ctx, &wg, func() {
		for dec := range queue {
			inputs.Fault(d.name, "plugin.append")
			if err := out.Append(ctx, dec.Records); err != nil && ctx.Err() == nil {
				d.metrics.Errors.WithLabelValues("append").Inc()
			}
			dec.Reset()
			decodedPool.Put(dec)
		}
	})
	defer func() {
		close(queue)
		wg.Wait()
	}()

	var stalled atomic.Bool
	watchdog := time.AfterFunc(d.cfg.StreamTimeout, func() {
		stalled.Store(true)
		cancel()
	})
	defer watchdog.Stop()

	dec := shared.NewDecoder(shared.Limits{MaxSymbols: d.cfg.MaxSymbols})
	var b pluginpb.Batch
	for {
		err := stream.RecvMsg(&b)
		if err != nil {
			switch {
			case ctx.Err() != nil:
				return "", nil
			case stalled.Load():
				return failStalled, fmt.Errorf("no message for %s (stream_timeout)", d.cfg.StreamTimeout)
			case errors.Is(err, io.EOF):
				return failEnded, errors.New("plugin ended its stream")
			case status.Code(err) == codes.ResourceExhausted:
				return failProtocol, err
			default:
				return failExit, err
			}
		}
		watchdog.Reset(d.cfg.StreamTimeout)
		dd := decodedPool.Get().(*shared.Decoded)
		if err := dec.Decode(&b, dd); err != nil {
			dd.Reset()
			decodedPool.Put(dd)
			return failProtocol, err
		}
		d.count(dd)
		if len(dd.Records) == 0 {
			dd.Reset()
			decodedPool.Put(dd)
			continue
		}
		select {
		case queue <- dd:
		default:
			d.metrics.Dropped.WithLabelValues("queue_full").Add(float64(len(dd.Records)))
			dd.Reset()
			decodedPool.Put(dd)
		}
	}
}

// count records a decoded batch's self-metrics.
func (d *Driver) count(dd *shared.Decoded) {
	d.metrics.Samples.Add(float64(len(dd.Records)))
	for r, n := range dd.Invalid {
		d.metrics.Errors.WithLabelValues(r).Add(float64(n))
	}
	for r, n := range dd.Errors {
		d.metrics.Errors.WithLabelValues(d.metrics.pluginReason(r)).Add(float64(n))
	}
	for r, n := range dd.Dropped {
		d.metrics.Dropped.WithLabelValues(d.metrics.pluginReason(r)).Add(float64(n))
	}
}

// pull polls a pull plugin every interval until a poll hangs or the
// connection breaks, or ctx ends. Each poll replaces the plugin's series
// (source "<input>/<plugin>"); a failed poll removes them.
func (d *Driver) pull(ctx context.Context, s *session, out normalize.Appender) (reason string, err error) {
	target := s.info.Name
	source := d.name + "/" + target
	up := d.metrics.Up.WithLabelValues(target)
	tick := time.NewTicker(d.cfg.Interval)
	defer tick.Stop()
	var dd shared.Decoded
	for {
		t0 := time.Now()
		cctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
		b, err := s.rpc.Collect(cctx, &pluginpb.CollectRequest{})
		cancel()
		d.metrics.Duration.WithLabelValues(target).Set(time.Since(t0).Seconds())
		if err == nil {
			dd.Reset()
			if derr := shared.NewDecoder(shared.Limits{MaxSymbols: d.cfg.MaxSymbols}).Decode(b, &dd); derr != nil {
				err = derr
				reason = failProtocol
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return "", nil
			}
			up.Set(0)
			_ = out.Replace(ctx, source, nil)
			pollReason := "collect"
			switch {
			case reason == failProtocol:
				pollReason = "protocol"
			case status.Code(err) == codes.DeadlineExceeded:
				reason, pollReason = failTimeout, "timeout"
			case status.Code(err) == codes.Unavailable:
				reason, pollReason = failExit, "unavailable"
			}
			d.metrics.PollErrors.WithLabelValues(target, pollReason).Inc()
			if reason != "" {
				return reason, err
			}
			d.logger.Debug("plugin collect failed", "plugin", target, "err", err)
		} else {
			d.count(&dd)
			// Health first: whoever sees the series sees up 1.
			up.Set(1)
			d.metrics.LastSuccess.WithLabelValues(target).Set(float64(time.Now().UnixNano()) / 1e9)
			if err := out.Replace(ctx, source, dd.Records); err != nil && ctx.Err() == nil {
				d.metrics.Errors.WithLabelValues("append").Inc()
			}
		}
		select {
		case <-ctx.Done():
			_ = out.Replace(context.WithoutCancel(ctx), source, nil)
			return "", nil
		case <-tick.C:
		}
	}
}
