package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"
)

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main parses args, runs the chosen subcommand and returns the exit code.
// It is the only place that decides on process exit.
func Main(args []string, stdout, stderr io.Writer) int {
	app := kingpin.New("rosetta", "A monitoring adapter: StatsD, JMX and application stats in, one Prometheus /metrics out.")
	app.HelpFlag.Short('h')
	app.Version(version.Print("rosetta"))
	app.UsageWriter(stdout)
	app.ErrorWriter(stderr)
	app.Terminate(nil)

	f := &runFlags{}
	f.register(app)
	webFlags := kingpinflag.AddFlags(app, ":9102")
	logCfg := &promslog.Config{}
	promslogflag.AddFlags(app, logCfg)

	runCmd := app.Command("run", "Run the adapter (the default).").Default()
	checkCmd := app.Command("check", "Validate config and mapping files (Rosetta configs, statsd_exporter mapping files) and exit non-zero with positioned errors.")
	checkFiles := checkCmd.Arg("file", "Files to check.").Required().Strings()
	versionCmd := app.Command("version", "Print the version and exit.")
	testCmd := app.Command("test", "Run mapping test files (*.test.yml, or directories of them): recorded input through the real parsers, rules and store, compared with the series expected.")
	testUpdate := testCmd.Flag("update", "Rewrite the expect_file golden files with what comes out.").Bool()
	testArgs := testCmd.Arg("file", "Test files or directories.").Required().Strings()
	convertCmd := app.Command("convert", "Write a statsd_exporter mapping file or a jmx_exporter config as Rosetta rules with the same behaviour (to standard output).")
	convertFormat := convertCmd.Flag("format", "The file's format (statsd_exporter, jmx_exporter, rosetta); detected when empty.").String()
	convertFile := convertCmd.Arg("file", "The file to convert.").Required().String()
	explainCmd := app.Command("explain", "Show what the rules do with sample input (StatsD lines, JMX bean strings, a JSON document, key/value text, exposition text): the rule that matched, the series, or why not; and rules that would cover what is unmatched.")
	ef := &explainFlags{}
	explainCmd.Flag("mapping", "A mapping file instead: Rosetta rules, a statsd_exporter mapping file, a jmx_exporter config, or library:NAME.").StringVar(&ef.mapping)
	explainCmd.Flag("format", "The mapping file's format (rosetta, statsd_exporter, jmx_exporter); detected when empty.").StringVar(&ef.format)
	explainCmd.Flag("input-name", "Which input of the config.").StringVar(&ef.inputName)
	explainCmd.Flag("input", "The input type the samples are for: statsd, jmx, json, expvar, prometheus, redis, memcached, nginx, apache, text (default: the config input's, or statsd).").StringVar(&ef.input)
	explainCmd.Flag("input-config", "The input's config block as YAML (JSON selectors, text line rules).").StringVar(&ef.inputConfig)
	explainCmd.Arg("file", "Samples to read; - or none for standard input.").StringVar(&ef.file)

	injectCmd := registerInject(app)

	cmd, err := app.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "rosetta: %v; see --help\n", err)
		return 2
	}
	if cmd == "" { // --help or --version handled by kingpin
		return 0
	}
	logCfg.Writer = stderr
	logger := promslog.New(logCfg)

	switch cmd {
	case injectCmd.cmd.FullCommand():
		return injectCmd.run(logger)
	case versionCmd.FullCommand():
		fmt.Fprintln(stdout, version.Print("rosetta"))
		return 0
	case checkCmd.FullCommand():
		return runCheck(*checkFiles, stdout, stderr)
	case convertCmd.FullCommand():
		return runConvert(*convertFile, *convertFormat, stdout, stderr)
	case explainCmd.FullCommand():
		ef.config = f.configFile // the global --config.file
		return runExplain(ef, os.Stdin, stdout, stderr)
	case testCmd.FullCommand():
		return runMappingTests(*testArgs, *testUpdate, stdout, stderr)
	case runCmd.FullCommand():
		if f.checkConfig {
			if err := checkRunConfig(f); err != nil {
				fmt.Fprintln(stderr, err)
				return 1
			}
			fmt.Fprintln(stdout, "configuration OK")
			return 0
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := runAdapter(ctx, logger, f, webFlags); err != nil {
			logger.Error("rosetta stopped", "err", err)
			return 1
		}
		return 0
	}
	return 0
}

// errUsage marks command-line mistakes.
var errUsage = errors.New("usage")

var _ = slog.LevelInfo
