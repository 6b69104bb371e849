package app

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs/app/jsonsel"
)

// jsonExporterFile is the part of a json_exporter config the json input
// reads: a module's metrics and headers.
type jsonExporterFile struct {
	Modules map[string]struct {
		Headers map[string]string `yaml:"headers"`
		Metrics []struct {
			Name                string            `yaml:"name"`
			Path                string            `yaml:"path"`
			Labels              map[string]string `yaml:"labels"`
			Type                string            `yaml:"type"`
			ValueType           string            `yaml:"valuetype"`
			EpochTimestamp      string            `yaml:"epochtimestamp"`
			EpochTimestampCamel string            `yaml:"epochTimestamp"`
			Help                string            `yaml:"help"`
			Values              map[string]string `yaml:"values"`
			AllowMissing        bool              `yaml:"allow_missing_key"`
		} `yaml:"metrics"`
		HTTPClientConfig yaml.Node `yaml:"http_client_config"`
		Body             yaml.Node `yaml:"body"`
		ValidStatusCodes []int     `yaml:"valid_status_codes"`
	} `yaml:"modules"`
}

// loadJSONExporter reads module of a json_exporter config into selectors
// whose records carry json_exporter's metric names and labels, so that the
// series are json_exporter's without any rule. It supports the JSONPath
// json_exporter configs use for selection — {.a.b}, {.a[*]}, {[*]},
// {.a['k']}, {.a[0]} — labels that are text or a field of the object
// ({.id}), and values that are a field or a number; other constructs
// (filters, recursive descent, templates mixing text and paths, labels
// from paths on value metrics, epochTimestamp) are errors that say so.
func loadJSONExporter(file, module string) (sels []jsonsel.Selector, headers map[string]string, err error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	var f jsonExporterFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, nil, err
	}
	if module == "" {
		module = "default"
	}
	m, ok := f.Modules[module]
	if !ok {
		names := make([]string, 0, len(f.Modules))
		for n := range f.Modules {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, nil, fmt.Errorf("no module %q (modules: %s)", module, strings.Join(names, ", "))
	}
	if m.HTTPClientConfig.Kind != 0 || m.Body.Kind != 0 || len(m.ValidStatusCodes) > 0 {
		return nil, nil, errors.New("http_client_config, body and valid_status_codes of a module are not read: set them on the input (the same prometheus/common client settings, method and body)")
	}
	var errs []error
	for i, mt := range m.Metrics {
		what := fmt.Sprintf("module %s: metrics[%d] (%s)", module, i, mt.Name)
		if mt.Name == "" {
			errs = append(errs, fmt.Errorf("%s: name is required", what))
			continue
		}
		if mt.EpochTimestamp != "" || mt.EpochTimestampCamel != "" {
			errs = append(errs, fmt.Errorf("%s: epochTimestamp is not supported (Rosetta's series carry no timestamps)", what))
		}
		segs, err := jsonPath(mt.Path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: path %q: %w", what, mt.Path, err))
			continue
		}
		sel := jsonsel.Selector{Path: strings.Join(segs, "."), Help: mt.Help, DefaultName: mt.Name}
		if mt.Help == "" {
			sel.Help = mt.Name
		}
		switch mt.ValueType {
		case "", "untyped":
		case "gauge", "counter":
			sel.Type = mt.ValueType
		default:
			errs = append(errs, fmt.Errorf("%s: valuetype %q is not gauge, counter or untyped", what, mt.ValueType))
		}
		object := mt.Type == "object"
		if mt.Type != "" && mt.Type != "value" && !object {
			errs = append(errs, fmt.Errorf("%s: type %q is not value or object", what, mt.Type))
			continue
		}
		for l, v := range mt.Labels {
			if !strings.Contains(v, "{") {
				if sel.ConstLabels == nil {
					sel.ConstLabels = map[string]string{}
				}
				sel.ConstLabels[l] = v
				continue
			}
			field, err := fieldPath(v)
			if err != nil || !object {
				if err == nil {
					err = errors.New("labels from paths need type: object here")
				}
				errs = append(errs, fmt.Errorf("%s: label %s %q: %w", what, l, v, err))
				continue
			}
			if sel.LabelsFrom == nil {
				sel.LabelsFrom = map[string]string{}
			}
			sel.LabelsFrom[l] = field
		}
		if object {
			if len(mt.Values) == 0 {
				errs = append(errs, fmt.Errorf("%s: type object needs values", what))
			}
			for name, v := range mt.Values {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					if sel.Constants == nil {
						sel.Constants = map[string]float64{}
					}
					sel.Constants[name] = f
					continue
				}
				field, err := fieldPath(v)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: value %s %q: %w", what, name, v, err))
					continue
				}
				if sel.Fields == nil {
					sel.Fields = map[string]string{}
				}
				sel.Fields[name] = field
			}
			// Without LabelsFrom or Fields the object would not be read as a
			// whole: a constant-only metric still is (Constants).
		}
		sels = append(sels, sel)
	}
	return sels, m.Headers, errors.Join(errs...)
}

// jsonPath turns a json_exporter JSONPath into jsonsel path segments.
func jsonPath(p string) ([]string, error) {
	s := strings.TrimSpace(p)
	inner, ok := strings.CutPrefix(s, "{")
	if !ok {
		return nil, errors.New("not a {…} JSONPath expression")
	}
	inner, ok = strings.CutSuffix(inner, "}")
	if !ok {
		return nil, errors.New("not a {…} JSONPath expression")
	}
	inner = strings.TrimPrefix(strings.TrimSpace(inner), "$")
	var segs []string
	for inner != "" {
		switch {
		case strings.HasPrefix(inner, ".."):
			return nil, errors.New("recursive descent (..) is not supported")
		case inner[0] == '.':
			inner = inner[1:]
			end := strings.IndexAny(inner, ".[")
			if end < 0 {
				end = len(inner)
			}
			key := inner[:end]
			if key == "" {
				return nil, errors.New("an empty key")
			}
			if key != "*" && !validKey(key) {
				return nil, fmt.Errorf("key %q: only plain keys are supported", key)
			}
			segs = append(segs, key)
			inner = inner[end:]
		case inner[0] == '[':
			end := strings.IndexByte(inner, ']')
			if end < 0 {
				return nil, errors.New("unterminated [")
			}
			sub := strings.TrimSpace(inner[1:end])
			switch {
			case sub == "*":
				segs = append(segs, "*")
			case strings.HasPrefix(sub, "?"):
				return nil, errors.New("filter expressions [?(…)] are not supported")
			case len(sub) >= 2 && (sub[0] == '\'' && sub[len(sub)-1] == '\'' || sub[0] == '"' && sub[len(sub)-1] == '"'):
				key := sub[1 : len(sub)-1]
				if strings.ContainsAny(key, ".*") || key == "" {
					return nil, fmt.Errorf("key %q: keys with '.' or '*' are not supported", key)
				}
				segs = append(segs, key)
			default:
				if _, err := strconv.Atoi(sub); err != nil {
					return nil, fmt.Errorf("[%s] is not supported (only [*], [N] and ['key'])", sub)
				}
				segs = append(segs, sub)
			}
			inner = inner[end+1:]
		default:
			return nil, fmt.Errorf("unexpected %q", inner)
		}
	}
	if len(segs) == 0 {
		return nil, errors.New("selects the whole document")
	}
	return segs, nil
}

func validKey(k string) bool {
	for _, r := range k {
		if r == ' ' || r == '(' || r == ')' || r == '?' || r == '@' || r == '\'' || r == '"' {
			return false
		}
	}
	return true
}

// fieldPath turns "{.field}" into "field".
func fieldPath(v string) (string, error) {
	segs, err := jsonPath(v)
	if err != nil {
		return "", err
	}
	if len(segs) != 1 || segs[0] == "*" {
		return "", errors.New("only a field of the object ({.name}) is supported")
	}
	return segs[0], nil
}
