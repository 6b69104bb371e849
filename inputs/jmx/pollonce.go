package jmx

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// pollOnce is the input's inputs.OnePoller: one poll of the JVM (over RMI
// or Jolokia), as bean strings with their values, one per line — the
// match strings the rules see, in the format replay reads.
func pollOnce(ctx context.Context, c *Config) ([]inputs.Recording, error) {
	d, err := New(inputs.Settings{Name: "poll", Registerer: prometheus.NewRegistry()}, c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	target := d.target.String()
	s, err := d.dialSession(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	defer s.close()
	var b strings.Builder
	if _, err := s.scrapeTo(ctx, func(recs []normalize.Record) {
		for _, r := range recs {
			b.WriteString(r.Match)
			b.WriteByte('\n')
		}
	}); err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	return []inputs.Recording{{Target: target, Body: []byte(b.String())}}, nil
}
