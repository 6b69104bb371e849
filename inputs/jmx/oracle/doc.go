// Package oracle holds no code: its tests compare Rosetta, as a user runs
// it (the rosetta binary, a jmx input with an unchanged jmx_exporter file
// as jmx_exporter_config, or a curated library file), with the real
// jmx_exporter collector on the same JVMs and configs. The collector's
// output is recorded in golden files under testdata/jmx/oracle/golden by
// `make record-jmx-golden`, which builds jmx_exporter from its source
// outside the repository; `go test` (no network, no jmx_exporter) compares
// Rosetta with those files.
package oracle
