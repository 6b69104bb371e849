package mappings

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/internal/errpos"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Format is a mapping-file format: statsd_exporter's, Rosetta's own rule
// files, or another peer's translator (jmx_exporter's in jmxexporter.go).
type Format struct {
	// Name is what `format:` in a config names.
	Name string
	// Detect reports whether a parsed YAML document (a mapping node, never
	// nil) looks like this format; it is used when no format is given.
	Detect func(root *yaml.Node) bool
	// Translate turns a file into rules. Errors should be
	// *normalize.RuleError values (joined) with positions in file.
	Translate func(file string, data []byte) (*normalize.RuleSetConfig, error)
	// Warnings, when set, lists what a valid file has that is accepted but
	// not used, each as "file:line:col: message".
	Warnings func(file string, data []byte) []string
}

// formats are every mapping-file format, in one static table as the inputs
// registry is built in one place: a format is added here. Detection tries
// them in this order, first match wins (Rosetta's own format accepts the
// most, so it comes last).
var formats = []Format{
	{Name: FormatStatsd, Detect: detectStatsd, Translate: TranslateStatsd},
	{Name: FormatJMXExporter, Detect: detectJMXExporter, Translate: TranslateJMXExporter, Warnings: JMXExporterWarnings},
	{Name: FormatRosetta, Detect: detectRosetta, Translate: TranslateRosetta},
}

// Formats lists the format names, sorted.
func Formats() []string {
	out := make([]string, 0, len(formats))
	for _, f := range formats {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

func lookupFormat(name string) (Format, bool) {
	for _, f := range formats {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// detectFormat picks the format of a parsed document.
func detectFormat(root *yaml.Node) (Format, bool) {
	for _, f := range formats {
		if f.Detect(root) {
			return f, true
		}
	}
	return Format{}, false
}

// Format names.
const (
	FormatStatsd  = "statsd_exporter"
	FormatRosetta = "rosetta"
)

func onlyKeys(root *yaml.Node, allowed ...string) bool {
	if root == nil || root.Kind != yaml.MappingNode {
		return false
	}
	for _, k := range sortedKeys(root) {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return false
		}
	}
	return true
}

func hasKey(root *yaml.Node, key string) bool {
	for _, k := range sortedKeys(root) {
		if k == key {
			return true
		}
	}
	return false
}

// TranslateFile turns a mapping file of the given format ("" to detect it)
// into rules.
func TranslateFile(file string, data []byte, format string) (*normalize.RuleSetConfig, error) {
	var f Format
	if format != "" {
		var ok bool
		if f, ok = lookupFormat(format); !ok {
			return nil, fmt.Errorf("%s: unknown format %q (known: %s)", file, format, strings.Join(Formats(), ", "))
		}
	} else {
		root, err := parseYAML(file, data)
		if err != nil {
			return nil, err
		}
		if root == nil {
			return nil, errpos.New(file, 0, 0, fmt.Errorf("the file is empty: its format cannot be told (give format: %s)", strings.Join(Formats(), ", ")))
		}
		var ok bool
		if f, ok = detectFormat(root); !ok {
			if hasKey(root, "modules") {
				return nil, errpos.New(file, 0, 0, errors.New("a json_exporter config, not a mapping file: name it in a json input (json_exporter_config: FILE, module: NAME), whose check reports its errors"))
			}
			return nil, errpos.New(file, 0, 0, fmt.Errorf("unknown mapping file format (top-level keys %s; known formats: %s)",
				strings.Join(sortedKeys(root), ", "), strings.Join(Formats(), ", ")))
		}
	}
	return f.Translate(file, data)
}
