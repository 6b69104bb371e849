package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The series measurement: the server's memory with -series series, and the
// time to render /metrics (text and gzip).

func series(k *serverKind, o options, res *result) error {
	rounds, mapping, err := mixRounds(o.seriesMix, o.series, o.mapping, o.seriesRounds, o.timerObs)
	if err != nil {
		return err
	}
	s, err := start(k, mapping, o.readBuffer)
	if err != nil {
		return err
	}
	defer s.stop()
	time.Sleep(time.Second)
	if res.idleRSS, err = rssBytes(s.cmd.Process.Pid); err != nil {
		return err
	}
	// One connection for the whole run, open until the RSS is read, as a
	// client keeps its connection.
	c, err := net.Dial("tcp", s.tcp)
	if err != nil {
		return err
	}
	defer c.Close()
	var lines float64
	for i, payload := range rounds {
		lines += float64(strings.Count(string(payload), "\n"))
		if _, err := c.Write(payload); err != nil {
			return err
		}
		// Creating 100k series on a loaded machine takes a while, and
		// every poll is a scrape of all of them: be patient.
		if got, err := drainFor(s, lines, 2*time.Minute, 30); err != nil {
			return err
		} else if got < lines {
			return fmt.Errorf("only %.0f of %.0f lines arrived over TCP", got, lines)
		}
		// A server counts a line when it parses it, and statsd_exporter
		// applies it later (its events go through a queue): wait until
		// the first round's series are all there, then scrape once more
		// after every round, as Prometheus does each scrape interval
		// (statsd_exporter moves a summary's buffered observations into
		// its quantile streams at a scrape).
		if i == 0 {
			if err := waitSeries(s, o.series); err != nil {
				return err
			}
		}
		if _, err := s.counters(); err != nil {
			return err
		}
	}
	time.Sleep(2 * time.Second)
	if res.rss, err = rssBytes(s.cmd.Process.Pid); err != nil {
		return err
	}
	res.seriesCreated = o.series
	for _, gz := range []bool{false, true} {
		var ds []time.Duration
		for range o.renders {
			d, n, err := render(s.web, gz)
			if err != nil {
				return err
			}
			ds = append(ds, d)
			if !gz {
				res.bodyBytes = n
			}
		}
		slices.Sort(ds)
		if gz {
			res.renderGzip = ds
		} else {
			res.renderText = ds
		}
	}
	return nil
}

func render(web string, gz bool) (time.Duration, int, error) {
	req, _ := http.NewRequest(http.MethodGet, "http://"+web+"/metrics", nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	} else {
		req.Header.Set("Accept-Encoding", "identity")
	}
	tr := &http.Transport{DisableCompression: true}
	start := time.Now()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(start), int(n), err
}
