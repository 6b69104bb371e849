package outputs

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beorn7/perks/quantile"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestSummaryMatchesClientGolang feeds the same observations to the
// compact summary and to client_golang's (which statsd_exporter uses) and
// expects the same count, sum and quantiles after every scrape, below and
// above perks' buffer size, with scrapes interleaved. All of it runs well
// inside one age bucket (2 minutes), where client_golang's own clock does
// not matter.
func TestSummaryMatchesClientGolang(t *testing.T) {
	custom := []normalize.Objective{{Quantile: 0.25, Error: 0.02}, {Quantile: 0.5, Error: 0.05}, {Quantile: 0.75, Error: 0.02}, {Quantile: 0.999, Error: 0.0001}}
	for _, objs := range [][]normalize.Objective{nil, custom} {
		for _, n := range []int{1, 2, 3, 10, 499, 500, 501, 1234, 5000} {
			t.Run(fmt.Sprintf("objectives=%d/n=%d", len(objs), n), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(n), 7))
				o := &normalize.SeriesOptions{Observer: normalize.ObserverSummary, Objectives: objs}
				mine := newSummary(o, 0)
				targets := map[float64]float64{}
				for _, q := range objs {
					targets[q.Quantile] = q.Error
				}
				if len(targets) == 0 {
					targets = map[float64]float64{0.5: 0.05, 0.9: 0.01, 0.99: 0.001}
				}
				theirs := prometheus.NewSummary(prometheus.SummaryOpts{Name: "x", Help: "x", Objectives: targets})
				scrapeEvery := max(n/4, 1)
				for i := range n {
					v := math.Round(rng.ExpFloat64()*1000) / 10
					mine.observe(v, 1, int64(i))
					theirs.Observe(v)
					if (i+1)%scrapeEvery == 0 || i == n-1 {
						var got, want dto.Metric
						mine.write(&got, newArena(1), int64(i))
						if err := theirs.Write(&want); err != nil {
							t.Fatal(err)
						}
						if diff := cmp.Diff(summaryString(want.Summary), summaryString(got.Summary)); diff != "" {
							t.Fatalf("after %d observations (-client_golang +rosetta):\n%s", i+1, diff)
						}
					}
				}
			})
		}
	}
}

func summaryString(s *dto.Summary) []string {
	out := []string{fmt.Sprintf("count=%d sum=%g", s.GetSampleCount(), s.GetSampleSum())}
	for _, q := range s.Quantile {
		out = append(out, fmt.Sprintf("q%g=%g", q.GetQuantile(), q.GetValue()))
	}
	return out
}

// TestSummaryWindow checks the sliding window: with MaxAge 10m in 5 age
// buckets an observation counts for the quantiles for 8 to 10 minutes.
func TestSummaryWindow(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	s, _ := newTestStore(t, StoreConfig{Now: clk.now})
	o := &normalize.SeriesOptions{Observer: normalize.ObserverSummary, Objectives: []normalize.Objective{{Quantile: 0.5, Error: 0.05}}}
	quantile := func() (float64, uint64) {
		t.Helper()
		mfs, err := s.Gather()
		if err != nil || len(mfs) != 1 {
			t.Fatalf("Gather: %v, %v", mfs, err)
		}
		sm := mfs[0].Metric[0].GetSummary()
		return sm.Quantile[0].GetValue(), sm.GetSampleCount()
	}
	s.Write([]normalize.Sample{observe("s", 100, o)})
	clk.advance(5 * time.Minute)
	s.Write([]normalize.Sample{observe("s", 7, o)})
	if q, _ := quantile(); q != 7 {
		t.Errorf("at 5m: median %v, want 7 (of 100 and 7)", q)
	}
	clk.advance(4*time.Minute + 59*time.Second)
	if q, _ := quantile(); q != 7 {
		t.Errorf("at 9m59s: median %v, want 7", q)
	}
	clk.advance(2 * time.Second) // 10m01s: the first observation has left the window
	if q, n := quantile(); q != 7 || n != 2 {
		t.Errorf("at 10m01s: median %v, count %d, want 7 and 2", q, n)
	}
	clk.advance(10 * time.Minute)
	if q, n := quantile(); !math.IsNaN(q) || n != 2 {
		t.Errorf("at 20m01s: median %v, count %d, want NaN and 2", q, n)
	}
}

// TestSummaryNoObjectives: an empty objectives list from a rule means the
// defaults; a summary with quantiles only comes from the options.
func TestSummaryDefaults(t *testing.T) {
	sm := newSummary(nil, 0)
	if diff := cmp.Diff([]float64{0.5, 0.9, 0.99}, sm.shape.quantiles); diff != "" {
		t.Errorf("default quantiles (-want +got):\n%s", diff)
	}
	if got := sm.shape.ageBuckets; got != prometheus.DefAgeBuckets {
		t.Errorf("age buckets: got %d, want %d", got, prometheus.DefAgeBuckets)
	}
	if got, want := time.Duration(sm.shape.streamDur), prometheus.DefMaxAge/prometheus.DefAgeBuckets; got != want {
		t.Errorf("stream duration: got %v, want %v", got, want)
	}
}

// refSummary is the plain model of client_golang's sliding window that the
// compact summary must agree with: one list of values per age bucket, each
// a perks stream from perksBuffer values on, the head reset and the next
// one made head every streamDur.
type refSummary struct {
	targets map[float64]float64
	buckets [][]float64
	perks   []*quantile.Stream
	head    int
	exp     int64
	dur     int64
}

func (r *refSummary) advance(now int64) {
	for now > r.exp {
		r.buckets[r.head], r.perks[r.head] = nil, nil
		r.head = (r.head + 1) % len(r.buckets)
		r.exp += r.dur
	}
}

func (r *refSummary) observe(v float64, now int64) {
	r.advance(now)
	for i := range r.buckets {
		if r.perks[i] != nil {
			r.perks[i].Insert(v)
			continue
		}
		r.buckets[i] = append(r.buckets[i], v)
		if len(r.buckets[i]) == perksBuffer {
			r.perks[i] = quantile.NewTargeted(r.targets)
			for _, x := range r.buckets[i] {
				r.perks[i].Insert(x)
			}
			r.buckets[i] = nil
		}
	}
}

func (r *refSummary) query(q float64, now int64) float64 {
	r.advance(now)
	if p := r.perks[r.head]; p != nil {
		return p.Query(q)
	}
	vs := slices.Sorted(slices.Values(r.buckets[r.head]))
	if len(vs) == 0 {
		return math.NaN()
	}
	return vs[max(int(math.Ceil(float64(len(vs))*q))-1, 0)]
}

// TestSummaryBucketsMatchModel drives the compact summary and the plain
// model through the same observations and clock, with quiet spells shorter
// and longer than a bucket and than the whole window, and rates below and
// above perks' buffer per bucket, and compares every quantile at every
// scrape.
func TestSummaryBucketsMatchModel(t *testing.T) {
	const minute = int64(time.Minute)
	objs := []normalize.Objective{{Quantile: 0.5, Error: 0.05}, {Quantile: 0.9, Error: 0.01}, {Quantile: 0.99, Error: 0.001}}
	for _, tc := range []struct {
		name       string
		buckets    uint32
		perMinute  int   // observations per simulated minute
		gapMinutes []int // quiet spells, in turn
	}{
		{"sparse", 5, 3, []int{0, 1, 3}},
		{"long gaps", 5, 7, []int{0, 11, 25, 2}},
		{"one bucket", 1, 20, []int{0, 4, 9}},
		{"two buckets", 2, 40, []int{0, 3}},
		{"busy", 5, 180, []int{0, 1, 0}},
		{"crosses perks' buffer", 3, 260, []int{0, 2, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &normalize.SeriesOptions{Observer: normalize.ObserverSummary, Objectives: objs, MaxAge: 10 * time.Minute, AgeBuckets: tc.buckets}
			mine := newSummary(o, 0)
			dur := int64(10*time.Minute) / int64(tc.buckets)
			ref := &refSummary{targets: mine.shape.targets, buckets: make([][]float64, tc.buckets), perks: make([]*quantile.Stream, tc.buckets), exp: dur, dur: dur}
			rng := rand.New(rand.NewPCG(uint64(tc.perMinute), uint64(tc.buckets)))
			now := int64(0)
			for minuteNo := range 60 {
				now += int64(tc.gapMinutes[minuteNo%len(tc.gapMinutes)]) * minute
				for i := range tc.perMinute {
					v := math.Round(rng.ExpFloat64()*1000) / 10
					at := now + int64(i)*minute/int64(tc.perMinute)
					mine.observe(v, 1, at)
					ref.observe(v, at)
				}
				now += minute
				var got dto.Metric
				mine.write(&got, newArena(1), now)
				for i, q := range got.Summary.Quantile {
					want := ref.query(objs[i].Quantile, now)
					if g := q.GetValue(); g != want && !(math.IsNaN(g) && math.IsNaN(want)) {
						t.Fatalf("minute %d, q%g: got %v, want %v", minuteNo, q.GetQuantile(), g, want)
					}
				}
			}
		})
	}
}

// BenchmarkSummaryWrite is one summary's part of a scrape after new
// observations: its quantiles from n values (perks' exact answers before
// its first flush), the kept ones voided at each write.
func BenchmarkSummaryWrite(b *testing.B) {
	for _, n := range []int{3, 60, 499} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := newSummary(nil, 0)
			r := rand.New(rand.NewPCG(1, 2))
			for range n {
				s.observe(r.Float64()*1000, 1, 0)
			}
			a := newArena(1)
			var m dto.Metric
			b.ReportAllocs()
			for i := range b.N {
				if i%1024 == 0 {
					a.reset()
				}
				s.qOK = false
				s.write(&m, a, 0)
			}
		})
	}
}

// TestSummaryRepeatsAndNonFinite compares with client_golang's summary
// (statsd_exporter's) when values repeat (a sampled StatsD timer, which
// statsd_exporter observes int(1/rate) times) and when values are NaN or
// infinite: count, sum and quantiles alike, scraped once at the end (with
// NaN among them, perks' answer depends on when its buffer was sorted).
func TestSummaryRepeatsAndNonFinite(t *testing.T) {
	targets := map[float64]float64{0.5: 0.05, 0.9: 0.01, 0.99: 0.001}
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	for _, n := range []int{1, 5, 12, 13, 40, 499, 700} {
		for _, reps := range []int{1, 3, 250, maxSummaryInserts} {
			t.Run(fmt.Sprintf("values=%d/repeat=%d", n, reps), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(n), uint64(reps)))
				mine := newSummary(&normalize.SeriesOptions{Observer: normalize.ObserverSummary}, 0)
				theirs := prometheus.NewSummary(prometheus.SummaryOpts{Name: "x", Help: "x", Objectives: targets})
				for range n {
					v := math.Round(rng.ExpFloat64()*1000) / 1000
					if rng.IntN(5) == 0 {
						v = special[rng.IntN(len(special))]
					}
					r := 1
					if rng.IntN(3) == 0 {
						r = reps
					}
					mine.observe(v, uint64(r), 0)
					for range r {
						theirs.Observe(v)
					}
				}
				var got, want dto.Metric
				mine.write(&got, newArena(1), 0)
				if err := theirs.Write(&want); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(summaryString(want.Summary), summaryString(got.Summary)); diff != "" {
					t.Fatalf("(-client_golang +rosetta):\n%s", diff)
				}
			})
		}
	}
}

// TestSummaryManyRepeats checks a value repeated more often than the
// quantile streams take one by one: count and sum are exact, and the
// value carries its whole weight in the quantiles.
func TestSummaryManyRepeats(t *testing.T) {
	s, reg := newTestStore(t, StoreConfig{})
	o := &normalize.SeriesOptions{Observer: normalize.ObserverSummary}
	smp := func(v float64, n uint32) normalize.Sample {
		return normalize.Sample{Name: "t", Type: normalize.TypeObserver, Value: v, Repeat: n, Opts: o}
	}
	for range 10 {
		s.Write([]normalize.Sample{smp(0.5, 1)})
	}
	s.Write([]normalize.Sample{smp(0.001, 1_000_000)})
	mfs, err := s.Gather()
	if err != nil || len(mfs) != 1 {
		t.Fatalf("Gather: %v, %v", mfs, err)
	}
	sm := mfs[0].Metric[0].GetSummary()
	if got, want := sm.GetSampleCount(), uint64(1_000_010); got != want {
		t.Errorf("count %d, want %d", got, want)
	}
	if got, want := sm.GetSampleSum(), naiveAdd(naiveAdd(0, 0.5, 10), 0.001, 1_000_000); got != want {
		t.Errorf("sum %v, want %v", got, want)
	}
	for _, q := range sm.Quantile {
		if q.GetValue() != 0.001 {
			t.Errorf("quantile %g = %g, want 0.001", q.GetQuantile(), q.GetValue())
		}
	}
	// A histogram's repeats all go to their bucket: none merged.
	s.Write([]normalize.Sample{
		{Name: "h", Type: normalize.TypeObserver, Value: 2, Repeat: 5000, Opts: &normalize.SeriesOptions{Observer: normalize.ObserverHistogram}},
		{Name: "hn", Type: normalize.TypeObserver, Value: 2, Repeat: 5000, Opts: &normalize.SeriesOptions{Observer: normalize.ObserverHistogram, NativeBucketFactor: 1.1}},
	})
	if mfs, err := s.Gather(); err != nil || len(mfs) != 3 {
		t.Fatalf("Gather: %v, %v", mfs, err)
	}
	want := `# HELP rosetta_store_merged_observations_total Repeated observations (a sampled StatsD timer) that a summary's quantile streams took as one weighted sample instead of one by one; _count and _sum count them exactly.
# TYPE rosetta_store_merged_observations_total counter
rosetta_store_merged_observations_total 999000
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "rosetta_store_merged_observations_total"); err != nil {
		t.Error(err)
	}
}
