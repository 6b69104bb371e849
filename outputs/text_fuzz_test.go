package outputs

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// FuzzRender builds a store from the fuzz input (every kind of series,
// values with special formatting, escapes, own timestamps, clock steps
// across summary age buckets) and expects /metrics, text and OpenMetrics,
// to be byte for byte expfmt's encoding of the store's Gather.
func FuzzRender(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add(bytes.Repeat([]byte{5, 3, 250, 7, 1, 9, 130}, 15))
	f.Fuzz(func(t *testing.T, data []byte) {
		names := []string{"a", "a_total", "b_seconds", "c"}
		values := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e6, 999999, 1e21, 1.5e-7, -3, math.NaN(), math.Inf(1), math.Inf(-1)}
		labelValues := []string{"", "x", "q\"uo\\te\nd", "ü"}
		opts := []*normalize.SeriesOptions{
			nil,
			{Rule: "h", Observer: normalize.ObserverHistogram, Buckets: []float64{-1, 0, 1e-7, 1e21}},
			{Rule: "n", Observer: normalize.ObserverNativeHistogram},
			{Rule: "s", Observer: normalize.ObserverSummary, MaxAge: time.Minute, AgeBuckets: 3},
		}
		clk := &fakeClock{t: time.Unix(0, 0)}
		s, err := NewStore(StoreConfig{Now: clk.now, DefaultHelp: "help \\ with\nescapes \"here\""})
		if err != nil {
			t.Fatal(err)
		}
		next := func() int {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return int(b)
		}
		for len(data) > 0 {
			op := next()
			if op%5 == 4 {
				clk.advance(time.Duration(next()) * time.Second)
				continue
			}
			smp := normalize.Sample{
				Name:  names[next()%len(names)],
				Type:  []normalize.Type{normalize.TypeCounter, normalize.TypeGauge, normalize.TypeUntyped, normalize.TypeObserver, normalize.TypeSummary, normalize.TypeHistogram}[op%6],
				Value: values[next()%len(values)],
				Delta: op&0x10 != 0,
				Opts:  opts[next()%len(opts)],
			}
			if n := next() % 3; n > 0 {
				smp.Labels = ls("l", labelValues[next()%len(labelValues)], "m", labelValues[n])
			}
			if op&0x20 != 0 {
				smp.TimestampMs, smp.HasTimestamp = int64(next()-128)*1234567, true
			}
			if smp.Type == normalize.TypeSummary || smp.Type == normalize.TypeHistogram {
				smp.Dist = &normalize.Distribution{Count: uint64(next()) << (next() % 64), Sum: smp.Value,
					Buckets: []normalize.Bucket{{UpperBound: 1, Count: 1}}, Quantiles: []normalize.Quantile{{Quantile: 0.5, Value: smp.Value}}}
			}
			s.Write([]normalize.Sample{smp})
		}
		mfs, err := s.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []expfmt.Format{expfmt.NewFormat(expfmt.TypeTextPlain), expfmt.NewFormat(expfmt.TypeOpenMetrics)} {
			var want, got bytes.Buffer
			enc := expfmt.NewEncoder(&want, format)
			for _, mf := range mfs {
				if err := enc.Encode(mf); err != nil {
					t.Fatal(err)
				}
			}
			if c, ok := enc.(expfmt.Closer); ok {
				_ = c.Close()
			}
			if err := writeExposition(&got, format, s, nil, nil); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want.Bytes(), got.Bytes()) {
				t.Fatalf("%s differs from expfmt's (-want +got):\n%s", format, cmp.Diff(want.String(), got.String()))
			}
		}
	})
}

// FuzzFloat expects AppendFloat and appendOMFloat to write any value as
// expfmt writes a gauge's, in the text format and in OpenMetrics.
func FuzzFloat(f *testing.F) {
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 999999, -999999, 1e6, -1e6, 1e21, 1.5e-7, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1)} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		mf := &dto.MetricFamily{Name: proto.String("g"), Type: dto.MetricType_GAUGE.Enum(),
			Metric: []*dto.Metric{{Gauge: &dto.Gauge{Value: proto.Float64(v)}}}}
		for _, c := range []struct {
			format string
			encode func(*bytes.Buffer) error
			append func([]byte, float64) []byte
		}{
			{"text", func(b *bytes.Buffer) error { _, err := expfmt.MetricFamilyToText(b, mf); return err }, AppendFloat},
			{"OpenMetrics", func(b *bytes.Buffer) error { _, err := expfmt.MetricFamilyToOpenMetrics(b, mf); return err }, appendOMFloat},
		} {
			var out bytes.Buffer
			if err := c.encode(&out); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			want := strings.TrimPrefix(lines[len(lines)-1], "g ")
			if got := string(c.append(nil, v)); got != want {
				t.Errorf("%s: %v written %q, expfmt writes %q", c.format, v, got, want)
			}
		}
	})
}
