package sdk

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is the input's config block as Rosetta passes it.
type Config struct {
	// Input is the input's name in Rosetta's config.
	Input string
	// YAML is the block as YAML text ("" when the input has none).
	YAML string
	// JSON is the same block as JSON ("null" when the input has none).
	JSON string
}

// Decode decodes the block strictly into v (unknown keys are errors) with
// go.yaml.in/yaml/v3 and returns ConfigErrors with the positions of what is
// wrong. An empty block leaves v unchanged.
//
// This is the SDK's own copy of strict decoding: Rosetta's inputs use
// strictyaml.Decode, but a plugin imports only the SDK and the contract
// (the import rules keep the SDK free of Rosetta's internals), and the
// block arrives as text, so KnownFields on a fresh decoder is strict here
// and its line numbers are the block's own.
func (c Config) Decode(v any) error {
	if strings.TrimSpace(c.YAML) == "" {
		return nil
	}
	dec := yaml.NewDecoder(strings.NewReader(c.YAML))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		errs := make([]error, 0, len(te.Errors))
		for _, msg := range te.Errors {
			errs = append(errs, lineError(msg))
		}
		return errors.Join(errs...)
	}
	return lineError(err.Error())
}

// lineError turns yaml's "yaml: line 3: msg" or "line 3: msg" into a
// ConfigError at that line.
func lineError(msg string) *ConfigError {
	rest := strings.TrimPrefix(msg, "yaml: ")
	if strings.HasPrefix(rest, "line ") {
		num, tail, ok := strings.Cut(rest[len("line "):], ": ")
		if n, err := strconv.Atoi(num); ok && err == nil && n > 0 {
			return &ConfigError{Message: tail, Line: n}
		}
	}
	return &ConfigError{Message: rest}
}

// ConfigError is one problem with the config block. Rosetta prints it with
// the position in its config file: Line and Column when set (relative to
// Config.YAML), else the position of the value Path names.
type ConfigError struct {
	// Path names the value: "pid", "targets[2].url"; "" is the block.
	Path    string
	Message string
	Line    int
	Column  int
}

func (e *ConfigError) Error() string {
	var b bytes.Buffer
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Column)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// FieldError returns a ConfigError about the value at path, with a
// message formatted as fmt.Sprintf does. Quote the bad value in it:
// sdk.FieldError("pid", "%d is not a running process", pid).
func FieldError(path, format string, args ...any) error {
	return &ConfigError{Path: path, Message: fmt.Sprintf(format, args...)}
}

// configErrors flattens err (errors.Join trees) into ConfigErrors; errors
// of other kinds become errors about the whole block.
func configErrors(err error) []*ConfigError {
	var out []*ConfigError
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		var ce *ConfigError
		if errors.As(err, &ce) && ce == err {
			out = append(out, ce)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if errors.As(err, &ce) {
			out = append(out, ce)
			return
		}
		out = append(out, &ConfigError{Message: err.Error()})
	}
	walk(err)
	return out
}
