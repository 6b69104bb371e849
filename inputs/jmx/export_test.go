package jmx

import (
	"context"
	"testing"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// StartTestJVM starts the test application with remote JMX on 127.0.0.1
// for tests of other packages' files in this directory (package jmx_test)
// and returns the registry port.
func StartTestJVM(t *testing.T) int { return startJVM(t, jvmOptions{}).port }

// scrapeAll reads all beans of a session and returns their records.
func scrapeAll(ctx context.Context, s session) ([]normalize.Record, scrapeStats, error) {
	var out []normalize.Record
	st, err := s.scrapeTo(ctx, func(recs []normalize.Record) { out = append(out, recs...) })
	if err != nil {
		return nil, st, err
	}
	return out, st, nil
}

func (s *scraper) scrape(ctx context.Context) ([]normalize.Record, scrapeStats, error) {
	return scrapeAll(ctx, s)
}

func (s *jolokiaScraper) scrape(ctx context.Context) ([]normalize.Record, scrapeStats, error) {
	return scrapeAll(ctx, s)
}
