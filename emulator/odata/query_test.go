package odata

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func alertSpec(s *testSchema) Spec {
	return Spec{Type: s.alert, Allow: OptAll &^ OptExpand, DefaultTop: 100, MaxTop: 1000, MaxSkip: 500}
}

func TestParseQueryTolerance(t *testing.T) {
	s := newTestSchema()
	spec := alertSpec(s)
	beta := spec
	beta.DollarOptional = true
	type want struct {
		filter  string
		top     int
		hasTop  bool
		skip    int
		count   bool
		orderBy []OrderKey
		sel     []string
		token   string
	}
	tests := []struct {
		name string
		raw  string
		spec Spec
		want want
	}{
		{"raw as curl sends it", "$filter=severity eq 'high'&$top=5", spec, want{filter: "severity eq 'high'", top: 5, hasTop: true}},
		{"percent-encoded", "%24filter=severity%20eq%20%27high%27&%24top=5", spec, want{filter: "severity eq 'high'", top: 5, hasTop: true}},
		{"plus for space", "$filter=severity+eq+'high'", spec, want{filter: "severity eq 'high'"}},
		{"encoded plus stays plus", "$filter=createdDateTime+ge+2021-01-02T12:00:00%2B02:00", spec, want{filter: "createdDateTime ge 2021-01-02T12:00:00+02:00"}},
		{"leading question mark", "?$top=1", spec, want{top: 1, hasTop: true}},
		{"option names in any case", "$FILTER=severity eq 'high'&$Top=2&$SKIP=3&$Count=TRUE", spec, want{filter: "severity eq 'high'", top: 2, hasTop: true, skip: 3, count: true}},
		{"non-system parameters ignored", "api-version=2.0&top=9&foo=bar&$top=1", spec, want{top: 1, hasTop: true}},
		{"beta without dollar", "top=3&filter=severity eq 'low'&Skip=1&count=true", beta, want{filter: "severity eq 'low'", top: 3, hasTop: true, skip: 1, count: true}},
		{"beta still ignores other names", "api-version=2&top=3", beta, want{top: 3, hasTop: true}},
		{"empty parts", "&&$top=1&", spec, want{top: 1, hasTop: true}},
		{"empty filter is none", "$filter=&$orderby=&$select=", spec, want{}},
		{"top zero", "$top=0", spec, want{top: 0, hasTop: true}},
		{"top at max", "$top=1000&$skip=500", spec, want{top: 1000, hasTop: true, skip: 500}},
		{"count false", "$count=false", spec, want{}},
		{"spaces around numbers", "$top=%205%20", spec, want{top: 5, hasTop: true}},
		{"orderby", "$orderby=createdDateTime desc,severity,vendorInformation/provider asc", spec, want{orderBy: []OrderKey{{"createdDateTime", true}, {"severity", false}, {"vendorInformation/provider", false}}}},
		{"orderby keyword case", "$orderby=createdDateTime DESC", spec, want{orderBy: []OrderKey{{"createdDateTime", true}}}},
		{"select", "$select=severity, id,title,id", spec, want{sel: []string{"severity", "id", "title"}}},
		{"select star", "$select=*", spec, want{}},
		{"skiptoken opaque", "$skiptoken=abc%3D%3D", spec, want{token: "abc=="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(tt.raw, tt.spec)
			if err != nil {
				t.Fatalf("ParseQuery: %v", err)
			}
			got := want{filter: q.FilterText, top: q.Top, hasTop: q.HasTop, skip: q.Skip, count: q.Count, orderBy: q.OrderBy, sel: q.Select, token: q.SkipToken}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Fatalf("(-want +got)\n%s", diff)
			}
			if (q.Filter != nil) != (tt.want.filter != "") {
				t.Fatalf("Filter = %v", q.Filter)
			}
			if q.Filter != nil && q.Filter.String() != tt.want.filter {
				t.Fatalf("Filter.String() = %q", q.Filter.String())
			}
		})
	}
}

func TestParseQueryCaseInsensitiveType(t *testing.T) {
	s := newTestSchema()
	spec := Spec{Type: s.legacy, Allow: OptAll, MaxTop: 1000, MaxSkip: 500}
	q, err := ParseQuery("$filter=Severity eq 'High'&$orderby=EventDateTime desc&$select=Title,SEVERITY,customField", spec)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]OrderKey{{"eventDateTime", true}}, q.OrderBy); diff != "" {
		t.Error(diff)
	}
	// The legacy alert is open: a dynamic name may be selected as given.
	if diff := cmp.Diff([]string{"title", "severity", "customField"}, q.Select); diff != "" {
		t.Error(diff)
	}
}

func TestParseQueryErrors(t *testing.T) {
	s := newTestSchema()
	spec := alertSpec(s)
	incidents := Spec{Type: s.incident, Allow: OptAll, Expand: []string{"alerts"}}
	tests := []struct {
		name, raw string
		spec      Spec
		want      string
	}{
		{"unknown option", "$foo=1", spec, "Query option '$foo' is not supported."},
		{"search", "$search=x", spec, "Query option '$search' is not supported."},
		{"encoded unknown", "%24Format=json", spec, "Query option '$Format' is not supported."},
		{"beta search without dollar", "search=x", Spec{Type: s.alert, Allow: OptAll, DollarOptional: true}, "Query option '$search' is not supported."},
		{"not allowed", "$expand=alerts", spec, "The query specified in the URI is not valid. Query option 'Expand' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."},
		{"orderby not allowed", "$orderby=id", Spec{Type: s.alert, Allow: OptFilter}, "Query option 'OrderBy' is not allowed."},
		{"repeated", "$top=1&$top=2", spec, "Query option '$top' was specified more than once, but it must be specified at most once."},
		{"repeated other case", "$filter=true&$FILTER=true", spec, "Query option '$filter' was specified more than once"},
		{"repeated beta mix", "$top=1&top=2", Spec{Type: s.alert, Allow: OptAll, DollarOptional: true}, "Query option '$top' was specified more than once"},
		{"bad escape in value", "$filter=contains(title,'100%')", spec, "The value of query option '$filter' is not correctly percent-encoded."},
		{"bad escape in value 2", "$top=%zz", spec, "The value of query option '$top' is not correctly percent-encoded."},
		{"bad escape in name", "%2=1", spec, "The query option name '%2' is not correctly percent-encoded."},
		{"top negative", "$top=-1", spec, "Invalid value '-1' for $top query option found. The $top query option requires a non-negative integer value."},
		{"top text", "$top=ten", spec, "Invalid value 'ten' for $top query option found."},
		{"top empty", "$top=", spec, "Invalid value '' for $top query option found."},
		{"top decimal", "$top=1.5", spec, "Invalid value '1.5' for $top"},
		{"top over max", "$top=1001", spec, "The limit of '1000' for Top query has been exceeded. The value from the incoming request is '1001'."},
		{"top overflow", "$top=99999999999999999999999", spec, "The limit of '1000' for Top query has been exceeded."},
		{"top overflow unlimited", "$top=99999999999999999999999", Spec{Type: s.alert, Allow: OptAll}, "Invalid value '99999999999999999999999' for $top"},
		{"skip over max", "$skip=501", spec, "The limit of '500' for Skip query has been exceeded. The value from the incoming request is '501'."},
		{"skip negative", "$skip=-5", spec, "Invalid value '-5' for $skip query option found. The $skip query option requires a non-negative integer value."},
		{"count", "$count=yes", spec, "'yes' is not a valid count option."},
		{"filter syntax", "$filter=severity eq", spec, "Invalid filter clause: Syntax error at position 12 in 'severity eq'."},
		{"filter property", "$filter=foo eq 1", spec, "Could not find a property named 'foo' on type 'microsoft.graph.security.alert'."},
		{"filter too long", "$filter=" + strings.Repeat("a", 5000), spec, "more than the limit of 4096"},
		{"query too long", "$filter=" + strings.Repeat("%20", 11000) + "true", spec, "The query string is 33012 bytes long, more than the limit of 32768."},
		{"orderby unknown", "$orderby=foo", spec, "Could not find a property named 'foo' on type 'microsoft.graph.security.alert'."},
		{"orderby not sortable", "$orderby=tenantId", spec, "The query specified in the URI is not valid. The property 'tenantId' cannot be used in the $orderby query option."},
		{"orderby open", "$orderby=additionalData/x", spec, "The property 'additionalData' cannot be used in the $orderby query option."},
		{"orderby complex", "$orderby=vendorInformation", spec, "The $orderby expression must evaluate to a single value of primitive type."},
		{"orderby direction", "$orderby=id up", spec, "Invalid $orderby clause: Syntax error in 'id up'."},
		{"orderby three words", "$orderby=id asc desc", spec, "Invalid $orderby clause"},
		{"orderby empty clause", "$orderby=id,", spec, "Invalid $orderby clause"},
		{"orderby count", "$orderby=systemTags/$count", spec, "Invalid $orderby clause"},
		{"orderby function", "$orderby=tolower(id)", spec, "Invalid $orderby clause"},
		{"orderby duplicate", "$orderby=id,id desc", spec, "Duplicate property named 'id' is not supported in '$orderby'."},
		{"orderby too many", "$orderby=" + strings.Repeat("id,", 8) + "id", spec, "The number of clauses in $orderby query option exceeded the maximum number 8 allowed."},
		{"orderby case", "$orderby=CreatedDateTime", spec, "Could not find a property named 'CreatedDateTime'"},
		{"select unknown", "$select=nope", spec, "Could not find a property named 'nope' on type 'microsoft.graph.security.alert'."},
		{"select path", "$select=vendorInformation/provider", spec, "$select of a property path ('vendorInformation/provider') is not supported"},
		{"select too many", "$select=" + strings.Repeat("id,", 64) + "id", spec, "The number of items in $select exceeded the maximum number 64 allowed."},
		{"expand unknown", "$expand=photo", incidents, "Could not find a property named 'photo' on type 'microsoft.graph.security.incident'."},
		{"expand property", "$expand=displayName", incidents, "Property 'displayName' on type 'microsoft.graph.security.incident' is not a navigation property or complex property. Only navigation properties can be expanded."},
		{"expand nested", "$expand=alerts($select=id)", incidents, "Query options nested in $expand ('alerts($select=id)') are not supported."},
		{"no type", "$top=1", Spec{}, "does not support query options"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(tt.raw, tt.spec)
			if err == nil {
				t.Fatalf("ParseQuery = %+v, want error", q)
			}
			assertError(t, err, tt.want)
		})
	}
}

func TestParseQueryExpand(t *testing.T) {
	s := newTestSchema()
	spec := Spec{Type: s.incident, Allow: OptAll, Expand: []string{"alerts"}}
	for _, raw := range []string{"$expand=alerts", "$expand=ALERTS", "$expand=alerts,alerts", "$expand=*", "$expand= alerts "} {
		q, err := ParseQuery(raw, spec)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if diff := cmp.Diff([]string{"alerts"}, q.Expand); diff != "" {
			t.Errorf("%s: %s", raw, diff)
		}
	}
}

func TestPageSize(t *testing.T) {
	s := newTestSchema()
	for _, tt := range []struct {
		raw        string
		defaultTop int
		n          int
		ok         bool
	}{
		{"", 100, 100, true}, {"", 0, 0, false}, {"$top=5", 100, 5, true}, {"$top=500", 100, 500, true}, {"$top=0", 0, 0, true},
	} {
		q, err := ParseQuery(tt.raw, Spec{Type: s.alert, Allow: OptAll, DefaultTop: tt.defaultTop})
		if err != nil {
			t.Fatal(err)
		}
		if n, ok := q.PageSize(); n != tt.n || ok != tt.ok {
			t.Errorf("%q default %d: PageSize = %d, %v; want %d, %v", tt.raw, tt.defaultTop, n, ok, tt.n, tt.ok)
		}
	}
}

func TestRawQuery(t *testing.T) {
	s := newTestSchema()
	q, err := ParseQuery("$filter=severity eq 'high' and assignedTo eq 'a%26b'&$orderby=createdDateTime desc,id&$select=id,severity&$top=10&$count=true&$skip=20", alertSpec(s))
	if err != nil {
		t.Fatal(err)
	}
	got := q.RawQuery(30, "")
	want := "$filter=severity%20eq%20'high'%20and%20assignedTo%20eq%20'a%26b'&$orderby=createdDateTime%20desc,id&$select=id,severity&$top=10&$count=true&$skip=30"
	if got != want {
		t.Fatalf("RawQuery:\n got %s\nwant %s", got, want)
	}
	// It parses back to the same query.
	q2, err := ParseQuery(got, alertSpec(s))
	if err != nil {
		t.Fatal(err)
	}
	if q2.FilterText != q.FilterText || q2.Skip != 30 || !cmp.Equal(q2.OrderBy, q.OrderBy) || !cmp.Equal(q2.Select, q.Select) {
		t.Fatalf("round trip: %+v", q2)
	}
	if got := q.RawQuery(0, "tok en"); !strings.HasSuffix(got, "&$count=true&$skiptoken=tok%20en") {
		t.Fatalf("skiptoken: %s", got)
	}
}
