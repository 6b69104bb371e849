package main

import (
	"fmt"
	"io"
	"os"

	"github.com/rosetta-adapter/rosetta/mappings"
)

// runConvert is `rosetta convert`: a statsd_exporter mapping file or a
// jmx_exporter config, written as a Rosetta rule file with the same
// behaviour; what changed goes to stderr.
func runConvert(file, format string, stdout, stderr io.Writer) int {
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	out, notes, err := mappings.Convert(file, data, format)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, n := range notes {
		fmt.Fprintln(stderr, "note:", n)
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	return 0
}
