package graph

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestFilterBuilder(t *testing.T) {
	ts := time.Date(2021, 5, 2, 14, 19, 1, 326666700, time.UTC)
	tests := []struct {
		name string
		expr Expr
		want string
	}{
		{"string escaping", Eq("assignedTo", String("o'brien@contoso.com")), `assignedTo eq 'o''brien@contoso.com'`},
		{"empty string", Eq("assignedTo", String("")), `assignedTo eq ''`},
		{"enum", Eq("severity", Enum(AlertSeverityHigh)), `severity eq 'high'`},
		{"GUID unquoted, lower-cased", Eq("appOwnerOrganizationId", GUID("72F988BF-86F1-41AF-91AB-2D7CD011DB47")),
			`appOwnerOrganizationId eq 72f988bf-86f1-41af-91ab-2d7cd011db47`},
		{"DateTimeOffset with 7 digits", Ge("lastUpdateDateTime", DateTime(ts)), `lastUpdateDateTime ge 2021-05-02T14:19:01.3266667Z`},
		{"DateTimeOffset whole seconds, converted to UTC", Lt("createdDateTime", DateTime(time.Date(2021, 1, 2, 21, 0, 0, 0, time.FixedZone("JST", 9*3600)))),
			`createdDateTime lt 2021-01-02T12:00:00Z`},
		{"DateTimeOffset truncated to 100 ns", Gt("x", DateTime(time.Date(2021, 1, 2, 3, 4, 5, 123456789, time.UTC))), `x gt 2021-01-02T03:04:05.1234567Z`},
		{"date", Ge("receivedDateTime", Date(ts)), `receivedDateTime ge 2021-05-02`},
		{"bool, int, float, null", And(Eq("isVpn", Bool(false)), Le("confidence", Int(80)), Ne("score", Float(1.5)), Eq("assignedTo", Null())),
			`isVpn eq false and confidence le 80 and score ne 1.5 and assignedTo eq null`},
		{"in", In("severity", Enum(AlertSeverityHigh), Enum(AlertSeverityMedium)), `severity in ('high','medium')`},
		{"string functions", Or(StartsWith("title", "Sus"), EndsWith("title", "'x"), Contains("description", "a b")),
			`startswith(title,'Sus') or endswith(title,'''x') or contains(description,'a b')`},
		{"any lambda on primitives", Any("tags", "t", Eq("t", String("vip"))), `tags/any(t: t eq 'vip')`},
		{"evidence cast", Any("evidence", "e", Eq(EvidencePath("e", "userEvidence", "userAccount/userPrincipalName"), String("alice@contoso.com"))),
			`evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'alice@contoso.com')`},
		{"evidence user", EvidenceUser("o'brien@contoso.com"),
			`evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'o''brien@contoso.com')`},
		{"evidence device", EvidenceDevice("pc1.contoso.com"), `evidence/any(e: e/microsoft.graph.security.deviceEvidence/deviceDnsName eq 'pc1.contoso.com')`},
		{"evidence IP", EvidenceIP("203.0.113.9"), `evidence/any(e: e/microsoft.graph.security.ipEvidence/ipAddress eq '203.0.113.9')`},
		{"evidence file hash", EvidenceFileSHA256("ab12"),
			`evidence/any(e: e/microsoft.graph.security.fileEvidence/fileDetails/sha256 eq 'ab12' or e/microsoft.graph.security.processEvidence/imageFile/sha256 eq 'ab12')`},
		{"all lambda", All("comments", "c", Ne("c/comment", String(""))), `comments/all(c: c/comment ne '')`},
		{"legacy lambda", Any("hostStates", "h", Eq(Path("h", "fqdn"), String("pc123.contoso.com"))), `hostStates/any(h: h/fqdn eq 'pc123.contoso.com')`},
		{"and inside or is parenthesised", Or(And(Eq("a", Int(1)), Eq("b", Int(2))), Eq("c", Int(3))), `(a eq 1 and b eq 2) or c eq 3`},
		{"or inside and is parenthesised", And(Eq("a", Int(1)), Or(Eq("b", Int(2)), Eq("c", Int(3)))), `a eq 1 and (b eq 2 or c eq 3)`},
		{"nested and flattens", And(And(Eq("a", Int(1)), Eq("b", Int(2))), Eq("c", Int(3))), `a eq 1 and b eq 2 and c eq 3`},
		{"not", Not(Any("tags", "t", Eq("t", String("x")))), `not(tags/any(t: t eq 'x'))`},
		{"not of and", Not(And(Eq("a", Int(1)), Eq("b", Int(2)))), `not(a eq 1 and b eq 2)`},
		{"raw is parenthesised when combined", And(Raw("status eq 'new' or status eq 'inProgress'"), Eq("severity", String("high"))),
			`(status eq 'new' or status eq 'inProgress') and severity eq 'high'`},
		{"raw alone", Raw("  severity eq 'high' "), `severity eq 'high'`},
		{"empty operands skipped", And(Expr{}, Eq("a", Int(1)), Raw("")), `a eq 1`},
		{"single or operand keeps its kind", And(Or(Eq("a", Int(1)), Eq("b", Int(1))), Expr{}), `a eq 1 or b eq 1`},
		{"$count in a path", Eq("assignedLicenses/$count", Int(0)), `assignedLicenses/$count eq 0`},
		{"nothing", And(), ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.expr.Err(); err != nil {
				t.Fatal(err)
			}
			if got := tt.expr.String(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestFilterBuilderErrors(t *testing.T) {
	tests := []struct {
		name string
		expr Expr
	}{
		{"bad GUID", Eq("id", GUID("not-a-guid"))},
		{"GUID with a bad digit", Eq("id", GUID("72f988bf-86f1-41af-91ab-2d7cd011db4g"))},
		{"GUID with misplaced dashes", Eq("id", GUID("72f988bf86f1-41af-91ab-2d7cd011db47-"))},
		{"NaN", Eq("score", Float(math.NaN()))},
		{"infinity", Eq("score", Float(math.Inf(1)))},
		{"injection through a path", Eq("status eq 'x' or 1", String("y"))},
		{"quote in a path", Eq("a'b", String("y"))},
		{"empty path", Eq("", String("y"))},
		{"empty segment", Eq("a//b", String("y"))},
		{"long path", Eq(strings.Repeat("a", maxPathLen+1), String("y"))},
		{"zero value", Eq("a", Value{})},
		{"empty in", In("severity")},
		{"bad value in in", In("id", String("a"), GUID("x"))},
		{"zero value in in", In("id", Value{})},
		{"bad path in in", In("a b", String("x"))},
		{"bad path in function", StartsWith("a)", "x")},
		{"bad lambda variable", Any("tags", "t t", Eq("t", String("x")))},
		{"bad lambda collection", Any("tags(", "t", Eq("t", String("x")))},
		{"empty lambda body", Any("tags", "t", Expr{})},
		{"error in lambda body", Any("tags", "t", Eq("t", GUID("x")))},
		{"not of nothing", Not(Expr{})},
		{"error propagates through not", Not(Eq("id", GUID("x")))},
		{"error propagates through and", And(Eq("a", Int(1)), Eq("id", GUID("x")))},
		{"raw too long", Raw(strings.Repeat("a", maxQueryValue+1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.expr.Err(); !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("Err() = %v, want ErrInvalidArgument", err)
			}
			if tt.expr.IsZero() {
				t.Error("an invalid expression reports IsZero")
			}
			if _, err := (Query{Filter: tt.expr}).Encode(); err == nil {
				t.Error("Encode accepted an invalid filter")
			}
		})
	}
}

func TestQueryEncode(t *testing.T) {
	tests := []struct {
		name string
		q    Query
		want string
	}{
		{"empty", Query{}, ""},
		{"all options in a fixed order", Query{
			Filter:  And(Eq("status", String("new")), Ge("lastUpdateDateTime", DateTime(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)))),
			OrderBy: []string{"lastUpdateDateTime asc", "id"},
			Select:  []string{"id", "title"},
			Expand:  []string{"alerts"},
			Top:     50, Skip: 100, Count: true,
		}, "$filter=status%20eq%20'new'%20and%20lastUpdateDateTime%20ge%202021-01-01T00:00:00Z&$orderby=lastUpdateDateTime%20asc,id&$select=id,title&$expand=alerts&$top=50&$skip=100&$count=true"},
		{"reserved characters in literals", Query{Filter: Eq("title", String("a&b=c+d#e%f;g?h"))},
			"$filter=title%20eq%20'a%26b%3Dc%2Bd%23e%25f%3Bg%3Fh'"},
		{"non-ASCII", Query{Filter: Eq("displayName", String("山田"))}, "$filter=displayName%20eq%20'%E5%B1%B1%E7%94%B0'"},
		{"lambda punctuation left readable", Query{Filter: Any("evidence", "e", Eq(EvidencePath("e", "deviceEvidence", "deviceDnsName"), String("pc123.contoso.com")))},
			"$filter=evidence/any(e:%20e/microsoft.graph.security.deviceEvidence/deviceDnsName%20eq%20'pc123.contoso.com')"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.q.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestQueryEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		q    Query
	}{
		{"negative top", Query{Top: -1}},
		{"negative skip", Query{Skip: -1}},
		{"bad orderby direction", Query{OrderBy: []string{"id sideways"}}},
		{"bad orderby path", Query{OrderBy: []string{"id;drop"}}},
		{"bad select", Query{Select: []string{"id,title"}}},
		{"expand with &", Query{Expand: []string{"alerts&$top=1"}}},
		{"filter too long", Query{Filter: Eq("a", String(strings.Repeat("x", maxQueryValue)))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.q.Encode(); !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestPathSegment(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"da637551227677560813_-961444813", "da637551227677560813_-961444813", true},
		{"a/b", "a%2Fb", true},
		{"a?b#c", "a%3Fb%23c", true},
		{"a b%", "a%20b%25", true},
		{"o'neil@contoso.com", "o'neil@contoso.com", true},
		{"ü", "%C3%BC", true},
		{"", "", false},
		{".", "", false},
		{"..", "", false},
		{"a\nb", "", false},
		{strings.Repeat("a", maxIDLen+1), "", false},
	}
	for _, tt := range tests {
		got, err := pathSegment("id", tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("pathSegment(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("error %v is not ErrInvalidArgument", err)
		}
	}
}

func TestUserPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"87d349ed-44d7-43e1-9a83-5f2406dee5bd", "/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd"},
		{"AdeleV@contoso.com", "/users/AdeleV@contoso.com"},
		{"a#b@contoso.com", "/users/a%23b@contoso.com"},
		{"$x@y.com", "/users('$x@y.com')"},
		{"$o'x#@y.com", "/users('$o''x%23@y.com')"},
	}
	for _, tt := range tests {
		if got, err := userPath(tt.in); err != nil || got != tt.want {
			t.Errorf("userPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := userPath("$"); err != nil {
		t.Errorf("userPath($): %v", err)
	}
	if _, err := userPath(""); err == nil {
		t.Error("empty user accepted")
	}
}

func TestValueStrings(t *testing.T) {
	if String("it's").String() != `'it''s'` || Bool(true).String() != "true" || Null().String() != "null" {
		t.Error("literal text")
	}
}
