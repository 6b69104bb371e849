package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/rosetta-adapter/rosetta/internal/watch"
	"github.com/rosetta-adapter/rosetta/outputs"
	"github.com/rosetta-adapter/rosetta/outputs/remotewrite"
)

// runAdapter runs Rosetta until ctx ends.
func runAdapter(ctx context.Context, logger *slog.Logger, f *runFlags, webFlags *web.FlagConfig) error {
	logger.Info("starting rosetta", "version", version.Info(), "build_context", version.BuildContext())
	workers := tuneRuntime(logger)
	f.statsd.warnUnsupported(logger)

	registry, err := newInputRegistry()
	if err != nil {
		return err
	}
	loaded, err := loadConfig(f, registry, logger)
	if err != nil {
		return fmt.Errorf("loading configuration: %w", err)
	}

	self := prometheus.NewRegistry()
	self.MustRegister(
		versioncollector.NewCollector("rosetta"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	// Mapped series must never shadow the runtime and build families.
	reserved, err := outputs.FamilyNames(self)
	if err != nil {
		return err
	}
	store, err := outputs.NewStore(outputs.StoreConfig{
		ReservedNames: reserved,
		SeriesLimit:   loaded.global.SeriesLimit,
		DefaultTTL:    loaded.global.TTL,
		// statsd_exporter never forgets a name's type
		KeepExpiredTypes: loaded.dropIn != "",
		Registerer:       self,
		Logger:           logger.With("component", "store"),
	})
	if err != nil {
		return err
	}
	// Mapped series must not shadow the families of an exporter an input
	// stands in for, either.
	store.SetPeerNames(loaded.peerNames())
	mgr := newManager(logger, store, self)
	mgr.workers = workers
	reloadM := newReloadMetrics(self)
	// jmx_exporter's own families, for the input that stands in for it.
	jmxP := newJMXPeer(mgr, loaded)
	self.MustRegister(jmxP)
	// statsd_exporter's own families, for the input that stands in for it.
	self.MustRegister(newPeerStatsd(mgr, store, reloadM, &f.statsd))
	// Remote write sends what /metrics shows.
	rw := remotewrite.NewManager(logger.With("component", "remote_write"), outputs.Gatherers{self, mgr, store}, self)

	// The running configuration; reloads replace it only when the new one
	// is built completely.
	var mu sync.Mutex
	current := loaded
	reload := func(ctx context.Context) error {
		next, err := loadConfig(f, registry, logger)
		if err != nil {
			return err
		}
		// Outputs are built first: a reload that fails changes nothing.
		rwPlan, err := rw.Prepare(next.remoteWrite)
		if err != nil {
			return err
		}
		if err := mgr.apply(ctx, next.specs); err != nil {
			return err
		}
		rw.Commit(rwPlan)
		store.SetSeriesLimit(next.global.SeriesLimit)
		store.SetDefaultTTL(next.global.TTL)
		store.SetKeepExpiredTypes(next.dropIn != "")
		store.SetPeerNames(next.peerNames())
		mu.Lock()
		current = next
		mu.Unlock()
		return nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := mgr.apply(ctx, current.specs); err != nil {
		return err
	}
	if err := rw.Apply(current.remoteWrite); err != nil {
		return err
	}
	defer rw.Stop()
	reloadM.observe(nil)
	defer mgr.stop()

	pages := newPageReleaser(f.releasePages)
	requests := make(chan chan error)
	// POST /-/reload only with --web.enable-lifecycle, as statsd_exporter;
	// SIGHUP and file watching always reload.
	var reloadFn func(context.Context) error
	if f.enableLife {
		reloadFn = func(ctx context.Context) error { return requestReload(ctx, requests) }
	}
	page := mappingsPage(mgr, store) // one request limit for both routes
	w, err := outputs.NewWeb(outputs.WebConfig{
		Flags:         webFlags,
		TelemetryPath: f.telemetryPath,
		Gatherer:      outputs.Gatherers{self, mgr, store},
		Registerer:    self,
		Reload:        reloadFn,
		Handlers: map[string]http.Handler{
			"/mappings":        page,
			"/api/v1/mappings": page,
		},
		Links:       []web.LandingLinks{{Address: "/mappings", Text: "Mappings"}},
		Name:        "Rosetta",
		Description: "StatsD, JMX and application stats in; one Prometheus /metrics out.",
		Version:     version.Info(),
		EnablePprof: f.pprof,
		Logger:      logger.With("component", "web"),
	})
	if err != nil {
		return err
	}

	watcher := watch.New(logger.With("component", "watch"), current.files, f.watchInterval)

	var wg sync.WaitGroup
	errc := make(chan error, 3)
	if f.watchInterval > 0 {
		wg.Go(func() {
			watcher.Run(ctx, func() {
				if err := requestReload(ctx, requests); err == nil {
					mu.Lock()
					watcher.SetPaths(current.files)
					mu.Unlock()
				}
			})
		})
	}
	wg.Go(func() {
		if err := store.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			errc <- fmt.Errorf("store: %w", err)
		}
	})
	reloadAndRelease := func(ctx context.Context) error {
		changed := jmxP.reloading() // jmx_exporter counts reloads of its file
		err := reload(ctx)
		var next *loadedConfig
		if err == nil {
			mu.Lock()
			next = current
			mu.Unlock()
		}
		jmxP.reloaded(changed, next)
		pages.kick()
		return err
	}
	wg.Go(func() { reloadLoop(ctx, logger, requests, reloadAndRelease, reloadM) })
	wg.Go(func() {
		if err := w.Run(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("web server: %w", err)
		}
	})
	w.SetReady(true)
	pages.kick()
	wg.Go(func() { pages.run(ctx, logger) })

	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case runErr = <-errc:
	}
	cancel()
	wg.Wait()
	return runErr
}
