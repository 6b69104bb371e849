package app

import (
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	promcfg "github.com/prometheus/common/config"
	"go.yaml.in/yaml/v3"

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

// Validate implements inputs.Config.
func (c *httpConfig) Validate() error {
	return joinErrs(c.Common.validate(false), c.HTTPOptions.validate())
}

// fetcher is the type's HTTP fetcher, asking for the accept media types.
func (c *httpConfig) fetcher(name, accept string) (fetcher, error) {
	f, err := newHTTPFetcher(name, &c.HTTPOptions, accept, int64(c.MaxBodySize))
	if err != nil {
		return nil, err // not a nil *httpFetcher in a non-nil fetcher
	}
	return f, nil
}

// PrometheusConfig is the `prometheus` type: another exporter's /metrics.
type PrometheusConfig struct {
	httpConfig `yaml:",inline"`
}

// NewParser implements ParserConfig.
func (c *PrometheusConfig) NewParser() (parsing.Parser, error) { return expo.New(), nil }

func (c *PrometheusConfig) newFetcher(name string) (fetcher, error) {
	return c.fetcher(name, expo.Accept)
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

// setDefaults implements defaulter: with json_exporter_config and no
// max_body_size, no limit. json_exporter reads a body of any size
// (io.ReadAll; a module has no size option), so a config of it loaded
// unchanged serves what it serves; max_body_size still bounds it when set.
func (c *JSONConfig) setDefaults(node *yaml.Node) {
	if c.JSONExporterConfig != "" && inputs.MapValue(node, "max_body_size") == nil {
		c.MaxBodySize = NoBodyLimit
	}
}

// selection returns the input's own selection and the json_exporter
// module, when there is one. The module's metrics that the scanner reads
// exactly go into the selection; a metric whose nodes one of the input's
// own selectors or skip paths also reads is left to the JSONPath
// evaluator, so that the scanner reads each node for one selector only.
func (c *JSONConfig) selection() (jsonsel.Config, *jeModule, error) {
	sel := c.Config
	if c.JSONExporterConfig == "" {
		if c.Module != "" {
			return sel, nil, errors.New("module: only with json_exporter_config")
		}
		return sel, nil, nil
	}
	mod, err := loadJSONExporter(c.JSONExporterConfig, c.Module)
	if err != nil {
		var fe *jeFileError
		if errors.As(err, &fe) {
			return sel, nil, err // positioned in the json_exporter file
		}
		return sel, nil, fmt.Errorf("json_exporter_config: %w", err)
	}
	var own [][]jsonsel.Seg
	for _, m := range sel.Metrics {
		own = append(own, dottedSegs(m.Path))
	}
	for _, p := range sel.Skip {
		own = append(own, dottedSegs(p))
	}
	sel.Metrics = slices.Clone(sel.Metrics)
	var fast []jsonsel.Selector
	var fastSpecs []*jeSpec
	for i, f := range mod.fast {
		overlap := false
		for _, o := range own {
			overlap = overlap || segsOverlap(f.Segs, o)
		}
		if overlap {
			mod.slow = append(mod.slow, newJEMetric(mod.fastSpecs[i]))
			continue
		}
		fast = append(fast, f)
		fastSpecs = append(fastSpecs, mod.fastSpecs[i])
	}
	mod.fast, mod.fastSpecs = fast, fastSpecs
	sel.Metrics = append(sel.Metrics, fast...)
	// Without selectors of its own the input reads the module's metrics
	// only, not every value.
	sel.SelectNone = true
	if mod.client != nil && !reflect.DeepEqual(c.Client, promcfg.DefaultHTTPClientConfig) {
		return sel, nil, errors.New("json_exporter_config: the module has http_client_config and the input sets client settings too: set them in one place")
	}
	return sel, mod, nil
}

// dottedSegs reads a selector's dotted path as typed segments for the
// overlap check: a numeric key may be an index, "*" anything.
func dottedSegs(path string) []jsonsel.Seg {
	var out []jsonsel.Seg
	for _, k := range strings.Split(strings.TrimPrefix(path, "$."), ".") {
		if _, err := strconv.Atoi(k); err == nil || k == "*" {
			out = append(out, jsonsel.Seg{Kind: jsonsel.SegAny})
			continue
		}
		out = append(out, jsonsel.Seg{Key: k, Kind: jsonsel.SegKey})
	}
	return out
}

// Warnings are what `rosetta check` points out in a valid config: the
// module's paths jsonpath rejects and why json_exporter would serve
// nothing of it (see loadJSONExporter).
func (c *JSONConfig) Warnings() []string {
	if _, mod, err := c.selection(); err == nil && mod != nil {
		return mod.warnings
	}
	return nil
}

// Validate implements inputs.Config.
func (c *JSONConfig) Validate() error {
	sel, _, err := c.selection()
	if err != nil {
		return joinErrs(c.httpConfig.Validate(), err)
	}
	return joinErrs(c.httpConfig.Validate(), sel.Validate())
}

// NewParser implements ParserConfig.
func (c *JSONConfig) NewParser() (parsing.Parser, error) {
	sel, mod, err := c.selection()
	if err != nil {
		return nil, err
	}
	scan, err := jsonsel.New(sel)
	if err != nil {
		return nil, err
	}
	if mod == nil || len(mod.slow) == 0 && mod.unservable == nil {
		return scan, nil
	}
	return newJEParser(scan, mod), nil
}

func (c *JSONConfig) newFetcher(name string) (fetcher, error) {
	_, mod, err := c.selection()
	if err != nil {
		return nil, err
	}
	opts := c.HTTPOptions
	if mod != nil {
		// The module's settings as json_exporter applies them; what the
		// input sets itself wins.
		if len(mod.headers) > 0 {
			opts.Headers = map[string]string{}
			for k, v := range mod.headers {
				opts.Headers[k] = v
			}
			for k, v := range c.Headers {
				opts.Headers[k] = v
			}
		}
		if mod.body != nil && opts.Body == "" {
			if opts.Method == "GET" {
				opts.Method = "POST"
			}
		}
		if mod.client != nil {
			opts.Client = *mod.client
		}
	}
	f, err := newHTTPFetcher(name, &opts, "application/json", int64(c.MaxBodySize))
	if err != nil {
		return nil, err
	}
	if mod != nil {
		f.validStatus = mod.validStatus
		if mod.body != nil && opts.Body == "" {
			f.body = mod.body.render
		}
	}
	return f, nil
}

// ExpvarConfig is the `expvar` type: Go's /debug/vars. Every number is
// read (memstats.PauseNs, PauseEnd and BySize, and cmdline, are skipped);
// library:expvar names the memstats as client_golang does.
type ExpvarConfig struct {
	httpConfig `yaml:",inline"`
	// Skip adds paths not to read ("*" for any key).
	Skip []string `yaml:"skip"`
	// MaxDepth is jsonsel.Config.MaxDepth.
	MaxDepth int `yaml:"max_depth"`
}

// expvarSkip are the parts of /debug/vars that are not metrics.
var expvarSkip = []string{"cmdline", "memstats.PauseNs", "memstats.PauseEnd", "memstats.BySize"}

func (c *ExpvarConfig) selection() jsonsel.Config {
	return jsonsel.Config{Skip: append(append([]string(nil), expvarSkip...), c.Skip...), MaxDepth: c.MaxDepth}
}

// Validate implements inputs.Config.
func (c *ExpvarConfig) Validate() error {
	cfg := c.selection()
	return joinErrs(c.httpConfig.Validate(), cfg.Validate())
}

// NewParser implements ParserConfig.
func (c *ExpvarConfig) NewParser() (parsing.Parser, error) {
	return jsonsel.New(c.selection())
}

func (c *ExpvarConfig) newFetcher(name string) (fetcher, error) {
	return c.fetcher(name, "application/json")
}

// NginxConfig is the `nginx` type: nginx's stub_status page.
type NginxConfig struct {
	httpConfig `yaml:",inline"`
}

// NewParser implements ParserConfig.
func (c *NginxConfig) NewParser() (parsing.Parser, error) { return kv.Nginx(), nil }

func (c *NginxConfig) newFetcher(name string) (fetcher, error) { return c.fetcher(name, "text/plain") }

// ApacheConfig is the `apache` type: Apache's /server-status?auto.
type ApacheConfig struct {
	httpConfig `yaml:",inline"`
}

// NewParser implements ParserConfig.
func (c *ApacheConfig) NewParser() (parsing.Parser, error) { return kv.Apache(), nil }

func (c *ApacheConfig) newFetcher(name string) (fetcher, error) { return c.fetcher(name, "text/plain") }

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
