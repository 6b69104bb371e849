package main

import (
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/inputs/jmx"
)

// jmx_exporter's own families, served for the JMX input that stands in
// for it (loadedConfig.jmxDropIn) with the names, types, help and label
// names of jmx_exporter 1.x's standalone server (its JmxCollector,
// BuildInfoMetrics and HTTPServerFactory), unlabelled by input, so that an alert or dashboard
// written for jmx_exporter finds its series. They read what the driver
// notes once per poll (jmx.PeerStats) and what the reloads count here:
// nothing on the poll's path.
var (
	jmxReloadFailure = newPeerFamily("jmx_config_reload_failure_total", "Number of times configuration have failed to be reloaded.", prometheus.CounterValue, nil)
	jmxReloadSuccess = newPeerFamily("jmx_config_reload_success_total", "Number of times configuration have successfully been reloaded.", prometheus.CounterValue, nil)
	jmxBuildInfo     = newPeerFamily("jmx_exporter_build_info", "JMX Exporter build information", prometheus.GaugeValue, []string{"name", "version"})
	jmxCachedBeans   = newPeerFamily("jmx_scrape_cached_beans", "Number of beans with their matching rule cached", prometheus.GaugeValue, nil)
	jmxDuration      = newPeerFamily("jmx_scrape_duration_seconds", "Time this JMX scrape took, in seconds.", prometheus.GaugeValue, nil)
	jmxError         = newPeerFamily("jmx_scrape_error", "Non-zero if this scrape failed.", prometheus.GaugeValue, nil)
	jmxTimeouts      = newPeerFamily("jmx_scrape_timeout_total", "Total number of scrape timeouts.", prometheus.CounterValue, nil)
	jmxRejected      = newPeerFamily("jmx_http_requests_rejected_total", "Total number of HTTP requests rejected due to pool saturation.", prometheus.CounterValue, nil)
	jmxPeerFamilies  = []peerFamily{jmxReloadFailure, jmxReloadSuccess, jmxBuildInfo, jmxRejected, jmxCachedBeans, jmxDuration, jmxError, jmxTimeouts}
)

// jmx_exporter_build_info's labels: what jmx_exporter's standalone jar
// reports (its manifest's Implementation-Title and -Version) when built
// from the source the oracle tests compare Rosetta with
// (testdata/jmx/oracle/build.sh; its pom's version: jmx_scrape_timeout_total
// and jmx_http_requests_rejected_total came after the 1.6.0 release).
const (
	jmxPeerName    = "jmx_prometheus_standalone"
	jmxPeerVersion = "1.6.0-POST"
)

// jmxPeerFamilyNames are the names of jmx_exporter's families, which the
// store refuses to mapped series while an input stands in for it
// (loadedConfig.peerNames).
func jmxPeerFamilyNames() []string {
	return familyNames(make([]string, 0, len(jmxPeerFamilies)), jmxPeerFamilies)
}

// jmxPeer is the collector of jmx_exporter's families. Describe sends
// nothing (an unchecked collector): the families appear only while an
// input stands in for jmx_exporter.
type jmxPeer struct {
	mgr *manager

	mu sync.Mutex
	// input is the drop-in input's name, file its jmx_exporter_config
	// and mod that file's modification time at its last good load.
	input, file string
	mod         time.Time

	reloadSuccess, reloadFailure atomic.Uint64

	// carry keeps jmx_exporter's values across the drop-in's drivers: a
	// reload that changes the input's connection stops the old driver and
	// then starts a new one, where jmx_exporter's one collector goes on
	// counting. It keeps the driver's Run, not the driver, so that a
	// stopped driver is not kept alive.
	carry struct {
		sync.Mutex
		seen bool          // a driver was collected
		last jmx.PeerStats // the last collected driver's stats, Error, Duration and CachedBeans carried
		base uint64        // the timeouts of the drivers before it
	}
}

func newJMXPeer(mgr *manager, lc *loadedConfig) *jmxPeer {
	p := &jmxPeer{mgr: mgr}
	p.loaded(lc)
	return p
}

// loaded notes the configuration now running.
func (p *jmxPeer) loaded(lc *loadedConfig) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.input, p.file, p.mod = lc.jmxDropIn, lc.jmxDropInFile, modTime(lc.jmxDropInFile)
}

func modTime(file string) time.Time {
	if file == "" {
		return time.Time{}
	}
	fi, err := os.Stat(file)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}

// reloading is called before a reload: it tells whether the drop-in's
// jmx_exporter file changed since its last good load, which makes the
// reload one jmx_exporter counts (it reloads when the file's modification
// time is newer).
func (p *jmxPeer) reloading() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.file != "" && modTime(p.file).After(p.mod)
}

// reloaded counts a reload that reloading found the file changed for,
// and notes the new configuration (next, nil when the reload failed).
func (p *jmxPeer) reloaded(changed bool, next *loadedConfig) {
	if next != nil {
		p.loaded(next)
	}
	switch {
	case !changed:
	case next != nil:
		p.reloadSuccess.Add(1)
	default:
		p.reloadFailure.Add(1)
	}
}

func (*jmxPeer) Describe(chan<- *prometheus.Desc) {}

func (p *jmxPeer) Collect(ch chan<- prometheus.Metric) {
	p.mu.Lock()
	name := p.input
	p.mu.Unlock()
	if name == "" {
		return
	}
	var st jmx.PeerStats
	if d, ok := p.mgr.driver(name).(interface{ PeerStats() jmx.PeerStats }); ok {
		st = p.carried(d.PeerStats())
	} else if st, ok = p.lastCarried(); !ok {
		// Not started yet.
		return
	}
	emit := func(f peerFamily, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(f.desc, f.typ, v, labels...)
	}
	emit(jmxReloadFailure, float64(p.reloadFailure.Load()))
	emit(jmxReloadSuccess, float64(p.reloadSuccess.Load()))
	emit(jmxBuildInfo, 1, jmxPeerName, jmxPeerVersion)
	// jmx_exporter's server answers 429 when its thread pool is full;
	// Rosetta's /metrics has no such pool and refuses no request.
	emit(jmxRejected, 0)
	emit(jmxCachedBeans, float64(st.CachedBeans))
	emit(jmxDuration, st.Duration.Seconds())
	emit(jmxError, st.Error)
	emit(jmxTimeouts, float64(st.Timeouts))
}

// carried returns st, the stats of the drop-in's driver, continued from
// the drivers before it: their timeouts are added, and until it finishes a
// poll, the last poll's error, duration and cached beans are the previous
// driver's.
func (p *jmxPeer) carried(st jmx.PeerStats) jmx.PeerStats {
	c := &p.carry
	c.Lock()
	defer c.Unlock()
	if c.seen && st.Run != c.last.Run {
		c.base += c.last.Timeouts
	}
	c.seen = true
	if st.Polls == 0 {
		st.Error, st.Duration, st.CachedBeans = c.last.Error, c.last.Duration, c.last.CachedBeans
	}
	c.last = st
	st.Timeouts += c.base
	return st
}

// lastCarried returns the last values while no driver of the drop-in
// runs: a reload that restarts it stops the old driver (which may take
// the rest of a poll) before it starts the new one, and jmx_exporter's
// families, always served by its collector, do not go missing meanwhile.
// ok is false before the first driver was collected.
func (p *jmxPeer) lastCarried() (jmx.PeerStats, bool) {
	c := &p.carry
	c.Lock()
	defer c.Unlock()
	st := c.last
	st.Timeouts += c.base
	return st, c.seen
}

// driver returns the running input name's driver, or nil.
func (m *manager) driver(name string) any {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.running[name]; ok {
		return r.driver
	}
	return nil
}
