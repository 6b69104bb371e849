package remotewrite

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Remote-Write 1.0's message (prometheus.WriteRequest of
// prometheus/prometheus's prompb/types.proto and remote.proto), encoded
// here with protowire: the only Go types for it are prompb's, which link
// gogo/protobuf and prometheus/prometheus's model packages into the binary
// (about 1 MiB, issue #15), and client_golang's exp client ships only
// 2.0's. The encoding is byte for byte what prompb's gogo code writes
// (fields in number order, zero scalars left out, repeated scalars packed);
// wire_test.go checks it against prompb, which only the tests import.

// label is a prometheus.Label.
type label struct{ Name, Value string }

// bucketSpan is a native histogram's prometheus.BucketSpan.
type bucketSpan struct {
	Offset int32
	Length uint32
}

// histogram is a native histogram as both Remote-Write versions send it
// (prometheus.Histogram, io.prometheus.write.v2.Histogram): integer counts
// with bucket deltas, or, when float is set, float counts.
type histogram struct {
	float                          bool
	countInt, zeroCountInt         uint64
	countFloat, zeroCountFloat     float64
	sum                            float64
	schema                         int32
	zeroThreshold                  float64
	negativeSpans, positiveSpans   []bucketSpan
	negativeDeltas, positiveDeltas []int64
	negativeCounts, positiveCounts []float64
	timestamp                      int64
}

// encoded is a message already in wire format. remote.API.Write takes it
// through its vtprotobuf path (SizeVT, MarshalToSizedBufferVT), which
// copies it into its own buffer.
type encoded []byte

func (e encoded) SizeVT() int { return len(e) }

func (e encoded) MarshalToSizedBufferVT(b []byte) (int, error) {
	return copy(b[len(b)-len(e):], e), nil
}

// Field numbers.
const (
	fieldWriteRequestTimeseries = 1
	fieldTimeSeriesLabels       = 1
	fieldTimeSeriesSamples      = 2
	fieldTimeSeriesHistograms   = 4
)

// appendTimeSeries appends one prometheus.WriteRequest.timeseries element
// (tag, length, message) with labels ls and the item's sample or
// histogram.
func appendTimeSeries(b []byte, ls []label, it *item) []byte {
	n := 0
	for _, l := range ls {
		n += sizeField(sizeLabel(l))
	}
	if it.h == nil {
		n += sizeField(sizeSample(it.v, it.t))
	} else {
		n += sizeField(sizeHistogram(it.h))
	}
	b = protowire.AppendTag(b, fieldWriteRequestTimeseries, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(n))
	for _, l := range ls {
		b = protowire.AppendTag(b, fieldTimeSeriesLabels, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sizeLabel(l)))
		b = appendString(b, 1, l.Name)
		b = appendString(b, 2, l.Value)
	}
	if it.h == nil {
		b = protowire.AppendTag(b, fieldTimeSeriesSamples, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sizeSample(it.v, it.t)))
		b = appendDouble(b, 1, it.v)
		b = appendVarint(b, 2, uint64(it.t))
		return b
	}
	b = protowire.AppendTag(b, fieldTimeSeriesHistograms, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(sizeHistogram(it.h)))
	return appendHistogram(b, it.h)
}

// sizeField is the size of an embedded message field of n bytes with a
// one-byte tag.
func sizeField(n int) int { return 1 + protowire.SizeBytes(n) }

func sizeLabel(l label) int { return sizeString(l.Name) + sizeString(l.Value) }

func sizeSample(v float64, t int64) int { return sizeDouble(v) + sizeVarint(uint64(t)) }

func sizeHistogram(h *histogram) int {
	n := sizeCount(h.float, h.countInt)
	n += sizeDouble(h.sum)
	n += sizeVarint(uint64(protowire.EncodeZigZag(int64(h.schema))))
	n += sizeDouble(h.zeroThreshold)
	n += sizeCount(h.float, h.zeroCountInt)
	n += sizeSpans(h.negativeSpans) + sizeSint64s(h.negativeDeltas) + sizeDoubles(h.negativeCounts)
	n += sizeSpans(h.positiveSpans) + sizeSint64s(h.positiveDeltas) + sizeDoubles(h.positiveCounts)
	n += sizeVarint(uint64(h.timestamp))
	return n
}

func appendHistogram(b []byte, h *histogram) []byte {
	b = appendCount(b, h.float, 1, h.countInt, 2, h.countFloat)
	b = appendDouble(b, 3, h.sum)
	b = appendVarint(b, 4, uint64(protowire.EncodeZigZag(int64(h.schema))))
	b = appendDouble(b, 5, h.zeroThreshold)
	b = appendCount(b, h.float, 6, h.zeroCountInt, 7, h.zeroCountFloat)
	b = appendSpans(b, 8, h.negativeSpans)
	b = appendSint64s(b, 9, h.negativeDeltas)
	b = appendDoubles(b, 10, h.negativeCounts)
	b = appendSpans(b, 11, h.positiveSpans)
	b = appendSint64s(b, 12, h.positiveDeltas)
	b = appendDoubles(b, 13, h.positiveCounts)
	return appendVarint(b, 15, uint64(h.timestamp))
}

// A histogram's count and zero count are each a oneof of an integer field
// and a float field, one of them set: it is written when zero too.

func sizeCount(float bool, i uint64) int {
	if float {
		return 9
	}
	return 1 + protowire.SizeVarint(i)
}

func appendCount(b []byte, float bool, intNum protowire.Number, i uint64, floatNum protowire.Number, f float64) []byte {
	if float {
		b = protowire.AppendTag(b, floatNum, protowire.Fixed64Type)
		return protowire.AppendFixed64(b, math.Float64bits(f))
	}
	b = protowire.AppendTag(b, intNum, protowire.VarintType)
	return protowire.AppendVarint(b, i)
}

// Scalars, left out when zero (proto3), with one-byte tags (fields 1-15).

func sizeString(s string) int {
	if s == "" {
		return 0
	}
	return 1 + protowire.SizeBytes(len(s))
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func sizeDouble(v float64) int {
	if v == 0 {
		return 0
	}
	return 9
}

func appendDouble(b []byte, num protowire.Number, v float64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, math.Float64bits(v))
}

func sizeVarint(v uint64) int {
	if v == 0 {
		return 0
	}
	return 1 + protowire.SizeVarint(v)
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// Repeated fields: spans as messages, sint64 and double packed.

func sizeSpan(s bucketSpan) int {
	return sizeVarint(uint64(protowire.EncodeZigZag(int64(s.Offset)))) + sizeVarint(uint64(s.Length))
}

func sizeSpans(ss []bucketSpan) int {
	n := 0
	for _, s := range ss {
		n += sizeField(sizeSpan(s))
	}
	return n
}

func appendSpans(b []byte, num protowire.Number, ss []bucketSpan) []byte {
	for _, s := range ss {
		b = protowire.AppendTag(b, num, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sizeSpan(s)))
		b = appendVarint(b, 1, uint64(protowire.EncodeZigZag(int64(s.Offset))))
		b = appendVarint(b, 2, uint64(s.Length))
	}
	return b
}

func packedSint64s(vs []int64) int {
	n := 0
	for _, v := range vs {
		n += protowire.SizeVarint(protowire.EncodeZigZag(v))
	}
	return n
}

func sizeSint64s(vs []int64) int {
	if len(vs) == 0 {
		return 0
	}
	return 1 + protowire.SizeBytes(packedSint64s(vs))
}

func appendSint64s(b []byte, num protowire.Number, vs []int64) []byte {
	if len(vs) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(packedSint64s(vs)))
	for _, v := range vs {
		b = protowire.AppendVarint(b, protowire.EncodeZigZag(v))
	}
	return b
}

func sizeDoubles(vs []float64) int {
	if len(vs) == 0 {
		return 0
	}
	return 1 + protowire.SizeBytes(8*len(vs))
}

func appendDoubles(b []byte, num protowire.Number, vs []float64) []byte {
	if len(vs) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(8*len(vs)))
	for _, v := range vs {
		b = protowire.AppendFixed64(b, math.Float64bits(v))
	}
	return b
}
