// Command bench-report runs every measurement of issue 15's table, Rosetta
// beside the peer it replaces, and prints one markdown table: both tools'
// numbers, their ratio, the target and whether it is met, and the machine
// (CPU, cores, kernel, Go, load average at the start and the end).
//
// Each row comes from the project's own harness, run as a separate
// process with a time limit, so that a row that fails or hangs costs only
// itself:
//
//   - idle RSS and wake-ups: .ci/bench-idle (both servers, default
//     config, no traffic), or a short measurement of its own when that
//     script is absent;
//   - RSS per series and /metrics render time: cmd/ingest-bench -only
//     series -series-mix issue15 (100k series, median of 5 renders);
//   - StatsD lossless ingest with an ordinary and a GSO sender:
//     cmd/ingest-bench -only ingest (10k counter series, 37 lines per
//     packet, 4 MiB socket buffers), and the ordinary sender again
//     against statsd_exporter with its mapping cache above the 10k names;
//   - JMX peak RSS and poll time of the rosetta binary against the JDK
//     client and Jolokia: cmd/jmx-bench.
//
// Rosetta and statsd_exporter are built once, as releases are (static,
// stripped), and handed to every harness. Run:
//
//	make bench
//	go run ./cmd/bench-report -rows idle,series   # some rows only
//
// The whole report takes about 10 minutes on 2 cores. Each harness's own
// output is kept in -out.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rosetta-adapter/rosetta/cmd/internal/benchenv"
)

type options struct {
	out            string
	rows           []string
	rosetta        string
	statsdExporter string
	timeout        time.Duration
	idleSeconds    int
	renders        int
	rates          string
	step           time.Duration
	jmxPolls       int
}

func main() {
	var o options
	var rows string
	flag.StringVar(&o.out, "out", "", "directory for each harness's output (default: a new directory under /tmp, kept)")
	flag.StringVar(&rows, "rows", "idle,series,ingest,jmx", "rows to measure, comma separated: idle, series (RSS per series, render), ingest, jmx")
	flag.StringVar(&o.rosetta, "rosetta", "", "rosetta binary (built from ./cmd/rosetta, static and stripped, when empty)")
	flag.StringVar(&o.statsdExporter, "statsd-exporter", "", "statsd_exporter binary (built from the module cache at the go.mod version when empty)")
	flag.DurationVar(&o.timeout, "timeout", 6*time.Minute, "time limit of one harness")
	flag.IntVar(&o.idleSeconds, "idle-seconds", 30, "how long the idle servers are watched for wake-ups")
	flag.IntVar(&o.renders, "renders", 5, "/metrics renders per format (the median is reported)")
	flag.StringVar(&o.rates, "rates", "100000,200000,400000,600000,800000,1000000,1200000,1400000,1600000,2000000,2400000,2800000,3200000,3600000", "ingest ramp, lines/s")
	flag.DurationVar(&o.step, "step", 2*time.Second, "duration of one ingest rate step")
	flag.IntVar(&o.jmxPolls, "jmx-polls", 5, "JMX rounds measured")
	flag.Parse()
	o.rows = strings.Split(rows, ",")
	for _, r := range o.rows {
		if !slices.Contains([]string{"idle", "series", "ingest", "jmx"}, r) {
			fatal(fmt.Errorf("-rows: unknown row %q", r))
		}
	}
	if o.out == "" {
		d, err := os.MkdirTemp("", "rosetta-bench-")
		if err != nil {
			fatal(err)
		}
		o.out = d
	} else if err := os.MkdirAll(o.out, 0o750); err != nil {
		fatal(err)
	}
	start := time.Now()
	m := describeMachine()
	if err := build(&o); err != nil {
		fatal(err)
	}
	var rs []row
	for _, r := range o.rows {
		progress("== %s (%s so far)", r, time.Since(start).Round(time.Second))
		switch r {
		case "idle":
			rs = append(rs, idleRows(o)...)
		case "series":
			rs = append(rs, seriesRows(o)...)
		case "ingest":
			rs = append(rs, ingestRows(o)...)
		case "jmx":
			rs = append(rs, jmxRows(o)...)
		}
	}
	m.loadEnd = benchenv.LoadAverage()
	m.took = time.Since(start).Round(time.Second)
	printReport(os.Stdout, m, rs, o)
}

// row is one line of the table.
type row struct {
	measure    string
	rosetta    string
	peer       string
	ratio      string
	target     string
	met        string // "yes", "no", or "" when there is no target
	peerIsJava bool   // the peer column is the JDK client (JMX rows)
}

// failed is the row of a measurement that did not complete.
func failed(measure, target string, err error) row {
	msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", " ")
	if len(msg) > 160 {
		msg = msg[:160] + "…"
	}
	return row{measure: measure, rosetta: "failed: " + msg, target: target, met: "no"}
}

// atMost makes a row whose ratio must not exceed limit.
func atMost(measure, unit string, a, b, limit float64, format string) row {
	r := row{measure: measure, rosetta: fmt.Sprintf(format, a) + unit, peer: fmt.Sprintf(format, b) + unit, target: fmt.Sprintf("≤ %gx", limit)}
	if b <= 0 {
		r.ratio, r.met = "n/a", "no"
		return r
	}
	q := a / b
	r.ratio = fmt.Sprintf("%.3fx", q)
	r.met = yesNo(q <= limit)
	return r
}

// atLeast makes a row whose ratio must reach limit (limit 0: no target).
func atLeast(measure, unit string, a, b, limit float64, format string) row {
	r := row{measure: measure, rosetta: fmt.Sprintf(format, a) + unit, peer: fmt.Sprintf(format, b) + unit}
	if b <= 0 {
		r.ratio = "n/a"
		return r
	}
	q := a / b
	r.ratio = fmt.Sprintf("%.2fx", q)
	if limit > 0 {
		r.target = fmt.Sprintf("≥ %gx", limit)
		r.met = yesNo(q >= limit)
	}
	return r
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// harness runs a command with the time limit, its standard output kept in
// file (under o.out) and returned, its standard error passed through.
func harness(o options, file string, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, stderr bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = io.MultiWriter(os.Stderr, &stderr)
	// Kill the harness's children too (servers, JVMs) when the limit hits.
	setProcessGroup(cmd)
	progress("$ %s %s", name, strings.Join(args, " "))
	err := cmd.Run()
	if werr := os.WriteFile(filepath.Join(o.out, file), out.Bytes(), 0o600); werr != nil && err == nil {
		err = werr
	}
	if ctx.Err() != nil {
		return out.String(), fmt.Errorf("%s: no result within %s", name, o.timeout)
	}
	if err != nil {
		return out.String(), fmt.Errorf("%s: %w: %s", name, err, lastLine(stderr.String()))
	}
	return out.String(), nil
}

// lastLine is the last line of s that is not empty nor go run's "exit
// status": a harness's last word on why it failed.
func lastLine(s string) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(ls) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(ls[i]); l != "" && !strings.HasPrefix(l, "exit status") {
			return l
		}
	}
	return "no message"
}

// build builds the two servers once, as releases are built.
func build(o *options) error {
	if o.rosetta == "" {
		o.rosetta = filepath.Join(o.out, "rosetta")
		progress("== building rosetta")
		if err := benchenv.BuildRosetta(o.rosetta, true); err != nil {
			return err
		}
	}
	if o.statsdExporter == "" {
		o.statsdExporter = filepath.Join(o.out, "statsd_exporter")
		progress("== building statsd_exporter")
		if err := benchenv.BuildStatsdExporter(o.statsdExporter, true); err != nil {
			return err
		}
	}
	var err error
	if o.rosetta, err = filepath.Abs(o.rosetta); err != nil {
		return err
	}
	o.statsdExporter, err = filepath.Abs(o.statsdExporter)
	return err
}

// idleRows measures both servers idle with .ci/bench-idle, or on their
// own when the script is absent.
func idleRows(o options) []row {
	const rssRow, wakeRow = "RSS at idle (no traffic, default config)", "wake-ups at idle (context switches/s, all threads)"
	var rosetta, exporter idleResult
	if _, err := os.Stat(".ci/bench-idle"); err == nil {
		out, err := harness(o, "idle.md", []string{"ROSETTA=" + o.rosetta, "STATSD_EXPORTER=" + o.statsdExporter, fmt.Sprintf("IDLE_SECONDS=%d", o.idleSeconds)}, ".ci/bench-idle")
		if err == nil {
			rosetta, exporter, err = parseIdleTable(out)
		}
		if err != nil {
			return []row{failed(rssRow, "≤ 0.7x", err)}
		}
	} else {
		var err1, err2 error
		rosetta, err1 = measureIdle(o.rosetta, o.idleSeconds)
		exporter, err2 = measureIdle(o.statsdExporter, o.idleSeconds)
		if err := errors.Join(err1, err2); err != nil {
			return []row{failed(rssRow, "≤ 0.7x", err)}
		}
	}
	return []row{
		atMost(rssRow, " MiB", rosetta.rssMiB, exporter.rssMiB, 0.7, "%.1f"),
		atLeast(wakeRow, "", rosetta.wakeups, exporter.wakeups, 0, "%.1f"),
	}
}

type idleResult struct{ rssMiB, wakeups float64 }

// parseIdleTable reads .ci/bench-idle's table: the RSS (column 2) and
// context switches per second (column 9) of each server's first row.
func parseIdleTable(out string) (rosetta, exporter idleResult, err error) {
	var header []string
	found := map[string]*idleResult{"rosetta": &rosetta, "statsd_exporter": &exporter}
	seen := map[string]bool{}
	for l := range strings.Lines(out) {
		cells := tableCells(l)
		if len(cells) == 0 {
			continue
		}
		if header == nil {
			header = cells
			continue
		}
		r, ok := found[cells[0]]
		if !ok || seen[cells[0]] {
			continue
		}
		rss, ctx := column(header, cells, "RSS MiB"), column(header, cells, "ctx switches/s")
		a, err1 := strconv.ParseFloat(rss, 64)
		b, err2 := strconv.ParseFloat(ctx, 64)
		if err := errors.Join(err1, err2); err != nil {
			return rosetta, exporter, fmt.Errorf("bench-idle row %q: %w", strings.TrimSpace(l), err)
		}
		r.rssMiB, r.wakeups = a, b
		seen[cells[0]] = true
	}
	if len(seen) != 2 {
		return rosetta, exporter, fmt.Errorf("bench-idle printed no row for both servers:\n%s", out)
	}
	return rosetta, exporter, nil
}

// tableCells splits a markdown table line into trimmed cells; nil for
// other lines and the separator line.
func tableCells(l string) []string {
	l = strings.TrimSpace(l)
	if !strings.HasPrefix(l, "|") || strings.HasPrefix(l, "|---") {
		return nil
	}
	cells := strings.Split(strings.Trim(l, "|"), "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

func column(header, cells []string, name string) string {
	i := slices.Index(header, name)
	if i < 0 || i >= len(cells) {
		return ""
	}
	return cells[i]
}

// seriesFile is what cmd/ingest-bench -json writes (the fields used here).
type seriesFile struct {
	Servers map[string]serverResult `json:"servers"`
}

type serverResult struct {
	RSSPerSeries float64     `json:"rss_per_series"`
	RenderText   []float64   `json:"render_text"`
	RenderGzip   []float64   `json:"render_gzip"`
	Ingest       []ingestRun `json:"ingest"`
}

type ingestRun struct {
	Sender        string          `json:"sender"`
	MaxLossless   int             `json:"max_lossless"`
	SenderLimited bool            `json:"sender_limited"`
	CPUPerMillion map[int]float64 `json:"cpu_per_million"`
	FixedLossless bool            `json:"fixed_lossless"`
}

func runOf(r serverResult, sender string) (ingestRun, bool) {
	for _, x := range r.Ingest {
		if x.Sender == sender {
			return x, true
		}
	}
	return ingestRun{}, false
}

func ingestBench(o options, file string, args ...string) (*seriesFile, error) {
	jf := filepath.Join(o.out, file+".json")
	args = append([]string{"run", "./cmd/ingest-bench", "-rosetta", o.rosetta, "-statsd-exporter", o.statsdExporter, "-json", jf}, args...)
	if _, err := harness(o, file+".md", nil, "go", args...); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(jf)
	if err != nil {
		return nil, err
	}
	var f seriesFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", jf, err)
	}
	for _, s := range []string{"Rosetta", "statsd_exporter"} {
		if _, ok := f.Servers[s]; !ok {
			return nil, fmt.Errorf("%s: no results of %s", jf, s)
		}
	}
	return &f, nil
}

func seriesRows(o options) []row {
	const perSeries = "RSS per series, 100k mixed series (60% counters, 20% gauges, 20% timers as summaries, ⅓ DogStatsD tags)"
	f, err := ingestBench(o, "series", "-only", "series", "-series-mix", "issue15", "-series", "100000", "-renders", strconv.Itoa(o.renders))
	if err != nil {
		return []row{failed(perSeries, "≤ 0.07x", err)}
	}
	ro, se := f.Servers["Rosetta"], f.Servers["statsd_exporter"]
	return []row{
		atMost(perSeries, " B", ro.RSSPerSeries, se.RSSPerSeries, 0.07, "%.0f"),
		atMost(fmt.Sprintf("`/metrics` render, same 100k series, text, median of %d", len(ro.RenderText)), " s", benchenv.Median(ro.RenderText), benchenv.Median(se.RenderText), 0.2, "%.3f"),
		atMost(fmt.Sprintf("`/metrics` render, same 100k series, gzip, median of %d", len(ro.RenderGzip)), " s", benchenv.Median(ro.RenderGzip), benchenv.Median(se.RenderGzip), 0.3, "%.3f"),
	}
}

// ingestArgs are cmd/ingest-bench's flags of the ingest rows' workload
// (what ingestRows says), which tunedIngestRow repeats.
func ingestArgs(o options, sender string, more ...string) []string {
	return append([]string{"-only", "ingest", "-counters", "10000", "-lines-per-packet", "37", "-read-buffer", "4194304",
		"-sender", sender, "-rates", o.rates, "-step", o.step.String(), "-v"}, more...)
}

func ingestRows(o options) []row {
	const what = "StatsD lossless ingest, counters over 10k series, 37 lines (≈1,400 bytes) per packet, 4 MiB buffers"
	f, err := ingestBench(o, "ingest", ingestArgs(o, "plain,gso")...)
	if err != nil {
		return []row{failed(what, "≥ 4x", err)}
	}
	ro, se := f.Servers["Rosetta"], f.Servers["statsd_exporter"]
	var rs []row
	for _, sender := range []string{"plain", "gso"} {
		a, okA := runOf(ro, sender)
		b, okB := runOf(se, sender)
		if !okA || !okB {
			rs = append(rs, failed(what+", "+sender, "", fmt.Errorf("no %s run in the results", sender)))
			continue
		}
		label := what + ", one `sendto` per packet (an ordinary sender)"
		limit := 4.0
		if sender == "gso" {
			label = what + ", GSO sender (64 packets per send: the cheap sender)"
			limit = 0
		}
		r := atLeast(label, " lines/s", float64(a.MaxLossless), float64(b.MaxLossless), limit, "%.0f")
		if a.SenderLimited {
			r.rosetta += " (the sender's limit)"
		}
		if b.SenderLimited {
			r.peer += " (the sender's limit)"
		}
		rs = append(rs, r)
		for _, rate := range []int{200000} {
			ca, okA := a.CPUPerMillion[rate]
			cb, okB := b.CPUPerMillion[rate]
			label := fmt.Sprintf("CPU seconds per million lines at %dk lines/s, %s sender", rate/1000, sender)
			switch {
			case okA && okB:
				c := atMost(label, " s", ca, cb, 1, "%.2f")
				c.target, c.met = "", ""
				if !a.FixedLossless {
					c.rosetta += " (fell behind)"
				}
				if !b.FixedLossless {
					c.peer += " (fell behind)"
				}
				rs = append(rs, c)
			case okA:
				rs = append(rs, row{measure: label, rosetta: fmt.Sprintf("%.2f s", ca), peer: "lost lines at this rate"})
			}
		}
	}
	return append(rs, tunedIngestRow(o, what))
}

// tunedIngestRow measures the plain sender again against statsd_exporter
// with its mapping cache raised above the 10k names: with the default
// (1,000 names) most of its cost per line is cache misses, which a user who
// knows the flag avoids. The row is the default; this one says how
// much of the ratio that choice makes.
func tunedIngestRow(o options, what string) row {
	label := what + ", one `sendto` per packet, statsd_exporter with `--statsd.cache-size=20000`"
	f, err := ingestBench(o, "ingest-tuned", ingestArgs(o, "plain", "-statsd-exporter-args", "--statsd.cache-size=20000")...)
	if err != nil {
		return failed(label, "", err)
	}
	a, okA := runOf(f.Servers["Rosetta"], "plain")
	b, okB := runOf(f.Servers["statsd_exporter"], "plain")
	if !okA || !okB {
		return failed(label, "", errors.New("no plain run in the results"))
	}
	r := atLeast(label, " lines/s", float64(a.MaxLossless), float64(b.MaxLossless), 0, "%.0f")
	if a.SenderLimited {
		r.rosetta += " (the sender's limit)"
	}
	return r
}

func jmxRows(o options) []row {
	const rss, poll = "JMX, 5,000 beans / 20k attributes: the rosetta binary's peak RSS while polling (store included)", "JMX, same: poll time (median)"
	if _, err := os.Stat("cmd/jmx-bench"); err != nil {
		return []row{failed(rss, "≤ 0.1x", errors.New("cmd/jmx-bench is not in this tree"))}
	}
	out, err := harness(o, "jmx.md", nil, "go", "run", "./cmd/jmx-bench", "-beans", "5000", "-polls", strconv.Itoa(o.jmxPolls), "-rosetta", o.rosetta)
	var kv map[string]string
	if err == nil {
		kv, err = parseResult(out, "jmx")
	}
	if err != nil {
		return []row{failed(rss, "≤ 0.1x", err)}
	}
	num := func(k string) float64 { v, _ := strconv.ParseFloat(kv[k], 64); return v }
	r1 := atMost(rss, " MiB", num("rosetta_peak_rss_mib"), num("jdk_peak_rss_mib"), 0.1, "%.1f")
	r2 := atMost(poll, " s", num("rosetta_poll_s"), num("jdk_poll_s"), 0.15, "%.3f")
	jolokia := num("jolokia_poll_s")
	r3 := row{measure: "JMX, same: poll time against Jolokia's in-JVM bulk read", rosetta: fmt.Sprintf("%.3f s", num("rosetta_poll_s")),
		peer: fmt.Sprintf("%.3f s (Jolokia)", jolokia), target: "≤ 2x"}
	if jolokia > 0 {
		q := num("rosetta_poll_s") / jolokia
		r3.ratio, r3.met = fmt.Sprintf("%.2fx", q), yesNo(q <= 2)
	}
	for _, r := range []*row{&r1, &r2, &r3} {
		r.peerIsJava = true
	}
	return []row{r1, r2, r3}
}

// parseResult reads the last "RESULT kind k=v ..." line of out.
func parseResult(out, kind string) (map[string]string, error) {
	var last string
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, "RESULT "+kind+" ") {
			last = strings.TrimSpace(l)
		}
	}
	if last == "" {
		return nil, fmt.Errorf("no RESULT %s line in the output", kind)
	}
	kv := map[string]string{}
	for _, f := range strings.Fields(last)[2:] {
		if k, v, ok := strings.Cut(f, "="); ok {
			kv[k] = strings.Trim(v, `"`)
		}
	}
	return kv, nil
}

// machine describes where the report ran.
type machine struct {
	cpu, kernel, goVersion string
	cores                  int
	loadStart, loadEnd     string
	date                   time.Time
	took                   time.Duration
}

func describeMachine() machine {
	m := machine{cpu: benchenv.CPUModel(), kernel: benchenv.Kernel(), goVersion: runtime.Version(), cores: runtime.NumCPU(), loadStart: benchenv.LoadAverage(), date: time.Now().UTC()}
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		m.goVersion = strings.TrimSpace(string(out))
	}
	return m
}

func printReport(w io.Writer, m machine, rs []row, o options) {
	fmt.Fprintf(w, "Issue 15's table, measured %s on %s, %d cores, Linux %s, %s; load average (1/5/15 min) %s at the start, %s at the end; %s in all. Rosetta against statsd_exporter (built from the module cache at the go.mod version) and, for JMX, the JDK's JMX client; both servers static and stripped.\n\n",
		m.date.Format("2006-01-02 15:04 UTC"), m.cpu, m.cores, m.kernel, m.goVersion, m.loadStart, m.loadEnd, m.took)
	fmt.Fprintln(w, "| measure | Rosetta | statsd_exporter / JDK client | ratio | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range rs {
		peer := r.peer
		if r.peerIsJava && peer != "" && !strings.Contains(peer, "Jolokia") {
			peer += " (JDK client)"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.measure, r.rosetta, peer, r.ratio, r.target, r.met)
	}
	fmt.Fprintf(w, "\nEach harness's full output: %s. Rerun: `make bench` (`go run ./cmd/bench-report`; `-rows` picks rows).\n", o.out)
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench-report: "+format+"\n", args...)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench-report:", err)
	os.Exit(1)
}
