// Package inputs defines the input driver interface and the explicit
// registry of driver factories.
package inputs

import (
	"context"
	"fmt"
	"log/slog"
	"sort"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Driver reads one input. Run emits records to out until ctx is cancelled,
// owns every goroutine it starts, flushes what it buffered and returns nil on
// a clean shutdown. It never calls os.Exit.
type Driver interface {
	Run(ctx context.Context, out normalize.Appender) error
}

// Config is what users write in YAML for one input (the block under
// inputs[].<type>).
type Config interface {
	Validate() error
}

// RuleFiles is implemented by a Config that names files with rules of
// their own (the jmx input's jmx_exporter_config, a whole jmx_exporter
// config): the input's rule set starts with their rules, before its
// mapping_files, and a mapping_files entry naming the same file again is
// not read twice.
type RuleFiles interface {
	RuleFiles() []RuleFile
}

// DefaultHelper is implemented by a Config whose input gives its series a
// help text of its own when no record or rule gives one (a StatsD input
// standing in for statsd_exporter): the input's rule set sets it
// (normalize.RuleSetConfig.DefaultHelp), so that other inputs' series keep
// the store's default. "" means none.
type DefaultHelper interface {
	DefaultHelp() string
}

// RuleFile is a file of rules named by an input's config: an absolute
// path and its mapping format.
type RuleFile struct {
	File, Format string
}

// Settings is the wiring an input gets from main.
type Settings struct {
	// Name is the input's name from the config, unique in a config.
	Name   string
	Logger *slog.Logger
	// Registerer registers the input's own self-metrics. Metrics must be
	// labelled by input name (const label input=<Name> is already applied).
	Registerer prometheus.Registerer
	// Workers is how many goroutines an input may keep busy with
	// parallel work such as parsing (0: GOMAXPROCS). The binary sets it
	// to the CPUs it may use and GOMAXPROCS one higher, so that a socket
	// reader never waits for a processor behind busy workers.
	Workers int
	_       struct{}
}

// Factory creates drivers of one type.
type Factory interface {
	// Type is the value of `type:` in the config, e.g. "statsd".
	Type() string
	// NewDefaultConfig returns a config with every default set.
	NewDefaultConfig() Config
	// Decode decodes node strictly (unknown keys rejected) into a config
	// that starts from NewDefaultConfig.
	Decode(node *yaml.Node) (Config, error)
	// New creates a driver; it does not start it.
	New(set Settings, cfg Config) (Driver, error)
}

// Registry maps input types to factories.
type Registry struct {
	factories map[string]Factory
}

// NewRegistry returns a registry of the given factories; duplicate types are
// an error.
func NewRegistry(factories ...Factory) (*Registry, error) {
	r := &Registry{factories: make(map[string]Factory, len(factories))}
	for _, f := range factories {
		if _, ok := r.factories[f.Type()]; ok {
			return nil, fmt.Errorf("duplicate input type %q", f.Type())
		}
		r.factories[f.Type()] = f
	}
	return r, nil
}

// Factory returns the factory for typ.
func (r *Registry) Factory(typ string) (Factory, bool) {
	f, ok := r.factories[typ]
	return f, ok
}

// Types lists the registered types, sorted.
func (r *Registry) Types() []string {
	ts := make([]string, 0, len(r.factories))
	for t := range r.factories {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}
