package mbean

import "errors"

// Attribute is one attribute value, converted to the value model (values.go).
type Attribute struct {
	Name  string
	Value any
}

// ErrAuth is wrapped by errors of rejected credentials, over either
// transport.
var ErrAuth = errors.New("authentication failed")
