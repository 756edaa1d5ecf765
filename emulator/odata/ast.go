package odata

import (
	"strconv"
	"strings"
)

// Node is a node of a parsed $filter. The tree is small and exported so
// that callers (and tests) can inspect what a client asked for, for
// example to recognise the time-boundary cursor of a polling client.
// Pos is the 0-based byte offset of the node in the filter text.
type Node interface {
	Pos() int
	String() string
}

// BinaryOp is a binary operator.
type BinaryOp uint8

// The binary operators, lowest precedence first.
const (
	OpOr BinaryOp = iota + 1
	OpAnd
	OpEq
	OpNe
	OpGt
	OpGe
	OpLt
	OpLe
	OpHas
)

var binaryOpNames = [...]string{OpOr: "or", OpAnd: "and", OpEq: "eq", OpNe: "ne", OpGt: "gt", OpGe: "ge", OpLt: "lt", OpLe: "le", OpHas: "has"}

// kindNames are the OData "operator kind" names used in messages.
var kindNames = [...]string{OpOr: "Or", OpAnd: "And", OpEq: "Equal", OpNe: "NotEqual", OpGt: "GreaterThan", OpGe: "GreaterThanOrEqual", OpLt: "LessThan", OpLe: "LessThanOrEqual", OpHas: "Has"}

// String returns the operator's keyword.
func (op BinaryOp) String() string {
	if int(op) < len(binaryOpNames) && binaryOpNames[op] != "" {
		return binaryOpNames[op]
	}
	return "?"
}

func (op BinaryOp) kindName() string {
	if int(op) < len(kindNames) && kindNames[op] != "" {
		return kindNames[op]
	}
	return "Unknown"
}

// Binary is `Left Op Right`; and/or chains are left-associative.
type Binary struct {
	Op          BinaryOp
	Left, Right Node
	At          int
}

// Not is `not X`.
type Not struct {
	X  Node
	At int
}

// In is `X in (List...)`; the list holds *Literal nodes.
type In struct {
	X    Node
	List []*Literal
	At   int
}

// LiteralKind tells what a Literal holds.
type LiteralKind uint8

// The literal kinds and the Go type of Literal.Value for each.
const (
	LitNull     LiteralKind = iota + 1 // nil
	LitBool                            // bool
	LitString                          // string (unescaped)
	LitInt                             // int64
	LitDecimal                         // float64
	LitGuid                            // string, lower-case
	LitDateTime                        // Time (a bare date is midnight UTC)
	LitEnum                            // string member; EnumType holds the qualified enum name
)

// Literal is a constant.
type Literal struct {
	Kind     LiteralKind
	Value    any
	Text     string // the source text of the literal
	EnumType string // LitEnum only: the type name before the quoted member
	At       int
	big      bool // LitInt outside Int32
	float    bool // LitDecimal written with an exponent
}

// Path is a property path: a/b/c. The first segment may name a lambda
// range variable or $it; a segment containing dots is a type cast.
type Path struct {
	Segments []string
	At       int
}

// Count is `Path/$count`.
type Count struct {
	Path *Path
	At   int
}

// Lambda is `Path/any(Var: Body)` or `Path/all(Var: Body)`; `Path/any()`
// has an empty Var and a nil Body.
type Lambda struct {
	Path *Path
	All  bool
	Var  string
	Body Node
	At   int
}

// Call is a function call. Func is lower-case (startswith, endswith,
// contains) whatever case the client used.
type Call struct {
	Func string
	Args []Node
	At   int
}

func (n *Binary) Pos() int  { return n.At }
func (n *Not) Pos() int     { return n.At }
func (n *In) Pos() int      { return n.At }
func (n *Literal) Pos() int { return n.At }
func (n *Path) Pos() int    { return n.At }
func (n *Count) Pos() int   { return n.At }
func (n *Lambda) Pos() int  { return n.At }
func (n *Call) Pos() int    { return n.At }

// The String methods print a canonical, fully parenthesised form: tests
// compare tree shapes through it, and it is valid filter syntax again.

func (n *Binary) String() string {
	return "(" + n.Left.String() + " " + n.Op.String() + " " + n.Right.String() + ")"
}

func (n *Not) String() string { return "(not " + n.X.String() + ")" }

func (n *In) String() string {
	var b strings.Builder
	b.WriteString("(")
	b.WriteString(n.X.String())
	b.WriteString(" in (")
	for i, l := range n.List {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(l.String())
	}
	b.WriteString("))")
	return b.String()
}

func (n *Literal) String() string {
	switch n.Kind {
	case LitNull:
		return "null"
	case LitBool:
		return strconv.FormatBool(n.Value.(bool))
	case LitString:
		return quote(n.Value.(string))
	case LitInt:
		return strconv.FormatInt(n.Value.(int64), 10)
	case LitDecimal:
		// Keep a decimal point or exponent so that the text reads back as
		// a decimal, not an integer.
		s := strconv.FormatFloat(n.Value.(float64), 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		return s
	case LitGuid:
		return n.Value.(string)
	case LitDateTime:
		return n.Value.(Time).String()
	case LitEnum:
		return n.EnumType + quote(n.Value.(string))
	}
	return n.Text
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (n *Path) String() string { return strings.Join(n.Segments, "/") }

func (n *Count) String() string { return n.Path.String() + "/$count" }

func (n *Lambda) String() string {
	op := "any"
	if n.All {
		op = "all"
	}
	if n.Body == nil {
		return n.Path.String() + "/" + op + "()"
	}
	return n.Path.String() + "/" + op + "(" + n.Var + ":" + n.Body.String() + ")"
}

func (n *Call) String() string {
	var b strings.Builder
	b.WriteString(n.Func)
	b.WriteString("(")
	for i, a := range n.Args {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(a.String())
	}
	b.WriteString(")")
	return b.String()
}
