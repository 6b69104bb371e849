// Command jmx-bench measures the rosetta binary polling a real JVM over
// remote JMX against the JDK's own JMX client and against Jolokia's
// in-JVM bulk read of the same beans (issue 15, the JMX rows).
//
// One test JVM (testdata/jmx/app with -Dbeans=N small beans of 2 or 4
// attributes, served by testdata/jmx/jolokia's agent, remote JMX on
// 127.0.0.1 through jcmd ManagementAgent.start) is read by:
//
//   - the rosetta binary (built from ./cmd/rosetta as `make build` does,
//     or -rosetta), one `jmx` input without rules (jmx_exporter's default
//     export), its own store and /metrics, polling every -interval: poll
//     time from its self-metric rosetta_input_poll_duration_seconds,
//     peak RSS from /proc (VmHWM, and RssAnon/RssFile sampled every
//     20 ms); after each poll /metrics is scraped once in full, as
//     Prometheus would;
//   - the JDK client (testdata/jmx/ref RefClient: jmx_exporter's calls,
//     getMBeanInfo and getAttributes per bean, on one connection), one
//     poll per round in one long-lived process; its poll time and VmHWM;
//   - Jolokia: one HTTP bulk read of every attribute of every bean
//     ({"type":"read","mbean":"*:*"}), the JVM reading its own beans and
//     serializing them to JSON: the floor any remote poller compares with.
//
// The three are interleaved, never at the same time: after each of
// Rosetta's polls the JDK client polls once, then Jolokia reads once, so
// the machine's load falls on all three alike. The first round warms
// caches and JITs and is not counted. Run:
//
//	make bench-jmx
//	go run ./cmd/jmx-bench -beans 5000 -attributes 4 -polls 10
//
// It prints a markdown table and, last, one RESULT line for scripts.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rosetta-adapter/rosetta/cmd/internal/benchenv"
)

type options struct {
	rosetta    string
	beans      int
	attributes int
	polls      int
	interval   time.Duration
	profile    string
	env        string
	log        string
	benchfmt   bool
	jvmHeap    string
}

func main() {
	var o options
	flag.StringVar(&o.rosetta, "rosetta", "", "rosetta binary (built from ./cmd/rosetta as `make build` does when empty)")
	flag.IntVar(&o.beans, "beans", 5000, "small beans registered besides the test application's and the platform's")
	flag.IntVar(&o.attributes, "attributes", 4, "attributes per small bean: 2 or 4")
	flag.IntVar(&o.polls, "polls", 10, "rounds measured (one more, not counted, warms up)")
	flag.DurationVar(&o.interval, "interval", 8*time.Second, "Rosetta's poll interval; a round (JDK client, Jolokia) must fit between two polls")
	flag.StringVar(&o.profile, "profile", "", "directory: serve pprof on Rosetta and save a CPU profile of the measured rounds and a heap profile at the end")
	flag.StringVar(&o.env, "env", "", "extra environment for Rosetta, comma separated (GOGC=100,GOMEMLIMIT=40MiB)")
	flag.StringVar(&o.log, "log", "", "also write Rosetta's output to this file (with -env GODEBUG=gctrace=1: the heap at each collection)")
	flag.BoolVar(&o.benchfmt, "benchfmt", false, "also print Go benchmark lines per round (for benchstat)")
	flag.StringVar(&o.jvmHeap, "jvm-heap", "256m", "the test JVM's -Xmx")
	flag.Parse()
	if o.attributes != 2 && o.attributes != 4 {
		fmt.Fprintln(os.Stderr, "jmx-bench: -attributes must be 2 or 4")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "jmx-bench:", err)
		os.Exit(1)
	}
}

// round is one interleaved measurement.
type round struct {
	rosetta, jdk, jolokia time.Duration
	scrape                time.Duration // Rosetta's /metrics, in full
	// CPU time: Rosetta's from the end of its previous poll to the end
	// of this one (one poll, one scrape, idle), and the JVM's from the
	// end of the previous round to the end of Rosetta's poll (serving
	// only that poll, unless the round overlapped).
	rosettaCPU, jvmCPU time.Duration
	overlap            bool // the JDK client or Jolokia ran into Rosetta's next poll
}

func run(o options) error {
	dir, err := os.MkdirTemp("", "jmx-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	java, err := exec.LookPath("java")
	if err != nil {
		return fmt.Errorf("a JDK 17 is needed (make peers installs openjdk-17-jdk-headless): %w", err)
	}
	load0 := benchenv.LoadAverage()
	if o.rosetta == "" {
		o.rosetta = filepath.Join(dir, "rosetta")
		if err := benchenv.BuildRosetta(o.rosetta, true); err != nil {
			return err
		}
	}
	classes, err := compileJava(dir)
	if err != nil {
		return err
	}

	// The test JVM: Jolokia agent and the test beans, then remote JMX.
	jmxAddr, err := benchenv.FreeAddr()
	if err != nil {
		return err
	}
	jolAddr, err := benchenv.FreeAddr()
	if err != nil {
		return err
	}
	jmxPort, jolPort := strconv.Itoa(int(jmxAddr.Port())), strconv.Itoa(int(jolAddr.Port()))
	jvm := exec.Command(java, "-Xmx"+o.jvmHeap, "-XX:+UseSerialGC", "-cp", classes,
		"-Dbeans="+strconv.Itoa(o.beans), "-DbeanAttributes="+strconv.Itoa(o.attributes),
		"JolokiaAgent", jolPort)
	jvmIn, jvmOut, err := startPiped(jvm) // the JVM exits when its stdin closes
	if err != nil {
		return err
	}
	defer func() { _ = jvmIn.Close(); stop(jvm) }()
	if err := waitLine(jvmOut, "READY", 2*time.Minute); err != nil {
		return fmt.Errorf("test JVM: %w", err)
	}
	go func() { _, _ = io.Copy(io.Discard, jvmOut) }()
	if out, err := exec.Command(filepath.Join(filepath.Dir(java), "jcmd"), strconv.Itoa(jvm.Process.Pid), "ManagementAgent.start",
		"jmxremote.port="+jmxPort, "jmxremote.rmi.port="+jmxPort, "jmxremote.host=127.0.0.1",
		"jmxremote.ssl=false", "jmxremote.authenticate=false").CombinedOutput(); err != nil || !bytes.Contains(out, []byte("successfully")) {
		return fmt.Errorf("jcmd ManagementAgent.start: %v\n%s", err, out)
	}

	// The JDK client, one poll per line on its stdin.
	ref := exec.Command(java, "-cp", classes, "RefClient", jmxAddr.String(), "", "stdin")
	refIn, refOutPipe, err := startPiped(ref)
	if err != nil {
		return err
	}
	defer stop(ref)
	refOut := bufio.NewScanner(refOutPipe)

	// Rosetta.
	webAddr, err := benchenv.FreeAddr()
	if err != nil {
		return err
	}
	cfg := filepath.Join(dir, "rosetta.yml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, `inputs:
  - name: bench
    type: jmx
    config:
      host_port: %q
      interval: %s
`, jmxAddr.String(), o.interval), 0o600); err != nil {
		return err
	}
	web := webAddr.String()
	args := []string{"--config.file=" + cfg, "--web.listen-address=" + web}
	if o.profile != "" {
		args = append(args, "--debug.pprof")
		if err := os.MkdirAll(o.profile, 0o750); err != nil {
			return err
		}
	}
	ros := exec.Command(o.rosetta, args...)
	ros.Env = os.Environ()
	if o.env != "" {
		ros.Env = append(ros.Env, strings.Split(o.env, ",")...)
	}
	var rosLog bytes.Buffer
	ros.Stdout, ros.Stderr = &rosLog, &rosLog
	if o.log != "" {
		f, err := os.Create(o.log)
		if err != nil {
			return err
		}
		defer f.Close()
		w := io.MultiWriter(&rosLog, f)
		ros.Stdout, ros.Stderr = w, w
	}
	if err := ros.Start(); err != nil {
		return err
	}
	defer stop(ros)
	sampler := startSampler(ros.Process.Pid)
	defer sampler.stop()

	metricsURL := "http://" + web + "/metrics"
	pollURL := metricsURL + "?name[]=rosetta_input_poll_duration_seconds&name[]=rosetta_input_last_success_timestamp_seconds&name[]=rosetta_input_up&name[]=rosetta_jmx_beans&name[]=rosetta_jmx_attributes"
	jolURL := "http://" + jolAddr.String() + "/jolokia/?ignoreErrors=true"

	var (
		rounds   []round
		lastTS   float64
		beans    float64
		attrs    float64
		series   int
		jdkBeans int
		jolBytes int
		cpuDone  chan error
		lastCPU  time.Duration
		nextPoll time.Time // when Rosetta's next poll starts (zero: not known yet)
	)
	for i := 0; i <= o.polls; i++ {
		if i == 1 && o.profile != "" {
			cpuDone = make(chan error, 1)
			secs := int((time.Duration(o.polls)*o.interval + o.interval/2) / time.Second)
			go func() {
				cpuDone <- benchenv.Save(client, "http://"+web+fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), filepath.Join(o.profile, "cpu.pprof"))
			}()
		}
		// Rosetta's next poll.
		var r round
		jvmCPU0 := cpuTime(jvm.Process.Pid)
		deadline := time.Now().Add(o.interval + 2*time.Minute)
		var vals map[string]float64
		// Wait for the poll as Prometheus would not: asking every few
		// milliseconds. Sleep until the next poll is due, then ask every
		// 100 ms (each request renders metrics: asking every 20 ms took
		// more of Rosetta's CPU than its poll and raised its heap).
		time.Sleep(time.Until(nextPoll))
		for {
			if ros.ProcessState != nil || time.Now().After(deadline) {
				return fmt.Errorf("rosetta did not complete a poll in time; its log:\n%s", rosLog.String())
			}
			vals, err = benchenv.Families(client, pollURL)
			if err == nil && vals["rosetta_input_last_success_timestamp_seconds"] != lastTS && vals["rosetta_input_last_success_timestamp_seconds"] > 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		r.jvmCPU = cpuTime(jvm.Process.Pid) - jvmCPU0
		rosCPU := cpuTime(ros.Process.Pid)
		r.rosettaCPU, lastCPU = rosCPU-lastCPU, rosCPU
		lastTS = vals["rosetta_input_last_success_timestamp_seconds"]
		if vals["rosetta_input_up"] != 1 {
			return fmt.Errorf("rosetta: up is %v after a poll; its log:\n%s", vals["rosetta_input_up"], rosLog.String())
		}
		r.rosetta = time.Duration(vals["rosetta_input_poll_duration_seconds"] * 1e9)
		beans, attrs = vals["rosetta_jmx_beans"], vals["rosetta_jmx_attributes"]
		pollStart := time.Unix(0, int64(lastTS*1e9)).Add(-r.rosetta)
		nextPoll = pollStart.Add(o.interval)

		// Prometheus scrapes it.
		t0 := time.Now()
		body, err := get(metricsURL)
		if err != nil {
			return err
		}
		r.scrape = time.Since(t0)
		series = 0
		for line := range bytes.SplitSeq(body, []byte("\n")) {
			if len(line) > 0 && line[0] != '#' {
				series++
			}
		}

		// The JDK client polls once.
		if _, err := io.WriteString(refIn, "poll\n"); err != nil {
			return fmt.Errorf("JDK client: %w", err)
		}
		if !refOut.Scan() {
			return fmt.Errorf("JDK client ended: %v", refOut.Err())
		}
		f := strings.Fields(refOut.Text()) // poll i beans n seconds s
		if len(f) != 6 || f[0] != "poll" {
			return fmt.Errorf("JDK client: unexpected %q", refOut.Text())
		}
		jdkBeans, _ = strconv.Atoi(f[3])
		s, _ := strconv.ParseFloat(f[5], 64)
		r.jdk = time.Duration(s * 1e9)

		// Jolokia reads every bean in the JVM.
		t0 = time.Now()
		n, err := post(jolURL, `{"type":"read","mbean":"*:*"}`)
		if err != nil {
			return fmt.Errorf("bulk read from Jolokia: %w", err)
		}
		r.jolokia = time.Since(t0)
		jolBytes = n
		r.overlap = time.Now().After(nextPoll)
		if i > 0 {
			rounds = append(rounds, r)
			if o.benchfmt {
				fmt.Printf("BenchmarkJMX/rosetta 1 %d ns/op %d cpu-ns/op %d jvm-cpu-ns/op\nBenchmarkJMX/jdk 1 %d ns/op\nBenchmarkJMX/jolokia 1 %d ns/op\n",
					r.rosetta, r.rosettaCPU, r.jvmCPU, r.jdk, r.jolokia)
			}
		}
		sofar := sampler.peak()
		fmt.Fprintf(os.Stderr, "round %d: rosetta %v (CPU %v, JVM CPU %v; scrape %v), JDK client %v, Jolokia %v, overlap %v; Rosetta VmHWM so far %.1f MiB (anon peak %.1f)\n",
			i, r.rosetta, r.rosettaCPU, r.jvmCPU, r.scrape, r.jdk, r.jolokia, r.overlap, sofar.hwm/1024, sofar.anon/1024)
	}
	peak := sampler.stop()
	if cpuDone != nil {
		if err := <-cpuDone; err != nil {
			return err
		}
	}
	if o.profile != "" {
		if err := benchenv.Save(client, "http://"+web+"/debug/pprof/heap", filepath.Join(o.profile, "heap.pprof")); err != nil {
			return err
		}
	}
	_ = refIn.Close() // RefClient prints its best time and VmHWM at EOF
	var jdkPeakKiB float64
	for refOut.Scan() {
		if v, ok := strings.CutPrefix(refOut.Text(), "peak rss kB "); ok {
			jdkPeakKiB, _ = strconv.ParseFloat(v, 64)
		}
	}
	if jdkPeakKiB == 0 {
		return errors.New("JDK client: no peak RSS reported")
	}
	load1 := benchenv.LoadAverage()

	med := func(get func(round) time.Duration) time.Duration {
		ds := make([]time.Duration, len(rounds))
		for i, r := range rounds {
			ds[i] = get(r)
		}
		return benchenv.Median(ds)
	}
	rosMed := med(func(r round) time.Duration { return r.rosetta })
	jdkMed := med(func(r round) time.Duration { return r.jdk })
	jolMed := med(func(r round) time.Duration { return r.jolokia })
	scrMed := med(func(r round) time.Duration { return r.scrape })
	cpuMed := med(func(r round) time.Duration { return r.rosettaCPU })
	var jvmCPUs []time.Duration // rounds that did not overlap
	for _, r := range rounds {
		if !r.overlap {
			jvmCPUs = append(jvmCPUs, r.jvmCPU)
		}
	}
	jvmMed := time.Duration(-1)
	if len(jvmCPUs) > 0 {
		jvmMed = benchenv.Median(jvmCPUs)
	}
	overlaps := 0
	for _, r := range rounds {
		if r.overlap {
			overlaps++
		}
	}
	rosMiB, jdkMiB := peak.hwm/1024, jdkPeakKiB/1024
	fmt.Printf("## JMX: %d beans (%d small beans of %d attributes), %.0f attributes read by Rosetta, %d series\n\n", int(beans), o.beans, o.attributes, attrs, series)
	fmt.Printf("%s; %d measured rounds after 1 warm-up, interleaved (Rosetta polls, then the JDK client, then Jolokia; %d rounds overlapped Rosetta's next poll); Rosetta interval %s; load average %s at start, %s at end\n\n",
		machine(), len(rounds), overlaps, o.interval, load0, load1)
	fmt.Println("| measure | Rosetta (binary, store, /metrics) | JDK JMX client | ratio | Jolokia bulk read (in the JVM) | Rosetta / Jolokia | target |")
	fmt.Println("|---|---|---|---|---|---|---|")
	fmt.Printf("| peak RSS while polling (VmHWM) | %.1f MiB (anon %.1f + file %.1f at the anon peak) | %.1f MiB | %.3fx | — | — | ≤ 0.1x |\n",
		rosMiB, peak.anon/1024, peak.fileAtAnon/1024, jdkMiB, rosMiB/jdkMiB)
	fmt.Printf("| poll time, median | %.3f s | %.3f s | %.3fx | %.3f s | %.2fx | ≤ 0.15x, ≤ 2x Jolokia |\n",
		rosMed.Seconds(), jdkMed.Seconds(), rosMed.Seconds()/jdkMed.Seconds(), jolMed.Seconds(), rosMed.Seconds()/jolMed.Seconds())
	fmt.Printf("\nRosetta's /metrics in full: median %.3f s. CPU per round, median: Rosetta %.3f s (poll and scrape), the JVM serving Rosetta's poll %.3f s. JDK client beans per poll: %d. Jolokia reply: %d bytes.\n",
		scrMed.Seconds(), cpuMed.Seconds(), jvmMed.Seconds(), jdkBeans, jolBytes)
	fmt.Printf("\nRESULT jmx beans=%d attributes=%.0f series=%d rosetta_peak_rss_mib=%.1f rosetta_peak_anon_mib=%.1f jdk_peak_rss_mib=%.1f rss_ratio=%.3f rosetta_poll_s=%.3f jdk_poll_s=%.3f jolokia_poll_s=%.3f time_ratio=%.3f jolokia_ratio=%.2f rosetta_cpu_s=%.3f jvm_cpu_s=%.3f overlaps=%d load_start=%q load_end=%q\n",
		int(beans), attrs, series, rosMiB, peak.anon/1024, jdkMiB, rosMiB/jdkMiB, rosMed.Seconds(), jdkMed.Seconds(), jolMed.Seconds(),
		rosMed.Seconds()/jdkMed.Seconds(), rosMed.Seconds()/jolMed.Seconds(), cpuMed.Seconds(), jvmMed.Seconds(), overlaps, load0, load1)
	return nil
}

// compileJava compiles the test application, the JDK reference client
// and the Jolokia agent (Debian's jolokia-core and json-simple).
func compileJava(dir string) (string, error) {
	classes := filepath.Join(dir, "classes")
	src, _ := filepath.Glob("testdata/jmx/app/*.java")
	ref, _ := filepath.Glob("testdata/jmx/ref/*.java")
	jol, _ := filepath.Glob("testdata/jmx/jolokia/*.java")
	if len(src) == 0 || len(ref) == 0 || len(jol) == 0 {
		return "", errors.New("testdata/jmx not found: run from the repository's root")
	}
	cp := classes + ":/usr/share/java/jolokia-core.jar:/usr/share/java/json-simple.jar"
	args := append([]string{"-nowarn", "-cp", cp, "-d", classes}, append(append(src, ref...), jol...)...)
	if out, err := exec.Command("javac", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("javac (make peers installs openjdk-17-jdk-headless, libjolokia-core-java, libjson-simple-java): %v\n%s", err, out)
	}
	return cp, nil
}

// sampler records a process's peak RSS: VmHWM at the end, and RssAnon
// (with RssFile at that moment) sampled every 20 ms.
type sampler struct {
	pid  int
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once
	mu   sync.Mutex
	p    peakRSS
}

type peakRSS struct{ hwm, anon, fileAtAnon float64 } // KiB

func startSampler(pid int) *sampler {
	s := &sampler{pid: pid, done: make(chan struct{})}
	s.wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	})
	return s
}

func (s *sampler) sample() {
	st, err := benchenv.Status(s.pid)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.p.hwm = max(s.p.hwm, float64(st["VmHWM"]))
	if anon := float64(st["RssAnon"]); anon > s.p.anon {
		s.p.anon, s.p.fileAtAnon = anon, float64(st["RssFile"])
	}
}

// peak is the peak so far.
func (s *sampler) peak() peakRSS {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p
}

func (s *sampler) stop() peakRSS {
	s.once.Do(func() {
		s.sample()
		close(s.done)
		s.wg.Wait()
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p
}

var client = &http.Client{Timeout: 2 * time.Minute}

func get(url string) ([]byte, error) { return benchenv.Get(client, url) }

// post sends body and reads the whole reply, returning its length; the
// reply must be Jolokia's success.
func post(url, body string) (int, error) {
	resp, err := client.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"status":200`)) {
		return 0, fmt.Errorf("POST %s: %s: %.300s", url, resp.Status, b)
	}
	return len(b), nil
}

func waitLine(r io.Reader, prefix string, timeout time.Duration) error {
	found := make(chan error, 1)
	go func() {
		br := bufio.NewReader(r)
		for {
			line, err := br.ReadString('\n')
			if strings.HasPrefix(line, prefix) {
				found <- nil
				return
			}
			if err != nil {
				found <- fmt.Errorf("exited before %s", prefix)
				return
			}
		}
	}()
	select {
	case err := <-found:
		return err
	case <-time.After(timeout):
		return fmt.Errorf("no %s after %s", prefix, timeout)
	}
}

// startPiped starts cmd with a pipe to its stdin and one from its stdout;
// its stderr is ours.
func startPiped(cmd *exec.Cmd) (io.WriteCloser, io.ReadCloser, error) {
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	cmd.Stderr = os.Stderr
	return in, out, cmd.Start()
}

func stop(cmd *exec.Cmd) {
	if cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// cpuTime is a process's user and system CPU time so far (0 when it
// cannot be read).
func cpuTime(pid int) time.Duration {
	d, _ := benchenv.CPUTime(pid)
	return d
}

// machine describes the CPU, cores, kernel, Go and Java.
func machine() string {
	jv := "?"
	if out, err := exec.CommandContext(context.Background(), "java", "-version").CombinedOutput(); err == nil {
		jv = strings.SplitN(string(out), "\n", 2)[0]
	}
	return benchenv.Machine() + ", " + jv
}
