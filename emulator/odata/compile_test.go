package odata

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBindErrors(t *testing.T) {
	s := newTestSchema()
	tests := []struct{ in, want string }{
		{"foo eq 1", "Could not find a property named 'foo' on type 'microsoft.graph.security.alert'."},
		{"Severity eq 'high'", "Could not find a property named 'Severity' on type 'microsoft.graph.security.alert'."},
		{"createdDateTime gt '2021-01-01T00:00:00Z'", "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.DateTimeOffset' and 'Edm.String' for operator kind 'GreaterThan'."},
		{"severity eq 'xyz'", "Invalid filter clause: The string 'xyz' is not a valid enumeration type constant."},
		{"title eq 'x'", "Invalid filter clause: Filtering on property 'title' is not supported."},
		{"severity has 'high'", "Invalid filter clause: The 'has' operator is not supported."},
		{"investigationState eq 'running'", "Filtering on property 'investigationState' is not supported."},
		{"additionalData/foo eq 1", "Filtering on property 'additionalData' is not supported."},
		{"tenantId eq 'abc'", "Found operand types 'Edm.Guid' and 'Edm.String' for operator kind 'Equal'."},
		{"priorityScore eq 'x'", "Found operand types 'Edm.Int64' and 'Edm.String' for operator kind 'Equal'."},
		{"priorityScore lt 2021-01-01", "Found operand types 'Edm.Int64' and 'Edm.DateTimeOffset' for operator kind 'LessThan'."},
		{"isTest eq 1", "Found operand types 'Edm.Boolean' and 'Edm.Int32' for operator kind 'Equal'."},
		{"confidence ne 1.5", ""},
		{"priorityScore eq 99999999999", ""},
		{"assignedTo eq 1.5e3", "Found operand types 'Edm.String' and 'Edm.Double' for operator kind 'Equal'."},
		{"assignedTo eq 1.5", "Found operand types 'Edm.String' and 'Edm.Decimal' for operator kind 'Equal'."},
		{"assignedTo le 99999999999", "Found operand types 'Edm.String' and 'Edm.Int64' for operator kind 'LessThanOrEqual'."},
		{"evidence eq null", "Found operand types 'Collection(microsoft.graph.security.alertEvidence)' and '<null>' for operator kind 'Equal'."},
		{"systemTags eq 'x'", "Found operand types 'Collection(Edm.String)' and 'Edm.String'"},
		{"vendorInformation eq 'x'", "Found operand types 'microsoft.graph.securityVendorInformation' and 'Edm.String'"},
		{"severity eq status", "Found operand types 'microsoft.graph.security.alertSeverity' and 'microsoft.graph.security.alertStatus' for operator kind 'Equal'."},
		{"severity eq assignedTo", "Found operand types 'microsoft.graph.security.alertSeverity' and 'Edm.String'"},
		{"severity eq ns.other'high'", "Found operand types 'microsoft.graph.security.alertSeverity' and 'ns.other'"},
		{"severity eq microsoft.graph.security.alertSeverity'nope'", "The string 'nope' is not a valid enumeration type constant."},
		{"severity eq microsoft.graph.alertSeverity'high'", "Found operand types 'microsoft.graph.security.alertSeverity' and 'microsoft.graph.alertSeverity'"},
		{"severity eq Microsoft.Graph.Security.AlertSeverity'High'", ""},
		{"severity in ('high', 'bogus')", "The string 'bogus' is not a valid enumeration type constant."},
		{"priorityScore in ('a')", "Found operand types 'Edm.Int64' and 'Edm.String' for operator kind 'Equal'."},
		{"systemTags in ('a')", "The 'in' operator cannot be applied to a value of type 'Collection(Edm.String)'."},
		{"evidence/any(e: e/userAccount/userPrincipalName eq 'x')", "Could not find a property named 'userAccount' on type 'microsoft.graph.security.alertEvidence'."},
		{"evidence/any(e: e/microsoft.graph.security.nope/x eq 1)", "Invalid filter clause: Encountered invalid type cast. 'microsoft.graph.security.nope' is not assignable from 'microsoft.graph.security.alertEvidence'."},
		{"evidence/any(e: e/microsoft.graph.security.alert/id eq 'x')", "Encountered invalid type cast. 'microsoft.graph.security.alert' is not assignable"},
		{"evidence/any(e: e/verdict/microsoft.graph.x eq 'x')", "Encountered invalid type cast. 'microsoft.graph.x' is not assignable from 'microsoft.graph.security.evidenceVerdict'."},
		{"id/foo eq 1", "Could not find a property named 'foo' on type 'Edm.String'."},
		{"evidence/verdict eq 'x'", "The parent value for a property access of a property 'verdict' is not a single value. Property access can only be applied to a single value."},
		{"severity", "Invalid filter clause: The $filter expression must evaluate to a single boolean value."},
		{"priorityScore", "must evaluate to a single boolean value"},
		{"evidence/any(e: e/verdict)", "The expression of the 'any' lambda must evaluate to a single boolean value, but is of type 'microsoft.graph.security.evidenceVerdict'."},
		{"evidence/any(e: e/tags/all(e: true))", "The range variable 'e' has already been declared."},
		{"evidence/any(e: e/roles/any(r: r/x eq 1))", "Could not find a property named 'x' on type 'microsoft.graph.security.evidenceRole'."},
		{"severity/any(x: true)", "The 'any' operator can only be applied to a collection, but 'severity' is of type 'microsoft.graph.security.alertSeverity'."},
		{"vendorInformation/all(x: true)", "The 'all' operator can only be applied to a collection"},
		{"id/$count eq 1", "The '$count' operator can only be applied to a collection"},
		{"systemTags/$count eq 'x'", "Found operand types 'Edm.Int64' and 'Edm.String'"},
		{"foo(assignedTo, 'b')", "Invalid filter clause: An unknown function with name 'foo' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed."},
		{"tolower(assignedTo) eq 'b'", "An unknown function with name 'tolower' was found."},
		{"startswith(assignedTo)", "Invalid filter clause: No function signature for the function with name 'startswith' matches the specified arguments. The function signatures considered are: startswith(Edm.String Nullable=true, Edm.String Nullable=true)."},
		{"contains(priorityScore, 'a')", "No function signature for the function with name 'contains'"},
		{"endswith(assignedTo, 1)", "No function signature for the function with name 'endswith'"},
		{"contains(systemTags, 'a')", "No function signature"},
		{"not severity", "Invalid filter clause: A unary operator with an incompatible type was detected. Found operand type 'microsoft.graph.security.alertSeverity' for operator kind 'Not'."},
		{"severity eq 'high' and priorityScore", "Found operand types 'Edm.Int64' and 'Edm.Boolean' for operator kind 'And'."},
		{"priorityScore or true", "for operator kind 'Or'."},
		{"evidence/any(e: e/nope eq 1) and foo eq 1", "Could not find a property named 'nope' on type 'microsoft.graph.security.alertEvidence'."},
		{"severity gt null", ""},
		{"evidence/microsoft.graph.security.userEvidence/any(u: u/userAccount/accountName eq 'x')", ""},
		{"$it/severity eq 'high'", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, err := Compile(tt.in, s.alert)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Compile: %v", err)
				}
				if f.String() != tt.in {
					t.Fatalf("String() = %q", f.String())
				}
				return
			}
			assertError(t, err, tt.want)
		})
	}
}

func evalDocs() []Object {
	day := func(d, h int) Time { return At(time.Date(2021, 1, d, h, 0, 0, 0, time.UTC)) }
	return []Object{
		{
			"id": "a1", "severity": "high", "status": "new", "assignedTo": "Alice@Contoso.com",
			"createdDateTime": day(2, 12), "lastUpdateDateTime": day(2, 13), "priorityScore": int64(10), "confidence": 55.5,
			"tenantId": "4b2462a4-bbee-495a-a0e1-f23ae524cc9c", "systemTags": []any{"Defender Experts"}, "isTest": true,
			"classification": "truePositive", "serviceSource": "microsoftDefenderForEndpoint",
			"vendorInformation": Object{"provider": "ASC", "vendor": "Microsoft"},
			"evidence": []any{
				Object{"@odata.type": "#" + ns + "userEvidence", "verdict": "suspicious", "roles": []any{"compromised"},
					"userAccount": Object{"userPrincipalName": "alice@contoso.com", "accountName": "alice"}},
				Object{"@odata.type": "#" + ns + "deviceEvidence", "verdict": "noThreatsFound", "roles": []any{},
					"deviceDnsName": "pc1.contoso.com", "ipInterfaces": []any{"10.0.0.1", "fe80::1"},
					"loggedOnUsers": []any{Object{"accountName": "bob", "domainName": "CONTOSO"}}},
			},
		},
		{
			"id": "a2", "severity": "low", "status": "resolved", "createdDateTime": "2021-01-03T00:00:00Z",
			"lastUpdateDateTime": day(2, 0), "priorityScore": int64(20), "confidence": int64(20), "systemTags": []any{},
			"isTest": false, "serviceSource": "microsoftSentinel",
			"evidence": []any{
				Object{"@odata.type": "#" + ns + "fileEvidence", "verdict": "malicious", "roles": []any{"source"},
					"fileDetails": Object{"fileName": "x.exe", "fileSize": int64(4096)}},
			},
		},
		{"id": "a3", "severity": "medium", "status": "InProgress", "tenantId": "4B2462A4-BBEE-495A-A0E1-F23AE524CC9C"},
		{"id": "a4", "severity": int64(5), "assignedTo": int64(3), "createdDateTime": "garbage", "priorityScore": "x", "evidence": "notalist", "isTest": "yes"},
		{"id": "a5", "severity": "informational", "status": "new", "assignedTo": "Ärger@contoso.com"},
	}
}

func TestEvaluate(t *testing.T) {
	s := newTestSchema()
	docs := evalDocs()
	all := "a1 a2 a3 a4 a5"
	tests := []struct{ filter, want string }{
		{"severity eq 'high'", "a1"},
		{"severity eq 'HIGH'", "a1"},
		{"'high' eq severity", "a1"},
		{"severity ne 'high'", "a2 a3 a5"},
		{"severity gt 'low'", "a1 a3"},
		{"severity ge 'low'", "a1 a2 a3"},
		{"severity lt 'low'", "a5"},
		{"'low' lt severity", "a1 a3"},
		{"severity eq microsoft.graph.security.alertSeverity'high'", "a1"},
		{"severity eq null", ""},
		{"severity ne null", all},
		{"severity gt null", ""},
		{"status eq 'inProgress'", "a3"},
		{"status in ('new', 'INPROGRESS')", "a1 a3 a5"},
		{"severity in ('high')", "a1"},
		{"assignedTo eq 'alice@contoso.com'", "a1"},
		{"assignedTo eq 'ALICE@CONTOSO.COM'", "a1"},
		{"assignedTo ne 'alice@contoso.com'", "a2 a3 a5"},
		{"assignedTo eq null", "a2 a3"},
		{"assignedTo ne null", "a1 a4 a5"},
		{"null eq assignedTo", "a2 a3"},
		{"assignedTo gt 'b'", "a5"},
		{"assignedTo lt 'B'", "a1"},
		{"assignedTo eq 'ärger@CONTOSO.com'", "a5"},
		{"assignedTo in ('ALICE@contoso.com', null)", "a1 a2 a3"},
		{"assignedTo in (null)", "a2 a3"},
		{"startswith(assignedTo, 'ALICE')", "a1"},
		{"startswith(assignedTo, '')", "a1 a5"},
		{"startswith(assignedTo, null)", ""},
		{"endswith(assignedTo, '@CONTOSO.COM')", "a1 a5"},
		{"contains(assignedTo, 'ÄRG')", "a5"},
		{"contains(assignedTo, 'ICE@c')", "a1"},
		{"contains(severity, 'IG')", "a1"},
		{"startswith(assignedTo, 'alice') eq true", "a1"},
		{"startswith(assignedTo, 'alice') eq false", "a2 a3 a4 a5"},
		{"not startswith(assignedTo, 'alice')", "a2 a3 a4 a5"},
		{"createdDateTime ge 2021-01-02T12:00:00Z", "a1 a2"},
		{"createdDateTime lt 2021-01-03", "a1"},
		{"createdDateTime le 2021-01-03", "a1 a2"},
		{"createdDateTime eq 2021-01-03T02:00:00+02:00", "a2"},
		{"createdDateTime eq 2021-01-02T12:00Z", "a1"},
		{"createdDateTime eq null", "a3 a5"},
		{"lastUpdateDateTime gt createdDateTime", "a1"},
		{"createdDateTime lt lastUpdateDateTime", "a1"},
		{"priorityScore gt 15", "a2"},
		{"10 lt priorityScore", "a2"},
		{"10 le priorityScore", "a1 a2"},
		{"20 ge priorityScore", "a1 a2"},
		{"15 gt priorityScore", "a1"},
		{"'medium' ge severity", "a2 a3 a5"},
		{"priorityScore ge 10.5", "a2"},
		{"priorityScore eq 10.0", "a1"},
		{"priorityScore eq 1e1", "a1"},
		{"priorityScore in (10, 20)", "a1 a2"},
		{"priorityScore ne 10", "a2 a3 a5"},
		{"confidence gt 20", "a1"},
		{"confidence eq 20", "a2"},
		{"confidence gt priorityScore", "a1"},
		{"tenantId eq 4B2462A4-BBEE-495A-A0E1-F23AE524CC9C", "a1 a3"},
		{"tenantId in (4b2462a4-bbee-495a-a0e1-f23ae524cc9c)", "a1 a3"},
		{"isTest", "a1"},
		{"isTest eq true", "a1"},
		{"isTest eq false", "a2"},
		{"not isTest", "a2 a3 a4 a5"},
		{"isTest ne true", "a2 a3 a5"},
		{"isTest or severity eq 'low'", "a1 a2"},
		{"systemTags/any(t: t eq 'defender experts')", "a1"},
		{"systemTags/any()", "a1"},
		{"systemTags/all(t: t eq 'x')", "a2 a3 a4 a5"},
		{"systemTags/$count eq 0", "a2 a3 a4 a5"},
		{"evidence/$count ge 2", "a1"},
		{"evidence/$count eq 0", "a3 a4 a5"},
		{"evidence/any()", "a1 a2"},
		{"evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'ALICE@contoso.com')", "a1"},
		{"evidence/any(e: e/MICROSOFT.GRAPH.SECURITY.USEREVIDENCE/userAccount/userPrincipalName eq 'alice@contoso.com')", "a1"},
		{"evidence/any(e: e/microsoft.graph.security.deviceEvidence/deviceDnsName eq 'pc1.contoso.com')", "a1"},
		{"evidence/any(e: e/microsoft.graph.security.deviceEvidence/deviceDnsName eq null)", "a1 a2"},
		{"evidence/any(e: e/microsoft.graph.security.deviceEvidence/loggedOnUsers/any(u: u/accountName eq 'bob'))", "a1"},
		{"evidence/any(e: e/microsoft.graph.security.deviceEvidence/loggedOnUsers/any(u: u/accountName eq 'bob' and e/verdict eq 'noThreatsFound'))", "a1"},
		{"evidence/any(e: e/microsoft.graph.security.deviceEvidence/loggedOnUsers/any(u: u/accountName eq 'bob' and e/verdict eq 'malicious'))", ""},
		{"evidence/any(e: e/microsoft.graph.security.deviceEvidence/loggedOnUsers/any(u: u/domainName eq 'contoso' and e/microsoft.graph.security.deviceEvidence/deviceDnsName eq 'PC1.contoso.com'))", "a1"},
		{"evidence/any(e: e/microsoft.graph.security.deviceEvidence/ipInterfaces/any(i: i eq '10.0.0.1'))", "a1"},
		{"evidence/any(e: e/microsoft.graph.security.deviceEvidence/ipInterfaces/any(i: startswith(i, 'FE80')))", "a1"},
		{"evidence/all(e: e/verdict eq 'malicious')", "a2 a3 a5"},
		{"not evidence/any(e: e/verdict ne 'malicious')", "a2 a3 a4 a5"},
		{"evidence/microsoft.graph.security.fileEvidence/any()", "a2"},
		{"evidence/microsoft.graph.security.fileEvidence/$count eq 1", "a2"},
		{"evidence/microsoft.graph.security.userEvidence/any(u: u/userAccount/accountName eq 'alice')", "a1"},
		{"evidence/any(e: e/microsoft.graph.security.fileEvidence/fileDetails/fileSize gt 100)", "a2"},
		{"evidence/any(e: e/roles/any(r: r eq 'COMPROMISED'))", "a1"},
		{"evidence/any(e: e/roles/any(r: r gt 'destination'))", "a1"},
		{"evidence/any(e: e/verdict eq 'malicious' and severity eq 'low')", "a2"},
		{"evidence/any(e: e/verdict eq 'malicious' and $it/severity eq 'high')", ""},
		{"evidence/any(x: x/verdict eq 'suspicious') and evidence/any(x: x/verdict eq 'noThreatsFound')", "a1"},
		{"evidence/any(e: e/verdict eq 'malicious') and severity eq 'low' and priorityScore eq 20", "a2"},
		{"evidence/any(e: e/verdict eq 'malicious') or severity eq 'medium' or isTest", "a1 a2 a3"},
		{"vendorInformation/provider eq 'asc'", "a1"},
		{"vendorInformation eq null", "a2 a3 a4 a5"},
		{"vendorInformation ne null", "a1"},
		{"serviceSource eq 'microsoftSentinel'", "a2"},
		{"serviceSource gt 'unknownFutureValue'", "a2"},
		{"classification eq 'truePositive'", "a1"},
		{"not (severity eq 'high' or severity eq 'low')", "a3 a4 a5"},
		{"severity eq 'high' or severity eq 'low' or severity eq 'medium'", "a1 a2 a3"},
		{"severity ne 'high' and severity ne 'low' and status eq 'new'", "a5"},
		{"(severity eq 'high')", "a1"},
		{"true", all},
		{"false", ""},
		{"null eq null", all},
		{"null ne null", ""},
		{"true and not false", all},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := Compile(tt.filter, s.alert)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			var got []string
			for _, d := range docs {
				if f.Match(d) {
					got = append(got, d["id"].(string))
				}
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Fatalf("matched %q, want %q", g, tt.want)
			}
		})
	}
}

func TestEvaluateLegacyCaseInsensitiveOpen(t *testing.T) {
	s := newTestSchema()
	doc := Object{
		"id": "L1", "severity": "high", "status": "newAlert", "category": "ransomware", "title": "x",
		"vendorInformation": Object{"provider": "ASC", "vendor": "Microsoft"},
		"hostStates":        []any{Object{"fqdn": "pc123.contoso.com"}},
		"dynamicThing":      "y",
	}
	for _, f := range []string{
		"Severity eq 'High'",
		"Status eq 'NewAlert'",
		"Category eq 'ransomware'",
		"vendorInformation/provider eq 'ASC'",
		"VendorInformation/Provider eq 'asc'",
		"hostStates/any(h: h/fqdn eq 'pc123.contoso.com')",
		"HostStates/ANY(h: h/FQDN eq 'PC123.contoso.com')",
		"severity eq 'high' and status eq 'newAlert'",
		"Title eq 'X'",
		"eventDateTime eq null",
	} {
		t.Run(f, func(t *testing.T) {
			c, err := Compile(f, s.legacy)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if !c.Match(doc) {
				t.Fatal("no match")
			}
		})
	}
	_, err := Compile("dynamicThing eq 'y'", s.legacy)
	assertError(t, err, "Could not find a property named 'dynamicThing' on type 'microsoft.graph.alert'.")
}

func TestCompare(t *testing.T) {
	t1 := At(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))
	t2 := At(time.Date(2021, 1, 2, 0, 0, 0, 0, time.UTC))
	ordered := []any{nil, false, true, int64(-3), -2.5, int64(0), 0.5, int64(1), "", "a", "B", "c", t1, t2, []any{}, []any{int64(1)}, []any{int64(1), int64(2)}, []any{int64(2)}}
	for i := range ordered {
		for j := range ordered {
			got := Compare(ordered[i], ordered[j])
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got != want {
				t.Errorf("Compare(%v, %v) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	equal := [][2]any{{"abc", "ABC"}, {int64(2), 2.0}, {Object{"a": 1}, Object{}}, {"Ärger", "äRGER"}}
	for _, p := range equal {
		if Compare(p[0], p[1]) != 0 {
			t.Errorf("Compare(%v, %v) != 0", p[0], p[1])
		}
	}
	// The order is total: sorting any mixture is deterministic.
	vals := []any{"b", nil, int64(3), t2, "A", 1.5, true, []any{}, struct{}{}, Object{}}
	a := slices.Clone(vals)
	slices.SortStableFunc(a, Compare)
	b := slices.Clone(vals)
	slices.Reverse(b)
	slices.SortStableFunc(b, Compare)
	for i := range a {
		if Compare(a[i], b[i]) != 0 {
			t.Fatalf("orders differ at %d: %v vs %v", i, a, b)
		}
	}
}

func TestFoldHelpers(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"abc", "ABC", 0}, {"abc", "abd", -1}, {"ab", "abc", -1}, {"b", "A", 1},
		{"Ä", "ä", 0}, {"aÄb", "AäC", -1}, {"é", "z", 1}, {"\xff", "\xff", 0}, {"", "", 0},
	}
	for _, tt := range tests {
		if got := compareFold(tt.a, tt.b); got != tt.want {
			t.Errorf("compareFold(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := compareFold(tt.b, tt.a); got != -tt.want {
			t.Errorf("compareFold(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
	if !hasPrefixFold("Straße", foldLower("STRA")) || !hasSuffixFold("ÄRGER", foldLower("ger")) || !containsFold("xÄrgerx", foldLower("ärg")) {
		t.Error("non-ASCII substring functions")
	}
	if containsFold("abc", "abcd") || hasPrefixFold("ab", "abc") || hasSuffixFold("ab", "xab") {
		t.Error("longer needle matched")
	}
}

func TestFilterAccessorsAndEchoLimit(t *testing.T) {
	s := newTestSchema()
	f, err := Compile("severity eq 'high'", s.alert)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := f.Expr().(*Binary); !ok || b.Op != OpEq || b.Op.String() != "eq" {
		t.Fatalf("Expr() = %v", f.Expr())
	}
	_, err = Compile(strings.Repeat("x", 400)+" eq 1", s.alert)
	assertError(t, err, "Could not find a property named '"+strings.Repeat("x", 256)+"...' on type")
	// Echoed text is cut on a rune boundary.
	_, err = Compile(strings.Repeat("é", 400), s.alert)
	assertError(t, err, "Syntax error at position 1 in '"+strings.Repeat("é", 128)+"...'.")
	if err.Error() != err.(*Error).Message {
		t.Fatal("Error() is not the message")
	}
}

func TestUnqualifiedEnumName(t *testing.T) {
	color := NewEnum("color", "red", "green")
	typ := NewType("ns.thing", nil, Property{Name: "c", Kind: KindEnum, Enum: color, Filter: true})
	for in, want := range map[string]bool{"c eq ns.color'Red'": true, "c eq x.y.COLOR'green'": false, "c in (other.color'red')": true} {
		f, err := Compile(in, typ)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := f.Match(Object{"c": "red"}); got != want {
			t.Errorf("%s = %v", in, got)
		}
	}
	_, err := Compile("c eq ns.shade'red'", typ)
	assertError(t, err, "Found operand types 'color' and 'ns.shade'")
}

// termString prints terms compactly for comparison: property, members
// (or "-" when none), then N for Null and ! for Negate.
func termString(ts []EnumTerm) string {
	var out []string
	for _, t := range ts {
		s := t.Property + ":" + strings.Join(t.Members, ",")
		if len(t.Members) == 0 {
			s += "-"
		}
		if t.Null {
			s += " N"
		}
		if t.Negate {
			s += " !"
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func TestEnumTerms(t *testing.T) {
	s := newTestSchema()
	lambda := "evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'alice@contoso.com')"
	tests := []struct {
		typ          *Type
		filter, want string
	}{
		{s.alert, "severity eq 'high'", "severity:high"},
		{s.alert, "severity eq 'HIGH'", "severity:high"},
		{s.alert, "'high' eq severity", "severity:high"},
		{s.alert, "$it/severity eq 'high'", "severity:high"},
		{s.alert, "severity eq microsoft.graph.security.alertSeverity'high'", "severity:high"},
		{s.alert, "severity ne 'high'", "severity:high !"},
		{s.alert, "severity eq null", "severity:- N"},
		{s.alert, "null ne severity", "severity:- N !"},
		{s.alert, "severity gt null", "severity:-"},
		{s.alert, "severity in ('low', 'HIGH', null)", "severity:low,high N"},
		{s.alert, "severity in ('low', 'low')", "severity:low"},
		{s.alert, "severity in (null)", "severity:- N"},
		{s.alert, "severity ge 'medium'", "severity:medium,high,unknownFutureValue"},
		{s.alert, "'medium' lt severity", "severity:high,unknownFutureValue"},
		{s.alert, "severity le 'low'", "severity:unknown,informational,low"},
		{s.alert, "not (severity eq 'low')", "severity:low !"},
		{s.alert, "not (severity ne 'low')", "severity:low"},
		{s.alert, "not not (severity in ('low', null))", "severity:low N"},
		{s.alert, "severity eq 'high' and status ne 'resolved' and " + lambda, "severity:high; status:resolved !"},
		{s.alert, "(severity eq 'high' and assignedTo ne null) and (serviceSource eq 'microsoftSentinel' and status in ('new'))",
			"severity:high; serviceSource:microsoftSentinel; status:new"},
		{s.alert, "severity eq 'high' and severity ne 'low'", "severity:high; severity:low !"},
		// Not terms: or, not over and, lambdas, two properties, strings.
		{s.alert, "severity eq 'high' or status eq 'new'", ""},
		{s.alert, "not (severity eq 'high' and status eq 'new')", ""},
		{s.alert, "evidence/any(e: severity eq 'high')", ""},
		{s.alert, "evidence/any(e: e/verdict eq 'malicious')", ""},
		{s.alert, "severity eq severity", ""},
		{s.alert, "assignedTo eq 'x' and priorityScore gt 3", ""},
		{s.alert, lambda, ""},
		// The legacy type matches names without regard to case; terms
		// carry the declared spelling.
		{s.legacy, "Severity eq 'High' and STATUS in ('newAlert')", "severity:high; status:newAlert"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := Compile(tt.filter, tt.typ)
			if err != nil {
				t.Fatal(err)
			}
			terms := f.EnumTerms()
			if got := termString(terms); got != tt.want {
				t.Fatalf("terms %q, want %q", got, tt.want)
			}
			// The result is a copy: changing it changes nothing.
			for i := range terms {
				terms[i].Members = append(terms[i].Members[:0], "x")
			}
			if got := termString(f.EnumTerms()); got != tt.want {
				t.Fatalf("after changing the copy, terms %q", got)
			}
		})
	}
}

func TestEnumTermAllows(t *testing.T) {
	s := newTestSchema()
	f, err := Compile("severity in ('low', 'high') and status ne null and not (serviceSource eq 'microsoftSentinel')", s.alert)
	if err != nil {
		t.Fatal(err)
	}
	ts := f.EnumTerms()
	if len(ts) != 3 {
		t.Fatalf("terms %s", termString(ts))
	}
	sev, status, source := ts[0], ts[1], ts[2]
	tests := []struct {
		term EnumTerm
		v    any
		want bool
	}{
		{sev, "low", true},
		{sev, "high", true},
		{sev, "medium", false},
		{sev, nil, false},
		// Values the term says nothing about are always allowed.
		{sev, "HIGH", true},
		{sev, "Medium", true},
		{sev, "nonsense", true},
		{sev, int64(3), true},
		{status, nil, false},
		{status, "new", true},
		{source, "microsoftSentinel", false},
		{source, "microsoftDefenderForEndpoint", true},
		{source, nil, true},
		{EnumTerm{Property: "severity", Members: []string{"low"}}, "high", true}, // no enum: nothing known
	}
	for _, tt := range tests {
		if got := tt.term.Allows(tt.v); got != tt.want {
			t.Errorf("%s Allows(%#v) = %v, want %v", termString([]EnumTerm{tt.term}), tt.v, got, tt.want)
		}
	}
}

// termDocs are documents whose enum properties hold every kind of value a
// term must handle: members, other spellings, non-members, wrong types,
// null and absence.
func termDocs(s *testSchema) []Object {
	values := []any{nil, "absent", "high", "low", "medium", "unknownFutureValue", "HIGH", "Low", "bogus", int64(4), true, "new", "resolved", "inProgress", "microsoftSentinel"}
	var docs []Object
	for i, v := range values {
		for j, w := range values {
			d := Object{"id": fmt.Sprint("t", i, "_", j), "assignedTo": "x"}
			if v != "absent" {
				d["severity"] = v
			}
			if w != "absent" {
				d["status"] = w
				d["serviceSource"] = w
			}
			docs = append(docs, d)
		}
	}
	return append(append(docs, evalDocs()...), s.genAlerts(50, 11)...)
}

// checkTermsImplied fails when a document matches f while one of its
// terms refuses the document's value: an index built from the terms would
// then lose a match.
func checkTermsImplied(t *testing.T, f *Filter, docs []Object) {
	t.Helper()
	terms := f.EnumTerms()
	for _, d := range docs {
		if !f.Match(d) {
			continue
		}
		for _, term := range terms {
			if !term.Allows(d[term.Property]) {
				t.Fatalf("%q matches %v but its term %s refuses %#v", f, d["id"], termString([]EnumTerm{term}), d[term.Property])
			}
		}
	}
}

func TestEnumTermsImplied(t *testing.T) {
	s := newTestSchema()
	docs := termDocs(s)
	atoms := []string{
		"severity eq 'high'", "severity ne 'high'", "severity eq null", "severity ne null", "severity gt 'low'",
		"severity le 'medium'", "severity in ('low','high')", "severity in ('low', null)", "status eq 'new'",
		"status ne 'resolved'", "serviceSource ne 'microsoftSentinel'", "status in (null)", "assignedTo eq 'x'",
		"severity lt null", "'high' ne severity",
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		var b strings.Builder
		for i := range 1 + r.IntN(4) {
			if i > 0 {
				b.WriteString([]string{" and ", " and ", " or "}[r.IntN(3)])
			}
			a := atoms[r.IntN(len(atoms))]
			if r.IntN(4) == 0 {
				a = "not (" + a + ")"
			}
			b.WriteString(a)
		}
		text := b.String()
		if r.IntN(5) == 0 {
			text = "not (" + text + ")"
		}
		f, err := Compile(text, s.alert)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		checkTermsImplied(t, f, docs)
	}
}
