package statsd

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// replay is the input's inputs.Replayer: body is StatsD text, one line
// per line, parsed with c's dialect options.
func replay(c *Config, body []byte) ([]normalize.Record, error) { return ParseLines(body, c) }

// ParseLines parses StatsD text offline (one line per line, as a TCP
// listener reads it) with cfg's dialect options, exactly as the input
// would, for tools (rosetta test, rosetta explain). The records own their
// memory. Lines the parser refuses are counted by reason in the error,
// whose records are still returned.
func ParseLines(body []byte, cfg *Config) ([]normalize.Record, error) {
	if cfg == nil {
		c := DefaultConfig
		cfg = &c
	}
	p := newParser(cfg.parserOptions())
	var out []normalize.Record
	keep := func(recs []normalize.Record) {
		for _, r := range recs {
			r.Match = strings.Clone(r.Match)
			r.Labels = append(normalize.Labels(nil), r.Labels...)
			out = append(out, r)
		}
	}
	p.emit = keep
	for line := range strings.SplitSeq(string(body), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		p.st.lines++
		p.parseLine([]byte(line))
		keep(p.recs)
		p.reset()
	}
	var bad []string
	for r, n := range p.st.errors {
		if n > 0 {
			bad = append(bad, fmt.Sprintf("%s: %d", reasonNames[r], n))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return out, fmt.Errorf("lines refused by the StatsD parser (%s)", strings.Join(bad, ", "))
	}
	return out, nil
}
