package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/internal/selfmetric"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// inputSpec is one input of a fully built configuration.
type inputSpec struct {
	name    string
	typ     string
	factory inputs.Factory
	config  inputs.Config
	// fingerprint identifies the input's own settings (type and config
	// block); an input whose fingerprint is unchanged keeps running across a
	// reload and only gets its new rules.
	fingerprint string
	rules       *normalize.RuleSet
}

// runningInput is a started input.
type runningInput struct {
	spec     inputSpec
	pipeline *normalize.Pipeline
	reg      *prometheus.Registry
	driver   inputs.Driver
	cancel   context.CancelFunc
	done     chan struct{}
}

// manager starts, stops and re-rules inputs as configurations are applied.
type manager struct {
	logger *slog.Logger
	sink   normalize.Sink
	// workers is inputs.Settings.Workers for every input.
	workers int

	// applyMu serializes apply and stop. mu guards running only and is
	// held briefly: Gather and the pages take it, and must not wait while
	// a reload stops a slow input.
	applyMu sync.Mutex
	mu      sync.Mutex
	running map[string]*runningInput

	restarts *prometheus.CounterVec
	panics   *prometheus.CounterVec
}

func newManager(logger *slog.Logger, sink normalize.Sink, reg prometheus.Registerer) *manager {
	f := selfmetric.With(reg)
	m := &manager{
		logger:   logger,
		sink:     sink,
		running:  map[string]*runningInput{},
		restarts: f.CounterVec("rosetta_input_restarts_total", "Times an input's driver was restarted after it failed.", "input"),
		panics:   f.CounterVec("rosetta_input_panics_total", "Panics recovered in an input's driver (the input is restarted with backoff).", "input"),
	}
	return m
}

// apply makes specs the running set. Drivers for new and changed inputs are
// created before anything is stopped, so an input that cannot be created
// fails the whole apply and leaves the old set running.
func (m *manager) apply(ctx context.Context, specs []inputSpec) error {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	m.mu.Lock()
	running := maps.Clone(m.running)
	m.mu.Unlock()

	type prepared struct {
		spec   inputSpec
		driver inputs.Driver
		reg    *prometheus.Registry
		pipe   *normalize.Pipeline
	}
	var (
		start []prepared
		keep  = map[string]inputSpec{}
		errs  []error
	)
	for _, s := range specs {
		if r, ok := running[s.name]; ok && r.spec.fingerprint == s.fingerprint {
			keep[s.name] = s
			continue
		}
		reg := prometheus.NewRegistry()
		wrapped := prometheus.WrapRegistererWith(prometheus.Labels{"input": s.name}, reg)
		logger := m.logger.With("input", s.name)
		d, err := s.factory.New(inputs.Settings{Name: s.name, Logger: logger, Registerer: wrapped, Workers: m.workers}, s.config)
		if err != nil {
			errs = append(errs, fmt.Errorf("input %q: %w", s.name, err))
			continue
		}
		pipe := normalize.NewPipeline(normalize.PipelineSettings{
			Input:      s.name,
			Sink:       m.sink,
			Registerer: wrapped,
			Logger:     logger,
			Unmatched:  normalize.NewTopK(unmatchedTracked),
		}, s.rules)
		start = append(start, prepared{spec: s, driver: d, reg: reg, pipe: pipe})
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// Listeners the new inputs need must be free, or held by an input this
	// apply stops: else the reload fails and the old input keeps running
	// (it used to stop the old one and then fail to bind).
	var stopping []*runningInput
	for name, r := range running {
		if _, ok := keep[name]; !ok {
			stopping = append(stopping, r)
		}
	}
	for _, p := range start {
		if err := checkListeners(p.driver, stopping); err != nil {
			errs = append(errs, fmt.Errorf("input %q: %w", p.spec.name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}

	// Stop inputs that are gone or changed, without holding mu while they
	// stop.
	m.mu.Lock()
	for _, r := range stopping {
		delete(m.running, r.spec.name)
	}
	m.mu.Unlock()
	for _, r := range stopping {
		r.cancel()
		<-r.done
		m.logger.Info("input stopped", "input", r.spec.name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// New rules for inputs that keep running.
	for name, s := range keep {
		r := m.running[name]
		r.pipeline.SetRuleSet(s.rules)
		r.spec = s
	}
	// Start new and changed inputs.
	for _, p := range start {
		ictx, cancel := context.WithCancel(ctx)
		r := &runningInput{spec: p.spec, pipeline: p.pipe, reg: p.reg, driver: p.driver, cancel: cancel, done: make(chan struct{})}
		m.running[p.spec.name] = r
		go m.supervise(ictx, r, p.driver)
		m.logger.Info("input started", "input", p.spec.name, "type", p.spec.typ)
	}
	return nil
}

// listenerDriver is a driver that can name the sockets it will bind.
type listenerDriver interface {
	// ListenAddrs returns the addresses Run binds, as network and address
	// ("udp", "tcp", "unixgram").
	ListenAddrs() [][2]string
}

// checkListeners tries the addresses d will bind and reports the first
// that is taken by something other than the inputs being stopped.
func checkListeners(d inputs.Driver, stopping []*runningInput) error {
	ld, ok := d.(listenerDriver)
	if !ok {
		return nil
	}
	held := map[[2]string]bool{}
	for _, r := range stopping {
		if old, ok := r.driver.(listenerDriver); ok {
			for _, a := range old.ListenAddrs() {
				held[a] = true
			}
		}
	}
	for _, a := range ld.ListenAddrs() {
		if held[a] || a[1] == "" {
			continue
		}
		if err := tryBind(a[0], a[1]); err != nil {
			return fmt.Errorf("cannot listen on %s %s: %w", a[0], a[1], err)
		}
	}
	return nil
}

// tryBind binds network address and closes it at once.
func tryBind(network, address string) error {
	switch network {
	case "tcp":
		ln, err := net.Listen("tcp", address)
		if err != nil {
			return err
		}
		return ln.Close()
	case "udp":
		c, err := net.ListenPacket("udp", address)
		if err != nil {
			return err
		}
		return c.Close()
	}
	return nil
}

// supervise runs a driver and restarts it with backoff when it fails; a
// failing input never stops the others or the endpoint.
func (m *manager) supervise(ctx context.Context, r *runningInput, d inputs.Driver) {
	defer close(r.done)
	backoff := 100 * time.Millisecond
	for {
		startedAt := time.Now()
		err := m.run(ctx, r, d)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("driver returned without being stopped")
		}
		if time.Since(startedAt) > time.Minute {
			backoff = 100 * time.Millisecond
		}
		m.logger.Error("input failed; restarting", "input", r.spec.name, "err", err, "backoff", backoff)
		m.restarts.WithLabelValues(r.spec.name).Inc()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// run runs d once. A panic in Run, or in any goroutine the driver started
// with inputs.Go (or guarded with inputs.Recover), is logged with its
// stack and counted; a goroutine's panic also ends this run (its context
// is cancelled), and supervise restarts the input with backoff.
func (m *manager) run(ctx context.Context, r *runningInput, d inputs.Driver) error {
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	report := func(pe *inputs.PanicError) {
		m.panics.WithLabelValues(r.spec.name).Inc()
		m.logger.Error("input panicked", "input", r.spec.name, "panic", fmt.Sprint(pe.Value), "stack", string(pe.Stack))
	}
	rctx = inputs.WithPanicHandler(rctx, func(pe *inputs.PanicError) {
		report(pe)
		cancel(pe)
	})
	err := inputs.Safe(func() error { return d.Run(rctx, r.pipeline) })
	var pe *inputs.PanicError
	if errors.As(err, &pe) {
		// A panic in Run itself, or one a driver recovered and returned.
		report(pe)
		return err
	}
	if errors.As(context.Cause(rctx), &pe) {
		if err != nil {
			return fmt.Errorf("%w (after %w)", err, pe)
		}
		return pe
	}
	return err
}

// stop stops every input and waits for them.
func (m *manager) stop() {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	m.mu.Lock()
	all := maps.Clone(m.running)
	clear(m.running)
	m.mu.Unlock()
	for _, r := range all {
		r.cancel()
		<-r.done
	}
}

// Gather gathers the self-metrics of every running input.
func (m *manager) Gather() ([]*dto.MetricFamily, error) {
	m.mu.Lock()
	names := make([]string, 0, len(m.running))
	for n := range m.running {
		names = append(names, n)
	}
	sort.Strings(names)
	gs := make(prometheus.Gatherers, 0, len(names))
	for _, n := range names {
		gs = append(gs, m.running[n].reg)
	}
	m.mu.Unlock()
	return gs.Gather()
}

// unmatchedTracked is how many unmatched names each input's pipeline
// tracks for the mappings page.
const unmatchedTracked = 100

// inputStates returns the running inputs' names, types and pipelines,
// sorted by name.
func (m *manager) inputStates() []runningInput {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]runningInput, 0, len(m.running))
	for _, r := range m.running {
		out = append(out, runningInput{spec: r.spec, pipeline: r.pipeline})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].spec.name < out[j].spec.name })
	return out
}
