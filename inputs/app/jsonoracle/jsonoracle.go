// Package jsonoracle compares the series Rosetta's json input makes from
// a json_exporter config with what the real json_exporter serves for the
// same document: the recorded goldens in `make test`, the live checks of
// `make record-json-golden` and .ci/check-json-exporter-examples.
//
// Series are compared as Prometheus reads them: family name, type and
// help; each series' labels (an empty label value is no label), value
// (NaN equals NaN) and timestamp.
package jsonoracle

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/app"
	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
)

// Rosetta returns the canonical series of the json input reading doc with
// module of the json_exporter config file, through the rule engine (no
// rules) and the store.
func Rosetta(file, module string, doc []byte) ([]string, error) {
	cfg, err := config(file, module, "http://127.0.0.1/")
	if err != nil {
		return nil, err
	}
	recs, err := app.ParseBody(cfg, doc, "application/json")
	if err != nil {
		return nil, err
	}
	store, err := outputs.NewStore(outputs.StoreConfig{Registerer: prometheus.NewRegistry()})
	if err != nil {
		return nil, err
	}
	p := normalize.NewPipeline(normalize.PipelineSettings{Sink: store}, nil)
	if err := p.Replace(context.Background(), "json/oracle", recs); err != nil {
		return nil, err
	}
	mfs, err := store.Gather()
	if err != nil {
		return nil, err
	}
	return Canonical(mfs), nil
}

// RosettaRequest returns the method and body of the request the json
// input sends to target with module of the json_exporter config file (a
// module's body, its template rendered for target as json_exporter renders
// it for a probe of module and target).
func RosettaRequest(file, module, target string) (method, body string, err error) {
	cfg, err := config(file, module, target)
	if err != nil {
		return "", "", err
	}
	return app.Request(cfg, target)
}

// DocTarget is the URL json_exporter is given as the target to read the
// document file doc from the oracle's document server at addr (which
// serves the files beside the config by base name).
func DocTarget(addr, doc string) string {
	return "http://" + addr + "/?file=" + url.QueryEscape(filepath.Base(doc))
}

// config is the json input's config for module of the json_exporter
// config file and one target.
func config(file, module, target string) (inputs.Config, error) {
	var f inputs.Factory
	for _, x := range app.NewFactories() {
		if x.Type() == "json" {
			f = x
		}
	}
	var n yaml.Node
	src := fmt.Sprintf("targets: [%q]\njson_exporter_config: %q\nmodule: %q\n", target, file, module)
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		return nil, err
	}
	return f.Decode(n.Content[0])
}

// Exposition returns the canonical series of a text exposition (what
// json_exporter's /probe served).
func Exposition(text []byte) ([]string, error) {
	tp := expfmt.NewTextParser(model.UTF8Validation)
	m, err := tp.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		return nil, err
	}
	mfs := make([]*dto.MetricFamily, 0, len(m))
	for _, mf := range m {
		mfs = append(mfs, mf)
	}
	return Canonical(mfs), nil
}

// Canonical writes families as sorted lines: "# name TYPE help" per
// family, then "name{labels} value [timestamp]" per series.
func Canonical(mfs []*dto.MetricFamily) []string {
	var out []string
	for _, mf := range mfs {
		if len(mf.GetMetric()) == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("# %s %s %q", mf.GetName(), mf.GetType(), mf.GetHelp()))
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				if l.GetValue() != "" {
					ls = append(ls, l.GetName()+"="+strconv.Quote(l.GetValue()))
				}
			}
			sort.Strings(ls)
			var v float64
			switch {
			case m.Counter != nil:
				v = m.GetCounter().GetValue()
			case m.Gauge != nil:
				v = m.GetGauge().GetValue()
			case m.Untyped != nil:
				v = m.GetUntyped().GetValue()
			default:
				v = math.Inf(-1) // not a type json_exporter serves
			}
			line := fmt.Sprintf("%s{%s} %s", mf.GetName(), strings.Join(ls, ","), strconv.FormatFloat(v, 'g', -1, 64))
			if m.TimestampMs != nil {
				line += " @" + strconv.FormatInt(m.GetTimestampMs(), 10)
			}
			out = append(out, line)
		}
	}
	slices.Sort(out)
	return out
}

// Diff returns the lines only in want ("-") and only in got ("+"), or "".
func Diff(want, got []string) string {
	var b strings.Builder
	in := func(s []string) map[string]bool {
		m := map[string]bool{}
		for _, l := range s {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	for _, l := range want {
		if !g[l] {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range got {
		if !w[l] {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}
