package inputs

import (
	"context"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// FactoryOf implements the Factory methods that a driver with config type
// C and driver type D would otherwise write out again: Type,
// NewDefaultConfig (a copy of its defaults), Decode, and New with the
// config type check, whose error names the input. A driver that also
// replays and polls once has a FullFactory (FactoryOf.Full); one with
// Replay or PollOnce of its own embeds it. P is *C; Go infers it.
type FactoryOf[C any, P interface {
	*C
	Config
}, D Driver] struct {
	typ       string
	defaults  *C
	decode    func(*yaml.Node) (*C, error)
	newDriver func(Settings, *C) (D, error)
}

// NewFactoryOf returns the Factory of input type typ: defaults is read at
// each NewDefaultConfig (the package's DefaultConfig variable), decode
// decodes a config block strictly from the defaults, newDriver makes a
// driver of a config.
func NewFactoryOf[C any, P interface {
	*C
	Config
}, D Driver](typ string, defaults *C, decode func(*yaml.Node) (*C, error), newDriver func(Settings, *C) (D, error)) FactoryOf[C, P, D] {
	return FactoryOf[C, P, D]{typ: typ, defaults: defaults, decode: decode, newDriver: newDriver}
}

// Type implements Factory.
func (f FactoryOf[C, P, D]) Type() string { return f.typ }

// NewDefaultConfig implements Factory.
func (f FactoryOf[C, P, D]) NewDefaultConfig() Config {
	c := *f.defaults
	return P(&c)
}

// Decode implements Factory.
func (f FactoryOf[C, P, D]) Decode(node *yaml.Node) (Config, error) {
	c, err := f.decode(node)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return P(c), nil
}

// New implements Factory.
func (f FactoryOf[C, P, D]) New(set Settings, cfg Config) (Driver, error) {
	c, ok := cfg.(P)
	if !ok {
		return nil, fmt.Errorf("%s input %q: config is %T, not %T", f.typ, set.Name, cfg, c)
	}
	d, err := f.newDriver(set, (*C)(c))
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return d, nil
}

// Replaying returns the Replayer of the factory's input type, over the
// driver's replay of its own config type.
func (f FactoryOf[C, P, D]) Replaying(replay func(c *C, body []byte) ([]normalize.Record, error)) Replaying[C] {
	return Replaying[C]{typ: f.typ, replay: replay}
}

// PollingOnce returns the OnePoller of the factory's input type, over the
// driver's pollOnce of its own config type.
func (f FactoryOf[C, P, D]) PollingOnce(pollOnce func(ctx context.Context, c *C) ([]Recording, error)) PollingOnce[C] {
	return PollingOnce[C]{typ: f.typ, pollOnce: pollOnce}
}

// FullFactory is the Factory of a driver that also replays recorded input
// offline (Replayer) and reads its targets once (OnePoller): its
// FactoryOf and the Replaying and PollingOnce made of it. FactoryOf.Full
// makes one; a driver's NewFactory returns it.
type FullFactory[C any, P interface {
	*C
	Config
}, D Driver] struct {
	FactoryOf[C, P, D]
	Replaying[C]
	PollingOnce[C]
}

// Full returns the FullFactory of f, the driver's replay and its pollOnce.
func (f FactoryOf[C, P, D]) Full(replay func(c *C, body []byte) ([]normalize.Record, error), pollOnce func(ctx context.Context, c *C) ([]Recording, error)) FullFactory[C, P, D] {
	return FullFactory[C, P, D]{f, f.Replaying(replay), f.PollingOnce(pollOnce)}
}
