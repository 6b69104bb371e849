package main

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseUDPDrops(t *testing.T) {
	table := `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 0100007F:4B3F 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 2000 2 0000000000000000 42
  124: 0100007F:4B40 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 2001 2 0000000000000000 7
`
	got, err := parseUDPDrops(strings.NewReader(table), 0x4B3F)
	if err != nil || got != 42 {
		t.Errorf("got %d, %v; want 42", got, err)
	}
	if _, err := parseUDPDrops(strings.NewReader(table), 1); err == nil {
		t.Error("no error for a port without a socket")
	}
}

func TestParseRcvbufErrors(t *testing.T) {
	snmp := "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\nUdp: 100 2 5 90 5 0\n"
	got, err := parseRcvbufErrors(snmp)
	if err != nil || got != 5 {
		t.Errorf("got %d, %v; want 5", got, err)
	}
}

func TestPacketsCountLines(t *testing.T) {
	lines := testTraffic(t)
	for _, lpp := range []int{1, 7, 20} {
		pkts := packets(lines, lpp, 50, false)
		for i, p := range pkts {
			if n := strings.Count(string(p), "\n") + 1; n != lpp {
				t.Fatalf("lpp %d: packet %d has %d lines", lpp, i, n)
			}
			if len(p) > 1432 && lpp > 1 {
				t.Logf("lpp %d: packet of %d bytes exceeds a typical client's 1432", lpp, len(p))
			}
		}
	}
}

func TestSeriesLinesDistinct(t *testing.T) {
	const n = 2000
	names := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(seriesLines(n))), "\n") {
		names[l[:strings.IndexByte(l, ':')]] = true
	}
	if len(names) != n {
		t.Errorf("%d distinct names, want %d", len(names), n)
	}
}

func TestPacketsSameSizeSameValues(t *testing.T) {
	lines := testTraffic(t)
	for _, lpp := range []int{1, 7, 20} {
		pkts := packets(lines, lpp, 200, true)
		for i, p := range pkts {
			if len(p) != len(pkts[0]) {
				t.Fatalf("lpp %d: packet %d has %d bytes, packet 0 %d", lpp, i, len(p), len(pkts[0]))
			}
			for k, l := range strings.Split(string(p), "\n") {
				orig := lines[(i*lpp+k)%len(lines)]
				a, _ := strconv.ParseFloat(value(l), 64)
				b, _ := strconv.ParseFloat(value(orig), 64)
				rest := func(l string) string {
					return l[:strings.IndexByte(l, ':')] + l[strings.IndexByte(l, ':')+1+len(value(l)):]
				}
				if a != b || rest(l) != rest(orig) {
					t.Fatalf("lpp %d: line %q was %q", lpp, l, orig)
				}
			}
		}
	}
}

func testTraffic(t *testing.T) []string {
	t.Helper()
	lines, err := readTraffic("../../testdata/e2e/statsd-differential/ingest-traffic.txt")
	if err != nil {
		t.Fatal(err)
	}
	return lines
}
