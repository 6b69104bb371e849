package statsd

import (
	"bytes"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/normalize"
)

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		"foo:1|c", "foo:1|c|@0.1|#a:b,c:d", "foo,a=b:1|g", "foo#a=b:+1|g", "foo[a=b]x:1|ms|@0.5", "a:1|c\nb:2|g\n",
		"foo:1:2:3|h|#a:b", "foo:1|c:2|g", "_e{1,1}:a|b", "_sc|x|0", "foo:1|c|c:abc|T1", "n]x[:1|c", "foo:NaN|g",
	} {
		f.Add([]byte(s))
	}
}

// FuzzParse parses arbitrary packets: no panic, and every record is well
// formed and does not alias the packet.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		p := newParser(parserOptions{dogStatsD: true, influxDB: true, librato: true, signalFX: true, maxRepeat: 50})
		p.batchMax = 16
		var recs []normalize.Record
		p.emit = func(b []normalize.Record) {
			if len(b) > 16 {
				t.Fatalf("batch of %d records", len(b))
			}
			recs = append(recs, cloneRecs(b)...)
		}
		orig := bytes.Clone(pkt)
		p.parsePacket(pkt)
		p.flush()
		if !bytes.Equal(orig, pkt) {
			t.Fatal("parser modified the packet")
		}
		n := uint64(0)
		for _, r := range recs {
			if r.Repeat == 1 || r.Repeat > 50 || r.Repeat > 0 && r.Type != normalize.TypeObserver {
				t.Fatalf("record %+v: Repeat is 0 or 2 to maxRepeat, for observations only", r)
			}
			n += uint64(max(r.Repeat, 1))
		}
		if n != p.st.records {
			t.Fatalf("%d observations emitted, %d counted", n, p.st.records)
		}
		if got, want := p.st.lines, uint64(bytes.Count(pkt, []byte("\n"))+1); got != want {
			t.Fatalf("%d lines counted, want %d", got, want)
		}
		for i := range pkt {
			pkt[i] ^= 0xff
		}
		for _, r := range recs {
			// An empty name comes only from a name that is all tags
			// (",a=b:1|c", "#x:1|c", "[a=b]:1|c"): statsd_exporter's
			// pkg/line gives the same empty name (FuzzDifferential), and
			// the pipeline drops and counts it
			// (rosetta_rule_invalid_total{reason="empty_metric_name"}).
			if r.Match == "" && !strings.ContainsAny(string(orig), ",#[") || !utf8.ValidString(r.Match) || strings.ContainsAny(r.Match, "\n") {
				t.Fatalf("bad name %q", r.Match)
			}
			if r.Type != normalize.TypeGauge && (math.IsNaN(r.Value) || math.IsInf(r.Value, 0)) {
				t.Fatalf("non-finite value in %+v", r)
			}
			if r.Type != normalize.TypeCounter && r.Type != normalize.TypeGauge && r.Type != normalize.TypeObserver {
				t.Fatalf("bad type in %+v", r)
			}
			if !bytes.Contains(orig, []byte(r.Match)) && !strings.ContainsAny(string(orig), "[]") {
				t.Fatalf("name %q not in the packet", r.Match)
			}
			seen := map[string]bool{}
			for _, l := range r.Labels {
				if l.Name == "" || l.Value == "" || seen[l.Name] {
					t.Fatalf("bad or repeated label in %+v", r)
				}
				seen[l.Name] = true
			}
		}
	})
}

// FuzzDifferential compares one line with statsd_exporter's pkg/line.
func FuzzDifferential(f *testing.F) {
	fuzzSeeds(f)
	u, p := newUpstream(allDialects), newParser(allDialects)
	f.Fuzz(func(t *testing.T, l []byte) {
		if bytes.IndexByte(l, '\n') >= 0 || len(l) > 512 {
			return
		}
		diffLine(t, u, p, string(l))
	})
}

// FuzzRelay parses arbitrary packets with a relay: what is relayed is the
// packet's lines as received, in order, each ending in "\n"; every line
// that gave a record and fits a packet is among them, none that fits no
// packet is.
func FuzzRelay(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		const packetLength = 32
		r := newRelay(RelayConfig{Address: "127.0.0.1:9", PacketLength: packetLength, QueueSize: len(pkt) + 1, FlushInterval: time.Second},
			prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
		opts := parserOptions{dogStatsD: true, influxDB: true, librato: true, signalFX: true, maxRepeat: 50}
		p := newParser(opts)
		p.emit = func([]normalize.Record) {}
		p.relay = &relayBuf{r: r}
		p.parsePacket(pkt)
		p.flush()
		var relayed []byte
		for len(r.queue) > 0 {
			relayed = append(relayed, (<-r.queue).b...)
		}
		if len(relayed) > 0 && relayed[len(relayed)-1] != '\n' {
			t.Fatalf("relayed %q does not end in a newline", relayed)
		}
		// Walk the packet's lines: the relayed ones must come in order.
		single := newParser(opts)
		single.emit = func([]normalize.Record) {}
		rest := relayed
		for _, line := range bytes.Split(pkt, []byte("\n")) {
			before := single.st.records
			single.parseLine(line)
			single.flush()
			gave := single.st.records > before
			if len(line) > 0 && bytes.HasPrefix(rest, append(bytes.Clone(line), '\n')) {
				if len(line)+1 > packetLength {
					t.Fatalf("relayed %q, longer than a packet", line)
				}
				rest = rest[len(line)+1:]
				continue
			}
			if gave && len(line)+1 <= packetLength {
				t.Fatalf("line %q gave a record but was not relayed (relayed %q)", line, relayed)
			}
		}
		if len(rest) > 0 {
			t.Fatalf("relayed %q that is no line of the packet, in order", rest)
		}
	})
}
