package expo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

func collect(t *testing.T, body, ctype string) ([]normalize.Record, error) {
	t.Helper()
	var recs []normalize.Record
	err := New().ParseContentType([]byte(body), ctype, func(r normalize.Record) { recs = append(recs, r) })
	return recs, err
}

// format renders records one per line for comparison.
func format(recs []normalize.Record) string {
	var b strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&b, "%s%s %s", r.Match, r.Labels, r.Type)
		if r.Dist != nil {
			fmt.Fprintf(&b, " count=%d sum=%g", r.Dist.Count, r.Dist.Sum)
			for _, bk := range r.Dist.Buckets {
				fmt.Fprintf(&b, " le%g=%d", bk.UpperBound, bk.Count)
			}
			for _, q := range r.Dist.Quantiles {
				fmt.Fprintf(&b, " q%g=%g", q.Quantile, q.Value)
			}
		} else {
			fmt.Fprintf(&b, " %g", r.Value)
		}
		if r.Help != "" {
			fmt.Fprintf(&b, " help=%q", r.Help)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

const textBody = `# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{code="200",path="/a b"} 1027 1395066363000
http_requests_total{code="500",path="/"} 3
# HELP temp_celsius Temperature.
# TYPE temp_celsius gauge
temp_celsius NaN
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.05
rpc_seconds{quantile="0.99"} 0.3
rpc_seconds_sum 12.5
rpc_seconds_count 100
# TYPE req_bytes histogram
req_bytes_bucket{le="100"} 3
req_bytes_bucket{le="1000"} 7
req_bytes_bucket{le="+Inf"} 9
req_bytes_sum 4200
req_bytes_count 9
no_type_here{a="1"} -Inf
`

func TestParseText(t *testing.T) {
	recs, err := collect(t, textBody, "text/plain; version=0.0.4")
	if err != nil {
		t.Fatal(err)
	}
	want := `http_requests_total{code="200", path="/a b"} counter 1027 help="Requests served."
http_requests_total{code="500", path="/"} counter 3 help="Requests served."
no_type_here{a="1"} untyped -Inf
req_bytes{} histogram count=9 sum=4200 le100=3 le1000=7 le+Inf=9
rpc_seconds{} summary count=100 sum=12.5 q0.5=0.05 q0.99=0.3
temp_celsius{} gauge NaN help="Temperature."
`
	if diff := cmp.Diff(want, format(recs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// OpenMetrics 1.0: _total counters, _created, exemplars, timestamps in
// seconds, UNIT, info, stateset, unknown, and # EOF.
func TestParseOpenMetrics(t *testing.T) {
	body := `# HELP http_requests Requests served.
# TYPE http_requests counter
# UNIT http_requests requests
http_requests_total{code="200"} 1027 1520879607.789 # {trace_id="KOO5S4vxi0o"} 1.0
http_requests_created{code="200"} 1520430000.123
# TYPE build info
build_info{version="1.2",note="a } # b"} 1
# TYPE state stateset
state{state="on"} 1
state{state="off"} 0
# TYPE thing unknown
thing 7
# TYPE lat_seconds histogram
lat_seconds_bucket{le="0.1"} 2
lat_seconds_bucket{le="+Inf"} 4 # {id="x"} 0.2
lat_seconds_sum 0.9
lat_seconds_count 4
lat_seconds_created 1520430000
# EOF
`
	recs, err := collect(t, body, "application/openmetrics-text; version=1.0.0; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	want := `build_info{version="1.2", note="a } # b"} gauge 1
http_requests_total{code="200"} counter 1027 help="Requests served."
lat_seconds{} histogram count=4 sum=0.9 le0.1=2 le+Inf=4
state{state="on"} gauge 1
state{state="off"} gauge 0
thing{} untyped 7
`
	if diff := cmp.Diff(want, format(recs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// The same body without the Content-Type is recognised by its # EOF.
	if recs2, err := collect(t, body, ""); err != nil || len(recs2) != len(recs) {
		t.Errorf("detected OpenMetrics: %d records, %v", len(recs2), err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ body, ctype, reason, msg string }{
		{"metric{a=\"1\" 1\n", "", "invalid_exposition", "line 1"},
		{"# TYPE x counter\nx{} notanumber\n", "", "invalid_exposition", "line 2"},
		{"# TYPE x counter\nx_total 1\n", "application/openmetrics-text; version=1.0.0", "truncated", "without # EOF"},
		{"x 1\n# EOF\ny 2\n", "application/openmetrics-text; version=1.0.0", "invalid_exposition", "after # EOF"},
		{"# TYPE x gauge\n# TYPE x counter\nx 1\n", "", "invalid_exposition", "second TYPE"},
	} {
		_, err := collect(t, tc.body, tc.ctype)
		if err == nil || parsing.Reason(err, "") != tc.reason || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: error %v (reason %q), want reason %q containing %q", tc.body, err, parsing.Reason(err, ""), tc.reason, tc.msg)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(textBody), "")
	f.Add([]byte("# TYPE a counter\na_total{x=\"1\"} 1 # {t=\"1\"} 2\n# EOF\n"), "application/openmetrics-text; version=1.0.0")
	f.Add([]byte("a{b=\"\\\"}\"} 1\n"), "")
	f.Add([]byte(strings.Repeat("# HELP h help\n", 50)+"# EOF\n"), "")
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		var recs []normalize.Record
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		a0, start := ms.TotalAlloc, time.Now()
		err := New().ParseContentType(body, ctype, func(r normalize.Record) { recs = append(recs, r) })
		// Time and memory linear in the body: a generous constant per byte.
		runtime.ReadMemStats(&ms)
		if alloc := ms.TotalAlloc - a0; alloc > 200*uint64(len(body))+8<<20 {
			t.Fatalf("%d bytes allocated for a %d-byte body", alloc, len(body))
		}
		limit := time.Second + time.Duration(len(body))*10*time.Microsecond
		if el := time.Since(start); el > limit {
			// Once is a busy machine (a 20-byte body once took 2.6 s at
			// load 30); a slow parse is slow again.
			start = time.Now()
			_ = New().ParseContentType(body, ctype, func(normalize.Record) {})
			if again := time.Since(start); again > limit {
				t.Fatalf("%v and %v for a %d-byte body", el, again, len(body))
			}
		}
		if err != nil {
			if parsing.Reason(err, "") == "" {
				t.Fatalf("error without a reason: %v", err)
			}
			return
		}
		for _, r := range recs {
			if r.Match == "" {
				t.Fatalf("record without a name: %+v", r)
			}
			if (r.Type == normalize.TypeHistogram || r.Type == normalize.TypeSummary) != (r.Dist != nil) {
				t.Fatalf("distribution mismatch: %+v", r)
			}
			if r.Dist != nil && r.Type == normalize.TypeHistogram {
				if n := len(r.Dist.Buckets); n == 0 || !math.IsInf(r.Dist.Buckets[n-1].UpperBound, 1) {
					t.Fatalf("histogram without +Inf bucket: %+v", r.Dist)
				}
			}
		}
	})
}

// helpOnly is an OpenMetrics body of n HELP lines and no TYPE: each HELP
// looked ahead through all the lines after it.
func helpOnly(size int) []byte {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "# HELP m%d some help\n", i)
	}
	b.WriteString("# EOF\n")
	return []byte(b.String())
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestHelpOnlyBodyIsLinear: a 300 KiB body of HELP lines took seconds
// (quadratic look-ahead); now well under the 50 ms the issue asks for
// (BenchmarkHelpOnly has the number; the bound here is loose for a shared
// machine), and a HELP still finds a TYPE declared after it.
func TestHelpOnlyBodyIsLinear(t *testing.T) {
	body := helpOnly(300 << 10)
	c0 := cpuTime()
	if err := New().ParseContentType(body, "", func(normalize.Record) {}); err != nil {
		t.Fatal(err)
	}
	cpu := cpuTime() - c0
	t.Logf("%d KiB of HELP lines: %v of CPU", len(body)>>10, cpu)
	if cpu > 500*time.Millisecond {
		t.Errorf("%v of CPU", cpu)
	}
	recs, err := collect(t, "# HELP c help\n# HELP x other\n# TYPE c counter\nc_total 1\n# HELP d late\n# TYPE d gauge\nd 2\n# EOF\n", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Match != "c_total" || recs[0].Type != normalize.TypeCounter || recs[0].Help != "help" ||
		recs[1].Match != "d" || recs[1].Type != normalize.TypeGauge {
		t.Errorf("records %+v", recs)
	}
}

// TestParseStopsWhenCanceled: the poll's context ends the parse.
func TestParseStopsWhenCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := New().ParseContext(ctx, helpOnly(1<<20), "", func(normalize.Record) {})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func BenchmarkHelpOnly(b *testing.B) {
	body := helpOnly(300 << 10)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := New().ParseContentType(body, "", func(normalize.Record) {}); err != nil {
			b.Fatal(err)
		}
	}
}

// deadlineAfter is a context whose deadline passes after its Err has been
// asked n times: the parse's checks, counted, stand in for the clock.
type deadlineAfter struct {
	context.Context
	n int
}

func (c *deadlineAfter) Err() error {
	if c.n <= 0 {
		return context.DeadlineExceeded
	}
	c.n--
	return nil
}

func (c *deadlineAfter) Done() <-chan struct{} { return nil }

// TestParseStopsAtDeadline (issue 17): the poll timeout stops a parse that
// is inside the Prometheus library's text parser, a few KiB after the
// deadline, whatever the size of the body (the text parser used to read
// it all); the error's reason is "timeout". OpenMetrics bodies stop in
// the rewrite before it, or in the parser.
func TestParseStopsAtDeadline(t *testing.T) {
	var text strings.Builder
	for i := 0; text.Len() < 2<<20; i++ {
		fmt.Fprintf(&text, "m{i=\"%d\"} %d\n", i, i)
	}
	body := []byte(text.String())
	om := append([]byte("# TYPE m gauge\n"), body...)
	om = append(om, "# EOF\n"...)
	// The rewrite checks once per 4096 lines.
	rewriteChecks := bytes.Count(om, []byte{'\n'}) / 4096
	for _, tc := range []struct {
		name  string
		body  []byte
		ctype string
		after int
	}{
		{"text, deadline at the start", body, "", 0},
		{"text, deadline inside the library's parser", body, "", 10},
		{"OpenMetrics, deadline in the rewrite", om, "application/openmetrics-text; version=1.0.0", 2},
		{"OpenMetrics, deadline inside the library's parser", om, "application/openmetrics-text; version=1.0.0", rewriteChecks + 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emitted := 0
			err := New().ParseContext(&deadlineAfter{context.Background(), tc.after}, tc.body, tc.ctype, func(normalize.Record) { emitted++ })
			if parsing.Reason(err, "") != "timeout" || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error %v (reason %q), want a timeout", err, parsing.Reason(err, ""))
			}
			if emitted != 0 {
				t.Errorf("%d records emitted by a parse that failed", emitted)
			}
			// The text parser reads 4 KiB at a time and checks at each read.
			var read, size int
			if _, err := fmt.Sscanf(err.Error(), "parse stopped after %d of %d bytes", &read, &size); err != nil {
				t.Fatalf("%q: %v", err.Error(), err)
			}
			if read > 11*4096 {
				t.Errorf("%d of %d bytes read after %d checks: the deadline did not stop the read", read, size, tc.after)
			}
		})
	}
	// Without a deadline the same body parses.
	n := 0
	if err := New().ParseContext(context.Background(), body, "", func(normalize.Record) { n++ }); err != nil || n == 0 {
		t.Fatalf("%d records, %v", n, err)
	}
}

// TestTooManyLines: a body of more lines than MaxLines fails before any
// parse work, with its reason.
func TestTooManyLines(t *testing.T) {
	body := []byte(strings.Repeat("a 1\n", MaxLines+1))
	err := New().ParseContext(context.Background(), body, "", func(normalize.Record) { t.Fatal("record emitted") })
	if parsing.Reason(err, "") != "too_many_lines" {
		t.Fatalf("error %v, want too_many_lines", err)
	}
	comments := []byte(strings.Repeat("#\n", MaxLines))
	if err := New().ParseContext(context.Background(), comments, "", func(normalize.Record) {}); err != nil {
		t.Fatalf("%d lines: %v", MaxLines, err)
	}
}
