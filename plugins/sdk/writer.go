package sdk

import (
	"errors"
	"fmt"
	"sync"
	"time"

	pluginpb "github.com/rosetta-adapter/rosetta/plugins/proto"
)

// Type is a family's metric type.
type Type int

// Types; see Family.
const (
	Untyped Type = iota
	Counter
	Gauge
	// Observer samples are single observations that Rosetta aggregates
	// into a histogram or summary.
	Observer
	// Histogram and Summary samples carry a complete distribution.
	Histogram
	Summary
)

// Family is the metadata of one metric, sent to Rosetta once. Declare
// families once (package variables, or fields of the driver) and do not
// change them after their first use.
type Family struct {
	// Name is the match string Rosetta's mapping rules see; with no rule,
	// it becomes the metric name (escaped).
	Name string
	Type Type
	Help string
	// Unit is informational (e.g. "seconds"); put it in Name as well.
	Unit string
	// Buckets are the upper bounds of a Histogram family's buckets,
	// ascending (+Inf may be omitted); Quantiles those of a Summary.
	Buckets   []float64
	Quantiles []float64
}

// NewCounter returns a counter family; NewGauge, NewObserver, NewHistogram
// and NewSummary return families of their type.
func NewCounter(name, help string) *Family { return &Family{Name: name, Type: Counter, Help: help} }

// NewGauge returns a gauge family.
func NewGauge(name, help string) *Family { return &Family{Name: name, Type: Gauge, Help: help} }

// NewObserver returns a family of single observations.
func NewObserver(name, help string) *Family { return &Family{Name: name, Type: Observer, Help: help} }

// NewHistogram returns a histogram family with the given bucket bounds.
func NewHistogram(name, help string, buckets ...float64) *Family {
	return &Family{Name: name, Type: Histogram, Help: help, Buckets: buckets}
}

// NewSummary returns a summary family with the given quantiles.
func NewSummary(name, help string, quantiles ...float64) *Family {
	return &Family{Name: name, Type: Summary, Help: help, Quantiles: quantiles}
}

// Dist is a complete distribution of a Histogram or Summary family:
// cumulative BucketCounts aligned with Family.Buckets, or QuantileValues
// aligned with Family.Quantiles.
type Dist struct {
	Count          uint64
	Sum            float64
	BucketCounts   []uint64
	QuantileValues []float64
}

// ErrClosed is returned by the Writer once Rosetta has ended the stream.
var ErrClosed = errors.New("stream closed")

// Writer batches samples for Rosetta. It is safe for concurrent use.
type Writer struct {
	mu      sync.Mutex
	send    func(*pluginpb.Batch) error // nil: collect, never sends
	maxSize int                         // samples per batch
	maxSyms int                         // table size that triggers a reset
	err     error                       // sticky send error

	batch    pluginpb.Batch
	pool     []*pluginpb.Sample // reusable samples; batch.Samples = pool[:n]
	labels   []uint32           // arena of batch sample labels
	symbols  map[string]uint32
	families map[*Family]uint32
	lastSend time.Time

	builders sync.Pool
}

func newWriter(send func(*pluginpb.Batch) error, maxSize, maxSyms int) *Writer {
	if maxSize <= 0 {
		maxSize = 1024
	}
	if maxSyms <= 0 {
		maxSyms = 1 << 16
	}
	return &Writer{
		send:     send,
		maxSize:  maxSize,
		maxSyms:  maxSyms,
		symbols:  make(map[string]uint32),
		families: make(map[*Family]uint32),
		lastSend: time.Now(),
	}
}

// Add emits one sample of f with value v and labels given as name, value
// pairs.
func (w *Writer) Add(f *Family, v float64, labels ...string) error {
	return w.add(f, v, false, nil, labels)
}

// AddDelta emits an increment of f by v: for counters, Rosetta adds v to
// the series instead of setting it.
func (w *Writer) AddDelta(f *Family, v float64, labels ...string) error {
	return w.add(f, v, true, nil, labels)
}

// AddDist emits a complete distribution of a Histogram or Summary family.
func (w *Writer) AddDist(f *Family, d Dist, labels ...string) error {
	return w.add(f, 0, false, &d, labels)
}

// CountError counts an error the driver met while reading (reported by
// Rosetta as rosetta_input_errors_total{reason="plugin_<reason>"}).
func (w *Writer) CountError(reason string) {
	w.mu.Lock()
	if w.batch.Errors == nil {
		w.batch.Errors = make(map[string]uint64)
	}
	w.batch.Errors[reason]++
	w.mu.Unlock()
}

// CountDropped counts n readings the driver had to drop.
func (w *Writer) CountDropped(reason string, n uint64) {
	w.mu.Lock()
	if w.batch.Dropped == nil {
		w.batch.Dropped = make(map[string]uint64)
	}
	w.batch.Dropped[reason] += n
	w.mu.Unlock()
}

func (w *Writer) add(f *Family, v float64, delta bool, d *Dist, labels []string) error {
	if len(labels)%2 != 0 {
		return fmt.Errorf("family %q: odd number of label names and values (%d)", f.Name, len(labels))
	}
	if (f.Type == Histogram || f.Type == Summary) != (d != nil) {
		if d == nil {
			return fmt.Errorf("family %q is a %s: use AddDist", f.Name, typeName(f.Type))
		}
		return fmt.Errorf("family %q is not a histogram or summary: use Add", f.Name)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	n := len(w.batch.Samples)
	if n == len(w.pool) {
		w.pool = append(w.pool, &pluginpb.Sample{})
	}
	s := w.pool[n]
	s.Family = w.family(f)
	start := len(w.labels)
	for _, l := range labels {
		w.labels = append(w.labels, w.symbol(l))
	}
	s.Labels = nil
	if len(labels) > 0 {
		s.Labels = w.labels[start:len(w.labels):len(w.labels)]
	}
	s.Value = v
	s.Delta = delta
	s.Dist = nil
	if d != nil {
		s.Dist = &pluginpb.Distribution{Count: d.Count, Sum: d.Sum, BucketCounts: d.BucketCounts, QuantileValues: d.QuantileValues}
	}
	w.batch.Samples = w.pool[:n+1]
	if w.send != nil && len(w.batch.Samples) >= w.maxSize {
		return w.flushLocked()
	}
	return nil
}

func typeName(t Type) string {
	return [...]string{"untyped", "counter", "gauge", "observer", "histogram", "summary"}[t]
}

func (w *Writer) symbol(s string) uint32 {
	if i, ok := w.symbols[s]; ok {
		return i
	}
	i := uint32(len(w.symbols))
	w.symbols[s] = i
	w.batch.Symbols = append(w.batch.Symbols, s)
	return i
}

func (w *Writer) family(f *Family) uint32 {
	if i, ok := w.families[f]; ok {
		return i
	}
	i := uint32(len(w.families))
	w.families[f] = i
	w.batch.Families = append(w.batch.Families, &pluginpb.Family{
		Name:         f.Name,
		Type:         pluginpb.Type(f.Type),
		Help:         f.Help,
		Unit:         f.Unit,
		BucketBounds: f.Buckets,
		Quantiles:    f.Quantiles,
	})
	return i
}

// Flush sends what is batched now. Push drivers need not call it: the SDK
// flushes full batches at once and others within the flush interval.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	return w.flushLocked()
}

// tick flushes a pending batch, or sends a heartbeat when nothing was sent
// for heartbeat.
func (w *Writer) tick(now time.Time, heartbeat time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.pending() || now.Sub(w.lastSend) >= heartbeat {
		return w.flushLocked()
	}
	return nil
}

func (w *Writer) pending() bool {
	b := &w.batch
	return len(b.Samples) > 0 || len(b.Symbols) > 0 || len(b.Families) > 0 || len(b.Errors) > 0 || len(b.Dropped) > 0
}

func (w *Writer) flushLocked() error {
	if w.send == nil {
		return nil
	}
	if err := w.send(&w.batch); err != nil {
		w.err = fmt.Errorf("%w: %w", ErrClosed, err)
		return w.err
	}
	w.lastSend = time.Now()
	w.clearBatch()
	if len(w.symbols) > w.maxSyms {
		// Start the tables afresh so that a driver with ever new label
		// values does not grow Rosetta's tables without bound.
		clear(w.symbols)
		clear(w.families)
		w.batch.Reset_ = true
	}
	return nil
}

func (w *Writer) clearBatch() {
	b := &w.batch
	b.Reset_ = false
	clear(b.Symbols)
	b.Symbols = b.Symbols[:0]
	clear(b.Families)
	b.Families = b.Families[:0]
	b.Samples = b.Samples[:0]
	b.Errors, b.Dropped = nil, nil
	w.labels = w.labels[:0]
}

// Builder builds one sample: w.Sample(f).Label("pid", "1").Value(3). A
// Builder is used once, by one goroutine; Value or Dist emits it.
type Builder struct {
	w      *Writer
	f      *Family
	labels []string
	delta  bool
}

// Sample starts a sample of f.
func (w *Writer) Sample(f *Family) *Builder {
	b, _ := w.builders.Get().(*Builder)
	if b == nil {
		b = &Builder{}
	}
	b.w, b.f = w, f
	return b
}

// Label adds a label.
func (b *Builder) Label(name, value string) *Builder {
	b.labels = append(b.labels, name, value)
	return b
}

// Delta marks the value as an increment.
func (b *Builder) Delta() *Builder {
	b.delta = true
	return b
}

// Value emits the sample with value v.
func (b *Builder) Value(v float64) error {
	err := b.w.add(b.f, v, b.delta, nil, b.labels)
	b.release()
	return err
}

// Dist emits the sample with a complete distribution.
func (b *Builder) Dist(d Dist) error {
	err := b.w.add(b.f, 0, false, &d, b.labels)
	b.release()
	return err
}

func (b *Builder) release() {
	w := b.w
	clear(b.labels)
	b.labels, b.delta, b.w, b.f = b.labels[:0], false, nil, nil
	w.builders.Put(b)
}
