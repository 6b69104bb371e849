package jolokia_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rosetta-adapter/rosetta/inputs/jmx"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/jolokia"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
)

// FuzzJolokiaValue feeds arbitrary JSON to the Jolokia value conversion
// under every declared type it treats specially; seeded with real Jolokia
// responses.
func FuzzJolokiaValue(f *testing.F) {
	f.Add([]byte(`{"indexNames":["key"],"values":[{"key":{"a":1},"v":2}]}`))
	f.Add([]byte(`{"/a":{"path":"/a","value":10}}`))
	files, _ := filepath.Glob("testdata/responses/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	types := []string{"javax.management.openmbean.TabularData", "javax.management.openmbean.CompositeData", "java.util.Date",
		"java.math.BigDecimal", "java.math.BigInteger", "double", "float", "long", "java.lang.Object", "[J"}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := jolokia.DecodeJSON(data)
		if err != nil {
			return
		}
		bn := mbean.BeanName{Name: "d:k=v", Domain: "d", Props: []mbean.Prop{{Key: "k", Value: "v"}}}
		x := &jmx.Exporter{Strings: true}
		for _, typ := range types {
			val := jolokia.Value(typ, v)
			_ = mbean.JavaString(val)
			_ = x.Bean(nil, &bn, nil, []mbean.Attribute{{Name: "a", Value: val}})
		}
	})
}
