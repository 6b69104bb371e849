package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/rosetta-adapter/rosetta"

// rule says which of the module's packages the packages under From may
// import (besides their own subtree). Patterns are module-relative; "x/..."
// is x and everything under it. The first rule whose From matches a
// package applies, so specific rules come before general ones. The table is
// docs/architecture.md's "Import rules"; change both together.
type rule struct {
	from string
	may  []string
	why  string
}

// layered lists the rules that bind inside a subtree too: their packages
// may import only what the rule lists, not the rest of their own subtree
// (the layers of inputs/jmx).
var layered = map[string]bool{
	"inputs/jmx/internal/javaser": true,
	"inputs/jmx/mbean":            true,
	"inputs/jmx/internal/rmi":     true,
	"inputs/jmx/internal/jolokia": true,
}

var rules = []rule{
	{"cmd/...", []string{"..."}, "the binaries wire everything together"},
	{"internal/testutil", nil, "test helpers import nothing of ours"},
	{"internal/archtest", nil, "the rule check imports nothing of ours"},
	{"internal/watch", []string{"internal/tick"}, "a generic file poller (config reload): it knows no config format"},
	{"internal/tick", nil, "runs a function at an interval: a leaf any layer may use"},
	{"normalize", []string{"internal/selfmetric"}, "the data model and rule engine are the core every layer uses; its self-metrics are made like everyone's"},
	{"internal/errpos", nil, "positioned config errors: a leaf any config decoder may use"},
	{"internal/strictyaml", []string{"internal/errpos"}, "the one strict decoder of config blocks"},
	{"internal/selfmetric", nil, "self-metric constructors: a leaf every layer may use"},
	{"internal/pprofhttp", nil, "the profiling handlers without net/http/pprof's initialiser: a leaf"},
	{"internal/stackstart", nil, "grows main's stack before the initialisers: importing nothing, it is initialised first"},
	{"internal/exepages", nil, "releases the executable's start-up pages once start-up is done: a leaf the binary calls"},
	{"internal/javafmt", nil, "Java's number text: a leaf the JMX model and the jmx_exporter config reader share"},
	{"inputs", []string{"normalize", "internal/errpos", "internal/selfmetric", "internal/strictyaml"}, "the driver interface and registry know only the data model"},
	{"inputs/jmx/internal/javaser", nil, "Java serialization knows no RMI, JMX or driver"},
	{"inputs/jmx/mbean", []string{"internal/javafmt"}, "the MBean model both transports produce knows neither"},
	{"inputs/jmx/internal/rmi", []string{"inputs/jmx/internal/javaser", "inputs/jmx/mbean", "internal/javafmt"}, "the RMI client sits on the serialization layer and produces the MBean model"},
	{"inputs/jmx/internal/jolokia", []string{"inputs/jmx/internal/javaser", "inputs/jmx/mbean"}, "the Jolokia client produces the MBean model; it shares the serialization limits, not the RMI client"},
	{"inputs/app/jsonoracle", []string{"inputs", "normalize", "outputs"}, "a test harness: the json input through the real store, compared with json_exporter"},
	{"inputs/plugin", []string{"inputs", "normalize", "internal/errpos", "internal/selfmetric", "internal/strictyaml", "plugins/proto", "plugins/shared"}, "the plugin host speaks the plugin contract"},
	{"inputs/...", []string{"inputs", "normalize", "internal/errpos", "internal/javafmt", "internal/selfmetric", "internal/strictyaml"}, "a driver emits records; it knows no output, no config loader and no other driver"},
	{"outputs/...", []string{"normalize", "internal/errpos", "internal/pprofhttp", "internal/selfmetric", "internal/strictyaml", "internal/tick", "outputs/..."}, "the store and web side receive samples; they know no input"},
	{"mappings/mappingtest", []string{"inputs", "mappings", "normalize", "internal/errpos", "internal/strictyaml", "outputs"}, "offline tests reach drivers only through the inputs registry"},
	{"mappings/...", []string{"inputs", "normalize", "internal/errpos", "internal/javafmt", "internal/strictyaml"}, "the config loader decodes input configs through the registry, never a driver"},
	{"plugins/proto", nil, "the contract is generated code"},
	{"plugins/shared", []string{"normalize", "plugins/proto"}, "host and plugins share the contract"},
	{"plugins/sdk/...", []string{"normalize", "plugins/proto", "plugins/shared"}, "the SDK is what plugin authors import"},
	{"plugins/examples/...", []string{"plugins/sdk/...", "plugins/proto", "plugins/shared", "normalize"}, "examples use the SDK as a plugin author would"},
}

type pkg struct {
	ImportPath   string
	Name         string
	Dir          string
	GoFiles      []string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Module       *struct{ Path string }
}

// listed is what listPackages found, kept for the next test.
var listed []pkg

// listPackages runs `go list -json ./...` over the module (once).
func listPackages(t *testing.T) []pkg {
	t.Helper()
	if listed != nil {
		return listed
	}
	cmd := exec.Command("go", "list", "-json", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	listed = pkgs
	return pkgs
}

// match reports whether the module-relative package rel matches pattern.
func match(pattern, rel string) bool {
	if pattern == "..." {
		return true
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return rel == base || strings.HasPrefix(rel, base+"/")
	}
	return rel == pattern
}

func ruleFor(rel string) (rule, bool) {
	for _, r := range rules {
		if match(r.from, rel) {
			return r, true
		}
	}
	return rule{}, false
}

// subtree is the package's own tree: its top two path elements
// (inputs/jmx for inputs/jmx/internal/javaser), or the package itself
// at the top level.
func subtree(rel string) string {
	parts := strings.SplitN(rel, "/", 3)
	if len(parts) >= 2 {
		return parts[0] + "/" + parts[1]
	}
	return rel
}

// allowed reports whether package rel (under rule r) may import imp.
func allowed(r rule, rel, imp string) bool {
	if own := subtree(rel); !layered[r.from] && (imp == own || strings.HasPrefix(imp, own+"/")) {
		// Its own subtree, except a top-level package (normalize, inputs)
		// reaching down into the packages that build on it.
		return strings.Contains(rel, "/") || imp == rel
	}
	return slices.ContainsFunc(r.may, func(p string) bool { return match(p, imp) })
}

// TestImportRules fails for every import of a non-test package that its
// layer's rule does not allow, for any non-test package that imports
// internal/testutil, and for a rule no package uses (a package renamed or
// moved leaves its rule behind).
func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	used := map[string]bool{}
	defer func() {
		for _, r := range rules {
			if !used[r.from] {
				t.Errorf("the rule for %s covers no package; remove it here and in docs/architecture.md", r.from)
			}
		}
	}()
	for _, p := range pkgs {
		rel, ok := strings.CutPrefix(p.ImportPath, module+"/")
		if !ok {
			continue
		}
		r, ok := ruleFor(rel)
		if !ok {
			t.Errorf("%s: no import rule covers this package; add it to the table here and to docs/architecture.md", rel)
			continue
		}
		used[r.from] = true
		for _, imp := range p.Imports {
			irel, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			if irel == "internal/testutil" {
				t.Errorf("%s imports internal/testutil outside its tests", rel)
				continue
			}
			if !allowed(r, rel, irel) {
				t.Errorf("%s imports %s: the rule for %s allows only %v (%s); see docs/architecture.md", rel, irel, r.from, r.may, r.why)
			}
		}
		// Tests may cross layers to test a whole path, but not reach
		// into the binaries.
		for _, imp := range append(p.TestImports, p.XTestImports...) {
			if irel, ok := strings.CutPrefix(imp, module+"/"); ok && strings.HasPrefix(irel, "cmd/") && path.Dir(irel) != "." && !strings.HasPrefix(rel, "cmd/") {
				t.Errorf("a test of %s imports %s: no package imports a binary", rel, irel)
			}
		}
	}
}

// TestRulesCatchViolations checks the checker on imports that break the
// rules and on some that keep them.
func TestRulesCatchViolations(t *testing.T) {
	for _, tc := range []struct {
		from, imp string
		ok        bool
	}{
		{"inputs/statsd", "outputs", false},
		{"inputs/statsd", "inputs/jmx", false},
		{"inputs/statsd", "mappings", false},
		{"inputs/statsd", "normalize", true},
		{"inputs/statsd", "inputs", true},
		{"inputs/jmx", "inputs/jmx/internal/rmi", true},
		{"inputs/jmx/internal/rmi", "inputs/jmx/internal/javaser", true},
		{"inputs/jmx/internal/rmi", "inputs/jmx/mbean", true},
		{"inputs/jmx/internal/javaser", "inputs/jmx/internal/rmi", false},
		{"inputs/jmx/internal/javaser", "normalize", false},
		{"inputs/jmx/mbean", "inputs/jmx/internal/javaser", false},
		{"inputs/jmx/internal/jolokia", "inputs/jmx/internal/rmi", false},
		{"inputs/jmx/internal/rmi", "inputs/jmx", false},
		{"inputs", "inputs/statsd", false},
		{"normalize", "inputs", false},
		{"mappings", "inputs/jmx", false},
		{"mappings", "inputs", true},
		{"mappings/mappingtest", "inputs/statsd", false},
		{"mappings/mappingtest", "outputs", true},
		{"outputs", "inputs", false},
		{"outputs/mappingspage", "outputs", true},
		{"plugins/sdk", "inputs/plugin", false},
		{"plugins/shared", "plugins/proto", true},
		{"cmd/rosetta", "inputs/jmx", true},
	} {
		r, ok := ruleFor(tc.from)
		if !ok {
			t.Errorf("no rule for %s", tc.from)
			continue
		}
		if got := allowed(r, tc.from, tc.imp); got != tc.ok {
			t.Errorf("%s importing %s: allowed = %v, want %v", tc.from, tc.imp, got, tc.ok)
		}
	}
}
