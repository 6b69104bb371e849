package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/plugin"
	"github.com/rosetta-adapter/rosetta/inputs/statsd"
	"github.com/rosetta-adapter/rosetta/mappings/mappingtest"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// liveFlags are those of explain --live and record.
type liveFlags struct {
	config, inputName string
	duration          time.Duration // how long a push input (StatsD, a push plugin) listens
	output            string        // record: the test file to write
}

// livePoll loads the config's input and reads its real targets once,
// through the input's inputs.OnePoller. Targets that failed while others
// answered are a warning on stderr.
func livePoll(f *liveFlags, stderr io.Writer) (*mappingEnvLive, error) {
	if f.config == "" {
		return nil, errors.New("--config.file is required: the input and its rules come from the config")
	}
	env, err := newMappingEnv()
	if err != nil {
		return nil, err
	}
	src, err := env.Load(f.config, "", f.inputName)
	if err != nil {
		return nil, err
	}
	fac, ok := env.Registry.Factory(src.InputType)
	if !ok {
		return nil, fmt.Errorf("input type %q is not registered", src.InputType)
	}
	op, ok := fac.(inputs.OnePoller)
	if !ok {
		return nil, fmt.Errorf("input type %q cannot be polled on demand", src.InputType)
	}
	ctx := context.Background()
	if src.InputType == statsd.Type || src.InputType == plugin.Type {
		// A push input (StatsD, a push plugin) is listened to this long;
		// a pull plugin answers within it.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.duration)
		defer cancel()
	}
	recs, err := op.PollOnce(ctx, src.InputConfig)
	if err != nil {
		if len(recs) == 0 {
			return nil, err
		}
		fmt.Fprintln(stderr, "warning:", err)
	}
	return &mappingEnvLive{env: env, src: src, recordings: recs}, nil
}

type mappingEnvLive struct {
	env        *mappingtest.Env
	src        *mappingtest.Source
	recordings []inputs.Recording
}

// records are what the input's rules make of recording r; what the input
// could not read of it is a warning on stderr.
func (l *mappingEnvLive) records(r inputs.Recording, stderr io.Writer) []normalize.Record {
	recs, err := l.env.Records(l.src.InputType, r.Body, l.src.InputConfig, nil)
	if err != nil {
		fmt.Fprintln(stderr, "warning:", err)
	}
	return recs
}

// runExplainLive is `rosetta explain --live`: the report of explain for
// one poll of the input's real targets.
func runExplainLive(f *liveFlags, stdout, stderr io.Writer) int {
	live, err := livePoll(f, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "rosetta explain --live:", err)
		return 1
	}
	for _, r := range live.recordings {
		fmt.Fprintf(stdout, "# %s input, one poll of %s (%d bytes)\n", live.src.InputType, r.Target, len(r.Body))
		recs := live.records(r, stderr)
		if _, err := mappingtest.Explain(stdout, live.src, recs, live.src.InputType == statsd.Type); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	return 0
}

// runRecord is `rosetta record`: one poll written as a mapping test file
// (the recorded input, the series it gives now as expect), for `rosetta
// test`.
func runRecord(f *liveFlags, stdout, stderr io.Writer) int {
	live, err := livePoll(f, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "rosetta record:", err)
		return 1
	}
	configRef, err := filepath.Abs(f.config)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if f.output != "" {
		if abs, err := filepath.Abs(f.output); err == nil {
			if rel, err := filepath.Rel(filepath.Dir(abs), configRef); err == nil {
				configRef = rel
			}
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	doc := &yaml.Node{Kind: yaml.MappingNode}
	add := func(m *yaml.Node, k string, v *yaml.Node) {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, v)
	}
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }
	block := func(s string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.LiteralStyle, Value: s}
	}
	doc.HeadComment = fmt.Sprintf("Recorded by rosetta record on %s: one poll of input %q (%s).\nCheck it with: rosetta test FILE", now, f.inputName, live.src.InputType)
	add(doc, "config", str(configRef))
	if f.inputName != "" {
		add(doc, "input_name", str(f.inputName))
	}
	tests := &yaml.Node{Kind: yaml.SequenceNode}
	for _, r := range live.recordings {
		recs := live.records(r, stderr)
		text, err := mappingtest.Exposition(live.src, recs, live.src.InputType == statsd.Type)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		c := &yaml.Node{Kind: yaml.MappingNode}
		add(c, "name", str(fmt.Sprintf("%s at %s", r.Target, now)))
		add(c, "input", block(string(r.Body)))
		add(c, "expect", block(string(text)))
		tests.Content = append(tests.Content, c)
	}
	add(doc, "tests", tests)
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := enc.Close(); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if f.output == "" || f.output == "-" {
		_, _ = io.WriteString(stdout, b.String())
		return 0
	}
	if err := os.WriteFile(f.output, []byte(b.String()), 0o644); err != nil { //nolint:gosec // G306: a test file the user commits
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stderr, "wrote %s (%d targets); check it with: rosetta test %s\n", f.output, len(live.recordings), f.output)
	return 0
}
