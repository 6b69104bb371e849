package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/internal/selfmetric"
)

// reloadMetrics are the config reload self-metrics.
type reloadMetrics struct {
	lastSuccessful prometheus.Gauge
	lastSuccessTS  prometheus.Gauge
	reloads        *prometheus.CounterVec
}

func newReloadMetrics(reg prometheus.Registerer) *reloadMetrics {
	f := selfmetric.With(reg)
	m := &reloadMetrics{
		lastSuccessful: f.Gauge("rosetta_config_last_reload_successful", "Whether the last configuration reload attempt was successful."),
		lastSuccessTS:  f.Gauge("rosetta_config_last_reload_success_timestamp_seconds", "Timestamp of the last successful configuration reload."),
		reloads:        f.CounterVec("rosetta_config_reloads_total", "Configuration reload attempts, by result.", "result"),
	}
	m.reloads.WithLabelValues("success")
	m.reloads.WithLabelValues("failure")
	return m
}

func (m *reloadMetrics) observe(err error) {
	if err != nil {
		m.lastSuccessful.Set(0)
		m.reloads.WithLabelValues("failure").Inc()
		return
	}
	m.lastSuccessful.Set(1)
	m.lastSuccessTS.Set(float64(time.Now().UnixNano()) / 1e9)
	m.reloads.WithLabelValues("success").Inc()
}

// reloadLoop serializes reloads from SIGHUP, POST /-/reload and the file
// watcher: each request is a channel on which the result is sent back.
func reloadLoop(ctx context.Context, logger *slog.Logger, requests chan chan error, reload func(context.Context) error, m *reloadMetrics) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	do := func(source string) error {
		err := reload(ctx)
		m.observe(err)
		if err != nil {
			logger.Error("reload failed; the previous configuration keeps running", "source", source, "err", err)
		} else {
			logger.Info("configuration reloaded", "trigger", source)
		}
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			_ = do("SIGHUP")
		case reply := <-requests:
			reply <- do("request")
		}
	}
}

// requestReload asks the reload loop for a reload and waits for its result.
func requestReload(ctx context.Context, requests chan chan error) error {
	reply := make(chan error, 1)
	select {
	case requests <- reply:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
