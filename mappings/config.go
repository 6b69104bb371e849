package mappings

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/internal/errpos"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Config is a decoded native config file (--config.file).
type Config struct {
	// File is the path the config was read from ("" for in-memory data).
	File   string
	Global GlobalConfig
	Inputs []InputConfig
	// Outputs is the raw `outputs:` block (nil when absent), decoded by
	// outputs/remotewrite.
	Outputs *yaml.Node
}

// GlobalConfig holds store-wide settings.
type GlobalConfig struct {
	// SeriesLimit is the store-wide series budget; 0 means no limit.
	SeriesLimit int
	// TTL is the default TTL of series whose rules set none; 0 keeps them.
	TTL time.Duration
}

// MappingRef names one rule source of an input.
type MappingRef struct {
	// File is a path (relative to the config's directory), or Library the
	// name of an embedded curated file ("library:redis").
	File, Library string
	// Format is a registered format name, "" to detect it.
	Format string
	Pos    normalize.Pos
}

// InputConfig is one input of a config, before its driver config is
// decoded.
type InputConfig struct {
	Name, Type string
	Pos        normalize.Pos
	// Config is the raw `config:` block, decoded by the input's Factory in
	// Build; nil when absent.
	Config       *yaml.Node
	MappingFiles []MappingRef
	// Rules holds the inline defaults, rules, unmatched and lowercase
	// options.
	Rules normalize.RuleSetConfig
	// hasDefaults is true when the input sets `defaults:` itself.
	hasDefaults bool
	// hasGlobOrdering is true when the input's `defaults:` set
	// glob_disable_ordering: else the first mapping file's decides.
	hasGlobOrdering bool
	// hasUnmatched is true when the input sets `unmatched:` itself.
	hasUnmatched bool
	// implied are the rule files the input's decoded config names
	// (inputs.RuleFiles): they come before MappingFiles.
	implied []MappingRef
}

// Parse decodes a native config strictly; every problem is reported at once
// with its position in file. On errors it still returns what it could
// decode (never nil), so that Check can report build errors as well.
func Parse(file string, data []byte) (*Config, error) {
	cfg := &Config{File: file}
	root, err := parseYAML(file, data)
	if err != nil {
		return cfg, err
	}
	if root == nil {
		// A ConfigMap whose template rendered nothing must not run an
		// adapter that does nothing.
		return cfg, errpos.New(file, 0, 0, errors.New("the config is empty: it needs at least one input under inputs: (without --config.file the embedded default runs a StatsD input)"))
	}
	d := &decoder{file: file}
	names := map[string]normalize.Pos{}
	var inputsNode *yaml.Node
	d.fields(root, "config", func(k string, kn, v *yaml.Node) bool {
		switch k {
		case "global":
			d.bind(v, "global", map[string]field{
				"series_limit": func(v *yaml.Node, k string) { cfg.Global.SeriesLimit = int(d.integer(v, k, 1<<40)) },
				"ttl":          into(&cfg.Global.TTL, d.duration),
			})
		case "inputs":
			inputsNode = kn
			for _, in := range d.list(v, k) {
				ic := d.input(in)
				if ic.Name == "" {
					continue
				}
				if p, ok := names[ic.Name]; ok {
					d.errf(in, "input %q: duplicate name (first at %s)", ic.Name, p)
					// Kept, so that Check reports its other errors too;
					// Parse's error keeps the config from running.
					cfg.Inputs = append(cfg.Inputs, ic)
					continue
				}
				names[ic.Name] = ic.Pos
				cfg.Inputs = append(cfg.Inputs, ic)
			}
		case "outputs":
			cfg.Outputs = v
		default:
			return false
		}
		return true
	})
	if len(cfg.Inputs) == 0 && len(d.errs) == 0 {
		at := root
		if inputsNode != nil {
			at = inputsNode
		}
		d.errf(at, "config: no inputs: a config needs at least one input under inputs:")
	}
	return cfg, d.err()
}

func (d *decoder) input(n *yaml.Node) InputConfig {
	ic := InputConfig{Pos: d.pos(n)}
	var nameNode *yaml.Node
	d.fields(n, "input", func(k string, kn, v *yaml.Node) bool {
		switch k {
		case "name":
			ic.Name = d.str(v, k)
			nameNode = v
		case "type":
			ic.Type = d.str(v, k)
		case "config":
			ic.Config = v
		case "mapping_files":
			for _, m := range d.list(v, k) {
				ic.MappingFiles = append(ic.MappingFiles, d.mappingRef(m))
			}
		case "defaults":
			ic.hasDefaults = true
			ic.hasGlobOrdering = d.defaults(&ic.Rules.Defaults, v)
		case "unmatched":
			ic.hasUnmatched = true
			return d.ruleSetKey(&ic.Rules, k, v)
		default:
			return d.ruleSetKey(&ic.Rules, k, v)
		}
		return true
	})
	if ic.Type == "" && n.Kind == yaml.MappingNode {
		d.errf(n, "input: type is missing")
	}
	if ic.Name == "" {
		ic.Name = ic.Type
	}
	if nameNode != nil && strings.ContainsAny(ic.Name, "/ \t\n") {
		d.errf(nameNode, "input: invalid name %q (no slashes or spaces)", ic.Name)
	}
	return ic
}

func (d *decoder) mappingRef(n *yaml.Node) MappingRef {
	ref := MappingRef{Pos: d.pos(n)}
	if n.Kind == yaml.ScalarNode {
		ref.File = n.Value
	} else {
		d.bind(n, "mapping_files", map[string]field{
			"file":   into(&ref.File, d.str),
			"format": into(&ref.Format, d.str),
		})
	}
	if lib, ok := strings.CutPrefix(ref.File, "library:"); ok {
		ref.File, ref.Library = "", lib
	}
	if ref.File == "" && ref.Library == "" {
		d.errf(n, "mapping_files: file is missing")
	}
	return ref
}

// Load reads and parses a native config file.
func Load(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(file, data)
}
