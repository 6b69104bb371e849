package outputs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/rosetta-adapter/rosetta/internal/pprofhttp"
)

// DefaultShutdownTimeout bounds the graceful shutdown of the web server.
const DefaultShutdownTimeout = 5 * time.Second

// WebConfig is the wiring of the web server.
type WebConfig struct {
	// Flags are exporter-toolkit's --web.listen-address (repeatable),
	// --web.systemd-socket and --web.config.file, as returned by
	// kingpinflag.AddFlags(app, ":9102"). Nil means listen on :9102 without
	// TLS or authentication.
	Flags *web.FlagConfig
	// TelemetryPath is --web.telemetry-path; "" means /metrics.
	TelemetryPath string
	// Gatherer is what /metrics serves, e.g.
	// outputs.Gatherers{selfRegistry, store}. Required.
	Gatherer prometheus.Gatherer
	// Registerer, when set, gets promhttp's own metrics
	// (promhttp_metric_handler_requests_total, ..._requests_in_flight and
	// ..._errors_total), as statsd_exporter's /metrics has them.
	Registerer prometheus.Registerer
	// Reload is called by POST /-/reload; nil answers 403 (the lifecycle
	// API is off unless --web.enable-lifecycle, as in statsd_exporter).
	Reload func(context.Context) error
	// Links are extra landing page links (e.g. /mappings); the telemetry
	// path is always linked first.
	Links []web.LandingLinks
	// Handlers are extra routes (pattern → handler, http.ServeMux patterns),
	// e.g. "/mappings".
	Handlers map[string]http.Handler
	// Name, Description and Version are shown on the landing page.
	Name, Description, Version string
	// EnablePprof serves the runtime's profiles under /debug/pprof/. Off by default
	// (statsd_exporter always serves it).
	EnablePprof bool
	// MaxRequestsInFlight and Timeout limit /metrics (0: no limit).
	MaxRequestsInFlight int
	Timeout             time.Duration
	// ShutdownTimeout bounds graceful shutdown; 0 means
	// DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
}

// Web is Rosetta's HTTP server: the landing page, /metrics, /-/healthy,
// /-/ready and /-/reload.
type Web struct {
	cfg     WebConfig
	handler http.Handler
	ready   atomic.Bool
	logger  *slog.Logger
}

// NewWeb builds the server; it does not listen yet. It is not ready until
// SetReady(true).
func NewWeb(cfg WebConfig) (*Web, error) {
	if cfg.Gatherer == nil {
		return nil, errors.New("web: no gatherer")
	}
	if cfg.TelemetryPath == "" {
		cfg.TelemetryPath = "/metrics"
	}
	if !strings.HasPrefix(cfg.TelemetryPath, "/") {
		return nil, fmt.Errorf("web: telemetry path %q does not start with /", cfg.TelemetryPath)
	}
	if cfg.Flags == nil {
		addrs := []string{":9102"}
		systemd := false
		file := ""
		cfg.Flags = &web.FlagConfig{WebListenAddresses: &addrs, WebSystemdSocket: &systemd, WebConfigFile: &file}
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if cfg.Name == "" {
		cfg.Name = "Rosetta"
	}
	if cfg.Description == "" {
		cfg.Description = "A monitoring adapter: StatsD, JMX and application stats in, one Prometheus /metrics out."
	}
	w := &Web{cfg: cfg, logger: cfg.Logger}
	if w.logger == nil {
		w.logger = slog.New(slog.DiscardHandler)
	}

	mux := http.NewServeMux()
	opts := promhttp.HandlerOpts{
		ErrorLog:            slogErrorLog{w.logger},
		ErrorHandling:       promhttp.ContinueOnError,
		EnableOpenMetrics:   true,
		MaxRequestsInFlight: cfg.MaxRequestsInFlight,
		Timeout:             cfg.Timeout,
	}
	if cfg.Registerer != nil {
		opts.Registry = cfg.Registerer
	}
	var metrics http.Handler = promhttp.HandlerFor(cfg.Gatherer, opts)
	if store, others, ok := splitStore(cfg.Gatherer); ok {
		// Text and OpenMetrics stream the store in chunks; promhttp
		// serves protobuf.
		eh := &exposeHandler{store: store, others: others, fallback: metrics, logger: w.logger}
		if cfg.MaxRequestsInFlight > 0 {
			eh.inFlight = make(chan struct{}, cfg.MaxRequestsInFlight)
		}
		metrics = eh
		if cfg.Timeout > 0 {
			metrics = http.TimeoutHandler(metrics, cfg.Timeout, fmt.Sprintf("Exceeded configured timeout of %v.\n", cfg.Timeout))
		}
	}
	if cfg.Registerer != nil {
		metrics = promhttp.InstrumentMetricHandler(cfg.Registerer, metrics)
	}
	mux.Handle(cfg.TelemetryPath, metrics)
	mux.HandleFunc("/-/healthy", func(rw http.ResponseWriter, r *http.Request) {
		if !getOrHead(rw, r) {
			return
		}
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(rw, "Healthy")
	})
	mux.HandleFunc("/-/ready", func(rw http.ResponseWriter, r *http.Request) {
		if !getOrHead(rw, r) {
			return
		}
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !w.ready.Load() {
			rw.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(rw, "Not ready")
			return
		}
		fmt.Fprintln(rw, "Ready")
	})
	mux.HandleFunc("/-/reload", w.serveReload)
	if cfg.EnablePprof {
		pprofhttp.Register(mux, "/debug/pprof/")
	}
	for pattern, h := range cfg.Handlers {
		switch pattern {
		case cfg.TelemetryPath, "/-/healthy", "/-/ready", "/-/reload", "/":
			return nil, fmt.Errorf("web: extra handler %q would replace a built-in route", pattern)
		}
		mux.Handle(pattern, h)
	}
	if cfg.TelemetryPath != "/" {
		links := append([]web.LandingLinks{{Address: cfg.TelemetryPath, Text: "Metrics"}}, cfg.Links...)
		profiling := "false"
		if cfg.EnablePprof {
			profiling = "true"
		}
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        cfg.Name,
			Description: cfg.Description,
			Version:     cfg.Version,
			Links:       links,
			Profiling:   profiling,
		})
		if err != nil {
			return nil, fmt.Errorf("web: landing page: %w", err)
		}
		mux.Handle("/", landing)
	}
	w.handler = mux
	return w, nil
}

// getOrHead answers 405 to other methods.
func getOrHead(rw http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	rw.Header().Set("Allow", "GET, HEAD")
	http.Error(rw, "Only GET and HEAD requests are allowed", http.StatusMethodNotAllowed)
	return false
}

func (w *Web) serveReload(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		rw.Header().Set("Allow", "POST, PUT")
		http.Error(rw, "This endpoint requires a POST request", http.StatusMethodNotAllowed)
		return
	}
	if w.cfg.Reload == nil {
		http.Error(rw, "Lifecycle API is not enabled (--web.enable-lifecycle)", http.StatusForbidden)
		return
	}
	// A page on another site must not make a visitor's browser reload us:
	// Sec-Fetch-Site or Origin must say the request is same-origin (curl
	// and other non-browser clients send neither; every browser since 2020
	// sends one of them on a cross-site POST). The body is not read and
	// its type does not matter, as in Prometheus and statsd_exporter:
	// `curl -X POST -d ''` and wget --post-data send a form Content-Type.
	if err := reloadCSRF.Check(r); err != nil {
		http.Error(rw, "cross-origin reload refused", http.StatusForbidden)
		return
	}
	if err := w.cfg.Reload(r.Context()); err != nil {
		// The error quotes config text (URLs, paths, values): it goes to
		// the log, not to whoever asked.
		w.logger.Error("reload failed", "err", err)
		http.Error(rw, "failed to reload config; the error is in the log and in rosetta_config_last_reload_successful", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(rw, "Reloaded")
}

// SetReady sets what /-/ready answers (200 when ready, 503 before).
func (w *Web) SetReady(ready bool) { w.ready.Store(ready) }

// Handler returns the routes, for tests and for embedding.
func (w *Web) Handler() http.Handler { return w.handler }

// reloadCSRF refuses cross-origin browser requests (net/http's checks of
// Sec-Fetch-Site and Origin against Host).
var reloadCSRF = http.NewCrossOriginProtection()

// Server timeouts: a client must send its request within ReadTimeout, and
// a response (a large /metrics, a 30 s CPU profile) be written within
// WriteTimeout; idle keep-alive connections close after IdleTimeout.
const (
	serverReadTimeout  = 30 * time.Second
	serverWriteTimeout = 2 * time.Minute
	serverIdleTimeout  = 2 * time.Minute
)

func (w *Web) server() *http.Server {
	return &http.Server{
		Handler:           w.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       serverReadTimeout,
		WriteTimeout:      serverWriteTimeout,
		IdleTimeout:       serverIdleTimeout,
		ErrorLog:          slog.NewLogLogger(w.logger.Handler(), slog.LevelError),
	}
}

// Run listens on the configured addresses (or systemd sockets), with TLS and
// authentication from --web.config.file, until ctx ends; then it shuts down
// gracefully and returns nil. A listen or serve error is returned.
func (w *Web) Run(ctx context.Context) error {
	srv := w.server()
	return w.run(ctx, srv, func() error { return web.ListenAndServe(srv, w.cfg.Flags, w.logger) })
}

// Serve is Run on a listener the caller made (tests, socket activation by
// other means). It closes l.
func (w *Web) Serve(ctx context.Context, l net.Listener) error {
	srv := w.server()
	return w.run(ctx, srv, func() error { return web.Serve(l, srv, w.cfg.Flags, w.logger) })
}

func (w *Web) run(ctx context.Context, srv *http.Server, serve func() error) error {
	errc := make(chan error, 1)
	go func() { errc <- serve() }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("web server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		w.logger.Warn("web server shutdown", "err", err)
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("web server: %w", err)
	}
	return nil
}

// slogErrorLog adapts a slog.Logger to promhttp.Logger.
type slogErrorLog struct{ l *slog.Logger }

func (s slogErrorLog) Println(v ...any) { s.l.Error("metrics handler", "err", fmt.Sprint(v...)) }
