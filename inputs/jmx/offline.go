package jmx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// replay is the input's inputs.Replayer: body is jmx_exporter bean
// strings with their values, one per line (blank lines and lines starting
// with # are skipped), read with c's lowercasing options.
func replay(c *Config, body []byte) ([]normalize.Record, error) {
	x := &Exporter{LowercaseOutputName: c.LowercaseOutputName, LowercaseOutputLabelNames: c.LowercaseOutputLabelNames}
	var out []normalize.Record
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := x.RecordFromBeanString(line, "")
		if err != nil {
			return out, fmt.Errorf("line %d: %q: %w", n, line, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// RecordFromBeanString turns one jmx_exporter bean string with its value
// ("domain<k=v, k2=v2><key1, key2>attr: value", the match string a poll
// produces) back into the record the live input would have made, default
// name and labels included, for tools (rosetta test, rosetta explain) that
// take recorded polls. Numbers and true/false become values; other values
// are strings (read only by rules with a value template). help is the
// attribute's description ("" if unknown).
func (x *Exporter) RecordFromBeanString(s, help string) (normalize.Record, error) {
	lt := strings.IndexByte(s, '<')
	if lt <= 0 {
		return normalize.Record{}, errors.New("no \"<\" after the domain")
	}
	domain := s[:lt]
	rest := s[lt+1:]
	gt := strings.Index(rest, "><")
	if gt < 0 {
		return normalize.Record{}, errors.New("no \"><\" after the key properties")
	}
	propText := rest[:gt]
	rest = rest[gt+2:]
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return normalize.Record{}, errors.New("no \">\" after the attribute keys")
	}
	keyText, rest := rest[:end], rest[end+1:]
	attr, val, ok := strings.Cut(rest, ": ")
	if !ok || attr == "" {
		return normalize.Record{}, errors.New("no \"attribute: value\" at the end")
	}
	b := mbean.BeanName{Domain: domain}
	var names []string
	if propText != "" {
		for p := range strings.SplitSeq(propText, ", ") {
			k, v, ok := strings.Cut(p, "=")
			if !ok || k == "" {
				return normalize.Record{}, fmt.Errorf("key property %q is not k=v", p)
			}
			b.Props = append(b.Props, mbean.Prop{Key: k, Value: v})
			names = append(names, k+"="+v)
		}
	}
	b.Name = domain + ":" + strings.Join(names, ",")
	var keys []string
	if keyText != "" {
		keys = strings.Split(keyText, ", ")
	}
	var v any
	switch {
	case val == "true":
		v = true
	case val == "false":
		v = false
	default:
		if f, err := strconv.ParseFloat(val, 64); err == nil {
			v = mbean.Number{Float: f, Text: val}
		} else {
			v = val
		}
	}
	if _, isStr := v.(string); isStr && !x.Strings {
		x = &Exporter{LowercaseOutputName: x.LowercaseOutputName, LowercaseOutputLabelNames: x.LowercaseOutputLabelNames, Strings: true}
	}
	w := newWalk(0)
	out := x.record(nil, &w, &b, b.Props, keys, attr, help, v)
	if len(out) != 1 {
		return normalize.Record{}, errors.New("no record")
	}
	return out[0], nil
}
