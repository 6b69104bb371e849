package main

import (
	_ "embed"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/app"
	"github.com/rosetta-adapter/rosetta/inputs/jmx"
	"github.com/rosetta-adapter/rosetta/inputs/plugin"
	"github.com/rosetta-adapter/rosetta/inputs/statsd"
	"github.com/rosetta-adapter/rosetta/internal/errpos"
	"github.com/rosetta-adapter/rosetta/mappings"
	"github.com/rosetta-adapter/rosetta/mappings/library"
	"github.com/rosetta-adapter/rosetta/outputs/remotewrite"
)

//go:embed default.yml
var defaultConfig []byte

// newInputRegistry is the one place that lists the input drivers Rosetta
// ships.
func newInputRegistry() (*inputs.Registry, error) {
	fs := []inputs.Factory{
		statsd.NewFactory(),
		jmx.NewFactory(),
		plugin.NewFactory(),
	}
	return inputs.NewRegistry(append(fs, app.NewFactories()...)...)
}

// buildOptions are the mapping build options of every load.
func buildOptions() mappings.Options {
	return mappings.Options{Library: library.FS}
}

// loadedConfig is a configuration built completely, ready to apply.
type loadedConfig struct {
	global mappings.GlobalConfig
	specs  []inputSpec
	// remoteWrite are the outputs.remote_write endpoints.
	remoteWrite []remotewrite.Config
	// files are the config and mapping files it was read from, for watching.
	files []string
	// dropIn is the name of the StatsD input that stands in for
	// statsd_exporter (statsd_exporter_drop_in), or "".
	dropIn string
	// jmxDropIn is the name of the JMX input that stands in for
	// jmx_exporter (pickJMXDropIn), or "", and jmxDropInFile its
	// jmx_exporter_config file, or "".
	jmxDropIn, jmxDropInFile string
}

// peerNames are the names of the families of the exporters inputs stand
// in for, which mapped series may not take (Store.SetPeerNames).
func (lc *loadedConfig) peerNames() []string {
	var names []string
	if lc.dropIn != "" {
		names = append(names, peerFamilyNames()...)
	}
	if lc.jmxDropIn != "" {
		names = append(names, jmxPeerFamilyNames()...)
	}
	return names
}

// configSource returns the config to load: the --config.file, or the
// embedded default adjusted by the --statsd.* flags.
func configSource(f *runFlags, logger *slog.Logger) (file string, data []byte, err error) {
	if f.configFile != "" {
		if set := f.statsd.anySet(); len(set) > 0 && logger != nil {
			sort.Strings(set)
			logger.Warn("--statsd.* flags apply to the embedded default config only; configure the StatsD input in --config.file instead", "ignored", strings.Join(set, ","))
		}
		data, err := os.ReadFile(f.configFile)
		if err != nil {
			return "", nil, fmt.Errorf("reading config: %w", err)
		}
		return f.configFile, data, nil
	}
	var doc struct {
		Inputs []map[string]any `yaml:"inputs"`
	}
	if err := yaml.Unmarshal(defaultConfig, &doc); err != nil {
		return "", nil, fmt.Errorf("embedded default config: %w", err)
	}
	for _, in := range doc.Inputs {
		if in["type"] != statsd.Type {
			continue
		}
		if cfg := f.statsd.defaultStatsdConfig(); len(cfg) > 0 {
			base, _ := in["config"].(map[string]any)
			if base == nil {
				base = map[string]any{}
			}
			maps.Copy(base, cfg)
			in["config"] = base
		}
		if f.statsd.mappingConfig != "" {
			in["mapping_files"] = []any{map[string]any{"file": f.statsd.mappingConfig, "format": "statsd_exporter"}}
		}
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return "", nil, err
	}
	return "<default config and flags>", out, nil
}

// loadConfig reads and builds the whole configuration; it has no side
// effect, so a failure leaves whatever runs untouched.
func loadConfig(f *runFlags, reg *inputs.Registry, logger *slog.Logger) (*loadedConfig, error) {
	file, data, err := configSource(f, logger)
	if err != nil {
		return nil, err
	}
	cfg, err := mappings.Parse(file, data)
	if err != nil {
		return nil, err
	}
	opts := buildOptions()
	if f.statsd.isSet("statsd.cache-size") {
		// statsd_exporter's 0 disables the cache; ours is negative.
		opts.CacheSize = f.statsd.cacheSize
		if opts.CacheSize <= 0 {
			opts.CacheSize = -1
		}
	}
	ins, err := mappings.Build(cfg, reg, opts)
	if err != nil {
		return nil, err
	}
	rw, err := remotewrite.Decode(file, cfg.Outputs)
	if err != nil {
		return nil, err
	}
	lc := &loadedConfig{global: cfg.Global, remoteWrite: rw}
	if f.configFile != "" {
		lc.files = append(lc.files, f.configFile)
	}
	for _, in := range ins {
		for _, w := range in.Warnings {
			if logger != nil {
				logger.Warn("config: "+w, "input", in.Name)
			}
		}
		lc.specs = append(lc.specs, inputSpec{
			name:        in.Name,
			typ:         in.Type,
			factory:     in.Factory,
			config:      in.Config,
			fingerprint: in.Fingerprint,
			rules:       in.Rules,
		})
		lc.files = append(lc.files, in.Files...)
		if c, ok := in.Config.(*statsd.Config); ok && c.StatsdExporterDropIn {
			if lc.dropIn != "" {
				return nil, atInputKey(cfg, in.Name, "statsd_exporter_drop_in",
					fmt.Errorf("inputs %q and %q both set statsd_exporter_drop_in: at most one StatsD input can stand in for statsd_exporter", lc.dropIn, in.Name))
			}
			lc.dropIn = in.Name
		}
	}
	if err := lc.pickJMXDropIn(cfg, ins, logger); err != nil {
		return nil, err
	}
	return lc, nil
}

// atInputKey positions err at input name's config key in cfg's file (at
// the input when it does not set the key), as the other config errors are.
func atInputKey(cfg *mappings.Config, name, key string, err error) error {
	for _, ic := range cfg.Inputs {
		if ic.Name != name {
			continue
		}
		line, col := ic.Pos.Line, ic.Pos.Col
		if v := inputs.MapValue(ic.Config, key); v != nil {
			line, col = v.Line, v.Column
		}
		return errpos.New(ic.Pos.File, line, col, err)
	}
	return err
}

// pickJMXDropIn picks the JMX input that stands in for jmx_exporter: the
// one with jmx_exporter_drop_in: true (two are an error), else the only
// input with a jmx_exporter_config that does not set it false. A
// jmx_exporter standalone server reads one JVM, so only one input can own
// its unlabelled families; when several inputs would take the default,
// none does, and the log says to pick one.
func (lc *loadedConfig) pickJMXDropIn(cfg *mappings.Config, ins []mappings.Input, logger *slog.Logger) error {
	var explicit, dflt []string
	files := map[string]string{}
	for _, in := range ins {
		c, ok := in.Config.(*jmx.Config)
		if !ok {
			continue
		}
		files[in.Name] = c.JMXExporterFile()
		switch set, on := c.DropIn(); {
		case set && on:
			explicit = append(explicit, in.Name)
		case !set && on:
			dflt = append(dflt, in.Name)
		}
	}
	switch {
	case len(explicit) > 1:
		return atInputKey(cfg, explicit[1], "jmx_exporter_drop_in",
			fmt.Errorf("inputs %q and %q both set jmx_exporter_drop_in: at most one JMX input can stand in for jmx_exporter", explicit[0], explicit[1]))
	case len(explicit) == 1:
		lc.jmxDropIn = explicit[0]
	case len(dflt) == 1:
		lc.jmxDropIn = dflt[0]
	case len(dflt) > 1:
		if logger != nil {
			logger.Warn("config: several JMX inputs read a jmx_exporter_config; none serves jmx_exporter's own families (jmx_scrape_error, ...): set jmx_exporter_drop_in: true on one", "inputs", dflt)
		}
	}
	lc.jmxDropInFile = files[lc.jmxDropIn]
	return nil
}

// checkRunConfig is --check-config: load everything, start nothing.
func checkRunConfig(f *runFlags) error {
	reg, err := newInputRegistry()
	if err != nil {
		return err
	}
	lc, err := loadConfig(f, reg, nil)
	if err != nil {
		return err
	}
	// What only building finds (a CA file that cannot be read, say).
	return remotewrite.Check(lc.remoteWrite)
}

// runCheck is `rosetta check FILE...`.
func runCheck(files []string, stdout, stderr io.Writer) int {
	reg, err := newInputRegistry()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	kinds, err := mappings.Check(reg, buildOptions(), files...)
	for _, w := range mappings.Warnings(reg, buildOptions(), files...) {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for i, file := range files {
		fmt.Fprintf(stdout, "%s: OK (%s)\n", file, kinds[i])
	}
	return 0
}
