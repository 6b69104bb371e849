package testutil

import (
	"os"
	"strings"
	"testing"
)

// Section is one case of a file of cases: the ID after "=== " on its
// first line, and the lines after it up to the next "=== " as its Body.
type Section struct{ ID, Body string }

// Sections reads file's cases, in order; what comes before the first
// "=== " is not a case.
func Sections(t testing.TB, file string) []Section {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []Section
	for _, part := range strings.Split(string(data), "=== ")[1:] {
		id, body, _ := strings.Cut(part, "\n")
		out = append(out, Section{id, body})
	}
	return out
}
