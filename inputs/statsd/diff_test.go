package statsd

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/statsd_exporter/pkg/event"
	"github.com/prometheus/statsd_exporter/pkg/line"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// upstream runs statsd_exporter's own line parser (pkg/line, v0.31.0) and
// reports what it produced in our terms.
type upstream struct {
	parser                                  *line.Parser
	sampleErrors                            *prometheus.CounterVec
	samples, tagErrors, tagsReceived        prometheus.Counter
	lastSamples, lastTagErrors, lastTagsRcv float64
	logger                                  *slog.Logger
}

func newUpstream(opts parserOptions) *upstream {
	p := line.NewParser()
	if opts.dogStatsD {
		p.EnableDogstatsdParsing()
	}
	if opts.influxDB {
		p.EnableInfluxdbParsing()
	}
	if opts.librato {
		p.EnableLibratoParsing()
	}
	if opts.signalFX {
		p.EnableSignalFXParsing()
	}
	return &upstream{
		parser:       p,
		sampleErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "e"}, []string{"reason"}),
		samples:      prometheus.NewCounter(prometheus.CounterOpts{Name: "s"}),
		tagErrors:    prometheus.NewCounter(prometheus.CounterOpts{Name: "te"}),
		tagsReceived: prometheus.NewCounter(prometheus.CounterOpts{Name: "tr"}),
		logger:       slog.New(slog.DiscardHandler),
	}
}

// outcome is one line's result, comparable between the two parsers.
type outcome struct {
	Recs    []normalize.Record
	Errors  map[string]uint64
	Samples uint64
	Tags    uint64
}

func counterValue(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	close(ch)
	var m dto.Metric
	_ = (<-ch).Write(&m)
	return m.GetCounter().GetValue()
}

// run parses one line; ok is false if pkg/line panicked.
func (u *upstream) run(l string) (out outcome, ok bool) {
	u.sampleErrors.Reset()
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	evs := u.parser.LineToEvents(l, *u.sampleErrors, u.samples, u.tagErrors, u.tagsReceived, u.logger)
	for _, e := range evs {
		r := normalize.Record{Match: e.MetricName(), Value: e.Value()}
		switch e := e.(type) {
		case *event.CounterEvent:
			r.Type, r.Delta = normalize.TypeCounter, true
		case *event.GaugeEvent:
			r.Type, r.Delta = normalize.TypeGauge, e.GRelative
		case *event.ObserverEvent:
			r.Type = normalize.TypeObserver
		default:
			panic(fmt.Sprintf("unexpected event %T", e))
		}
		for k, v := range e.Labels() {
			r.Labels = append(r.Labels, normalize.Label{Name: k, Value: v})
		}
		r.Labels = r.Labels.Sort()
		if len(r.Labels) == 0 {
			r.Labels = nil
		}
		out.Recs = append(out.Recs, r)
	}
	ch := make(chan prometheus.Metric, 16)
	u.sampleErrors.Collect(ch)
	close(ch)
	for m := range ch {
		var d dto.Metric
		_ = m.Write(&d)
		if out.Errors == nil {
			out.Errors = map[string]uint64{}
		}
		out.Errors[d.GetLabel()[0].GetValue()] = uint64(d.GetCounter().GetValue())
	}
	s, te, tr := counterValue(u.samples), counterValue(u.tagErrors), counterValue(u.tagsReceived)
	out.Samples = uint64(s - u.lastSamples)
	out.Tags = uint64(tr - u.lastTagsRcv)
	if n := uint64(te - u.lastTagErrors); n > 0 {
		if out.Errors == nil {
			out.Errors = map[string]uint64{}
		}
		out.Errors["malformed_tag"] = n
	}
	u.lastSamples, u.lastTagErrors, u.lastTagsRcv = s, te, tr
	return out, true
}

// ours parses one line with our parser, in statsd_exporter's terms: an
// invalid_utf8 line is its malformed_line, and a record that stands for
// repeated observations is that many records.
func ours(p *parser, l string) outcome {
	var out outcome
	p.emit = func(b []normalize.Record) {
		for _, r := range b {
			r.Labels = slices.Clone(r.Labels).Sort()
			if len(r.Labels) == 0 {
				r.Labels = nil
			}
			if r.MatchHash == normalize.MatchHash([]byte(r.Match)) {
				r.MatchHash = 0 // right; a wrong one shows in the diff
			}
			r.MatchRef = nil // the rule set's memo, not part of the reading
			n := max(r.Repeat, 1)
			r.Repeat = 0
			for range n {
				out.Recs = append(out.Recs, r)
			}
		}
	}
	p.parseLine([]byte(l))
	p.flush()
	for r, n := range p.st.errors {
		if n == 0 {
			continue
		}
		name := reasonNames[r]
		if reason(r) == errInvalidUTF8 {
			name = "malformed_line"
		}
		if out.Errors == nil {
			out.Errors = map[string]uint64{}
		}
		out.Errors[name] += n
	}
	out.Samples, out.Tags = p.st.samples, p.st.tags
	oursDrops = p.st.drops
	p.st = stats{}
	return out
}

// oursDrops are the drops of the last line ours parsed.
var oursDrops [numDrops]uint64

// comparable reports whether a line is inside the documented common
// ground: no "|card:" or "|e:" fields
// (Rosetta ignores them, statsd_exporter rejects the sample) and no sample
// rate whose
// repeat count would exceed our cap (statsd_exporter repeats without
// bound).
func comparable(l string, maxRepeat int) bool {
	// DogStatsD fields statsd_exporter rejects and Rosetta ignores.
	if strings.Contains(l, "|card:") || strings.Contains(l, "|e:") {
		return false
	}
	for i := 0; i < len(l); i++ {
		if l[i] != '@' {
			continue
		}
		rest := l[i+1:]
		for _, stop := range []string{"|", "|:"} {
			tok := rest
			if j := strings.IndexAny(rest, stop); j >= 0 {
				tok = rest[:j]
			}
			f, _ := strconv.ParseFloat(tok, 64)
			if f != 0 && repeats(f) > int64(maxRepeat) {
				return false
			}
		}
	}
	return true
}

var diffStats struct{ lines, withRecords int }

func diffLine(t testing.TB, u *upstream, p *parser, l string) {
	t.Helper()
	if !comparable(l, p.opts.maxRepeat) {
		p.parseLine([]byte(l)) // must not crash
		p.reset()
		p.st = stats{}
		return
	}
	want, ok := u.run(l)
	dogEvent := strings.HasPrefix(l, "_e{") || strings.HasPrefix(l, "_sc|")
	got := ours(p, l)
	if dogEvent && ok && len(want.Recs) == 0 {
		// A DogStatsD event or service check that gives statsd_exporter
		// no sample (it counts what its parser found, usually a malformed
		// value): Rosetta gives none either and counts it as dropped.
		if len(got.Recs) > 0 || len(got.Errors) > 0 || oursDrops[dropEvent]+oursDrops[dropServiceCheck] != 1 {
			t.Errorf("line %q: pkg/line gives no sample; Rosetta %+v, drops %v (want one drop and no error)", l, got, oursDrops)
		}
		return
	}
	diffStats.lines++
	if len(got.Recs) > 0 {
		diffStats.withRecords++
	}
	if !ok {
		// statsd_exporter panics on "]" before "[" in SignalFx names; we
		// count a malformed tag.
		if got.Errors["malformed_tag"] == 0 {
			t.Errorf("line %q: pkg/line panics, we counted no malformed_tag: %+v", l, got)
		}
		return
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("line %q (-pkg/line +rosetta):\n%s", l, diff)
	}
}

// randomLine builds a line from StatsD's pieces, valid and not.
func randomLine(r *rand.Rand) string {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	var b strings.Builder
	b.WriteString(pick("foo", "foo.bar", "a-b.c_d", "x", "", "_e{1,1}", "n[a=b]", "n[a=b,c=d]x", "n]x[", "n[a", "n]",
		"n,a=b", "n,a=b,c", "n,=b", "n#a=b", "n#a", "café", "9lives", "n#a=b,c=d", "n,a=b[c=d]"))
	vals := []string{"1", "-2", "+3.5", "0", "1e3", "abc", "", "0.1", "-0", ".5", "1.", "NaN", "Inf", "0x10", "1e400", "12345678901234567"}
	types := []string{"c", "g", "ms", "h", "d", "s", "x", "", "C"}
	opts := []string{"@0.5", "@0.1", "@0.3", "@abc", "@0", "@2", "@-1", "@", "#a:b,c:d", "#a", "#", "#a:b,#c:d", "#:x,y:", "#a.b:c",
		"c:abc", "c", "c:", "T123", "", "x", "#k:v:w", "@1e-400"}
	n := 1 + r.IntN(3)
	for i := range n {
		b.WriteByte(':')
		if i > 0 && r.IntN(3) == 0 {
			// extended aggregation or multi-value
			b.WriteString(pick(vals...))
			b.WriteByte(':')
		}
		b.WriteString(pick(vals...))
		if r.IntN(10) > 0 {
			b.WriteByte('|')
			b.WriteString(pick(types...))
		}
		for range r.IntN(4) {
			b.WriteByte('|')
			b.WriteString(pick(opts...))
		}
	}
	s := b.String()
	if r.IntN(8) == 0 && len(s) > 0 {
		// a random byte somewhere
		i := r.IntN(len(s))
		s = s[:i] + string(rune(r.IntN(128))) + s[i+1:]
	}
	return s
}

// TestDifferential compares our parser with statsd_exporter's pkg/line on
// hand-written lines and 50,000 generated ones, for every dialect
// combination: same records (name, labels, value, type, delta), same
// error counts by reason, same sample and tag counts.
func TestDifferential(t *testing.T) {
	handWritten := []string{
		"foo:1|c", "foo:1|c|@0.1", "foo:5|g", "foo:+5|g", "foo:-5|g", "foo:320|ms|@0.5", "foo:1|h", "foo:1|d", "foo:1|s",
		"foo:1|c|#a:b,c:d", "foo,a=b:1|c", "foo#a=b:1|c", "foo[a=b]:1|c", "foo[a=b]bar:1|c", "foo,a=b:1|c|#c:d",
		"foo:1|c:2|g", "foo:1:2:3|ms|#a:b", "foo:1:2|c", "foo:1|c|c:abc", "foo:1|c|T1", "foo", ":1|c", "foo:1",
		"foo:abc|c", "foo:1|c||", "foo:1|c|@1|#a:b|T1|c:x|y", "f\xffo:1|c", "foo:1|c|#a:1,a:2", "foo:1|ms|@0.3|@0.5",
		"a.b:1|c|#a.b:c,a_b:d", "foo:1|g|@abc", "n[a=b,c]:1|c", "n[]:1|c", "n[,]:1|c", "foo:1|c|#,", "foo:1|c|##a:b",
		"_e{5,4}:title|text|#a:b", "_e{1,1}:1|c|#a:b", "_sc|redis.can_connect|0", "_sc|1:2|c", "_e{1,1}:1|c",
	}
	combos := []parserOptions{allDialects, {maxRepeat: 1000}, {dogStatsD: true, maxRepeat: 1000},
		{influxDB: true, librato: true, maxRepeat: 1000}, {signalFX: true, influxDB: true, maxRepeat: 1000}}
	r := rand.New(rand.NewPCG(1, 2))
	generated := make([]string, 50000)
	for i := range generated {
		generated[i] = randomLine(r)
	}
	for _, opts := range combos {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			u, p := newUpstream(opts), newParser(opts)
			for _, l := range handWritten {
				diffLine(t, u, p, l)
			}
			lines := generated
			if opts != allDialects {
				lines = lines[:10000]
			}
			failures := 0
			for _, l := range lines {
				diffLine(t, u, p, l)
				if t.Failed() {
					if failures++; failures > 10 {
						t.Fatal("too many differences")
					}
				}
			}
		})
	}
	t.Logf("%d lines compared, %d of them produced records", diffStats.lines, diffStats.withRecords)
}

// TestDifferentialTemplates replays lines with every kind of value in
// place of theirs, so that the parser's line templates (template.go) meet
// each: the same records, errors and counts as statsd_exporter's parser
// whether a line takes the fast path or not.
func TestDifferentialTemplates(t *testing.T) {
	vals := []string{"1", "-2", "+3.5", "0", "1e3", "abc", "", "0.1", "-0", ".5", "1.", "NaN", "Inf", "-Inf", "0x10", "1e400",
		"12345678901234567", "1:2", "+", "1e-400", "5e307"}
	r := rand.New(rand.NewPCG(3, 4))
	lines := []string{"foo:1|c", "foo:1|c|@0.1", "foo:5|g", "foo:+5|g", "foo:320|ms|@0.5", "foo:1|h|#a:b", "foo,a=b:1|c|#c:d",
		"foo:1|c|@0.5|@0.5", "foo:1|c|c:abc", "foo:1|ms|@0.3|@0.5", "foo:1|c|#a:1,a:2", "n[a=b]x:1|d|@0.25", "foo:1|c|@1e-300"}
	random := 3000
	if testing.Short() {
		random = 300 // the edit-test loop; make test replays all
	}
	for range random {
		lines = append(lines, randomLine(r))
	}
	for _, opts := range []parserOptions{allDialects, {maxRepeat: 1000}, {dogStatsD: true, maxRepeat: 1000}} {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			u, p := newUpstream(opts), newParser(opts)
			for _, l := range lines {
				c := strings.IndexByte(l, ':')
				if c < 0 {
					continue
				}
				j := strings.IndexByte(l[c+1:], '|')
				if j < 0 {
					continue
				}
				for range 2 {
					for _, v := range vals {
						diffLine(t, u, p, l[:c+1]+v+l[c+1+j:])
					}
				}
				if t.Failed() {
					t.FailNow()
				}
			}
			if p.tmpls.n == 0 {
				t.Error("no line templates were made")
			}
		})
	}
}

// TestDifferentialTemplateOrder replays lines in the same order several
// times (each line's template then predicts the next line's, see
// lookupTemplate), then shuffled (the predictions miss and are turned
// off), then in order again, with a new value each time: the same records,
// errors and counts as statsd_exporter's parser throughout.
func TestDifferentialTemplateOrder(t *testing.T) {
	vals := []string{"1", "3.5", "0", "1e3", "0.1", ".5", "7", "12"}
	bad := []string{"abc", "NaN", "-2", "+3", ""}
	r := rand.New(rand.NewPCG(5, 6))
	lines := []string{"foo:1|c", "bar:1|c|@0.1", "foo:5|g", "baz:+5|g", "t:320|ms|@0.5", "h:1|h|#a:b", "foo,a=b:1|c|#c:d", "n[a=b]x:1|d|@0.25"}
	for i := range 300 {
		lines = append(lines, fmt.Sprintf("app.s%d.x%d:1|%s|#env:e%d", i%7, i, []string{"c", "g", "ms", "h"}[i%4], i%3))
		if i%3 == 0 {
			lines = append(lines, randomLine(r))
		}
	}
	opts := allDialects
	u, p := newUpstream(opts), newParser(opts)
	replay := func(order []string) {
		for _, l := range order {
			c := strings.IndexByte(l, ':')
			j := -1
			if c >= 0 {
				j = strings.IndexByte(l[c+1:], '|')
			}
			if j >= 0 {
				v := vals[r.IntN(len(vals))]
				if r.IntN(20) == 0 {
					v = bad[r.IntN(len(bad))]
				}
				l = l[:c+1] + v + l[c+1+j:]
			}
			diffLine(t, u, p, l)
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	for range 3 {
		replay(lines)
	}
	if p.predicted == 0 || p.mispredicts >= predictOff {
		t.Fatalf("in order: %d lines predicted, misprediction score %d", p.predicted, p.mispredicts)
	}
	for range 3 {
		shuffled := slices.Clone(lines)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		replay(shuffled)
	}
	if p.mispredicts < predictOff {
		t.Errorf("shuffled: misprediction score %d, predictions still on", p.mispredicts)
	}
	before := p.predicted
	for range 3 {
		replay(lines)
	}
	if p.predicted == before {
		t.Error("in order again: predictions stayed off")
	}
}
