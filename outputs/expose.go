package outputs

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// streamChunk is how many histograms and summaries the /metrics renderer
// builds in its arena before it reuses it.
const streamChunk = 512

// gzipLevel is the compression level of a gzipped /metrics: klauspost's
// fastest, which compresses a 100k-series text body about as well as the
// standard library's default (1.63 vs 1.46 MB for 11.6 MB) at a fraction
// of its CPU (BenchmarkExpositionHandler). Scrapes are local or nearby;
// CPU in the sidecar costs more than a tenth more bytes on the wire.
const gzipLevel = gzip.BestSpeed

var (
	arenaPool = sync.Pool{New: func() any { return newArena(streamChunk) }}
	gzipPool  = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzipLevel); return w }}
	bufPool   = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}
)

// writeExposition writes the families of others and of the store, merged
// in name order (others win a name clash, as in Gatherers with the store
// last), in the text or OpenMetrics format f. The store's series are
// rendered straight from the store (textWriter), so that a scrape of a
// large store allocates little: the output is identical to promhttp's
// encoding of Gatherers{others, store}.Gather(). filter, when not nil, keeps only
// the named families (promhttp's name[] parameter).
func writeExposition(w io.Writer, f expfmt.Format, store *Store, others prometheus.Gatherer, filter map[string]struct{}) error {
	encode := expfmt.MetricFamilyToText
	if f.FormatType() == expfmt.TypeOpenMetrics {
		encode = func(w io.Writer, mf *dto.MetricFamily) (int, error) { return expfmt.MetricFamilyToOpenMetrics(w, mf) }
	}
	keep := func(name string) bool {
		if filter == nil {
			return true
		}
		_, ok := filter[name]
		return ok
	}
	var gatherErr error
	var otherMFs []*dto.MetricFamily
	if others != nil {
		otherMFs, gatherErr = others.Gather()
	}
	seen := make(map[string]struct{}, len(otherMFs))
	for _, mf := range otherMFs {
		seen[mf.GetName()] = struct{}{}
	}
	oi := 0
	// The store's families go through the text renderer's buffer, the
	// others' too, so that they land in order.
	om := f.FormatType() == expfmt.TypeOpenMetrics
	t := &textWriter{w: w, om: om, a: arenaPool.Get().(*arena), buf: make([]byte, 0, textFlush+4096)}
	// writeOthersBefore writes the other families that sort before name
	// (all: the rest). Before a store family it runs with a shard locked,
	// so it only appends; the walk writes out between series.
	writeOthersBefore := func(name string, all bool) error {
		for ; oi < len(otherMFs) && (all || otherMFs[oi].GetName() < name); oi++ {
			if !keep(otherMFs[oi].GetName()) {
				continue
			}
			if _, err := encode(t, otherMFs[oi]); err != nil {
				return err
			}
			if all { // no shard is locked: write out as it fills
				if err := t.flush(false); err != nil {
					return err
				}
			}
		}
		return nil
	}

	var only func(string) bool
	if filter != nil {
		only = keep
	}
	fams, members, ends := store.snapshot(only)
	err := writeText(t, store, fams, members, ends, func(name string) (bool, error) {
		if _, clash := seen[name]; clash || !keep(name) {
			return false, nil
		}
		return true, writeOthersBefore(name, false)
	})
	t.a.reset()
	arenaPool.Put(t.a)
	if err == nil {
		err = writeOthersBefore("", true)
	}
	if err == nil && om {
		_, err = expfmt.FinalizeOpenMetrics(t)
	}
	if err == nil {
		err = t.flush(true)
	}
	if err != nil {
		return err
	}
	return gatherErr
}

// writeText writes the snapshot's live series in the text format
// (textWriter), family by family. Before a family's first live series it
// calls begin, which says whether to write the family (and writes what
// must come before it). The walk is Store.eachLive's, as Gather's.
func writeText(t *textWriter, s *Store, fams []*family, members []*series, ends []int, begin func(name string) (bool, error)) error {
	write := false
	return s.eachLive(fams, members, ends, func(i int, first bool, se *series, ts, now int64) error {
		f := fams[i]
		if first {
			var err error
			if write, err = begin(f.name); err != nil {
				return err
			}
			if write {
				t.header(f.name, s.help(f), f.typ)
			}
		}
		if write {
			t.series(f.name, se, ts, now)
		}
		return nil
	}, func() error { return t.flush(false) })
}

// exposeHandler serves /metrics for the text and OpenMetrics formats by
// streaming the store (writeExposition), and hands every other request
// (protobuf) to fallback, promhttp's handler over the same gatherers.
type exposeHandler struct {
	store    *Store
	others   prometheus.Gatherer
	fallback http.Handler
	inFlight chan struct{}
	logger   *slog.Logger
}

// acceptedFormats are the formats /metrics negotiates: text and
// OpenMetrics, as promhttp offers them.
var acceptedFormats = expfmt.DefaultOpenMetricsAcceptedFormats()

func (h *exposeHandler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	format := expfmt.NegotiateAccept(r.Header, acceptedFormats...)
	switch format.FormatType() {
	case expfmt.TypeTextPlain, expfmt.TypeOpenMetrics:
	default:
		h.fallback.ServeHTTP(rw, r)
		return
	}
	if h.inFlight != nil {
		select {
		case h.inFlight <- struct{}{}:
			defer func() { <-h.inFlight }()
		default:
			http.Error(rw, fmt.Sprintf("Limit of concurrent requests reached (%d), try again later.", cap(h.inFlight)), http.StatusServiceUnavailable)
			return
		}
	}
	var filter map[string]struct{}
	if names := r.URL.Query()["name[]"]; len(names) > 0 {
		filter = make(map[string]struct{}, len(names))
		for _, n := range names {
			filter[n] = struct{}{}
		}
	}
	hdr := rw.Header()
	hdr.Add("Vary", "Accept")
	hdr.Add("Vary", "Accept-Encoding")
	hdr.Set("Content-Type", string(format))
	var out io.Writer = rw
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		hdr.Set("Content-Encoding", "gzip")
		gz := gzipPool.Get().(*gzip.Writer)
		gz.Reset(rw)
		defer func() {
			_ = gz.Close()
			gzipPool.Put(gz)
		}()
		out = gz
	}
	bw := bufPool.Get().(*bufio.Writer)
	bw.Reset(out)
	err := writeExposition(bw, format, h.store, h.others, filter)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	bw.Reset(nil)
	bufPool.Put(bw)
	if err != nil {
		h.logger.Error("writing /metrics", "err", err)
	}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
		return q > 0
	}
	return false
}

// splitStore separates the store from the other gatherers of g, when g is
// a Gatherers with exactly one *Store in it.
func splitStore(g prometheus.Gatherer) (*Store, prometheus.Gatherer, bool) {
	gs, ok := g.(Gatherers)
	if !ok {
		if s, ok := g.(*Store); ok {
			return s, nil, true
		}
		return nil, nil, false
	}
	var store *Store
	others := make(Gatherers, 0, len(gs))
	for _, x := range gs {
		if s, ok := x.(*Store); ok {
			if store != nil {
				return nil, nil, false
			}
			store = s
			continue
		}
		others = append(others, x)
	}
	return store, others, store != nil
}
