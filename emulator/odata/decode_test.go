package odata

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// body decodes JSON the two ways callers may: with UseNumber or plain.
func body(t *testing.T, s string, useNumber bool) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	if useNumber {
		d.UseNumber()
	}
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decoding %s: %v", s, err)
	}
	return m
}

func TestDecodeObject(t *testing.T) {
	s := newTestSchema()
	in := `{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#security/alerts_v2/$entity",
		"@odata.type": "microsoft.graph.security.ALERT",
		"id": "a1", "severity": "High", "status": "INPROGRESS", "serviceSource": "microsoftsentinel",
		"createdDateTime": "2021-04-27T14:19:27.7211305+02:00", "priorityScore": 42, "confidence": 1.5,
		"isTest": "false", "tenantId": "4B2462A4-BBEE-495A-A0E1-F23AE524CC9C",
		"systemTags": ["a", "b"], "systemTags@odata.type": "#Collection(String)",
		"assignedTo": null,
		"additionalData": {"n": 3, "f": 2.5, "big": 12345678901234567890, "list": [1, {"x": null}], "s": "t"},
		"vendorInformation": {"provider": "ASC", "vendor": "Microsoft"},
		"comments": [{"@odata.type": "microsoft.graph.security.alertComment", "comment": "hi", "createdDateTime": "2022-10-13T07:08:30.1606766Z"}],
		"evidence": [
			{"@odata.type": "#microsoft.graph.security.deviceEvidence", "verdict": "Malicious", "roles": ["Attacker"],
			 "createdDateTime": "2021-01-01T00:00:00Z", "remediationStatus": "none", "osBuild": 19045,
			 "loggedOnUsers": [{"accountName": "bob"}]},
			{"@odata.type": "#microsoft.graph.security.userEvidence", "verdict": "unknown", "roles": [],
			 "createdDateTime": "2021-01-01", "remediationStatus": "active",
			 "userAccount": {"userPrincipalName": "a@b", "activeDirectoryObjectGuid": "72F988BF-86F1-41AF-91AB-2D7CD011DB47"}}
		]
	}`
	created := At(time.Date(2021, 4, 27, 12, 19, 27, 721130500, time.UTC))
	day := At(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))
	want := Object{
		"@odata.type": "#microsoft.graph.security.alert",
		"id":          "a1", "severity": "high", "status": "inProgress", "serviceSource": "microsoftSentinel",
		"createdDateTime": created, "priorityScore": int64(42), "confidence": 1.5,
		"isTest": false, "tenantId": "4b2462a4-bbee-495a-a0e1-f23ae524cc9c",
		"systemTags":        []any{"a", "b"},
		"vendorInformation": Object{"provider": "ASC", "vendor": "Microsoft"},
		"comments":          []any{Object{"@odata.type": "#microsoft.graph.security.alertComment", "comment": "hi", "createdDateTime": At(time.Date(2022, 10, 13, 7, 8, 30, 160676600, time.UTC))}},
		"evidence": []any{
			Object{"@odata.type": "#microsoft.graph.security.deviceEvidence", "verdict": "malicious", "roles": []any{"attacker"},
				"createdDateTime": day, "remediationStatus": "none", "osBuild": int64(19045),
				"loggedOnUsers": []any{Object{"accountName": "bob"}}},
			Object{"@odata.type": "#microsoft.graph.security.userEvidence", "verdict": "unknown", "roles": []any{},
				"createdDateTime": day, "remediationStatus": "active",
				"userAccount": Object{"userPrincipalName": "a@b", "activeDirectoryObjectGuid": "72f988bf-86f1-41af-91ab-2d7cd011db47"}},
		},
	}
	opts := cmp.Comparer(func(a, b Time) bool { return a.Equal(b.Time) })
	for _, useNumber := range []bool{true, false} {
		got, err := DecodeObject(body(t, in, useNumber), s.alert, DecodeOptions{})
		if err != nil {
			t.Fatalf("UseNumber=%v: %v", useNumber, err)
		}
		add := got["additionalData"].(Object)
		delete(got, "additionalData")
		if diff := cmp.Diff(want, got, opts); diff != "" {
			t.Errorf("UseNumber=%v (-want +got)\n%s", useNumber, diff)
		}
		if err := Validate(got, s.alert); err != nil {
			t.Errorf("decoded object is not valid: %v", err)
		}
		wantAdd := Object{"n": int64(3), "f": 2.5, "list": []any{int64(1), Object{"x": nil}}, "s": "t", "big": 12345678901234567890.0}
		if !useNumber {
			wantAdd["n"] = 3.0
			wantAdd["list"] = []any{1.0, Object{"x": nil}}
		}
		if diff := cmp.Diff(wantAdd, add); diff != "" {
			t.Errorf("UseNumber=%v additionalData (-want +got)\n%s", useNumber, diff)
		}
	}
}

func TestDecodeOptions(t *testing.T) {
	s := newTestSchema()
	raw := body(t, `{"assignedTo": null, "Status": "resolved"}`, true)
	if _, err := DecodeObject(raw, s.alert, DecodeOptions{}); err == nil {
		t.Fatal("case-sensitive type accepted 'Status'")
	}
	got, err := DecodeObject(raw, s.alert, DecodeOptions{CaseInsensitive: true, KeepNulls: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Object{"assignedTo": nil, "status": "resolved"}, got); diff != "" {
		t.Error(diff)
	}
	got, _ = DecodeObject(raw, s.alert, DecodeOptions{CaseInsensitive: true})
	if _, kept := got["assignedTo"]; kept {
		t.Error("null kept without KeepNulls")
	}
	// The legacy alert is case-insensitive and open.
	got, err = DecodeObject(body(t, `{"Severity":"HIGH","VendorInformation":{"Provider":"ASC"},"custom":{"a":[1]}}`, true), s.legacy, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Object{"severity": "high", "vendorInformation": Object{"provider": "ASC"}, "custom": Object{"a": []any{int64(1)}}}, got); diff != "" {
		t.Error(diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	s := newTestSchema()
	deep := strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)
	tests := []struct {
		name, in string
		typ      *Type
		want     string
	}{
		{"unknown property", `{"x": 1}`, s.alert, "The property 'x' does not exist on type 'microsoft.graph.security.alert'. Make sure to only use property names that are defined by the type or mark the type as open type."},
		{"unknown nested", `{"vendorInformation": {"foo": 1}}`, s.alert, "The property 'foo' does not exist on type 'microsoft.graph.securityVendorInformation'."},
		{"derived property without cast", `{"evidence": [{"userAccount": {}}]}`, s.alert, "The property 'userAccount' does not exist on type 'microsoft.graph.security.alertEvidence'."},
		{"int from string", `{"priorityScore": "abc"}`, s.alert, "Cannot convert the literal 'abc' to the expected type 'Edm.Int64'."},
		{"int from decimal", `{"priorityScore": 1.5}`, s.alert, "Cannot convert the literal '1.5' to the expected type 'Edm.Int64'."},
		{"int overflow", `{"priorityScore": 99999999999999999999}`, s.alert, "Cannot convert the literal '99999999999999999999' to the expected type 'Edm.Int64'."},
		{"double from bool", `{"confidence": true}`, s.alert, "Cannot convert the literal 'true' to the expected type 'Edm.Double'."},
		{"string from number", `{"assignedTo": 5}`, s.alert, "Cannot convert the literal '5' to the expected type 'Edm.String'."},
		{"string from object", `{"assignedTo": {}}`, s.alert, "Cannot convert the literal '{...}' to the expected type 'Edm.String'."},
		{"bool from text", `{"isTest": "yes"}`, s.alert, "Cannot convert the literal 'yes' to the expected type 'Edm.Boolean'."},
		{"time", `{"createdDateTime": "yesterday"}`, s.alert, "Cannot convert the literal 'yesterday' to the expected type 'Edm.DateTimeOffset'."},
		{"time number", `{"createdDateTime": 5}`, s.alert, "Cannot convert the literal '5' to the expected type 'Edm.DateTimeOffset'."},
		{"guid", `{"tenantId": "not-a-guid"}`, s.alert, "Cannot convert the literal 'not-a-guid' to the expected type 'Edm.Guid'."},
		{"enum", `{"severity": "abc"}`, s.alert, "Requested value 'abc' was not found."},
		{"enum number", `{"severity": 3}`, s.alert, "Cannot convert the literal '3' to the expected type 'microsoft.graph.security.alertSeverity'."},
		{"enum in collection", `{"evidence": [{"roles": ["nope"]}]}`, s.alert, "Requested value 'nope' was not found."},
		{"not a collection", `{"systemTags": "a"}`, s.alert, "Cannot convert the literal 'a' to the expected type 'Collection(Edm.String)'."},
		{"null in collection", `{"systemTags": ["a", null]}`, s.alert, "A null value was found in the collection property 'systemTags', whose items cannot be null."},
		{"complex from array", `{"vendorInformation": []}`, s.alert, "Cannot convert the literal '[...]' to the expected type 'microsoft.graph.securityVendorInformation'."},
		{"null not nullable", `{"severity": null}`, s.alert, "A null value was found for the property named 'severity', which has the expected type 'microsoft.graph.security.alertSeverity[Nullable=False]'. The expected type 'microsoft.graph.security.alertSeverity[Nullable=False]' does not allow null values."},
		{"bad cast", `{"evidence": [{"@odata.type": "#microsoft.graph.security.alert"}]}`, s.alert, "A type named 'microsoft.graph.security.alert' could not be resolved by the model. When a model is available, each type name must resolve to a valid type."},
		{"cast not string", `{"@odata.type": 5}`, s.alert, "The value of the '@odata.type' annotation must be a string naming a type."},
		{"open not object", `{"additionalData": 5}`, s.alert, "Cannot convert the literal '5' to the expected type 'Edm.Untyped'."},
		{"too deep", `{"additionalData": ` + deep + `}`, s.alert, "The request body is nested more than 32 levels deep."},
		{"duplicate in any case", `{"Severity": "high", "severity": "low"}`, s.legacy, "Duplicate property named 'severity'."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, useNumber := range []bool{true, false} {
				_, err := DecodeObject(body(t, tt.in, useNumber), tt.typ, DecodeOptions{})
				if tt.name == "int overflow" && !useNumber {
					// As float64 the value is simply too large to be exact.
					assertError(t, err, "to the expected type 'Edm.Int64'.")
					continue
				}
				assertError(t, err, tt.want)
			}
		})
	}
	if _, err := DecodeObject(map[string]any{}, nil, DecodeOptions{}); err == nil {
		t.Error("nil type accepted")
	}
}

func TestDecodeSpecialValues(t *testing.T) {
	s := newTestSchema()
	for in, want := range map[string]float64{`"NaN"`: math.NaN(), `"INF"`: math.Inf(1), `"-INF"`: math.Inf(-1), `3`: 3} {
		got, err := DecodeObject(body(t, `{"confidence":`+in+`}`, true), s.alert, DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		f := got["confidence"].(float64)
		if f != want && !(math.IsNaN(f) && math.IsNaN(want)) {
			t.Errorf("%s = %v", in, f)
		}
	}
}

// Writing an object and decoding the result gives the object back.
func TestEncodeDecodeRoundTrip(t *testing.T) {
	s := newTestSchema()
	opts := cmp.Comparer(func(a, b Time) bool { return a.Equal(b.Time) })
	for i, d := range s.genAlerts(100, 21) {
		enc := Encode(d, s.alert, EncodeOptions{IncludeUnknownEnumMembers: true})
		dec := json.NewDecoder(bytes.NewReader(enc))
		dec.UseNumber()
		var raw map[string]any
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		got, err := DecodeObject(raw, s.alert, DecodeOptions{})
		if err != nil {
			t.Fatalf("alert %d: %v", i, err)
		}
		// Absent collections come back as [] (Graph writes []): compare
		// with empty collections dropped on both sides.
		if diff := cmp.Diff(dropEmpty(d), dropEmpty(got), opts); diff != "" {
			t.Fatalf("alert %d (-stored +round trip)\n%s", i, diff)
		}
	}
}

func TestClone(t *testing.T) {
	s := newTestSchema()
	orig := s.genAlerts(1, 9)[0]
	before := Encode(orig, s.alert, EncodeOptions{})
	c := Clone(orig)
	c["severity"] = "low"
	c["evidence"].([]any)[0].(Object)["verdict"] = "malicious"
	c["systemTags"] = append(c["systemTags"].([]any), "x")
	if !bytes.Equal(before, Encode(orig, s.alert, EncodeOptions{})) {
		t.Fatal("changing the clone changed the original")
	}
	if Clone(nil) != nil {
		t.Fatal("Clone(nil) != nil")
	}
	if cmp.Equal(orig, c) {
		t.Fatal("clone unchanged")
	}
}

func dropEmpty(o Object) Object {
	out := Object{}
	for k, v := range o {
		switch x := v.(type) {
		case []any:
			if len(x) == 0 {
				continue
			}
			items := make([]any, len(x))
			for i, it := range x {
				if m, ok := it.(Object); ok {
					it = dropEmpty(m)
				}
				items[i] = it
			}
			v = items
		case Object:
			v = dropEmpty(x)
		}
		out[k] = v
	}
	return out
}
