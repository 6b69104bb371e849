package main

import "time"

// Waiting on a server: until its CPU is idle, until a step's work is done,
// until a counter reaches a value or stops moving.

// drainFor waits until the server's line counter reaches want or stops
// moving, with a deadline and a patience (polls without progress, 100 ms
// apart, each a full scrape).
func drainFor(s *server, want float64, limit time.Duration, patience int) (float64, error) {
	return waitFor(func() (float64, error) {
		c, err := s.counters()
		return c[s.kind.lines], err
	}, want, limit, patience)
}

// waitFor polls read every 100 ms until its value reaches want, has not
// moved for patience polls, or limit has passed, and returns the last value.
func waitFor(read func() (float64, error), want float64, limit time.Duration, patience int) (float64, error) {
	deadline := time.Now().Add(limit)
	last, stable := -1.0, 0
	for {
		v, err := read()
		if err != nil {
			return 0, err
		}
		if v >= want || time.Now().After(deadline) {
			return v, nil
		}
		if v == last {
			stable++
			if stable >= patience {
				return v, nil
			}
		} else {
			stable = 0
		}
		last = v
		time.Sleep(100 * time.Millisecond)
	}
}

// settled is where a step ended: the server's CPU seconds when it went
// idle, how long after the send that was, and its counters then.
type settled struct {
	cpu      float64
	lag      time.Duration
	counters map[string]float64
}

// settle waits until the server has done the step's work: its CPU has been
// idle (waitIdle) and its line count (want: the applied counters with
// counter traffic) is complete or has stopped moving. The server is scraped
// only once it is idle, and its CPU is read before that scrape, so that
// scrapes (40-130 ms of statsd_exporter's CPU each at 10k series) are not
// charged to the traffic.
func settle(s *server, o options, want float64, sendEnd time.Time) (settled, error) {
	deadline := sendEnd.Add(settleLimit)
	lastBusy, last := sendEnd, -1.0
	for {
		cpu, busy, err := waitIdle(s.cmd.Process.Pid, deadline)
		if err != nil {
			return settled{}, err
		}
		if busy.After(lastBusy) {
			lastBusy = busy
		}
		counters, err := s.counters()
		if err != nil {
			return settled{}, err
		}
		got := applied(counters, s.kind, o)
		if got >= want || got == last || time.Now().After(deadline) {
			return settled{cpu: cpu, lag: lastBusy.Sub(sendEnd), counters: counters}, nil
		}
		// Not there yet and still moving: the server was starved of CPU
		// rather than done.
		last = got
	}
}

// settleLimit bounds how long a step waits for the server to finish.
const settleLimit = 60 * time.Second

// waitIdle waits until the process's CPU has been idle (at most one clock
// tick per 100 ms) for 300 ms, or until the deadline, and returns its CPU
// seconds then and when it was last busy (the start of the idle time; the
// zero time if it was idle throughout).
func waitIdle(pid int, deadline time.Time) (float64, time.Time, error) {
	const (
		tick      = 100 * time.Millisecond
		idleTicks = 3
		idleCPU   = 0.0101 // one USER_HZ tick
	)
	prev, err := cpuSeconds(pid)
	if err != nil {
		return 0, time.Time{}, err
	}
	var lastBusy time.Time
	for idle := 0; idle < idleTicks && time.Now().Before(deadline); {
		t0 := time.Now()
		time.Sleep(tick)
		c, err := cpuSeconds(pid)
		if err != nil {
			return 0, time.Time{}, err
		}
		if c-prev > idleCPU {
			idle, lastBusy = 0, t0
		} else {
			idle++
		}
		prev = c
	}
	return prev, lastBusy, nil
}

// waitSeries waits until s serves at least n series of the traffic (not
// counting its own metrics), or until their number stops growing.
func waitSeries(s *server, n int) error {
	_, err := waitFor(func() (float64, error) {
		got, err := s.trafficSeries()
		return float64(got), err
	}, float64(n), 2*time.Minute, 10)
	return err
}
