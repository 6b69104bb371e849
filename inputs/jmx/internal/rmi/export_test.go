package rmi

import "testing"

// For FuzzDecode (package rmi_test), which also runs package jmx's
// exporter on what the decoder returns and so cannot be in this package.
var (
	ParseStub       = parseStub
	MBeanInfoOf     = mbeanInfoOf
	CollectionElems = collectionElems
	NamesOf         = namesOf
)

// CapturedReplies returns the serialization stream of every reply of the
// captured session shorter than maxLen, for seeding fuzz targets.
func CapturedReplies(t testing.TB, maxLen int) [][]byte {
	t.Helper()
	var out [][]byte
	for _, m := range splitS2C(t, readCapture(t, captureS2C)) {
		if m.kind == JRMPReturn && len(m.raw) < maxLen {
			out = append(out, m.raw[1:])
		}
	}
	return out
}
