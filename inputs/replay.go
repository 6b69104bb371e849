package inputs

import (
	"fmt"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Replayer is implemented by the factories whose inputs can be replayed
// offline: Replay turns recorded input (a body of text in the input's own
// recording format) into the records the live input would make with cfg, a
// config of the factory's type. `rosetta test` and `rosetta explain` find
// it through the registry, so a new driver (or the plugin host) becomes
// testable offline by implementing it, without the tools knowing the
// driver. The records own their memory. An error that comes with records
// says what was refused; the records returned are still good.
type Replayer interface {
	Replay(cfg Config, body []byte) ([]normalize.Record, error)
}

// Replayers lists the registered types whose factory is a Replayer,
// sorted.
func (r *Registry) Replayers() []string {
	var out []string
	for _, t := range r.Types() {
		if _, ok := r.factories[t].(Replayer); ok {
			out = append(out, t)
		}
	}
	return out
}

// Replaying implements Replayer for an input whose config type is C: Replay
// checks cfg's type, naming the input, and hands the driver's replay its
// own config. A driver's Factory embeds one beside its FactoryOf (made by
// FactoryOf.Replaying), so its replay starts at what is its own.
type Replaying[C any] struct {
	typ    string
	replay func(c *C, body []byte) ([]normalize.Record, error)
}

// Replay implements Replayer.
func (r Replaying[C]) Replay(cfg Config, body []byte) ([]normalize.Record, error) {
	c, err := configAs[C](r.typ, cfg)
	if err != nil {
		return nil, err
	}
	return r.replay(c, body)
}

// configAs returns cfg as the driver's *C, or an error naming the input
// type and the config it got instead (a programming error: the registry
// hands each factory configs it made).
func configAs[C any](typ string, cfg Config) (*C, error) {
	c, ok := any(cfg).(*C)
	if !ok {
		return nil, fmt.Errorf("%s input: config is %T, not %T", typ, cfg, c)
	}
	return c, nil
}
