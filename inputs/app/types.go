package app

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/app/expo"
	"github.com/rosetta-adapter/rosetta/inputs/app/jsonsel"
	"github.com/rosetta-adapter/rosetta/inputs/app/kv"
	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
)

// httpConfig is the config of a type read over HTTP(S) with no options of
// its own.
type httpConfig struct {
	Common      `yaml:",inline"`
	HTTPOptions `yaml:",inline"`
}

func (c *httpConfig) validate() error {
	return joinErrs(c.Common.validate(false), c.HTTPOptions.validate())
}

// PrometheusConfig is the `prometheus` type: another exporter's /metrics.
type PrometheusConfig struct {
	httpConfig `yaml:",inline"`
}

// Validate implements inputs.Config.
func (c *PrometheusConfig) Validate() error { return c.validate() }

// NewParser implements ParserConfig.
func (c *PrometheusConfig) NewParser() (parsing.Parser, error) { return expo.New(), nil }

func (c *PrometheusConfig) newFetcher(name string) (fetcher, error) {
	return newHTTPFetcher(name, &c.HTTPOptions, expo.Accept, int64(c.MaxBodySize))
}

// JSONConfig is the `json` type: values selected from a JSON document.
type JSONConfig struct {
	httpConfig     `yaml:",inline"`
	jsonsel.Config `yaml:",inline"`
	// JSONExporterConfig is a json_exporter config file whose module
	// (Module, default "default") adds its metrics, with json_exporter's
	// names and labels, and its headers.
	JSONExporterConfig string `yaml:"json_exporter_config"`
	Module             string `yaml:"module"`
}

// selection returns the selectors, the json_exporter module's included.
func (c *JSONConfig) selection() (jsonsel.Config, map[string]string, error) {
	sel := c.Config
	if c.JSONExporterConfig == "" {
		if c.Module != "" {
			return sel, nil, errors.New("module: only with json_exporter_config")
		}
		return sel, nil, nil
	}
	extra, headers, err := loadJSONExporter(c.JSONExporterConfig, c.Module)
	if err != nil {
		return sel, nil, fmt.Errorf("json_exporter_config: %s: %w", c.JSONExporterConfig, err)
	}
	sel.Metrics = append(append([]jsonsel.Selector(nil), sel.Metrics...), extra...)
	return sel, headers, nil
}

// Validate implements inputs.Config.
func (c *JSONConfig) Validate() error {
	sel, _, err := c.selection()
	if err != nil {
		return joinErrs(c.validate(), err)
	}
	return joinErrs(c.validate(), sel.Validate())
}

// NewParser implements ParserConfig.
func (c *JSONConfig) NewParser() (parsing.Parser, error) {
	sel, _, err := c.selection()
	if err != nil {
		return nil, err
	}
	return jsonsel.New(sel)
}

func (c *JSONConfig) newFetcher(name string) (fetcher, error) {
	_, headers, err := c.selection()
	if err != nil {
		return nil, err
	}
	opts := c.HTTPOptions
	if len(headers) > 0 {
		opts.Headers = map[string]string{}
		for k, v := range headers {
			opts.Headers[k] = v
		}
		for k, v := range c.Headers {
			opts.Headers[k] = v
		}
	}
	return newHTTPFetcher(name, &opts, "application/json", int64(c.MaxBodySize))
}

// ExpvarConfig is the `expvar` type: Go's /debug/vars. Every number is
// read (memstats.PauseNs, PauseEnd and BySize, and cmdline, are skipped);
// library:expvar names the memstats as client_golang does.
type ExpvarConfig struct {
	httpConfig `yaml:",inline"`
	// Skip adds paths not to read ("*" for any key).
	Skip []string `yaml:"skip"`
}

// expvarSkip are the parts of /debug/vars that are not metrics.
var expvarSkip = []string{"cmdline", "memstats.PauseNs", "memstats.PauseEnd", "memstats.BySize"}

// Validate implements inputs.Config.
func (c *ExpvarConfig) Validate() error {
	cfg := jsonsel.Config{Skip: append(append([]string(nil), expvarSkip...), c.Skip...)}
	return joinErrs(c.validate(), cfg.Validate())
}

// NewParser implements ParserConfig.
func (c *ExpvarConfig) NewParser() (parsing.Parser, error) {
	return jsonsel.New(jsonsel.Config{Skip: append(append([]string(nil), expvarSkip...), c.Skip...)})
}

func (c *ExpvarConfig) newFetcher(name string) (fetcher, error) {
	return newHTTPFetcher(name, &c.HTTPOptions, "application/json", int64(c.MaxBodySize))
}

// NginxConfig is the `nginx` type: nginx's stub_status page.
type NginxConfig struct {
	httpConfig `yaml:",inline"`
}

// Validate implements inputs.Config.
func (c *NginxConfig) Validate() error { return c.validate() }

// NewParser implements ParserConfig.
func (c *NginxConfig) NewParser() (parsing.Parser, error) { return kv.Nginx(), nil }

func (c *NginxConfig) newFetcher(name string) (fetcher, error) {
	return newHTTPFetcher(name, &c.HTTPOptions, "text/plain", int64(c.MaxBodySize))
}

// ApacheConfig is the `apache` type: Apache's /server-status?auto.
type ApacheConfig struct {
	httpConfig `yaml:",inline"`
}

// Validate implements inputs.Config.
func (c *ApacheConfig) Validate() error { return c.validate() }

// NewParser implements ParserConfig.
func (c *ApacheConfig) NewParser() (parsing.Parser, error) { return kv.Apache(), nil }

func (c *ApacheConfig) newFetcher(name string) (fetcher, error) {
	return newHTTPFetcher(name, &c.HTTPOptions, "text/plain", int64(c.MaxBodySize))
}

// RedisConfig is the `redis` type: INFO ALL over RESP.
type RedisConfig struct {
	Common `yaml:",inline"`
	// Username (Redis 6 ACLs) and the password, inline or from a file
	// (trailing newline trimmed). Never logged.
	Username     string        `yaml:"username"`
	Password     inputs.Secret `yaml:"password"`
	PasswordFile string        `yaml:"password_file"`
}

// Validate implements inputs.Config.
func (c *RedisConfig) Validate() error {
	var errs []error
	if c.Password != "" && c.PasswordFile != "" {
		errs = append(errs, errors.New("password_file: set password or password_file, not both"))
	}
	if c.Username != "" && c.Password == "" && c.PasswordFile == "" {
		errs = append(errs, errors.New("username: needs password or password_file"))
	}
	return joinErrs(append(errs, c.Common.validate(true))...)
}

// NewParser implements ParserConfig.
func (c *RedisConfig) NewParser() (parsing.Parser, error) { return kv.Redis(), nil }

func (c *RedisConfig) newFetcher(string) (fetcher, error) {
	max := int64(c.MaxBodySize)
	user, pwFile, pw := c.Username, c.PasswordFile, string(c.Password)
	return &tcpFetcher{maxBody: max, exchange: func(conn net.Conn, max int64) ([]byte, error) {
		pass := pw
		if pwFile != "" {
			// Read at every poll, so a rotated secret is picked up.
			b, err := os.ReadFile(pwFile)
			if err != nil {
				return nil, parsing.Errorf("auth", "password_file: %w", err)
			}
			pass = strings.TrimRight(string(b), "\r\n")
		}
		return kv.RedisExchange(conn, user, pass, max)
	}}, nil
}

// MemcachedConfig is the `memcached` type: `stats` over TCP.
type MemcachedConfig struct {
	Common `yaml:",inline"`
}

// Validate implements inputs.Config.
func (c *MemcachedConfig) Validate() error { return c.Common.validate(true) }

// NewParser implements ParserConfig.
func (c *MemcachedConfig) NewParser() (parsing.Parser, error) { return kv.Memcached(), nil }

func (c *MemcachedConfig) newFetcher(string) (fetcher, error) {
	return &tcpFetcher{maxBody: int64(c.MaxBodySize), exchange: kv.MemcachedExchange}, nil
}

// TextConfig is the `text` type: any key/value text, read over HTTP(S)
// (targets are URLs) or by sending Command over TCP (targets are
// host:port), parsed by line regexes.
type TextConfig struct {
	Common        `yaml:",inline"`
	HTTPOptions   `yaml:",inline"`
	kv.TextConfig `yaml:",inline"`
	// Command, when set, makes the targets host:port: it is sent (with
	// "\n" escapes as written in YAML) and the reply read until EndLine,
	// or until the server closes the connection when EndLine is empty.
	Command string `yaml:"command"`
	EndLine string `yaml:"end_line"`
}

// Validate implements inputs.Config.
func (c *TextConfig) Validate() error {
	errs := []error{c.Common.validate(c.Command != ""), c.TextConfig.Validate()}
	if c.Command == "" {
		errs = append(errs, c.HTTPOptions.validate())
		if c.EndLine != "" {
			errs = append(errs, errors.New("end_line: only with command"))
		}
	}
	return joinErrs(errs...)
}

// NewParser implements ParserConfig.
func (c *TextConfig) NewParser() (parsing.Parser, error) { return kv.Text(c.TextConfig) }

func (c *TextConfig) newFetcher(name string) (fetcher, error) {
	if c.Command == "" {
		return newHTTPFetcher(name, &c.HTTPOptions, "text/plain", int64(c.MaxBodySize))
	}
	cmd, end := c.Command, c.EndLine
	return &tcpFetcher{maxBody: int64(c.MaxBodySize), exchange: func(conn net.Conn, max int64) ([]byte, error) {
		return kv.CommandExchange(conn, cmd, end, max)
	}}, nil
}

// NewFactories returns the factories of every application-stats type.
func NewFactories() []inputs.Factory {
	http := func() httpConfig { return httpConfig{Common: DefaultCommon, HTTPOptions: DefaultHTTPOptions} }
	return []inputs.Factory{
		factory{typ: "json", newDefault: func() typeConfig { return &JSONConfig{httpConfig: http()} }},
		factory{typ: "expvar", newDefault: func() typeConfig { return &ExpvarConfig{httpConfig: http()} }},
		factory{typ: "prometheus", newDefault: func() typeConfig { return &PrometheusConfig{http()} }},
		factory{typ: "nginx", newDefault: func() typeConfig { return &NginxConfig{http()} }},
		factory{typ: "apache", newDefault: func() typeConfig { return &ApacheConfig{http()} }},
		factory{typ: "redis", newDefault: func() typeConfig { return &RedisConfig{Common: DefaultCommon} }},
		factory{typ: "memcached", newDefault: func() typeConfig { return &MemcachedConfig{Common: DefaultCommon} }},
		factory{typ: "text", newDefault: func() typeConfig {
			return &TextConfig{Common: DefaultCommon, HTTPOptions: DefaultHTTPOptions}
		}},
	}
}
