package mappingtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/internal/errpos"
	"github.com/rosetta-adapter/rosetta/internal/strictyaml"
	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
)

// File is a test file (*.test.yml).
type File struct {
	Config    string `yaml:"config"`
	Format    string `yaml:"format"`
	InputName string `yaml:"input_name"`
	Tests     []Case `yaml:"tests"`
}

// Case is one test of a file.
type Case struct {
	Name        string    `yaml:"name"`
	InputType   string    `yaml:"input_type"`
	InputConfig yaml.Node `yaml:"input_config"`
	Input       string    `yaml:"input"`
	InputFile   string    `yaml:"input_file"`
	Expect      *string   `yaml:"expect"`
	ExpectFile  string    `yaml:"expect_file"`
	Unmatched   *[]string `yaml:"unmatched"`
	Dropped     *[]string `yaml:"dropped"`
	Conflicts   *[]string `yaml:"conflicts"`
}

// Result is the outcome of one case.
type Result struct {
	File, Name string
	Series     int
	// Problems are what differs; none means the case passed.
	Problems []string
	// Updated is set when --update rewrote the expect_file.
	Updated bool
}

// Run runs every case of the test file at path. update rewrites
// expect_file golden files with what came out. An error means the file
// itself could not be used (not a failed case).
func (e *Env) Run(path string, update bool) ([]Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, errpos.InFile(errpos.FromYAML(err), path)
	}
	var f File
	if len(doc.Content) > 0 {
		// The input configs' strict decoder: an unknown key is an error
		// at its file:line:col.
		if err := strictyaml.Decode(doc.Content[0], &f, "test file"); err != nil {
			return nil, errpos.InFile(err, path)
		}
	}
	if f.Config == "" {
		return nil, fmt.Errorf("%s: config: the file to test is required", path)
	}
	if len(f.Tests) == 0 {
		return nil, fmt.Errorf("%s: tests: at least one test is required", path)
	}
	src, err := e.Load(resolve(path, f.Config), f.Format, f.InputName)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Result
	for i, c := range f.Tests {
		if c.Name == "" || seen[c.Name] {
			return nil, fmt.Errorf("%s: tests[%d]: a unique name is required", path, i)
		}
		seen[c.Name] = true
		r, err := e.runCase(path, src, &c, update)
		if err != nil {
			return nil, fmt.Errorf("%s: test %q: %w", path, c.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (e *Env) runCase(path string, src *Source, c *Case, update bool) (Result, error) {
	res := Result{File: path, Name: c.Name}
	body := []byte(c.Input)
	if c.InputFile != "" {
		if c.Input != "" {
			return res, errors.New("input and input_file: give one")
		}
		b, err := os.ReadFile(resolve(path, c.InputFile))
		if err != nil {
			return res, err
		}
		body = b
	}
	typ := c.InputType
	if typ == "" {
		typ = src.InputType
	}
	if typ == "" {
		return res, errors.New("input_type is required when config is a mapping file")
	}
	var cfg inputs.Config
	var node *yaml.Node
	if src.InputConfig != nil && (typ == src.InputType) && c.InputConfig.Kind == 0 {
		cfg = src.InputConfig
	} else if c.InputConfig.Kind != 0 {
		node = &c.InputConfig
	}
	recs, err := e.Records(typ, body, cfg, node)
	if err != nil {
		return res, fmt.Errorf("parsing the input: %w", err)
	}
	run, err := runRecords(src, recs, typ == "statsd")
	if err != nil {
		return res, err
	}
	res.Series = len(run.lines)

	// Series.
	var want string
	hasWant := true
	switch {
	case c.Expect != nil && c.ExpectFile != "":
		return res, errors.New("expect and expect_file: give one")
	case c.Expect != nil:
		want = *c.Expect
	case c.ExpectFile != "":
		file := resolve(path, c.ExpectFile)
		if update {
			if err := os.WriteFile(file, run.text, 0o644); err != nil { //nolint:gosec // G306: expect files are committed test data
				return res, err
			}
			res.Updated = true
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return res, fmt.Errorf("expect_file: %w (run with --update to write it)", err)
		}
		want = string(b)
	default:
		hasWant = false
	}
	if hasWant {
		wantLines, wantTypes, err := flattenText(want)
		if err != nil {
			return res, fmt.Errorf("expected series: %w", err)
		}
		res.Problems = append(res.Problems, diffSeries(wantLines, wantTypes, run)...)
	}
	check := func(what string, want *[]string, got []string) {
		if want == nil {
			return
		}
		w := slices.Clone(*want)
		sort.Strings(w)
		w = slices.Compact(w)
		for _, s := range w {
			if !slices.Contains(got, s) {
				res.Problems = append(res.Problems, fmt.Sprintf("%s: expected %q, it was not", what, s))
			}
		}
		for _, s := range got {
			if !slices.Contains(w, s) {
				res.Problems = append(res.Problems, fmt.Sprintf("%s: %q was, unexpectedly%s", what, s, run.why[s]))
			}
		}
	}
	check("unmatched", c.Unmatched, run.unmatched)
	check("dropped", c.Dropped, run.dropped)
	check("conflicts", c.Conflicts, run.conflicts)
	return res, nil
}

// outcome is what a run produced.
type outcome struct {
	text                          []byte            // the store's exposition text
	lines                         map[string]string // flattened series line key -> value
	types                         map[string]string // family -> type
	origin                        map[string]string // series name+labels -> "rule X from MATCH"
	unmatched, dropped, conflicts []string
	why                           map[string]string
}

// runRecords maps recs with the source's rules into a fresh store.
func runRecords(src *Source, recs []normalize.Record, push bool) (*outcome, error) {
	o := &outcome{origin: map[string]string{}, why: map[string]string{}}
	for _, r := range recs {
		x := src.Rules.Explain(r)
		from := fmt.Sprintf("from %q", r.Match)
		switch {
		case x.Rule == nil:
			o.unmatched = append(o.unmatched, r.Match)
			if x.Outcome == normalize.OutcomeUnmatched {
				o.origin[seriesKey(x.Sample.Name, x.Sample.Labels)] = "no rule matched, " + from
			}
		case x.Outcome == normalize.OutcomeDropped:
			o.dropped = append(o.dropped, r.Match)
			o.why[r.Match] = " (rule " + x.Rule.ID + ": " + x.Reason + ")"
		case x.Outcome == normalize.OutcomeMapped:
			o.origin[seriesKey(x.Sample.Name, x.Sample.Labels)] = fmt.Sprintf("rule %s (match %q) %s", x.Rule.ID, x.Rule.Match, from)
		}
	}
	for _, l := range []*[]string{&o.unmatched, &o.dropped} {
		sort.Strings(*l)
		*l = slices.Compact(*l)
	}
	store, _, err := runStore(src, recs, push)
	if err != nil {
		return nil, err
	}
	for _, c := range store.RecentConflicts() {
		o.conflicts = append(o.conflicts, c.Name)
		o.why[c.Name] = " (" + c.Reason + ", rule " + c.Rule + ")"
	}
	sort.Strings(o.conflicts)
	o.conflicts = slices.Compact(o.conflicts)
	mfs, err := store.Gather()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			return nil, err
		}
	}
	o.text = buf.Bytes()
	o.lines, o.types = flatten(mfs)
	return o, nil
}

func seriesKey(name string, ls normalize.Labels) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i, l := range ls.Sort() {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", l.Name, l.Value)
	}
	b.WriteByte('}')
	return b.String()
}

// flattenText parses exposition text into series lines and the types of
// the families that have a TYPE line.
func flattenText(text string) (map[string]string, map[string]string, error) {
	tp := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := tp.TextToMetricFamilies(strings.NewReader(strings.TrimLeft(text, "\n") + "\n"))
	if err != nil {
		return nil, nil, err
	}
	mfs := make([]*dto.MetricFamily, 0, len(fams))
	for _, mf := range fams {
		mfs = append(mfs, mf)
	}
	lines, types := flatten(mfs)
	declared := map[string]string{}
	for l := range strings.SplitSeq(text, "\n") {
		if f := strings.Fields(l); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			declared[f[2]] = types[f[2]]
		}
	}
	return lines, declared, nil
}

// flatten turns families into "name{labels}" -> value, histograms and
// summaries as their exposition lines.
func flatten(mfs []*dto.MetricFamily) (map[string]string, map[string]string) {
	lines, types := map[string]string{}, map[string]string{}
	for _, mf := range mfs {
		name := mf.GetName()
		types[name] = strings.ToLower(mf.GetType().String())
		for _, m := range mf.GetMetric() {
			ls := normalize.Labels{}
			for _, lp := range m.GetLabel() {
				ls = append(ls, normalize.Label{Name: lp.GetName(), Value: lp.GetValue()})
			}
			with := func(n, v string) normalize.Labels {
				return append(slices.Clone(ls), normalize.Label{Name: n, Value: v})
			}
			switch {
			case m.Histogram != nil:
				h := m.GetHistogram()
				for _, b := range h.GetBucket() {
					lines[seriesKey(name+"_bucket", with("le", fmtFloat(b.GetUpperBound())))] = strconv.FormatUint(b.GetCumulativeCount(), 10)
				}
				if len(h.GetBucket()) == 0 || !math.IsInf(h.GetBucket()[len(h.GetBucket())-1].GetUpperBound(), 1) {
					lines[seriesKey(name+"_bucket", with("le", "+Inf"))] = strconv.FormatUint(h.GetSampleCount(), 10)
				}
				lines[seriesKey(name+"_sum", ls)] = fmtFloat(h.GetSampleSum())
				lines[seriesKey(name+"_count", ls)] = strconv.FormatUint(h.GetSampleCount(), 10)
			case m.Summary != nil:
				s := m.GetSummary()
				for _, q := range s.GetQuantile() {
					lines[seriesKey(name, with("quantile", fmtFloat(q.GetQuantile())))] = fmtFloat(q.GetValue())
				}
				lines[seriesKey(name+"_sum", ls)] = fmtFloat(s.GetSampleSum())
				lines[seriesKey(name+"_count", ls)] = strconv.FormatUint(s.GetSampleCount(), 10)
			case m.Counter != nil:
				lines[seriesKey(name, ls)] = fmtFloat(m.GetCounter().GetValue())
			case m.Gauge != nil:
				lines[seriesKey(name, ls)] = fmtFloat(m.GetGauge().GetValue())
			default:
				lines[seriesKey(name, ls)] = fmtFloat(m.GetUntyped().GetValue())
			}
		}
	}
	return lines, types
}

func fmtFloat(f float64) string { return string(outputs.AppendFloat(nil, f)) }

// diffSeries lists what differs, each wrong series with the rule that
// made it.
func diffSeries(want, wantTypes map[string]string, got *outcome) []string {
	var out []string
	origin := func(key string) string {
		base := key[:strings.IndexByte(key, '{')]
		for _, suf := range []string{"", "_bucket", "_sum", "_count"} {
			b, ok := strings.CutSuffix(base, suf)
			if !ok {
				continue
			}
			for k, o := range got.origin {
				if strings.HasPrefix(k, b+"{") && labelsSubset(k[len(b):], key[len(base):]) {
					return o
				}
			}
		}
		return "origin unknown"
	}
	keys := make([]string, 0, len(want)+len(got.lines))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got.lines {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		w, inWant := want[k]
		g, inGot := got.lines[k]
		switch {
		case inWant && !inGot:
			out = append(out, fmt.Sprintf("- %s %s    (expected, not produced)", k, w))
		case !inWant && inGot:
			out = append(out, fmt.Sprintf("+ %s %s    (not expected; %s)", k, g, origin(k)))
		case w != g:
			out = append(out, fmt.Sprintf("~ %s %s, expected %s    (%s)", k, g, w, origin(k)))
		}
	}
	for fam, t := range wantTypes {
		if gt, ok := got.types[fam]; ok && gt != t {
			out = append(out, fmt.Sprintf("~ %s has type %s, expected %s", fam, gt, t))
		}
	}
	return out
}

// labelsSubset reports whether the labels of a sample key ("{a="1"}") are
// all in a series key's labels (which may add le or quantile).
func labelsSubset(sample, series string) bool {
	s := strings.Trim(sample, "{}")
	if s == "" {
		return true
	}
	for l := range strings.SplitSeq(s, ",") {
		if !strings.Contains(series, l) {
			return false
		}
	}
	return true
}

// store maps recs with the source's rules into a fresh store (with the
// source's series limit) and returns it with the registry of its
// self-metrics. Push inputs (StatsD) add up their readings; pull inputs
// replace their series as one poll.
func runStore(src *Source, recs []normalize.Record, push bool) (*outputs.Store, *prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	st, err := outputs.NewStore(outputs.StoreConfig{Registerer: reg, SeriesLimit: src.SeriesLimit,
		ReservedPrefixes: []string{"rosetta_"}, ReservedNames: reservedNames()})
	if err != nil {
		return nil, nil, err
	}
	p := normalize.NewPipeline(normalize.PipelineSettings{Sink: st}, src.Rules)
	if push {
		err = p.Append(context.Background(), recs)
	} else {
		err = p.Replace(context.Background(), "offline/x", recs)
	}
	return st, reg, err
}

// reservedNames are the families the binary serves itself beside the store
// (Go and process collectors), which the store refuses, as it does there.
func reservedNames() []string {
	self := prometheus.NewRegistry()
	self.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	names, _ := outputs.FamilyNames(self)
	return names
}

// Exposition is the text the store serves after recs went through src's
// rules: what a test case's expect holds when it passes (rosetta record
// writes it).
func Exposition(src *Source, recs []normalize.Record, push bool) ([]byte, error) {
	o, err := runRecords(src, recs, push)
	if err != nil {
		return nil, err
	}
	return o.text, nil
}
