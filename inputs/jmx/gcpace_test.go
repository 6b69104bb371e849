package jmx

import (
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"testing"
)

// TestPollGC: a poll lowers the collector's target to two thirds and the last poll to
// end restores it; a target that is off, or would go below
// minPollGCPercent, is left alone.
func TestPollGC(t *testing.T) {
	orig := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(orig) })
	tests := []struct {
		gogc, during int
	}{
		{100, 66},
		{75, 50},
		{74, 74},
		{50, 50},
		{10, 10},
		{-1, -1},
	}
	for _, tt := range tests {
		debug.SetGCPercent(tt.gogc)
		end1 := beginPollGC()
		if got := gcPercent(); got != tt.during {
			t.Errorf("GOGC %d: %d during a poll, want %d", tt.gogc, got, tt.during)
		}
		end2 := beginPollGC() // a second input's poll
		end1()
		if got := gcPercent(); got != tt.during {
			t.Errorf("GOGC %d: %d while a second poll runs, want %d", tt.gogc, got, tt.during)
		}
		end2()
		if got := gcPercent(); got != tt.gogc {
			t.Errorf("GOGC %d: %d after the polls, want it restored", tt.gogc, got)
		}
	}
}

// TestCollectAfterPoll: a collection runs after a poll unless another
// poll is still running.
func TestCollectAfterPoll(t *testing.T) {
	forced := func() uint64 {
		s := []rtmetrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
		rtmetrics.Read(s)
		return s[0].Value.Uint64()
	}
	n := forced()
	collectAfterPoll()
	if got := forced(); got != n+1 {
		t.Errorf("no poll running: %d forced collections, want 1", got-n)
	}
	end := beginPollGC() // another input's poll
	n = forced()
	collectAfterPoll()
	if got := forced(); got != n {
		t.Errorf("a poll running: %d forced collections, want none", got-n)
	}
	end()
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // GOGC=off
	n = forced()
	collectAfterPoll()
	if got := forced(); got != n {
		t.Errorf("GOGC=off: %d forced collections, want none", got-n)
	}
}
