package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/rosetta-adapter/rosetta/inputs"
)

var _ inputs.OnePoller = factory{}

// PollOnce implements inputs.OnePoller: every target fetched once, within
// the timeout, with the input's own fetcher (HTTP options, credentials,
// the TCP exchange of redis, memcached and text commands); the bodies are
// what Replay parses.
func (f factory) PollOnce(ctx context.Context, cfg inputs.Config) ([]inputs.Recording, error) {
	c, ok := cfg.(typeConfig)
	if !ok {
		return nil, fmt.Errorf("%s input: config is %T", f.typ, cfg)
	}
	fe, err := c.newFetcher("poll")
	if err != nil {
		return nil, err
	}
	defer fe.close()
	var out []inputs.Recording
	var errs []error
	for _, target := range c.common().Targets {
		tctx, cancel := context.WithTimeout(ctx, c.common().Timeout)
		var buf bytes.Buffer
		_, err := fe.fetch(tctx, target, &buf)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", inputs.RedactURL(target), err))
			continue
		}
		out = append(out, inputs.Recording{Target: inputs.RedactURL(target), Body: buf.Bytes()})
	}
	return out, errors.Join(errs...)
}
