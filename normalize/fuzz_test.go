package normalize

import (
	"log/slog"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/statsd_exporter/pkg/mapper/fsm"
)

// refGlobMatch is the obvious definition: same number of segments, each
// pattern segment "*" or equal; captures are the segments under "*".
func refGlobMatch(pattern, name string) ([]string, bool) {
	ps, ns := strings.Split(pattern, "."), strings.Split(name, ".")
	if len(ps) != len(ns) {
		return nil, false
	}
	var caps []string
	for i := range ps {
		switch {
		case ps[i] == "*":
			caps = append(caps, ns[i])
		case ps[i] != ns[i]:
			return nil, false
		}
	}
	return caps, true
}

// FuzzGlob checks the trie against refGlobMatch: with ordering the first
// matching rule in file order wins; without ordering some matching rule
// wins, and one does whenever any matches.
func FuzzGlob(f *testing.F) {
	f.Add("a.*.c\na.b.*\n*.*.*", "a.b.c")
	f.Add("a.*\na.*.c\na.b", "a.b")
	f.Add("x.*.*.z\nx.y.*.*\nx.y.w.v", "x.y.w.z")
	f.Add("*", "")
	f.Add("a.*\n*.b\na.b", "a.b")
	f.Fuzz(func(t *testing.T, patterns, name string) {
		var pats []string
		for _, p := range strings.Split(patterns, "\n") {
			if validGlob(p) == nil && len(pats) < 12 {
				pats = append(pats, p)
			}
		}
		if len(pats) == 0 || len(name) > 200 {
			return
		}
		for _, ordered := range []bool{true, false} {
			tr := newGlobTrie(ordered, false)
			for i, p := range pats {
				tr.add(p, int32(i))
			}
			got, caps := tr.match(name, nil, nil)
			want := int32(-1)
			var wantCaps []string
			any := false
			for i, p := range pats {
				if _, ok := refGlobMatch(p, name); ok != globMatches(p, name) {
					t.Fatalf("globMatches(%q, %q) = %v", p, name, !ok)
				}
				if c, ok := refGlobMatch(p, name); ok {
					any = true
					if want < 0 {
						want, wantCaps = int32(i), c
					}
				}
			}
			if ordered {
				if got != want || !slices.Equal(caps, wantCaps) {
					t.Fatalf("ordered %q on %q: got rule %d %q, want %d %q", pats, name, got, caps, want, wantCaps)
				}
				continue
			}
			if (got >= 0) != any {
				t.Fatalf("unordered %q on %q: got rule %d, want a match: %v", pats, name, got, any)
			}
			if got >= 0 {
				c, ok := refGlobMatch(pats[got], name)
				if !ok || !slices.Equal(c, caps) {
					t.Fatalf("unordered %q on %q: rule %d does not match or captures %q != %q", pats, name, got, caps, c)
				}
			}
		}
	})
}

// FuzzGlobTemplate compares glob templates with statsd_exporter's
// formatter, "%" included (its Sprintf reads it as a verb, and so do
// statsd rules), leaving out templates whose references it miscounts.
func FuzzGlobTemplate(f *testing.F) {
	f.Add("app_$1_${2}_total", "a.b.c", 3)
	f.Add("$0-$1$2", "x.y", 2)
	f.Add("${1}x$3$$1", "p.q.r", 2)
	f.Add("pre_$1_post", "seg", 1)
	f.Add("$1%%", "seg", 1)
	f.Add("%d_$1", "seg", 1)
	f.Add("100%", "seg", 1)
	f.Fuzz(func(t *testing.T, tmpl, name string, n int) {
		if strings.Contains(tmpl, "\x00") || n < 0 || n > 8 {
			return
		}
		caps := []string{name}
		for i := range n {
			caps = append(caps, "c"+string(rune('a'+i)))
		}
		// count references statsd_exporter keeps vs. "%s" it produces
		ours := compileGlobTemplate(tmpl, n, true)
		refs := 0
		for _, p := range ours.parts {
			if p.ref >= 0 {
				refs++
			}
		}
		theirs := fsm.NewTemplateFormatter(tmpl, n)
		want := theirs.Format(name, caps[1:])
		if strings.Contains(want, "%!") && !strings.Contains(tmpl, "%") {
			return // statsd_exporter's own miscount; documented
		}
		got := string(ours.expand(nil, caps))
		if got != want {
			t.Fatalf("template %q with %d captures: got %q, want %q", tmpl, n, got, want)
		}
		// rosetta convert's template for a rule file expands the same.
		if lit, ok := StatsdLiteralTemplate(tmpl, n); ok {
			lt := compileGlobTemplate(lit, n, false)
			if got := string(lt.expand(nil, caps)); got != want {
				t.Fatalf("template %q: literal %q gives %q, want %q", tmpl, lit, got, want)
			}
		}
	})
}

// FuzzRegexTemplate compares regex templates with regexp.Expand.
func FuzzRegexTemplate(f *testing.F) {
	f.Add(`(\w+)\.(?P<svc>\w+)(x)?`, "name_${1}_$svc_$3$$", "web.api")
	f.Add(`a(b)`, "$0${1}${01}$1b${", "zab")
	f.Add(`(?P<a>x)(?P<a>y)`, "$a", "xy")
	f.Fuzz(func(t *testing.T, expr, tmpl, s string) {
		re, err := regexp.Compile(expr)
		if err != nil {
			return
		}
		m := re.FindStringSubmatchIndex(s)
		if m == nil {
			return
		}
		want := string(re.ExpandString(nil, tmpl, s, m))
		var caps []string
		for i := 0; i < len(m); i += 2 {
			if m[i] < 0 {
				caps = append(caps, "")
			} else {
				caps = append(caps, s[m[i]:m[i+1]])
			}
		}
		ct := compileRegexTemplate(tmpl, re)
		if got := string(ct.expand(nil, caps)); got != want {
			t.Fatalf("template %q on %q with %q: got %q, want %q", tmpl, s, expr, got, want)
		}
	})
}

// FuzzMap runs arbitrary records through a rule set with every feature and
// checks the invariants of every sample.
func FuzzMap(f *testing.F) {
	rs, err := NewRuleSet(RuleSetConfig{CacheSize: 16, Rules: []RuleConfig{
		{Match: "a.*.*", Name: "a_$1", Labels: []LabelConfig{{Name: "l_$2", Value: "$2"}}},
		{Match: `(\w*)\.v\.(.*)`, MatchType: MatchRegex, Name: "v_$1", Value: "$2"},
		{Match: "d.*", Name: "d", Action: ActionDrop},
	}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("a.b.c", "tag", "v", uint8(1), 1.0)
	f.Add("x.v.12e3", "", "", uint8(2), 0.0)
	f.Add("1-2..3", "__x", "", uint8(3), -1.0)
	f.Fuzz(func(t *testing.T, match, ln, lv string, typ uint8, v float64) {
		rec := Record{Match: match, Type: Type(typ % 4), Value: v, Delta: typ%2 == 1}
		if ln != "" {
			rec.Labels = Labels{{ln, lv}}
		}
		s, out, _ := rs.Map(rec)
		if out != OutcomeMapped && out != OutcomeUnmatched {
			return
		}
		if !ValidMetricName(s.Name) {
			t.Fatalf("invalid name %q from %q", s.Name, match)
		}
		for i, l := range s.Labels {
			if i > 0 && s.Labels[i-1].Name >= l.Name {
				t.Fatalf("labels not sorted and unique: %v", s.Labels)
			}
		}
		again, _, _ := rs.Map(rec)
		if diff := cmp.Diff(s, again, cmpopts.IgnoreFields(Sample{}, "Ref")); diff != "" && v == v {
			t.Fatalf("cached result differs: %s", diff)
		}
	})
}

// TestStatsdNeedsBacktracking compares statsdNeedsBacktracking with
// statsd_exporter's own heuristic on 20,000 random lists (4,000 with
// -short) of 2 to 9 globs of 1 to 4 segments, repeated globs included;
// nearly half need backtracking.
func TestStatsdNeedsBacktracking(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	segs := []string{"a", "b", "c", "*", "*"}
	logger := slog.New(slog.DiscardHandler)
	lists := 20000
	if testing.Short() {
		lists = 4000
	}
	need := 0
	for range lists {
		globs := make([]string, 2+rng.IntN(8))
		for i := range globs {
			parts := make([]string, 1+rng.IntN(4))
			for j := range parts {
				parts[j] = segs[rng.IntN(len(segs))]
			}
			globs[i] = strings.Join(parts, ".")
		}
		want := fsm.TestIfNeedBacktracking(globs, true, logger)
		if got := statsdNeedsBacktracking(globs); got != want {
			t.Fatalf("%q: got %v, want statsd_exporter's %v", globs, got, want)
		}
		if want {
			need++
		}
	}
	t.Logf("%d of %d need backtracking", need, lists)
}
