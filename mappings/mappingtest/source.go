package mappingtest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/mappings"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Env is what loading configs and parsing input needs from the binary:
// the input registry (to decode input configs) and the mapping options
// (the library of curated files).
type Env struct {
	Registry *inputs.Registry
	Options  mappings.Options
}

// Source is a rule set to test or explain with, and the input config its
// input uses (nil when the rules came from a bare mapping file).
type Source struct {
	Rules       *normalize.RuleSet
	RuleConfig  *normalize.RuleSetConfig // nil for a full config
	InputType   string
	InputConfig inputs.Config
	SeriesLimit int
}

// Load reads file: a Rosetta config (its input named inputName, or its
// only input), a Rosetta rule file, a statsd_exporter mapping file or a
// jmx_exporter config (format "" detects it). "library:NAME" names a
// curated file.
func (e *Env) Load(file, format, inputName string) (*Source, error) {
	data, name, err := e.read(file)
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if format == "" && isConfig(&root) {
		cfg, err := mappings.Parse(name, data)
		if err != nil {
			return nil, err
		}
		ins, err := mappings.Build(cfg, e.Registry, e.Options)
		if err != nil {
			return nil, err
		}
		var in *mappings.Input
		for i := range ins {
			if inputName == "" && len(ins) == 1 || ins[i].Name == inputName {
				in = &ins[i]
			}
		}
		if in == nil {
			var names []string
			for _, x := range ins {
				names = append(names, x.Name)
			}
			return nil, fmt.Errorf("%s: no input %q (inputs: %s); name one with input_name", name, inputName, strings.Join(names, ", "))
		}
		return &Source{Rules: in.Rules, InputType: in.Type, InputConfig: in.Config, SeriesLimit: cfg.Global.SeriesLimit}, nil
	}
	rsc, err := mappings.TranslateFile(name, data, format)
	if err != nil {
		return nil, err
	}
	rs, err := normalize.NewRuleSet(*rsc)
	if err != nil {
		return nil, err
	}
	return &Source{Rules: rs, RuleConfig: rsc}, nil
}

func isConfig(root *yaml.Node) bool {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return false
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i].Value; k == "inputs" || k == "global" {
			return true
		}
	}
	return false
}

func (e *Env) read(file string) ([]byte, string, error) {
	if lib, ok := strings.CutPrefix(file, "library:"); ok {
		if e.Options.Library == nil {
			return nil, file, errors.New("no mapping library in this build")
		}
		data, err := fs.ReadFile(e.Options.Library, lib+".yml")
		if err != nil {
			return nil, file, fmt.Errorf("%s: %w", file, err)
		}
		return data, file, nil
	}
	data, err := os.ReadFile(file)
	return data, file, err
}

// Types lists the input types Records understands: those whose factory
// in the registry is an inputs.Replayer.
func (e *Env) Types() []string { return e.Registry.Replayers() }

// Records parses body as input of type typ the way the input would. cfg is
// the input's config (from a full config file), or nil; node, when cfg is
// nil, is an input config block to decode (input_config in a test file).
func (e *Env) Records(typ string, body []byte, cfg inputs.Config, node *yaml.Node) ([]normalize.Record, error) {
	f, ok := e.Registry.Factory(typ)
	if !ok {
		return nil, fmt.Errorf("unknown input type %q (known: %s)", typ, strings.Join(e.Types(), ", "))
	}
	rp, ok := f.(inputs.Replayer)
	if !ok {
		return nil, fmt.Errorf("input type %q has no offline parser", typ)
	}
	if cfg == nil {
		var err error
		if node != nil {
			cfg, err = f.Decode(node)
		} else {
			cfg = f.NewDefaultConfig()
		}
		if err != nil {
			return nil, fmt.Errorf("input_config: %w", err)
		}
	}
	return rp.Replay(cfg, body)
}

// resolve returns p relative to the directory of the file that names it.
func resolve(base, p string) string {
	if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "library:") {
		return p
	}
	return filepath.Join(filepath.Dir(base), p)
}
