package main

import "time"

// A measurement of one server kind: its ingest runs (ingest.go), then its
// memory and render time at -series series (series.go).

type result struct {
	runs          []ingestRun
	idleRSS       int64
	rss           int64 // at o.series series
	seriesCreated int
	renderText    []time.Duration
	renderGzip    []time.Duration
	bodyBytes     int
}

func measure(k *serverKind, o options) (*result, error) {
	res := &result{}
	if o.only == "series" {
		return res, series(k, o, res)
	}
	for _, sender := range o.senders {
		for _, lpp := range o.linesPerPacket {
			r, err := ingest(k, o, sender, lpp)
			if err != nil {
				return nil, err
			}
			res.runs = append(res.runs, r)
		}
	}
	if o.only == "ingest" {
		return res, nil
	}
	if err := series(k, o, res); err != nil {
		return nil, err
	}
	return res, nil
}
