package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Series mixes for the memory and render measurements (-series-mix).
const (
	// mixMapped goes through the mapping file's rules: 60% counters, 20%
	// gauges, 15% histograms, 5% summaries (seriesLines), sent once.
	mixMapped = "mapped"
	// mixIssue15 is issue 15's traffic, sent without a mapping file: 60%
	// counters, 20% gauges, 20% timers (summaries, both servers' default
	// for unmapped timers), a third of the lines with DogStatsD tags, sent
	// as an application sends it: every series again between scrapes
	// (issue15Rounds).
	mixIssue15 = "issue15"
)

// mixRounds returns the StatsD lines of each round (scrape interval) that
// create and then update n series of the mix, and the mapping file both
// servers run with ("" for none). The mapped mix is one round.
func mixRounds(mix string, n int, mapping string, rounds, timerObs int) ([][]byte, string, error) {
	switch mix {
	case mixMapped:
		return [][]byte{seriesLines(n)}, mapping, nil
	case mixIssue15:
		return issue15Rounds(n, rounds, timerObs), "", nil
	}
	return nil, "", fmt.Errorf("-series-mix %q: want %s or %s", mix, mixMapped, mixIssue15)
}

// issue15Rounds is issue 15's traffic over n distinct unmapped series, in
// rounds: in every 15 series, 9 counters, 3 gauges and 3 timers. Untagged
// series have a name each (dotted StatsD names); every third series is
// tagged instead (an environment, a host, a route: DogStatsD tags), its
// name one of 100 per type, as an application that tags some of its
// metrics sends them.
//
// A round is what reaches the server between two scrapes: every series
// is updated (a counter's increment and a gauge's value once, as StatsD
// clients aggregate those each flush), and every timer gets timerObs
// observations (clients send each timing). The first round creates the
// series; the harness scrapes after each round, as Prometheus does, so
// that a summary's observations reach its quantile streams as they do in
// a running exporter. With the defaults (5 rounds of 12) a timer has 60
// observations, 12 per scrape interval: a timer seen every few seconds.
func issue15Rounds(n, rounds, timerObs int) [][]byte {
	r := rand.New(rand.NewPCG(3, 4)) //nolint:gosec // G404: reproducible load, not secrets
	out := make([][]byte, rounds)
	for k := range out {
		var b strings.Builder
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
				for range timerObs {
					fmt.Fprintf(&b, "app.db.query.%s:%d|ms%s\n", id, r.IntN(1000), tags)
				}
			}
		}
		out[k] = []byte(b.String())
	}
	return out
}

// seriesLines creates n distinct series through the mapping's rules: 60%
// counters, 20% gauges, 15% histograms, 5% summaries.
func seriesLines(n int) []byte {
	var b strings.Builder
	r := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // G404: reproducible load, not secrets
	for i := range n {
		switch p := i % 20; {
		case p < 12:
			fmt.Fprintf(&b, "api.svc%d.requests:%d|c\n", i, 1+r.IntN(9))
		case p < 16:
			fmt.Fprintf(&b, "temp.room%d.celsius:%g|g\n", i, r.Float64()*40)
		case p < 19:
			for range 3 {
				fmt.Fprintf(&b, "jobs.job%d.duration:%g|h\n", i, r.Float64()*100)
			}
		default:
			for range 3 {
				fmt.Fprintf(&b, "queue.q%d.wait:%d|ms\n", i, r.IntN(1000))
			}
		}
	}
	return []byte(b.String())
}
