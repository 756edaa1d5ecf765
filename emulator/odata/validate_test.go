package odata

import (
	"strings"
	"testing"
	"time"
)

func testTypes() (*Type, *Type) {
	sev := NewEnum("alertSeverity", "unknown", "low", "high", UnknownFutureValue, "critical")
	evidence := NewType("ns.evidence", nil, Property{Name: "verdict", Kind: KindString})
	NewType("ns.userEvidence", evidence, Property{Name: "upn", Kind: KindString})
	alert := NewType("ns.alert", nil,
		Property{Name: "id", Kind: KindString, NotNull: true},
		Property{Name: "severity", Kind: KindEnum, Enum: sev},
		Property{Name: "created", Kind: KindDateTime},
		Property{Name: "count", Kind: KindInt},
		Property{Name: "tags", Kind: KindString, Collection: true},
		Property{Name: "evidence", Kind: KindComplex, Type: evidence, Collection: true},
		Property{Name: "extra", Kind: KindOpen},
	)
	return alert, evidence
}

func TestValidate(t *testing.T) {
	alert, _ := testTypes()
	good := Object{
		"id": "a1", "severity": "critical", "created": At(time.Now()), "count": int64(3),
		"tags": []any{"x"}, "extra": Object{"anything": 1.5},
		"evidence": []any{Object{"@odata.type": "#ns.userEvidence", "upn": "u@x", "verdict": "bad"}},
	}
	if err := Validate(good, alert); err != nil {
		t.Fatalf("valid doc rejected: %v", err)
	}
	tests := []struct {
		name, key string
		val       any
		want      string
	}{
		{"unknown property", "nope", "x", "not a property"},
		{"null not-null", "id", nil, "not nullable"},
		{"enum case", "severity", "High", "not a member"},
		{"time as string", "created", "2020-01-01T00:00:00Z", "want odata.Time"},
		{"float for int", "count", 3.0, "want int64"},
		{"slice type", "tags", []string{"x"}, "want a collection"},
		{"bad cast", "evidence", []any{Object{"@odata.type": "#ns.other"}}, "not ns.evidence"},
		{"cast spelling", "evidence", []any{Object{"@odata.type": "#NS.userEvidence"}}, "should be spelled"},
		{"derived prop on base", "evidence", []any{Object{"upn": "x"}}, "not a property of ns.evidence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := Object{}
			for k, v := range good {
				doc[k] = v
			}
			doc[tt.key] = tt.val
			err := Validate(doc, alert)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestEnumAndTypeLookup(t *testing.T) {
	alert, evidence := testTypes()
	p, _ := alert.Property("severity")
	if m, ok := p.Enum.Canonical("HIGH"); !ok || m != "high" {
		t.Fatalf("Canonical(HIGH) = %q, %v", m, ok)
	}
	if !p.Enum.Evolvable("critical") || p.Enum.Evolvable("high") {
		t.Fatal("Evolvable")
	}
	if _, ok := alert.Property("Severity"); ok {
		t.Fatal("case-sensitive type matched Severity")
	}
	alert.CaseInsensitive = true
	if _, ok := alert.Property("Severity"); !ok {
		t.Fatal("case-insensitive type did not match Severity")
	}
	u, ok := evidence.Derived("#NS.USEREVIDENCE")
	if !ok || !u.IsA(evidence) || evidence.IsA(u) {
		t.Fatalf("Derived: %v %v", u, ok)
	}
	if got := evidence.Resolve(Object{"@odata.type": "#ns.userEvidence"}); got != u {
		t.Fatalf("Resolve = %v", got.Name)
	}
	if n := len(u.Properties()); n != 2 {
		t.Fatalf("Properties() = %d, want base + own = 2", n)
	}
}

func TestTimeWire(t *testing.T) {
	v := At(time.Date(2021, 4, 27, 12, 19, 27, 721130512, time.FixedZone("x", 3600)))
	b, _ := v.MarshalJSON()
	if got, want := string(b), `"2021-04-27T11:19:27.7211305Z"`; got != want {
		t.Fatalf("MarshalJSON = %s, want %s", got, want)
	}
	var back Time
	if err := back.UnmarshalJSON(b); err != nil || !back.Equal(v.Time) {
		t.Fatalf("round trip: %v %v", back, err)
	}
	for _, s := range []string{"2017-04-01", "2021-01-02T12:00:00Z", "2021-01-02T12:00+02:00"} {
		if _, err := ParseTime(s); err != nil {
			t.Errorf("ParseTime(%q): %v", s, err)
		}
	}
	if _, err := ParseTime("yesterday"); err == nil {
		t.Error("ParseTime(yesterday) succeeded")
	}
}
