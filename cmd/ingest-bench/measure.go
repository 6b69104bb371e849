package main

import (
	"encoding/binary"
	"fmt"
	"io"
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
	cpu          float64 // CPU seconds of the server during the step and drain
	senderCPU    float64 // CPU seconds of this process (the sender) during the step
	lossless     bool
	senderLimit  bool
}

type ingestRun struct {
	sender         string
	linesPerPacket int
	steps          []step
	maxLossless    int  // highest rate (lines/s actually achieved) taken without loss
	senderLimited  bool // the ramp ended because the sender could go no faster
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

// drain waits until the server's line counter stops moving.
func drain(s *server, want float64) (float64, error) {
	return drainFor(s, want, 10*time.Second, 10)
}

// drainFor is drain with a deadline and a patience (polls without
// progress, 100 ms apart, each a full scrape).
func drainFor(s *server, want float64, limit time.Duration, patience int) (float64, error) {
	deadline := time.Now().Add(limit)
	last, stable := -1.0, 0
	for {
		c, err := s.counters()
		if err != nil {
			return 0, err
		}
		v := c[s.kind.lines]
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
	for _, rate := range o.rates {
		before, err := s.counters()
		if err != nil {
			return run, err
		}
		sd0, err := udpSocketDrops(s.udpPort)
		if err != nil {
			return run, err
		}
		rb0, _ := udpRcvbufErrors()
		cpu0, _ := cpuSeconds(s.cmd.Process.Pid)

		var prof chan error
		if k.profile && o.cpuProfiles != "" {
			prof = make(chan error, 1)
			go func() {
				prof <- saveProfile(s.web, o.step, fmt.Sprintf("%s/rosetta-%s-lpp%d-%d.pprof", o.cpuProfiles, sender, lpp, rate))
			}()
		}
		self0 := selfCPU()
		sent, achieved, err := send(s.udp, pkts, lpp, rate, o.step, sender)
		senderCPU := selfCPU() - self0
		if prof != nil {
			if perr := <-prof; perr != nil {
				fmt.Fprintln(os.Stderr, "cpu profile:", perr)
			}
		}
		if err != nil {
			return run, err
		}
		got, err := drain(s, before[k.lines]+float64(sent))
		if err != nil {
			return run, err
		}
		after, err := s.counters()
		if err != nil {
			return run, err
		}
		sd1, _ := udpSocketDrops(s.udpPort)
		rb1, _ := udpRcvbufErrors()
		cpu1, _ := cpuSeconds(s.cmd.Process.Pid)
		st := step{
			rate: rate, achieved: achieved, sent: sent,
			counted:      got - before[k.lines],
			serverDrops:  sumDrops(s, after) - sumDrops(s, before),
			socketDrops:  sd1 - sd0,
			rcvbufErrors: rb1 - rb0,
			cpu:          cpu1 - cpu0,
			senderCPU:    senderCPU,
			senderLimit:  achieved < 0.95*float64(rate),
		}
		st.lossless = st.counted == float64(sent) && st.serverDrops == 0 && st.socketDrops == 0
		run.steps = append(run.steps, st)
		if o.verbose {
			fmt.Fprintf(os.Stderr, "%-16s sender=%-5s lpp=%-3d rate=%-8d achieved=%-10.0f sent=%-9d counted=%-9.0f server_drops=%-7.0f socket_drops=%-7d rcvbuf_errors=%-7d cpu=%.2fs sender_cpu=%.2fs lossless=%v\n",
				k.name, sender, lpp, rate, achieved, sent, st.counted, st.serverDrops, st.socketDrops, st.rcvbufErrors, st.cpu, st.senderCPU, st.lossless)
		}
		if !st.lossless {
			break
		}
		run.maxLossless = int(achieved)
		if st.senderLimit {
			fmt.Fprintf(os.Stderr, "%s: the sender reached only %.0f of %d lines/s; stopping the ramp here\n", k.name, achieved, rate)
			run.senderLimited = true
			break
		}
	}
	return run, nil
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
	payload, mapping, err := mixLines(o.seriesMix, o.series, o.mapping)
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
	lines := float64(strings.Count(string(payload), "\n"))
	c, err := net.Dial("tcp", s.tcp)
	if err != nil {
		return err
	}
	if _, err := c.Write(payload); err != nil {
		return err
	}
	c.Close()
	// Creating 100k series on a loaded machine takes a while, and every
	// poll is a scrape of all of them: be patient.
	if got, err := drainFor(s, lines, 2*time.Minute, 30); err != nil {
		return err
	} else if got < lines {
		return fmt.Errorf("only %.0f of %.0f lines arrived over TCP", got, lines)
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
