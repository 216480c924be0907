package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// floors is the layering main.go's package doc states: a package imports
// only packages on lower floors. A new package is added here and there.
var floors = map[string]int{
	".":   6,
	"cli": 5, "tui": 5,
	"specfile": 4, "alert": 4, "chquery": 4,
	"segment": 3, "experiment": 3, "forecast": 3, "why": 3, "attribution": 3, "survival": 3, "recommend": 3, "sequence": 3,
	"query": 2, "importers": 2, "sample": 2, "push": 2,
	"store": 1, "output": 1, "termquery": 1, "clickhouse": 1,
	"i18n": 0,
}

func TestLayers(t *testing.T) {
	const module = "github.com/spoorhq/spoor"
	dirs, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	pkgs := []string{"."}
	for _, d := range dirs {
		if d.IsDir() && d.Name() != "bench" && !strings.HasPrefix(d.Name(), ".") {
			pkgs = append(pkgs, d.Name())
		}
	}
	for _, pkg := range pkgs {
		files, _ := filepath.Glob(filepath.Join(pkg, "*.go"))
		var src []string
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				src = append(src, f)
			}
		}
		if len(src) == 0 {
			continue // docs, testdata
		}
		floor, ok := floors[pkg]
		if !ok {
			t.Errorf("package %s has no floor: add it to the layering in main.go's doc and to floors in layers_test.go", pkg)
			continue
		}
		for _, f := range src {
			ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range ast.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				dep, ok := strings.CutPrefix(path, module+"/")
				if !ok {
					continue
				}
				if df, known := floors[dep]; !known || df >= floor {
					t.Errorf("%s imports %s: %s is on floor %d, %s on floor %d (a package imports only lower floors)", f, dep, pkg, floor, dep, df)
				}
			}
		}
	}
}
