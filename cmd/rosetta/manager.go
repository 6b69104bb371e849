package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/inputs"
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
	cancel   context.CancelFunc
	done     chan struct{}
}

// manager starts, stops and re-rules inputs as configurations are applied.
type manager struct {
	logger *slog.Logger
	sink   normalize.Sink
	// workers is inputs.Settings.Workers for every input.
	workers int

	mu      sync.Mutex
	running map[string]*runningInput

	restarts *prometheus.CounterVec
}

func newManager(logger *slog.Logger, sink normalize.Sink, reg prometheus.Registerer) *manager {
	m := &manager{
		logger:  logger,
		sink:    sink,
		running: map[string]*runningInput{},
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rosetta_input_restarts_total",
			Help: "Times an input's driver was restarted after it failed.",
		}, []string{"input"}),
	}
	reg.MustRegister(m.restarts)
	return m
}

// apply makes specs the running set. Drivers for new and changed inputs are
// created before anything is stopped, so an input that cannot be created
// fails the whole apply and leaves the old set running.
func (m *manager) apply(ctx context.Context, specs []inputSpec) error {
	m.mu.Lock()
	defer m.mu.Unlock()

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
		if r, ok := m.running[s.name]; ok && r.spec.fingerprint == s.fingerprint {
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

	// Stop inputs that are gone or changed.
	for name, r := range m.running {
		if _, ok := keep[name]; ok {
			continue
		}
		r.cancel()
		<-r.done
		delete(m.running, name)
		m.logger.Info("input stopped", "input", name)
	}
	// New rules for inputs that keep running.
	for name, s := range keep {
		r := m.running[name]
		r.pipeline.SetRuleSet(s.rules)
		r.spec = s
	}
	// Start new and changed inputs.
	for _, p := range start {
		ictx, cancel := context.WithCancel(ctx)
		r := &runningInput{spec: p.spec, pipeline: p.pipe, reg: p.reg, cancel: cancel, done: make(chan struct{})}
		m.running[p.spec.name] = r
		go m.supervise(ictx, r, p.driver)
		m.logger.Info("input started", "input", p.spec.name, "type", p.spec.typ)
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
		err := d.Run(ctx, r.pipeline)
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

// stop stops every input and waits for them.
func (m *manager) stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, r := range m.running {
		r.cancel()
		<-r.done
		delete(m.running, name)
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

// pipelines returns the running pipelines by input name.
func (m *manager) pipelines() map[string]*normalize.Pipeline {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]*normalize.Pipeline, len(m.running))
	for n, r := range m.running {
		out[n] = r.pipeline
	}
	return out
}
