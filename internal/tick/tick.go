// Package tick runs a function at an interval until a context ends: the
// loop of the store's expiry, remote write's snapshots and the config
// file watcher. It imports nothing of ours, so any layer may use it.
package tick

import (
	"context"
	"time"
)

// Every calls f every d, on the caller's goroutine, until ctx is done;
// the first call is d after Every starts. A call that outlasts d delays
// the next one (ticks are not queued). Every returns when ctx is done.
func Every(ctx context.Context, d time.Duration, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}
