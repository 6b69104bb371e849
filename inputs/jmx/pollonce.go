package jmx

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/inputs"
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
	recs, _, err := s.scrape(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	var b strings.Builder
	for _, r := range recs {
		b.WriteString(r.Match)
		b.WriteByte('\n')
	}
	return []inputs.Recording{{Target: target, Body: []byte(b.String())}}, nil
}
