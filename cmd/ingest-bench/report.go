package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rosetta-adapter/rosetta/cmd/internal/benchenv"
)

// cpuPerMillion is CPU seconds per million lines applied in run i: at the
// fixed rate (-cpu-rate, its own step, lossless or not: the server's CPU
// is counted until it finished) or at a lossless ramp step of that rate.
func cpuPerMillion(r *result, i, rate int) (float64, bool) {
	if f := r.runs[i].fixed; f != nil && f.rate == rate && f.applied > 0 {
		return f.cpuPerM(), true
	}
	for _, st := range r.runs[i].steps {
		if st.rate == rate && st.lossless && st.applied > 0 {
			return st.cpuPerM(), true
		}
	}
	return 0, false
}

// lossNote says when the fixed-rate step lost lines.
func lossNote(r ingestRun, rate int) string {
	if f := r.fixed; f != nil && f.rate == rate && !f.lossless {
		return fmt.Sprintf(" (lost lines or lagged %.1f s)", f.lag.Seconds())
	}
	return ""
}

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func report(w io.Writer, o options, res map[string]*result) {
	ro, se := res["Rosetta"], res["statsd_exporter"]
	buf := "the OS default socket receive buffer"
	if o.readBuffer > 0 {
		buf = fmt.Sprintf("`--statsd.read-buffer=%d`", o.readBuffer)
	}
	traffic := fmt.Sprintf("`%s`", relPath(o.traffic))
	if o.counters > 0 {
		traffic = fmt.Sprintf("counter lines over %d series", o.counters)
	}
	fmt.Fprintf(w, "Machine: %s; load average %s at the start, %s at the end. Both servers ran one at a time on 127.0.0.1 with `%s` and %s; traffic: %s, sent with the %s sender%s.\n\n",
		benchenv.Machine(), o.loadStart, benchenv.LoadAverage(), relPath(o.mapping), buf, traffic, strings.Join(o.senders, " and the "), plural(len(o.senders)))
	fmt.Fprintln(w, "| measure | Rosetta | statsd_exporter | Rosetta / statsd_exporter |")
	fmt.Fprintln(w, "|---|---|---|---|")
	var results []string
	for i := range min(len(ro.runs), len(se.runs)) { // none with -only series
		rr, sr := ro.runs[i], se.runs[i]
		what := fmt.Sprintf("%s sender, %d lines/packet", rr.sender, rr.linesPerPacket)
		a, b := rr.maxLossless, sr.maxLossless
		note := ""
		if rr.senderLimited {
			note = " (sender limit: the server's own limit is higher)"
		}
		noteB := ""
		if sr.senderLimited {
			noteB = " (sender limit)"
		}
		fmt.Fprintf(w, "| highest lossless UDP ingest, %s (lines/s) | %d%s | %d%s | %s |\n", what, a, note, b, noteB, ratio(float64(a), float64(b)))
		common := commonLosslessRate(rr, sr)
		// CPU at the fixed rate, and at the highest rate both took
		rates := []int{o.cpuRate}
		if common > 0 && common != o.cpuRate {
			rates = append(rates, common)
		}
		for _, rate := range rates {
			ca, okA := cpuPerMillion(ro, i, rate)
			cb, okB := cpuPerMillion(se, i, rate)
			if okA || okB {
				r := "n/a"
				if okA && okB {
					r = ratio(ca, cb)
				}
				fmt.Fprintf(w, "| CPU per million lines, %s, at %d lines/s (s) | %s%s | %s%s | %s |\n", what, rate, optional(ca, okA), lossNote(rr, rate), optional(cb, okB), lossNote(sr, rate), r)
			}
			if rate == o.cpuRate {
				results = append(results, fmt.Sprintf("RESULT ingest sender=%s lpp=%d rosetta_lossless=%d exporter_lossless=%d lossless_ratio=%s cpu_rate=%d rosetta_cpu_s_per_m=%s exporter_cpu_s_per_m=%s",
					rr.sender, rr.linesPerPacket, a, b, optional(float64(a)/max(1, float64(b)), a > 0 && b > 0), rate, optional(ca, okA), optional(cb, okB)))
			}
		}
	}
	defer func() {
		for _, r := range results {
			fmt.Fprintf(w, "%s load_start=%q load_end=%q\n", r, o.loadStart, benchenv.LoadAverage())
		}
	}()
	if o.only == "ingest" {
		fmt.Fprintf(w, "\nRerun: `go run ./cmd/ingest-bench %s`.\n", strings.Join(os.Args[1:], " "))
		return
	}
	perA := float64(ro.rss-ro.idleRSS) / float64(o.series)
	perB := float64(se.rss-se.idleRSS) / float64(o.series)
	fmt.Fprintf(w, "| RSS at %dk series (MiB) | %.1f | %.1f | %s |\n", o.series/1000, float64(ro.rss)/(1<<20), float64(se.rss)/(1<<20), ratio(float64(ro.rss), float64(se.rss)))
	fmt.Fprintf(w, "| RSS per series above idle (bytes) | %.0f | %.0f | %s |\n", perA, perB, ratio(perA, perB))
	for _, r := range []struct {
		format   string
		ros, exp []time.Duration
	}{{"text", ro.renderText, se.renderText}, {"gzip", ro.renderGzip, se.renderGzip}} {
		medA, medB := ms(benchenv.Median(r.ros)), ms(benchenv.Median(r.exp))
		fmt.Fprintf(w, "| `/metrics` render at %dk series, %s, median / p90 (ms) | %.1f / %.1f | %.1f / %.1f | %s |\n", o.series/1000, r.format,
			medA, ms(benchenv.Percentile(r.ros, 0.9)), medB, ms(benchenv.Percentile(r.exp, 0.9)), ratio(medA, medB))
	}
	if o.seriesMix == mixIssue15 {
		fmt.Fprintf(w, "\nSeries traffic: issue 15's mix in %d rounds (scrape intervals) over one TCP connection, every series in each, each timer %d observations per round, a scrape after each round; RSS 2 s after the last scrape.\n", o.seriesRounds, o.timerObs)
	}
	fmt.Fprintf(w, "\nRerun: `make bench-ingest` (or `go run ./cmd/ingest-bench %s`).\n", strings.Join(os.Args[1:], " "))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func relPath(p string) string {
	if wd, err := os.Getwd(); err == nil {
		return strings.TrimPrefix(p, wd+"/")
	}
	return p
}

// lastLosslessRate is the asked-for rate of the highest lossless step.
func lastLosslessRate(r ingestRun) int {
	best := 0
	for _, st := range r.steps {
		if st.lossless {
			best = max(best, st.rate)
		}
	}
	return best
}

// commonLosslessRate is the highest asked-for rate at which both runs had
// a lossless step (the bisection's rates differ between servers).
func commonLosslessRate(a, b ingestRun) int {
	best := 0
	for _, x := range a.steps {
		for _, y := range b.steps {
			if x.rate == y.rate && x.lossless && y.lossless {
				best = max(best, x.rate)
			}
		}
	}
	return best
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}

// optional formats a CPU figure, or "n/a" when the step was not lossless.
func optional(v float64, ok bool) string {
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", v)
}
