// Command ingest-bench measures Rosetta and statsd_exporter side by side on
// the same machine, one server at a time, with the same mapping file:
//
//   - the highest UDP ingest rate each takes with zero loss (every line sent
//     is counted by the server, and neither the server nor the kernel
//     dropped anything),
//   - CPU time per million lines,
//   - RSS per series at 100k series,
//   - /metrics render time at 100k series.
//
// It is a measurement, not a test: run it with `make bench-ingest`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rosetta-adapter/rosetta/cmd/internal/benchenv"
)

type options struct {
	rosetta, statsdExporter string
	mapping                 string
	traffic                 string
	lines                   []string // read from traffic
	rates                   []int
	linesPerPacket          []int
	step                    time.Duration
	series                  int
	renders                 int
	verbose                 bool
	readBuffer              int
	// senders are how packets are handed to the kernel: gso, mmsg or
	// plain (see send); one ingest run per sender and lines per packet.
	senders []string
	// cpuRate is the fixed rate (lines/s) at which CPU per million lines
	// is compared (a step of its own before the ramp).
	cpuRate int
	// resolution is how close the ramp brackets the loss threshold: the
	// highest lossless and the lowest lossy rate differ by at most this
	// fraction.
	resolution float64
	// maxLag is how long after a step's send the server may still be
	// working on it for the step to count as lossless: a server that only
	// queues what it cannot keep up with does not take that rate.
	maxLag time.Duration
	// loadStart is the load average when the run started.
	loadStart string
	// counters, when above zero, replaces the traffic file by counter
	// lines over that many series (an application's request counters).
	counters int
	// cpuProfiles, when set, is a directory for a CPU profile of Rosetta
	// per ingest step (Rosetta runs with --debug.pprof).
	cpuProfiles string
	// seriesMix is the traffic of the memory and render measurements
	// (mix.go).
	seriesMix string
	// seriesRounds and timerObs shape the issue15 mix: rounds (flush
	// intervals, a scrape after each) and each timer's observations per
	// round (issue15Rounds).
	seriesRounds, timerObs int
	// only limits the run to the ingest ramps or to the series
	// measurements ("" runs both).
	only string
	// jsonOut, when set, is a file for the results as JSON (for
	// cmd/bench-report).
	jsonOut string
}

func main() {
	var o options
	var rates, lpps string
	flag.StringVar(&o.rosetta, "rosetta", "", "rosetta binary (built from ./cmd/rosetta when empty)")
	flag.StringVar(&o.statsdExporter, "statsd-exporter", "", "statsd_exporter binary (built from the module cache at the go.mod version when empty)")
	flag.StringVar(&o.mapping, "mapping", "testdata/e2e/statsd-differential/mapping.yml", "statsd_exporter mapping file both servers use")
	flag.StringVar(&o.traffic, "traffic", "testdata/e2e/statsd-differential/ingest-traffic.txt", "StatsD lines to send, one per line, packed into packets in turn")
	flag.StringVar(&rates, "rates", "25000,50000,100000,200000,300000,400000,500000,600000,700000,800000,1000000,1200000,1600000,2000000,2400000,2600000,2800000,3000000,3200000,3400000,3600000,4000000", "rising ingest rates to try, in lines per second; past the last, the ramp goes on in steps of 25% until the first loss")
	flag.StringVar(&lpps, "lines-per-packet", "20,1", "StatsD lines per UDP packet, one ingest run per value")
	flag.DurationVar(&o.step, "step", 3*time.Second, "duration of one rate step")
	flag.IntVar(&o.series, "series", 100000, "series for the memory and render measurements")
	flag.IntVar(&o.renders, "renders", 15, "scrapes per render measurement")
	flag.BoolVar(&o.verbose, "v", false, "print every step")
	var rosettaArgs, exporterArgs string
	flag.StringVar(&rosettaArgs, "rosetta-args", "", "more flags for Rosetta, space separated")
	flag.StringVar(&exporterArgs, "statsd-exporter-args", "", "more flags for statsd_exporter, space separated (e.g. --statsd.cache-size=20000: its mapping cache holds 1,000 names by default, fewer than -counters 10000)")
	var senders string
	flag.StringVar(&senders, "sender", "gso", "how the sender hands packets to the kernel, a comma-separated list (one ingest run each): gso (UDP_SEGMENT, many equal-size packets per call; the cheapest sender), mmsg (up to 64 packets per sendmmsg) or plain (one packet per sendto, as an ordinary StatsD client sends)")
	flag.IntVar(&o.cpuRate, "cpu-rate", 200000, "fixed rate (lines/s) at which both servers' CPU per million lines is reported (a step of its own before the ramp; 0: none)")
	flag.Float64Var(&o.resolution, "resolution", 0.02, "after the first lossy step, bisect between it and the last lossless one until they differ by at most this fraction")
	flag.DurationVar(&o.maxLag, "max-lag", time.Second, "a step is lossless only if the server finished its work (went idle with every line applied) within this long after the send ended")
	flag.IntVar(&o.counters, "counters", 0, "when above zero, send counter lines over this many series instead of the -traffic file")
	flag.IntVar(&o.readBuffer, "read-buffer", 0, "--statsd.read-buffer for both servers (0: the OS default)")
	flag.StringVar(&o.cpuProfiles, "cpuprofile-dir", "", "save a CPU profile of Rosetta for each ingest step in this directory")
	flag.StringVar(&o.seriesMix, "series-mix", mixMapped, "traffic of the RSS and render measurements: mapped (through the mapping file: counters, gauges, histograms, summaries) or issue15 (no mapping file: 60% counters, 20% gauges, 20% timers as summaries, a third tagged)")
	flag.IntVar(&o.seriesRounds, "series-rounds", 5, "issue15 mix: rounds (scrape intervals) in which every series is sent, with a scrape after each")
	flag.IntVar(&o.timerObs, "series-timer-observations", 12, "issue15 mix: observations of each timer per round")
	flag.StringVar(&o.only, "only", "", "run only the ingest ramps (ingest) or only the RSS and render measurements (series)")
	flag.StringVar(&o.jsonOut, "json", "", "also write the results as JSON to this file")
	flag.Parse()
	switch o.only {
	case "", "ingest", "series":
	default:
		fatal(fmt.Errorf("-only %q: want ingest or series", o.only))
	}
	if o.seriesRounds < 1 || o.timerObs < 1 {
		fatal(fmt.Errorf("-series-rounds %d, -series-timer-observations %d: want at least 1", o.seriesRounds, o.timerObs))
	}
	var err error
	if o.rates, err = ints(rates); err != nil {
		fatal(err)
	}
	if o.linesPerPacket, err = ints(lpps); err != nil {
		fatal(err)
	}
	for _, sn := range strings.Split(senders, ",") {
		switch sn = strings.TrimSpace(sn); sn {
		case "gso", "mmsg", "plain":
			o.senders = append(o.senders, sn)
		default:
			fatal(fmt.Errorf("-sender %q: want gso, mmsg or plain", sn))
		}
	}
	if o.counters > 0 {
		o.lines = counterLines(o.counters)
	} else if o.lines, err = readTraffic(o.traffic); err != nil {
		fatal(err)
	}
	o.loadStart = benchenv.LoadAverage()
	tmp, err := os.MkdirTemp("", "ingest-bench-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	if o.rosetta == "" {
		o.rosetta = filepath.Join(tmp, "rosetta")
		if err := benchenv.BuildRosetta(o.rosetta, false); err != nil {
			fatal(err)
		}
	}
	if o.statsdExporter == "" {
		o.statsdExporter = filepath.Join(tmp, "statsd_exporter")
		if err := benchenv.BuildStatsdExporter(o.statsdExporter, false); err != nil {
			fatal(err)
		}
	}
	if o.mapping, err = filepath.Abs(o.mapping); err != nil {
		fatal(err)
	}

	servers := []*serverKind{{
		name:    "Rosetta",
		bin:     o.rosetta,
		lines:   "rosetta_statsd_lines_total",
		drops:   []string{"rosetta_input_dropped_total"},
		flags:   []string{"--config.watch-interval=0"},
		profile: o.cpuProfiles != "",
		extra:   strings.Fields(rosettaArgs),
	}, {
		name:  "statsd_exporter",
		bin:   o.statsdExporter,
		lines: "statsd_exporter_lines_total",
		drops: []string{"statsd_exporter_udp_packet_drops_total"},
		extra: strings.Fields(exporterArgs),
	}}
	res := map[string]*result{}
	for _, k := range servers {
		r, err := measure(k, o)
		if err != nil {
			fatal(fmt.Errorf("%s: %w", k.name, err))
		}
		res[k.name] = r
	}
	report(os.Stdout, o, res)
	if o.jsonOut != "" {
		if err := writeJSON(o.jsonOut, o, res); err != nil {
			fatal(err)
		}
	}
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		out = append(out, n)
	}
	return out, nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "ingest-bench:", err)
	os.Exit(1)
}
