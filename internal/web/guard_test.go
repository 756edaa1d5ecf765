package web_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The console talks to Graph only through the graph package, which owns
// every path, header and permission, and it never links the emulator: the
// console must work against Microsoft exactly as it does against the
// emulator, with only base URLs differing.
//
// TestConsoleLeavesGraphToTheClient reads every non-test .go file under
// internal/web and fails when one
//   - contains "/v1.0" or "/beta" anywhere (a Graph path, even in a
//     comment: a path spelled there tends to be copied into code),
//   - has a string literal naming a Graph header value or permission
//     (include-unknown-enum-members, a Prefer or ConsistencyLevel header,
//     SecurityAlert.Read.All and the like), or
//   - belongs to a console package and imports the emulator, or a
//     test-support package, directly or through its dependencies.
//
// Test-support packages are told apart by Go's naming convention for
// them, which this repository follows (net/http/httptest, emulator/emutest):
// their package name ends in "test" (internal/web/webtest). They may
// import the emulator; only _test.go files may import them, which the
// last rule enforces for the console's packages.
func TestConsoleLeavesGraphToTheClient(t *testing.T) {
	const module = "github.com/graphsec/graphsec/"
	forbiddenText := []string{"/v1.0", "/beta"}
	forbiddenLiterals := []string{"include-unknown-enum-members", "Prefer", "ConsistencyLevel",
		".Read.All", ".ReadWrite.All", "User.Read", "Mail.Send"}
	isEmulator := func(path string) bool {
		return path == module+"emulator" || strings.HasPrefix(path, module+"emulator/")
	}

	fset := token.NewFileSet()
	consolePkgs := map[string]bool{} // import paths of console packages
	supportPkgs := map[string]bool{} // import paths of test-support packages
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		files++
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		src := fset.File(f.Pos())
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := string(raw)
		for _, bad := range forbiddenText {
			if i := strings.Index(text, bad); i >= 0 {
				t.Errorf("%s:%d spells the Graph path %q: call a graph package method instead", path, src.Line(src.Pos(i)), bad)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, bad := range forbiddenLiterals {
				if strings.Contains(v, bad) {
					t.Errorf("%s:%d spells %q, a Graph header or permission: the graph package owns it", path, fset.Position(lit.Pos()).Line, bad)
				}
			}
			return true
		})
		pkgPath := module + "internal/web"
		if dir := filepath.ToSlash(filepath.Dir(path)); dir != "." {
			pkgPath += "/" + dir
		}
		support := strings.HasSuffix(f.Name.Name, "test")
		if support {
			supportPkgs[pkgPath] = true
			return nil
		}
		consolePkgs[pkgPath] = true
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if isEmulator(p) {
				t.Errorf("%s imports %s: only test-support packages (name ending in \"test\") and _test.go files may", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 || len(consolePkgs) < 5 || !supportPkgs[module+"internal/web/webtest"] {
		t.Fatalf("read %d files, %d console packages, support packages %v: the walk missed the tree", files, len(consolePkgs), supportPkgs)
	}

	// Through dependencies: what each console package links.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list dependencies; direct imports were checked")
	}
	args := []string{"list", "-f", `{{.ImportPath}} {{join .Deps " "}}`}
	for pkg := range consolePkgs {
		args = append(args, pkg)
	}
	out, err := exec.Command(goTool, args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for line := range strings.Lines(string(out)) {
		deps := strings.Fields(line)
		for _, dep := range deps[1:] {
			if isEmulator(dep) || supportPkgs[dep] {
				t.Errorf("%s links %s: the console must not", deps[0], dep)
			}
		}
	}
}
