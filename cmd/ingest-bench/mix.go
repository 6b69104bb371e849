package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Series mixes for the memory and render measurements (-series-mix).
const (
	// mixMapped goes through the mapping file's rules: 60% counters, 20%
	// gauges, 15% histograms, 5% summaries (seriesLines).
	mixMapped = "mapped"
	// mixIssue15 is issue 15's traffic, sent without a mapping file: 60%
	// counters, 20% gauges, 20% timers (summaries, both servers' default
	// for unmapped timers), a third of the lines with DogStatsD tags.
	mixIssue15 = "issue15"
)

// mixLines returns the StatsD lines that create n series of the mix, and
// the mapping file both servers run with ("" for none).
func mixLines(mix string, n int, mapping string) ([]byte, string, error) {
	switch mix {
	case mixMapped:
		return seriesLines(n), mapping, nil
	case mixIssue15:
		return issue15Lines(n), "", nil
	}
	return nil, "", fmt.Errorf("-series-mix %q: want %s or %s", mix, mixMapped, mixIssue15)
}

// issue15Lines creates n distinct unmapped series: in every 15, 9 counters,
// 3 gauges and 3 timers with three observations each. Untagged series
// have a name each (dotted StatsD names); every third series is tagged
// instead (an environment, a host, a route: DogStatsD tags), its name one
// of 100 per type, as an application that tags some of its metrics sends
// them.
func issue15Lines(n int) []byte {
	var b strings.Builder
	r := rand.New(rand.NewPCG(3, 4)) //nolint:gosec // G404: reproducible load, not secrets
	for i := range n {
		id, tags := fmt.Sprint(i), ""
		if i%3 == 0 {
			id = fmt.Sprintf("tagged%d", i%100)
			tags = fmt.Sprintf("|#env:prod,host:web%d,route:/api/v1/item%d", i%40, i)
		}
		switch p := i % 15; {
		case p < 9:
			fmt.Fprintf(&b, "app.http.requests.%s:%d|c%s\n", id, 1+r.IntN(9), tags)
		case p < 12:
			fmt.Fprintf(&b, "app.pool.connections.%s:%g|g%s\n", id, float64(r.IntN(400))/4, tags)
		default:
			for range 3 {
				fmt.Fprintf(&b, "app.db.query.%s:%d|ms%s\n", id, r.IntN(1000), tags)
			}
		}
	}
	return []byte(b.String())
}
