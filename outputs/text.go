package outputs

import (
	"io"
	"math"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
)

// textFlush is how many bytes the text renderer gathers before it hands
// them to the writer.
const textFlush = 32 << 10

// textWriter renders the store's series in the text format (0.0.4) or in
// OpenMetrics 1.0 straight from the series, byte for byte as
// expfmt.MetricFamilyToText and MetricFamilyToOpenMetrics render the
// dto.Metric that Gather builds for them (TestWriteExpositionEqualsGather,
// TestTextEdgeValues): counters, gauges and untyped without any dto
// message, histograms and summaries through one (their data's write) in a
// reused arena. Values are formatted as expfmt formats them: 'g' with the
// shortest precision, 0, 1 and -1 as integers (text) or with ".0"
// (OpenMetrics, which also adds ".0" to any integer), NaN, +Inf, -Inf;
// counts as floats (text) or integers (OpenMetrics).
type textWriter struct {
	w   io.Writer
	om  bool // OpenMetrics
	buf []byte
	// lbl is the current series' labels, escaped: `a="x",b="y"`.
	lbl []byte
	a   *arena
	m   dto.Metric // a histogram's or summary's, reused
	// observers counts the histograms and summaries built in a since its
	// last reset.
	observers int
}

// header writes a family's HELP and TYPE lines.
func (t *textWriter) header(name, help string, typ dto.MetricType) {
	if t.om && typ == dto.MetricType_COUNTER {
		// OpenMetrics names a counter family without its _total, and a
		// counter without one is of unknown type.
		if n, ok := strings.CutSuffix(name, "_total"); ok {
			name = n
		} else {
			typ = dto.MetricType_UNTYPED
		}
	}
	t.buf = append(t.buf, "# HELP "...)
	t.buf = append(t.buf, name...)
	t.buf = append(t.buf, ' ')
	t.buf = appendEscaped(t.buf, help, t.om)
	t.buf = append(t.buf, "\n# TYPE "...)
	t.buf = append(t.buf, name...)
	switch typ {
	case dto.MetricType_COUNTER:
		t.buf = append(t.buf, " counter\n"...)
	case dto.MetricType_GAUGE:
		t.buf = append(t.buf, " gauge\n"...)
	case dto.MetricType_SUMMARY:
		t.buf = append(t.buf, " summary\n"...)
	case dto.MetricType_HISTOGRAM:
		t.buf = append(t.buf, " histogram\n"...)
	default:
		if t.om {
			t.buf = append(t.buf, " unknown\n"...)
		} else {
			t.buf = append(t.buf, " untyped\n"...)
		}
	}
}

// series writes the lines of one series of the family name. The shard
// mutex is held; ts is its own timestamp when hasTS.
func (t *textWriter) series(name string, se *series, ts int64, now int64) {
	t.lbl = t.lbl[:0]
	for i, l := range se.labels {
		if i > 0 {
			t.lbl = append(t.lbl, ',')
		}
		t.lbl = append(t.lbl, l.Name...)
		t.lbl = append(t.lbl, `="`...)
		t.lbl = appendEscaped(t.lbl, l.Value, true)
		t.lbl = append(t.lbl, '"')
	}
	switch se.kind {
	case kindCounter, kindGauge, kindUntyped:
		t.line(name, "", "", 0, se.value, se.hasTS, ts)
		return
	}
	if t.observers >= streamChunk {
		t.a.reset()
		t.observers = 0
	}
	t.observers++
	m := &t.m
	m.Summary, m.Histogram = nil, nil
	se.data.write(m, t.a, now)
	switch {
	case m.Summary != nil:
		sm := m.Summary
		for _, q := range sm.Quantile {
			t.line(name, "", model.QuantileLabel, q.GetQuantile(), q.GetValue(), false, 0)
		}
		t.line(name, "_sum", "", 0, sm.GetSampleSum(), false, 0)
		t.count(name, "_count", "", 0, sm.GetSampleCount(), 0)
	case m.Histogram != nil:
		h := m.Histogram
		inf := false
		for _, b := range h.Bucket {
			t.count(name, "_bucket", model.BucketLabel, b.GetUpperBound(), b.GetCumulativeCount(), b.GetCumulativeCountFloat())
			inf = inf || math.IsInf(b.GetUpperBound(), +1)
		}
		if !inf {
			t.count(name, "_bucket", model.BucketLabel, math.Inf(+1), h.GetSampleCount(), h.GetSampleCountFloat())
		}
		t.line(name, "_sum", "", 0, h.GetSampleSum(), false, 0)
		t.count(name, "_count", "", 0, h.GetSampleCount(), h.GetSampleCountFloat())
	}
}

// count writes a count's line: a float in the text format (the float
// count when set, as expfmt does), an integer in OpenMetrics.
func (t *textWriter) count(name, suffix, extra string, extraValue float64, n uint64, f float64) {
	if !t.om {
		if f == 0 {
			f = float64(n)
		}
		t.line(name, suffix, extra, extraValue, f, false, 0)
		return
	}
	t.start(name, suffix, extra, extraValue)
	t.buf = strconv.AppendUint(t.buf, n, 10)
	t.buf = append(t.buf, '\n')
}

// line writes one sample line: name and suffix, the series' labels plus
// the extra label (quantile or le) when extra is not "", the value and the
// timestamp when hasTS.
func (t *textWriter) line(name, suffix, extra string, extraValue, v float64, hasTS bool, ts int64) {
	t.start(name, suffix, extra, extraValue)
	t.buf = t.float(t.buf, v)
	if hasTS {
		t.buf = append(t.buf, ' ')
		if t.om {
			t.buf = t.float(t.buf, float64(ts)/1000)
		} else {
			t.buf = strconv.AppendInt(t.buf, ts, 10)
		}
	}
	t.buf = append(t.buf, '\n')
}

// start writes a line up to its value: the name, the suffix, the labels
// and the space.
func (t *textWriter) start(name, suffix, extra string, extraValue float64) {
	b := append(t.buf, name...)
	b = append(b, suffix...)
	if len(t.lbl) > 0 || extra != "" {
		b = append(b, '{')
		b = append(b, t.lbl...)
		if extra != "" {
			if len(t.lbl) > 0 {
				b = append(b, ',')
			}
			b = append(b, extra...)
			b = append(b, `="`...)
			b = t.float(b, extraValue)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	t.buf = append(b, ' ')
}

func (t *textWriter) float(b []byte, v float64) []byte {
	if t.om {
		return appendOMFloat(b, v)
	}
	return AppendFloat(b, v)
}

// Write appends p, so that families encoded elsewhere (other gatherers')
// land in order between the store's. It never writes to the network: it
// is called with a shard locked (before the store family that follows),
// and a slow scraper must not hold ingestion up; flush does that after.
func (t *textWriter) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	return len(p), nil
}

// flush writes what is gathered when there is enough of it, or all of it
// when all.
func (t *textWriter) flush(all bool) error {
	if len(t.buf) == 0 || !all && len(t.buf) < textFlush {
		return nil
	}
	_, err := t.w.Write(t.buf)
	t.buf = t.buf[:0]
	return err
}

// AppendFloat formats v as expfmt's writeFloat does (text format): the
// one formatting of values and of le and quantile labels that the scrape,
// remote write and the mapping tests share.
func AppendFloat(b []byte, v float64) []byte {
	switch {
	case v == 1:
		return append(b, '1')
	case v == 0:
		return append(b, '0')
	case v == -1:
		return append(b, "-1"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, +1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case smallInteger(v):
		// What 'g' gives for these (counts, most counters), faster.
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendOMFloat formats v as expfmt's writeOpenMetricsFloat does: as the
// text format, with ".0" after a value written without a point or an
// exponent, which AppendFloat does for the small integers alone (-0 too:
// "0.0").
func appendOMFloat(b []byte, v float64) []byte {
	b = AppendFloat(b, v)
	if smallInteger(v) {
		b = append(b, '.', '0')
	}
	return b
}

// smallInteger reports whether v is an integer that strconv's shortest 'g'
// writes without an exponent (below 1e6 in magnitude), as a plain int.
func smallInteger(v float64) bool {
	return v == math.Trunc(v) && v > -1e6 && v < 1e6
}

// appendEscaped escapes s as the text format does: backslash and newline,
// and the double quote in label values (quote).
func appendEscaped(b []byte, s string, quote bool) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '\\':
			esc = `\\`
		case '\n':
			esc = `\n`
		case '"':
			if !quote {
				continue
			}
			esc = `\"`
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		start = i + 1
	}
	return append(b, s[start:]...)
}
