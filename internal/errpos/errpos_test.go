package errpos

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// ruleErr stands for normalize.RuleError: positioned by its own type.
type ruleErr struct {
	file      string
	line, col int
	msg       string
}

func (e *ruleErr) Error() string                       { return fmt.Sprintf("%s:%d:%d: %s", e.file, e.line, e.col, e.msg) }
func (e *ruleErr) Where() (file string, line, col int) { return e.file, e.line, e.col }
func (e *ruleErr) Message() string                     { return e.msg }

func node(line, col int) *yaml.Node { return &yaml.Node{Line: line, Column: col} }

func TestWrap(t *testing.T) {
	cfg := Error{File: "cfg.yml", Line: 5, Col: 7}
	jsonExporterErr := New("json_exporter.yml", 6, 15, errors.New("module default: metrics[0]: path: bad"))
	cases := []struct {
		name    string
		err     error
		context string
		want    []string
	}{
		{"plain error takes the fallback", errors.New("boom"), `input "a": config: `,
			[]string{`cfg.yml:5:7: input "a": config: boom`}},
		{"node error gets the file, keeps its line", At(node(4, 13), "plugin input: path: %q bad", "x"), `input "procs": config: `,
			[]string{`cfg.yml:4:13: input "procs": config: plugin input: path: "x" bad`}},
		{"wrapped text goes after the position", fmt.Errorf("json input: %w", At(node(9, 3), "targets: none")), "",
			[]string{`cfg.yml:9:3: json input: targets: none`}},
		{"the other file's position wins, once",
			At(node(10, 29), "json input: json_exporter_config: %w", jsonExporterErr), `input "app": config: `,
			[]string{`json_exporter.yml:6:15: input "app": config: json input: json_exporter_config: module default: metrics[0]: path: bad`}},
		{"through a plain wrapper too",
			fmt.Errorf("json_exporter_config %q: %w", "je.yml", jsonExporterErr), "",
			[]string{`json_exporter.yml:6:15: json_exporter_config "je.yml": module default: metrics[0]: path: bad`}},
		{"joined errors each placed",
			errors.Join(At(node(1, 2), "one"), errors.New("two"), At(node(3, 4), "three")), "ctx: ",
			[]string{"cfg.yml:1:2: ctx: one", "cfg.yml:5:7: ctx: two", "cfg.yml:3:4: ctx: three"}},
		{"a wrapper around a join prefixes every part",
			fmt.Errorf("jmx input: %w", errors.Join(At(node(2, 1), "a"), At(node(3, 1), "b"))), "",
			[]string{"cfg.yml:2:1: jmx input: a", "cfg.yml:3:1: jmx input: b"}},
		{"a positioned type of another package",
			fmt.Errorf("mapping: %w", &ruleErr{"m.yml", 3, 5, `rule 1 ("a.*"): unknown key "x"`}), `input "s": `,
			[]string{`m.yml:3:5: input "s": mapping: rule 1 ("a.*"): unknown key "x"`}},
		{"line only", &Error{File: "x.yml", Line: 3, Err: errors.New("did not find expected key")}, "",
			[]string{"x.yml:3: did not find expected key"}},
		{"file only", &Error{File: "x.yml", Err: errors.New("unknown format")}, "",
			[]string{"x.yml: unknown format"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Wrap(tc.err, cfg, tc.context)
			if s := got.Error(); s != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", s, strings.Join(tc.want, "\n"))
			}
			// Wrapping again adds context only.
			again := Wrap(got, Error{File: "other.yml", Line: 1, Col: 1}, "")
			if again.Error() != got.Error() {
				t.Errorf("wrapped twice:\n%s\nonce:\n%s", again, got)
			}
			if n := len(List(got)); n != len(tc.want) {
				t.Errorf("List: %d errors, want %d", n, len(tc.want))
			}
		})
	}
}

func TestWrapKeepsChain(t *testing.T) {
	err := Wrap(fmt.Errorf("read: %w", fs.ErrNotExist), Error{File: "c.yml"}, "input: ")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is lost the cause: %v", err)
	}
	var pe *Error
	if !errors.As(err, &pe) || pe.File != "c.yml" {
		t.Errorf("errors.As: %v", pe)
	}
	if Wrap(nil, Error{}, "x") != nil {
		t.Error("Wrap(nil) is not nil")
	}
}

func TestFromYAML(t *testing.T) {
	var v struct{ A int }
	err := yaml.Unmarshal([]byte("a: x\n"), &v)
	got := Wrap(FromYAML(err), Error{File: "c.yml"}, "").Error()
	if want := "c.yml:1: cannot unmarshal !!str `x` into int"; got != want {
		t.Errorf("type error: %q, want %q", got, want)
	}
	err = yaml.Unmarshal([]byte("a: [\n"), &v)
	got = Wrap(FromYAML(err), Error{File: "c.yml"}, "").Error()
	if got != "c.yml:1: did not find expected node content" {
		t.Errorf("syntax error: %q", got)
	}
}

// Before any file is known, nested positions already print once.
func TestNestedWithoutFile(t *testing.T) {
	inner := &Error{Line: 2, Err: errors.New("cannot unmarshal")}
	cases := []struct {
		err  error
		want string
	}{
		{At(node(1, 1), "jmx input: %w", inner), "line 2: jmx input: cannot unmarshal"},
		{At(node(1, 1), "jmx input: %w", At(node(3, 4), "ssl: bad")), "3:4: jmx input: ssl: bad"},
		{At(node(1, 1), "x: %w", New("f.yml", 0, 0, errors.New("no module"))), "f.yml: x: no module"},
		{At(node(5, 6), "plain"), "5:6: plain"},
	}
	for _, tc := range cases {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestLineOnlyInsideColumn(t *testing.T) {
	inner := &Error{Line: 3, Err: errors.New("cannot unmarshal")}
	err := At(node(3, 6), "ssl: %w", inner)
	if got, want := err.Error(), "3:6: ssl: cannot unmarshal"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := InFile(err, "j.yml").Error(), "j.yml:3:6: ssl: cannot unmarshal"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
