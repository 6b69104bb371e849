package shared

import (
	"errors"
	"fmt"

	"github.com/rosetta-adapter/rosetta/normalize"
	pluginpb "github.com/rosetta-adapter/rosetta/plugins/proto"
)

// Limits bound the tables a plugin can make the host keep. A plugin that
// goes beyond them breaks the contract; the host ends the session.
type Limits struct {
	MaxSymbols     int // entries in the symbol table
	MaxSymbolBytes int // total bytes of the symbol table
	MaxFamilies    int // entries in the family table
	MaxLabels      int // label pairs on one sample
	MaxDistLen     int // buckets or quantiles of one family
}

// DefaultLimits are generous for real plugins and bound a broken one to
// tens of megabytes.
var DefaultLimits = Limits{
	MaxSymbols:     1 << 20,
	MaxSymbolBytes: 64 << 20,
	MaxFamilies:    1 << 16,
	MaxLabels:      64,
	MaxDistLen:     512,
}

// ErrTableLimit is wrapped by Decode's error when a batch would grow a
// table beyond its limit.
var ErrTableLimit = errors.New("plugin table limit exceeded")

// Reasons for samples Decode skips, as counted in Decoded.Invalid.
const (
	ReasonBadFamily       = "bad_family"
	ReasonBadLabels       = "bad_labels"
	ReasonBadDistribution = "bad_distribution"
)

type family struct {
	name      string
	typ       normalize.Type
	help      string
	unit      string
	bounds    []float64
	quantiles []float64
}

// Decoder keeps the symbol and family tables of one stream (or one Collect
// response) and turns batches into records. It is not safe for concurrent
// use.
type Decoder struct {
	limits   Limits
	symbols  []string
	symBytes int
	families []family
}

// NewDecoder returns a decoder with empty tables; zero fields of limits
// take DefaultLimits' values.
func NewDecoder(limits Limits) *Decoder {
	d := DefaultLimits
	if limits.MaxSymbols > 0 {
		d.MaxSymbols = limits.MaxSymbols
	}
	if limits.MaxSymbolBytes > 0 {
		d.MaxSymbolBytes = limits.MaxSymbolBytes
	}
	if limits.MaxFamilies > 0 {
		d.MaxFamilies = limits.MaxFamilies
	}
	if limits.MaxLabels > 0 {
		d.MaxLabels = limits.MaxLabels
	}
	if limits.MaxDistLen > 0 {
		d.MaxDistLen = limits.MaxDistLen
	}
	return &Decoder{limits: d}
}

// Reset empties the tables.
func (d *Decoder) Reset() {
	clear(d.symbols)
	d.symbols = d.symbols[:0]
	d.symBytes = 0
	clear(d.families)
	d.families = d.families[:0]
}

// Symbols reports the size of the symbol table.
func (d *Decoder) Symbols() int { return len(d.symbols) }

// Families reports the size of the family table.
func (d *Decoder) Families() int { return len(d.families) }

// Decoded is the result of decoding one batch. Records and their labels
// are owned by the Decoded value and valid until it is reused.
type Decoded struct {
	Records []normalize.Record
	// Invalid counts skipped samples by reason (Reason* constants).
	Invalid map[string]uint64
	// Errors and Dropped are the plugin's own counts from the batch.
	Errors, Dropped map[string]uint64

	labels []normalize.Label
}

// Reset empties d for reuse, keeping its memory.
func (d *Decoded) Reset() {
	clear(d.Records)
	d.Records = d.Records[:0]
	clear(d.labels)
	d.labels = d.labels[:0]
	clear(d.Invalid)
	d.Errors, d.Dropped = nil, nil
}

func (d *Decoded) invalid(reason string) {
	if d.Invalid == nil {
		d.Invalid = make(map[string]uint64, 2)
	}
	d.Invalid[reason]++
}

// Decode applies b's table entries and appends its valid samples to out as
// records. Samples that refer to missing entries or carry malformed
// distributions are skipped and counted in out.Invalid. An error (wrapping
// ErrTableLimit) means the batch broke the contract; out is then
// incomplete and the stream should be ended.
func (d *Decoder) Decode(b *pluginpb.Batch, out *Decoded) error {
	if b.GetReset_() {
		d.Reset()
	}
	if len(d.symbols)+len(b.Symbols) > d.limits.MaxSymbols {
		return fmt.Errorf("%w: %d symbols, limit %d", ErrTableLimit, len(d.symbols)+len(b.Symbols), d.limits.MaxSymbols)
	}
	for _, s := range b.Symbols {
		d.symBytes += len(s)
		if d.symBytes > d.limits.MaxSymbolBytes {
			return fmt.Errorf("%w: symbols of %d bytes, limit %d", ErrTableLimit, d.symBytes, d.limits.MaxSymbolBytes)
		}
		d.symbols = append(d.symbols, s)
	}
	if len(d.families)+len(b.Families) > d.limits.MaxFamilies {
		return fmt.Errorf("%w: %d families, limit %d", ErrTableLimit, len(d.families)+len(b.Families), d.limits.MaxFamilies)
	}
	for _, f := range b.Families {
		if len(f.BucketBounds) > d.limits.MaxDistLen || len(f.Quantiles) > d.limits.MaxDistLen {
			return fmt.Errorf("%w: family %q has %d buckets and %d quantiles, limit %d",
				ErrTableLimit, f.Name, len(f.BucketBounds), len(f.Quantiles), d.limits.MaxDistLen)
		}
		d.families = append(d.families, family{
			name:      f.Name,
			typ:       convertType(f.Type),
			help:      f.Help,
			unit:      f.Unit,
			bounds:    f.BucketBounds,
			quantiles: f.Quantiles,
		})
	}
	out.Errors, out.Dropped = b.Errors, b.Dropped

	// One arena for all labels of the batch: count first so that records
	// can point into it without being moved by append.
	n := 0
	for _, s := range b.Samples {
		n += len(s.Labels) / 2
	}
	if cap(out.labels)-len(out.labels) < n {
		grown := make([]normalize.Label, len(out.labels), len(out.labels)+n)
		copy(grown, out.labels)
		// Records already in out point at the old arena, which stays valid.
		out.labels = grown
	}
	for _, s := range b.Samples {
		if int(s.Family) >= len(d.families) {
			out.invalid(ReasonBadFamily)
			continue
		}
		f := &d.families[s.Family]
		if len(s.Labels)%2 != 0 || len(s.Labels)/2 > d.limits.MaxLabels {
			out.invalid(ReasonBadLabels)
			continue
		}
		start := len(out.labels)
		ok := true
		for i := 0; i < len(s.Labels); i += 2 {
			ni, vi := s.Labels[i], s.Labels[i+1]
			if int(ni) >= len(d.symbols) || int(vi) >= len(d.symbols) || d.symbols[ni] == "" {
				ok = false
				break
			}
			out.labels = append(out.labels, normalize.Label{Name: d.symbols[ni], Value: d.symbols[vi]})
		}
		if !ok {
			clear(out.labels[start:])
			out.labels = out.labels[:start]
			out.invalid(ReasonBadLabels)
			continue
		}
		rec := normalize.Record{
			Match:  f.name,
			Labels: out.labels[start:len(out.labels):len(out.labels)],
			Value:  s.Value,
			Type:   f.typ,
			Delta:  s.Delta,
			Help:   f.help,
		}
		if len(s.Labels) == 0 {
			rec.Labels = nil
		}
		switch f.typ {
		case normalize.TypeHistogram, normalize.TypeSummary:
			dist, ok := convertDist(f, s.Dist)
			if !ok {
				clear(out.labels[start:])
				out.labels = out.labels[:start]
				out.invalid(ReasonBadDistribution)
				continue
			}
			rec.Dist = dist
		}
		out.Records = append(out.Records, rec)
	}
	return nil
}

// convertType returns t's type in the model, whose numbering the
// contract's follows (TestConvertType): untyped for TYPE_UNTYPED and for a
// type this host does not know.
func convertType(t pluginpb.Type) normalize.Type {
	if t < 0 || t > pluginpb.Type_TYPE_SUMMARY {
		return normalize.TypeUntyped
	}
	return normalize.Type(t)
}

func convertDist(f *family, pd *pluginpb.Distribution) (*normalize.Distribution, bool) {
	if pd == nil {
		return nil, false
	}
	dist := &normalize.Distribution{Count: pd.Count, Sum: pd.Sum}
	if f.typ == normalize.TypeHistogram {
		if len(pd.QuantileValues) != 0 {
			return nil, false
		}
		// +Inf may be omitted: one count per bound, or one more for +Inf
		// when the bounds do not end with it.
		if len(pd.BucketCounts) != len(f.bounds) {
			return nil, false
		}
		dist.Buckets = make([]normalize.Bucket, len(f.bounds))
		var prev uint64
		for i, ub := range f.bounds {
			c := pd.BucketCounts[i]
			if c < prev || (i > 0 && !(ub > f.bounds[i-1])) {
				return nil, false
			}
			prev = c
			dist.Buckets[i] = normalize.Bucket{UpperBound: ub, Count: c}
		}
		if prev > pd.Count {
			return nil, false
		}
		return dist, true
	}
	if len(pd.BucketCounts) != 0 || len(pd.QuantileValues) != len(f.quantiles) {
		return nil, false
	}
	dist.Quantiles = make([]normalize.Quantile, len(f.quantiles))
	for i, q := range f.quantiles {
		if !(q >= 0 && q <= 1) {
			return nil, false
		}
		dist.Quantiles[i] = normalize.Quantile{Quantile: q, Value: pd.QuantileValues[i]}
	}
	return dist, true
}
