// Package expo parses another exporter's /metrics (the Prometheus text
// format, and OpenMetrics 1.0 text) into records, keeping types, help,
// histograms and summaries, so that rules can rename, relabel and drop
// what a third-party exporter serves.
package expo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Accept is the Accept header a scrape sends: the Prometheus text format
// first (every client library serves it), OpenMetrics 1.0 as a fallback.
const Accept = "text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1"

// Parser reads exposition bodies. The zero value is ready to use.
type Parser struct{}

// New returns a parser.
func New() *Parser { return &Parser{} }

// Parse reads body as the Prometheus text format, or as OpenMetrics when
// it ends with "# EOF".
func (p *Parser) Parse(body []byte, emit func(normalize.Record)) error {
	return p.ParseContentType(body, "", emit)
}

// ParseContentType reads body in the format its Content-Type names.
func (p *Parser) ParseContentType(body []byte, contentType string, emit func(normalize.Record)) error {
	return p.ParseContext(context.Background(), body, contentType, emit)
}

// MaxLines is the most lines one body may have (a Prometheus text or
// OpenMetrics body: one line per sample, HELP or TYPE). The parser holds
// every sample of a body before it emits one, at a few hundred bytes
// each, so lines, not bytes, are what bound its memory: a 16 MiB body of
// "a 1" lines is four million samples. A body with more fails the poll
// (reason "too_many_lines") before any parse work.
const MaxLines = 1 << 20

// ParseContext is ParseContentType that stops when ctx ends (the poll
// timeout) at any point of the parse, the Prometheus library's own
// included: it reads the body through a reader that fails once ctx has
// ended. The error's reason is "timeout".
func (p *Parser) ParseContext(ctx context.Context, body []byte, contentType string, emit func(normalize.Record)) error {
	if n := bytes.Count(body, []byte{'\n'}); n > MaxLines {
		return parsing.Errorf("too_many_lines", "the body has %d lines, more than the %d allowed", n, MaxLines)
	}
	if isOpenMetrics(contentType, body) {
		var err error
		if body, err = openMetricsToText(ctx, body); err != nil {
			return stopped(ctx, err, 0, len(body))
		}
	}
	r := &ctxReader{ctx: ctx, b: body}
	tp := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := tp.TextToMetricFamilies(r)
	if err != nil {
		if ctx.Err() != nil {
			return stopped(ctx, ctx.Err(), r.read, len(body))
		}
		return parsing.Errorf("invalid_exposition", "%w", err)
	}
	names := make([]string, 0, len(mfs))
	for n := range mfs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return stopped(ctx, err, len(body), len(body))
		}
		if err := records(mfs[n], emit); err != nil {
			return err
		}
	}
	return nil
}

// stopped gives an error of a parse ctx ended its reason: "timeout" for
// the poll's deadline.
func stopped(ctx context.Context, err error, read, size int) error {
	if ctx.Err() == nil {
		return err
	}
	return parsing.Stopped(ctx, read, size)
}

// ctxReader hands the parser the body and fails once ctx has ended. The
// parser reads through a 4 KiB buffer, so it stops within 4 KiB of
// text after the deadline however long the body.
type ctxReader struct {
	ctx  context.Context
	b    []byte
	read int
}

func (r *ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	if r.read == len(r.b) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.read:])
	r.read += n
	return n, nil
}

func isOpenMetrics(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt == "application/openmetrics-text"
	}
	return bytes.HasSuffix(bytes.TrimRight(body, "\n"), []byte("# EOF"))
}

// records emits the records of one family.
func records(mf *dto.MetricFamily, emit func(normalize.Record)) error {
	name, help := mf.GetName(), mf.GetHelp()
	for _, m := range mf.GetMetric() {
		rec := normalize.Record{Match: name, Help: help, Labels: labelsOf(m)}
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			rec.Type, rec.Value = normalize.TypeCounter, m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			rec.Type, rec.Value = normalize.TypeGauge, m.GetGauge().GetValue()
		case dto.MetricType_HISTOGRAM:
			h := m.GetHistogram()
			d := &normalize.Distribution{Count: h.GetSampleCount(), Sum: h.GetSampleSum()}
			for _, b := range h.GetBucket() {
				d.Buckets = append(d.Buckets, normalize.Bucket{UpperBound: b.GetUpperBound(), Count: b.GetCumulativeCount()})
			}
			if n := len(d.Buckets); n == 0 || !math.IsInf(d.Buckets[n-1].UpperBound, 1) {
				d.Buckets = append(d.Buckets, normalize.Bucket{UpperBound: math.Inf(1), Count: d.Count})
			}
			rec.Type, rec.Dist = normalize.TypeHistogram, d
		case dto.MetricType_SUMMARY:
			s := m.GetSummary()
			d := &normalize.Distribution{Count: s.GetSampleCount(), Sum: s.GetSampleSum()}
			for _, q := range s.GetQuantile() {
				d.Quantiles = append(d.Quantiles, normalize.Quantile{Quantile: q.GetQuantile(), Value: q.GetValue()})
			}
			rec.Type, rec.Dist = normalize.TypeSummary, d
		default:
			rec.Type, rec.Value = normalize.TypeUntyped, m.GetUntyped().GetValue()
		}
		emit(rec)
	}
	return nil
}

func labelsOf(m *dto.Metric) normalize.Labels {
	lps := m.GetLabel()
	if len(lps) == 0 {
		return nil
	}
	ls := make(normalize.Labels, len(lps))
	for i, lp := range lps {
		ls[i] = normalize.Label{Name: lp.GetName(), Value: lp.GetValue()}
	}
	return ls
}

// openMetricsToText rewrites OpenMetrics 1.0 text into the Prometheus text
// format the parser reads: "# EOF" and "# UNIT" go; counter families take
// their samples' "_total" name; info families their "_info" name, as
// gauges; unknown, stateset and gaugehistogram families become untyped or
// gauges; "_created" samples, exemplars and timestamps are dropped.
func openMetricsToText(ctx context.Context, body []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(body))
	types := map[string]string{} // family name as declared -> OM type
	lines := bytes.Split(body, []byte("\n"))
	ahead := typesAhead(lines)
	sawEOF := false
	for i, raw := range lines {
		if i%4096 == 4095 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		line := string(raw)
		if sawEOF && line != "" {
			return nil, parsing.Errorf("invalid_exposition", "line %d: content after # EOF", i+1)
		}
		switch {
		case line == "":
			continue
		case line == "# EOF":
			sawEOF = true
			continue
		case strings.HasPrefix(line, "# "):
			f := strings.SplitN(line, " ", 4)
			if len(f) < 3 {
				continue
			}
			kind, name := f[1], f[2]
			rest := ""
			if len(f) == 4 {
				rest = f[3]
			}
			switch kind {
			case "TYPE":
				types[name] = rest
				newName, newType := omFamily(name, rest)
				fmt.Fprintf(&out, "# TYPE %s %s\n", newName, newType)
			case "HELP":
				// HELP may come before TYPE: look ahead for this family's type.
				t := types[name]
				if t == "" {
					t = ahead[i]
				}
				newName, _ := omFamily(name, t)
				fmt.Fprintf(&out, "# HELP %s %s\n", newName, rest)
			}
			continue
		case strings.HasPrefix(line, "#"):
			continue
		}
		name, labels, value, err := splitSample(line)
		if err != nil {
			return nil, parsing.Errorf("invalid_exposition", "line %d: %w", i+1, err)
		}
		if base, ok := strings.CutSuffix(name, "_created"); ok {
			switch types[base] {
			case "counter", "histogram", "summary", "gaugehistogram":
				continue
			}
		}
		out.WriteString(name)
		out.WriteString(labels)
		out.WriteByte(' ')
		out.WriteString(value)
		out.WriteByte('\n')
	}
	if !sawEOF {
		return nil, parsing.Errorf("truncated", "OpenMetrics body without # EOF (truncated?)")
	}
	return out.Bytes(), nil
}

// typesAhead finds, for each "# HELP" line, the type a "# TYPE" line of
// its family declares after it in the same block of comments (before the
// next sample), in one backward pass: looking ahead from every HELP line
// was quadratic in a body of HELP lines only.
func typesAhead(lines [][]byte) map[int]string {
	out := map[int]string{}
	var block map[string]string // TYPEs after the current line, in its block
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		if len(l) == 0 {
			continue
		}
		if l[0] != '#' {
			block = nil
			continue
		}
		f := bytes.SplitN(l, []byte(" "), 4)
		if len(f) < 3 || string(f[0]) != "#" {
			continue
		}
		switch string(f[1]) {
		case "TYPE":
			if block == nil {
				block = map[string]string{}
			}
			t := ""
			if len(f) == 4 {
				t = string(f[3])
			}
			block[string(f[2])] = t
		case "HELP":
			if t, ok := block[string(f[2])]; ok {
				out[i] = t
			}
		}
	}
	return out
}

// omFamily maps an OpenMetrics family to its Prometheus text name and type.
func omFamily(name, typ string) (string, string) {
	switch typ {
	case "counter":
		return name + "_total", "counter"
	case "info":
		return name + "_info", "gauge"
	case "stateset":
		return name, "gauge"
	case "gauge", "histogram", "summary":
		return name, typ
	default: // unknown, gaugehistogram
		return name, "untyped"
	}
}

// splitSample splits an OpenMetrics sample line into its name, its label
// set as written ("" or "{...}") and its value, dropping the timestamp and
// exemplar.
func splitSample(line string) (name, labels, value string, err error) {
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		return "", "", "", errors.New("no value")
	}
	name, rest := line[:i], line[i:]
	if rest[0] == '{' {
		end, err := labelsEnd(rest)
		if err != nil {
			return "", "", "", err
		}
		labels, rest = rest[:end], rest[end:]
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return "", "", "", errors.New("no value")
	}
	return name, labels, fields[0], nil
}

// labelsEnd returns the index after the '}' closing s's label set,
// skipping quoted values.
func labelsEnd(s string) (int, error) {
	inQuote := false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == '}':
			return i + 1, nil
		}
	}
	return 0, errors.New("unterminated label set")
}
