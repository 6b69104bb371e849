package statsd

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/internal/strictyaml"
)

// Config is the `statsd` input's configuration. The keys mirror
// statsd_exporter's --statsd.* flags (docs/statsd.md has the mapping).
type Config struct {
	// ListenUDP, ListenTCP and ListenUnixgram are the addresses to listen
	// on (a socket path for unixgram); "" disables that listener.
	ListenUDP      string `yaml:"listen_udp"`
	ListenTCP      string `yaml:"listen_tcp"`
	ListenUnixgram string `yaml:"listen_unixgram"`
	// UnixSocketMode is the octal permission of the unixgram socket file.
	UnixSocketMode string `yaml:"unixsocket_mode"`
	// ReadBuffer is the OS receive buffer of the UDP and unixgram sockets
	// in bytes; 0 keeps the OS default.
	ReadBuffer int `yaml:"read_buffer"`
	// UDPPacketQueueSize is how many received datagrams (UDP and unixgram)
	// may wait for a parse worker; beyond it packets are dropped and
	// counted.
	UDPPacketQueueSize int `yaml:"udp_packet_queue_size"`
	// Dialects of tags in names and lines.
	ParseDogStatsDTags bool `yaml:"parse_dogstatsd_tags"`
	ParseInfluxDBTags  bool `yaml:"parse_influxdb_tags"`
	ParseLibratoTags   bool `yaml:"parse_librato_tags"`
	ParseSignalFXTags  bool `yaml:"parse_signalfx_tags"`
	// Workers is the number of parse workers draining the packet queue;
	// 0 means GOMAXPROCS.
	Workers int `yaml:"workers"`
	// TCPMaxLineLength is the longest TCP line accepted, in bytes; longer
	// lines are skipped and counted (the connection stays open).
	TCPMaxLineLength int `yaml:"tcp_max_line_length"`
	// TCPMaxConnections caps concurrent TCP connections; 0 means no cap.
	// Each open connection holds a parser and buffers (about 100 KB), so
	// the default is a cap.
	TCPMaxConnections int `yaml:"tcp_max_connections"`
	// TCPIdleTimeout closes a TCP connection that sent nothing for this
	// long; 0 means never.
	TCPIdleTimeout time.Duration `yaml:"tcp_idle_timeout"`
	// UDPPacketQueueBytes bounds the bytes of the queued datagrams (their
	// pooled buffers) as UDPPacketQueueSize bounds their count.
	UDPPacketQueueBytes int `yaml:"udp_packet_queue_bytes"`
	// MaxNameLength and MaxLabelValueLength are the longest metric name
	// and tag value accepted, in bytes; a line with a longer one is
	// dropped and counted (name_too_long, label_value_too_long).
	MaxNameLength       int `yaml:"max_name_length"`
	MaxLabelValueLength int `yaml:"max_label_value_length"`
	// MaxSampleRateRepeat caps how many observations one timer, histogram
	// or distribution sample with a sample rate stands for (int(1/rate) of
	// them, as statsd_exporter makes). They are one record that the store
	// adds at once, so a high cap costs no more than a low one: the
	// default is the most a record holds (2^32-1, a rate down to 2.3e-10).
	MaxSampleRateRepeat int `yaml:"max_sample_rate_repeat"`
	// Relay forwards the accepted lines to another StatsD server
	// (statsd_exporter's --statsd.relay.*); disabled without an address.
	Relay RelayConfig `yaml:"relay"`
}

// DefaultConfig holds statsd_exporter's defaults.
var DefaultConfig = Config{
	ListenUDP:           ":9125",
	ListenTCP:           ":9125",
	UnixSocketMode:      "755",
	UDPPacketQueueSize:  10000,
	ParseDogStatsDTags:  true,
	ParseInfluxDBTags:   true,
	ParseLibratoTags:    true,
	ParseSignalFXTags:   true,
	TCPMaxLineLength:    65536,
	MaxSampleRateRepeat: math.MaxUint32,
	Relay:               DefaultRelayConfig,
	// Not statsd_exporter's (it has no such bounds): see docs/limits.md.
	TCPMaxConnections:   1024,
	TCPIdleTimeout:      5 * time.Minute,
	UDPPacketQueueBytes: 32 << 20,
	MaxNameLength:       8192,
	MaxLabelValueLength: 8192,
}

// DecodeConfig decodes node strictly (unknown keys are errors) over
// DefaultConfig and validates the result. A nil node gives the defaults.
func DecodeConfig(node *yaml.Node) (*Config, error) {
	cfg := DefaultConfig
	if node == nil {
		return &cfg, nil
	}
	// Strict and positioned: an unknown key is reported at its own
	// line:col.
	if err := strictyaml.Decode(node, &cfg, "statsd input"); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, positioned(node, err)
	}
	return &cfg, nil
}

// positioned prefixes err with the position of the value its field names
// ("relay.address" for a nested key), or of the block.
func positioned(node *yaml.Node, err error) error {
	var fe *fieldError
	at := node
	if errors.As(err, &fe) {
		for key := range strings.SplitSeq(fe.field, ".") {
			v := inputs.MapValue(at, key)
			if v == nil {
				break
			}
			at = v
		}
	}
	return fmt.Errorf("%d:%d: statsd input: %w", at.Line, at.Column, err)
}

type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func fieldErr(field, format string, args ...any) error {
	return &fieldError{field: field, msg: fmt.Sprintf(format, args...)}
}

// atLeast is the error of an integer setting below its lowest value, nil
// when it is not (errors.Join drops it); note says what the lowest value
// means, if anything.
func atLeast(field string, v, lowest int, note string) error {
	if v >= lowest {
		return nil
	}
	msg := fmt.Sprintf("%d must be at least %d", v, lowest)
	if lowest == 0 {
		msg = fmt.Sprintf("%d must not be negative", v)
	}
	if note != "" {
		msg += " (" + note + ")"
	}
	return &fieldError{field: field, msg: msg}
}

// Validate checks the values.
func (c *Config) Validate() error {
	var errs []error
	if c.ListenUDP == "" && c.ListenTCP == "" && c.ListenUnixgram == "" {
		errs = append(errs, errors.New("at least one of listen_udp, listen_tcp and listen_unixgram must be set"))
	}
	if _, err := c.socketMode(); err != nil {
		errs = append(errs, fieldErr("unixsocket_mode", "%q is not an octal permission such as \"755\"", c.UnixSocketMode))
	}
	errs = append(errs,
		atLeast("read_buffer", c.ReadBuffer, 0, ""),
		atLeast("udp_packet_queue_size", c.UDPPacketQueueSize, 1, ""),
		atLeast("workers", c.Workers, 0, "0 means GOMAXPROCS"),
	)
	if c.TCPMaxLineLength < 1 || c.TCPMaxLineLength > 16<<20 {
		errs = append(errs, fieldErr("tcp_max_line_length", "%d must be between 1 and 16777216", c.TCPMaxLineLength))
	}
	errs = append(errs, atLeast("tcp_max_connections", c.TCPMaxConnections, 0, "0 means no limit"))
	if c.TCPIdleTimeout < 0 {
		errs = append(errs, fieldErr("tcp_idle_timeout", "%v must not be negative (0 means never)", c.TCPIdleTimeout))
	}
	errs = append(errs,
		atLeast("udp_packet_queue_bytes", c.UDPPacketQueueBytes, maxDatagram, "one datagram"),
		atLeast("max_name_length", c.MaxNameLength, 1, ""),
		atLeast("max_label_value_length", c.MaxLabelValueLength, 1, ""),
		atLeast("max_sample_rate_repeat", c.MaxSampleRateRepeat, 1, ""),
	)
	if c.MaxSampleRateRepeat > 0 && uint64(c.MaxSampleRateRepeat) > math.MaxUint32 {
		errs = append(errs, fieldErr("max_sample_rate_repeat", "%d must be at most %d", c.MaxSampleRateRepeat, uint32(math.MaxUint32)))
	}
	errs = append(errs, c.Relay.validate()...)
	return errors.Join(errs...)
}

// socketMode parses UnixSocketMode as statsd_exporter does ("0"+mode in
// base 8).
func (c *Config) socketMode() (uint32, error) {
	m, err := strconv.ParseUint("0"+c.UnixSocketMode, 8, 32)
	if err != nil {
		return 0, err
	}
	if m > 0o7777 {
		return 0, fmt.Errorf("mode %q out of range", c.UnixSocketMode)
	}
	return uint32(m), nil
}

func (c *Config) parserOptions() parserOptions {
	return parserOptions{
		dogStatsD: c.ParseDogStatsDTags,
		influxDB:  c.ParseInfluxDBTags,
		librato:   c.ParseLibratoTags,
		signalFX:  c.ParseSignalFXTags,
		maxRepeat: c.MaxSampleRateRepeat,
		maxName:   c.MaxNameLength,
		maxValue:  c.MaxLabelValueLength,
	}
}
