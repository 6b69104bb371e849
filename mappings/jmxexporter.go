package mappings

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// FormatJMXExporter is jmx_exporter's config file: its rules become
// regex rules over the JMX input's bean strings, its connection keys are
// accepted (the JMX input reads them).
const FormatJMXExporter = "jmx_exporter"

// jmxExporterKeys are the top-level keys current jmx_exporter reads
// (JmxCollector.loadConfig and ObjectNameAttributeFilter), and those of
// its standalone exporter's own server (httpServer, openTelemetry), which
// Rosetta accepts and does not use.
var jmxExporterKeys = map[string]bool{
	"startDelaySeconds": true, "scrapeTimeoutSeconds": true, "hostPort": true, "jmxUrl": true,
	"username": true, "password": true, "ssl": true,
	"lowercaseOutputName": true, "lowercaseOutputLabelNames": true, "inferCounterTypeFromName": true,
	"includeObjectNames": true, "whitelistObjectNames": true, "excludeObjectNames": true, "blacklistObjectNames": true,
	"excludeJvmMetrics": true, "includeObjectNameAttributes": true, "excludeObjectNameAttributes": true,
	"autoExcludeObjectNameAttributes": true, "metricCustomizers": true, "rules": true,
	"httpServer": true, "openTelemetry": true,
}

// detectJMXExporter: at least one key only jmx_exporter reads (every one
// but `rules`), or rules with `pattern`; and no key of another format.
// Keys nobody reads are allowed: jmx_exporter ignores them (hazelcast.yml
// of its examples has a top-level attrNameSnakeCase).
func detectJMXExporter(root *yaml.Node) bool {
	if root == nil || root.Kind != yaml.MappingNode {
		return false
	}
	specific := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i].Value
		switch {
		case k == "rules":
			if rs := resolve(root.Content[i+1]); rs != nil && rs.Kind == yaml.SequenceNode {
				for _, r := range rs.Content {
					if hasKey(resolve(r), "pattern") {
						specific = true
					}
				}
			}
		case jmxExporterKeys[k]:
			specific = true
		case k == "mappings" || slices.Contains(rosettaFileKeys, k):
			return false
		}
	}
	return specific
}

// TranslateJMXExporter reads a jmx_exporter config unchanged and returns
// its rules: pattern (Java regex semantics, implicitly unanchored:
// ^.*(?:PATTERN).*$), name, value, valueFactor, labels (in sorted key
// order; names may be templates), help, type, attrNameSnakeCase, cache;
// lowercaseOutputName, lowercaseOutputLabelNames and
// inferCounterTypeFromName; names escaped with jmx_exporter's safeName.
// With rules, what no rule matches is dropped; without, everything is
// kept under its default name, as in jmx_exporter. The keys that concern
// the connection and bean selection are checked here and read by the JMX
// input (jmx_exporter_config). Keys jmx_exporter does not read are
// accepted, as it accepts them (see JMXExporterWarnings).
func TranslateJMXExporter(file string, data []byte) (*normalize.RuleSetConfig, error) {
	cfg, _, err := translateJMXExporter(file, data)
	return cfg, err
}

// JMXExporterWarnings lists what a jmx_exporter config has that
// jmx_exporter itself ignores, or reads in a way the file's author may not
// expect, each as "file:line:col: message".
func JMXExporterWarnings(file string, data []byte) []string {
	_, w, _ := translateJMXExporter(file, data)
	return w
}

func translateJMXExporter(file string, data []byte) (*normalize.RuleSetConfig, []string, error) {
	root, err := parseYAML(file, data)
	if err != nil {
		return nil, nil, err
	}
	if err := singleDocument(file, data); err != nil {
		return nil, nil, err
	}
	d := &decoder{file: file, java: true}
	var warns []string
	warn := func(n *yaml.Node, format string, args ...any) {
		warns = append(warns, fmt.Sprintf("%s: %s", d.pos(n), fmt.Sprintf(format, args...)))
	}
	cfg := &normalize.RuleSetConfig{Escape: normalize.EscapeJMXName, Unmatched: normalize.UnmatchedKeep, DuplicateLabel: "_objectname", ClientJavaNames: true}
	hasRules := false
	var hostPort, jmxURL *yaml.Node
	d.fields(root, "jmx_exporter config", func(k string, kn, v *yaml.Node) bool {
		switch k {
		case "lowercaseOutputName":
			cfg.LowercaseOutputName = d.boolean(v, k)
		case "lowercaseOutputLabelNames":
			cfg.LowercaseOutputLabelNames = d.boolean(v, k)
		case "inferCounterTypeFromName":
			cfg.InferCounterTypeFromName = d.boolean(v, k)
		case "rules":
			d.javaNotNull(v, k)
			items := d.list(v, k)
			hasRules = true
			cfg.Rules = nil // a key given twice: SnakeYAML keeps the last
			for i, item := range items {
				if !d.javaNotNull(item, fmt.Sprintf("rule %d", i+1)) {
					continue
				}
				if r, ok := d.jmxRule(item, i+1, warn); ok {
					cfg.Rules = append(cfg.Rules, r)
				}
			}
			d.ruleIndex, d.ruleMatch = 0, ""
		case "startDelaySeconds":
			if n := d.javaInt(v, k); n < 0 {
				d.errf(v, "%s: must not be negative", k)
			}
		case "scrapeTimeoutSeconds":
			if n := d.javaInt(v, k); n < 1 {
				d.errf(v, "%s: must be at least 1", k)
			}
		case "hostPort":
			hostPort = v
			_ = d.str(v, k)
		case "jmxUrl":
			jmxURL = v
			_ = d.javaStr(v, k)
		case "username", "password":
			_ = d.javaStr(v, k)
		case "excludeJvmMetrics":
			if !isNull(v) { // jmx_exporter takes null as false
				_ = d.boolean(v, k)
			}
		case "autoExcludeObjectNameAttributes":
			_ = d.boolean(v, k)
		case "includeObjectNames", "whitelistObjectNames", "excludeObjectNames", "blacklistObjectNames":
			d.javaNotNull(v, k)
			for _, item := range d.list(v, k) {
				_ = d.javaStr(item, k)
			}
		case "ssl", "includeObjectNameAttributes", "excludeObjectNameAttributes", "metricCustomizers":
			// Read and checked by the JMX input (jmx_exporter_config): they
			// change what it reads and how it connects, not the rules.
		case "httpServer", "openTelemetry":
			warn(kn, "%s: jmx_exporter's own HTTP server and OpenTelemetry settings are not used by Rosetta (configure its web server and outputs instead)", k)
		default:
			warn(kn, "unknown key %q: jmx_exporter ignores it, and so does Rosetta", k)
		}
		return true
	})
	if hostPort != nil && jmxURL != nil {
		d.errf(jmxURL, "at most one of hostPort and jmxUrl must be provided")
	}
	if hasRules {
		cfg.Unmatched = normalize.UnmatchedDrop
	}
	return cfg, warns, d.err()
}

// javaInt reads what jmx_exporter casts to Integer: a YAML 1.1 integer
// (010 is 8, 1:30 is 90) that fits 32 bits.
func (d *decoder) javaInt(n *yaml.Node, key string) int64 {
	s, ok := d.scalar(n, key)
	if !ok {
		return 0
	}
	kind, text, bits := javaScalar(n)
	i, err := strconv.ParseInt(text, 10, 32)
	if kind != javaInteger || bits != 32 || err != nil {
		d.errf(n, "%s: invalid number %q (want an integer)", key, s)
		return 0
	}
	return i
}

// javaNotNull reports n, the value of what, if it is null: jmx_exporter
// fails on a null list, rule or labels. It returns whether n is not null.
func (d *decoder) javaNotNull(n *yaml.Node, what string) bool {
	if isNull(n) {
		d.errf(n, "%s: null (jmx_exporter fails on it)", what)
		return false
	}
	return true
}

// javaStr reads what jmx_exporter casts to String: a YAML string, or
// null ("").
func (d *decoder) javaStr(n *yaml.Node, key string) string {
	s, ok := d.scalar(n, key)
	if !ok {
		return ""
	}
	switch kind, _, _ := javaScalar(n); kind {
	case javaString:
		return s
	case javaNull:
		return ""
	}
	d.errf(n, "%s: %q is not a string (jmx_exporter fails on it; quote it)", key, s)
	return ""
}

// javaValueOf reads what jmx_exporter takes String.valueOf of: any
// scalar, as Java prints the object SnakeYAML makes of it (010 is "8",
// 1.50 is "1.5", null is "null").
func (d *decoder) javaValueOf(n *yaml.Node, key string) string {
	if _, ok := d.scalar(n, key); !ok {
		return ""
	}
	_, text, _ := javaScalar(n)
	return text
}

// javaFactor reads valueFactor as jmx_exporter does:
// Double.valueOf(String.valueOf(value)), so a YAML 1.1 integer or float
// (.inf and .nan too), or a string Java reads as a double (" 2 ", "2d",
// "Infinity").
func (d *decoder) javaFactor(n *yaml.Node, key string) float64 {
	s, ok := d.scalar(n, key)
	if !ok {
		return 0
	}
	kind, text, _ := javaScalar(n)
	switch kind {
	case javaInteger, javaDouble, javaString:
		if f, ok := javaParseDouble(text); ok {
			return f
		}
	}
	d.errf(n, "%s: invalid number %q", key, s)
	return 0
}

// singleDocument refuses a file of more than one YAML document, as
// SnakeYAML's load does.
func singleDocument(file string, data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first, second yaml.Node
	if dec.Decode(&first) != nil {
		return nil // no document, or an error parseYAML reports
	}
	if err := dec.Decode(&second); err == nil {
		return fmt.Errorf("%s:%d: a second YAML document (jmx_exporter reads a single one)", file, second.Line)
	}
	return nil
}

func (d *decoder) jmxRule(n *yaml.Node, index int, warn func(*yaml.Node, string, ...any)) (normalize.RuleConfig, bool) {
	r := normalize.RuleConfig{Pos: d.pos(n), Index: index, MatchType: normalize.MatchRegex, JavaRegex: true, JMXExporterValues: true, JMXLabels: true}
	d.startRule(n, index, "pattern")
	var (
		pattern            string
		patternNode        *yaml.Node
		hasPattern, hasLbl bool
		nameNode, helpNode *yaml.Node
		ok                 = true
	)
	groups := 0
	d.fields(n, "rule", func(k string, kn, v *yaml.Node) bool {
		switch k {
		case "pattern":
			pattern, patternNode, hasPattern = d.javaValueOf(v, k), v, true
		case "name":
			if isNull(v) {
				r.Name, nameNode = "", nil
				break // as if absent
			}
			r.Name, nameNode = d.javaStr(v, k), v
			if r.Name == "" {
				// jmx_exporter stops at a rule whose name is empty: the
				// attribute is not exported.
				r.Action = normalize.ActionDrop
			}
		case "value":
			r.Value = d.javaValueOf(v, k)
		case "valueFactor":
			f := d.javaFactor(v, k)
			r.Scale = &f
		case "help":
			if isNull(v) {
				r.Help, helpNode = "", nil
				break // as if absent
			}
			r.Help, helpNode = d.javaStr(v, k), v
		case "type":
			// jmx_exporter compares exactly: anything but GAUGE and
			// COUNTER is UNKNOWN (untyped), "gauge" included.
			switch s := d.javaStr(v, k); s {
			case "GAUGE":
				r.Type, r.TypeSet = normalize.TypeGauge, true
			case "COUNTER":
				r.Type, r.TypeSet = normalize.TypeCounter, true
			case "UNTYPED", "UNKNOWN":
				r.Type, r.TypeSet = normalize.TypeUntyped, true
			default:
				r.Type, r.TypeSet = normalize.TypeUntyped, true
				warn(v, "rule %d: type %q: jmx_exporter knows GAUGE, COUNTER and UNTYPED (exactly so); it exports this rule's series as untyped, and so does Rosetta", index, s)
			}
		case "labels":
			hasLbl = true
			d.javaNotNull(v, k)
			r.Labels = nil // a key given twice: SnakeYAML keeps the last
			var keys []string
			nodes := map[string][2]*yaml.Node{}
			d.fields(v, "labels", func(lk string, lkn, lv *yaml.Node) bool {
				if kind, _, _ := javaScalar(lkn); kind != javaString {
					d.errf(lkn, "labels: key %q is not a string (jmx_exporter fails on it; quote it)", lk)
				}
				if _, dup := nodes[lk]; !dup {
					keys = append(keys, lk)
				}
				nodes[lk] = [2]*yaml.Node{lkn, lv}
				return true
			})
			sort.Strings(keys) // jmx_exporter iterates a TreeMap
			for _, lk := range keys {
				r.Labels = append(r.Labels, normalize.LabelConfig{Name: lk, Value: d.javaStr(nodes[lk][1], lk), Pos: d.pos(nodes[lk][0])})
			}
		case "attrNameSnakeCase":
			r.AttrNameSnakeCase = d.boolean(v, k)
		case "cache":
			r.CacheMatch = d.boolean(v, k)
		default:
			warn(kn, "rule %d: unknown key %q: jmx_exporter ignores it, and so does Rosetta", index, k)
		}
		return true
	})
	if hasPattern {
		// jmx_exporter compiles exactly this with java.util.regex.
		r.Match = "^.*(?:" + pattern + ").*$"
		var err error
		if groups, err = normalize.JavaRegexGroups(r.Match); err != nil {
			d.errf(patternNode, "pattern: %v", javaRegexError(err, pattern))
			ok = false
		}
	} else {
		r.Match = "^.*$"
	}
	switch {
	case nameNode == nil && (helpNode != nil || hasLbl):
		d.errf(n, "help and labels need a name")
		ok = false
	case nameNode != nil && !hasPattern:
		d.errf(nameNode, "name needs a pattern")
		ok = false
	}
	var err error
	if r.Name, err = javaTemplate(r.Name, groups, true); err != nil {
		d.errf(nameNode, "name: %v", err)
		ok = false
	}
	if r.Value, err = javaTemplate(r.Value, groups, false); err != nil {
		d.errf(n, "value: %v", err)
		ok = false
	}
	if r.Help, err = javaTemplate(r.Help, groups, false); err != nil {
		d.errf(helpNode, "help: %v", err)
		ok = false
	}
	r.HelpTemplate = true
	for i := range r.Labels {
		l := &r.Labels[i]
		if l.Name, err = javaTemplate(l.Name, groups, true); err == nil {
			l.Value, err = javaTemplate(l.Value, groups, false)
		}
		if err != nil {
			d.errf(n, "labels: %v", err)
			ok = false
		}
	}
	if ok && hasPattern {
		warnStale(r, patternNode, index, warn)
	}
	return r, ok
}

// warnStale warns when a rule's templates use a group whose value
// java.util.regex may keep from a failed attempt (a group inside a
// lookaround, an atomic group or a possessive or fixed-length repeated
// group, normalize.JavaRegexStaleGroups): there jmx_exporter's series
// may differ from Rosetta's.
func warnStale(r normalize.RuleConfig, patternNode *yaml.Node, index int, warn func(*yaml.Node, string, ...any)) {
	stale, names, err := normalize.JavaRegexStaleGroups(r.Match)
	if err != nil || len(stale) == 0 {
		return
	}
	isStale := map[string]bool{}
	for _, g := range stale {
		isStale[strconv.Itoa(g)] = true
		if names[g] != "" {
			isStale[names[g]] = true
		}
	}
	tmpls := []string{r.Name, r.Value, r.Help}
	for _, l := range r.Labels {
		tmpls = append(tmpls, l.Name, l.Value)
	}
	var used []string
	for _, t := range tmpls {
		for _, g := range templateGroups(t) {
			if isStale[g] && !slices.Contains(used, g) {
				used = append(used, g)
			}
		}
	}
	if len(used) > 0 {
		slices.Sort(used)
		for i, g := range used {
			if g[0] >= '0' && g[0] <= '9' {
				used[i] = "$" + g
			} else {
				used[i] = "${" + g + "}"
			}
		}
		warn(patternNode, "rule %d: %s: a group inside a lookaround, an atomic group or a repeated fixed-length group; java.util.regex keeps such a group's value from an attempt that failed (((a))*a on \"a\" gives group 2 \"a\"), Rosetta does not, so this rule's series may differ from jmx_exporter's", index, strings.Join(used, ", "))
	}
}

// templateGroups returns the groups a translated template reads (${1},
// ${name}; $$ is a dollar).
func templateGroups(t string) []string {
	var out []string
	for i := 0; i+1 < len(t); i++ {
		if t[i] != '$' {
			continue
		}
		if t[i+1] == '$' {
			i++
			continue
		}
		if t[i+1] == '{' {
			if end := strings.IndexByte(t[i:], '}'); end > 0 {
				out = append(out, t[i+2:i+end])
				i += end
			}
		}
	}
	return out
}

// javaRegexError gives a pattern error its column in the pattern as
// written (jmx_exporter's wrapper "^.*(?:" comes before it).
func javaRegexError(err error, pattern string) error {
	var je *normalize.JavaRegexError
	if !errors.As(err, &je) {
		return err
	}
	col := min(max(je.Offset-len("^.*(?:"), 0), len(pattern)) + 1
	return fmt.Errorf("column %d: %s", col, je.Desc)
}

// javaTemplate converts a java.util.regex.Matcher replacement ($1, ${name},
// \x for a literal x) into the rule engine's template syntax (${1},
// ${name}, $$). Java reads as many digits after $ as still name an
// existing group; that is resolved here against groups. For names, the
// literal parts are made safe (unsafe characters become '_') so that the
// template is valid; the escaper applies safeName to the whole expansion.
func javaTemplate(t string, groups int, name bool) (string, error) {
	if t == "" || !strings.ContainsAny(t, `$\`) {
		if name {
			return safeLiteral(t, true), nil
		}
		return t, nil
	}
	var b strings.Builder
	var lit strings.Builder
	first := true
	flush := func() {
		s := lit.String()
		lit.Reset()
		if name {
			s = safeLiteral(s, first)
		} else {
			s = strings.ReplaceAll(s, "$", "$$")
		}
		b.WriteString(s)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch c {
		case '\\':
			if i+1 >= len(t) {
				return "", fmt.Errorf("%q: character to be escaped is missing", t)
			}
			i++
			lit.WriteByte(t[i])
		case '$':
			if i+1 >= len(t) {
				return "", fmt.Errorf("%q: illegal group reference: group index is missing", t)
			}
			if t[i+1] == '{' {
				end := strings.IndexByte(t[i:], '}')
				if end < 0 {
					return "", fmt.Errorf("%q: named capturing group is missing trailing '}'", t)
				}
				flush()
				first = false
				b.WriteString(t[i : i+end+1])
				i += end
				continue
			}
			if t[i+1] < '0' || t[i+1] > '9' {
				return "", fmt.Errorf("%q: illegal group reference", t)
			}
			g := int(t[i+1] - '0')
			j := i + 2
			for j < len(t) && t[j] >= '0' && t[j] <= '9' {
				ng := g*10 + int(t[j]-'0')
				if ng > groups {
					break
				}
				g = ng
				j++
			}
			if g > groups {
				return "", fmt.Errorf("%q: no group %d (the pattern has %d)", t, g, groups)
			}
			flush()
			first = false
			b.WriteString("${" + strconv.Itoa(g) + "}")
			i = j - 1
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return b.String(), nil
}

// safeLiteral maps characters outside [a-zA-Z0-9:_] to '_' and, at the
// start of a name, prefixes a digit with '_'.
func safeLiteral(s string, atStart bool) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	if atStart && s[0] >= '0' && s[0] <= '9' {
		b.WriteByte('_')
	}
	for _, r := range s {
		if r == ':' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
