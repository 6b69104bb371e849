package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs/statsd"
	"github.com/rosetta-adapter/rosetta/mappings/mappingtest"
)

type explainFlags struct {
	config, mapping, format, inputName, input, inputConfig string
	file                                                   string
	live                                                   bool
	duration                                               time.Duration
}

// runExplain is `rosetta explain`.
func runExplain(f *explainFlags, stdin io.Reader, stdout, stderr io.Writer) int {
	env, err := newMappingEnv()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	file := cmp.Or(f.config, f.mapping)
	if file == "" || f.config != "" && f.mapping != "" {
		fmt.Fprintln(stderr, "rosetta explain: give --config.file or --mapping (a mapping file, statsd_exporter or jmx_exporter config, or library:NAME)")
		return 2
	}
	src, err := env.Load(file, f.format, f.inputName)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	typ := cmp.Or(f.input, src.InputType, statsd.Type)
	var body []byte
	if f.file == "" || f.file == "-" {
		body, err = io.ReadAll(stdin)
	} else {
		body, err = os.ReadFile(f.file)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	cfg := src.InputConfig
	var node *yaml.Node
	if f.inputConfig != "" || typ != src.InputType {
		cfg = nil
	}
	if f.inputConfig != "" {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(f.inputConfig), &n); err != nil || len(n.Content) == 0 {
			fmt.Fprintf(stderr, "--input-config: %v\n", err)
			return 2
		}
		node = n.Content[0]
	}
	recs, err := env.Records(typ, body, cfg, node)
	if err != nil {
		if len(recs) == 0 {
			fmt.Fprintln(stderr, err)
			return 2
		}
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}
	if _, err := mappingtest.Explain(stdout, src, recs, typ == statsd.Type); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	return 0
}
