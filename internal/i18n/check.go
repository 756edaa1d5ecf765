package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"html/template"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template/parse"
)

// Checks for other packages' tests. A page that shows a marker, or a call
// that names a missing key or gives the wrong arguments, is a bug that a
// test should find before a user does.

// FindMarkers returns what each marker in rendered output says (the key
// of a missing message, "key:{arg}" for a missing argument, …), in order.
func FindMarkers(rendered string) []string {
	var out []string
	for {
		i := strings.Index(rendered, MarkOpen)
		if i < 0 {
			return out
		}
		rendered = rendered[i+len(MarkOpen):]
		j := strings.Index(rendered, MarkClose)
		if j < 0 {
			return append(out, rendered)
		}
		out = append(out, rendered[:j])
		rendered = rendered[j+len(MarkClose):]
	}
}

// TB is the part of testing.TB that AssertNoMarkers uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// AssertNoMarkers fails t when rendered output holds a marker: a missing
// message key, a missing argument or a value Printer could not format.
//
//	i18n.AssertNoMarkers(t, rec.Body.String())
func AssertNoMarkers(t TB, rendered string) bool {
	t.Helper()
	found := FindMarkers(rendered)
	for _, m := range found {
		t.Errorf("i18n: rendered output shows the marker %s%s%s (a missing message key or argument)", MarkOpen, m, MarkClose)
	}
	return len(found) == 0
}

// Problem is a message call that would render a marker.
type Problem struct {
	Pos string // template:line:col or file.go:line:col
	Key string
	Msg string
}

func (p Problem) String() string { return p.Pos + ": " + p.Key + ": " + p.Msg }

// checkCall checks one call of T (args are the name/value pairs, names
// given as literal strings or "" where not literal) or of Count.
func (b *Bundle) checkCall(pos, fn, key string, names []string, nonLiteral bool) []Problem {
	args, isPlural, ok := b.Args(key)
	if !ok {
		return []Problem{{Pos: pos, Key: key, Msg: "no such message in the catalogs"}}
	}
	var out []Problem
	add := func(format string, a ...any) {
		out = append(out, Problem{Pos: pos, Key: key, Msg: fmt.Sprintf(format, a...)})
	}
	if fn == "Count" {
		names = []string{countArg}
	} else if nonLiteral {
		add("argument names must be literal strings for the check to read them")
		return out
	}
	want := slices.Clone(args)
	if isPlural && !slices.Contains(want, countArg) {
		want = append(want, countArg)
	}
	for _, w := range want {
		if !slices.Contains(names, w) {
			add("argument %q is missing (the message uses {%s})", w, strings.Join(args, "} {"))
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			add("argument %q is given twice", n)
		}
		seen[n] = true
		if !slices.Contains(want, n) {
			add("argument %q is not used by the message", n)
		}
	}
	return out
}

// CheckTemplate reports every call of the printer's T or Count in t's
// templates (t and all associated with it) whose key is missing from the
// catalogs or whose arguments do not match the message's placeholders, and
// every EnumOf whose namespace the catalogs do not have. It
// recognises calls written {{$.L.T "key" "name" value}}, {{.L.T …}} and,
// for a FuncMap-bound set, {{T "key" …}}; a key that is not a literal
// string is skipped (it cannot be checked before run time).
func (b *Bundle) CheckTemplate(t *template.Template) []Problem {
	var out []Problem
	for _, tt := range t.Templates() {
		if tt.Tree == nil || tt.Tree.Root == nil {
			continue
		}
		out = append(out, b.CheckTree(tt.Tree)...)
	}
	return out
}

// CheckTree is CheckTemplate for one parse tree (text/template users).
func (b *Bundle) CheckTree(tree *parse.Tree) []Problem {
	var out []Problem
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			out = append(out, b.checkCommand(tree, n)...)
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		case *parse.ChainNode:
			walk(n.Node)
		}
	}
	walk(tree.Root)
	return out
}

// checkCommand checks one template command if it calls T or Count.
func (b *Bundle) checkCommand(tree *parse.Tree, cmd *parse.CommandNode) []Problem {
	if len(cmd.Args) < 2 {
		return nil
	}
	var fn string
	switch f := cmd.Args[0].(type) {
	case *parse.IdentifierNode:
		fn = f.Ident
	case *parse.FieldNode:
		fn = f.Ident[len(f.Ident)-1]
	case *parse.VariableNode:
		if len(f.Ident) > 1 {
			fn = f.Ident[len(f.Ident)-1]
		}
	case *parse.ChainNode:
		if len(f.Field) > 0 {
			fn = f.Field[len(f.Field)-1]
		}
	}
	if fn != "T" && fn != "Count" && fn != "EnumOf" {
		return nil
	}
	keyNode, ok := cmd.Args[1].(*parse.StringNode)
	if !ok {
		return nil
	}
	pos, _ := tree.ErrorContext(cmd)
	if fn == "EnumOf" {
		return b.checkNamespace(pos, keyNode.Text)
	}
	rest := cmd.Args[2:]
	var names []string
	nonLiteral := false
	if fn == "T" {
		if len(rest)%2 != 0 {
			return []Problem{{Pos: pos, Key: keyNode.Text, Msg: "arguments must come in name/value pairs"}}
		}
		for i := 0; i < len(rest); i += 2 {
			s, ok := rest[i].(*parse.StringNode)
			if !ok {
				nonLiteral = true
				continue
			}
			names = append(names, s.Text)
		}
	} else if len(rest) != 1 {
		return []Problem{{Pos: pos, Key: keyNode.Text, Msg: "Count takes a key and one count"}}
	}
	return b.checkCall(pos, fn, keyNode.Text, names, nonLiteral)
}

// checkNamespace checks the literal namespace of an EnumOf call.
func (b *Bundle) checkNamespace(pos, ns string) []Problem {
	if b.cats[English].labels[ns] == nil {
		return []Problem{{Pos: pos, Key: ns, Msg: "no such label namespace in the catalogs"}}
	}
	return nil
}

// CheckGoFiles reports the same problems as CheckTemplate for Go code: in
// the .go files of dir (not its _test.go files), every call named T, Count
// or EnumOf whose first argument is a string literal is taken for a
// message lookup and checked: a method call (p.T), a qualified call (a
// package's own message constructor, page.T) or a plain one (T, inside
// that package). It reads the source only; it does not type-check.
func (b *Bundle) CheckGoFiles(dir string) ([]Problem, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var out []Problem
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr: // p.T(…), page.T(…)
				name = fn.Sel.Name
			case *ast.Ident: // T(…) inside the package that defines it
				name = fn.Name
			}
			if name != "T" && name != "Count" && name != "EnumOf" {
				return true
			}
			key, ok := stringLit(call.Args[0])
			if !ok {
				return true
			}
			pos := fset.Position(call.Pos()).String()
			if name == "EnumOf" {
				out = append(out, b.checkNamespace(pos, key)...)
				return true
			}
			rest := call.Args[1:]
			if call.Ellipsis.IsValid() {
				return true // T(key, args...): the pairs are built at run time
			}
			var names []string
			nonLiteral := false
			if name == "T" {
				if len(rest)%2 != 0 {
					out = append(out, Problem{Pos: pos, Key: key, Msg: "arguments must come in name/value pairs"})
					return true
				}
				for i := 0; i < len(rest); i += 2 {
					s, ok := stringLit(rest[i])
					if !ok {
						nonLiteral = true
						continue
					}
					names = append(names, s)
				}
			} else if len(rest) != 1 {
				out = append(out, Problem{Pos: pos, Key: key, Msg: "Count takes a key and one count"})
				return true
			}
			out = append(out, b.checkCall(pos, name, key, names, nonLiteral)...)
			return true
		})
	}
	return out, nil
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}
