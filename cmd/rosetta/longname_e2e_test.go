package main

import (
	"strings"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// TestStatsdExporterLongNames: a 20,000-byte metric name and a 20,000-byte
// tag value, each in one UDP datagram, are served by statsd_exporter and by
// Rosetta alike (Rosetta's default bounds, 65,536 bytes, are above the
// largest datagram; they used to be 8,192 and dropped both lines).
func TestStatsdExporterLongNames(t *testing.T) {
	name := "long_" + strings.Repeat("n", 20000-len("long_"))
	value := strings.Repeat("v", 20000)
	servers := startStatsdPairOn(t, "", "udp")
	for _, s := range servers {
		testutil.WaitHTTP(t, "http://"+s.web+"/metrics", 20*time.Second, nil)
		sendUDP(t, s.statsdAddr, name+":3|c", "tagged_total:2|c|#k:"+value, "after:1|g")
	}
	got := map[string]map[string]string{}
	testutil.Poll(10*time.Second, func() bool {
		for _, s := range servers {
			got[s.name] = flatten(t, scrape(t, "http://"+s.web+"/metrics"))
			if _, ok := got[s.name]["after{}"]; !ok {
				return false
			}
		}
		return true
	})
	wantServed(t, got, map[string]string{
		name + "{}":                       "3",
		`tagged_total{k="` + value + `"}`: "2",
		"after{}":                         "1",
	})
}
