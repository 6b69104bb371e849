package outputs

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/beorn7/perks/quantile"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// perksBuffer is the size of beorn7/perks' insert buffer: a stream answers
// exactly from its raw samples until that many have been inserted since its
// last reset, then it merges them into its compressed summary.
const perksBuffer = 500

// summary is a summary with the same results as client_golang's (sliding
// window of MaxAge in AgeBuckets streams of beorn7/perks targeted quantiles)
// at a fraction of its memory: client_golang allocates two BufCap buffers
// and AgeBuckets perks streams of 500 samples each up front (about 70 KB
// per series with statsd_exporter's defaults); this keeps each stream as a
// plain slice of the values inserted since its reset and only turns it into
// a perks stream when it reaches perks' buffer size, which is the moment
// perks itself starts compressing. Until then perks answers a query exactly
// from its buffer (nearest rank), and so does this.
//
// client_golang buffers observations and inserts them into the streams on
// a flush (full buffer, scrape, or the first observation after a rotation
// time); the streams see the same values in the same order either way, so
// inserting at once changes no result. BufCap therefore has no effect here.
type summary struct {
	targets   map[float64]float64 // shared per options, read-only
	quantiles []float64           // sorted, shared, read-only

	streams   []sumStream
	head      int
	streamDur int64 // nanoseconds
	headExp   int64 // when the head stream is reset next
	hotExp    int64 // client_golang's hotBufExpTime

	count uint64
	sum   float64
}

// sumStream is one age bucket: raw values, or a perks stream once it has
// had perksBuffer values since its reset.
type sumStream struct {
	raw   []float64
	perks *quantile.Stream
}

func newSummary(o *normalize.SeriesOptions, now int64) *summary {
	objs := DefaultObjectives
	maxAge := prometheus.DefMaxAge
	ageBuckets := uint32(prometheus.DefAgeBuckets)
	if o != nil {
		if len(o.Objectives) > 0 {
			objs = o.Objectives
		}
		if o.MaxAge > 0 {
			maxAge = o.MaxAge
		}
		if o.AgeBuckets > 0 {
			ageBuckets = o.AgeBuckets
		}
	}
	targets, qs := objectivesOf(objs)
	dur := int64(maxAge / time.Duration(ageBuckets))
	if dur <= 0 {
		dur = 1
	}
	s := &summary{
		targets:   targets,
		quantiles: qs,
		streamDur: dur,
		headExp:   now + dur,
		hotExp:    now + dur,
	}
	if len(qs) > 0 {
		s.streams = make([]sumStream, ageBuckets)
	}
	return s
}

// objectivesCache maps objectives (as text) to their objectivesEntry.
var objectivesCache sync.Map

type objectivesEntry struct {
	targets   map[float64]float64
	quantiles []float64
}

// objectivesOf returns the targets map and sorted quantiles of objs,
// cached so that series with the same objectives share them.
func objectivesOf(objs []normalize.Objective) (map[float64]float64, []float64) {
	kb := make([]byte, 0, 32*len(objs))
	for _, q := range objs {
		kb = strconv.AppendFloat(kb, q.Quantile, 'g', -1, 64)
		kb = append(kb, ':')
		kb = strconv.AppendFloat(kb, q.Error, 'g', -1, 64)
		kb = append(kb, ',')
	}
	key := string(kb)
	if v, ok := objectivesCache.Load(key); ok {
		c := v.(objectivesEntry)
		return c.targets, c.quantiles
	}
	targets := make(map[float64]float64, len(objs))
	for _, q := range objs {
		targets[q.Quantile] = q.Error
	}
	qs := make([]float64, 0, len(targets))
	for q := range targets {
		qs = append(qs, q)
	}
	sort.Float64s(qs)
	objectivesCache.Store(key, objectivesEntry{targets, qs})
	return targets, qs
}

// advance rotates the streams as client_golang's swapBufs and
// maybeRotateStreams do.
func (s *summary) advance(now int64) {
	for now > s.hotExp {
		s.hotExp += s.streamDur
	}
	for s.hotExp != s.headExp && len(s.streams) > 0 {
		st := &s.streams[s.head]
		st.perks = nil
		if cap(st.raw) > 64 {
			st.raw = nil
		} else {
			st.raw = st.raw[:0]
		}
		s.head = (s.head + 1) % len(s.streams)
		s.headExp += s.streamDur
	}
	if len(s.streams) == 0 {
		s.headExp = s.hotExp
	}
}

func (s *summary) observe(v float64, now int64) {
	s.advance(now)
	for i := range s.streams {
		st := &s.streams[i]
		if st.perks != nil {
			st.perks.Insert(v)
			continue
		}
		st.raw = append(st.raw, v)
		if len(st.raw) == perksBuffer {
			st.perks = quantile.NewTargeted(s.targets)
			for _, x := range st.raw {
				st.perks.Insert(x)
			}
			st.raw = nil
		}
	}
	s.count++
	s.sum += v
}

func (s *summary) write(m *dto.Metric, a *arena, now int64) {
	s.advance(now)
	sm := a.summaries.next()
	sm.SampleCount = a.uint64(s.count)
	sm.SampleSum = a.float64(s.sum)
	if len(s.quantiles) > 0 {
		sm.Quantile = a.quantilePtrs.slice(len(s.quantiles))
		qs := a.quantiles.slice(len(s.quantiles))
		head := &s.streams[s.head]
		var sorted []float64
		if head.perks == nil && len(head.raw) > 0 {
			sorted = slices.Clone(head.raw)
			slices.Sort(sorted)
		}
		for i, q := range s.quantiles {
			v := math.NaN()
			switch {
			case head.perks != nil:
				v = head.perks.Query(q)
			case len(sorted) > 0:
				// perks' answer before its first flush.
				j := int(math.Ceil(float64(len(sorted)) * q))
				if j > 0 {
					j--
				}
				v = sorted[j]
			}
			qs[i].Quantile = a.float64(q)
			qs[i].Value = a.float64(v)
			sm.Quantile[i] = &qs[i]
		}
	}
	m.Summary = sm
}
