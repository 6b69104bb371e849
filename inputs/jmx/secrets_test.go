package jmx

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/rosetta-adapter/rosetta/inputs"
	itu "github.com/rosetta-adapter/rosetta/internal/testutil"
)

// TestJolokiaPasswordNotLogged: a Jolokia URL with a password is logged on
// every (re)connect and quoted by config errors; neither may show it, and
// neither may the self-metrics.
func TestJolokiaPasswordNotLogged(t *testing.T) {
	const secret = "s3cretPW"
	var calls sync.WaitGroup
	calls.Add(1)
	once := sync.Once{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(calls.Done)
		http.Error(w, "nope", http.StatusInternalServerError)
	}))
	defer srv.Close()
	url := strings.Replace(srv.URL, "http://", "http://admin:"+secret+"@", 1) + "/jolokia"
	var logs itu.Buffer
	cfg := DefaultConfig
	cfg.JolokiaURL = url
	cfg.Interval = 50 * time.Millisecond
	reg := prometheus.NewRegistry()
	drv, err := New(inputs.Settings{Name: "j", Registerer: reg, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- drv.Run(ctx, newFakeAppender()) }()
	calls.Wait()
	itu.Eventually(t, 5*time.Second, "a logged poll", func() bool { return strings.Contains(logs.String(), "admin") })
	cancel()
	<-done //nolint:errcheck // the run's result is not what this test checks
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var metrics bytes.Buffer
	for _, mf := range mfs {
		_, _ = expfmt.MetricFamilyToText(&metrics, mf)
	}
	if strings.Contains(logs.String(), secret) || strings.Contains(metrics.String(), secret) {
		t.Errorf("the password is in the logs or metrics:\n%s\n%s", logs.String(), metrics.String())
	}
	// Config errors quoting the URL.
	bad := cfg
	bad.HostPort = "127.0.0.1:1"
	if err := bad.Validate(); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("config error %v", err)
	}
	bad = DefaultConfig
	bad.JolokiaURL = "ftp://admin:" + secret + "@h/"
	if err := bad.Validate(); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("config error %v", err)
	}
}
