package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Ingest traffic: StatsD lines read from a file (-traffic) or generated
// (-counters), packed into UDP payloads.

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
