package inputs

import "context"

// OnePoller is implemented by the factories whose inputs can read their
// real targets once, on demand (rosetta explain --live, rosetta record):
// PollOnce reads every target of cfg once — a pull input polls, a push
// input listens until ctx ends — and returns what it read in the input's
// recording format, the body its Replayer reads. A live reading then goes
// through the same parsing, rules and report as recorded samples. An
// error with recordings says which targets failed; the others are good.
type OnePoller interface {
	PollOnce(ctx context.Context, cfg Config) ([]Recording, error)
}

// Recording is what one target gave in one poll.
type Recording struct {
	// Target names where it was read (a URL, host:port, an address).
	Target string
	// Body is in the input's recording format (see Replayer).
	Body []byte
}

// PollingOnce implements OnePoller for an input whose config type is C,
// as Replaying does Replayer: PollOnce checks cfg's type and hands the
// driver's pollOnce its own config.
type PollingOnce[C any] struct {
	typ      string
	pollOnce func(ctx context.Context, c *C) ([]Recording, error)
}

// PollOnce implements OnePoller.
func (p PollingOnce[C]) PollOnce(ctx context.Context, cfg Config) ([]Recording, error) {
	c, err := configAs[C](p.typ, cfg)
	if err != nil {
		return nil, err
	}
	return p.pollOnce(ctx, c)
}
