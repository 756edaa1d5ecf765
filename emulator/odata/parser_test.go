package odata

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLex(t *testing.T) {
	tests := []struct {
		in   string
		want string // kinds and texts, space separated
	}{
		{"severity eq 'high'", "identifier:severity identifier:eq string:high"},
		{"title eq 'let''s go'", "identifier:title identifier:eq string:let's go"},
		{"''", "string:"},
		{"'a''''b'", "string:a''b"},
		{"x eq -5", "identifier:x identifier:eq integer:-5"},
		{"+5 1.5 -0.25 1e3 2.5E-3 .5", "integer:+5 decimal:1.5 decimal:-0.25 decimal:1e3 decimal:2.5E-3 decimal:.5"},
		{"9223372036854775808", "decimal:9223372036854775808"},
		{"72f988bf-86f1-41af-91ab-2d7cd011db47", "guid:72f988bf-86f1-41af-91ab-2d7cd011db47"},
		{"72F988BF-86F1-41AF-91AB-2D7CD011DB47", "guid:72f988bf-86f1-41af-91ab-2d7cd011db47"},
		{"12345678-1234-1234-1234-123456789012", "guid:12345678-1234-1234-1234-123456789012"},
		{"2021-01-02T12:00:00Z", "datetime:2021-01-02T12:00:00Z"},
		{"2021-01-02T12:00:00.1234567+02:00", "datetime:2021-01-02T12:00:00.1234567+02:00"},
		{"2021-01-02T12:00Z", "datetime:2021-01-02T12:00Z"},
		{"2017-04-01", "datetime:2017-04-01"},
		{"(2017-04-01)", "'(':( datetime:2017-04-01 ')':)"},
		{"e/microsoft.graph.security.userEvidence/x", "identifier:e '/':/ identifier:microsoft.graph.security.userEvidence '/':/ identifier:x"},
		{"any(x:x)", "identifier:any '(':( identifier:x ':':: identifier:x ')':)"},
		{"tags/$count", "identifier:tags '/':/ identifier:$count"},
		{"\t a \r\n", "identifier:a"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			toks, err := lex(tt.in)
			if err != nil {
				t.Fatalf("lex: %v", err)
			}
			var got []string
			for _, tok := range toks {
				if tok.kind == tokEOF {
					break
				}
				got = append(got, tok.kind.String()+":"+tok.text)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Fatalf("got  %s\nwant %s", g, tt.want)
			}
		})
	}
}

func TestLexValues(t *testing.T) {
	toks, err := lex("2021-01-02T12:00:00.1234567+02:00 2017-04-01 -12 1.5e1")
	if err != nil {
		t.Fatal(err)
	}
	if want := At(time.Date(2021, 1, 2, 10, 0, 0, 123456700, time.UTC)); !toks[0].t.Equal(want.Time) {
		t.Errorf("datetime = %v, want %v", toks[0].t, want)
	}
	if want := At(time.Date(2017, 4, 1, 0, 0, 0, 0, time.UTC)); !toks[1].t.Equal(want.Time) {
		t.Errorf("date = %v, want %v", toks[1].t, want)
	}
	if toks[2].i != -12 || toks[3].f != 15 {
		t.Errorf("numbers = %d %v", toks[2].i, toks[3].f)
	}
}

func TestLexErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"title eq 'abc", "There is an unterminated string literal at position 10 in 'title eq 'abc'."},
		{"x eq 12abc", "Syntax error at position 8 in 'x eq 12abc'."},
		{"x eq 1.", "Syntax error at position 8"},
		{"x eq 1e", "Syntax error at position 8"},
		{"x eq #", "Syntax error at position 6"},
		{"x eq 2021-13-01", "The DateTimeOffset text '2021-13-01' should be in format"},
		{"x eq 2021-01-02T12:00:00", "The DateTimeOffset text '2021-01-02T12:00:00' should be in format"},
		{"x eq 2021-01-02T25:00:00Z", "The DateTimeOffset text '2021-01-02T25:00:00Z'"},
		{"x eq 2021-01-02Tfoo", "The DateTimeOffset text '2021-01-02Tfoo'"},
		{"x eq 1e999", "The number '1e999' is out of range."},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := lex(tt.in)
			assertError(t, err, tt.want)
		})
	}
}

// assertError checks that err is an *Error with code BadRequest whose
// message contains want.
func assertError(t *testing.T, err error, want string) {
	t.Helper()
	var oe *Error
	if !errors.As(err, &oe) {
		t.Fatalf("error = %v (%T), want *Error containing %q", err, err, want)
	}
	if oe.Code != CodeBadRequest {
		t.Errorf("code = %q", oe.Code)
	}
	if !strings.Contains(oe.Message, want) {
		t.Fatalf("message = %q\nwant it to contain %q", oe.Message, want)
	}
}

func TestParseShape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"severity eq 'high'", "(severity eq 'high')"},
		{"a eq 1 or b eq 2 and c eq 3", "((a eq 1) or ((b eq 2) and (c eq 3)))"},
		{"a eq 1 and b eq 2 and c eq 3", "(((a eq 1) and (b eq 2)) and (c eq 3))"},
		{"(a eq 1 or b eq 2) and c eq 3", "(((a eq 1) or (b eq 2)) and (c eq 3))"},
		{"not a eq 1 and b", "((not (a eq 1)) and b)"},
		{"NOT (a eq 1)", "(not (a eq 1))"},
		{"not not a", "(not (not a))"},
		{"Severity EQ 'High' AND Status Ne 'x'", "((Severity eq 'High') and (Status ne 'x'))"},
		{"a in ('x', 'y''z', null)", "(a in ('x','y''z',null))"},
		{"a IN (1)", "(a in (1))"},
		{"a has ns.color'Red'", "(a has ns.color'Red')"},
		{"StartsWith(title, 'A') and CONTAINS(x,'b')", "(startswith(title,'A') and contains(x,'b'))"},
		{"endswith(a/b, 'c') eq true", "(endswith(a/b,'c') eq true)"},
		{"vendorInformation/provider eq 'ASC'", "(vendorInformation/provider eq 'ASC')"},
		{"evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'a@b')",
			"evidence/any(e:(e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'a@b'))"},
		{"tags/any(t: t eq 'x')", "tags/any(t:(t eq 'x'))"},
		{"tags/ANY()", "tags/any()"},
		{"a/all(x: x/b/any(y: y eq x/c))", "a/all(x:x/b/any(y:(y eq x/c)))"},
		{"networkConnections/any(d:d/destinationAddress eq '10.0.0.1')", "networkConnections/any(d:(d/destinationAddress eq '10.0.0.1'))"},
		{"assignedLicenses/$count eq 0", "(assignedLicenses/$count eq 0)"},
		{"createdDateTime ge 2021-01-02T12:00:00Z", "(createdDateTime ge 2021-01-02T12:00:00.0000000Z)"},
		{"id eq 72f988bf-86f1-41af-91ab-2d7cd011db47", "(id eq 72f988bf-86f1-41af-91ab-2d7cd011db47)"},
		{"x eq -1.5", "(x eq -1.5)"},
		{"true", "true"},
		{"$it/title eq 'x'", "($it/title eq 'x')"},
		{"a eq b", "(a eq b)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := ParseFilter(tt.in, Limits{})
			if err != nil {
				t.Fatalf("ParseFilter: %v", err)
			}
			if got := n.String(); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			// The canonical form parses back to itself.
			n2, err := ParseFilter(n.String(), Limits{})
			if err != nil || n2.String() != tt.want {
				t.Fatalf("reparse: %v %v", n2, err)
			}
		})
	}
}

func TestParseNodes(t *testing.T) {
	n, err := ParseFilter("evidence/any(e: e/x eq 'v') and createdDateTime gt 2021-01-02", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	and, ok := n.(*Binary)
	if !ok || and.Op != OpAnd || and.Pos() != 28 {
		t.Fatalf("root = %#v", n)
	}
	l, ok := and.Left.(*Lambda)
	if !ok || l.All || l.Var != "e" || strings.Join(l.Path.Segments, "/") != "evidence" || l.Pos() != 9 {
		t.Fatalf("lambda = %#v", and.Left)
	}
	cmp := and.Right.(*Binary)
	lit, ok := cmp.Right.(*Literal)
	if !ok || lit.Kind != LitDateTime || lit.Text != "2021-01-02" {
		t.Fatalf("literal = %#v", cmp.Right)
	}
	if got := lit.Value.(Time); !got.Equal(time.Date(2021, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("date = %v", got)
	}
	in, _ := ParseFilter("s in ('a', ns.sev'high')", Limits{})
	list := in.(*In).List
	if list[0].Kind != LitString || list[1].Kind != LitEnum || list[1].EnumType != "ns.sev" || list[1].Value != "high" {
		t.Fatalf("in list = %#v %#v", list[0], list[1])
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("(", 100000) + "a" + strings.Repeat(")", 100000)
	tests := []struct {
		in   string
		lim  Limits
		want string
	}{
		{"severity eq", Limits{}, "Invalid filter clause: Syntax error at position 12 in 'severity eq'."},
		{"", Limits{}, "The $filter expression is empty."},
		{"   ", Limits{}, "The $filter expression is empty."},
		{"a eq 1 b", Limits{}, "Syntax error at position 8 in 'a eq 1 b'."},
		{"a eq (1", Limits{}, "Syntax error at position 8"},
		{"a eq 1)", Limits{}, "Syntax error at position 7"},
		{"a eq", Limits{}, "Syntax error at position 5"},
		{"eq 1", Limits{}, "Syntax error at position 4"},
		{"a/", Limits{}, "Syntax error at position 3"},
		{"a/'x'", Limits{}, "Syntax error at position 3"},
		{"a in 1", Limits{}, "Syntax error at position 6"},
		{"a in ()", Limits{}, "Syntax error at position 7"},
		{"a in (b)", Limits{}, "Syntax error at position 7"},
		{"a in ('x' 'y')", Limits{}, "Syntax error at position 11"},
		{"a/any(x x eq 1)", Limits{}, "Syntax error at position 9"},
		{"a/any(x.y: 1)", Limits{}, "Syntax error at position 7"},
		{"a/all()", Limits{}, "Syntax error at position 7"},
		{"a/$count/b", Limits{}, "Syntax error at position 9"},
		{"f(a,", Limits{}, "Syntax error at position 5"},
		{"a eq 1 and", Limits{}, "Syntax error at position 11"},
		{"not", Limits{}, "Syntax error at position 4"},
		{strings.Repeat("x", 4097), Limits{}, "is 4097 bytes long, more than the limit of 4096"},
		{"a eq 1", Limits{MaxFilterLength: 3}, "more than the limit of 3"},
		{deep, Limits{MaxFilterLength: 1 << 20}, "nested more than 32 levels deep"},
		{strings.Repeat("not ", 50000) + "a", Limits{MaxFilterLength: 1 << 20}, "nested more than 32 levels deep"},
		{strings.Repeat("a/any(x:", 40) + "true" + strings.Repeat(")", 40), Limits{MaxAnyAllDepth: 100}, "nested more than 32 levels deep"},
		{"a/any(x: x/b/any(y: y/c/any(z: z eq 1)))", Limits{}, "The query specified in the URI is not valid. The Any/All nesting limit of '2' has been exceeded. 'MaxAnyAllExpressionDepth' can be configured on ODataQuerySettings or EnableQueryAttribute."},
		{"a/any(x: x/b/any())", Limits{MaxAnyAllDepth: 1}, "The Any/All nesting limit of '1' has been exceeded."},
		{"a eq 1" + strings.Repeat(" or a eq 1", 25), Limits{}, "The query specified in the URI is not valid. The node count limit of '100' has been exceeded. To increase the limit, set the 'MaxNodeCount' property on EnableQueryAttribute or ODataValidationSettings."},
		{"a/b/c eq 1", Limits{MaxNodeCount: 4}, "The node count limit of '4' has been exceeded."},
		{"a/b/$count eq 1", Limits{MaxNodeCount: 4}, "The node count limit of '4' has been exceeded."},
		{"not a", Limits{MaxNodeCount: 1}, "The node count limit of '1' has been exceeded."},
		{"f(a)", Limits{MaxNodeCount: 1}, "The node count limit of '1' has been exceeded."},
		{"a in (1,2,3)", Limits{MaxNodeCount: 1}, "The node count limit of '1' has been exceeded."},
		{strings.Repeat("contains(", 40) + "a" + strings.Repeat(",'b')", 40), Limits{}, "nested more than 32 levels deep"},
		{"(((a)))", Limits{MaxDepth: 2}, "nested more than 2 levels deep"},
		{"a in (" + strings.Repeat("1,", 200) + "1)", Limits{}, "The 'in' operator has more than 200 items."},
		{"a in (1,2,3)", Limits{MaxInItems: 2}, "more than 2 items"},
	}
	for _, tt := range tests {
		name := tt.in
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			_, err := ParseFilter(tt.in, tt.lim)
			assertError(t, err, tt.want)
		})
	}
}

func TestParseDepthAtLimit(t *testing.T) {
	ok := strings.Repeat("(", 32) + "a" + strings.Repeat(")", 32)
	if _, err := ParseFilter(ok, Limits{}); err != nil {
		t.Fatalf("32 levels: %v", err)
	}
	if _, err := ParseFilter("("+ok+")", Limits{}); err == nil {
		t.Fatal("33 levels accepted")
	}
}

func TestParseLongChainIsIterative(t *testing.T) {
	// A long and-chain is not nesting: it must parse within the length
	// limit, and compile and run without deep recursion.
	expr := "priorityScore ge 0" + strings.Repeat(" and priorityScore ge 0", 170)
	s := newTestSchema()
	f, err := CompileLimits(expr, s.alert, Limits{MaxNodeCount: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !f.Match(Object{"priorityScore": int64(3)}) || f.Match(Object{}) {
		t.Fatal("chain evaluated wrongly")
	}
}

// TestParseNodeCount pins what counts as a node: operators, literals,
// calls, lambdas, $count and path segments count one each; an in-list
// counts one with its list, whatever the list's length. Each filter has exactly n nodes, so it
// parses with MaxNodeCount n and fails with n-1.
func TestParseNodeCount(t *testing.T) {
	tests := []struct {
		in string
		n  int
	}{
		{"a", 1},
		{"a eq 1", 3},
		{"a/b/c eq 'x'", 5},
		{"not (a eq 1)", 4},
		{"a eq 1 and b eq 2 or c", 9},
		{"a in ('x', 'y', 'z')", 2},
		{"contains(a, 'x')", 3},
		{"a/$count eq 0", 4},
		{"a/any()", 2},
		{"a/any(x: x/b eq 1)", 6},
		{"evidence/any(e: e/microsoft.graph.security.deviceEvidence/ipInterfaces/any(i: i eq '10.0.0.1'))", 9},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if _, err := ParseFilter(tt.in, Limits{MaxNodeCount: tt.n}); err != nil {
				t.Errorf("with a limit of %d: %v", tt.n, err)
			}
			if tt.n > 1 {
				_, err := ParseFilter(tt.in, Limits{MaxNodeCount: tt.n - 1})
				assertError(t, err, "node count limit")
			}
		})
	}
}
