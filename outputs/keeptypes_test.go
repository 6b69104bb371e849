package outputs

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/statsd_exporter/pkg/clock"
	"github.com/prometheus/statsd_exporter/pkg/mapper"
	"github.com/prometheus/statsd_exporter/pkg/registry"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
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
		ttl:   &mapper.MetricMapping{Ttl: time.Second, HistogramOptions: &mapper.HistogramOptions{Buckets: keptTypesBuckets}},
	}
	p.r = registry.NewRegistry(p.reg, m)
	return p
}

// keptTypesBuckets are the histograms' buckets on both sides.
var keptTypesBuckets = []float64{1, 2}

// write records one sample of the type ("counter", "gauge", "histogram",
// "summary") and value and reports whether statsd_exporter's registry
// took it.
func (p *keptTypesPeer) write(typ, name string, labels prometheus.Labels, v float64) bool {
	var err error
	switch typ {
	case "counter":
		var c prometheus.Counter
		if c, err = p.r.GetCounter(name, labels, "h", p.ttl, p.count); err == nil {
			c.Add(v)
		}
	case "gauge":
		var g prometheus.Gauge
		if g, err = p.r.GetGauge(name, labels, "h", p.ttl, p.count); err == nil {
			g.Set(v)
		}
	case "histogram":
		var o prometheus.Observer
		if o, err = p.r.GetHistogram(name, labels, "h", p.ttl, p.count); err == nil {
			o.Observe(v)
		}
	default:
		var o prometheus.Observer
		if o, err = p.r.GetSummary(name, labels, "h", p.ttl, p.count); err == nil {
			o.Observe(v)
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
	return familyList(mfs)
}

func familyList(mfs []*dto.MetricFamily) []string {
	var out []string
	for _, mf := range mfs {
		if len(mf.GetMetric()) > 0 {
			out = append(out, mf.GetName()+" "+strings.ToLower(mf.GetType().String()))
		}
	}
	slices.Sort(out)
	return out
}

// seriesList returns the served series as "name{labels} type value",
// sorted; a summary's value leaves out its quantiles (they are estimates).
func seriesList(mfs []*dto.MetricFamily) []string {
	var out []string
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			out = append(out, fmt.Sprintf("%s{%s} %s %s", mf.GetName(), strings.Join(testutil.Labels(m), ","), strings.ToLower(mf.GetType().String()), testutil.Value(m, false)))
		}
	}
	slices.Sort(out)
	return out
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
		smp.Opts.Observer, smp.Opts.Buckets = normalize.ObserverHistogram, keptTypesBuckets
	default:
		smp.Type = normalize.TypeObserver
		smp.Opts.Observer = normalize.ObserverSummary
		smp.Opts.Objectives = []normalize.Objective{{Quantile: 0.5, Error: 0.05}}
	}
	return smp
}

// registryDifferential drives statsd_exporter's registry and a store with
// KeepExpiredTypes through the same random steps: writes of a random type
// (counter, gauge, histogram, summary: a histogram after a summary of one
// name is an observer_type change), name, label set and value, and clock
// steps of 0.6 s (series have a 1 s ttl: two steps without a write expire
// one) with both sides' expiry. At every step both must take or refuse the
// sample alike, and serve the same families and series with the same
// values (values, when values: else the families only).
//
// The one exception: statsd_exporter's registry takes some samples whose
// family then clashes with a live one through a generated name (a
// histogram x_sum beside a histogram x, registryRefuses), and its
// /metrics fails as a whole (its Gather errs: HTTP 500) while both live.
// At such a step Rosetta serves the rest, and only its own output is
// checked (client_golang's checks pass: Gatherers).
func registryDifferential(t *testing.T, seed uint64, runs, steps int, names []string, labelSets []map[string]string, values bool) {
	start := time.Unix(1e9, 0)
	clock.ClockInstance = &clock.Clock{Instant: start}
	defer func() { clock.ClockInstance = nil }()
	rng := rand.New(rand.NewPCG(seed, 8))
	types := []string{"counter", "gauge", "histogram", "summary"}
	vals := []float64{0.5, 1, 3}
	taken, refused, failed := 0, 0, 0
	for run := range runs {
		now := start
		clock.ClockInstance.Instant = now
		peer := newKeptTypesPeer(t)
		s, _ := newTestStore(t, StoreConfig{Now: func() time.Time { return now }, KeepExpiredTypes: true})
		var log []string
		for step := range steps {
			if rng.IntN(4) == 0 {
				now = now.Add(600 * time.Millisecond)
				clock.ClockInstance.Instant = now
				peer.r.RemoveStaleMetrics()
				s.Expire()
				log = append(log, "expire")
			} else {
				typ, name, lset := types[rng.IntN(len(types))], names[rng.IntN(len(names))], labelSets[rng.IntN(len(labelSets))]
				v := 1.0
				if values {
					v = vals[rng.IntN(len(vals))]
				}
				var ls normalize.Labels
				for k, v := range lset {
					ls = append(ls, normalize.Label{Name: k, Value: v})
				}
				slices.SortFunc(ls, func(a, b normalize.Label) int { return strings.Compare(a.Name, b.Name) })
				smp := keptTypesSample(typ, name, ls)
				smp.Value = v
				want := peer.write(typ, name, lset, v)
				got := s.write(&smp, now.UnixNano()) != nil
				log = append(log, fmt.Sprintf("%s %s %v %g", typ, name, lset, v))
				if got != want {
					t.Fatalf("run %d step %d: store took it: %v, statsd_exporter: %v; steps:\n%s", run, step, got, want, strings.Join(log, "\n"))
				}
				if want {
					taken++
				} else {
					refused++
				}
			}
			mine, err := prometheus.Gatherers{s}.Gather()
			if err != nil {
				t.Fatalf("run %d step %d: the store's output is inconsistent: %v; steps:\n%s", run, step, err, strings.Join(log, "\n"))
			}
			theirs, err := peer.reg.Gather()
			if err != nil {
				failed++ // the exception: statsd_exporter's /metrics fails
				continue
			}
			w, g := familyList(theirs), familyList(mine)
			if values {
				w, g = seriesList(theirs), seriesList(mine)
			}
			if !slices.Equal(w, g) {
				t.Fatalf("run %d step %d: store serves\n%s\nstatsd_exporter\n%s\nsteps:\n%s", run, step, strings.Join(g, "\n"), strings.Join(w, "\n"), strings.Join(log, "\n"))
			}
		}
	}
	t.Logf("%d samples taken, %d refused by both; statsd_exporter's /metrics failed at %d steps", taken, refused, failed)
}

// TestKeepExpiredTypesDifferential: with KeepExpiredTypes, the store takes
// and refuses what statsd_exporter's registry does when names come back
// with another type after their series expired, and serves the same
// families: 200 random runs of 60 steps (writes of four types, two names,
// two label sets; expiries), each step compared.
func TestKeepExpiredTypesDifferential(t *testing.T) {
	registryDifferential(t, 5, 200, 60, []string{"x", "y"}, []map[string]string{nil, {"tag": "a"}}, false)
}

// TestRegistryDifferential: as TestKeepExpiredTypesDifferential, with
// names that clash through generated names in either order (x beside
// x_sum, x_count, x_bucket), label sets that change within a family
// (other label names, other values), observer_type changes, and every
// served series' value compared. (Label sets that differ only by a label
// of empty value are left out: the store refuses the second one,
// duplicate_series, a documented difference.)
func TestRegistryDifferential(t *testing.T) {
	runs := 300
	if testing.Short() {
		runs = 60
	}
	registryDifferential(t, 7, runs, 80,
		[]string{"x", "x_sum", "x_count", "x_bucket", "y"},
		[]map[string]string{nil, {"tag": "a"}, {"tag": "b"}, {"env": "a"}, {"env": "a", "tag": "a"}},
		true)
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

// TestRegistryPairs: every pair of samples of the four types over x,
// x_sum, x_count and x_bucket (no labels), the first live or expired when
// the second comes: the store takes and refuses the second as
// statsd_exporter's registry does, and serves what it serves unless its
// /metrics fails (see registryDifferential).
func TestRegistryPairs(t *testing.T) {
	start := time.Unix(1e9, 0)
	clock.ClockInstance = &clock.Clock{Instant: start}
	defer func() { clock.ClockInstance = nil }()
	types := []string{"counter", "gauge", "histogram", "summary"}
	names := []string{"x", "x_sum", "x_count", "x_bucket"}
	for _, expired := range []bool{false, true} {
		for _, t1 := range types {
			for _, n1 := range names {
				for _, t2 := range types {
					for _, n2 := range names {
						now := start
						clock.ClockInstance.Instant = now
						peer := newKeptTypesPeer(t)
						s, _ := newTestStore(t, StoreConfig{Now: func() time.Time { return now }, KeepExpiredTypes: true})
						first, second := keptTypesSample(t1, n1, nil), keptTypesSample(t2, n2, nil)
						peer.write(t1, n1, nil, 1)
						s.write(&first, now.UnixNano())
						if expired {
							now = now.Add(2 * time.Second)
							clock.ClockInstance.Instant = now
							peer.r.RemoveStaleMetrics()
							s.Expire()
						}
						what := fmt.Sprintf("%s %s (expired: %v), then %s %s", t1, n1, expired, t2, n2)
						want := peer.write(t2, n2, nil, 1)
						if got := s.write(&second, now.UnixNano()) != nil; got != want {
							t.Errorf("%s: store took it: %v, statsd_exporter: %v", what, got, want)
						}
						mine, err := prometheus.Gatherers{s}.Gather()
						if err != nil {
							t.Errorf("%s: the store's output is inconsistent: %v", what, err)
						}
						if theirs, err := peer.reg.Gather(); err == nil && !slices.Equal(seriesList(theirs), seriesList(mine)) {
							t.Errorf("%s: store serves %q, statsd_exporter %q", what, seriesList(mine), seriesList(theirs))
						}
					}
				}
			}
		}
	}
}
