package app

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/internal/errpos"
	"github.com/rosetta-adapter/rosetta/internal/strictyaml"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// typeConfig is what the config of every type in this package implements.
type typeConfig interface {
	inputs.Config
	ParserConfig
	common() *Common
	newFetcher(inputName string) (fetcher, error)
}

// defaulter is a typeConfig whose defaults depend on what else it sets:
// setDefaults is called after decoding, with the config's node.
type defaulter interface {
	setDefaults(node *yaml.Node)
}

// factory is the inputs.Factory of one type.
type factory struct {
	typ        string
	newDefault func() typeConfig
}

// Type implements inputs.Factory.
func (f factory) Type() string { return f.typ }

// NewDefaultConfig implements inputs.Factory.
func (f factory) NewDefaultConfig() inputs.Config { return f.newDefault() }

// Decode implements inputs.Factory: strict, then validated, errors
// positioned at the key they are about.
func (f factory) Decode(node *yaml.Node) (inputs.Config, error) {
	cfg := f.newDefault()
	what := f.typ + " input"
	if node == nil {
		return cfg, nil
	}
	if err := strictyaml.Decode(node, cfg, what); err != nil {
		return nil, err
	}
	c := cfg.common()
	inputs.DefaultTimeout(node, &c.Timeout, c.Interval)
	if d, ok := cfg.(defaulter); ok {
		d.setDefaults(node)
	}
	if err := cfg.Validate(); err != nil {
		return nil, positioned(node, what, err)
	}
	return cfg, nil
}

var _ inputs.Replayer = factory{}

// Replay implements inputs.Replayer: body is a response body of the type
// (a JSON document, an expvar page, key/value text, an exposition), parsed
// with cfg's parser options.
func (f factory) Replay(cfg inputs.Config, body []byte) ([]normalize.Record, error) {
	return ParseBody(cfg, body, "")
}

// New implements inputs.Factory.
func (f factory) New(set inputs.Settings, cfg inputs.Config) (inputs.Driver, error) {
	c, ok := cfg.(typeConfig)
	if !ok {
		return nil, fmt.Errorf("%s input %q: config is %T", f.typ, set.Name, cfg)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s input %q: %w", f.typ, set.Name, err)
	}
	return newDriver(set, f.typ, c)
}

// positioned gives each error in err the position of the key it starts
// with ("targets[1]: ..." → the targets key), or of the block; an error
// positioned in a file of its own (a json_exporter config) keeps that.
func positioned(node *yaml.Node, what string, err error) error {
	// Errors positioned in another file (a json_exporter config) keep
	// their own position.
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range multi.Unwrap() {
			out = append(out, positioned(node, what, e))
		}
		return errors.Join(out...)
	}
	if fe, ok := err.(*jeFileError); ok {
		return fe
	}
	var out []error
	for _, e := range errpos.List(err) {
		pos := node
		key, _, _ := strings.Cut(e.Error(), ":")
		key, _, _ = strings.Cut(key, "[")
		if v := inputs.MapValue(node, key); v != nil {
			pos = v
		}
		out = append(out, errpos.At(pos, "%s: %w", what, e))
	}
	return errors.Join(out...)
}
