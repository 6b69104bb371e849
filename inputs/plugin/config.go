package plugin

import (
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/internal/errpos"
	"github.com/rosetta-adapter/rosetta/internal/strictyaml"

	"github.com/rosetta-adapter/rosetta/inputs"
)

// Config is the `plugin` input's configuration.
type Config struct {
	// Path is the plugin executable; Args its arguments.
	Path string   `yaml:"path"`
	Args []string `yaml:"args"`
	// Env adds variables to the plugin's environment. The plugin gets only
	// these (and go-plugin's own handshake variables) unless InheritEnv is
	// set: Rosetta's environment may hold secrets (password_env) that a
	// plugin has no business reading.
	Env        map[string]string `yaml:"env"`
	InheritEnv bool              `yaml:"inherit_env"`
	// Checksum pins the executable: "sha256:<hex>". A mismatch refuses to
	// start it.
	Checksum string `yaml:"checksum"`
	// AutoMTLS secures the gRPC connection with per-launch certificates
	// (the plugin must support it; the Go SDK does).
	AutoMTLS bool `yaml:"auto_mtls"`
	// Config is passed to the plugin as its configuration.
	Config yaml.Node `yaml:"config"`

	// Interval and Timeout are a pull plugin's poll period and the
	// deadline of each Collect; an unset Timeout is min(10s, Interval).
	inputs.Schedule `yaml:",inline"`
	// HeartbeatInterval is how often a push plugin must send something;
	// StreamTimeout is how long a silent stream may last before the plugin
	// is deemed hung and restarted.
	HeartbeatInterval time.Duration `yaml:"heartbeat_interval"`
	StreamTimeout     time.Duration `yaml:"stream_timeout"`
	// StartTimeout bounds launch, handshake, describe and configure.
	StartTimeout time.Duration `yaml:"start_timeout"`
	// RestartBackoff and RestartBackoffMax bound the wait before a restart
	// (doubling from the first to the second). A session that ran for
	// StableAfter resets the backoff.
	RestartBackoff    time.Duration `yaml:"restart_backoff"`
	RestartBackoffMax time.Duration `yaml:"restart_backoff_max"`
	StableAfter       time.Duration `yaml:"stable_after"`
	// QueueBatches is how many decoded batches of a push plugin may wait
	// for the rule engine; beyond it batches are dropped and counted.
	QueueBatches int `yaml:"queue_batches"`
	// MaxBatchSamples is the batch size asked of push plugins.
	MaxBatchSamples int `yaml:"max_batch_samples"`
	// MaxMessageBytes caps one gRPC message from the plugin.
	MaxMessageBytes int `yaml:"max_message_bytes"`
	// MaxSymbols caps the plugin's string table.
	MaxSymbols int `yaml:"max_symbols"`
}

// DefaultConfig holds the defaults.
var DefaultConfig = Config{
	InheritEnv:        false,
	Schedule:          inputs.DefaultSchedule,
	HeartbeatInterval: 5 * time.Second,
	StreamTimeout:     15 * time.Second,
	StartTimeout:      10 * time.Second,
	RestartBackoff:    100 * time.Millisecond,
	RestartBackoffMax: 30 * time.Second,
	StableAfter:       10 * time.Second,
	QueueBatches:      64,
	MaxBatchSamples:   1024,
	MaxMessageBytes:   16 << 20,
	MaxSymbols:        1 << 20,
}

// DecodeConfig decodes node strictly over DefaultConfig and validates it.
func DecodeConfig(node *yaml.Node) (*Config, error) {
	cfg := DefaultConfig
	if node == nil {
		return nil, errors.New("plugin input: path is required")
	}
	// Strict and positioned: an unknown key is reported at its own
	// line:col. The config block keeps its own node (and its positions).
	if err := strictyaml.Decode(node, &cfg, "plugin input"); err != nil {
		return nil, err
	}
	inputs.DefaultTimeout(node, &cfg.Timeout, cfg.Interval)
	cfg.Config = yaml.Node{}
	if v := inputs.MapValue(node, "config"); v != nil {
		cfg.Config = *v
	}
	if err := cfg.Validate(); err != nil {
		return nil, positioned(node, err)
	}
	return &cfg, nil
}

type fieldError struct {
	field, msg string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func fieldErr(field, format string, args ...any) error {
	return &fieldError{field: field, msg: fmt.Sprintf(format, args...)}
}

// positioned prefixes each error in err with the position of the key its
// field names, or of the block.
func positioned(node *yaml.Node, err error) error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		at := node
		var fe *fieldError
		if errors.As(e, &fe) {
			if v := inputs.MapValue(node, fe.field); v != nil {
				at = v
			}
		}
		out = append(out, errpos.At(at, "plugin input: %w", e))
	}
	return errors.Join(out...)
}

// Validate checks the values.
func (c *Config) Validate() error {
	var errs []error
	if c.Path == "" {
		errs = append(errs, fieldErr("path", "is required"))
	} else if !filepath.IsAbs(c.Path) && !strings.Contains(c.Path, "/") {
		errs = append(errs, fieldErr("path", "%q must be a file path (absolute, or relative with a /), not a name to look up in PATH", c.Path))
	}
	if c.Checksum != "" {
		if _, err := c.checksum(); err != nil {
			errs = append(errs, fieldErr("checksum", "%q: %v", c.Checksum, err))
		}
	}
	for k := range c.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			errs = append(errs, fieldErr("env", "%q is not a valid variable name", k))
		}
	}
	positive := []struct {
		name string
		d    time.Duration
	}{
		{"interval", c.Interval}, {"timeout", c.Timeout}, {"heartbeat_interval", c.HeartbeatInterval},
		{"stream_timeout", c.StreamTimeout}, {"start_timeout", c.StartTimeout},
		{"restart_backoff", c.RestartBackoff}, {"restart_backoff_max", c.RestartBackoffMax},
		{"stable_after", c.StableAfter},
	}
	for _, p := range positive {
		if p.d <= 0 {
			errs = append(errs, fieldErr(p.name, "%q must be positive", p.d.String()))
		}
	}
	if c.Timeout > c.Interval && c.Interval > 0 {
		errs = append(errs, fieldErr("timeout", "%q must not exceed interval %q", c.Timeout.String(), c.Interval.String()))
	}
	if c.StreamTimeout <= c.HeartbeatInterval && c.HeartbeatInterval > 0 {
		errs = append(errs, fieldErr("stream_timeout", "%q must exceed heartbeat_interval %q", c.StreamTimeout.String(), c.HeartbeatInterval.String()))
	}
	if c.RestartBackoffMax < c.RestartBackoff {
		errs = append(errs, fieldErr("restart_backoff_max", "%q must not be below restart_backoff %q", c.RestartBackoffMax.String(), c.RestartBackoff.String()))
	}
	if c.QueueBatches < 1 {
		errs = append(errs, fieldErr("queue_batches", "%d must be at least 1", c.QueueBatches))
	}
	if c.MaxBatchSamples < 1 || c.MaxBatchSamples > 1<<20 {
		errs = append(errs, fieldErr("max_batch_samples", "%d must be between 1 and 1048576", c.MaxBatchSamples))
	}
	if c.MaxMessageBytes < 64<<10 || c.MaxMessageBytes > 1<<30 {
		errs = append(errs, fieldErr("max_message_bytes", "%d must be between 65536 and 1073741824", c.MaxMessageBytes))
	}
	if c.MaxSymbols < 1024 {
		errs = append(errs, fieldErr("max_symbols", "%d must be at least 1024", c.MaxSymbols))
	}
	return errors.Join(errs...)
}

// checksum parses Checksum ("sha256:<64 hex digits>").
func (c *Config) checksum() ([]byte, error) {
	algo, hexsum, ok := strings.Cut(c.Checksum, ":")
	if !ok || algo != "sha256" {
		return nil, errors.New(`want "sha256:<hex>"`)
	}
	sum, err := hex.DecodeString(hexsum)
	if err != nil || len(sum) != 32 {
		return nil, errors.New(`want 64 hex digits after "sha256:"`)
	}
	return sum, nil
}
