package jmx

import (
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"sync"
)

// pollGC lowers the garbage collector's target while polls run. A poll
// allocates in a burst (its replies' decoded values, its records), nearly
// all of it garbage at once, on top of a live heap that is mostly the
// store's series: the heap's peak is the collector's goal, live heap times
// 1 + GOGC/100, and a poll is what reaches it. With two thirds of the target during
// a poll the goal it reaches is lower, for a few more collections of a
// poll's short burst; between polls the process's own target applies.
var pollGC struct {
	mu      sync.Mutex
	polls   int // polls running
	restore int // the target to restore, 0 when it was not lowered
}

// minPollGCPercent is the lowest target a poll sets: below it the
// collections would cost more than the memory they save.
const minPollGCPercent = 20

// beginPollGC lowers the collector's target to two thirds for a poll
// (unless it is off or already low) and returns the function that ends the poll;
// concurrent polls share one lowering.
func beginPollGC() (end func()) {
	pollGC.mu.Lock()
	defer pollGC.mu.Unlock()
	if pollGC.polls == 0 {
		pollGC.restore = 0
		if cur := gcPercent(); cur*2/3 >= minPollGCPercent {
			debug.SetGCPercent(cur * 2 / 3)
			pollGC.restore = cur
		}
	}
	pollGC.polls++
	return endPollGC
}

func endPollGC() {
	pollGC.mu.Lock()
	defer pollGC.mu.Unlock()
	pollGC.polls--
	if pollGC.polls == 0 && pollGC.restore != 0 {
		debug.SetGCPercent(pollGC.restore)
		pollGC.restore = 0
	}
}

// gcPercent reads the collector's target (GOGC) without changing it; -1
// when it is off.
func gcPercent() int {
	s := []rtmetrics.Sample{{Name: "/gc/gogc:percent"}}
	rtmetrics.Read(s)
	if s[0].Value.Kind() != rtmetrics.KindUint64 {
		return -1
	}
	return int(s[0].Value.Uint64())
}
