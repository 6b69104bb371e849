package mbean

import (
	"errors"
	"strings"
)

// Prop is one key property of an ObjectName.
type Prop struct {
	Key, Value string
}

// BeanName is a parsed ObjectName with its key properties in registration
// order, as jmx_exporter's JmxMBeanPropertyCache keeps them.
type BeanName struct {
	Name   string // the full name as the server sent it
	Domain string
	Props  []Prop
}

// ParseBeanName splits an ObjectName string into its domain and its key
// properties, keeping their order and any quotes around values.
func ParseBeanName(s string) (BeanName, error) {
	domain, rest, ok := strings.Cut(s, ":")
	if !ok {
		return BeanName{}, errors.New("object name " + quote(s) + " has no ':'")
	}
	b := BeanName{Name: s, Domain: domain}
	for rest != "" {
		k, v, ok := strings.Cut(rest, "=")
		if !ok || k == "" {
			return BeanName{}, errors.New("object name " + quote(s) + ": bad key property list")
		}
		rest = v
		var val string
		if strings.HasPrefix(rest, `"`) {
			i := 1
			for i < len(rest) && rest[i] != '"' {
				if rest[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(rest) {
				return BeanName{}, errors.New("object name " + quote(s) + ": unterminated quoted value")
			}
			val, rest = rest[:i+1], rest[i+1:]
		} else {
			i := strings.IndexByte(rest, ',')
			if i < 0 {
				i = len(rest)
			}
			val, rest = rest[:i], rest[i:]
		}
		b.Props = append(b.Props, Prop{Key: k, Value: val})
		if rest != "" {
			if rest[0] != ',' {
				return BeanName{}, errors.New("object name " + quote(s) + ": expected ',' after a value")
			}
			rest = rest[1:]
			if rest == "" {
				return BeanName{}, errors.New("object name " + quote(s) + ": trailing ','")
			}
		}
	}
	if len(b.Props) == 0 {
		return BeanName{}, errors.New("object name " + quote(s) + " has no key properties")
	}
	return b, nil
}

func quote(s string) string { return `"` + s + `"` }
