package main

import (
	"context"
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
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	// Grows the main goroutine's stack before the initialisers that would
	// grow it step by step (idle RSS: fewer pages of .gopclntab read).
	_ "github.com/rosetta-adapter/rosetta/internal/stackstart"
)

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// cli is the command line: the application and what each command parsed
// into.
type cli struct {
	app *kingpin.Application
	// exit is the code kingpin asked to terminate with (help, version,
	// completion), or -1.
	exit int

	run        *kingpin.CmdClause
	runFlags   *runFlags
	webFlags   *web.FlagConfig
	logCfg     *promslog.Config
	check      *kingpin.CmdClause
	checkFiles *[]string
	version    *kingpin.CmdClause
	test       *kingpin.CmdClause
	testUpdate *bool
	testArgs   *[]string
	convert    *kingpin.CmdClause
	convFormat *string
	convFile   *string
	explain    *kingpin.CmdClause
	explainF   *explainFlags
	inject     *injectCommand
	injectLog  *promslog.Config
	record     *kingpin.CmdClause
	recordF    *liveFlags
	completion *kingpin.CmdClause
	shell      *string
}

// addLogFlags gives a long-running command promslog's --log.level and
// --log.format.
func addLogFlags(cmd *kingpin.CmdClause) *promslog.Config {
	cfg := &promslog.Config{Level: promslog.NewLevel(), Format: promslog.NewFormat()}
	cmd.Flag(promslogflag.LevelFlagName, promslogflag.LevelFlagHelp).Default("info").HintOptions(promslog.LevelFlagOptions...).SetValue(cfg.Level)
	cmd.Flag(promslogflag.FormatFlagName, promslogflag.FormatFlagHelp).Default("logfmt").HintOptions(promslog.FormatFlagOptions...).SetValue(cfg.Format)
	return cfg
}

// newCLI declares every command and its flags. `run` owns the adapter's
// flags and is the default command, so that statsd_exporter's command
// line (flags, no command) keeps working; the other commands have only
// their own flags (and --help).
func newCLI(stdout, stderr io.Writer) *cli {
	c := &cli{exit: -1}
	app := kingpin.New("rosetta", "A monitoring adapter: StatsD, JMX and application stats in, one Prometheus /metrics out.")
	c.app = app
	app.HelpFlag.Short('h')
	app.Version(version.Print("rosetta"))
	app.UsageWriter(stdout)
	app.ErrorWriter(stderr)
	app.Terminate(func(code int) {
		if c.exit < 0 {
			c.exit = code
		}
	})

	c.run = app.Command("run", "Run the adapter (the default: flags without a command run it, as statsd_exporter's command line does).").Default()
	c.runFlags = &runFlags{}
	c.runFlags.register(c.run)
	c.webFlags = kingpinflag.AddFlags(c.run, ":9102")
	c.logCfg = addLogFlags(c.run)

	c.check = app.Command("check", "Validate config and mapping files (Rosetta configs, statsd_exporter mapping files, jmx_exporter configs) and exit non-zero with every error, each at its file:line:col.")
	c.checkFiles = c.check.Arg("file", "Files to check.").Required().Strings()

	c.version = app.Command("version", "Print the version and exit.")

	c.test = app.Command("test", "Run mapping test files (*.test.yml, or directories of them): recorded input through the real parsers, rules and store, compared with the series expected.")
	c.testUpdate = c.test.Flag("update", "Rewrite the expect_file golden files with what comes out.").Bool()
	c.testArgs = c.test.Arg("file", "Test files or directories.").Required().Strings()

	c.convert = app.Command("convert", "Write a statsd_exporter mapping file or a jmx_exporter config as Rosetta rules with the same behaviour (to standard output).")
	c.convFormat = c.convert.Flag("format", "The file's format (statsd_exporter, jmx_exporter, rosetta); detected when empty.").String()
	c.convFile = c.convert.Arg("file", "The file to convert.").Required().String()

	c.explain = app.Command("explain", "Show what the rules do with sample input (StatsD lines, JMX bean strings, a JSON document, key/value text, exposition text): the rule that matched, the series, or why not; and rules that would cover what is unmatched.")
	ef := &explainFlags{}
	c.explainF = ef
	c.explain.Flag("config.file", "A Rosetta config: explain with the rules of one of its inputs (--input-name).").StringVar(&ef.config)
	c.explain.Flag("mapping", "A mapping file instead: Rosetta rules, a statsd_exporter mapping file, a jmx_exporter config, or library:NAME.").StringVar(&ef.mapping)
	c.explain.Flag("format", "The mapping file's format (rosetta, statsd_exporter, jmx_exporter); detected when empty.").StringVar(&ef.format)
	c.explain.Flag("input-name", "Which input of the config.").StringVar(&ef.inputName)
	c.explain.Flag("input", "The input type the samples are for: statsd, jmx, json, expvar, prometheus, redis, memcached, nginx, apache, text (default: the config input's, or statsd).").StringVar(&ef.input)
	c.explain.Flag("input-config", "The input's config block as YAML (JSON selectors, text line rules).").StringVar(&ef.inputConfig)
	c.explain.Flag("live", "Poll the real targets of the config's input (--config.file, --input-name) once, instead of reading samples: JMX over RMI or Jolokia, JSON, expvar, text, exposition; StatsD listens for --duration.").BoolVar(&ef.live)
	c.explain.Flag("duration", "With --live on a StatsD input: how long to listen.").Default("10s").DurationVar(&ef.duration)
	c.explain.Arg("file", "Samples to read; - or none for standard input.").StringVar(&ef.file)

	c.record = app.Command("record", "Poll the real targets of a config's input once and write what they gave as a mapping test file (input recorded, expect filled with the series it gives now), ready for rosetta test.")
	c.recordF = &liveFlags{}
	c.record.Flag("config.file", "The Rosetta config.").Required().StringVar(&c.recordF.config)
	c.record.Flag("input-name", "Which input of the config (may be left out when it has one).").StringVar(&c.recordF.inputName)
	c.record.Flag("duration", "For a StatsD input: how long to listen.").Default("10s").DurationVar(&c.recordF.duration)
	c.record.Flag("output", "The test file to write (*.test.yml); - for standard output.").Short('o').Default("-").StringVar(&c.recordF.output)

	c.inject = registerInject(app)
	c.injectLog = addLogFlags(c.inject.cmd)

	c.completion = app.Command("completion", "Print a shell completion script: source <(rosetta completion bash) in ~/.bashrc; zsh: rosetta completion zsh > \"${fpath[1]}/_rosetta\"; fish: rosetta completion fish > ~/.config/fish/completions/rosetta.fish.")
	c.shell = c.completion.Arg("shell", "bash, zsh or fish.").Required().HintOptions("bash", "zsh", "fish").Enum("bash", "zsh", "fish")
	return c
}

// Main parses args, runs the chosen subcommand and returns the exit code.
// It is the only place that decides on process exit.
func Main(args []string, stdout, stderr io.Writer) int {
	c := newCLI(stdout, stderr)
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
		if err := c.topHelp(); err != nil {
			fmt.Fprintln(stderr, "rosetta:", err)
			return 1
		}
		return 0
	}
	cmd, err := c.app.Parse(args)
	if c.exit >= 0 { // --help, --version, completion: done, whatever follows
		return c.exit
	}
	if err != nil {
		fmt.Fprintf(stderr, "rosetta: %v; see --help\n", err)
		return 2
	}
	f := c.runFlags

	switch cmd {
	case c.inject.cmd.FullCommand():
		c.injectLog.Writer = stderr
		return c.inject.run(promslog.New(c.injectLog))
	case c.version.FullCommand():
		fmt.Fprintln(stdout, version.Print("rosetta"))
		return 0
	case c.check.FullCommand():
		return runCheck(*c.checkFiles, stdout, stderr)
	case c.convert.FullCommand():
		return runConvert(*c.convFile, *c.convFormat, stdout, stderr)
	case c.explain.FullCommand():
		if ef := c.explainF; ef.live {
			if ef.file != "" || ef.mapping != "" {
				fmt.Fprintln(stderr, "rosetta explain --live: reads the config's input, not samples or --mapping")
				return 2
			}
			return runExplainLive(&liveFlags{config: ef.config, inputName: ef.inputName, duration: ef.duration}, stdout, stderr)
		}
		return runExplain(c.explainF, os.Stdin, stdout, stderr)
	case c.record.FullCommand():
		return runRecord(c.recordF, stdout, stderr)
	case c.test.FullCommand():
		return runMappingTests(*c.testArgs, *c.testUpdate, stdout, stderr)
	case c.completion.FullCommand():
		if err := c.completionScript(*c.shell, stdout); err != nil {
			fmt.Fprintln(stderr, "rosetta:", err)
			return 1
		}
		return 0
	case c.run.FullCommand():
		if f.checkConfig {
			if err := checkRunConfig(f); err != nil {
				fmt.Fprintln(stderr, err)
				return 1
			}
			fmt.Fprintln(stdout, "configuration OK")
			return 0
		}
		c.logCfg.Writer = stderr
		logger := promslog.New(c.logCfg)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := runAdapter(ctx, logger, f, c.webFlags); err != nil {
			logger.Error("rosetta stopped", "err", err)
			return 1
		}
		return 0
	}
	return 0
}

// topHelp is `rosetta --help`: the commands, then the flags of run, the
// command that flags alone select.
func (c *cli) topHelp() error {
	run, err := c.app.ParseContext([]string{"run"})
	if err != nil {
		return err
	}
	return c.app.UsageForContextWithTemplate(run, 2, topHelpTemplate)
}

// topHelpTemplate is the application's usage and commands, then the flags
// of run (the context is run's).
const topHelpTemplate = `{{define "Args" -}}
{{range .Args}}{{if not .Hidden}} {{if not .Required}}[{{end}}<{{.Name}}>{{if .Value|IsCumulative}}...{{end}}{{if not .Required}}]{{end}}{{end}}{{end -}}
{{end -}}
usage: {{.App.Name}} [<command>] [<flags>] [<args> ...]

{{.App.Help|Wrap 0}}

Commands:
{{range .App.Commands}}{{if not .Hidden}}  {{.FullCommand}}{{if .Default}} (default){{end}}{{template "Args" .}}
{{.Help|Wrap 4}}
{{end}}{{end}}
"rosetta COMMAND --help" shows a command's own flags.

Flags of run (the default command: "rosetta --statsd.mapping-config=m.yml" runs
"rosetta run --statsd.mapping-config=m.yml", as statsd_exporter's command line):
{{.Context.Flags|FlagsToTwoColumns|FormatTwoColumns}}
`

// The completion scripts ask the binary for the candidates through
// kingpin's completion engine (--completion-bash), as kingpin's own bash and
// zsh scripts do, with one change: a partly typed word that is not a flag
// is left out and filtered by the shell, because with a default command
// kingpin reads "ex" as an argument of run and offers nothing, where
// "explain" is wanted.
var completionTemplates = map[string]string{
	"bash": `# bash completion for {{.App.Name}}: source <({{.App.Name}} completion bash)
_{{.App.Name}}_complete() {
    local cur="${COMP_WORDS[COMP_CWORD]}"
    local words=("${COMP_WORDS[@]:1:$((COMP_CWORD-1))}")
    [[ $cur == -* ]] && words+=("$cur")
    local opts
    opts=$("${COMP_WORDS[0]}" --completion-bash "${words[@]}" 2>/dev/null)
    COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
}
complete -F _{{.App.Name}}_complete -o default {{.App.Name}}
`,
	"zsh": `#compdef {{.App.Name}}
# zsh completion for {{.App.Name}}: {{.App.Name}} completion zsh > "${fpath[1]}/_{{.App.Name}}"
_{{.App.Name}}() {
    local cur=${words[CURRENT]}
    local -a args matches
    args=("${(@)words[2,CURRENT-1]}")
    [[ $cur == -* ]] && args+=("$cur")
    matches=(${(f)"$(${words[1]} --completion-bash "${args[@]}" 2>/dev/null)"})
    compadd -a matches
    if [[ $compstate[nmatches] -eq 0 && $cur != -* ]]; then
        _files
    fi
}
if [[ "$(basename -- ${(%):-%x})" != "_{{.App.Name}}" ]]; then
    compdef _{{.App.Name}} {{.App.Name}}
fi
`,
	"fish": `# fish completion for {{.App.Name}}: {{.App.Name}} completion fish > ~/.config/fish/completions/{{.App.Name}}.fish
function __{{.App.Name}}_complete
    set -l tokens (commandline -opc)
    set -l cmd $tokens[1]
    set -e tokens[1]
    set -l cur (commandline -ct)
    if string match -q -- '-*' $cur
        set -a tokens $cur
    end
    $cmd --completion-bash $tokens 2>/dev/null
end
complete -c {{.App.Name}} -f -a '(__{{.App.Name}}_complete)'
`,
}

// completionScript writes the shell's completion script.
func (c *cli) completionScript(shell string, w io.Writer) error {
	ctx, err := c.app.ParseContext(nil)
	if err != nil {
		return err
	}
	c.app.UsageWriter(w)
	return c.app.UsageForContextWithTemplate(ctx, 0, completionTemplates[shell])
}

var _ = slog.LevelInfo
