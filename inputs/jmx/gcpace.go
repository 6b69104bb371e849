package jmx

import (
	"runtime"
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
// collections cost more than the memory they save. The rosetta binary's
// default of 50 is not lowered: at 33, a poll of 5,030 beans
// (BenchmarkPollStore) ran 2.3 collections instead of 1.4 and took 14%
// more CPU (66.3 against 58.0 ms), and jmx-bench's peak RSS was at most
// 0.5 MiB lower (25.8 and 26.6 MiB at 33, 26.3 and 26.8 at 50).
const minPollGCPercent = 50

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

// collectAfterPoll runs a collection when no poll is running, after a
// poll's records are stored and its replacement ended. The collector's
// target between polls is the process's, computed from the heap the last
// collection found live, and that collection ran during the poll: with
// the poll's runs in flight and what the poll allocated while it marked,
// 9-11 MB live for 7-8 of series, bean cache and the rest in the 5,000
// beans benchmark. Scrapes and other work between polls then let the heap
// grow to 1.5x that, 13-15 MB, which it had reached by the next poll's
// start, and the pages stay resident. A collection here finds only what
// outlives the poll, and the target between polls is 1.5x that: heap at
// the next poll's start 10-11 MB. It costs one collection per poll, 2-4
// ms of CPU for that heap, outside the poll's time. With GOGC=off
// (beginPollGC leaves it so) it does nothing.
func collectAfterPoll() {
	pollGC.mu.Lock()
	idle := pollGC.polls == 0
	pollGC.mu.Unlock()
	if idle && gcPercent() > 0 { // not when GOGC=off: the user turned collections off
		runtime.GC()
	}
}
