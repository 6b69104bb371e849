package jmx

import (
	"sync/atomic"
	"time"
)

// PeerStats are what jmx_exporter's collector reports about its own
// scrapes (jmx_scrape_error, jmx_scrape_duration_seconds,
// jmx_scrape_timeout_total), kept by the driver for the input that stands
// in for jmx_exporter (cmd/rosetta serves them under jmx_exporter's
// names). They are set once per poll, after it.
type PeerStats struct {
	// Error is 1 after a failed poll and 0 after a good one (and before
	// the first); a poll that times out while KeepSeriesOnTimeout keeps
	// the last good poll's series leaves it as it was, as
	// jmx_exporter's scrapeTimeoutSeconds leaves jmx_scrape_error.
	Error float64
	// Duration is the last poll's, failed ones included, in whole
	// milliseconds as jmx_exporter measures it.
	Duration time.Duration
	// Timeouts counts the polls that ran out of the timeout while
	// KeepSeriesOnTimeout was on (jmx_exporter counts timeouts only
	// with scrapeTimeoutSeconds, which turns it on).
	Timeouts uint64
	// Polls counts the polls finished.
	Polls uint64
	// Run tells drivers apart: New numbers each driver it makes (1, 2,
	// ...), so that a reader can tell that the input restarted without
	// holding on to the driver.
	Run uint64
}

// runs numbers the drivers New makes (PeerStats.Run).
var runs atomic.Uint64

// peerStats are a driver's PeerStats.
type peerStats struct {
	failed   atomic.Bool
	duration atomic.Int64 // nanoseconds
	timeouts atomic.Uint64
	polls    atomic.Uint64
	run      uint64 // PeerStats.Run, set by New
}

// observe records a poll that took dur: failed, timed out with the last
// good series kept (kept), or good.
func (p *peerStats) observe(dur time.Duration, failed, kept bool) {
	p.duration.Store(int64(dur.Truncate(time.Millisecond)))
	defer p.polls.Add(1)
	switch {
	case kept:
		p.timeouts.Add(1)
	default:
		p.failed.Store(failed)
	}
}

// PeerStats returns the driver's PeerStats so far.
func (d *Driver) PeerStats() PeerStats {
	s := PeerStats{Polls: d.peer.polls.Load(), Duration: time.Duration(d.peer.duration.Load()), Timeouts: d.peer.timeouts.Load(), Run: d.peer.run}
	if d.peer.failed.Load() {
		s.Error = 1
	}
	return s
}
