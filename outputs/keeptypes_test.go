package outputs

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/statsd_exporter/pkg/clock"
	"github.com/prometheus/statsd_exporter/pkg/mapper"
	"github.com/prometheus/statsd_exporter/pkg/registry"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// keptTypesPeer is statsd_exporter's registry with a clock of its own.
type keptTypesPeer struct {
	reg   *prometheus.Registry
	r     *registry.Registry
	count *prometheus.GaugeVec
	ttl   *mapper.MetricMapping
}

func newKeptTypesPeer(t *testing.T) *keptTypesPeer {
	m := &mapper.MetricMapper{}
	if err := m.InitFromYAMLString(""); err != nil {
		t.Fatal(err)
	}
	p := &keptTypesPeer{
		reg:   prometheus.NewRegistry(),
		count: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "statsd_exporter_metrics_total"}, []string{"type"}),
		ttl:   &mapper.MetricMapping{Ttl: time.Second},
	}
	p.r = registry.NewRegistry(p.reg, m)
	return p
}

// write records one sample of the type ("counter", "gauge", "histogram",
// "summary") and reports whether statsd_exporter's registry took it.
func (p *keptTypesPeer) write(typ, name string, labels prometheus.Labels) bool {
	var err error
	switch typ {
	case "counter":
		var c prometheus.Counter
		if c, err = p.r.GetCounter(name, labels, "h", p.ttl, p.count); err == nil {
			c.Add(1)
		}
	case "gauge":
		var g prometheus.Gauge
		if g, err = p.r.GetGauge(name, labels, "h", p.ttl, p.count); err == nil {
			g.Set(1)
		}
	case "histogram":
		var o prometheus.Observer
		if o, err = p.r.GetHistogram(name, labels, "h", p.ttl, p.count); err == nil {
			o.Observe(1)
		}
	default:
		var o prometheus.Observer
		if o, err = p.r.GetSummary(name, labels, "h", p.ttl, p.count); err == nil {
			o.Observe(1)
		}
	}
	return err == nil
}

// families returns the served families as "name type", sorted.
func families(t *testing.T, g prometheus.Gatherer) []string {
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		if len(mf.GetMetric()) > 0 {
			out = append(out, mf.GetName()+" "+strings.ToLower(mf.GetType().String()))
		}
	}
	slices.Sort(out)
	return out
}

// liveSeries reports whether the store has a series of name and labels.
func liveSeries(s *Store, name string, ls normalize.Labels) bool {
	h := hashSeries(name, ls)
	sh := &s.shards[h%numShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for se := sh.series[h]; se != nil; se = se.next {
		if se.fam.name == name && sameLabels(se.labels, ls) {
			return true
		}
	}
	return false
}

func keptTypesSample(typ, name string, labels normalize.Labels) normalize.Sample {
	smp := normalize.Sample{Name: name, Labels: labels, Value: 1, Opts: &normalize.SeriesOptions{TTL: time.Second}}
	switch typ {
	case "counter":
		smp.Type, smp.Delta = normalize.TypeCounter, true
	case "gauge":
		smp.Type = normalize.TypeGauge
	case "histogram":
		smp.Type = normalize.TypeObserver
		smp.Opts.Observer, smp.Opts.Buckets = normalize.ObserverHistogram, []float64{1, 2}
	default:
		smp.Type = normalize.TypeObserver
		smp.Opts.Observer = normalize.ObserverSummary
		smp.Opts.Objectives = []normalize.Objective{{Quantile: 0.5, Error: 0.05}}
	}
	return smp
}

// TestKeepExpiredTypesDifferential: with KeepExpiredTypes, the store takes
// and refuses what statsd_exporter's registry does when names come back
// with another type after their series expired, and serves the same
// families: 200 random runs of 60 steps (writes of four types, two names,
// two label sets; expiries), each step compared.
func TestKeepExpiredTypesDifferential(t *testing.T) {
	start := time.Unix(1e9, 0)
	clock.ClockInstance = &clock.Clock{Instant: start}
	defer func() { clock.ClockInstance = nil }()
	rng := rand.New(rand.NewPCG(5, 8))
	types := []string{"counter", "gauge", "histogram", "summary"}
	names := []string{"x", "y"}
	labelSets := []map[string]string{nil, {"tag": "a"}}
	taken, refused := 0, 0
	for run := range 200 {
		now := start
		clock.ClockInstance.Instant = now
		peer := newKeptTypesPeer(t)
		s, _ := newTestStore(t, StoreConfig{Now: func() time.Time { return now }, KeepExpiredTypes: true})
		var log []string
		for step := range 60 {
			if rng.IntN(4) == 0 {
				now = now.Add(2 * time.Second)
				clock.ClockInstance.Instant = now
				peer.r.RemoveStaleMetrics()
				s.Expire()
				log = append(log, "expire")
				continue
			}
			typ, name, lset := types[rng.IntN(len(types))], names[rng.IntN(len(names))], labelSets[rng.IntN(len(labelSets))]
			var ls normalize.Labels
			for k, v := range lset {
				ls = append(ls, normalize.Label{Name: k, Value: v})
			}
			smp := keptTypesSample(typ, name, ls)
			// An observation into a live series of the other observer
			// type is added to it, where statsd_exporter refuses it
			// (docs/store.md): the series are the same.
			other := smp.Type == normalize.TypeObserver && liveSeries(s, name, ls)
			want := peer.write(typ, name, lset)
			got := s.write(&smp, now.UnixNano()) != nil
			log = append(log, fmt.Sprintf("%s %s%v", typ, name, lset))
			if got != want && !(other && got) {
				t.Fatalf("run %d step %d: store took it: %v, statsd_exporter: %v; steps:\n%s", run, step, got, want, strings.Join(log, "\n"))
			}
			if want {
				taken++
			} else {
				refused++
			}
			if w, g := families(t, peer.reg), families(t, s); !slices.Equal(w, g) {
				t.Fatalf("run %d step %d: store serves %q, statsd_exporter %q; steps:\n%s", run, step, g, w, strings.Join(log, "\n"))
			}
		}
	}
	t.Logf("%d samples taken, %d refused by both", taken, refused)
}

// TestKeepExpiredTypes: a kept type also holds the names a histogram or
// summary generates, as a live family does; without KeepExpiredTypes (or
// after switching it off) an expired name is free for any type.
func TestKeepExpiredTypes(t *testing.T) {
	now := time.Unix(1e9, 0)
	for _, tc := range []struct {
		keep        bool
		first, then string // "type name"
		taken       bool
	}{
		{true, "counter x", "gauge x", false},
		{true, "counter x", "counter x", true},
		{true, "histogram x", "counter x_sum", false},
		{true, "histogram x", "gauge x_bucket", false},
		{true, "counter x_count", "summary x", false},
		{true, "summary x", "gauge x_total", true},
		{false, "counter x", "gauge x", true},
		{false, "histogram x", "counter x_sum", true},
	} {
		s, _ := newTestStore(t, StoreConfig{Now: func() time.Time { return now }, KeepExpiredTypes: true})
		s.SetKeepExpiredTypes(tc.keep)
		typ, name, _ := strings.Cut(tc.first, " ")
		smp := keptTypesSample(typ, name, nil)
		if s.write(&smp, now.UnixNano()) == nil {
			t.Fatalf("%s: refused", tc.first)
		}
		now = now.Add(2 * time.Second)
		if n := s.Expire(); n != 1 {
			t.Fatalf("%s: %d expired", tc.first, n)
		}
		typ, name, _ = strings.Cut(tc.then, " ")
		smp = keptTypesSample(typ, name, nil)
		if got := s.write(&smp, now.UnixNano()) != nil; got != tc.taken {
			t.Errorf("keep %v: %s expired, then %s taken: %v, want %v", tc.keep, tc.first, tc.then, got, tc.taken)
		}
		if _, kept := s.expiredTypes.get(name); tc.taken && kept {
			t.Errorf("keep %v: %s expired, then %s: kept types %v", tc.keep, tc.first, tc.then, s.expiredTypes.cur)
		}
	}
}

// TestKeepExpiredTypesBounded: names that expire come from the network, so
// the kept types are bounded in names and in bytes of names: a flood of
// unique names that expire forgets the oldest kept name (free for any type
// again), while a name that keeps coming back with another type stays
// kept, and so does the flood's last name.
func TestKeepExpiredTypesBounded(t *testing.T) {
	for _, tc := range []struct {
		what   string
		names  int
		length int
	}{
		{"names", 2*maxKeptTypes + 1, 8},
		{"bytes", 2*maxKeptTypeBytes/(60<<10) + 1, 60 << 10},
	} {
		now := time.Unix(1e9, 0)
		s, _ := newTestStore(t, StoreConfig{Now: func() time.Time { return now }, KeepExpiredTypes: true})
		write := func(typ, name string) bool {
			smp := keptTypesSample(typ, name, nil)
			return s.write(&smp, now.UnixNano()) != nil
		}
		expire := func() {
			now = now.Add(2 * time.Second)
			s.Expire()
		}
		write("counter", "first")
		write("counter", "hot")
		expire()
		pad := strings.Repeat("x", tc.length-8)
		last := ""
		for i := range tc.names {
			last = fmt.Sprintf("n%07d%s", i, pad)
			if !write("counter", last) {
				t.Fatalf("%s: %s refused", tc.what, last)
			}
			if i%(tc.names/8) == 0 {
				expire()
				if write("gauge", "hot") {
					t.Fatalf("%s: after %d names: a gauge took hot, a counter's expired name", tc.what, i)
				}
			}
		}
		expire()
		if k := &s.expiredTypes; len(k.cur) > maxKeptTypes || len(k.old) > maxKeptTypes || k.curBytes > maxKeptTypeBytes {
			t.Errorf("%s: kept %d + %d names, %d bytes in the newer", tc.what, len(k.cur), len(k.old), k.curBytes)
		}
		if !write("gauge", "first") {
			t.Errorf("%s: %d names expired after first, a counter: a gauge first still refused", tc.what, tc.names)
		}
		if write("gauge", "hot") {
			t.Errorf("%s: a gauge took hot, a counter's expired name, looked up all along", tc.what)
		}
		if write("gauge", last) {
			t.Errorf("%s: a gauge took the last expired counter's name", tc.what)
		}
	}
}

// TestKeepExpiredTypesPulled: a family a pull source made (Replace) leaves
// no type when its series expire (a ttl longer than the polls apart): its
// peer (jmx_exporter, json_exporter) never locks a name's type, so the
// source's next poll may give the name another type. A pushed family's
// type is kept beside it.
func TestKeepExpiredTypesPulled(t *testing.T) {
	now := time.Unix(1e9, 0)
	s, _ := newTestStore(t, StoreConfig{Now: func() time.Time { return now }, KeepExpiredTypes: true})
	pushed := keptTypesSample("counter", "pushed", nil)
	s.Write([]normalize.Sample{pushed})
	s.Replace("target", []normalize.Sample{keptTypesSample("counter", "pulled", nil)})
	now = now.Add(2 * time.Second)
	if n := s.Expire(); n != 2 {
		t.Fatalf("%d expired, want 2", n)
	}
	s.Replace("target", []normalize.Sample{keptTypesSample("gauge", "pulled", nil)})
	s.Write([]normalize.Sample{keptTypesSample("gauge", "pushed", nil)})
	if got, want := families(t, s), []string{"pulled gauge"}; !slices.Equal(got, want) {
		t.Errorf("serves %q, want %q (the pushed counter's type kept)", got, want)
	}
}
