package remotewrite

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/exp/api/remote"
	promcfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/rosetta-adapter/rosetta/internal/errpos"
	"github.com/rosetta-adapter/rosetta/internal/strictyaml"
	"go.yaml.in/yaml/v3"
)

// Config is one `outputs.remote_write` entry.
type Config struct {
	// Name identifies the endpoint in self-metrics and logs; it defaults
	// to the URL without credentials or query.
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
	// Interval is how often the store's state is sent.
	Interval time.Duration `yaml:"interval"`
	// Timeout bounds one HTTP request.
	Timeout time.Duration `yaml:"remote_timeout"`
	// HTTPClientConfig is prometheus/common's: basic_auth, authorization,
	// oauth2, tls_config, proxy_url, http_headers, ...
	HTTPClientConfig promcfg.HTTPClientConfig `yaml:"http_client_config"`
	// ExternalLabels are added to every series that does not have the
	// label already.
	ExternalLabels map[string]string `yaml:"external_labels"`
	// SendNativeHistograms sends native histograms as native (the receiver
	// must accept them: Prometheus needs --enable-feature=native-histograms
	// before 3.0); their classic series are sent either way.
	SendNativeHistograms bool `yaml:"send_native_histograms"`
	// ProtobufMessage is the protocol: prometheus.WriteRequest
	// (Remote-Write 1.0, the default) or io.prometheus.write.v2.Request
	// (2.0: interned labels, metric type and help with every series).
	ProtobufMessage string      `yaml:"protobuf_message"`
	Queue           QueueConfig `yaml:"queue"`

	// fingerprint identifies the entry's settings across reloads.
	fingerprint string
	url         *url.URL
}

// QueueConfig bounds what waits to be sent.
type QueueConfig struct {
	// Capacity is the number of samples (a histogram is one) kept waiting
	// over all shards; when full, the oldest are dropped and counted.
	Capacity int `yaml:"capacity"`
	// MaxSamplesPerSend is the largest request.
	MaxSamplesPerSend int `yaml:"max_samples_per_send"`
	// MaxShards is the number of concurrent senders; a series always goes
	// through the same one, so its samples arrive in order.
	MaxShards int `yaml:"max_shards"`
	// MinBackoff and MaxBackoff bound the wait between retries of a
	// request that failed with a network error, a 5xx or a 429 (a
	// Retry-After of the receiver is added to it).
	MinBackoff time.Duration `yaml:"min_backoff"`
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// FlushDeadline is how long a stopped endpoint (reload, shutdown)
	// keeps sending what it has queued.
	FlushDeadline time.Duration `yaml:"flush_deadline"`
}

// DefaultConfig holds the defaults of an entry.
var DefaultConfig = Config{
	Interval:         15 * time.Second,
	Timeout:          30 * time.Second,
	HTTPClientConfig: promcfg.DefaultHTTPClientConfig,
	Queue: QueueConfig{
		Capacity:          500_000,
		MaxSamplesPerSend: 2000,
		MaxShards:         4,
		MinBackoff:        30 * time.Millisecond,
		MaxBackoff:        5 * time.Second,
		FlushDeadline:     5 * time.Second,
	},
}

// Decode decodes the `outputs:` block of a config file (nil: none)
// strictly, with every error prefixed by file:line:col.
func Decode(file string, node *yaml.Node) ([]Config, error) {
	if node == nil {
		return nil, nil
	}
	pos := func(n *yaml.Node) string { return fmt.Sprintf("%s:%d:%d", file, n.Line, n.Column) }
	if node.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: outputs: must be a mapping", pos(node))
	}
	var (
		out  []Config
		errs []error
	)
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		if k.Value != "remote_write" {
			errs = append(errs, fmt.Errorf("%s: outputs: unknown key %q (known: remote_write)", pos(k), k.Value))
			continue
		}
		if v.Kind != yaml.SequenceNode {
			errs = append(errs, fmt.Errorf("%s: outputs.remote_write: must be a list", pos(v)))
			continue
		}
		names := map[string]string{}
		for j, e := range v.Content {
			c, err := decodeEntry(e, fmt.Sprintf("outputs.remote_write[%d]", j))
			if err != nil {
				// Errors of a key carry its own line:col; the rest the entry's.
				errs = append(errs, errpos.Wrap(err, errpos.Error{File: file, Line: e.Line, Col: e.Column}, ""))
				continue
			}
			if p, dup := names[c.Name]; dup {
				errs = append(errs, fmt.Errorf("%s: outputs.remote_write: duplicate name %q (first at %s); set name: to tell them apart", pos(e), c.Name, p))
				continue
			}
			names[c.Name] = pos(e)
			out = append(out, c)
		}
	}
	return out, errors.Join(errs...)
}

// decodeEntry decodes one remote_write entry; what names it in errors.
func decodeEntry(node *yaml.Node, what string) (Config, error) {
	c := DefaultConfig
	c.ExternalLabels = nil
	if err := strictyaml.Decode(node, &c, what); err != nil {
		return c, err
	}
	// The fingerprint tells a reload whether the entry changed: the
	// entry's YAML encoded again, so that comments and layout do not count.
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(node); err != nil {
		return c, err
	}
	if err := enc.Close(); err != nil {
		return c, err
	}
	sum := sha256.Sum256(buf.Bytes())
	c.fingerprint = hex.EncodeToString(sum[:])
	if err := c.validate(); err != nil {
		return c, fmt.Errorf("%s: %w", what, err)
	}
	return c, nil
}

func (c *Config) validate() error {
	var errs []error
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		errs = append(errs, errors.New("url: missing"))
	case err != nil:
		errs = append(errs, fmt.Errorf("url: %w", err))
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		errs = append(errs, fmt.Errorf("url: %q is not an http or https URL", c.URL))
	default:
		c.url = u
		if u.User != nil && (c.HTTPClientConfig.BasicAuth != nil || c.HTTPClientConfig.Authorization != nil) {
			errs = append(errs, errors.New("url: credentials in the URL and in http_client_config"))
		}
	}
	if c.Name == "" && c.url != nil {
		n := *c.url
		n.User, n.RawQuery, n.Fragment = nil, "", ""
		c.Name = n.String()
	}
	if c.Interval < 10*time.Millisecond {
		errs = append(errs, fmt.Errorf("interval: %s is below 10ms", c.Interval))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("remote_timeout: %s must be positive", c.Timeout))
	}
	for k := range c.ExternalLabels {
		if !model.LegacyValidation.IsValidLabelName(k) || len(k) > 1 && k[:2] == "__" {
			errs = append(errs, fmt.Errorf("external_labels: %q is not a valid label name", k))
		}
	}
	switch c.ProtobufMessage {
	case "":
		c.ProtobufMessage = string(remote.WriteV1MessageType)
	case string(remote.WriteV1MessageType), string(remote.WriteV2MessageType):
	default:
		errs = append(errs, fmt.Errorf("protobuf_message: %q is not %s or %s", c.ProtobufMessage, remote.WriteV1MessageType, remote.WriteV2MessageType))
	}
	q := &c.Queue
	if q.MaxShards < 1 || q.MaxShards > 256 {
		errs = append(errs, fmt.Errorf("queue.max_shards: %d is not in 1..256", q.MaxShards))
	}
	if q.MaxSamplesPerSend < 1 {
		errs = append(errs, fmt.Errorf("queue.max_samples_per_send: %d must be positive", q.MaxSamplesPerSend))
	}
	if q.Capacity < q.MaxShards {
		errs = append(errs, fmt.Errorf("queue.capacity: %d is below max_shards (%d)", q.Capacity, q.MaxShards))
	}
	if q.MinBackoff <= 0 || q.MaxBackoff < q.MinBackoff {
		errs = append(errs, fmt.Errorf("queue: min_backoff (%s) must be positive and not above max_backoff (%s)", q.MinBackoff, q.MaxBackoff))
	}
	if q.FlushDeadline < 0 {
		errs = append(errs, fmt.Errorf("queue.flush_deadline: %s is negative", q.FlushDeadline))
	}
	if err := c.HTTPClientConfig.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("http_client_config: %w", err))
	}
	return errors.Join(errs...)
}
