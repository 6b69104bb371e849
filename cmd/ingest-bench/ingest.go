package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rosetta-adapter/rosetta/cmd/internal/benchenv"
)

// Ingest runs: for a sender and a packet size, a warm-up, the step at
// -cpu-rate, then the ramp; each step sends at a rate and measures what the
// server did with it (lines counted and applied, drops, CPU, lag).

// step is one rate step of an ingest run.
type step struct {
	rate         int     // lines/s asked for
	achieved     float64 // lines/s the sender managed
	sent         int     // lines sent
	counted      float64 // lines the server counted
	serverDrops  float64
	socketDrops  uint64
	rcvbufErrors uint64
	applied      float64       // lines applied to the traffic's series (counter traffic), else counted
	cpu          float64       // CPU seconds of the server from the send's start until it went idle
	lag          time.Duration // how long after the send the server was still busy
	senderCPU    float64       // CPU seconds of this process (the sender) during the step
	lossless     bool
	senderLimit  bool
}

type ingestRun struct {
	sender         string
	linesPerPacket int
	steps          []step
	// fixed is the step at -cpu-rate, before the ramp (nil without).
	fixed         *step
	maxLossless   int  // highest rate (lines/s actually achieved) taken without loss
	senderLimited bool // the ramp ended because the sender could go no faster
}

func sumDrops(s *server, c map[string]float64) float64 {
	var d float64
	for _, n := range s.kind.drops {
		d += c[n]
	}
	return d
}

// cpuPerM is the server's CPU seconds per million lines applied in the
// step (applied must be above 0).
func (st step) cpuPerM() float64 { return st.cpu / st.applied * 1e6 }

func printStep(k *serverKind, sender string, lpp int, kind string, st step) {
	fmt.Fprintf(os.Stderr, "%-16s %-5s sender=%-5s lpp=%-3d rate=%-8d achieved=%-10.0f sent=%-9d counted=%-9.0f applied=%-9.0f server_drops=%-7.0f socket_drops=%-7d rcvbuf_errors=%-7d lag=%-5.1fs cpu=%.2fs cpu_per_m=%.2fs sender_cpu=%.2fs lossless=%v\n",
		k.name, kind, sender, lpp, st.rate, st.achieved, st.sent, st.counted, st.applied, st.serverDrops, st.socketDrops, st.rcvbufErrors, st.lag.Seconds(), st.cpu, st.cpu/max(1, st.applied)*1e6, st.senderCPU, st.lossless)
}

func ingest(k *serverKind, o options, sender string, lpp int) (ingestRun, error) {
	run := ingestRun{sender: sender, linesPerPacket: lpp}
	s, err := start(k, o.mapping, o.readBuffer)
	if err != nil {
		return run, err
	}
	defer s.stop()
	if sender == "gso" && lpp == 1 {
		sender = "mmsg" // one-line packets differ in size
	}
	pkts := packets(o.lines, lpp, 4096, sender == "gso")
	// Warm-up, not measured: every series is created before the ramp, so
	// that the first step does not pay for creating them.
	warm := min(o.rates[0], 50_000)
	if _, err := ingestStep(s, o, pkts, sender, lpp, warm, max(time.Second, time.Duration(float64(len(pkts)*lpp)/float64(warm)*float64(time.Second)))); err != nil {
		return run, err
	}
	if o.cpuRate > 0 {
		st, err := ingestStep(s, o, pkts, sender, lpp, o.cpuRate, o.step)
		if err != nil {
			return run, err
		}
		run.fixed = &st
		if o.verbose {
			printStep(k, sender, lpp, "fixed", st)
		}
	}
	limited, err := ramp(o.rates, o.resolution, func(rate int) (bool, float64, error) {
		st, err := ingestStep(s, o, pkts, sender, lpp, rate, o.step)
		if err != nil {
			return false, 0, err
		}
		run.steps = append(run.steps, st)
		if o.verbose {
			printStep(k, sender, lpp, "ramp", st)
		}
		if st.lossless {
			run.maxLossless = max(run.maxLossless, int(st.achieved))
		}
		return st.lossless, st.achieved, nil
	})
	if limited > 0 {
		fmt.Fprintf(os.Stderr, "%s: the sender got no faster at %d lines/s; stopping the ramp here\n", k.name, limited)
		run.senderLimited = true
	}
	return run, err
}

// ingestStep sends at rate for one step and measures what the server did
// with it. The server's CPU is counted from the start of the send until the
// server has gone idle (settle), not until its line counter reached the
// lines sent: statsd_exporter counts a line when it is parsed and applies
// it later, from a queue of up to 10 million events, so its counter can be
// complete while seconds of work are still queued (that work, and the
// garbage collection of a heap holding the queue, was then charged to the
// next step).
func ingestStep(s *server, o options, pkts [][]byte, sender string, lpp, rate int, dur time.Duration) (step, error) {
	k := s.kind
	// What the last step left (a lossy one may leave a queue) is not this
	// step's.
	if _, _, err := waitIdle(s.cmd.Process.Pid, time.Now().Add(settleLimit)); err != nil {
		return step{}, err
	}
	before, err := s.counters()
	if err != nil {
		return step{}, err
	}
	sd0, err := udpSocketDrops(s.udpPort)
	if err != nil {
		return step{}, err
	}
	rb0, _ := udpRcvbufErrors()
	cpu0, _ := cpuSeconds(s.cmd.Process.Pid)

	var prof chan error
	if k.profile && o.cpuProfiles != "" {
		prof = make(chan error, 1)
		go func() {
			prof <- benchenv.Save(client, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", s.web, max(1, int(dur.Seconds()))),
				fmt.Sprintf("%s/rosetta-%s-lpp%d-%d.pprof", o.cpuProfiles, sender, lpp, rate))
		}()
	}
	self0 := selfCPU()
	sent, achieved, err := send(s.udp, pkts, lpp, rate, dur, sender)
	senderCPU := selfCPU() - self0
	sendEnd := time.Now()
	if prof != nil {
		if perr := <-prof; perr != nil {
			fmt.Fprintln(os.Stderr, "cpu profile:", perr)
		}
	}
	if err != nil {
		return step{}, err
	}
	want := applied(before, k, o) + float64(sent)
	set, err := settle(s, o, want, sendEnd)
	if err != nil {
		return step{}, err
	}
	after := set.counters
	sd1, _ := udpSocketDrops(s.udpPort)
	rb1, _ := udpRcvbufErrors()
	st := step{
		rate: rate, achieved: achieved, sent: sent,
		counted:      after[k.lines] - before[k.lines],
		applied:      applied(after, k, o) - applied(before, k, o),
		serverDrops:  sumDrops(s, after) - sumDrops(s, before),
		socketDrops:  sd1 - sd0,
		rcvbufErrors: rb1 - rb0,
		cpu:          set.cpu - cpu0,
		lag:          set.lag,
		senderCPU:    senderCPU,
		senderLimit:  achieved < 0.95*float64(rate),
	}
	st.lossless = st.applied == float64(sent) && st.counted == float64(sent) && st.serverDrops == 0 && st.socketDrops == 0 && st.lag <= o.maxLag
	return st, nil
}

// applied is the lines the server has applied to its series: with counter
// traffic (-counters) the sum of the traffic's counters (every line adds
// 1), else the lines it counted.
func applied(c map[string]float64, k *serverKind, o options) float64 {
	if o.counters == 0 {
		return c[k.lines]
	}
	var n float64
	for name, v := range c {
		if strings.HasPrefix(name, counterPrefix) {
			n += v
		}
	}
	return n
}
