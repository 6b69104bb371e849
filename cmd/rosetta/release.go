package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/exepages"
)

// releaseDelay is how long after start-up, or after a reload, the pages of
// the executable it touched are released: inputs and the web listener
// start in their own goroutines, and bind within milliseconds on an idle
// machine; what a late one touches after the release just stays resident.
// It is short because the first poll of a pull input (a JMX input's
// fetches every bean's MBeanInfo: 2 s for 5,000 beans) runs while the
// start-up pages are still mapped, and its heap on top of them was the
// process's peak RSS.
const releaseDelay = 500 * time.Millisecond

// pageReleaser releases the read-only pages of the executable that
// start-up touched (internal/exepages), releaseDelay after the last kick.
//
// It is kicked once at start-up and again after every reload, successful
// or not: a reload runs the same start-up code again (YAML decoding, rule
// compilation, templates, building and starting inputs), which maps those
// pages back, and an idle sidecar would otherwise carry them until the
// next restart. A release costs one pass over /proc/self/smaps, two
// madvise calls per mapping (MADV_RANDOM, MADV_DONTNEED), and an fsync and
// a posix_fadvise of the executable; reloads are rare. Code that keeps
// running (a busy StatsD reader, a JMX poll) faults its pages back in, and
// since the release dropped them from the page cache as well (unless
// another process maps them), each is a read from the file system, page by
// page with read-ahead off (code may come back in 64 KiB folios), where it
// was a minor fault per 64 KiB window: a burst of small reads right after
// start-up and each reload, slower on network or slow disks.
type pageReleaser struct {
	kicks chan struct{}
}

// newPageReleaser returns a releaser, or nil (whose kick does nothing)
// when disabled.
func newPageReleaser(enabled bool) *pageReleaser {
	if !enabled {
		return nil
	}
	return &pageReleaser{kicks: make(chan struct{}, 1)}
}

// kick asks for a release releaseDelay from now.
func (p *pageReleaser) kick() {
	if p == nil {
		return
	}
	select {
	case p.kicks <- struct{}{}:
	default: // one is pending
	}
}

// run releases after each kick, once the kicks have stopped for
// releaseDelay, until ctx ends.
func (p *pageReleaser) run(ctx context.Context, logger *slog.Logger) {
	if p == nil {
		return
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-p.kicks:
			timer.Reset(releaseDelay)
		case <-timer.C:
			release(logger)
		}
	}
}

// release returns the garbage of start-up to the operating system, then
// releases the executable's pages. Start-up's garbage would go at the next
// collection anyway, but its pages stay resident until the scavenger
// returns them; FreeOSMemory (one collection) returns them at once: idle
// anonymous RSS 4.5 MiB instead of 4.6-4.8 (4 interleaved runs each of
// .ci/bench-idle, load 13-17). It runs first: the collection touches the
// collector's code and metadata, which the release then drops too.
func release(logger *slog.Logger) {
	debug.FreeOSMemory()
	st, err := exepages.Release()
	if err != nil {
		logger.Warn("releasing the executable's start-up pages", "err", err)
		return
	}
	// Measuring what is resident again reads smaps a second time: only
	// for the debug log.
	if !logger.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	after, err := st.After()
	if err != nil {
		logger.Warn("measuring the executable's released pages", "err", err)
		return
	}
	logger.Debug("released the executable's start-up pages", "mappings", st.Released, "skipped", st.Skipped,
		"resident_before_bytes", st.Before, "resident_after_bytes", after)
}
