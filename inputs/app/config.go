package app

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"

	promcfg "github.com/prometheus/common/config"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/internal/errpos"
)

// Common are the settings every application-stats input has.
type Common struct {
	// Targets to poll: URLs for HTTP types, host:port for TCP ones.
	Targets []string `yaml:"targets"`
	// TargetLabel, when set, adds a label of that name holding the target
	// to every record, so that several targets' series stay apart. It is
	// required with more than one target.
	TargetLabel string `yaml:"target_label"`
	// Interval between polls and Timeout of one poll (connect, request,
	// body and parse); an unset Timeout is min(10s, Interval).
	inputs.Schedule `yaml:",inline"`
	// MaxBodySize bounds a response; a larger one fails the poll
	// (reason body_too_large). A json input with json_exporter_config has
	// none unless it sets one (NoBodyLimit): json_exporter reads a body of
	// any size.
	MaxBodySize ByteSize `yaml:"max_body_size"`
}

// DefaultCommon are the defaults of Common.
var DefaultCommon = Common{
	Schedule:    inputs.DefaultSchedule,
	MaxBodySize: 16 << 20,
}

func (c *Common) common() *Common { return c }

// validate checks c; tcp says the targets are host:port, not URLs.
func (c *Common) validate(tcp bool) error {
	var errs []error
	if len(c.Targets) == 0 {
		errs = append(errs, errors.New("targets: at least one target is required"))
	}
	seen := map[string]bool{}
	for i, t := range c.Targets {
		if seen[t] {
			errs = append(errs, fmt.Errorf("targets[%d]: %q is listed twice", i, inputs.RedactURL(t)))
		}
		seen[t] = true
		if tcp {
			if _, _, err := net.SplitHostPort(t); err != nil {
				errs = append(errs, fmt.Errorf("targets[%d]: %q is not host:port: %s", i, inputs.RedactURL(t), inputs.RedactURL(err.Error())))
			}
			continue
		}
		u, err := url.Parse(t)
		if err != nil {
			errs = append(errs, fmt.Errorf("targets[%d]: %q: %s", i, inputs.RedactURL(t), inputs.RedactURL(err.Error())))
			continue
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("targets[%d]: %q is not an http:// or https:// URL", i, inputs.RedactURL(t)))
		}
	}
	if len(c.Targets) > 1 && c.TargetLabel == "" {
		errs = append(errs, fmt.Errorf("target_label: %d targets need a target_label (e.g. target_label: instance) so that their series stay apart", len(c.Targets)))
	}
	if c.TargetLabel != "" && !validLabelName(c.TargetLabel) {
		errs = append(errs, fmt.Errorf("target_label: %q is not a valid label name", c.TargetLabel))
	}
	if c.Interval <= 0 {
		errs = append(errs, fmt.Errorf("interval: must be positive, not %q", c.Interval))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout: must be positive, not %q", c.Timeout))
	} else if c.Interval > 0 && c.Timeout > c.Interval {
		errs = append(errs, fmt.Errorf("timeout: %q must not exceed interval %q", c.Timeout, c.Interval))
	}
	if c.MaxBodySize <= 0 {
		errs = append(errs, fmt.Errorf("max_body_size: must be positive, not %d", c.MaxBodySize))
	}
	return errors.Join(errs...)
}

func validLabelName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// HTTPOptions configure how HTTP types fetch a target. The client settings
// (basic_auth with password_file, authorization with credentials_file,
// bearer_token_file, tls_config, proxy_url, follow_redirects,
// http_headers) are prometheus/common's, as in Prometheus scrape configs
// and json_exporter modules.
type HTTPOptions struct {
	// Method is GET (default) or POST, ...
	Method string `yaml:"method"`
	// Body is sent with the request (for POST APIs).
	Body string `yaml:"body"`
	// Headers are added to every request (plain values; use http_headers
	// for secrets and files).
	Headers map[string]string `yaml:"headers"`

	// Client is inlined (a named field, so that its UnmarshalYAML is not
	// promoted to the configs that embed HTTPOptions).
	Client promcfg.HTTPClientConfig `yaml:",inline"`
}

// DefaultHTTPOptions are the defaults of HTTPOptions.
var DefaultHTTPOptions = HTTPOptions{
	Method: "GET",
	Client: promcfg.DefaultHTTPClientConfig,
}

func (h *HTTPOptions) validate() error {
	var errs []error
	switch h.Method {
	case "GET", "POST", "PUT", "HEAD":
	default:
		errs = append(errs, fmt.Errorf("method: %q is not GET, POST or PUT", h.Method))
	}
	for k := range h.Headers {
		if k == "" || strings.ContainsAny(k, " :\r\n") {
			errs = append(errs, fmt.Errorf("headers: %q is not a header name", k))
		}
	}
	if err := h.Client.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ByteSize is a size in bytes, written as a number of bytes or with a unit
// (KB, MB, GB: powers of 1000; KiB, MiB, GiB: powers of 1024).
type ByteSize int64

var byteUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
}

// NoBodyLimit is the ByteSize of no limit, written "unlimited".
const NoBodyLimit = ByteSize(math.MaxInt64)

// ParseByteSize parses "16MiB", "500KB", "1048576" or "unlimited".
func ParseByteSize(s string) (ByteSize, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "unlimited" {
		return NoBodyLimit, nil
	}
	mult := int64(1)
	for _, u := range byteUnits {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n < 0 || n*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("invalid size %q (want a number of bytes, or one with KB, MB, GB, KiB, MiB or GiB, or unlimited)", orig)
	}
	return ByteSize(n * float64(mult)), nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		// Positioned (errpos), so that the message's file:line:col is the
		// value's, not the block's.
		return errpos.At(n, "%w", err)
	}
	*b = v
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }

func (b ByteSize) String() string {
	if b == NoBodyLimit {
		return "unlimited"
	}
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if b >= ByteSize(u.mult) && int64(b)%u.mult == 0 {
			return strconv.FormatInt(int64(b)/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}
