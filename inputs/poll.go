package inputs

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultPollTimeout is the timeout of one poll when the config sets none
// and the interval is longer.
const DefaultPollTimeout = 10 * time.Second

// Poller is implemented by the configs of pull inputs: how often they
// poll their targets and how long one poll may take.
type Poller interface {
	Poll() (interval, timeout time.Duration)
}

// Schedule is a pull input's Interval between polls and Timeout of one
// poll; an unset Timeout is min(DefaultPollTimeout, Interval)
// (DefaultTimeout). A pull input's config embeds it inline (its keys are
// the input's own) and so implements Poller.
type Schedule struct {
	Interval time.Duration `yaml:"interval"`
	Timeout  time.Duration `yaml:"timeout"`
}

// DefaultSchedule is every pull input's default: a poll every 15s, each
// within DefaultPollTimeout.
var DefaultSchedule = Schedule{Interval: 15 * time.Second, Timeout: DefaultPollTimeout}

// Poll implements Poller.
func (s *Schedule) Poll() (interval, timeout time.Duration) { return s.Interval, s.Timeout }

// DefaultTimeout sets *timeout to min(DefaultPollTimeout, interval) when
// the config block node does not give a timeout key, as Prometheus clamps
// an unset scrape timeout to the scrape interval: a short interval alone
// must not make a config invalid. An explicit timeout is kept and its value
// node returned (a pull input rejects one longer than its interval).
func DefaultTimeout(node *yaml.Node, timeout *time.Duration, interval time.Duration) (explicit *yaml.Node) {
	if v := MapValue(node, "timeout"); v != nil {
		return v
	}
	*timeout = DefaultPollTimeout
	if interval > 0 && interval < *timeout {
		*timeout = interval
	}
	return nil
}

// MapValue returns the value of key in mapping n (a document holding
// one, or an alias of one), merge keys (<<) included, or nil: where a
// config decoder positions an error about key.
func MapValue(n *yaml.Node, key string) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == key && k.Kind == yaml.ScalarNode {
			return v
		}
		if k.Value == "<<" {
			for v != nil && v.Kind == yaml.AliasNode {
				v = v.Alias
			}
			if v == nil {
				continue
			}
			if v.Kind == yaml.SequenceNode {
				for _, m := range v.Content {
					if x := MapValue(m, key); x != nil {
						return x
					}
				}
			} else if x := MapValue(v, key); x != nil {
				return x
			}
		}
	}
	return nil
}
