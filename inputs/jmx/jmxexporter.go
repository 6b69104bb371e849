package jmx

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/internal/errpos"
)

// jmx_exporter's connection keys: a jmx_exporter config named by
// jmx_exporter_config fills what the input's own keys leave unset
// (loadJMXExporter, called by Validate). Its rules are translated by
// mappings (mappings/jmxexporter.go), like any mapping file.

// jvmDomains are what jmx_exporter's excludeJvmMetrics removes.
var jvmDomains = []string{"com.sun.management", "java.lang", "java.nio", "java.util.logging", "javax.management",
	"javax.management.remote", "jdk.internal", "jdk.management", "jdk.management.jfr", "sun.management"}

// jmxExporterFile is the part of a jmx_exporter config the input reads.
// Other keys (rules and the exporter's own settings) are accepted.
type jmxExporterFile struct {
	StartDelaySeconds    *int                `yaml:"startDelaySeconds"`
	ScrapeTimeoutSeconds *int                `yaml:"scrapeTimeoutSeconds"`
	HostPort             string              `yaml:"hostPort"`
	JMXURL               string              `yaml:"jmxUrl"`
	Username             string              `yaml:"username"`
	Password             string              `yaml:"password"`
	SSL                  yaml.Node           `yaml:"ssl"`
	IncludeObjectNames   []string            `yaml:"includeObjectNames"`
	WhitelistObjectNames []string            `yaml:"whitelistObjectNames"`
	ExcludeObjectNames   []string            `yaml:"excludeObjectNames"`
	BlacklistObjectNames []string            `yaml:"blacklistObjectNames"`
	ExcludeJvmMetrics    bool                `yaml:"excludeJvmMetrics"`
	IncludeAttributes    map[string][]string `yaml:"includeObjectNameAttributes"`
	ExcludeAttributes    map[string][]string `yaml:"excludeObjectNameAttributes"`
	LowercaseOutputName  bool                `yaml:"lowercaseOutputName"`
	LowercaseLabelNames  bool                `yaml:"lowercaseOutputLabelNames"`
	MetricCustomizers    []struct {
		MBeanFilter struct {
			Domain     string            `yaml:"domain"`
			Properties map[string]string `yaml:"properties"`
		} `yaml:"mbeanFilter"`
		AttributesAsLabels []string `yaml:"attributesAsLabels"`
		ExtraMetrics       []struct {
			Name        string `yaml:"name"`
			Value       any    `yaml:"value"`
			Description string `yaml:"description"`
		} `yaml:"extraMetrics"`
	} `yaml:"metricCustomizers"`
	Rules []struct {
		Value string    `yaml:"value"`
		Cache yaml.Node `yaml:"cache"`
	} `yaml:"rules"`
}

// resolveEnv is jmx_exporter's VariableResolver: a value that is, once
// trimmed, exactly ${NAME} is the environment variable NAME, trimmed; it
// must be set and not blank. Anything else is taken literally.
func resolveEnv(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "${}" || !strings.HasPrefix(t, "${") || !strings.HasSuffix(t, "}") {
		return s, nil
	}
	name := strings.TrimSpace(t[2 : len(t)-1])
	if name == "" {
		return "", fmt.Errorf("invalid environment variable name %q", t)
	}
	v, ok := os.LookupEnv(name)
	if !ok {
		return "", fmt.Errorf("environment variable %q not defined", t)
	}
	if v = strings.TrimSpace(v); v == "" {
		return "", fmt.Errorf("environment variable %q is empty", t)
	}
	return v, nil
}

// jmxExporterSSL is jmx_exporter's ssl map.
type jmxExporterSSL struct {
	Enabled    bool                 `yaml:"enabled"`
	KeyStore   *jmxExporterKeyStore `yaml:"keyStore"`
	TrustStore *jmxExporterKeyStore `yaml:"trustStore"`
	Protocols  yaml.Node            `yaml:"protocols"`
	Ciphers    yaml.Node            `yaml:"ciphers"`
}

type jmxExporterKeyStore struct {
	Filename string `yaml:"filename"`
	Type     string `yaml:"type"`
	Password string `yaml:"password"`
}

func (k *jmxExporterKeyStore) keyStore() KeyStore {
	if k == nil {
		return KeyStore{}
	}
	return KeyStore{File: k.Filename, Type: k.Type, Password: Secret(k.Password)}
}

// javaList reads jmx_exporter's protocols and ciphers: a list, or one
// comma-separated string; items trimmed.
func javaList(n yaml.Node, key string) ([]string, error) {
	var out []string
	switch n.Kind {
	case 0:
		return nil, nil
	case yaml.ScalarNode:
		for _, p := range strings.Split(n.Value, ",") {
			out = append(out, strings.TrimSpace(p))
		}
	case yaml.SequenceNode:
		for _, it := range n.Content {
			out = append(out, strings.TrimSpace(it.Value))
		}
	default:
		return nil, fmt.Errorf("%d:%d: ssl %s: expected a list or a string", n.Line, n.Column, key)
	}
	return out, nil
}

// loadJMXExporter reads a jmx_exporter config into the fields the input's
// own config (whose keys are set) leaves unset.
func (c *Config) loadJMXExporter(file string, set map[string]bool) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if c.jmxExporterFile, err = filepath.Abs(file); err != nil {
		return err
	}
	var f jmxExporterFile
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return err
	}
	lastKeys(&doc, map[*yaml.Node]bool{})
	sexagesimal(&doc)
	if err := doc.Decode(&f); err != nil {
		return err
	}
	if f.HostPort != "" && f.JMXURL != "" {
		return errors.New("at most one of hostPort and jmxUrl must be provided")
	}
	if c.HostPort == "" && c.JMXURL == "" && c.JolokiaURL == "" {
		c.HostPort, c.JMXURL = f.HostPort, f.JMXURL
	}
	if c.Username == "" && f.Username != "" {
		if c.Username, err = resolveEnv(f.Username); err != nil {
			return fmt.Errorf("username: %w", err)
		}
		if c.Password == "" && c.PasswordEnv == "" && c.PasswordFile == "" {
			pw, err := resolveEnv(f.Password)
			if err != nil {
				return fmt.Errorf("password: %w", err)
			}
			c.Password = Secret(pw)
		}
	}
	if d := f.StartDelaySeconds; d != nil && !set["start_delay"] {
		if *d < 0 {
			return errors.New("startDelaySeconds must be non-negative")
		}
		c.StartDelay = time.Duration(*d) * time.Second
	}
	if t := f.ScrapeTimeoutSeconds; t != nil {
		if *t < 1 {
			return errors.New("scrapeTimeoutSeconds must be at least 1")
		}
		if !set["timeout"] {
			c.Timeout = time.Duration(*t) * time.Second
		}
		if !set["keep_series_on_timeout"] {
			// jmx_exporter serves its last good scrape on a timeout
			c.KeepSeriesOnTimeout = true
		}
	}
	switch f.SSL.Kind {
	case 0:
	case yaml.ScalarNode:
		var on bool
		if err := f.SSL.Decode(&on); err != nil {
			return errpos.At(&f.SSL, "ssl: %w", errpos.FromYAML(err))
		}
		if on && !strings.EqualFold(os.Getenv("RMI_REGISTRY_SSL_DISABLED"), "true") {
			c.RegistrySSL = true
		}
	default:
		var m jmxExporterSSL
		if err := f.SSL.Decode(&m); err != nil {
			return errpos.At(&f.SSL, "ssl: %w", errpos.FromYAML(err))
		}
		if m.Enabled && !strings.EqualFold(os.Getenv("RMI_REGISTRY_SSL_DISABLED"), "true") {
			c.RegistrySSL = true
		}
		if c.TLS.KeyStore.File == "" && c.TLS.CertFile == "" {
			c.TLS.KeyStore = m.KeyStore.keyStore()
		}
		if c.TLS.TrustStore.File == "" {
			c.TLS.TrustStore = m.TrustStore.keyStore()
		}
		if c.TLS.Protocols == nil {
			if c.TLS.Protocols, err = javaList(m.Protocols, "protocols"); err != nil {
				return err
			}
		}
		if c.TLS.Ciphers == nil {
			if c.TLS.Ciphers, err = javaList(m.Ciphers, "ciphers"); err != nil {
				return err
			}
		}
	}
	if len(c.IncludeObjectNames) == 0 {
		c.IncludeObjectNames = append(append(c.IncludeObjectNames, f.IncludeObjectNames...), f.WhitelistObjectNames...)
	}
	if len(c.ExcludeObjectNames) == 0 {
		c.ExcludeObjectNames = append(append(c.ExcludeObjectNames, f.ExcludeObjectNames...), f.BlacklistObjectNames...)
		if f.ExcludeJvmMetrics {
			for _, d := range jvmDomains {
				explicit := false
				for _, in := range c.IncludeObjectNames {
					explicit = explicit || strings.HasPrefix(in, d+":")
				}
				if !explicit {
					c.ExcludeObjectNames = append(c.ExcludeObjectNames, d+":*")
				}
			}
		}
	}
	if c.IncludeObjectNameAttributes == nil {
		c.IncludeObjectNameAttributes = f.IncludeAttributes
	}
	if c.ExcludeObjectNameAttributes == nil {
		c.ExcludeObjectNameAttributes = f.ExcludeAttributes
	}
	for _, r := range f.Rules {
		// A rule with `cache: true` makes jmx_exporter count String and
		// enum attributes too in jmx_scrape_cached_beans (those no rule
		// matches, and those a cache rule maps): Rosetta must read them
		// to count them (they are dropped all the same).
		if r.Value != "" || javaTrue(&r.Cache) {
			c.EmitStringValues = true
		}
	}
	if c.MetricCustomizers == nil {
		for _, mc := range f.MetricCustomizers {
			x := MetricCustomizer{
				MBeanFilter:        MBeanFilter{Domain: mc.MBeanFilter.Domain, Properties: mc.MBeanFilter.Properties},
				AttributesAsLabels: mc.AttributesAsLabels,
			}
			for _, em := range mc.ExtraMetrics {
				x.ExtraMetrics = append(x.ExtraMetrics, ExtraMetric{Name: em.Name, Value: em.Value, Description: em.Description})
			}
			c.MetricCustomizers = append(c.MetricCustomizers, x)
		}
		if err := validateCustomizers(c.MetricCustomizers); err != nil {
			return fmt.Errorf("metricCustomizers: %w", err)
		}
	}
	c.LowercaseOutputName = c.LowercaseOutputName || f.LowercaseOutputName
	c.LowercaseOutputLabelNames = c.LowercaseOutputLabelNames || f.LowercaseLabelNames
	return nil
}

// lastKeys keeps, of a key given twice in a mapping, the last value, as
// SnakeYAML (jmx_exporter's YAML library) does; yaml.v3 refuses it.
func lastKeys(n *yaml.Node, seen map[*yaml.Node]bool) {
	if n == nil || seen[n] {
		return
	}
	seen[n] = true
	if n.Kind == yaml.MappingNode {
		last := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode && !(k.Value == "<<" && k.ShortTag() == "!!merge") {
				last[k.Value] = i
			}
		}
		out := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if j, ok := last[k.Value]; ok && k.Kind == yaml.ScalarNode && j != i {
				continue
			}
			out = append(out, n.Content[i], n.Content[i+1])
		}
		n.Content = out
	}
	for _, c := range n.Content {
		lastKeys(c, seen)
	}
	lastKeys(n.Alias, seen)
}

// base60 is a YAML 1.1 integer in base 60 ("1:30" is 90), which SnakeYAML
// reads and yaml.v3 does not.
var base60 = regexp.MustCompile(`^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$`)

// sexagesimal rewrites startDelaySeconds and scrapeTimeoutSeconds written
// in base 60 to decimal, as jmx_exporter (SnakeYAML) reads them.
func sexagesimal(doc *yaml.Node) {
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i].Value, root.Content[i+1]
		if (k != "startDelaySeconds" && k != "scrapeTimeoutSeconds") || v.Kind != yaml.ScalarNode || v.Style != 0 || !base60.MatchString(v.Value) {
			continue
		}
		s := strings.ReplaceAll(v.Value, "_", "")
		neg := strings.HasPrefix(s, "-")
		n := int64(0)
		for _, d := range strings.Split(strings.TrimLeft(s, "+-"), ":") {
			x, _ := strconv.ParseInt(d, 10, 64)
			if n = n*60 + x; n > math.MaxInt32 {
				break // too large either way: refused as jmx_exporter refuses it
			}
		}
		if neg {
			n = -n
		}
		c := *v
		c.Value, c.Tag = strconv.FormatInt(n, 10), "!!int"
		root.Content[i+1] = &c
	}
}

// javaTrue reports whether n is a YAML scalar SnakeYAML reads as the
// Boolean true (YAML 1.1: true, yes or on, in its three cases).
func javaTrue(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode || n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
		return false
	}
	switch n.Value {
	case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON":
		return true
	}
	return false
}
