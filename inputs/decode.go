package inputs

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/internal/errpos"
)

// DecodeStrict decodes node into out (a pointer to a struct that already
// holds the defaults). Unlike yaml.Node.Decode it rejects keys that no
// field of out takes, at any depth (inline structs included), each with its
// line:col; what names the block in messages ("json input").
func DecodeStrict(node *yaml.Node, out any, what string) error {
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
			if ft.Kind() == reflect.Struct {
				yamlFields(ft, into)
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

// Secret is a string from a config that never prints (passwords).
type Secret string

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "<secret>"
}

// MarshalYAML hides the secret.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }
