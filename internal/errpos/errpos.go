// Package errpos gives configuration errors one position each, in the
// file where the fault is.
//
// A decoder that sees only a YAML node reports At(node, ...): a line and
// column, no file yet. A loader that reads a file of its own (a
// json_exporter or jmx_exporter config, a mapping file) reports InFile or
// New with that file. Any layer in between may wrap with
// fmt.Errorf("context: %w", err) as usual. The layer that knows which file
// the nodes came from calls Wrap once, which gives every error in the tree
// its file and moves its position to the front:
//
//	cfg.yml:4:13: input "procs": config: plugin input: path: ...
//	json_exporter.yml:6:15: input "app": config: json input: json_exporter_config: metrics[0]: ...
//
// instead of the position of each layer in turn.
package errpos

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is an error at File:Line:Col (File may still be empty, Col 0 when
// only the line is known).
type Error struct {
	File      string
	Line, Col int
	Err       error
}

// Position is "file:line:col", "file:line", "line:col", "line N" or
// "file", without the parts that are unknown.
func (e *Error) Position() string {
	file, line, col, _ := e.resolve()
	return formatPos(file, line, col)
}

func formatPos(file string, line, col int) string {
	switch {
	case line <= 0:
		return file
	case file == "" && col <= 0:
		return "line " + strconv.Itoa(line)
	case file == "":
		return strconv.Itoa(line) + ":" + strconv.Itoa(col)
	case col <= 0:
		return file + ":" + strconv.Itoa(line)
	}
	return file + ":" + strconv.Itoa(line) + ":" + strconv.Itoa(col)
}

// Error is the one position, ": ", then the message with no position in
// it: a positioned error inside (an error in another file, a finer line)
// gives its position instead of e's.
func (e *Error) Error() string {
	file, line, col, msg := e.resolve()
	if p := formatPos(file, line, col); p != "" {
		return p + ": " + msg
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Where implements Positioned.
func (e *Error) Where() (file string, line, col int) {
	file, line, col, _ = e.resolve()
	return file, line, col
}

// Message implements Positioned.
func (e *Error) Message() string {
	_, _, _, msg := e.resolve()
	return msg
}

// resolve picks e's position: that of the first positioned error inside
// (which has resolved its own the same way, so the innermost wins), in
// e's file when it names none; its position is dropped from the text.
func (e *Error) resolve() (file string, line, col int, msg string) {
	file, line, col = e.File, e.Line, e.Col
	if e.Err == nil {
		return file, line, col, ""
	}
	if _, placed := e.Err.(*message); placed {
		return file, line, col, e.Err.Error()
	}
	f, l, c, msg := inner(e.Err)
	if f != "" {
		file = f
	}
	if (l > 0 || f != "") && !(f == "" && l == line && c == 0) { // keep the column a line-only error lacks
		line, col = l, c
	}
	return file, line, col, msg
}

// inner is the position of the first positioned error in err's chain
// (none: "", 0, 0) and err's text without that position.
func inner(err error) (file string, line, col int, text string) {
	text = err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if p, ok := e.(Positioned); ok {
			if full, msg := p.Error(), p.Message(); full != msg {
				text = strings.Replace(text, full, msg, 1)
			}
			file, line, col = p.Where()
			return file, line, col, text
		}
	}
	return "", 0, 0, text
}

// Positioned is implemented by errors that carry their own position
// (*Error, normalize.RuleError): Error() is the position, ": ", then
// Message().
type Positioned interface {
	error
	Where() (file string, line, col int)
	Message() string
}

// New returns an error at file:line:col.
func New(file string, line, col int, err error) error {
	return &Error{File: file, Line: line, Col: col, Err: err}
}

// At returns an error at n's line and column (the file is set later, by
// Wrap or InFile).
func At(n *yaml.Node, format string, args ...any) error {
	e := &Error{Err: fmt.Errorf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	return e
}

// InFile gives the errors in err that have no file this one; it is Wrap
// without context or fallback position.
func InFile(err error, file string) error {
	return Wrap(err, Error{File: file}, "")
}

// Wrap returns err with every error in it (errors.Join trees included) as
// an *Error that has one position, first: its own when it has one (a
// missing file filled from at.File), else at's. context (e.g. `input "app":
// config: `) goes after the position, then whatever text layers wrapped
// around the positioned error, then its message. Wrapping the result again
// keeps each position and only inserts the new context.
func Wrap(err error, at Error, context string) error {
	if err == nil {
		return nil
	}
	var out []error
	for _, l := range leaves(err, "") {
		out = append(out, place(l, at, context))
	}
	return errors.Join(out...)
}

// leaf is one error of a tree, with the text its wrappers put before it.
type leaf struct {
	prefix string
	err    error
}

// leaves splits err at every multi-error (errors.Join, fmt.Errorf with
// several %w), carrying the text of single wrappers down to each part.
func leaves(err error, prefix string) []leaf {
	for e := err; e != nil; {
		if _, ok := e.(Positioned); ok {
			break
		}
		if m, ok := e.(interface{ Unwrap() []error }); ok {
			// The wrappers' own text before the parts.
			p := prefix + textBefore(err.Error(), e.Error())
			var out []leaf
			for _, c := range m.Unwrap() {
				if c != nil {
					out = append(out, leaves(c, p)...)
				}
			}
			return out
		}
		e = errors.Unwrap(e)
	}
	return []leaf{{prefix, err}}
}

// textBefore is what outer adds before inner ("ctx: " of "ctx: inner"),
// or "" when outer does not end with inner.
func textBefore(outer, inner string) string {
	if s, ok := strings.CutSuffix(outer, inner); ok {
		return s
	}
	return ""
}

// place gives l one position: that of the first positioned error in its
// chain (which resolved its own inner ones), in at's file when it names
// none, else at's position.
func place(l leaf, at Error, context string) *Error {
	file, line, col := at.File, at.Line, at.Col
	f, ln, c, text := inner(l.err)
	if f != "" {
		file = f
	}
	if ln > 0 || f != "" {
		line, col = ln, c
	}
	return &Error{File: file, Line: line, Col: col, Err: &message{context + l.prefix + text, l.err}}
}

// message is an error's new text that keeps the original in the chain
// (errors.Is and As still see it).
type message struct {
	text string
	err  error
}

func (m *message) Error() string { return m.text }
func (m *message) Unwrap() error { return m.err }

// List returns the errors of err one by one, each with its position (as
// Wrap leaves them), for reports that print one per line.
func List(err error) []error {
	if err == nil {
		return nil
	}
	var out []error
	for _, l := range leaves(err, "") {
		if l.prefix == "" {
			out = append(out, l.err)
			continue
		}
		out = append(out, place(l, Error{}, ""))
	}
	return out
}

// FromYAML turns the yaml library's errors into positioned ones: "yaml:
// line 3: msg" and each "line N: msg" of a *yaml.TypeError. Others are
// returned as they are.
func FromYAML(err error) error {
	var p Positioned
	if errors.As(err, &p) {
		return err // positioned already (its yaml error, if any, inside)
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var out []error
		for _, s := range te.Errors {
			out = append(out, fromLine(s))
		}
		if len(out) == 1 {
			return out[0] // unjoined, so that wrappers see its position
		}
		return errors.Join(out...)
	}
	if err == nil {
		return nil
	}
	if s, ok := strings.CutPrefix(err.Error(), "yaml: "); ok {
		if e := fromLine(s); e != nil {
			if _, ok := e.(*Error); ok {
				return e
			}
		}
	}
	return err
}

// fromLine parses "line N: msg" (and yaml's "line N: column M: msg").
func fromLine(s string) error {
	rest, ok := strings.CutPrefix(s, "line ")
	if !ok {
		return errors.New(s)
	}
	num, msg, ok := strings.Cut(rest, ": ")
	line, err := strconv.Atoi(num)
	if !ok || err != nil {
		return errors.New(s)
	}
	col := 0
	if c, m, ok := strings.Cut(msg, ": "); ok {
		if n, ok := strings.CutPrefix(c, "column "); ok {
			if v, err := strconv.Atoi(n); err == nil {
				col, msg = v, m
			}
		}
	}
	return &Error{Line: line, Col: col, Err: errors.New(msg)}
}
