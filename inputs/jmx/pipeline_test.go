package jmx

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/rmi"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestScrapePipelined: with the MBeanInfo cache warm, beans are read in
// pipelined runs (one write for a run's getAttributes calls, or for each
// window of them, the returns read in order). On the real JVM the records and counts are those of one
// call per bean: a reply aborted mid-stream (the Bad bean) or over the
// byte limit leaves the rest of its run unread, and those beans are read
// with calls of their own. scrapeTo hands the records on in bean order,
// in parts, and they are the records scrape returns.
func TestScrapePipelined(t *testing.T) {
	j := startJVM(t, jvmOptions{props: []string{"-Dbeans=300", "-DbeanAttributes=4"}})
	for _, tc := range []struct {
		name     string
		include  []string
		minBeans int
		maxBytes int64
		limited  bool // some replies over the limit
		window   int  // rmi.Options.PipelineBytes
	}{
		{name: "default limits", include: []string{"com.example:*", "com.example.bulk:*"}, minBeans: 303},
		// A run's calls written in windows of one call each.
		{name: "windows of one call", include: []string{"com.example:*", "com.example.bulk:*"}, minBeans: 303, window: 1},
		// The four application beans make one run; the Types bean's reply
		// is over the limit.
		{name: "replies over the byte limit", include: []string{"com.example:*"}, minBeans: 3, maxBytes: 3000, limited: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mod := func(o *rmi.Options) {
				o.MaxConns = 2
				o.PipelineBytes = tc.window
				if tc.maxBytes > 0 {
					o.Limits = javaser.DefaultLimits
					o.Limits.MaxBytes = tc.maxBytes
				}
			}
			one := &scraper{client: dialTest(t, j, mod), exporter: &Exporter{}, include: tc.include, workers: 2, noPipeline: true}
			piped := &scraper{client: dialTest(t, j, mod), exporter: &Exporter{}, include: tc.include, workers: 2}
			ctx := ctxT(t)
			for _, s := range []*scraper{one, piped} {
				if _, _, err := s.scrape(ctx); err != nil { // MBeanInfo cache
					t.Fatal(err)
				}
			}
			want, wantSt, err := one.scrape(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var parts [][]normalize.Record
			gotSt, err := piped.scrapeTo(ctx, func(recs []normalize.Record) { parts = append(parts, slices.Clone(recs)) })
			if err != nil {
				t.Fatal(err)
			}
			got := slices.Concat(parts...)
			if wantSt.beans < tc.minBeans || wantSt.attrErrors != 2 || (wantSt.limited > 0) != tc.limited {
				t.Fatalf("one call per bean: stats %+v", wantSt)
			}
			if gotSt.pipelined < gotSt.beans/2 || wantSt.pipelined != 0 {
				t.Errorf("%d of %d beans read pipelined (one call per bean: %d)", gotSt.pipelined, gotSt.beans, wantSt.pipelined)
			}
			wantSt.pipelined = gotSt.pipelined
			if gotSt != wantSt {
				t.Errorf("stats: pipelined %+v, one call per bean %+v", gotSt, wantSt)
			}
			if diff := cmp.Diff(formatRecords(want), formatRecords(got)); diff != "" {
				t.Errorf("records (-one call per bean +pipelined):\n%s", diff)
			}
			if len(got) > emitRecords && len(parts) < 2 {
				t.Errorf("%d records handed on in %d parts", len(got), len(parts))
			}
			for _, p := range parts {
				if len(p) == 0 {
					t.Error("an empty part")
				}
			}
			// The session stays usable.
			if _, _, err := piped.scrape(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestDriverReleasesSourceOnCancel: a poll whose records are going to the
// store in parts holds its source there; when Run ends mid-poll the
// source is released (a reloaded driver for the same target would wait
// for it forever otherwise).
func TestDriverReleasesSourceOnCancel(t *testing.T) {
	j := startJVM(t, jvmOptions{props: []string{"-Dbeans=3000"}})
	cfg := DefaultConfig
	cfg.HostPort = "127.0.0.1:" + itoa(j.port)
	cfg.Interval = time.Minute
	cfg.Timeout = 30 * time.Second
	drv, err := New(inputs.Settings{Name: "jmx", Registerer: prometheus.NewRegistry()}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	sink := &partsSink{first: make(chan struct{})}
	rs, err := normalize.NewRuleSet(normalize.RuleSetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	p := normalize.NewPipeline(normalize.PipelineSettings{Sink: sink}, rs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- drv.Run(ctx, p) }()
	select {
	case <-sink.first:
	case <-time.After(60 * time.Second):
		t.Fatal("no part written")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if !sink.mu.TryLock() {
		t.Fatal("the source is still held after Run returned")
	}
	sink.mu.Unlock()
}

// partsSink is a ReplaceSink that, like the store, holds its source from
// BeginReplace to End, and reports the first part written.
type partsSink struct {
	mu    sync.Mutex
	first chan struct{}
	once  sync.Once
}

func (s *partsSink) Write([]normalize.Sample) {}

func (s *partsSink) Replace(string, []normalize.Sample) {
	s.mu.Lock()
	defer s.mu.Unlock()
}

func (s *partsSink) BeginReplace(string) normalize.SinkReplacement {
	s.mu.Lock()
	return partsReplacement{s}
}

type partsReplacement struct{ s *partsSink }

func (r partsReplacement) Write(batch []normalize.Sample) {
	if len(batch) > 0 {
		r.s.once.Do(func() { close(r.s.first) })
	}
}

func (r partsReplacement) End() { r.s.mu.Unlock() }
