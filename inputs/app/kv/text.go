package kv

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// TextConfig describes a line-oriented key/value format for Text.
type TextConfig struct {
	// Lines are tried in order on every line; the first whose regex
	// matches makes the line's record. Lines no rule matches are skipped.
	Lines []LineRule `yaml:"lines"`
	// Strict makes a line that no rule matches an error (invalid_body)
	// instead of being skipped; blank lines are always skipped.
	Strict bool `yaml:"strict"`
}

// LineRule turns matching lines into records.
type LineRule struct {
	// Regex (RE2) with named captures: "value" is the number (required);
	// "key" is the match string, unless Match is set; every other named
	// capture becomes a label.
	Regex string `yaml:"regex"`
	// Match is the match string, a template: "$key", "${name}" and other
	// named captures expand (regexp.Expand). Default: "$key".
	Match string `yaml:"match"`
	// Type is the hint for the records: counter, gauge (default) or untyped.
	Type string `yaml:"type"`
	// Help is the records' HELP text.
	Help string `yaml:"help"`

	re     *regexp.Regexp
	labels []int // capture indexes that become labels
	value  int
	typ    normalize.Type
}

// Validate checks c, naming the rule and field of each problem.
func (c *TextConfig) Validate() error {
	var errs []error
	if len(c.Lines) == 0 {
		errs = append(errs, errors.New("lines: at least one line rule is required"))
	}
	for i := range c.Lines {
		if err := c.Lines[i].compile(); err != nil {
			errs = append(errs, fmt.Errorf("lines[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

func (r *LineRule) compile() error {
	re, err := regexp.Compile(r.Regex)
	if err != nil {
		return fmt.Errorf("regex: %q: %w", r.Regex, err)
	}
	r.re, r.value, r.labels = re, -1, nil
	hasKey := false
	for i, n := range re.SubexpNames() {
		switch n {
		case "":
		case "value":
			r.value = i
		case "key":
			hasKey = true
		default:
			if !normalize.ValidLabelName(n) {
				return fmt.Errorf("regex: capture name %q is not a valid label name", n)
			}
			r.labels = append(r.labels, i)
		}
	}
	if r.value < 0 {
		return fmt.Errorf("regex: %q has no (?P<value>...) capture", r.Regex)
	}
	if r.Match == "" {
		if !hasKey {
			return fmt.Errorf("regex: %q has no (?P<key>...) capture and there is no match template", r.Regex)
		}
		r.Match = "$key"
	}
	typ, err := normalize.ParseType(cmp.Or(r.Type, "gauge"))
	if err != nil {
		return fmt.Errorf("type: %w", err)
	}
	r.typ = typ
	return nil
}

// Text returns the parser for cfg, which it validates.
func Text(cfg TextConfig) (parsing.Parser, error) {
	c := cfg
	c.Lines = append([]LineRule(nil), cfg.Lines...)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return parsing.ParserFunc(func(body []byte, emit func(normalize.Record)) error {
		return c.parse(body, emit)
	}), nil
}

func (c *TextConfig) parse(body []byte, emit func(normalize.Record)) error {
	var dst []byte
	for ln, line := range lines(body) {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		matched := false
		for i := range c.Lines {
			r := &c.Lines[i]
			m := r.re.FindStringSubmatchIndex(line)
			if m == nil {
				continue
			}
			matched = true
			vs := line[m[2*r.value]:max(m[2*r.value], m[2*r.value+1])]
			v, err := strconv.ParseFloat(strings.TrimSpace(vs), 64)
			if err != nil {
				if c.Strict {
					return parsing.Errorf("invalid_body", "line %d: value %q is not a number", ln+1, clip(vs))
				}
				break
			}
			dst = r.re.ExpandString(dst[:0], r.Match, line, m)
			var ls normalize.Labels
			for _, li := range r.labels {
				if m[2*li] >= 0 {
					ls = append(ls, normalize.Label{Name: r.re.SubexpNames()[li], Value: line[m[2*li]:m[2*li+1]]})
				}
			}
			emit(normalize.Record{Match: string(dst), Labels: ls, Value: v, Type: r.typ, Help: r.Help})
			break
		}
		if !matched && c.Strict {
			return parsing.Errorf("invalid_body", "line %d: %q matches no line rule", ln+1, clip(line))
		}
	}
	return nil
}

// labelName makes s a valid label name (characters outside [a-zA-Z0-9_]
// become '_', a leading digit gets '_').
func labelName(s string) string {
	return strings.ReplaceAll(normalize.EscapeMetricName(s), ":", "_")
}
