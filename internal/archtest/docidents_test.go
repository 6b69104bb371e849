package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// qualified is a backticked Go name of the module: `inputs.Schedule`,
// `FactoryOf.Full`, `javaser.DefaultLimits.MaxSteps`.
var qualified = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]*)\.([A-Z][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?$`)

// declared adds to names what the package's non-test files declare at the
// top level: funcs, types, vars and consts ("Schedule"), methods, struct
// fields and interface methods ("FactoryOf.Full", "Driver.Run").
func declared(t *testing.T, p pkg, names map[string]bool) {
	t.Helper()
	fset := token.NewFileSet()
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil || len(d.Recv.List) == 0 {
					names[d.Name.Name] = true
					continue
				}
				if recv := baseType(d.Recv.List[0].Type); recv != "" {
					names[recv+"."+d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.ValueSpec:
						for _, n := range s.Names {
							names[n.Name] = true
						}
					case *ast.TypeSpec:
						names[s.Name.Name] = true
						var fields *ast.FieldList
						switch tt := s.Type.(type) {
						case *ast.StructType:
							fields = tt.Fields
						case *ast.InterfaceType:
							fields = tt.Methods
						}
						if fields == nil {
							continue
						}
						for _, fl := range fields.List {
							for _, n := range fl.Names {
								names[s.Name.Name+"."+n.Name] = true
							}
							if len(fl.Names) == 0 { // embedded
								if b := baseType(fl.Type); b != "" {
									names[s.Name.Name+"."+b[strings.LastIndex(b, ".")+1:]] = true
								}
							}
						}
					}
				}
			}
		}
	}
}

// hasMembers reports whether decls has methods or fields of typ.
func hasMembers(decls map[string]bool, typ string) bool {
	for n := range decls {
		if strings.HasPrefix(n, typ+".") {
			return true
		}
	}
	return false
}

// baseType is the name of a receiver or embedded type without pointer and
// type parameters.
func baseType(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		case *ast.SelectorExpr:
			return x.Sel.Name
		default:
			return ""
		}
	}
}

// TestArchitectureDocNamesExist fails when docs/architecture.md names a Go
// declaration of the module that no longer exists (`inputs.Schedule`,
// `FactoryOf.Full`): a name qualified by one of the module's package names
// must be declared in a package of that name; Type.Member in some package.
// Names of other modules' packages (`prometheus.Gatherer`) are not checked.
func TestArchitectureDocNamesExist(t *testing.T) {
	byPkg := map[string]map[string]bool{} // package name → its declarations
	all := map[string]bool{}              // Type.Member of every package
	for _, p := range listPackages(t) {
		if !strings.HasPrefix(p.ImportPath, module+"/") || p.Name == "main" {
			continue
		}
		if byPkg[p.Name] == nil {
			byPkg[p.Name] = map[string]bool{}
		}
		declared(t, p, byPkg[p.Name])
		for n := range byPkg[p.Name] {
			if strings.Contains(n, ".") {
				all[n] = true
			}
		}
	}
	checked := 0
	eachDocLine(t, func(pos, line string) {
		for _, m := range codeSpan.FindAllStringSubmatch(line, -1) {
			q := qualified.FindStringSubmatch(m[1])
			if q == nil {
				continue
			}
			var ok bool
			switch decls, isPkg := byPkg[q[1]]; {
			case isPkg && q[3] == "":
				ok = decls[q[2]]
			case isPkg:
				// pkg.Type.Member; pkg.Var.Field is checked as far as the var.
				ok = decls[q[2]] && (decls[q[2]+"."+q[3]] || !hasMembers(decls, q[2]))
			case q[1][0] >= 'A' && q[1][0] <= 'Z' && q[3] == "":
				ok = all[q[1]+"."+q[2]]
			default:
				continue // another module's package
			}
			checked++
			if !ok {
				t.Errorf("%s names `%s`, which the module does not declare", pos, m[1])
			}
		}
	})
	if checked < 10 {
		t.Fatalf("%s: only %d Go names found; is the extraction broken?", archDoc, checked)
	}
}
