package jmx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/internal/errpos"
	"github.com/rosetta-adapter/rosetta/internal/strictyaml"
)

// Config is the `jmx` input's configuration (the block under
// inputs[].jmx).
type Config struct {
	// HostPort of the RMI registry, as jmx_exporter's hostPort.
	HostPort string `yaml:"host_port"`
	// JMXURL is the alternative to HostPort:
	// service:jmx:rmi:///jndi/rmi://HOST:PORT/NAME.
	JMXURL string `yaml:"jmx_url"`
	// JolokiaURL reads over a Jolokia agent instead of RMI, e.g.
	// http://localhost:8778/jolokia/ (username and password for basic
	// auth, tls for https).
	JolokiaURL string `yaml:"jolokia_url"`
	// Username and the password, given inline, from an environment
	// variable or from a file (trailing newline trimmed). Never logged.
	Username     string `yaml:"username"`
	Password     Secret `yaml:"password"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	// RegistrySSL puts TLS on the registry connection (the RMI server's
	// TLS follows its stub).
	RegistrySSL bool `yaml:"registry_ssl"`
	// TLS settings for TLS connections.
	TLS TLSConfig `yaml:"tls"`
	// OverrideStubHost dials the configured host with the port the stub
	// advertises, instead of the stub's host (java.rmi.server.hostname).
	OverrideStubHost bool `yaml:"override_stub_host"`
	// Interval between polls and Timeout of one poll; an unset Timeout is
	// min(10s, Interval).
	inputs.Schedule `yaml:",inline"`
	// StartDelay postpones the first poll (jmx_exporter's
	// startDelaySeconds: its scrapes fail until then).
	StartDelay time.Duration `yaml:"start_delay"`
	// KeepSeriesOnTimeout: a poll that runs out of Timeout leaves the
	// last good poll's series in place and up as it was, instead of
	// removing them and setting up to 0; the timeout is counted in
	// rosetta_input_poll_errors_total{reason="timeout"}. This is
	// jmx_exporter's scrapeTimeoutSeconds, whose collector then serves
	// its last good scrape (and counts jmx_scrape_timeout_total); a
	// jmx_exporter_config with scrapeTimeoutSeconds turns it on. Other
	// failures still remove the series.
	KeepSeriesOnTimeout bool `yaml:"keep_series_on_timeout"`
	// Connections is how many calls run in parallel.
	Connections int `yaml:"connections"`
	// IncludeObjectNames and ExcludeObjectNames are ObjectName patterns
	// (queried on the server, as jmx_exporter does).
	IncludeObjectNames []string `yaml:"include_object_names"`
	ExcludeObjectNames []string `yaml:"exclude_object_names"`
	// IncludeObjectNameAttributes and ExcludeObjectNameAttributes map an
	// exact ObjectName to the attributes to read only, or never, for it
	// (jmx_exporter's includeObjectNameAttributes and
	// excludeObjectNameAttributes). Names compare in canonical key order.
	IncludeObjectNameAttributes map[string][]string `yaml:"include_object_name_attributes"`
	ExcludeObjectNameAttributes map[string][]string `yaml:"exclude_object_name_attributes"`
	// LowercaseOutputName and LowercaseOutputLabelNames lowercase the
	// default names and label names.
	LowercaseOutputName       bool `yaml:"lowercase_output_name"`
	LowercaseOutputLabelNames bool `yaml:"lowercase_output_label_names"`
	// MaxReplyBytes bounds one decoded reply.
	MaxReplyBytes int64 `yaml:"max_reply_bytes"`
	// JMXExporterConfig is a whole jmx_exporter config file: its
	// connection and bean-selection keys (hostPort, jmxUrl, username,
	// password, ssl with its key stores, startDelaySeconds,
	// scrapeTimeoutSeconds, include/exclude object names and their old
	// aliases, excludeJvmMetrics, attribute filters, metricCustomizers)
	// fill the fields left unset here, and its rules start the input's
	// rule set (RuleFiles). A relative path is taken from the working
	// directory.
	JMXExporterConfig string `yaml:"jmx_exporter_config"`
	// jmxExporterFile is JMXExporterConfig made absolute, for RuleFiles.
	jmxExporterFile string
	// JMXExporterDropIn says whether this input stands in for
	// jmx_exporter: Rosetta then serves jmx_exporter's own families
	// (jmx_scrape_error, jmx_scrape_duration_seconds,
	// jmx_scrape_cached_beans, jmx_scrape_timeout_total,
	// jmx_config_reload_success_total, jmx_config_reload_failure_total,
	// jmx_exporter_build_info, jmx_http_requests_rejected_total) for it, unlabelled, as jmx_exporter's
	// standalone server does. Unset, an input with a jmx_exporter_config
	// stands in when it is the only such input (DropIn). At most one
	// input may.
	JMXExporterDropIn *bool `yaml:"jmx_exporter_drop_in"`
	// EmitStringValues also emits String and enum attributes as records
	// (marked NoValue), for rules whose `value` template takes the value
	// from the match string (info-style metrics). It is turned on by a
	// jmx_exporter_config with such a rule, or with a `cache: true` rule
	// (jmx_scrape_cached_beans counts them). Any other rule drops them, as
	// jmx_exporter does.
	EmitStringValues bool `yaml:"emit_string_values"`
	// MetricCustomizers are jmx_exporter's metricCustomizers: for beans of
	// a domain (and key properties), the values of some attributes become
	// labels of all the bean's series, and extra constant metrics are
	// added. The first customizer whose filter matches a bean applies.
	MetricCustomizers []MetricCustomizer `yaml:"metric_customizers"`
}

// MetricCustomizer is one of jmx_exporter's metricCustomizers.
type MetricCustomizer struct {
	MBeanFilter        MBeanFilter   `yaml:"mbean_filter"`
	AttributesAsLabels []string      `yaml:"attributes_as_labels"`
	ExtraMetrics       []ExtraMetric `yaml:"extra_metrics"`
}

// MBeanFilter selects beans by domain and, optionally, key properties that
// must all be present with these values.
type MBeanFilter struct {
	Domain     string            `yaml:"domain"`
	Properties map[string]string `yaml:"properties"`
}

// ExtraMetric is read as if the bean had an attribute Name with Value
// (a number, a boolean or a string) described by Description.
type ExtraMetric struct {
	Name        string `yaml:"name"`
	Value       any    `yaml:"value"`
	Description string `yaml:"description"`
}

// validateCustomizers checks what jmx_exporter checks.
func validateCustomizers(cs []MetricCustomizer) error {
	for i, c := range cs {
		if c.MBeanFilter.Domain == "" {
			return fmt.Errorf("metric customizer %d: mbean filter needs a domain", i+1)
		}
		if len(c.AttributesAsLabels) == 0 && len(c.ExtraMetrics) == 0 {
			return fmt.Errorf("metric customizer %d: needs attributes as labels or extra metrics", i+1)
		}
		for j, m := range c.ExtraMetrics {
			if m.Name == "" || m.Value == nil {
				return fmt.Errorf("metric customizer %d: extra metric %d needs a name and a value", i+1, j+1)
			}
		}
	}
	return nil
}

// TLSConfig configures TLS to the registry and the RMI server.
type TLSConfig struct {
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	ServerName         string `yaml:"server_name"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
	// KeyStore holds the client certificate and key, TrustStore the
	// certificates trusted besides the system's (jmx_exporter's
	// ssl.keyStore and ssl.trustStore).
	KeyStore   KeyStore `yaml:"key_store"`
	TrustStore KeyStore `yaml:"trust_store"`
	// Protocols (TLSv1.2, TLSv1.3, ...) and Ciphers (standard suite
	// names) restrict the handshake, as jmx_exporter's ssl.protocols and
	// ssl.ciphers.
	Protocols []string `yaml:"protocols"`
	Ciphers   []string `yaml:"ciphers"`
}

// Secret is a string that never prints.
type Secret = inputs.Secret

// DefaultConfig is the configuration every field starts from.
var DefaultConfig = Config{
	OverrideStubHost: true,
	Schedule:         inputs.DefaultSchedule,
	Connections:      4,
	MaxReplyBytes:    javaser.DefaultLimits.MaxBytes,
}

// DecodeConfig decodes node strictly (unknown keys are errors) over the
// defaults. A nil node decodes as an empty block: the defaults.
func DecodeConfig(node *yaml.Node) (*Config, error) {
	cfg := DefaultConfig
	if err := strictyaml.Decode(node, &cfg, "jmx input"); err != nil {
		return nil, err
	}
	var errs []error
	if t := inputs.DefaultTimeout(node, &cfg.Timeout, cfg.Interval); t != nil && cfg.Interval > 0 && cfg.Timeout > cfg.Interval {
		// Checked here, where the timeout is known to be explicit (a
		// Config built in code may poll with a longer one).
		errs = append(errs, errpos.At(t, "jmx input: timeout %q must not exceed interval %q", cfg.Timeout, cfg.Interval))
	}
	if cfg.JMXExporterConfig != "" {
		set := map[string]bool{}
		if n := resolveAlias(node); n != nil && n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				set[n.Content[i].Value] = true
			}
		}
		if err := cfg.loadJMXExporter(cfg.JMXExporterConfig, set); err != nil {
			errs = append(errs, fmt.Errorf("jmx_exporter_config: %w", errpos.InFile(errpos.FromYAML(err), cfg.JMXExporterConfig)))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &cfg, nil
}

// RuleFiles implements inputs.RuleFiles: a jmx_exporter_config is the
// whole jmx_exporter file, its rules included.
func (c *Config) RuleFiles() []inputs.RuleFile {
	if c.jmxExporterFile == "" {
		return nil
	}
	return []inputs.RuleFile{{File: c.jmxExporterFile, Format: "jmx_exporter"}}
}

// JMXExporterFile is the jmx_exporter_config file, absolute, or "".
func (c *Config) JMXExporterFile() string { return c.jmxExporterFile }

// DropIn tells whether the input asks to stand in for jmx_exporter
// (jmx_exporter_drop_in: true), refuses to (false), or, unset, would by
// default (set false, on: it reads a jmx_exporter_config): among several
// inputs, cmd/rosetta gives the default to the only one that would take it.
func (c *Config) DropIn() (set, on bool) {
	if c.JMXExporterDropIn != nil {
		return true, *c.JMXExporterDropIn
	}
	return false, c.jmxExporterFile != ""
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// Target is where a config points: registry host, port and bound name.
type Target struct {
	Host string
	Port int
	Name string
}

func (t Target) String() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// Target parses HostPort or JMXURL.
func (c *Config) Target() (Target, error) {
	if c.JolokiaURL != "" {
		u, err := url.Parse(c.JolokiaURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Target{}, fmt.Errorf("jolokia_url %q: want http(s)://HOST:PORT/PATH", inputs.RedactURL(c.JolokiaURL))
		}
		port := 80
		if u.Scheme == "https" {
			port = 443
		}
		if p := u.Port(); p != "" {
			port, _ = strconv.Atoi(p)
		}
		return Target{Host: u.Hostname(), Port: port}, nil
	}
	if c.HostPort != "" {
		host, port, err := splitHostPort(c.HostPort)
		if err != nil {
			return Target{}, fmt.Errorf("host_port %q: %w", c.HostPort, err)
		}
		return Target{Host: host, Port: port, Name: "jmxrmi"}, nil
	}
	const marker = "/jndi/rmi://"
	if !strings.HasPrefix(c.JMXURL, "service:jmx:rmi:") {
		return Target{}, fmt.Errorf("jmx_url %q: only service:jmx:rmi: URLs are supported", c.JMXURL)
	}
	i := strings.Index(c.JMXURL, marker)
	if i < 0 {
		return Target{}, fmt.Errorf("jmx_url %q: want service:jmx:rmi:///jndi/rmi://HOST:PORT/NAME", c.JMXURL)
	}
	rest := c.JMXURL[i+len(marker):]
	hp, name, ok := strings.Cut(rest, "/")
	if !ok || name == "" {
		return Target{}, fmt.Errorf("jmx_url %q: no registry name after host:port", c.JMXURL)
	}
	host, port, err := splitHostPort(hp)
	if err != nil {
		return Target{}, fmt.Errorf("jmx_url %q: %w", c.JMXURL, err)
	}
	return Target{Host: host, Port: port, Name: name}, nil
}

func splitHostPort(hp string) (string, int, error) {
	host, ps, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", ps)
	}
	if host == "" {
		host = "localhost"
	}
	return host, port, nil
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if err := validateCustomizers(c.MetricCustomizers); err != nil {
		errs = append(errs, fmt.Errorf("metric_customizers: %w", err))
	}
	set := 0
	for _, v := range []string{c.HostPort, c.JMXURL, c.JolokiaURL} {
		if v != "" {
			set++
		}
	}
	switch {
	case set == 0:
		errs = append(errs, errors.New("one of host_port, jmx_url and jolokia_url is required"))
	case set > 1:
		errs = append(errs, fmt.Errorf("host_port %q, jmx_url %q and jolokia_url %q are mutually exclusive", c.HostPort, c.JMXURL, inputs.RedactURL(c.JolokiaURL)))
	default:
		if _, err := c.Target(); err != nil {
			errs = append(errs, err)
		}
	}
	n := 0
	for _, set := range []bool{c.Password != "", c.PasswordEnv != "", c.PasswordFile != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		errs = append(errs, errors.New("password, password_env and password_file are mutually exclusive"))
	}
	if n > 0 && c.Username == "" {
		errs = append(errs, errors.New("a password needs a username"))
	}
	if c.Interval <= 0 {
		errs = append(errs, fmt.Errorf("interval %q must be positive", c.Interval))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout %q must be positive", c.Timeout))
	}
	if c.Connections < 1 || c.Connections > 64 {
		errs = append(errs, fmt.Errorf("connections %d must be between 1 and 64", c.Connections))
	}
	if _, err := newAttributeFilter(c.IncludeObjectNameAttributes, c.ExcludeObjectNameAttributes); err != nil {
		errs = append(errs, fmt.Errorf("include/exclude_object_name_attributes: %w", err))
	}
	if c.MaxReplyBytes < 1<<10 {
		errs = append(errs, fmt.Errorf("max_reply_bytes %d must be at least 1024", c.MaxReplyBytes))
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		errs = append(errs, errors.New("tls cert_file and key_file must be set together"))
	}
	if c.TLS.CertFile != "" && c.TLS.KeyStore.File != "" {
		errs = append(errs, errors.New("tls cert_file and key_store are mutually exclusive"))
	}
	if c.StartDelay < 0 {
		errs = append(errs, fmt.Errorf("start_delay %q must not be negative", c.StartDelay))
	}
	// Key stores, protocols and ciphers are checked by loading them.
	if _, err := c.TLS.build(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// password resolves the password from its source.
func (c *Config) password() (string, error) {
	switch {
	case c.PasswordEnv != "":
		v, ok := os.LookupEnv(c.PasswordEnv)
		if !ok {
			return "", fmt.Errorf("password_env: environment variable %q is not set", c.PasswordEnv)
		}
		return v, nil
	case c.PasswordFile != "":
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("password_file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return string(c.Password), nil
}

func (t *TLSConfig) build() (*tls.Config, error) {
	cfg := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // the user's choice
	var pool *x509.CertPool
	if t.TrustStore.File != "" {
		// jmx_exporter trusts the system's certificates and the trust
		// store's.
		certs, err := t.TrustStore.certificates()
		if err != nil {
			return nil, fmt.Errorf("tls trust_store: %w", err)
		}
		if pool, err = x509.SystemCertPool(); err != nil {
			pool = x509.NewCertPool()
		}
		for _, c := range certs {
			pool.AddCert(c)
		}
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls ca_file: %w", err)
		}
		if pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls ca_file %q: no PEM certificates", t.CAFile)
		}
	}
	cfg.RootCAs = pool
	if t.KeyStore.File != "" {
		cert, err := t.KeyStore.certificate()
		if err != nil {
			return nil, fmt.Errorf("tls key_store: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if err := applyProtocols(cfg, t.Protocols); err != nil {
		return nil, err
	}
	if err := applyCiphers(cfg, t.Ciphers); err != nil {
		return nil, err
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls cert_file/key_file: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// attributeFilter is the compiled include/exclude attribute maps, keyed by
// canonical ObjectName.
type attributeFilter struct {
	include, exclude map[string]map[string]bool
}

func newAttributeFilter(inc, exc map[string][]string) (*attributeFilter, error) {
	if len(inc) == 0 && len(exc) == 0 {
		return nil, nil
	}
	f := &attributeFilter{include: map[string]map[string]bool{}, exclude: map[string]map[string]bool{}}
	for _, m := range []struct {
		src map[string][]string
		dst map[string]map[string]bool
	}{{inc, f.include}, {exc, f.exclude}} {
		for name, attrs := range m.src {
			cn, err := canonicalName(name)
			if err != nil {
				return nil, err
			}
			set := m.dst[cn]
			if set == nil {
				set = map[string]bool{}
				m.dst[cn] = set
			}
			for _, a := range attrs {
				set[a] = true
			}
		}
	}
	return f, nil
}

// keep reports whether attribute attr of the bean (canonical name cn) is
// read.
func (f *attributeFilter) keep(cn, attr string) bool {
	if f == nil {
		return true
	}
	if f.exclude[cn][attr] {
		return false
	}
	// jmx_exporter: once any include is given, only the attributes named
	// there are read, of every bean.
	return len(f.include) == 0 || f.include[cn][attr]
}

// canonicalName is the ObjectName with its key properties sorted, as
// ObjectName.getCanonicalName gives it (for names without patterns).
func canonicalName(s string) (string, error) {
	b, err := mbean.ParseBeanName(s)
	if err != nil {
		return "", err
	}
	props := slices.Clone(b.Props)
	sort.Slice(props, func(i, j int) bool { return props[i].Key < props[j].Key })
	out := append([]byte(b.Domain), ':')
	return string(appendProps(out, props, ",")), nil
}
