package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/net/ipv4"
)

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

type result struct {
	runs          []ingestRun
	idleRSS       int64
	rss           int64 // at o.series series
	seriesCreated int
	renderText    []time.Duration
	renderGzip    []time.Duration
	bodyBytes     int
}

// readTraffic reads the StatsD lines to send, one per line (empty lines
// and lines starting with '#' skipped).
func readTraffic(file string) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var lines []string
	for l := range strings.Lines(string(data)) {
		if l = strings.TrimSpace(l); l != "" && l[0] != '#' {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("%s: no StatsD lines", file)
	}
	return lines, nil
}

// packets packs lines into UDP payloads of lpp lines each. With
// sameSize, all have the same length (so that the sender can hand the
// kernel many at once with UDP segmentation offload): shorter packets get
// trailing zeros on a value ("0.7" becomes "0.7000", "12" becomes
// "12.00"), which changes neither the values nor the line count.
func packets(lines []string, lpp, n int, sameSize bool) [][]byte {
	raw := make([][]string, n)
	size := 0
	for i := range raw {
		for k := range lpp {
			raw[i] = append(raw[i], lines[(i*lpp+k)%len(lines)])
		}
		size = max(size, len(strings.Join(raw[i], "\n")))
	}
	out := make([][]byte, n)
	for i, ls := range raw {
		p := strings.Join(ls, "\n")
		if pad := size - len(p); pad > 0 && sameSize {
			p = strings.Join(padValue(ls, pad), "\n")
		}
		out[i] = []byte(p)
	}
	return out
}

// padValue lengthens one line's value by pad bytes: zeros after the
// decimal point of a line that has one, else "." and zeros.
func padValue(ls []string, pad int) []string {
	ls = slices.Clone(ls)
	pick, dot := 0, false
	for i, l := range ls {
		v := value(l)
		if strings.Contains(v, ".") {
			pick, dot = i, true
			break
		}
	}
	l := ls[pick]
	c := strings.IndexByte(l, ':')
	end := c + 1 + len(value(l))
	z := strings.Repeat("0", pad)
	if !dot {
		z = "." + z[1:]
	}
	ls[pick] = l[:end] + z + l[end:]
	return ls
}

// counterPrefix starts the names of counterLines' series in /metrics.
const counterPrefix = "app_"

// counterLines is counter traffic over n series, shaped like an
// application's request counters (a service, an endpoint, a status).
func counterLines(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("app.svc%d.endpoint%d.status%d.requests:1|c", i%17, i/17%50, 200+i%5)
	}
	if n > 17*50*5 {
		for i := range out {
			out[i] = fmt.Sprintf("app.svc%d.endpoint%d.requests%d:1|c", i%17, i/17%50, i)
		}
	}
	return out
}

// value is a line's value: between the first ':' and the next '|'.
func value(l string) string {
	v := l[strings.IndexByte(l, ':')+1:]
	return v[:strings.IndexByte(v, '|')]
}

// send sends packets to addr at rate lines/s for dur and returns the lines
// sent and the rate achieved. On a small machine the sender shares the
// cores with the server. The cheap senders hand the kernel many datagrams
// per system call: gso (packets all of one size), one buffer that the
// kernel cuts into datagrams (UDP_SEGMENT; on loopback the receiving socket
// gets them one by one, as from separate sends), or mmsg, up to 64
// datagrams per sendmmsg. plain costs what a real StatsD client costs: one
// sendto per packet.
func send(addr string, pkts [][]byte, lpp, rate int, dur time.Duration, sender string) (int, float64, error) {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	var write func(first, n int) (int, error)
	switch sender {
	case "gso":
		if write, err = gsoWriter(conn.(*net.UDPConn), pkts); err != nil {
			return 0, 0, err
		}
	case "plain":
		write = func(first, _ int) (int, error) {
			if _, err := conn.Write(pkts[first%len(pkts)]); err != nil {
				return 0, err
			}
			return 1, nil
		}
	default:
		pc := ipv4.NewPacketConn(conn.(*net.UDPConn))
		msgs := make([]ipv4.Message, 64)
		for i := range msgs {
			msgs[i].Buffers = make(net.Buffers, 1)
		}
		write = func(first, n int) (int, error) {
			n = min(n, len(msgs))
			for i := range n {
				msgs[i].Buffers[0] = pkts[(first+i)%len(pkts)]
			}
			return pc.WriteBatch(msgs[:n], 0)
		}
	}
	pps := float64(rate) / float64(lpp)
	start := time.Now()
	sent := 0
	for {
		el := time.Since(start)
		if el >= dur {
			break
		}
		target := int(el.Seconds() * pps)
		for burst := 0; sent < target && burst < 4096; {
			// Refused datagrams are the server's loss; count what the
			// kernel took.
			k, err := write(sent, target-sent)
			if err != nil || k <= 0 {
				k = min(target-sent, 1)
			}
			sent += k
			burst += k
		}
		if sent >= target {
			time.Sleep(100 * time.Microsecond)
		}
	}
	el := time.Since(start).Seconds()
	return sent * lpp, float64(sent*lpp) / el, nil
}

// gsoWriter returns a writer that sends up to 64 packets (all of one size)
// per sendmsg with UDP_SEGMENT.
func gsoWriter(conn *net.UDPConn, pkts [][]byte) (func(first, n int) (int, error), error) {
	const (
		solUDP     = 17  // SOL_UDP
		udpSegment = 103 // UDP_SEGMENT
	)
	size := len(pkts[0])
	for _, p := range pkts {
		if len(p) != size {
			return nil, fmt.Errorf("UDP segmentation needs packets of one size: %d and %d bytes", size, len(p))
		}
	}
	perSend := min(64, 65507/size)
	// pkts twice over, so that any run of perSend packets is contiguous
	all := make([]byte, 0, 2*len(pkts)*size)
	for range 2 {
		for _, p := range pkts {
			all = append(all, p...)
		}
	}
	oob := make([]byte, syscall.CmsgSpace(2))
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0])) //nolint:gosec // G103: the UDP_SEGMENT control message is built in place, as the kernel reads it
	h.Level, h.Type = solUDP, udpSegment
	h.SetLen(syscall.CmsgLen(2))
	binary.NativeEndian.PutUint16(oob[syscall.CmsgLen(0):], uint16(size))
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	return func(first, n int) (int, error) {
		n = min(n, perSend)
		off := (first % len(pkts)) * size
		buf := all[off : off+n*size]
		var serr error
		if err := rc.Write(func(fd uintptr) bool {
			serr = syscall.Sendmsg(int(fd), buf, oob, nil, 0)
			return serr != syscall.EAGAIN
		}); err != nil {
			return 0, err
		}
		if serr != nil {
			return 0, serr
		}
		return n, nil
	}, nil
}

// selfCPU is the user and system CPU seconds this process has used.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

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

// Ramp limits (see ramp).
const (
	rampGrowth  = 1.25
	rampCeiling = 100_000_000
	rampFloor   = 1_000
)

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

// ramp finds the highest rate a server takes without loss, calling try
// for each rate it tries (try says whether the step was lossless and the
// rate the sender achieved): every rate of rates in turn and past the last
// on in steps of rampGrowth until the first loss (the list's top never
// caps a server), or halving from the first rate down to rampFloor when
// even that one lost lines. Then it bisects between the highest lossless
// and the lowest lossy rate until they differ by at most resolution, so
// that a ratio near a target (3.9x or 4.1x) is told apart. When, before
// any loss, the sender falls short of a rate (by 5%) and got no faster
// than at the lossless steps before, the ramp ends there and ramp returns
// that rate: the limit found is the sender's, not the server's.
func ramp(rates []int, resolution float64, try func(rate int) (lossless bool, achieved float64, err error)) (int, error) {
	lo, hi := 0, 0 // highest lossless and lowest lossy rate tried
	best := 0.0    // highest rate achieved without loss
	// step tries rate; stop is set when the sender plateaued before any
	// loss. Once a rate lost lines, a lossless step the sender fell short
	// of is only a lossless one: the bracket is the server's.
	step := func(rate int) (ok, stop bool, err error) {
		ok, achieved, err := try(rate)
		if err != nil || !ok {
			return false, false, err
		}
		plateau := hi == 0 && achieved < 0.95*float64(rate) && achieved < 1.02*best
		best = max(best, achieved)
		return true, plateau, nil
	}
	for i, rate := 0, 0; ; i++ {
		switch {
		case lo == 0 && hi > 0: // the first rate lost lines
			if rate = roundRate(float64(hi) / 2); rate < rampFloor {
				return 0, nil
			}
		case i < len(rates):
			rate = rates[i]
		case rate < rampCeiling:
			rate = roundRate(float64(rate) * rampGrowth)
		default:
			return 0, nil
		}
		ok, stop, err := step(rate)
		if err != nil {
			return 0, err
		}
		if stop {
			return rate, nil
		}
		if !ok {
			hi = rate
			if lo > 0 {
				break
			}
			continue
		}
		lo = rate
		if hi > 0 { // found going down
			break
		}
	}
	for float64(hi) > float64(lo)*(1+resolution) {
		mid := roundRate(math.Sqrt(float64(lo) * float64(hi)))
		if mid <= lo || mid >= hi {
			break
		}
		ok, stop, err := step(mid)
		if err != nil {
			return 0, err
		}
		if stop {
			return mid, nil
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return 0, nil
}

// roundRate rounds a rate to three significant digits: rates a reader can
// compare, fine enough for the bisection's 2%.
func roundRate(r float64) int {
	unit := math.Pow(10, math.Floor(math.Log10(max(r, 1000)))-2)
	return int(math.Round(r/unit) * unit)
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
			prof <- saveProfile(s.web, dur, fmt.Sprintf("%s/rosetta-%s-lpp%d-%d.pprof", o.cpuProfiles, sender, lpp, rate))
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

// seriesLines creates n distinct series through the mapping's rules: 60%
// counters, 20% gauges, 15% histograms, 5% summaries.
func seriesLines(n int) []byte {
	var b strings.Builder
	r := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // G404: reproducible load, not secrets
	for i := range n {
		switch p := i % 20; {
		case p < 12:
			fmt.Fprintf(&b, "api.svc%d.requests:%d|c\n", i, 1+r.IntN(9))
		case p < 16:
			fmt.Fprintf(&b, "temp.room%d.celsius:%g|g\n", i, r.Float64()*40)
		case p < 19:
			for range 3 {
				fmt.Fprintf(&b, "jobs.job%d.duration:%g|h\n", i, r.Float64()*100)
			}
		default:
			for range 3 {
				fmt.Fprintf(&b, "queue.q%d.wait:%d|ms\n", i, r.IntN(1000))
			}
		}
	}
	return []byte(b.String())
}

func series(k *serverKind, o options, res *result) error {
	rounds, mapping, err := mixRounds(o.seriesMix, o.series, o.mapping, o.seriesRounds, o.timerObs)
	if err != nil {
		return err
	}
	s, err := start(k, mapping, o.readBuffer)
	if err != nil {
		return err
	}
	defer s.stop()
	time.Sleep(time.Second)
	if res.idleRSS, err = rssBytes(s.cmd.Process.Pid); err != nil {
		return err
	}
	// One connection for the whole run, open until the RSS is read, as a
	// client keeps its connection.
	c, err := net.Dial("tcp", s.tcp)
	if err != nil {
		return err
	}
	defer c.Close()
	var lines float64
	for i, payload := range rounds {
		lines += float64(strings.Count(string(payload), "\n"))
		if _, err := c.Write(payload); err != nil {
			return err
		}
		// Creating 100k series on a loaded machine takes a while, and
		// every poll is a scrape of all of them: be patient.
		if got, err := drainFor(s, lines, 2*time.Minute, 30); err != nil {
			return err
		} else if got < lines {
			return fmt.Errorf("only %.0f of %.0f lines arrived over TCP", got, lines)
		}
		// A server counts a line when it parses it, and statsd_exporter
		// applies it later (its events go through a queue): wait until
		// the first round's series are all there, then scrape once more
		// after every round, as Prometheus does each scrape interval
		// (statsd_exporter moves a summary's buffered observations into
		// its quantile streams at a scrape).
		if i == 0 {
			if err := waitSeries(s, o.series); err != nil {
				return err
			}
		}
		if _, err := s.counters(); err != nil {
			return err
		}
	}
	time.Sleep(2 * time.Second)
	if res.rss, err = rssBytes(s.cmd.Process.Pid); err != nil {
		return err
	}
	res.seriesCreated = o.series
	for _, gz := range []bool{false, true} {
		var ds []time.Duration
		for range o.renders {
			d, n, err := render(s.web, gz)
			if err != nil {
				return err
			}
			ds = append(ds, d)
			if !gz {
				res.bodyBytes = n
			}
		}
		slices.Sort(ds)
		if gz {
			res.renderGzip = ds
		} else {
			res.renderText = ds
		}
	}
	return nil
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

func render(web string, gz bool) (time.Duration, int, error) {
	req, _ := http.NewRequest(http.MethodGet, "http://"+web+"/metrics", nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	} else {
		req.Header.Set("Accept-Encoding", "identity")
	}
	tr := &http.Transport{DisableCompression: true}
	start := time.Now()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(start), int(n), err
}

func measure(k *serverKind, o options) (*result, error) {
	res := &result{}
	if o.only == "series" {
		return res, series(k, o, res)
	}
	for _, sender := range o.senders {
		for _, lpp := range o.linesPerPacket {
			r, err := ingest(k, o, sender, lpp)
			if err != nil {
				return nil, err
			}
			res.runs = append(res.runs, r)
		}
	}
	if o.only == "ingest" {
		return res, nil
	}
	if err := series(k, o, res); err != nil {
		return nil, err
	}
	return res, nil
}

// saveProfile saves a CPU profile of the server for d to file.
func saveProfile(web string, d time.Duration, file string) error {
	secs := max(1, int(d.Seconds()))
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", web, secs))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile: %s", resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
