// Package strictyaml is the one strict YAML decoder of Rosetta's config
// blocks: every input's config, the remote-write outputs and the mapping
// test files decode through it, so an unknown or misspelt key is refused
// the same way everywhere, at its own line:col. (yaml.v3's KnownFields
// works only on a Decoder reading text: a block that is already a
// yaml.Node would have to be encoded again, which loses the positions.)
//
// The plugin SDK keeps its own KnownFields decoder: a plugin imports only
// the SDK and the contract, and receives its block as text.
package strictyaml

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/internal/errpos"
)

// Decode decodes node into out (a pointer to a struct that already
// holds the defaults). Unlike yaml.Node.Decode it rejects keys that no
// field of out takes, at any depth (inline structs included), each with its
// line:col; what names the block in messages ("json input").
func Decode(node *yaml.Node, out any, what string) error {
	if node == nil {
		return nil
	}
	if err := checkKeys(node, reflect.TypeOf(out), what); err != nil {
		return err
	}
	if err := node.Decode(out); err != nil {
		return errpos.At(node, "%s: %w", what, errpos.FromYAML(err))
	}
	return nil
}

var (
	nodeType        = reflect.TypeOf(yaml.Node{})
	unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
	textType        = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

// yamlFields collects the yaml keys of struct t, following inline fields.
// An inline map takes every other key: its element type is stored under
// the key "" (no YAML key is empty).
func yamlFields(t reflect.Type, into map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch ft.Kind() {
			case reflect.Struct:
				yamlFields(ft, into)
			case reflect.Map:
				into[""] = ft.Elem()
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		into[name] = f.Type
	}
}

// checkKeys reports the keys of n that t has no field for, recursing into
// struct, pointer, slice and map values. Types with their own unmarshalling
// are checked only when they are plain structs with yaml tags.
func checkKeys(n *yaml.Node, t reflect.Type, what string) error {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n == nil || t == nodeType {
		return nil
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(textType) {
		return nil
	}
	var errs []error
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := map[string]reflect.Type{}
		yamlFields(t, fields)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Value == "<<" {
				continue // merge keys: their content is checked where it is defined
			}
			ft, ok := fields[k.Value]
			if !ok {
				ft, ok = fields[""]
			}
			if !ok {
				errs = append(errs, errpos.At(k, "%s: unknown key %q", what, k.Value))
				continue
			}
			errs = append(errs, checkKeys(n.Content[i+1], ft, what+": "+k.Value))
		}
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			errs = append(errs, checkKeys(c, t.Elem(), fmt.Sprintf("%s[%d]", what, i)))
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			errs = append(errs, checkKeys(n.Content[i+1], t.Elem(), what+": "+n.Content[i].Value))
		}
	}
	return errors.Join(errs...)
}
