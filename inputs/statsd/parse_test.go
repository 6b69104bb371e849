package statsd

import (
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rosetta-adapter/rosetta/normalize"
)

var allDialects = parserOptions{dogStatsD: true, influxDB: true, librato: true, signalFX: true, maxRepeat: 1000}

// parsed is what parsing one packet produced: the records (labels copied
// out of the arena) and the non-zero counts.
type parsed struct {
	Recs   []normalize.Record
	Errors map[string]uint64
	Drops  map[string]uint64
	Lines  uint64
}

func parseWith(opts parserOptions, pkt string) parsed {
	p := newParser(opts)
	var got parsed
	p.emit = func(b []normalize.Record) { got.Recs = append(got.Recs, cloneRecs(b)...) }
	p.parsePacket([]byte(pkt))
	p.flush()
	for r, n := range p.st.errors {
		if n > 0 {
			if got.Errors == nil {
				got.Errors = map[string]uint64{}
			}
			got.Errors[reasonNames[r]] = n
		}
	}
	for d, n := range p.st.drops {
		if n > 0 {
			if got.Drops == nil {
				got.Drops = map[string]uint64{}
			}
			got.Drops[dropNames[d]] = n
		}
	}
	got.Lines = p.st.lines
	n := uint64(0)
	for _, r := range got.Recs {
		n += uint64(max(r.Repeat, 1))
	}
	if p.st.records != n {
		panic("records count mismatch")
	}
	return got
}

func cloneRecs(b []normalize.Record) []normalize.Record {
	out := make([]normalize.Record, len(b))
	for i, r := range b {
		r.Labels = slices.Clone(r.Labels)
		if r.MatchHash == normalize.MatchHash([]byte(r.Match)) {
			r.MatchHash = 0 // right; a wrong one shows in the diffs
		}
		r.MatchRef = nil // the rule set's memo, not part of the reading
		out[i] = r
	}
	return out
}

func ctr(name string, v float64, ls ...string) normalize.Record {
	return normalize.Record{Match: name, Value: v, Type: normalize.TypeCounter, Delta: true, Labels: lbls(ls...)}
}

func gauge(name string, v float64, delta bool, ls ...string) normalize.Record {
	return normalize.Record{Match: name, Value: v, Type: normalize.TypeGauge, Delta: delta, Labels: lbls(ls...)}
}

func obs(name string, v float64, ls ...string) normalize.Record {
	return normalize.Record{Match: name, Value: v, Type: normalize.TypeObserver, Labels: lbls(ls...)}
}

func lbls(kv ...string) normalize.Labels {
	if len(kv) == 0 {
		return nil
	}
	var ls normalize.Labels
	for i := 0; i < len(kv); i += 2 {
		ls = append(ls, normalize.Label{Name: kv[i], Value: kv[i+1]})
	}
	return ls
}

// repeat is r standing for n observations: one record.
func repeat(r normalize.Record, n int) []normalize.Record {
	if n > 1 {
		r.Repeat = uint32(n)
	}
	return []normalize.Record{r}
}

func errs(kv ...any) map[string]uint64 {
	m := map[string]uint64{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = uint64(kv[i+1].(int))
	}
	return m
}

func TestParse(t *testing.T) {
	noTags := parserOptions{maxRepeat: 1000}
	tests := []struct {
		name   string
		opts   *parserOptions // nil: all dialects
		in     string
		recs   []normalize.Record
		errors map[string]uint64
		drops  map[string]uint64
	}{
		// Types.
		{name: "counter", in: "foo.bar:1|c", recs: []normalize.Record{ctr("foo.bar", 1)}},
		{name: "counter float", in: "foo:1.5|c", recs: []normalize.Record{ctr("foo", 1.5)}},
		{name: "counter negative", in: "foo:-3|c", recs: []normalize.Record{ctr("foo", -3)}},
		{name: "counter rate", in: "foo:1|c|@0.1", recs: []normalize.Record{ctr("foo", 10)}},
		{name: "counter rate twice", in: "foo:1|c|@0.5|@0.5", recs: []normalize.Record{ctr("foo", 4)}},
		{name: "gauge", in: "foo:5|g", recs: []normalize.Record{gauge("foo", 5, false)}},
		{name: "gauge plus", in: "foo:+5|g", recs: []normalize.Record{gauge("foo", 5, true)}},
		{name: "gauge minus", in: "foo:-5.5|g", recs: []normalize.Record{gauge("foo", -5.5, true)}},
		{name: "gauge rate ignored", in: "foo:5|g|@0.5", recs: []normalize.Record{gauge("foo", 5, false)}},
		{name: "timer ms to seconds", in: "foo:320|ms", recs: []normalize.Record{obs("foo", 0.32)}},
		{name: "timer rate repeats", in: "foo:320|ms|@0.5", recs: repeat(obs("foo", 0.32), 2)},
		{name: "timer rate 0.3 repeats 3", in: "foo:1|ms|@0.3", recs: repeat(obs("foo", 0.001), 3)},
		{name: "histogram", in: "foo:2.5|h", recs: []normalize.Record{obs("foo", 2.5)}},
		{name: "histogram rate", in: "foo:2|h|@0.25", recs: repeat(obs("foo", 2), 4)},
		{name: "distribution", in: "foo:250|d", recs: []normalize.Record{obs("foo", 250)}},
		{name: "rate above 1 gives no observation", in: "foo:250|d|@2"},
		{name: "rate 0 means 1", in: "foo:3|c|@0", recs: []normalize.Record{ctr("foo", 3)}},
		{name: "repeat cap", opts: &parserOptions{maxRepeat: 10}, in: "foo:1|h|@0.01",
			recs: repeat(obs("foo", 1), 10), drops: errs("sample_rate_repeat_limit", 90)},
		{name: "set", in: "foo:1|s", errors: errs("illegal_event", 1)},
		{name: "unknown type", in: "foo:1|x", errors: errs("illegal_event", 1)},
		{name: "timestamp ignored", in: "foo:1|c|T1656581400", recs: []normalize.Record{ctr("foo", 1)}},
		{name: "exponent value", in: "foo:1e3|g", recs: []normalize.Record{gauge("foo", 1000, false)}},
		{name: "leading dot", in: "foo:.5|g", recs: []normalize.Record{gauge("foo", 0.5, false)}},

		// Dialects.
		{name: "dogstatsd", in: "foo:1|c|#a:b,c:d", recs: []normalize.Record{ctr("foo", 1, "a", "b", "c", "d")}},
		{name: "dogstatsd hash tags", in: "foo:1|c|#a:b,#c:d", recs: []normalize.Record{ctr("foo", 1, "a", "b", "c", "d")}},
		{name: "dogstatsd rate and tags", in: "foo:2|c|@0.5|#env:prod", recs: []normalize.Record{ctr("foo", 4, "env", "prod")}},
		{name: "dogstatsd tags before rate", in: "foo:1|ms|#env:prod|@0.5", recs: repeat(obs("foo", 0.001, "env", "prod"), 2)},
		{name: "dogstatsd value with colon", in: "foo:1|c|#url:http://x", recs: []normalize.Record{ctr("foo", 1, "url", "http://x")}},
		{name: "dogstatsd key escaped", in: "foo:1|c|#a.b-c:d", recs: []normalize.Record{ctr("foo", 1, "a_b_c", "d")}},
		{name: "dogstatsd duplicate key keeps last", in: "foo:1|c|#a:1,a:2", recs: []normalize.Record{ctr("foo", 1, "a", "2")}},
		{name: "dogstatsd many tags with repeats", in: "foo:1|c|#" + manyTags, recs: []normalize.Record{ctr("foo", 1, manyTagsWant...)}},
		{name: "dogstatsd bad tags", in: "foo:1|c|#a,b:,:c,,d:e", recs: []normalize.Record{ctr("foo", 1, "d", "e")},
			errors: errs("malformed_tag", 4)},
		{name: "dogstatsd disabled", opts: &noTags, in: "foo:1|c|#a:b", recs: []normalize.Record{ctr("foo", 1)}},
		{name: "dogstatsd container id", in: "foo:1|c|#a:b|c:abc123", recs: []normalize.Record{ctr("foo", 1, "a", "b", "container_id", "abc123")}},
		{name: "dogstatsd cardinality and external data ignored", in: "foo:1|c|#a:b|c:abc|e:it-false,cn-x|card:low",
			recs: []normalize.Record{ctr("foo", 1, "a", "b", "container_id", "abc")}},
		{name: "dogstatsd bad external data", in: "foo:1|c|ex", errors: errs("invalid_sample_factor", 1)},
		{name: "dogstatsd bad container id", in: "foo:1|c|#a:b|cx", errors: errs("malformed_container_id", 1)},
		{name: "influxdb", in: "foo,a=b,c=d:1|c", recs: []normalize.Record{ctr("foo", 1, "a", "b", "c", "d")}},
		{name: "influxdb trailing comma", in: "foo,a=b,:1|c", recs: []normalize.Record{ctr("foo", 1, "a", "b")}},
		{name: "influxdb bad tag", in: "foo,a,b=c:1|c", recs: []normalize.Record{ctr("foo", 1, "b", "c")}, errors: errs("malformed_tag", 1)},
		{name: "influxdb disabled", opts: &noTags, in: "foo,a=b:1|c", recs: []normalize.Record{ctr("foo,a=b", 1)}},
		{name: "librato", in: "foo#a=b,c=d:1|c", recs: []normalize.Record{ctr("foo", 1, "a", "b", "c", "d")}},
		{name: "librato disabled", opts: &noTags, in: "foo#a=b:1|c", recs: []normalize.Record{ctr("foo#a=b", 1)}},
		{name: "signalfx", in: "foo[a=b,c=d]:1|c", recs: []normalize.Record{ctr("foo", 1, "a", "b", "c", "d")}},
		{name: "signalfx middle", in: "foo.[a=b]bar:1|c", recs: []normalize.Record{ctr("foo.bar", 1, "a", "b")}},
		{name: "signalfx one bracket", in: "foo[a=b:1|c", recs: []normalize.Record{ctr("foo[a=b", 1)}, errors: errs("malformed_tag", 1)},
		{name: "signalfx reversed brackets", in: "foo]a=b[:1|c", recs: []normalize.Record{ctr("foo]a=b[", 1)}, errors: errs("malformed_tag", 1)},
		{name: "signalfx disabled", opts: &noTags, in: "foo[a=b]:1|c", recs: []normalize.Record{ctr("foo[a=b]", 1)}},
		{name: "mixed styles", in: "foo,a=b:1|c|#c:d", errors: errs("mixed_tagging_styles", 1)},
		{name: "mixed styles when dogstatsd off", opts: &parserOptions{influxDB: true, maxRepeat: 1}, in: "foo,a=b:1|c|#c:d",
			errors: errs("mixed_tagging_styles", 1)},

		// Several samples per line and lines per packet.
		{name: "multi value", in: "foo:1|c:2|g:3|ms", recs: []normalize.Record{ctr("foo", 1), gauge("foo", 2, false), obs("foo", 0.003)}},
		{name: "multi value tags shared", in: "foo,a=b:1|c:2|g", recs: []normalize.Record{ctr("foo", 1, "a", "b"), gauge("foo", 2, false, "a", "b")}},
		{name: "multi value splits a container id", in: "foo:1|c:2|g|c:x", recs: []normalize.Record{ctr("foo", 1)},
			errors: errs("malformed_container_id", 1, "malformed_component", 1)},
		{name: "multi value bad piece", in: "foo:1|c:2:3|g", recs: []normalize.Record{ctr("foo", 1), gauge("foo", 3, false)},
			errors: errs("malformed_component", 1)},
		{name: "dogstatsd disables multi value", in: "foo:1|c|#a:b:2", recs: []normalize.Record{ctr("foo", 1, "a", "b:2")}},
		{name: "dogstatsd multi value is one bad sample", in: "foo:1|c|#a:b:2|g", errors: errs("invalid_sample_factor", 1)},
		{name: "extended aggregation", in: "foo:1:2:3|ms|#a:b", recs: []normalize.Record{
			obs("foo", 0.001, "a", "b"), obs("foo", 0.002, "a", "b"), obs("foo", 0.003, "a", "b")}},
		{name: "extended aggregation rate", in: "foo:1:2|h|@0.5", recs: append(repeat(obs("foo", 1), 2), repeat(obs("foo", 2), 2)...)},
		{name: "extended aggregation bad value", in: "foo:1::2|d", recs: []normalize.Record{obs("foo", 1), obs("foo", 2)},
			errors: errs("malformed_value", 1)},
		{name: "extended aggregation counter", in: "foo:1:2|c", errors: errs("invalid_extended_aggregate_type", 1)},
		{name: "packet", in: "a:1|c\nb:2|g\n\nc:3|ms", recs: []normalize.Record{ctr("a", 1), gauge("b", 2, false), obs("c", 0.003)}},
		{name: "packet bad line in the middle", in: "a:1|c\nbad\nc:3|h", recs: []normalize.Record{ctr("a", 1), obs("c", 3)},
			errors: errs("malformed_line", 1)},
		{name: "carriage return on UDP is part of the type", in: "a:1|c\r\n", errors: errs("illegal_event", 1)},

		// Bad input.
		{name: "empty line", in: ""},
		{name: "no colon", in: "foo", errors: errs("malformed_line", 1)},
		{name: "empty name", in: ":1|c", errors: errs("malformed_line", 1)},
		{name: "invalid utf8", in: "f\xffo:1|c", errors: errs("invalid_utf8", 1)},
		{name: "utf8 name", in: "café:1|c", recs: []normalize.Record{ctr("café", 1)}},
		{name: "no pipe", in: "foo:1", errors: errs("not_enough_parts_after_colon", 1)},
		{name: "bad value", in: "foo:abc|c", errors: errs("malformed_value", 1)},
		{name: "empty value", in: "foo:|c", errors: errs("malformed_value", 1)},
		{name: "value overflow", in: "foo:1e400|g", errors: errs("malformed_value", 1)},
		{name: "nan gauge served", in: "foo:NaN|g", recs: []normalize.Record{{Match: "foo", Value: math.NaN(), Type: normalize.TypeGauge}}},
		{name: "inf gauge served", in: "foo:-Inf|g", recs: []normalize.Record{{Match: "foo", Value: math.Inf(-1), Type: normalize.TypeGauge, Delta: true}}}, // a sign makes it relative
		// statsd_exporter passes non-finite values on: counters add
		// them (but -Inf, refused after the rules as negative),
		// observations observe them.
		{name: "inf counter", in: "foo:+Inf|c", recs: []normalize.Record{ctr("foo", math.Inf(1))}},
		{name: "nan counter", in: "foo:NaN|c", recs: []normalize.Record{ctr("foo", math.NaN())}},
		{name: "-inf counter", in: "foo:-Inf|c", recs: []normalize.Record{ctr("foo", math.Inf(-1))}},
		{name: "nan timer", in: "foo:NaN|ms", recs: []normalize.Record{obs("foo", math.NaN())}},
		{name: "inf histogram", in: "foo:Inf|h", recs: []normalize.Record{obs("foo", math.Inf(1))}},
		{name: "-inf timer sampled", in: "foo:-Inf|ms|@0.25", recs: repeat(obs("foo", math.Inf(-1)), 4)},
		{name: "nan sample rate counter", in: "foo:1|c|@NaN", recs: []normalize.Record{ctr("foo", math.NaN())}},
		{name: "nan sample rate timer", in: "foo:1|ms|@NaN"},
		{name: "bad rate counted, sample kept", in: "foo:1|c|@abc", recs: []normalize.Record{ctr("foo", 1)},
			errors: errs("invalid_sample_factor", 1)},
		{name: "unknown option", in: "foo:1|c|x", errors: errs("invalid_sample_factor", 1)},
		{name: "empty option", in: "foo:1|c||", errors: errs("malformed_component", 1)},
		{name: "too many options", in: "foo:1|c|@1|#a:b|T1|c:x|y", errors: errs("malformed_component", 1)},
		{name: "five options allowed", in: "foo:1|c|@1|#a:b|T1|c:x", recs: []normalize.Record{ctr("foo", 1, "a", "b", "container_id", "x")}},
		{name: "dogstatsd event", in: "_e{5,4}:title|text|#a:b", drops: errs("dogstatsd_event", 1)},
		// statsd_exporter parses every line as a metric line and serves
		// what that finds (here "1}" is a malformed InfluxDB tag)
		{name: "dogstatsd event statsd_exporter reads as a counter", in: "_e{1,1}:1|c|#a:b",
			recs: []normalize.Record{ctr("_e{1", 1, "a", "b")}, errors: errs("malformed_tag", 1)},
		{name: "dogstatsd service check statsd_exporter reads as a counter", in: "_sc|1:2|c", recs: []normalize.Record{ctr("_sc|1", 2)}},
		{name: "dogstatsd service check", in: "_sc|redis.can_connect|0|#a:b", drops: errs("dogstatsd_service_check", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := allDialects
			if tt.opts != nil {
				opts = *tt.opts
			}
			got := parseWith(opts, tt.in)
			want := parsed{Recs: tt.recs, Errors: tt.errors, Drops: tt.drops, Lines: uint64(strings.Count(tt.in, "\n") + 1)}
			if diff := cmp.Diff(want, got, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("parse %q (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestParseSpill checks that a line turning into more records than a batch
// holds is handed over in several batches, all with the line's labels.
func TestParseSpill(t *testing.T) {
	p := newParser(parserOptions{dogStatsD: true, maxRepeat: 100000})
	p.batchMax = 64
	var batches int
	var got []normalize.Record
	p.emit = func(b []normalize.Record) {
		batches++
		if len(b) > 64 {
			t.Errorf("batch of %d records, want at most 64", len(b))
		}
		got = append(got, cloneRecs(b)...)
	}
	var line strings.Builder
	line.WriteString("x:1|c\nfoo")
	want := []normalize.Record{ctr("x", 1)}
	for i := range 200 {
		fmt.Fprintf(&line, ":%d", i)
		want = append(want, repeat(obs("foo", float64(i)/1000, "a", "b"), 3)...)
	}
	line.WriteString("|ms|@0.3|#a:b\ny:1|c")
	p.parsePacket([]byte(line.String()))
	p.flush()
	want = append(want, ctr("y", 1))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if batches < 4 {
		t.Errorf("%d batches, want at least 4", batches)
	}
}

// TestParseNoAliasing checks that records never point into the packet:
// the reader reuses packet buffers once parsing is done.
func TestParseNoAliasing(t *testing.T) {
	p := newParser(allDialects)
	var got []normalize.Record
	p.emit = func(b []normalize.Record) { got = append(got, cloneRecs(b)...) }
	pkt := []byte("name.one,k=v:1|c\nname.two:2|g|#t:u")
	p.parsePacket(pkt)
	p.flush()
	for i := range pkt {
		pkt[i] = 'X'
	}
	want := []normalize.Record{ctr("name.one", 1, "k", "v"), gauge("name.two", 2, false, "t", "u")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records changed with the packet buffer (-want +got):\n%s", diff)
	}
}

func TestParseFloat(t *testing.T) {
	for _, s := range []string{"0", "-0", "+0", "1", "-1", "+1", "1.", ".5", "-.5", "0.1", "0.3", "123.456", "999999999999999",
		"9999999999999999", "1234567890.12345", "0.000000000000001", "1.0000000000000002", "3.14159265358979",
		"1e3", "1E-3", "0x10", "0x1p-2", "inf", "-Inf", "NaN", "nan", "1_000", "", "-", "+", ".", "..1", "1..", "1.2.3",
		"--1", "1e", "1e400", "-1e400", "4.9e-324", "2.2250738585072014e-308", "00000000000000001", "0.0000000000000000001",
		"123456789012345678901234567890", " 1", "1 "} {
		want, werr := parseFloatSlow([]byte(s))
		got, ok := parseFloat([]byte(s))
		if ok != werr || math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("parseFloat(%q) = %v, %v; strconv gives %v, %v", s, got, ok, want, werr)
		}
	}
}

func TestInterner(t *testing.T) {
	var in interner
	b := []byte("abc")
	s1 := in.get(b)
	b[0] = 'x'
	if s1 != "abc" {
		t.Fatalf("interned string changed with its source: %q", s1)
	}
	if s2 := in.get([]byte("abc")); s2 != "abc" || !sameString(s1, s2) {
		t.Errorf("second lookup did not return the interned string")
	}
	for i := range maxInterned + 10 {
		in.get([]byte(strings.Repeat("k", i%50) + string(rune('a'+i%26)) + string(rune(i))))
	}
	if len(in.m) > maxInterned {
		t.Errorf("intern table has %d entries, want at most %d", len(in.m), maxInterned)
	}
	var keys interner
	if got := keys.getEscaped([]byte("1a.b")); got != "_1a_b" {
		t.Errorf("getEscaped(1a.b) = %q, want _1a_b", got)
	}
}

func sameString(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }

// manyTags has 40 tags, t0..t19 twice (the second value wins): more than
// the quadratic dedupe handles.
var manyTags, manyTagsWant = func() (string, []string) {
	var tags []string
	var want []string
	for i := range 20 {
		tags = append(tags, fmt.Sprintf("t%02d:a", i))
	}
	for i := range 20 {
		tags = append(tags, fmt.Sprintf("t%02d:b", i))
		want = append(want, fmt.Sprintf("t%02d", i), "b")
	}
	return strings.Join(tags, ","), want
}()

// TestNameTable checks the name interner: the same string and the right
// hash for a name seen before, through growth and new generations.
func TestNameTable(t *testing.T) {
	var nt nameTable
	const distinct = 60000 // more than a generation holds
	for i := range distinct + 1000 {
		b := []byte(fmt.Sprintf("name.%d", i%distinct))
		s, h, _ := nt.lookup(b)
		if s != string(b) || h != normalize.MatchHash(b) {
			t.Fatalf("lookup(%q) = %q, %x", b, s, h)
		}
		if cur := nt.t.n - nt.t.oldN; 2*cur > len(nt.t.slots) || nt.t.bytes > maxNameBytes {
			t.Fatalf("%d names in %d slots, %d bytes", cur, len(nt.t.slots), nt.t.bytes)
		}
	}
	if nt.t.oldN == 0 {
		t.Error("no new generation was started")
	}
	// An empty name is a name too.
	if s, h, _ := nt.lookup(nil); s != "" || h != normalize.MatchHash(nil) {
		t.Fatalf("empty name: %q, %x", s, h)
	}
	s1, _, known1 := nt.lookup([]byte("again"))
	s2, _, known2 := nt.lookup([]byte("again"))
	if unsafe.StringData(s1) != unsafe.StringData(s2) {
		t.Error("a name seen before was copied again")
	}
	if known1 || !known2 {
		t.Errorf("known: %v then %v, want false then true", known1, known2)
	}
}

// TestExtendedAggregationTagsOnce: the values of an extended-aggregation
// line share their tags, which are read once, not once per value (a 36 KB
// line of 4,000 values and 4,000 tags took 10 s when they were); the
// malformed ones are still counted per value, as statsd_exporter counts.
func TestExtendedAggregationTagsOnce(t *testing.T) {
	const values, tags = 1000, 50
	var b strings.Builder
	b.WriteString("m:")
	for i := range values {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%d", i)
	}
	b.WriteString("|ms|#bad")
	for i := range tags - 1 {
		fmt.Fprintf(&b, ",k%d:v", i)
	}
	b.WriteString("|c:ctr")
	p := newParser(allDialects)
	p.batchMax = 1 << 20
	p.parseLine([]byte(b.String()))
	if len(p.recs) != values {
		t.Fatalf("%d records, want %d", len(p.recs), values)
	}
	// The arena holds the line's labels once: the tags and the container.
	if len(p.labels) != tags {
		t.Errorf("%d labels in the arena, want %d", len(p.labels), tags)
	}
	for i, r := range p.recs {
		if len(r.Labels) != tags || r.Labels.Get("k7") != "v" || r.Labels.Get("container_id") != "ctr" || r.Value != float64(i)/1000 {
			t.Fatalf("record %d: %v %v", i, r.Value, r.Labels)
		}
	}
	if got := p.st.errors[errMalformedTag]; got != values {
		t.Errorf("malformed_tag %d, want %d (one per value)", got, values)
	}
}

// testEntry is a table entry of a fixed cost.
type testEntry struct {
	key     string
	i       int
	dropped bool
}

func (e *testEntry) tableKey() string { return e.key }
func (e *testEntry) tableCost() int   { return 100 }
func (e *testEntry) tableDropped()    { e.dropped = true }
func (e *testEntry) tableKept()       { e.dropped = false }
func (e *testEntry) tableSweep()      {}

// TestTableGenerations: with more keys in use than a generation holds,
// the table serves what fits instead of missing every time (as emptying a
// full table did when the keys came in turn), keeps the keys still in use
// across generations, forgets the ones no longer used within two, and
// stays within its byte budget.
func TestTableGenerations(t *testing.T) {
	const cost, budget = 100, 100 * 100 // 50 entries per generation
	key := func(i int) []byte { return []byte("key." + strconv.Itoa(i)) }
	for _, tc := range []struct {
		name    string
		keys    int // used in turn
		rounds  int
		minHits float64 // share of lookups in the last round that hit
	}{
		{"fits in a generation", 40, 5, 1},
		{"fits in two generations", 70, 5, 0.7},
		{"twice what fits", 200, 5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tb table[testEntry, *testEntry]
			hits := 0
			for r := range tc.rounds {
				hits = 0
				for i := range tc.keys {
					k := key(i)
					h := maphash.Bytes(templateSeed, k)
					if e, ok := tb.find(h, k); ok {
						if e.key != string(k) || e.i != i {
							t.Fatalf("find(%s) = %+v", k, e)
						}
						hits++
					} else {
						tb.add(h, &testEntry{key: string(k), i: i}, budget)
					}
					if tb.bytes > budget || tb.n*cost > budget {
						t.Fatalf("round %d: %d entries, %d bytes over the budget %d", r, tb.n, tb.bytes, budget)
					}
				}
			}
			t.Logf("last round: %d of %d lookups hit", hits, tc.keys)
			if got := float64(hits) / float64(tc.keys); got < tc.minHits {
				t.Errorf("last round: %.2f of lookups hit, want at least %.2f", got, tc.minHits)
			}
			// Keys no longer used are gone within two generations, and
			// told so (a template then forgets the one it predicted).
			var used []*testEntry
			for _, sl := range slices.Concat(tb.slots, tb.old) {
				if sl.v != nil {
					used = append(used, sl.v)
				}
			}
			for i := range 2 * budget / cost {
				k := key(1000 + i)
				tb.add(maphash.Bytes(templateSeed, k), &testEntry{key: string(k), i: i}, budget)
			}
			for i := range tc.keys {
				k := key(i)
				if _, ok := tb.find(maphash.Bytes(templateSeed, k), k); ok {
					t.Fatalf("%s still found after two generations without it", k)
				}
			}
			for _, e := range used {
				if !e.dropped {
					t.Fatalf("%s dropped without tableDropped", e.key)
				}
			}
		})
	}
}

// TestTemplateLinksStayInTable: a template that stays in use keeps no
// template that left the table alive through its prediction (next), even
// when it is never followed by another templated line again.
func TestTemplateLinksStayInTable(t *testing.T) {
	p := newParser(allDialects)
	p.tmplBytes = 64 << 10 // about 220 templates, 110 per generation
	p.emit = func([]normalize.Record) {}
	for range 3 { // a.requests predicts b.requests
		p.parsePacket([]byte("a.requests:1|c\nb.requests:1|c"))
	}
	a, ok := p.tmpls.find(maphash.Bytes(templateSeed, []byte("a.requests:|c")), []byte("a.requests:|c"))
	if !ok || a.next == nil || a.next.key != "b.requests:|c" {
		t.Fatalf("a.requests's template: found %v, predicts %+v", ok, a.next)
	}
	b := a.next
	// a.requests stays in use, always followed by a line without a
	// template; b.requests is no longer sent, and fillers push it out.
	for round := range 8 {
		p.parsePacket([]byte("a.requests:1|c\nbad:x|c"))
		for i := range 150 {
			p.parsePacket([]byte(fmt.Sprintf("filler.%d.requests:%d|c", i, round)))
		}
		p.flush()
	}
	in := map[*lineTemplate]bool{}
	for _, sl := range slices.Concat(p.tmpls.slots, p.tmpls.old) {
		if sl.v != nil {
			in[sl.v] = true
		}
	}
	if !in[a] {
		t.Fatal("a.requests's template left the table")
	}
	if in[b] {
		t.Fatal("b.requests's template is still in the table")
	}
	for tm := range in {
		if tm.next != nil && !in[tm.next] {
			t.Errorf("template %q predicts %q, which left the table", tm.key, tm.next.key)
		}
	}
}
