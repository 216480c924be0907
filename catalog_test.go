package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/i18n"
)

// catalogCalls are the i18n functions whose first argument is a message
// key: a string literal, so the keys can be read out of the source. T is
// also the method of a language, l.T("…"), which tables given their
// language call: the module declares no other method T (sourceKeys checks).
var catalogCalls = map[string]bool{"T": true, "Errorf": true, "N": true, "M": true}

// wrappers are functions that hand their first argument to the catalog as
// a message key (cli's usagef, a usage error): their calls are read as
// i18n.T's are, and the key they pass on inside is not a literal.
var wrappers = map[string]bool{"usagef": true}

// sourceKeys reads every message key the module's code passes to the
// catalog, with where it is, and the calls whose key is not a literal.
func sourceKeys(t *testing.T) (keys map[string]string, nonLiteral []string) {
	keys = map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "bench" || d.Name() == "testdata" || d.Name() == "i18n") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if fn, ok := n.(*ast.FuncDecl); ok && fn.Recv == nil && wrappers[fn.Name.Name] {
				return false
			}
			if fn, ok := n.(*ast.FuncDecl); ok && fn.Recv != nil && fn.Name.Name == "T" {
				t.Errorf("%s: a method T besides i18n.Lang's: its calls would be read as message keys; name it otherwise", fset.Position(fn.Pos()))
			}
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 || !isCatalogCall(call.Fun) {
				return true
			}
			key, ok := literal(call.Args[0])
			if !ok {
				nonLiteral = append(nonLiteral, fset.Position(call.Pos()).String())
				return true
			}
			key = strings.ReplaceAll(key, "%w", "%v") // as the catalog keeps it
			if _, seen := keys[key]; !seen {
				keys[key] = fset.Position(call.Pos()).String()
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys, nonLiteral
}

// isCatalogCall matches i18n.T(...), i18n.Chinese.T(...), a language's
// l.T(...) and a wrapper's call.
func isCatalogCall(fun ast.Expr) bool {
	if id, ok := fun.(*ast.Ident); ok {
		return wrappers[id.Name]
	}
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok || !catalogCalls[sel.Sel.Name] {
		return false
	}
	if sel.Sel.Name == "T" {
		return true // i18n.T, or the method of a Lang value
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == "i18n"
}

// literal is the value of a string literal or a + of them.
func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := literal(e.X)
		b, ok2 := literal(e.Y)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return literal(e.X)
	}
	return "", false
}

// TestCatalogComplete fails when a message the code shows has no Chinese,
// when a key is not a literal (it could not be checked), when the Chinese
// has a text no code shows any more, or when one key has two texts.
func TestCatalogComplete(t *testing.T) {
	keys, nonLiteral := sourceKeys(t)
	for _, at := range nonLiteral {
		t.Errorf("%s: the message key is not a string literal; write it at the call, or mark it with i18n.N and show it with i18n.Text", at)
	}
	var missing []string
	for key, at := range keys {
		if !i18n.Has(i18n.Chinese, key) {
			missing = append(missing, at+": "+strconv.Quote(key))
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("no Chinese for %s: add it to the package's zh.go", m)
	}
	for _, key := range i18n.Keys(i18n.Chinese) {
		if _, used := keys[key]; !used {
			t.Errorf("the Chinese catalog has %q, which no code shows: remove it from its zh.go", key)
		}
	}
	for _, c := range i18n.Conflicts() {
		t.Errorf("one key, two texts: %s", c)
	}
	// A text is a format: a % it shows is written %%, or it prints as
	// %!(NOVERB). A key with no verb is shown with no arguments, so its
	// Chinese must format cleanly without any.
	for key := range keys {
		if !strings.Contains(key, "%") && strings.Contains(i18n.Chinese.T(key), "%!") {
			t.Errorf("the Chinese of %q is %q: write a %% sign as %%%%", key, i18n.Chinese.T(key))
		}
	}
}
