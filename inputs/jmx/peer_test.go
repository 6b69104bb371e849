package jmx

import (
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestPeerStats: jmx_scrape_error is 0 before the first poll, 1 after a
// failed one, 0 after a good one, and left alone by a timeout that keeps
// the last good series (counted instead); the duration is the last
// poll's, in whole milliseconds. The cached beans are the last poll's,
// but for a timeout that keeps the last good series.
func TestPeerStats(t *testing.T) {
	var d Driver
	check := func(step string, want PeerStats) {
		t.Helper()
		if got := d.PeerStats(); got != want {
			t.Errorf("%s: %+v, want %+v", step, got, want)
		}
	}
	check("before the first poll", PeerStats{})
	d.peer.observe(1500*time.Microsecond+7, true, false)
	check("failed", PeerStats{Error: 1, Duration: time.Millisecond, Polls: 1})
	d.peer.observe(2*time.Second, true, true)
	check("timed out, series kept", PeerStats{Error: 1, Duration: 2 * time.Second, Timeouts: 1, Polls: 2})
	d.peer.observe(30*time.Millisecond, false, false)
	d.peer.observeCached(cachedReplacement(8))
	check("good", PeerStats{Duration: 30 * time.Millisecond, Timeouts: 1, CachedBeans: 8, Polls: 3})
	d.peer.observe(time.Second, true, true)
	check("timed out after a good poll", PeerStats{Duration: time.Second, Timeouts: 2, CachedBeans: 8, Polls: 4})
	d.peer.observe(time.Second, true, false)
	d.peer.observeCached(nil)
	check("failed before any record", PeerStats{Error: 1, Duration: time.Second, Timeouts: 2, Polls: 5})
}

// cachedReplacement is a replacement whose poll had n cached beans.
type cachedReplacement int

func (cachedReplacement) Add([]normalize.Record) {}
func (cachedReplacement) End()                   {}
func (c cachedReplacement) JMXCached() int       { return int(c) }
