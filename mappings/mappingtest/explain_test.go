package mappingtest

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/app"
	"github.com/rosetta-adapter/rosetta/inputs/jmx"
	"github.com/rosetta-adapter/rosetta/inputs/plugin"
	"github.com/rosetta-adapter/rosetta/inputs/statsd"
	"github.com/rosetta-adapter/rosetta/mappings"
	"github.com/rosetta-adapter/rosetta/normalize"
)

func testEnv(t testing.TB) *Env {
	t.Helper()
	reg, err := inputs.NewRegistry(append([]inputs.Factory{statsd.NewFactory(), jmx.NewFactory(), plugin.NewFactory()}, app.NewFactories()...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Registry: reg, Options: mappings.Options{}}
}

// statsdLines makes n lines of varied shapes, about half of them covered
// by the test mapping.
func statsdLines(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	svcs := []string{"checkout", "cart", "search", "auth"}
	for i := range n {
		s := svcs[r.IntN(len(svcs))]
		switch i % 6 {
		case 0:
			fmt.Fprintf(&b, "api.%s.requests:%d|c\n", s, 1+r.IntN(5))
		case 1:
			fmt.Fprintf(&b, "api.%s.route%d.latency:%d|ms\n", s, r.IntN(20), r.IntN(500))
		case 2:
			fmt.Fprintf(&b, "web.%s.hits:1|c|#region:eu\n", s)
		case 3:
			fmt.Fprintf(&b, "queue.q%d.depth:%d|g\n", r.IntN(50), r.IntN(100))
		case 4:
			fmt.Fprintf(&b, "jobs.%s.batch%d.duration:%d|ms\n", s, r.IntN(30), r.IntN(9000))
		default:
			fmt.Fprintf(&b, "debug.%s:1|c\n", s)
		}
	}
	return b.Bytes()
}

const explainMapping = `mappings:
  - match: "api.*.requests"
    name: "api_requests_total"
    labels: {service: "$1"}
  - match: "api.*.*.latency"
    observer_type: histogram
    name: "api_latency_seconds"
    labels: {service: "$1", route: "$2"}
  - match: "debug.*"
    action: drop
    name: "dropped"
`

func loadMapping(t testing.TB) *Source {
	t.Helper()
	rsc, err := mappings.TranslateFile("m.yml", []byte(explainMapping), "")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := normalize.NewRuleSet(*rsc)
	if err != nil {
		t.Fatal(err)
	}
	return &Source{Rules: rs, RuleConfig: rsc}
}

func TestExplain(t *testing.T) {
	e := testEnv(t)
	src := loadMapping(t)
	recs, err := e.Records("statsd", []byte("api.cart.requests:2|c\napi.cart.pay.latency:250|ms\ndebug.x:1|c\nweb.home.hits:1|c\nweb.about.hits:1|c\n"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep, err := Explain(&out, src, recs, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"api.cart.requests (counter)\n  rule     m.yml:2  match \"api.*.requests\"  captures [\"cart\"]\n  series   api_requests_total{service=\"cart\"} 2 counter\n",
		"  series   api_latency_seconds{route=\"pay\", service=\"cart\"} 0.25 histogram observation\n",
		"debug.x (counter)\n  rule     m.yml:9  match \"debug.*\"  captures [\"x\"]\n  dropped: dropped by rule m.yml:9\n",
		"web.home.hits (counter)\n  unmatched: kept as web_home_hits{} 1 counter\n",
		"5 records: 2 mapped, 2 unmatched, 1 dropped, 0 invalid",
		"  - match: \"web.*.hits\"\n    name: \"web_hits_total\"\n    labels:\n      web: \"$1\"\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if rep.Mapped != 2 || rep.Unmatched != 2 || rep.Dropped != 1 || len(rep.Suggestions) != 1 {
		t.Errorf("report %+v", rep)
	}
}

// Conflicts (a gauge mapped onto a counter family) and the series budget
// show in the report.
func TestExplainConflictsAndBudget(t *testing.T) {
	e := testEnv(t)
	src := loadMapping(t)
	src.SeriesLimit = 2
	recs, err := e.Records("statsd", []byte("api.a.requests:1|c\napi.b.requests:1|g\napi.c.requests:1|c\napi.d.requests:1|c\n"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := Explain(&out, src, recs, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"conflict: api_requests_total{", "over budget: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// Applying the suggestions leaves nothing unmatched, whatever the names.
func TestSuggestionsCoverEverything(t *testing.T) {
	e := testEnv(t)
	for seed := range uint64(20) {
		recs, err := e.Records("statsd", statsdLines(2000, seed), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Odd names too: digits first, dashes, empty segments.
		more, err := e.Records("statsd", []byte("9lives.count:1|c\nweb-app.hits:1|c\na..b:1|g\nx.y-z.w:1|ms\nsolo:1|c\n"), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, more...)
		src := loadMapping(t)
		var names []Name
		for _, r := range recs {
			if x := src.Rules.Explain(r); x.Rule == nil {
				names = append(names, Name{r.Match, r.Type})
			}
		}
		rules := Rules(Suggest(names))
		rs, err := normalize.NewRuleSet(normalize.RuleSetConfig{Rules: rules})
		if err != nil {
			t.Fatalf("seed %d: suggested rules do not compile: %v\n%s", seed, err, YAML(Suggest(names)))
		}
		for _, n := range names {
			if x := rs.Explain(normalize.Record{Match: n.Match, Type: n.Type, Value: 1}); x.Rule == nil || x.Outcome != normalize.OutcomeMapped {
				t.Fatalf("seed %d: %q (%s) still %s %s with the suggestions:\n%s", seed, n.Match, n.Type, x.Outcome, x.Reason, YAML(Suggest(names)))
			}
		}
	}
}

// BenchmarkExplain10k is `rosetta explain` on 10,000 StatsD lines: parse,
// explain each, store, suggestions. Its ns/op is the report's time.
func BenchmarkExplain10k(b *testing.B) {
	e := testEnv(b)
	src := loadMapping(b)
	body := statsdLines(10000, 1)
	b.ReportAllocs()
	for b.Loop() {
		recs, err := e.Records("statsd", body, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Explain(io.Discard, src, recs, true); err != nil {
			b.Fatal(err)
		}
	}
}
