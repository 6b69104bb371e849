package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// TestStatsdExporterSelfMetricsErrors sends statsd_exporter and Rosetta
// (no mapping file, StatsD over UDP) the lines their error and conflict
// counters count: malformed lines and values, bad sample rates, a bad tag,
// mixed tagging styles, a DogStatsD event, type conflicts (a sampled timer
// among them) and a negative counter; statsd_exporter's own families must
// agree (TestStatsdExporterDifferential compares them after the mapped
// traffic).
func TestStatsdExporterSelfMetricsErrors(t *testing.T) {
	packets := []string{
		"no_colon_here",
		"bad_value:abc|c",
		"bad_type:1|x",
		"bad_rate:1|c|@abc",
		"tagged:1|c|#env:prod,broken,region:eu",
		"mixed,a=b:1|c|#c:d",
		"_e{5,4}:title|text",
		"_e{5,4}:title|text|#env:prod,bad",
		"_sc|svc|0",
		"_sc|svc|1|h:host|#a:b|m:msg",
		// read as metric lines, statsd_exporter serves a counter of each
		"_e{1,1}:1|c",
		"_sc|1:2|c",
		"bad\xff:1|c",
		"rate:1|c|@0.5:2|c",
		"clash:1|c\nclash:2|g\nclash:3|ms|@0.1",
		"neg_total:-1|c",
		"fine:1|c\nfine_gauge:2|g\nfine_timer:3|ms|@0.5",
		"multi:1|c:2|g",
		"a.b.c:1|c|#tag.with.dots:x",
	}
	servers := startStatsdPairOn(t, "", "udp")
	for _, s := range servers {
		testutil.WaitHTTP(t, "http://"+s.web+"/metrics", 20*time.Second, nil)
		sendUDP(t, s.statsdAddr, packets...)
		sendUDP(t, s.statsdAddr, "last:1|g")
	}
	got := map[string]map[string]string{}
	events := map[string][]string{} // the families of the DogStatsD lines
	testutil.Poll(10*time.Second, func() bool {
		for _, s := range servers {
			mfs := scrape(t, "http://"+s.web+"/metrics")
			if _, ok := mfs["last"]; !ok {
				return false
			}
			got[s.name] = peerSelfMetrics(mfs)
			events[s.name] = nil
			for name, mf := range mfs {
				if strings.HasPrefix(name, "_") {
					events[s.name] = append(events[s.name], fmt.Sprintf("%s %v", name, mf.GetMetric()[0].GetCounter().GetValue()))
				}
			}
			slices.Sort(events[s.name])
		}
		return true
	})
	if diff := cmp.Diff(got["statsd_exporter"], got["rosetta"]); diff != "" {
		t.Errorf("statsd_exporter's self-metrics differ (-statsd_exporter +rosetta):\n%s", diff)
	}
	if diff := cmp.Diff(events["statsd_exporter"], events["rosetta"]); diff != "" || len(events["rosetta"]) != 2 {
		t.Errorf("series of DogStatsD lines read as metric lines: statsd_exporter %v, rosetta %v", events["statsd_exporter"], events["rosetta"])
	}
	for _, want := range []string{
		`statsd_exporter_events_conflict_total{metric_name="clash",type="gauge"}`,
		`statsd_exporter_udp_packets_total{}`,
	} {
		if _, ok := got["statsd_exporter"][want]; !ok {
			var keys []string
			for k := range got["statsd_exporter"] {
				keys = append(keys, k)
			}
			t.Errorf("statsd_exporter serves no %s; it serves %s", want, strings.Join(keys, " "))
		}
	}
}
