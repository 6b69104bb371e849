package mappings

import (
	"testing"

	"github.com/rosetta-adapter/rosetta/mappings/library"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestUnmatchedOfMappingFiles: curated JMX files drop what they do not
// match, alone and together (library:jvm beside library:tomcat must not
// bring every other bean in under default names); the input's own
// unmatched wins; a file that keeps makes the set keep.
func TestUnmatchedOfMappingFiles(t *testing.T) {
	keep := []byte("rules:\n  - match: 'a'\n    name: b\n")
	for _, tc := range []struct {
		name  string
		input string
		want  normalize.Unmatched
	}{
		{"one curated file", "mapping_files: [library:tomcat]", normalize.UnmatchedDrop},
		{"two curated files", "mapping_files: [library:jvm, library:tomcat]", normalize.UnmatchedDrop},
		{"curated files and inline rules", "mapping_files: [library:jvm, library:kafka]\nrules:\n  - {match: 'x', name: y}", normalize.UnmatchedDrop},
		{"input keeps, one file", "mapping_files: [library:tomcat]\nunmatched: keep", normalize.UnmatchedKeep},
		{"input keeps, two files", "mapping_files: [library:jvm, library:zookeeper]\nunmatched: keep", normalize.UnmatchedKeep},
		{"a file that keeps", "mapping_files: [library:jvm, keep.yml]", normalize.UnmatchedKeep},
		{"no files", "rules:\n  - {match: 'x', name: y}", normalize.UnmatchedKeep},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := "inputs:\n  - name: in\n    type: jmx\n    " + indent(tc.input) + "\n"
			opts := Options{Library: library.FS, ReadFile: func(string) ([]byte, error) { return keep, nil }}
			rsc := inputRuleSetConfig(t, data, opts)
			if rsc.Unmatched != tc.want {
				t.Errorf("unmatched %v, want %v", rsc.Unmatched, tc.want)
			}
		})
	}
}

func indent(s string) string {
	out := ""
	for i, c := range s {
		out += string(c)
		if c == '\n' && i < len(s)-1 {
			out += "    "
		}
	}
	return out
}
