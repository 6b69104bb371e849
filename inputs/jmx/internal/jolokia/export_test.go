package jolokia

// For FuzzJolokiaValue (package jolokia_test), which also runs package
// jmx's exporter on the converted values and so cannot be in this package.
var (
	DecodeJSON = decodeJSON
	Value      = jolokiaValue
)
