package main

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// TestStatsdExporterRelayDifferential runs the real statsd_exporter with
// --statsd.relay.address and Rosetta with the same flags on the same
// traffic (the differential test's lines plus DogStatsD events and service
// checks, bad lines and a line too long for a packet), each relaying to
// its own UDP socket, and compares the relayed lines as multisets: both
// relay every non-empty line that fits a packet, bad ones included.
func TestStatsdExporterRelayDifferential(t *testing.T) {
	testutil.SkipShort(t, "statsd_exporter built from the module cache")
	mapping, traffic := statsdDifferentialFixture(t)
	bad := []string{"bad line", "f:x|c", "no.type:1", "odd.type:1|zz", "set.metric:abc|s", "nan.gauge:NaN|g", "mixed,a=b:1|c|#c:d"}
	tooLong := "too.long:1|c|#pad:" + strings.Repeat("p", 600) // longer than the 512-byte packets
	extra := append([]string{"_e{5,4}:title|text|#env:prod", "_sc|disk.ok|0|#host:a", "ext.agg:1:2:3|ms|#env:prod", tooLong}, bad...)
	payload := append(bytes.Clone(traffic), []byte(strings.Join(extra, "\n")+"\n")...)

	var sent []string
	for l := range strings.SplitSeq(string(payload), "\n") {
		if l != "" && l != tooLong {
			sent = append(sent, l)
		}
	}

	type side struct {
		name, bin, statsd, web string
		recv                   *testutil.UDPReceiver
	}
	sides := []*side{
		{name: "statsd_exporter", bin: buildStatsdExporter(t)},
		{name: "rosetta", bin: buildRosetta(t)},
	}
	for _, s := range sides {
		s.statsd, s.web, s.recv = testutil.FreeAddr(t), testutil.FreeAddr(t), testutil.NewUDPReceiver(t)
		startProcess(t, s.bin,
			"--statsd.mapping-config="+mapping,
			"--statsd.listen-udp=",
			"--statsd.listen-tcp="+s.statsd,
			"--web.listen-address="+s.web,
			"--statsd.relay.address="+s.recv.Addr(),
			"--statsd.relay.packet-length=512",
		)
	}
	for _, s := range sides {
		testutil.WaitHTTP(t, "http://"+s.web+"/metrics", 20*time.Second, nil)
		sendTCP(t, s.statsd, payload)
	}
	// Both relay every line they read and flush a packet that is not full
	// every second.
	want := map[string]int{"statsd_exporter": len(sent), "rosetta": len(sent)}
	got := map[string][]string{}
	testutil.Poll(20*time.Second, func() bool {
		done := true
		for _, s := range sides {
			got[s.name] = s.recv.Lines()
			if len(got[s.name]) < want[s.name] {
				done = false
			}
		}
		return done
	})
	for _, s := range sides {
		for _, p := range s.recv.Packets() {
			if len(p) > 512 {
				t.Errorf("%s sent a packet of %d bytes, over --statsd.relay.packet-length=512", s.name, len(p))
			}
		}
	}
	exporter, rosetta := slices.Sorted(slices.Values(got["statsd_exporter"])), slices.Sorted(slices.Values(got["rosetta"]))
	wantExporter := slices.Sorted(slices.Values(sent))
	if diff := cmp.Diff(wantExporter, exporter); diff != "" {
		t.Errorf("statsd_exporter relayed other lines than were sent (-sent +relayed):\n%s", diff)
	}
	if diff := cmp.Diff(exporter, rosetta); diff != "" {
		t.Errorf("relayed lines differ (-statsd_exporter +rosetta):\n%s", diff)
	}
	if len(rosetta) < 80 {
		t.Errorf("Rosetta relayed only %d lines", len(rosetta))
	}
	// statsd_exporter's own families, the relay's with their target label
	// among them, agree after the same lines (bad ones, events and service
	// checks included).
	self := map[string]map[string]string{}
	for _, s := range sides {
		self[s.name] = peerSelfMetrics(scrape(t, "http://"+s.web+"/metrics"))
	}
	for _, s := range sides {
		target := "{target=" + strconv.Quote(s.recv.Addr()) + "}"
		for name, want := range map[string]int{"statsd_exporter_relay_lines_relayed_total": len(sent), "statsd_exporter_relay_long_lines_total": 1} {
			if got := self[s.name][name+target]; got != strconv.Itoa(want) {
				t.Errorf("%s: %s%s = %q, want %d", s.name, name, target, got, want)
			}
		}
		if _, ok := self[s.name]["statsd_exporter_relay_packets_total"+target]; !ok {
			t.Errorf("%s serves no statsd_exporter_relay_packets_total%s", s.name, target)
		}
		for k := range self[s.name] {
			if strings.Contains(k, "target=") || strings.HasPrefix(k, "statsd_exporter_event_queue_flushed_total") {
				// The targets' addresses differ; so may the packets, cut
				// by the time of a flush.
				delete(self[s.name], k)
			}
		}
	}
	if diff := cmp.Diff(self["statsd_exporter"], self["rosetta"]); diff != "" {
		t.Errorf("statsd_exporter's self-metrics differ (-statsd_exporter +rosetta):\n%s", diff)
	}
}
