package remotewrite

import (
	"errors"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Manager runs the configured endpoints and applies new configurations:
// an endpoint whose settings are unchanged keeps running (and its queue),
// a changed one is replaced, a removed one stops after a bounded flush.
type Manager struct {
	logger *slog.Logger
	g      prometheus.Gatherer
	m      *metrics

	mu      sync.Mutex
	running map[string]*writer
	// known are the names with self-metrics.
	known map[string]bool
}

// NewManager returns a Manager sending what g gathers; its self-metrics
// are registered with reg.
func NewManager(logger *slog.Logger, g prometheus.Gatherer, reg prometheus.Registerer) *Manager {
	return &Manager{logger: logger, g: g, m: newMetrics(reg), running: map[string]*writer{}, known: map[string]bool{}}
}

// Plan is a configuration built and ready to apply with Commit; a plan
// that is dropped leaves nothing running.
type Plan struct {
	cfgs  []Config
	start []*writer
	keep  map[string]bool
}

// Prepare builds every new or changed endpoint of cfgs and starts
// nothing, so that a reload can fail before anything changes.
func (m *Manager) Prepare(cfgs []Config) (*Plan, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := &Plan{cfgs: cfgs, keep: map[string]bool{}}
	var errs []error
	for _, c := range cfgs {
		if w, ok := m.running[c.Name]; ok && w.cfg.fingerprint == c.fingerprint {
			p.keep[c.Name] = true
			continue
		}
		w, err := newWriter(c, m.g, m.m, m.logger)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.start = append(p.start, w)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

// Commit makes a prepared plan the running set: an endpoint whose entry
// is unchanged keeps running (and its queue), a changed or removed one
// stops after its bounded flush, new ones start.
func (m *Manager) Commit(p *Plan) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, w := range m.running {
		if p.keep[name] {
			continue
		}
		w.stop()
		delete(m.running, name)
		m.logger.Info("remote write stopped", "remote", name)
	}
	names := map[string]bool{}
	for _, c := range p.cfgs {
		names[c.Name] = true
	}
	for _, w := range p.start {
		m.m.init(w.cfg.Name)
		m.known[w.cfg.Name] = true
		m.running[w.cfg.Name] = w
		w.start()
		m.logger.Info("remote write started", "remote", w.cfg.Name, "interval", w.cfg.Interval)
	}
	m.forgetExcept(names)
}

// Apply is Prepare and Commit: on an error nothing changes.
func (m *Manager) Apply(cfgs []Config) error {
	p, err := m.Prepare(cfgs)
	if err != nil {
		return err
	}
	m.Commit(p)
	return nil
}

// forgetExcept removes the self-metrics of endpoints no longer configured.
func (m *Manager) forgetExcept(names map[string]bool) {
	for n := range m.known {
		if !names[n] {
			m.m.forget(n)
			delete(m.known, n)
		}
	}
}

// Stop stops every endpoint, each after its bounded flush.
func (m *Manager) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	var wg sync.WaitGroup
	for name, w := range m.running {
		wg.Go(w.stop)
		delete(m.running, name)
	}
	wg.Wait()
}

// Check builds the endpoints of cfgs as Prepare does (HTTP clients, TLS
// files read) and discards them: --check-config's test of what decoding
// alone cannot tell.
func Check(cfgs []Config) error {
	m := NewManager(slog.New(slog.DiscardHandler), prometheus.Gatherers{}, prometheus.NewRegistry())
	_, err := m.Prepare(cfgs)
	return err
}
