package odata

import (
	"strings"
)

// ParseFilter parses a $filter expression into its syntax tree without
// binding it to a schema. Keywords and function names are matched without
// regard to case. Every error is an *Error.
func ParseFilter(expr string, lim Limits) (Node, error) {
	lim = lim.withDefaults()
	if len(expr) > lim.MaxFilterLength {
		return nil, badRequest("Invalid filter clause: The $filter expression is %d bytes long, more than the limit of %d.", len(expr), lim.MaxFilterLength)
	}
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{src: expr, toks: toks, lim: lim}
	if p.peek().kind == tokEOF {
		return nil, badRequest("Invalid filter clause: The $filter expression is empty.")
	}
	n, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, syntaxError(expr, t.pos)
	}
	return n, nil
}

// parser is a recursive-descent parser over a pre-lexed token slice. Each
// rule that recurses into a full expression takes the current nesting
// depth and checks it against the limit first, which is what makes stack
// use bounded whatever the input. It also counts the nodes it builds and
// the lambdas it is inside, against MaxNodeCount and MaxAnyAllDepth: the
// two limits that bound the work of evaluating the filter.
type parser struct {
	src     string
	toks    []token
	i       int
	lim     Limits
	nodes   int
	lambdas int
}

// grow counts n more nodes of the syntax tree against MaxNodeCount.
func (p *parser) grow(n int) error {
	p.nodes += n
	if p.nodes > p.lim.MaxNodeCount {
		return badRequest("The query specified in the URI is not valid. The node count limit of '%d' has been exceeded. To increase the limit, set the 'MaxNodeCount' property on EnableQueryAttribute or ODataValidationSettings.", p.lim.MaxNodeCount)
	}
	return nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// keyword reports whether the next token is the keyword kw (lower-case).
func (p *parser) keyword(kw string) bool {
	t := p.peek()
	return t.kind == tokIdent && strings.EqualFold(t.text, kw)
}

func (p *parser) expect(k tokenKind) (token, error) {
	t := p.peek()
	if t.kind != k {
		return t, syntaxError(p.src, t.pos)
	}
	return p.next(), nil
}

func (p *parser) deeper(depth int) (int, error) {
	depth++
	if depth > p.lim.MaxDepth {
		return depth, badRequest("Invalid filter clause: The $filter expression is nested more than %d levels deep.", p.lim.MaxDepth)
	}
	return depth, nil
}

func (p *parser) parseOr(depth int) (Node, error) {
	left, err := p.parseAnd(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		at := p.next().pos
		right, err := p.parseAnd(depth)
		if err != nil {
			return nil, err
		}
		if err := p.grow(1); err != nil {
			return nil, err
		}
		left = &Binary{Op: OpOr, Left: left, Right: right, At: at}
	}
	return left, nil
}

func (p *parser) parseAnd(depth int) (Node, error) {
	left, err := p.parseNot(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		at := p.next().pos
		right, err := p.parseNot(depth)
		if err != nil {
			return nil, err
		}
		if err := p.grow(1); err != nil {
			return nil, err
		}
		left = &Binary{Op: OpAnd, Left: left, Right: right, At: at}
	}
	return left, nil
}

func (p *parser) parseNot(depth int) (Node, error) {
	if p.keyword("not") {
		at := p.next().pos
		d, err := p.deeper(depth)
		if err != nil {
			return nil, err
		}
		x, err := p.parseNot(d)
		if err != nil {
			return nil, err
		}
		if err := p.grow(1); err != nil {
			return nil, err
		}
		return &Not{X: x, At: at}, nil
	}
	return p.parseComparison(depth)
}

var comparisonOps = map[string]BinaryOp{"eq": OpEq, "ne": OpNe, "gt": OpGt, "ge": OpGe, "lt": OpLt, "le": OpLe, "has": OpHas}

func (p *parser) parseComparison(depth int) (Node, error) {
	left, err := p.parsePrimary(depth)
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != tokIdent {
		return left, nil
	}
	kw := strings.ToLower(t.text)
	if op, ok := comparisonOps[kw]; ok {
		p.next()
		right, err := p.parsePrimary(depth)
		if err != nil {
			return nil, err
		}
		if err := p.grow(1); err != nil {
			return nil, err
		}
		return &Binary{Op: op, Left: left, Right: right, At: t.pos}, nil
	}
	if kw == "in" {
		p.next()
		if err := p.grow(1); err != nil {
			return nil, err
		}
		return p.parseInList(left, t.pos, depth)
	}
	return left, nil
}

func (p *parser) parseInList(x Node, at, depth int) (Node, error) {
	if _, err := p.expect(tokOpen); err != nil {
		return nil, err
	}
	if _, err := p.deeper(depth); err != nil {
		return nil, err
	}
	in := &In{X: x, At: at}
	for {
		t := p.peek()
		lit, ok := p.literal(t)
		if !ok {
			return nil, syntaxError(p.src, t.pos)
		}
		if len(in.List) == p.lim.MaxInItems {
			return nil, badRequest("Invalid filter clause: The 'in' operator has more than %d items.", p.lim.MaxInItems)
		}
		in.List = append(in.List, lit)
		t = p.peek()
		if t.kind == tokComma {
			p.next()
			continue
		}
		if _, err := p.expect(tokClose); err != nil {
			return nil, err
		}
		return in, nil
	}
}

// literal converts the next token(s) to a literal and consumes them, or
// reports false without consuming anything.
func (p *parser) literal(t token) (*Literal, bool) {
	lit := &Literal{At: t.pos, Text: p.src[t.pos:t.end]}
	switch t.kind {
	case tokString:
		lit.Kind, lit.Value = LitString, t.text
	case tokInt:
		lit.Kind, lit.Value, lit.big = LitInt, t.i, t.big
	case tokDecimal:
		lit.Kind, lit.Value, lit.float = LitDecimal, t.f, t.float
	case tokGuid:
		lit.Kind, lit.Value = LitGuid, t.text
	case tokDateTime:
		lit.Kind, lit.Value = LitDateTime, t.t
	case tokIdent:
		switch strings.ToLower(t.text) {
		case "true":
			lit.Kind, lit.Value = LitBool, true
		case "false":
			lit.Kind, lit.Value = LitBool, false
		case "null":
			lit.Kind, lit.Value = LitNull, nil
		default:
			// An enum literal is a qualified type name immediately
			// followed by a quoted member: ns.alertSeverity'high'.
			nt := p.peekAt(1)
			if strings.Contains(t.text, ".") && nt.kind == tokString && nt.pos == t.end {
				p.next()
				lit.Kind, lit.Value, lit.EnumType = LitEnum, nt.text, t.text
				lit.Text = p.src[t.pos:nt.end]
			} else {
				return nil, false
			}
		}
	default:
		return nil, false
	}
	p.next()
	return lit, true
}

func (p *parser) parsePrimary(depth int) (Node, error) {
	t := p.peek()
	switch t.kind {
	case tokOpen:
		p.next()
		d, err := p.deeper(depth)
		if err != nil {
			return nil, err
		}
		n, err := p.parseOr(d)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokClose); err != nil {
			return nil, err
		}
		return n, nil
	case tokIdent:
		if lit, ok := p.literal(t); ok {
			return lit, p.grow(1)
		}
		if p.peekAt(1).kind == tokOpen {
			return p.parseCall(depth)
		}
		return p.parsePath(depth)
	}
	if lit, ok := p.literal(t); ok {
		return lit, p.grow(1)
	}
	return nil, syntaxError(p.src, t.pos)
}

func (p *parser) parseCall(depth int) (Node, error) {
	name := p.next()
	p.next() // '('
	d, err := p.deeper(depth)
	if err != nil {
		return nil, err
	}
	if err := p.grow(1); err != nil {
		return nil, err
	}
	call := &Call{Func: strings.ToLower(name.text), At: name.pos}
	if p.peek().kind == tokClose {
		p.next()
		return call, nil
	}
	for {
		arg, err := p.parseOr(d)
		if err != nil {
			return nil, err
		}
		call.Args = append(call.Args, arg)
		if p.peek().kind == tokComma {
			p.next()
			continue
		}
		if _, err := p.expect(tokClose); err != nil {
			return nil, err
		}
		return call, nil
	}
}

// parsePath reads a/b/c, ending optionally in /$count or a lambda.
func (p *parser) parsePath(depth int) (Node, error) {
	first := p.next()
	if err := p.grow(1); err != nil {
		return nil, err
	}
	path := &Path{Segments: []string{first.text}, At: first.pos}
	for p.peek().kind == tokSlash {
		p.next()
		seg := p.peek()
		if seg.kind != tokIdent {
			return nil, syntaxError(p.src, seg.pos)
		}
		lower := strings.ToLower(seg.text)
		switch {
		case (lower == "any" || lower == "all") && p.peekAt(1).kind == tokOpen:
			return p.parseLambda(path, lower == "all", depth)
		case lower == "$count":
			p.next()
			return &Count{Path: path, At: seg.pos}, p.grow(1)
		}
		p.next()
		if err := p.grow(1); err != nil {
			return nil, err
		}
		path.Segments = append(path.Segments, seg.text)
	}
	return path, nil
}

func (p *parser) parseLambda(path *Path, all bool, depth int) (Node, error) {
	op := p.next()
	p.next() // '('
	d, err := p.deeper(depth)
	if err != nil {
		return nil, err
	}
	if p.lambdas >= p.lim.MaxAnyAllDepth {
		return nil, badRequest("The query specified in the URI is not valid. The Any/All nesting limit of '%d' has been exceeded. 'MaxAnyAllExpressionDepth' can be configured on ODataQuerySettings or EnableQueryAttribute.", p.lim.MaxAnyAllDepth)
	}
	if err := p.grow(1); err != nil {
		return nil, err
	}
	l := &Lambda{Path: path, All: all, At: op.pos}
	if t := p.peek(); t.kind == tokClose && !all {
		p.next()
		return l, nil
	}
	v := p.peek()
	if v.kind != tokIdent || strings.ContainsAny(v.text, ".$") {
		return nil, syntaxError(p.src, v.pos)
	}
	p.next()
	if _, err := p.expect(tokColon); err != nil {
		return nil, err
	}
	l.Var = v.text
	p.lambdas++
	l.Body, err = p.parseOr(d)
	p.lambdas--
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tokClose); err != nil {
		return nil, err
	}
	return l, nil
}
