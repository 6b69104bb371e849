package outputs

import (
	"context"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/tick"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Expiry: a write sets when its series expires (its TTL); Run sweeps the
// expired series away, and Gather removes the ones it meets.

// DefaultSweepInterval is how often Run removes expired series.
const DefaultSweepInterval = 5 * time.Second

func (s *Store) ttlOf(o *normalize.SeriesOptions) time.Duration {
	if o != nil && o.TTL > 0 {
		return o.TTL
	}
	return time.Duration(s.defaultTTL.Load())
}

// Run removes expired series every sweep interval until ctx ends.
func (s *Store) Run(ctx context.Context) error {
	tick.Every(ctx, s.sweepEvery, func() { s.Expire() })
	return nil
}

// Expire removes every series idle for longer than its TTL and returns how
// many it removed.
func (s *Store) Expire() int {
	now := s.now().UnixNano()
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for _, head := range sh.series {
			for se := head; se != nil; {
				next := se.next
				if se.expired(now) {
					s.expire(sh, se)
					n++
				}
				se = next
			}
		}
		sh.mu.Unlock()
	}
	if n > 0 {
		s.m.expired.Add(float64(n))
	}
	return n
}

func (se *series) expired(now int64) bool {
	return se.expires != 0 && now > se.expires
}
