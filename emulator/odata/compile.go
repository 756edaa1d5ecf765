package odata

import (
	"slices"
	"strings"
)

// Filter is a compiled $filter: a tree of closures built once per request,
// with every property already resolved to its stored spelling, every enum
// literal canonicalised and every cast resolved to the set of type names
// it accepts. Matching does no name resolution, no lower-casing of names
// and no allocation. A Filter is safe for concurrent use.
type Filter struct {
	src   string
	root  Node
	match func(env []any) bool
	// slots is the size of the environment: slot 0 holds the document,
	// slot 1 (meterSlot) the run's meter, then one slot per lambda range
	// variable.
	slots int
	// terms are the enum conditions every match satisfies (EnumTerms).
	terms []EnumTerm
}

// Compile parses expr and binds it to t with the default limits.
func Compile(expr string, t *Type) (*Filter, error) {
	return CompileLimits(expr, t, Limits{})
}

// CompileLimits parses expr and binds it to t. Every error is an *Error.
func CompileLimits(expr string, t *Type, lim Limits) (*Filter, error) {
	n, err := ParseFilter(expr, lim)
	if err != nil {
		return nil, err
	}
	return Bind(n, expr, t)
}

// Bind type-checks a parsed filter against t and compiles it. src is kept
// for String.
func Bind(n Node, src string, t *Type) (*Filter, error) {
	sc := &scope{root: t, ci: t.CaseInsensitive, slots: meterSlot + 1, maxSlots: meterSlot + 1}
	e, err := sc.bind(n)
	if err != nil {
		return nil, err
	}
	if e.t.kind != KindBool || e.t.coll {
		return nil, badRequest("Invalid filter clause: The $filter expression must evaluate to a single boolean value.")
	}
	return &Filter{src: src, root: n, match: e.pred, slots: sc.maxSlots, terms: e.terms}, nil
}

// EnumTerm is a condition on one top-level enum property that every
// document a filter matches satisfies: the property's value is one of
// Members (or null, with Null), or with Negate is none of them. It lets a
// store that keeps enum values in dense columns skip most documents
// without reading them; the filter itself must still run on the rest.
//
// A term speaks only of values that are null, absent or a member spelled
// as declared. A document holding anything else (another spelling of a
// member, a string that is no member, a value of the wrong type: data
// errors the filter handles its own way) may match whatever the term says.
type EnumTerm struct {
	// Property is the property's declared name.
	Property string
	// Members are canonical member names, in declaration order.
	Members []string
	// Null puts null (or an absent property) among the values.
	Null bool
	// Negate inverts the condition: the value is none of the above.
	Negate bool

	enum *Enum // the property's enum, for Allows
}

// Allows reports whether a document whose property holds v (nil for null
// or absent) may match. Only nil and members spelled as declared can be
// refused: the term says nothing about any other value.
func (t EnumTerm) Allows(v any) bool {
	if v == nil {
		return t.Null != t.Negate
	}
	s, ok := v.(string)
	if !ok || t.enum == nil || !slices.Contains(t.enum.Members, s) {
		return true
	}
	return slices.Contains(t.Members, s) != t.Negate
}

// EnumTerms returns the conditions on top-level enum properties that the
// filter's top-level "and" chain imposes: comparisons (eq, ne, gt, ge, lt,
// le) of such a property with a literal or with null, "in" lists of
// literals, and their negations with not. Conditions under "or", inside
// lambdas, or between two properties are not terms. A filter that matches
// a document implies every term holds for it, never the reverse.
func (f *Filter) EnumTerms() []EnumTerm {
	out := make([]EnumTerm, len(f.terms))
	for i, t := range f.terms {
		t.Members = slices.Clone(t.Members)
		out[i] = t
	}
	return out
}

// enumTerm builds the term of `prop op c` for a canonical member c (the
// comparison with the literal on the right), consistent with the
// comparison's compiled predicate on every member spelled as declared:
// eq and ne as the fast path compares (without regard to case), ordered
// operators by declaration index.
func enumTerm(prop string, en *Enum, op BinaryOp, c string) []EnumTerm {
	t := EnumTerm{Property: prop, Negate: op == OpNe, enum: en}
	index := enumIndex(en)
	ci, _ := index(c)
	for _, m := range en.Members {
		var in bool
		switch op {
		case OpEq, OpNe:
			in = m == c || strings.EqualFold(m, c)
		default:
			mi, _ := index(m)
			in = holds(op, mi-ci)
		}
		if in && !slices.Contains(t.Members, m) {
			t.Members = append(t.Members, m)
		}
	}
	return []EnumTerm{t}
}

// Match reports whether doc satisfies the filter.
func (f *Filter) Match(doc Object) bool {
	env := make([]any, f.slots)
	env[0] = doc
	return f.match(env)
}

// matchEnv is Match with a caller-owned environment of f.slots entries, so
// that Run evaluates a whole slice without allocating per document.
func (f *Filter) matchEnv(env []any, doc Object) bool {
	env[0] = doc
	return f.match(env)
}

// String returns the filter text as the client sent it (after decoding).
func (f *Filter) String() string { return f.src }

// Expr returns the syntax tree the filter was compiled from.
func (f *Filter) Expr() Node { return f.root }

// vtype is the static type of a bound expression. kind 0 is the type of
// the null literal.
type vtype struct {
	kind Kind
	enum *Enum
	typ  *Type
	coll bool
	name string // overrides the Edm name of a literal (Edm.Int32, an enum literal's type)
}

func (v vtype) String() string {
	var s string
	switch {
	case v.name != "":
		s = v.name
	case v.kind == 0:
		s = "<null>"
	case v.kind == KindEnum && v.enum != nil:
		s = v.enum.Name
	case v.kind == KindComplex && v.typ != nil:
		s = v.typ.Name
	case v.kind == KindOpen:
		s = "Edm.Untyped"
	default:
		s = v.kind.String()
	}
	if v.coll {
		return "Collection(" + s + ")"
	}
	return s
}

var boolType = vtype{kind: KindBool}

// expr is a bound expression. Every expression has get; boolean ones also
// have pred. Constants carry their (converted) value in cval.
type expr struct {
	t       vtype
	get     func(env []any) any
	pred    func(env []any) bool
	isConst bool
	cval    any
	// cast, on a collection-valued path with a trailing type cast, keeps
	// only the items of that type.
	cast *castCheck
	// canon is a path's canonical spelling: declared names, by segment.
	canon []string
	// top is the property's declared name when the expression is a path
	// to one top-level property of the resource (no cast, no lambda
	// variable), as an EnumTerm needs.
	top string
	// terms are EnumTerms the predicate implies; termExact says the
	// predicate is exactly its single term on the values terms speak
	// of, so that not can negate it.
	terms     []EnumTerm
	termExact bool
}

type rangeVar struct {
	name string
	slot int
	t    vtype
}

type scope struct {
	root     *Type
	ci       bool
	vars     []rangeVar
	slots    int
	maxSlots int
	sort     bool // binding an $orderby path: check Sort instead of Filter
}

func (sc *scope) lookupVar(name string) (rangeVar, bool) {
	for i := len(sc.vars) - 1; i >= 0; i-- {
		if sc.vars[i].name == name {
			return sc.vars[i], true
		}
	}
	return rangeVar{}, false
}

func (sc *scope) bind(n Node) (expr, error) {
	switch n := n.(type) {
	case *Literal:
		return bindLiteral(n), nil
	case *Path:
		return sc.bindPath(n)
	case *Count:
		return sc.bindCount(n)
	case *Lambda:
		return sc.bindLambda(n)
	case *Call:
		return sc.bindCall(n)
	case *Not:
		x, err := sc.bind(n.X)
		if err != nil {
			return expr{}, err
		}
		if x.t.kind != KindBool || x.t.coll {
			return expr{}, badRequest("Invalid filter clause: A unary operator with an incompatible type was detected. Found operand type '%s' for operator kind 'Not'.", x.t)
		}
		p := x.pred
		e := predExpr(func(env []any) bool { return !p(env) })
		if x.termExact {
			t := x.terms[0]
			t.Negate = !t.Negate
			e.terms, e.termExact = []EnumTerm{t}, true
		}
		return e, nil
	case *In:
		return sc.bindIn(n)
	case *Binary:
		switch n.Op {
		case OpAnd, OpOr:
			return sc.bindLogical(n)
		case OpHas:
			return expr{}, badRequest("Invalid filter clause: The 'has' operator is not supported.")
		}
		l, err := sc.bind(n.Left)
		if err != nil {
			return expr{}, err
		}
		r, err := sc.bind(n.Right)
		if err != nil {
			return expr{}, err
		}
		e, err := compileComparison(n.Op, l, r)
		if err == nil {
			e.terms, e.termExact = comparisonTerm(n.Op, l, r)
		}
		return e, err
	}
	return expr{}, badRequest("Invalid filter clause: Unsupported expression.")
}

func predExpr(p func(env []any) bool) expr {
	return expr{t: boolType, pred: p, get: func(env []any) any { return p(env) }}
}

func constExpr(t vtype, v any) expr {
	e := expr{t: t, isConst: true, cval: v, get: func([]any) any { return v }}
	if b, ok := v.(bool); ok {
		e.pred = func([]any) bool { return b }
	}
	return e
}

func bindLiteral(l *Literal) expr {
	switch l.Kind {
	case LitBool:
		return constExpr(boolType, l.Value)
	case LitString:
		return constExpr(vtype{kind: KindString}, l.Value)
	case LitInt:
		name := "Edm.Int32"
		if l.big {
			name = "Edm.Int64"
		}
		return constExpr(vtype{kind: KindInt, name: name}, l.Value)
	case LitDecimal:
		name := "Edm.Decimal"
		if l.float {
			name = "Edm.Double"
		}
		return constExpr(vtype{kind: KindDouble, name: name}, l.Value)
	case LitGuid:
		return constExpr(vtype{kind: KindGuid}, l.Value)
	case LitDateTime:
		return constExpr(vtype{kind: KindDateTime}, l.Value)
	case LitEnum:
		return constExpr(vtype{kind: KindEnum, name: l.EnumType}, l.Value)
	}
	return constExpr(vtype{}, nil)
}

// findProperty looks a name up on t and its bases: the exact spelling
// first, then without regard to case when the query's root type (or t)
// is case-insensitive.
func findProperty(t *Type, name string, ci bool) (Property, bool) {
	if p, ok := t.exact(name); ok {
		return p, true
	}
	if ci || t.CaseInsensitive {
		lower := strings.ToLower(name)
		for c := t; c != nil; c = c.Base {
			if i, ok := c.index[lower]; ok {
				return c.props[i], true
			}
		}
	}
	return Property{}, false
}

// step is one hop of a compiled path: read a property, or check a cast.
type step struct {
	name string
	cast *castCheck
}

// castCheck accepts objects whose @odata.type names the cast type or a
// type derived from it. An object without @odata.type is of the declared
// type, which a downcast never accepts.
type castCheck struct {
	names []string // qualified names without '#', as declared
}

func newCast(t *Type) *castCheck {
	c := &castCheck{}
	var walk func(t *Type)
	walk = func(t *Type) {
		c.names = append(c.names, t.Name)
		for _, d := range t.derived {
			walk(d)
		}
	}
	walk(t)
	return c
}

func (c *castCheck) match(o Object) bool {
	s, ok := o["@odata.type"].(string)
	if !ok {
		return false
	}
	s = strings.TrimPrefix(s, "#")
	for _, n := range c.names {
		if s == n {
			return true
		}
	}
	// Stored data is canonical; a differently cased name is accepted
	// because Type.Resolve accepts it too. Type names are ASCII, so only
	// names of the same length can match (which spares reading the
	// string of every evidence item of another type).
	for _, n := range c.names {
		if len(s) == len(n) && strings.EqualFold(s, n) {
			return true
		}
	}
	return false
}

func (c *castCheck) matchAny(v any) bool {
	o, ok := v.(Object)
	return ok && c.match(o)
}

func resolveCast(t *Type, name string) (*Type, error) {
	if d, ok := t.Derived(name); ok {
		return d, nil
	}
	return nil, badRequest("Invalid filter clause: Encountered invalid type cast. '%s' is not assignable from '%s'.", echo(name), t.Name)
}

func notFound(name string, on vtype) *Error {
	return badRequest("Could not find a property named '%s' on type '%s'.", echo(name), on)
}

// bindPath resolves a property path against the schema and compiles it
// into a loop over steps.
func (sc *scope) bindPath(p *Path) (expr, error) {
	segs := p.Segments
	cur := vtype{kind: KindComplex, typ: sc.root}
	slot, i := 0, 0
	fromRoot := true
	if v, ok := sc.lookupVar(segs[0]); ok {
		cur, slot, i, fromRoot = v.t, v.slot, 1, false
	} else if segs[0] == "$it" {
		i = 1
	}
	var steps []step
	var canon []string
	var collCast *castCheck
	checkFirst := fromRoot
	for ; i < len(segs); i++ {
		seg := segs[i]
		isCast := strings.Contains(seg, ".")
		if cur.coll {
			if isCast && cur.kind == KindComplex && collCast == nil {
				d, err := resolveCast(cur.typ, seg)
				if err != nil {
					return expr{}, err
				}
				if d != cur.typ {
					collCast = newCast(d)
				}
				cur.typ = d
				canon = append(canon, d.Name)
				continue
			}
			return expr{}, badRequest("Invalid filter clause: The parent value for a property access of a property '%s' is not a single value. Property access can only be applied to a single value.", echo(seg))
		}
		if isCast {
			if cur.kind != KindComplex {
				return expr{}, badRequest("Invalid filter clause: Encountered invalid type cast. '%s' is not assignable from '%s'.", echo(seg), cur)
			}
			d, err := resolveCast(cur.typ, seg)
			if err != nil {
				return expr{}, err
			}
			if d != cur.typ {
				steps = append(steps, step{cast: newCast(d)})
			}
			cur.typ = d
			canon = append(canon, d.Name)
			continue
		}
		if cur.kind != KindComplex {
			return expr{}, notFound(seg, cur)
		}
		prop, ok := findProperty(cur.typ, seg, sc.ci)
		if !ok {
			return expr{}, notFound(seg, cur)
		}
		if checkFirst {
			checkFirst = false
			if sc.sort && !prop.Sort {
				return expr{}, badRequest("The query specified in the URI is not valid. The property '%s' cannot be used in the $orderby query option.", prop.Name)
			}
			if !sc.sort && !prop.Filter {
				return expr{}, badRequest("Invalid filter clause: Filtering on property '%s' is not supported.", prop.Name)
			}
		}
		if prop.Kind == KindOpen {
			if sc.sort {
				return expr{}, badRequest("The query specified in the URI is not valid. The property '%s' cannot be used in the $orderby query option.", prop.Name)
			}
			return expr{}, badRequest("Invalid filter clause: Filtering on property '%s' is not supported.", prop.Name)
		}
		steps = append(steps, step{name: prop.Name})
		canon = append(canon, prop.Name)
		cur = vtype{kind: prop.Kind, enum: prop.Enum, typ: prop.Type, coll: prop.Collection}
	}
	e := expr{t: cur, get: makeGetter(slot, steps), cast: collCast, canon: canon}
	if fromRoot && len(steps) == 1 && steps[0].cast == nil && collCast == nil {
		e.top = steps[0].name
	}
	if cur.kind == KindBool && !cur.coll {
		get := e.get
		e.pred = func(env []any) bool {
			b, _ := get(env).(bool)
			return b
		}
	}
	return e, nil
}

func makeGetter(slot int, steps []step) func(env []any) any {
	switch {
	case len(steps) == 0:
		return func(env []any) any { return env[slot] }
	case len(steps) == 1 && steps[0].cast == nil:
		name := steps[0].name
		return func(env []any) any {
			o, _ := env[slot].(Object)
			return o[name]
		}
	case len(steps) == 2 && steps[0].cast == nil && steps[1].cast == nil:
		a, b := steps[0].name, steps[1].name
		return func(env []any) any {
			o, _ := env[slot].(Object)
			o, _ = o[a].(Object)
			return o[b]
		}
	}
	return func(env []any) any {
		v := env[slot]
		for i := range steps {
			o, ok := v.(Object)
			if !ok {
				return nil
			}
			if c := steps[i].cast; c != nil {
				if !c.match(o) {
					return nil
				}
				continue
			}
			v = o[steps[i].name]
		}
		return v
	}
}

func (sc *scope) bindCollection(p *Path, what string) (expr, error) {
	e, err := sc.bindPath(p)
	if err != nil {
		return expr{}, err
	}
	if !e.t.coll {
		return expr{}, badRequest("Invalid filter clause: The '%s' operator can only be applied to a collection, but '%s' is of type '%s'.", what, echo(p.String()), e.t)
	}
	return e, nil
}

func (sc *scope) bindCount(n *Count) (expr, error) {
	c, err := sc.bindCollection(n.Path, "$count")
	if err != nil {
		return expr{}, err
	}
	get, cast := c.get, c.cast
	return expr{t: vtype{kind: KindInt}, get: func(env []any) any {
		items, _ := get(env).([]any)
		if cast == nil {
			return int64(len(items))
		}
		if !charge(env, len(items)) {
			return nil
		}
		n := int64(0)
		for _, it := range items {
			if cast.matchAny(it) {
				n++
			}
		}
		return n
	}}, nil
}

func (sc *scope) bindLambda(n *Lambda) (expr, error) {
	op := "any"
	if n.All {
		op = "all"
	}
	c, err := sc.bindCollection(n.Path, op)
	if err != nil {
		return expr{}, err
	}
	get, cast := c.get, c.cast
	if n.Body == nil {
		return predExpr(func(env []any) bool {
			items, _ := get(env).([]any)
			if cast == nil {
				return len(items) > 0
			}
			if !charge(env, len(items)) {
				return false
			}
			for _, it := range items {
				if cast.matchAny(it) {
					return true
				}
			}
			return false
		}), nil
	}
	if _, ok := sc.lookupVar(n.Var); ok || n.Var == "$it" {
		return expr{}, badRequest("Invalid filter clause: The range variable '%s' has already been declared.", echo(n.Var))
	}
	elem := c.t
	elem.coll = false
	slot := sc.slots
	sc.slots++
	sc.maxSlots = max(sc.maxSlots, sc.slots)
	sc.vars = append(sc.vars, rangeVar{name: n.Var, slot: slot, t: elem})
	body, err := sc.bind(n.Body)
	sc.vars = sc.vars[:len(sc.vars)-1]
	sc.slots--
	if err != nil {
		return expr{}, err
	}
	if body.t.kind != KindBool || body.t.coll {
		return expr{}, badRequest("Invalid filter clause: The expression of the '%s' lambda must evaluate to a single boolean value, but is of type '%s'.", op, body.t)
	}
	// Each evaluation charges the items it may visit to the run's meter:
	// nested lambdas multiply, and this is what a run's budget counts.
	pred := body.pred
	if n.All {
		return predExpr(func(env []any) bool {
			v := get(env)
			items, ok := v.([]any)
			if !ok && v != nil {
				return false // not a collection: a data error never matches
			}
			if !charge(env, len(items)) {
				return false
			}
			for _, it := range items {
				if cast != nil && !cast.matchAny(it) {
					continue
				}
				env[slot] = it
				if !pred(env) {
					return false
				}
			}
			return true
		}), nil
	}
	return predExpr(func(env []any) bool {
		items, _ := get(env).([]any)
		if !charge(env, len(items)) {
			return false
		}
		for _, it := range items {
			if cast != nil && !cast.matchAny(it) {
				continue
			}
			env[slot] = it
			if pred(env) {
				return true
			}
		}
		return false
	}), nil
}

// bindLogical flattens a chain of one operator (a and b and c) into one
// closure over a slice, so a long chain costs a loop rather than a deep
// tree of calls.
func (sc *scope) bindLogical(n *Binary) (expr, error) {
	var operands []Node
	var cur Node = n
	for {
		b, ok := cur.(*Binary)
		if !ok || b.Op != n.Op {
			operands = append(operands, cur)
			break
		}
		operands = append(operands, b.Right)
		cur = b.Left
	}
	preds := make([]func([]any) bool, len(operands))
	var terms []EnumTerm
	for i := range operands {
		node := operands[len(operands)-1-i]
		e, err := sc.bind(node)
		if err != nil {
			return expr{}, err
		}
		if e.t.kind != KindBool || e.t.coll {
			return expr{}, badRequest("Invalid filter clause: A binary operator with incompatible types was detected. Found operand types '%s' and 'Edm.Boolean' for operator kind '%s'.", e.t, n.Op.kindName())
		}
		preds[i] = e.pred
		if n.Op == OpAnd {
			terms = append(terms, e.terms...)
		}
	}
	// Evaluate cheap operands first: and/or short-circuit, and operands
	// have no side effects, so only the cost changes. Binding above kept
	// the textual order, so errors are reported in that order.
	costs := make([]int, len(operands))
	for i := range operands {
		costs[i] = nodeCost(operands[len(operands)-1-i])
	}
	order := make([]int, len(preds))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return costs[a] - costs[b] })
	sorted := make([]func([]any) bool, len(preds))
	for i, j := range order {
		sorted[i] = preds[j]
	}
	preds = sorted
	if n.Op == OpAnd {
		var e expr
		if len(preds) == 2 {
			a, b := preds[0], preds[1]
			e = predExpr(func(env []any) bool { return a(env) && b(env) })
		} else {
			e = predExpr(func(env []any) bool {
				for _, p := range preds {
					if !p(env) {
						return false
					}
				}
				return true
			})
		}
		e.terms = terms
		return e, nil
	}
	if len(preds) == 2 {
		a, b := preds[0], preds[1]
		return predExpr(func(env []any) bool { return a(env) || b(env) }), nil
	}
	return predExpr(func(env []any) bool {
		for _, p := range preds {
			if p(env) {
				return true
			}
		}
		return false
	}), nil
}

// nodeCost estimates the evaluation cost of a subtree: roughly the map
// lookups it makes, with lambdas weighted by the items they visit.
func nodeCost(n Node) int {
	switch n := n.(type) {
	case *Path:
		return len(n.Segments)
	case *Count:
		return 3 + len(n.Path.Segments)
	case *Lambda:
		c := 10 + len(n.Path.Segments)
		if n.Body != nil {
			c += 4 * nodeCost(n.Body)
		}
		return c
	case *Call:
		c := 3
		for _, a := range n.Args {
			c += nodeCost(a)
		}
		return c
	case *Not:
		return nodeCost(n.X)
	case *In:
		return 1 + nodeCost(n.X)
	case *Binary:
		return 1 + nodeCost(n.Left) + nodeCost(n.Right)
	}
	return 0
}

// stringFuncs are the supported string functions; each takes the value
// and the lower-case form of the argument.
var stringFuncs = map[string]func(s, lowerArg string) bool{
	"startswith": hasPrefixFold,
	"endswith":   hasSuffixFold,
	"contains":   containsFold,
}

func (sc *scope) bindCall(n *Call) (expr, error) {
	fn, ok := stringFuncs[n.Func]
	if !ok {
		return expr{}, badRequest("Invalid filter clause: An unknown function with name '%s' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.", echo(n.Func))
	}
	signature := func() *Error {
		return badRequest("Invalid filter clause: No function signature for the function with name '%s' matches the specified arguments. The function signatures considered are: %s(Edm.String Nullable=true, Edm.String Nullable=true).", n.Func, n.Func)
	}
	if len(n.Args) != 2 {
		return expr{}, signature()
	}
	var args [2]expr
	for i, a := range n.Args {
		e, err := sc.bind(a)
		if err != nil {
			return expr{}, err
		}
		if e.t.coll || (e.t.kind != KindString && e.t.kind != KindEnum && e.t.kind != 0) || (e.t.kind == KindEnum && e.isConst) {
			return expr{}, signature()
		}
		args[i] = e
	}
	get := args[0].get
	if args[1].isConst {
		if args[1].cval == nil {
			return predExpr(func([]any) bool { return false }), nil
		}
		arg := foldLower(args[1].cval.(string))
		return predExpr(func(env []any) bool {
			s, ok := get(env).(string)
			return ok && fn(s, arg)
		}), nil
	}
	get2 := args[1].get
	return predExpr(func(env []any) bool {
		s, ok := get(env).(string)
		if !ok {
			return false
		}
		a, ok := get2(env).(string)
		return ok && fn(s, foldLower(a))
	}), nil
}

// comparisonTerm returns the EnumTerm of a comparison that compiled: a
// top-level enum property against a literal member or null. The term is
// exact (see expr.termExact) whenever there is one.
func comparisonTerm(op BinaryOp, l, r expr) ([]EnumTerm, bool) {
	if l.isConst && !r.isConst {
		l, r = r, l
		op = flip(op)
	}
	en := l.t.enum
	if l.top == "" || l.t.kind != KindEnum || en == nil || l.t.coll || !r.isConst {
		return nil, false
	}
	if r.t.kind == 0 { // null: eq and ne test presence, the others never hold
		t := EnumTerm{Property: l.top, Null: op == OpEq || op == OpNe, Negate: op == OpNe, enum: en}
		return []EnumTerm{t}, true
	}
	s, ok := r.cval.(string)
	if !ok {
		return nil, false
	}
	m, ok := en.Canonical(s)
	if !ok {
		return nil, false
	}
	return enumTerm(l.top, en, op, m), true
}

// domain is what a comparison compares, once both operand types are known.
type domain uint8

const (
	domString domain = iota + 1
	domEnum
	domTime
	domGuid
	domNumber
	domBool
)

// unify type-checks `l op r` and picks the comparison domain. String
// constants compared with an enum are canonicalised here (in place), so
// an unknown member is reported at compile time.
func unify(op BinaryOp, l, r *expr) (domain, *Enum, error) {
	mismatch := badRequest("Invalid filter clause: A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for operator kind '%s'.", l.t, r.t, op.kindName())
	lk, rk := l.t.kind, r.t.kind
	switch {
	case lk == KindEnum && l.t.enum != nil:
		ok, err := enumOperand(l.t.enum, r)
		if err != nil {
			return 0, nil, err
		}
		if !ok {
			return 0, nil, mismatch
		}
		return domEnum, l.t.enum, nil
	case rk == KindEnum && r.t.enum != nil:
		ok, err := enumOperand(r.t.enum, l)
		if err != nil {
			return 0, nil, err
		}
		if !ok {
			return 0, nil, mismatch
		}
		return domEnum, r.t.enum, nil
	case lk == KindString && rk == KindString:
		return domString, nil, nil
	case lk == KindDateTime && rk == KindDateTime:
		return domTime, nil, nil
	case lk == KindGuid && rk == KindGuid:
		return domGuid, nil, nil
	case (lk == KindInt || lk == KindDouble) && (rk == KindInt || rk == KindDouble):
		return domNumber, nil, nil
	case lk == KindBool && rk == KindBool:
		return domBool, nil, nil
	}
	return 0, nil, mismatch
}

// enumOperand checks the operand compared with an enum of type en: the
// same enum, or a string (or enum) literal naming one of its members,
// which is canonicalised in place. It reports false for an operand of
// another type, and an error for a literal that is not a member.
func enumOperand(en *Enum, o *expr) (bool, error) {
	switch {
	case o.t.kind == KindEnum && o.t.enum == en:
		return true, nil
	case o.isConst && (o.t.kind == KindString || o.t.kind == KindEnum && o.t.enum == nil):
		if o.t.kind == KindEnum && !sameEnumName(o.t.name, en.Name) {
			return false, nil
		}
		s := o.cval.(string)
		m, ok := en.Canonical(s)
		if !ok {
			return false, badRequest("Invalid filter clause: The string '%s' is not a valid enumeration type constant.", echo(s))
		}
		*o = constExpr(vtype{kind: KindEnum, enum: en}, m)
		return true, nil
	}
	return false, nil
}

// sameEnumName reports whether an enum literal's type names the declared
// enum: by qualified name when the Enum's name is qualified (so the legacy
// microsoft.graph.alertSeverity is not the security one), else by the
// literal's last segment.
func sameEnumName(literal, declared string) bool {
	if strings.Contains(declared, ".") {
		return strings.EqualFold(literal, declared)
	}
	if i := strings.LastIndexByte(literal, '.'); i >= 0 {
		literal = literal[i+1:]
	}
	return strings.EqualFold(literal, declared)
}

func flip(op BinaryOp) BinaryOp {
	switch op {
	case OpGt:
		return OpLt
	case OpGe:
		return OpLe
	case OpLt:
		return OpGt
	case OpLe:
		return OpGe
	}
	return op
}

func holds(op BinaryOp, c int) bool {
	switch op {
	case OpEq:
		return c == 0
	case OpNe:
		return c != 0
	case OpGt:
		return c > 0
	case OpGe:
		return c >= 0
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	}
	return false
}

// scalar reports whether an operand can take part in a comparison with a
// non-null value.
func scalar(t vtype) bool {
	return !t.coll && t.kind != KindComplex && t.kind != KindOpen
}

func compileComparison(op BinaryOp, l, r expr) (expr, error) {
	mismatch := func() (expr, error) {
		return expr{}, badRequest("Invalid filter clause: A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for operator kind '%s'.", l.t, r.t, op.kindName())
	}
	// Comparisons with the null literal: any single value, complex
	// values included (vendorInformation eq null), may be compared.
	if l.t.kind == 0 || r.t.kind == 0 {
		if l.t.coll || r.t.coll {
			return mismatch()
		}
		if l.t.kind == 0 && r.t.kind == 0 {
			v := op == OpEq
			return predExpr(func([]any) bool { return v }), nil
		}
		other := l
		if l.t.kind == 0 {
			other = r
		}
		get := other.get
		switch op {
		case OpEq:
			return predExpr(func(env []any) bool { return get(env) == nil }), nil
		case OpNe:
			return predExpr(func(env []any) bool { return get(env) != nil }), nil
		}
		return predExpr(func([]any) bool { return false }), nil
	}
	if !scalar(l.t) || !scalar(r.t) {
		return mismatch()
	}
	dom, en, err := unify(op, &l, &r)
	if err != nil {
		return expr{}, err
	}
	if l.isConst && !r.isConst {
		l, r = r, l
		op = flip(op)
	}
	get := l.get
	// Fast paths for the overwhelmingly common `property eq 'constant'`.
	if r.isConst && (op == OpEq || op == OpNe) {
		want := op == OpEq
		switch dom {
		case domString, domGuid:
			c := r.cval.(string)
			if isASCII(c) {
				lower := foldLower(c)
				return predExpr(func(env []any) bool {
					v := get(env)
					if v == nil {
						return !want
					}
					s, ok := v.(string)
					if !ok {
						return false
					}
					if isASCII(s) {
						return asciiEqualLower(s, lower) == want
					}
					return (compareFold(s, c) == 0) == want
				}), nil
			}
		case domEnum:
			c := r.cval.(string)
			if want {
				return predExpr(func(env []any) bool {
					// Stored members are canonical; another spelling
					// of the same member is accepted (leniency).
					s, ok := get(env).(string)
					return ok && (s == c || strings.EqualFold(s, c))
				}), nil
			}
			index := enumIndex(en)
			return predExpr(func(env []any) bool {
				v := get(env)
				if v == nil {
					return true
				}
				s, ok := v.(string)
				if !ok || s == c || strings.EqualFold(s, c) {
					return false
				}
				_, member := index(s) // a non-member is a data error: no match
				return member
			}), nil
		}
	}
	cmpf := comparer(dom, en)
	if r.isConst {
		c := r.cval
		return predExpr(func(env []any) bool {
			a := get(env)
			if a == nil {
				return op == OpNe
			}
			n, ok := cmpf(a, c)
			return ok && holds(op, n)
		}), nil
	}
	rget := r.get
	return predExpr(func(env []any) bool {
		a, b := get(env), rget(env)
		if a == nil || b == nil {
			switch op {
			case OpEq:
				return a == nil && b == nil
			case OpNe:
				return (a == nil) != (b == nil)
			}
			return false
		}
		n, ok := cmpf(a, b)
		return ok && holds(op, n)
	}), nil
}

// comparer returns the runtime comparison of a domain. It reports false
// when a value does not have the kind the schema promised (a data error):
// such a comparison never matches.
func comparer(dom domain, en *Enum) func(a, b any) (int, bool) {
	switch dom {
	case domString, domGuid:
		return func(a, b any) (int, bool) {
			x, ok1 := a.(string)
			y, ok2 := b.(string)
			if !ok1 || !ok2 {
				return 0, false
			}
			return compareFold(x, y), true
		}
	case domEnum:
		index := enumIndex(en)
		return func(a, b any) (int, bool) {
			x, ok1 := index(a)
			y, ok2 := index(b)
			if !ok1 || !ok2 {
				return 0, false
			}
			return x - y, true
		}
	case domTime:
		return func(a, b any) (int, bool) {
			x, ok1 := asTime(a)
			y, ok2 := asTime(b)
			if !ok1 || !ok2 {
				return 0, false
			}
			return x.Compare(y.Time), true
		}
	case domNumber:
		return func(a, b any) (int, bool) {
			if !numeric(a) || !numeric(b) {
				return 0, false
			}
			return compareNumbers(a, b), true
		}
	case domBool:
		return func(a, b any) (int, bool) {
			x, ok1 := a.(bool)
			y, ok2 := b.(bool)
			if !ok1 || !ok2 {
				return 0, false
			}
			switch {
			case x == y:
				return 0, true
			case !x:
				return -1, true
			}
			return 1, true
		}
	}
	return func(any, any) (int, bool) { return 0, false }
}

// enumIndex maps a member (stored canonical, or in any case) to its
// declaration order, which is how OData orders enum values.
func enumIndex(en *Enum) func(v any) (int, bool) {
	pos := make(map[string]int, len(en.Members))
	for i, m := range en.Members {
		pos[m] = i
	}
	return func(v any) (int, bool) {
		s, ok := v.(string)
		if !ok {
			return 0, false
		}
		if i, ok := pos[s]; ok {
			return i, true
		}
		if m, ok := en.Canonical(s); ok {
			return pos[m], true
		}
		return 0, false
	}
}

// asTime reads a DateTimeOffset value: normally an odata.Time, but a
// string is accepted (data written by hand or by an older seed).
func asTime(v any) (Time, bool) {
	switch x := v.(type) {
	case Time:
		return x, true
	case string:
		t, err := ParseTime(x)
		return t, err == nil
	}
	return Time{}, false
}

// bindIn compiles `x in (literals...)`: every item is type-checked as if
// it were `x eq item`.
func (sc *scope) bindIn(n *In) (expr, error) {
	x, err := sc.bind(n.X)
	if err != nil {
		return expr{}, err
	}
	if !scalar(x.t) || x.t.kind == 0 {
		return expr{}, badRequest("Invalid filter clause: The 'in' operator cannot be applied to a value of type '%s'.", x.t)
	}
	hasNull := false
	var items []any
	var dom domain
	var en *Enum
	for _, lit := range n.List {
		it := bindLiteral(lit)
		if it.t.kind == 0 {
			hasNull = true
			continue
		}
		d, e, err := unify(OpEq, &x, &it)
		if err != nil {
			return expr{}, err
		}
		dom, en = d, e
		items = append(items, it.cval)
	}
	get := x.get
	var terms []EnumTerm
	if x.top != "" && x.t.kind == KindEnum && x.t.enum != nil {
		// The predicates below compare by declaration index.
		index := enumIndex(x.t.enum)
		t := EnumTerm{Property: x.top, Null: hasNull, enum: x.t.enum}
		for _, m := range x.t.enum.Members {
			mi, _ := index(m)
			in := slices.ContainsFunc(items, func(it any) bool { i, _ := index(it); return i == mi })
			if in && !slices.Contains(t.Members, m) {
				t.Members = append(t.Members, m)
			}
		}
		terms = []EnumTerm{t}
	}
	withTerms := func(e expr) (expr, error) {
		e.terms, e.termExact = terms, terms != nil
		return e, nil
	}
	if len(items) == 0 {
		return withTerms(predExpr(func(env []any) bool { return hasNull && get(env) == nil }))
	}
	switch dom {
	case domString, domGuid:
		set := make(map[string]struct{}, len(items))
		for _, it := range items {
			set[foldLower(it.(string))] = struct{}{}
		}
		return predExpr(func(env []any) bool {
			v := get(env)
			if v == nil {
				return hasNull
			}
			s, ok := v.(string)
			if !ok {
				return false
			}
			_, found := set[foldLower(s)]
			return found
		}), nil
	case domEnum:
		index := enumIndex(en)
		set := make(map[int]struct{}, len(items))
		for _, it := range items {
			i, _ := index(it)
			set[i] = struct{}{}
		}
		return withTerms(predExpr(func(env []any) bool {
			v := get(env)
			if v == nil {
				return hasNull
			}
			i, ok := index(v)
			if !ok {
				return false
			}
			_, found := set[i]
			return found
		}))
	}
	cmpf := comparer(dom, en)
	return predExpr(func(env []any) bool {
		v := get(env)
		if v == nil {
			return hasNull
		}
		for _, it := range items {
			if c, ok := cmpf(v, it); ok && c == 0 {
				return true
			}
		}
		return false
	}), nil
}
