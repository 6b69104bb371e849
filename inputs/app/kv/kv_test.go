package kv

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

func collect(p parsing.Parser, body string) ([]string, error) {
	var out []string
	err := p.Parse([]byte(body), func(r normalize.Record) {
		out = append(out, fmt.Sprintf("%s%s %s %g", r.Match, r.Labels, r.Type, r.Value))
	})
	sort.Strings(out)
	return out, err
}

func mustText(t testing.TB, cfg TextConfig) parsing.Parser {
	p, err := Text(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParsers(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    parsing.Parser
		body string
		want []string
	}{
		{"redis", Redis(), "# Server\r\nredis_version:7.0.15\r\nuptime_in_seconds:10\r\n# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=0\r\nslave0:ip=10.0.0.2,port=6380,state=online,offset=5,lag=0\r\ncmdstat_get:calls=2,usec=4,usec_per_call=2.00\r\nlatency_percentiles_usec_get:p50=1.003,p99.9=5\r\n", []string{
			`cmdstat.calls{cmd="get"} counter 2`, `cmdstat.usec_per_call{cmd="get"} gauge 2`, `cmdstat.usec{cmd="get"} counter 4`,
			`keyspace.avg_ttl{db="db0"} gauge 0`, `keyspace.expires{db="db0"} gauge 1`, `keyspace.keys{db="db0"} gauge 3`,
			`latency_percentiles_usec{cmd="get", percentile="50"} gauge 1.003`, `latency_percentiles_usec{cmd="get", percentile="99.9"} gauge 5`,
			`redis_version{redis_version="7.0.15"} gauge 1`,
			`slave.lag{slave="0", ip="10.0.0.2", port="6380", state="online"} gauge 0`, `slave.offset{slave="0", ip="10.0.0.2", port="6380", state="online"} gauge 5`,
			`uptime_in_seconds{} gauge 10`,
		}},
		{"memcached", Memcached(), "STAT pid 1\r\nSTAT rusage_user 0:500000\r\nSTAT cmd_get 5\r\nSTAT version 1.6.18\r\nSTAT 1:chunk_size 96\r\nSTAT items:1:number 3\r\nEND\r\n", []string{
			`cmd_get{} counter 5`, `items.number{slab="1"} gauge 3`, `pid{} gauge 1`, `rusage_user{} counter 0.5`, `slab.chunk_size{slab="1"} gauge 96`, `version{version="1.6.18"} gauge 1`,
		}},
		{"nginx", Nginx(), "Active connections: 2 \nserver accepts handled requests\n 16 16 31 \nReading: 0 Writing: 1 Waiting: 1 \n", []string{
			`accepts{} counter 16`, `active{} gauge 2`, `handled{} counter 16`, `reading{} gauge 0`, `requests{} counter 31`, `waiting{} gauge 1`, `writing{} gauge 1`,
		}},
		{"text", mustText(t, TextConfig{Lines: []LineRule{
			{Regex: `^(?P<key>[a-z_]+)\s*=\s*(?P<value>[-0-9.]+)$`},
			{Regex: `^queue (?P<queue>\w+) depth (?P<value>\d+)$`, Match: "queue_depth", Type: "gauge"},
		}}), "hits = 10\nqueue orders depth 3\nnoise line\nmisses=2\n", []string{
			`hits{} gauge 10`, `misses{} gauge 2`, `queue_depth{queue="orders"} gauge 3`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := collect(tc.p, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(tc.want)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParserErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    parsing.Parser
		body string
		want string
	}{
		{"redis html", Redis(), "<html>\n", "is not \"key:value\""},
		{"redis empty", Redis(), "", "no statistics"},
		{"memcached", Memcached(), "VALUE x 0 1\r\n", "not \"STAT name value\""},
		{"memcached stat without name", Memcached(), "STAT pid 1\r\nSTAT 0: x\r\nEND\r\n", "line 2"},
		{"nginx", Nginx(), "Active connections: x\n", "not an nginx stub_status page"},
		{"apache", Apache(), "ok\nnot a pair\n", "is not \"Key: value\""},
		{"text strict", mustText(t, TextConfig{Strict: true, Lines: []LineRule{{Regex: `^(?P<key>\w+) (?P<value>\d+)$`}}}), "a 1\nb c\n", "line 2"},
	} {
		_, err := collect(tc.p, tc.body)
		if err == nil || parsing.Reason(err, "") != "invalid_body" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want invalid_body containing %q", tc.name, err, tc.want)
		}
	}
	for _, cfg := range []TextConfig{{}, {Lines: []LineRule{{Regex: "("}}}, {Lines: []LineRule{{Regex: `(?P<key>\w+)`}}}, {Lines: []LineRule{{Regex: `(?P<value>\d+)`}}},
		{Lines: []LineRule{{Regex: `(?P<key>\w+) (?P<value>\d+)`, Type: "histogram"}}}, {Lines: []LineRule{{Regex: `(?P<k_ey>\w+) (?P<value>\d+) (?P<1x>\d)`}}}} {
		if _, err := Text(cfg); err == nil {
			t.Errorf("Text(%+v) accepted", cfg)
		}
	}
}

func FuzzKV(f *testing.F) {
	f.Add(uint8(0), []byte("# Server\r\nredis_version:7.0.15\r\ndb0:keys=1,expires=0\r\ncmdstat_get:calls=1\r\n"))
	f.Add(uint8(1), []byte("STAT pid 1\r\nSTAT 1:chunk_size 96\r\nEND\r\n"))
	f.Add(uint8(2), []byte("Active connections: 1 \nserver accepts handled requests\n 1 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n"))
	f.Add(uint8(3), []byte("Total Accesses: 1\nScoreboard: _W..\n"))
	f.Add(uint8(4), []byte("a = 1\nqueue x depth 2\n"))
	text := mustText(f, TextConfig{Lines: []LineRule{{Regex: `^(?P<key>\w+)\s*=\s*(?P<value>\S+)$`}, {Regex: `^queue (?P<queue>\w+) depth (?P<value>\S+)`, Match: "q_${queue}"}}})
	parsers := []parsing.Parser{Redis(), Memcached(), Nginx(), Apache(), text}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		p := parsers[int(which)%len(parsers)]
		err := p.Parse(body, func(r normalize.Record) {
			for _, l := range r.Labels {
				if l.Name == "" {
					t.Fatalf("empty label name: %+v", r)
				}
			}
		})
		if err != nil && parsing.Reason(err, "") == "" {
			t.Fatalf("error without a reason: %v", err)
		}
	})
}
