package jmx

import (
	"sync/atomic"
	"time"

	"github.com/rosetta-adapter/rosetta/normalize"
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
	// CachedBeans is jmx_scrape_cached_beans: how many of the last
	// poll's attributes jmx_exporter finds in, or puts into, the cache
	// it keeps for rules with `cache: true` (normalize.JMXCacheCounter):
	// those no rule matched, and those a cache rule matched and mapped.
	// 0 without such a rule. A failed poll sets it to the count of the
	// attributes it stored before it failed; a poll that times out while
	// KeepSeriesOnTimeout keeps the last good poll's series leaves it.
	CachedBeans uint64
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
	cached   atomic.Uint64
	polls    atomic.Uint64
	run      uint64 // PeerStats.Run, set by New
}

// observe records a poll that took dur: failed, timed out with the last
// good series kept (kept), or good. It comes before the poll's series
// are stored (whoever sees them sees its outcome); the poll's
// CachedBeans, known once they are, follows (observeCached).
func (p *peerStats) observe(dur time.Duration, failed, kept bool) {
	p.duration.Store(int64(dur.Truncate(time.Millisecond)))
	if kept {
		p.timeouts.Add(1)
	} else {
		p.failed.Store(failed)
	}
	p.polls.Add(1)
}

// observeCached records the CachedBeans of a poll that was not a timeout
// with the last good series kept, after its replacement rep (nil: no
// records) ended. Until then the previous poll's is served, as
// jmx_exporter serves the one of the scrape before.
func (p *peerStats) observeCached(rep normalize.RecordReplacement) {
	p.cached.Store(jmxCached(rep))
}

// jmxCached returns the CachedBeans of a poll's replacement, after its
// End (0 when it has none).
func jmxCached(rep normalize.RecordReplacement) uint64 {
	if c, ok := rep.(normalize.JMXCacheCounter); ok {
		return uint64(c.JMXCached())
	}
	return 0
}

// PeerStats returns the driver's PeerStats so far.
func (d *Driver) PeerStats() PeerStats {
	s := PeerStats{Polls: d.peer.polls.Load(), Duration: time.Duration(d.peer.duration.Load()), Timeouts: d.peer.timeouts.Load(), CachedBeans: d.peer.cached.Load(), Run: d.peer.run}
	if d.peer.failed.Load() {
		s.Error = 1
	}
	return s
}
