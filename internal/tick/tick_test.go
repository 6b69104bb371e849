package tick

import (
	"context"
	"testing"
	"time"
)

// Every calls f on its ticks, and returns once ctx is done (a tick
// already due may still be taken then: the select picks either).
func TestEvery(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		Every(ctx, time.Millisecond, func() {
			if calls++; calls == 3 {
				cancel()
			}
		})
	}()
	<-done
	if calls < 3 {
		t.Errorf("f called %d times, want at least 3", calls)
	}
}
