package strictyaml

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

type inner struct {
	Port int `yaml:"port"`
}

type common struct {
	Name string `yaml:"name"`
}

// oldStyle unmarshals itself the yaml.v2 way, as prometheus/common's
// configs do: its fields are still checked.
type oldStyle struct {
	User string `yaml:"username"`
}

func (o *oldStyle) UnmarshalYAML(unmarshal func(any) error) error {
	type plain oldStyle
	return unmarshal((*plain)(o))
}

// own decodes itself from a yaml.Node: what it accepts is its own business.
type own struct{ raw string }

func (o *own) UnmarshalYAML(n *yaml.Node) error { o.raw = n.Value; return nil }

type headers struct {
	Values map[string]inner `yaml:",inline"`
}

type config struct {
	common  `yaml:",inline"`
	Server  inner            `yaml:"server"`
	List    []inner          `yaml:"list"`
	ByName  map[string]inner `yaml:"by_name"`
	Auth    *oldStyle        `yaml:"auth"`
	Own     own              `yaml:"own"`
	Headers headers          `yaml:"headers"`
	Node    yaml.Node        `yaml:"node"`
	Default string           `yaml:"default"`
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      config
		wantErrs  []string // each "line:col: text"
	}{
		{
			name: "every kind of field",
			doc: `name: a
server: {port: 1}
list: [{port: 2}]
by_name: {x: {port: 3}}
auth: {username: u}
own: anything
headers: {X-Org: {port: 4}}
node: {free: form}
`,
			want: config{
				common: common{Name: "a"}, Server: inner{1}, List: []inner{{2}},
				ByName: map[string]inner{"x": {3}}, Auth: &oldStyle{User: "u"},
				Own: own{"anything"}, Headers: headers{map[string]inner{"X-Org": {4}}},
				Default: "kept",
			},
		},
		{
			name:     "unknown keys at every depth, each at its own position",
			doc:      "nam: a\nserver: {prot: 1}\nlist:\n  - {port: 2, x: 1}\nby_name: {x: {y: 3}}\nauth: {user: u}\nheaders: {H: {p: 4}}\n",
			wantErrs: []string{`1:1: cfg: unknown key "nam"`, `2:10: cfg: server: unknown key "prot"`, `4:15: cfg: list[0]: unknown key "x"`, `5:15: cfg: by_name: x: unknown key "y"`, `6:8: cfg: auth: unknown key "user"`, `7:15: cfg: headers: H: unknown key "p"`},
		},
		{
			name: "merge keys and aliases are followed",
			doc:  "base: &b {port: 5}\nserver:\n  <<: *b\n",
			// base itself is unknown; the merged content is checked where it is defined.
			wantErrs: []string{`1:1: cfg: unknown key "base"`},
		},
		{
			name:     "a type error keeps its line (yaml.v3 gives no column)",
			doc:      "server:\n  port: many\n",
			wantErrs: []string{`line 2: cfg: cannot unmarshal !!str ` + "`many`" + ` into int`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tc.doc), &doc); err != nil {
				t.Fatal(err)
			}
			got := config{Default: "kept"}
			err := Decode(doc.Content[0], &got, "cfg")
			if tc.wantErrs == nil {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(config{}, own{}), cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Node" }, cmp.Ignore())); diff != "" {
					t.Errorf("decoded (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			gotErrs := strings.Split(err.Error(), "\n")
			if diff := cmp.Diff(tc.wantErrs, gotErrs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeNil(t *testing.T) {
	c := config{Default: "kept"}
	if err := Decode(nil, &c, "cfg"); err != nil || c.Default != "kept" {
		t.Errorf("Decode(nil) = %v, %+v; want no error, defaults kept", err, c)
	}
}
