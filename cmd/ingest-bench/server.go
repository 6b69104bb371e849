package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rosetta-adapter/rosetta/cmd/internal/benchenv"
)

// serverKind knows how to start one of the two servers and read its own
// counters.
type serverKind struct {
	name string
	bin  string
	// lines is the counter of StatsD lines the server received and parsed.
	lines string
	// drops are the server's own counters of data it threw away.
	drops []string
	// flags are the server's own flags beyond statsd_exporter's, which
	// both take (start gives them).
	flags []string
	// profile runs Rosetta with --debug.pprof, for -cpuprofile-dir.
	profile bool
	// extra are more flags (-rosetta-args, -statsd-exporter-args).
	extra []string
}

// server is a running server process.
type server struct {
	kind          *serverKind
	cmd           *exec.Cmd
	udpPort       int
	udp, tcp, web string
	stderr        *bytes.Buffer
}

// client reads the servers' pages: no time limit, for a render of 100k
// series on a loaded machine.
var client = http.DefaultClient

func start(k *serverKind, mapping string, readBuffer int) (*server, error) {
	statsd, err := benchenv.FreeAddr()
	if err != nil {
		return nil, err
	}
	web, err := benchenv.FreeAddr()
	if err != nil {
		return nil, err
	}
	s := &server{kind: k, udpPort: int(statsd.Port()), stderr: &bytes.Buffer{}}
	s.udp = statsd.String()
	s.tcp = s.udp
	s.web = web.String()
	args := []string{"--statsd.listen-udp=" + s.udp, "--statsd.listen-tcp=" + s.tcp, "--web.listen-address=" + s.web, "--log.level=warn"}
	if mapping != "" { // else the servers' defaults
		args = append(args, "--statsd.mapping-config="+mapping)
	}
	args = append(args, k.flags...)
	if k.profile {
		args = append(args, "--debug.pprof")
	}
	if readBuffer > 0 {
		args = append(args, fmt.Sprintf("--statsd.read-buffer=%d", readBuffer))
	}
	args = append(args, k.extra...)
	s.cmd = exec.Command(k.bin, args...)
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	if err := benchenv.WaitUp(client, "http://"+s.web+"/metrics", 20*time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w\n%s", err, s.stderr)
	}
	return s, nil
}

func (s *server) stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// counters scrapes the server and returns every sample value by name,
// summed over label sets.
func (s *server) counters() (map[string]float64, error) {
	return benchenv.Families(client, "http://"+s.web+"/metrics")
}

// selfPrefixes are the prefixes of the servers' own metrics.
var selfPrefixes = []string{"rosetta_", "statsd_exporter_", "go_", "process_", "promhttp_"}

// trafficSeries scrapes the server and returns the number of series the
// traffic created (every family but the servers' own).
func (s *server) trafficSeries() (int, error) {
	mfs, err := benchenv.Scrape(client, "http://"+s.web+"/metrics")
	if err != nil {
		return 0, err
	}
	n := 0
	for name, mf := range mfs {
		if !slices.ContainsFunc(selfPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
			n += len(mf.GetMetric())
		}
	}
	return n, nil
}

// cpuSeconds is the process's user+system CPU time in seconds.
func cpuSeconds(pid int) (float64, error) {
	d, err := benchenv.CPUTime(pid)
	return d.Seconds(), err
}

// rssBytes is the process's resident set size.
func rssBytes(pid int) (int64, error) {
	kib, err := benchenv.StatusField(pid, "VmRSS")
	return kib << 10, err
}

// udpSocketDrops returns the kernel's drop counter of the UDP socket bound
// to port on 127.0.0.1 (/proc/net/udp, last column).
func udpSocketDrops(port int) (uint64, error) {
	f, err := os.Open("/proc/net/udp")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseUDPDrops(f, port)
}

func parseUDPDrops(r io.Reader, port int) (uint64, error) {
	want := fmt.Sprintf(":%04X", port)
	sc := bufio.NewScanner(r)
	var total uint64
	found := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 13 || !strings.HasSuffix(f[1], want) {
			continue
		}
		n, err := strconv.ParseUint(f[len(f)-1], 10, 64)
		if err != nil {
			return 0, err
		}
		total += n
		found = true
	}
	if !found {
		return 0, fmt.Errorf("no UDP socket on port %d", port)
	}
	return total, sc.Err()
}

// udpRcvbufErrors is the kernel-wide Udp RcvbufErrors counter.
func udpRcvbufErrors() (uint64, error) {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0, err
	}
	return parseRcvbufErrors(string(b))
}

func parseRcvbufErrors(snmp string) (uint64, error) {
	var header []string
	for _, l := range strings.Split(snmp, "\n") {
		if !strings.HasPrefix(l, "Udp: ") {
			continue
		}
		f := strings.Fields(l)
		if header == nil {
			header = f
			continue
		}
		for i, h := range header {
			if h == "RcvbufErrors" && i < len(f) {
				return strconv.ParseUint(f[i], 10, 64)
			}
		}
	}
	return 0, errors.New("no Udp RcvbufErrors in /proc/net/snmp")
}
