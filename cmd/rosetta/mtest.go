package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rosetta-adapter/rosetta/mappings/mappingtest"
)

// newMappingEnv is what the mapping tools need from the binary.
func newMappingEnv() (*mappingtest.Env, error) {
	reg, err := newInputRegistry()
	if err != nil {
		return nil, err
	}
	return &mappingtest.Env{Registry: reg, Options: buildOptions()}, nil
}

// testFiles expands directories into their *.test.yml files.
func testFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(filepath.Join(a, "*.test.yml"))
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%s: no *.test.yml files", a)
		}
		sort.Strings(m)
		out = append(out, m...)
	}
	return out, nil
}

// runMappingTests is `rosetta test`: 0 when every case passes, 1 when one
// fails, 2 when a file cannot be used.
func runMappingTests(args []string, update bool, stdout, stderr io.Writer) int {
	env, err := newMappingEnv()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	files, err := testFiles(args)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	status, passed, failed := 0, 0, 0
	for _, f := range files {
		results, err := env.Run(f, update)
		if err != nil {
			fmt.Fprintf(stdout, "ERROR %s\n      %s\n", f, strings.ReplaceAll(err.Error(), "\n", "\n      "))
			status = 2
			continue
		}
		for _, r := range results {
			if len(r.Problems) == 0 {
				passed++
				note := ""
				if r.Updated {
					note = ", golden file written"
				}
				fmt.Fprintf(stdout, "ok    %s: %s (%d series%s)\n", r.File, r.Name, r.Series, note)
				continue
			}
			failed++
			if status == 0 {
				status = 1
			}
			fmt.Fprintf(stdout, "FAIL  %s: %s\n", r.File, r.Name)
			for _, p := range r.Problems {
				fmt.Fprintf(stdout, "      %s\n", p)
			}
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed, %d files\n", passed, failed, len(files))
	return status
}
