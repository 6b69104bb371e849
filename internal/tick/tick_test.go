package tick

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
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

// Every's first call is one d after it starts, then one every d; when ctx
// ends it returns without another call, and with ctx already done it
// calls nothing. The clock is synctest's, so the test waits for nothing.
func TestEveryTimes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		var at []time.Duration
		done := make(chan struct{})
		go func() {
			defer close(done)
			Every(ctx, 10*time.Second, func() { at = append(at, time.Since(start)) })
		}()
		time.Sleep(35 * time.Second)
		cancel()
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Fatal("Every did not return when ctx ended")
		}
		want := []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}
		if !slices.Equal(at, want) {
			t.Errorf("calls at %v, want %v", at, want)
		}

		calls := 0
		Every(ctx, time.Nanosecond, func() { calls++ })
		if calls != 0 {
			t.Errorf("%d calls with ctx already done, want 0", calls)
		}
	})
}
