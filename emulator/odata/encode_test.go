package odata

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func sampleAlert() Object {
	created := At(time.Date(2021, 4, 27, 12, 19, 27, 721130500, time.UTC))
	return Object{
		"@odata.type":        "#" + ns + "alert",
		"id":                 "da637551227677560813_-961444813",
		"title":              "Suspicious <script> & \"quoted\" \u2028 activity",
		"severity":           "high",
		"status":             "new",
		"serviceSource":      "microsoftSentinel",
		"createdDateTime":    created,
		"lastUpdateDateTime": "2021-04-27T12:20:00Z",
		"priorityScore":      int64(42),
		"confidence":         0.000000123,
		"isTest":             false,
		"tenantId":           "4b2462a4-bbee-495a-a0e1-f23ae524cc9c",
		"systemTags":         []any{"Defender Experts"},
		"additionalData":     Object{"zeta": int64(1), "alpha": []any{1.5, "x", nil, true}, "nested": Object{"b": "B", "a": "A"}},
		"comments": []any{
			Object{"comment": "first\ncomment\t\x01", "createdByDisplayName": "secAdmin@contoso.com", "createdDateTime": created},
		},
		"evidence": []any{
			Object{
				"@odata.type": "#" + ns + "userEvidence", "createdDateTime": created, "verdict": "suspicious",
				"remediationStatus": "active", "roles": []any{"compromised", "attacker"},
				"userAccount": Object{"accountName": "alice", "userPrincipalName": "alice@contoso.com", "activeDirectoryObjectGuid": "72f988bf-86f1-41af-91ab-2d7cd011db47"},
			},
			Object{
				"@odata.type": "#" + ns + "deviceEvidence", "createdDateTime": created, "verdict": "noThreatsFound",
				"remediationStatus": "remediated", "roles": []any{}, "deviceDnsName": "pc1.contoso.com", "osBuild": int64(19045),
				"loggedOnUsers": []any{Object{"accountName": "bob", "domainName": "CONTOSO"}},
			},
			Object{"createdDateTime": created, "verdict": "unknown", "remediationStatus": "none", "roles": []any{}},
		},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	if !json.Valid(got) {
		t.Fatalf("%s: invalid JSON: %s", name, got)
	}
	path := filepath.Join("testdata", name)
	var pretty bytes.Buffer
	// Indent for readable diffs; json.Indent keeps key order and bytes.
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Fatalf("%s differs from the golden file\n got: %s\nwant: %s", name, pretty.Bytes(), want)
	}
}

func TestEncodeGolden(t *testing.T) {
	s := newTestSchema()
	legacyDoc := Object{
		"id": "L1", "severity": "high", "status": "dismissed", "zDynamic": "z", "aDynamic": Object{"k": int64(1)},
		"@odata.etag": "W/\"1\"",
		"hostStates":  []any{Object{"fqdn": "pc123.contoso.com"}},
	}
	incident := Object{"id": "2972395", "displayName": "Multi-stage", "severity": "high"}
	expanded := Clone(incident)
	expanded["alerts"] = []any{Object{"id": "x1", "severity": "low", "status": "new", "serviceSource": "unknown"}}
	tests := []struct {
		name string
		doc  Object
		typ  *Type
		opt  EncodeOptions
	}{
		{"alert.golden.json", sampleAlert(), s.alert, EncodeOptions{}},
		{"alert_unknown_members.golden.json", sampleAlert(), s.alert, EncodeOptions{IncludeUnknownEnumMembers: true}},
		{"alert_select.golden.json", sampleAlert(), s.alert, EncodeOptions{Select: []string{"title", "severity", "serviceSource", "systemTags", "evidence"}}},
		{"alert_sparse.golden.json", Object{"id": "x"}, s.alert, EncodeOptions{}},
		{"legacy_open.golden.json", legacyDoc, s.legacy, EncodeOptions{}},
		{"legacy_open_select.golden.json", legacyDoc, s.legacy, EncodeOptions{Select: []string{"id", "zDynamic"}}},
		{"incident.golden.json", incident, s.incident, EncodeOptions{}},
		{"incident_expanded.golden.json", expanded, s.incident, EncodeOptions{Select: []string{"id"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, Encode(tt.doc, tt.typ, tt.opt))
		})
	}
}

func TestEncodeRules(t *testing.T) {
	s := newTestSchema()
	got := string(Encode(sampleAlert(), s.alert, EncodeOptions{}))
	for _, want := range []string{
		`{"@odata.type":"#microsoft.graph.security.alert","id":"da637551227677560813_-961444813","additionalData":{`,
		`"serviceSource":"unknownFutureValue"`,             // evolvable, top level
		`"remediationStatus":"unknownFutureValue"`,         // evolvable, inside evidence
		`"assignedTo":null`,                                // absent scalar
		`"classification":null`,                            // absent enum
		`"detailedRoles":[]`,                               // absent collection, nested
		`"createdDateTime":"2021-04-27T12:19:27.7211305Z"`, // Time wire layout
		`"lastUpdateDateTime":"2021-04-27T12:20:00Z"`,      // a string date is written as stored
		`"confidence":1.23e-7`,                             // encoding/json float format
		`"title":"Suspicious \u003cscript\u003e \u0026 \"quoted\" \u2028 activity"`,
		`"comment":"first\ncomment\t\u0001"`,
		`{"@odata.type":"#microsoft.graph.security.deviceEvidence","createdDateTime":`, // runtime type, base props first
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s\nin %s", want, got)
		}
	}
	// The third evidence item has no @odata.type: it is written with the
	// base type's properties only.
	if !strings.Contains(got, `"roles":[],"tags":[],"verdict":"unknown"}`) {
		t.Errorf("base-typed evidence not written with base properties only: %s", got)
	}
	if strings.Contains(got, "microsoftSentinel") || strings.Contains(got, `"active"`) {
		t.Error("evolvable member leaked without IncludeUnknownEnumMembers")
	}
	with := string(Encode(sampleAlert(), s.alert, EncodeOptions{IncludeUnknownEnumMembers: true}))
	if !strings.Contains(with, `"serviceSource":"microsoftSentinel"`) || !strings.Contains(with, `"remediationStatus":"active"`) {
		t.Error("IncludeUnknownEnumMembers did not keep evolvable members")
	}
	sel := string(Encode(sampleAlert(), s.alert, EncodeOptions{Select: []string{"severity", "id"}}))
	if sel != `{"@odata.type":"#microsoft.graph.security.alert","id":"da637551227677560813_-961444813","severity":"high"}` {
		t.Errorf("select: %s", sel)
	}
	// Navigation properties: absent means not expanded, never null or [].
	inc := string(Encode(Object{"id": "1"}, s.incident, EncodeOptions{}))
	if strings.Contains(inc, "alerts") {
		t.Errorf("unexpanded navigation written: %s", inc)
	}
	// Annotations go right after @odata.type; dynamic properties last.
	for _, tt := range []struct {
		doc  Object
		sel  []string
		want string
	}{
		{Object{"@odata.type": "#microsoft.graph.alert", "@odata.etag": "x", "zz": int64(1), "id": "i"}, []string{"zz"}, `{"@odata.type":"#microsoft.graph.alert","@odata.etag":"x","zz":1}`},
		{Object{"@odata.etag": "x", "@a": true, "zz": int64(1)}, []string{"zz"}, `{"@a":true,"@odata.etag":"x","zz":1}`},
		{Object{"@odata.etag": "x"}, []string{"zz"}, `{"@odata.etag":"x"}`},
		{Object{"@odata.etag": "x", "id": "i"}, []string{"id"}, `{"@odata.etag":"x","id":"i"}`},
		{Object{"@odata.type": "#microsoft.graph.alert", "zz": int64(1)}, []string{"zz"}, `{"@odata.type":"#microsoft.graph.alert","zz":1}`},
		{Object{"zz": int64(1), "id": "i"}, []string{"id"}, `{"id":"i"}`},
	} {
		if got := string(Encode(tt.doc, s.legacy, EncodeOptions{Select: tt.sel})); got != tt.want {
			t.Errorf("Encode(%v) = %s, want %s", tt.doc, got, tt.want)
		}
	}
	// Appending keeps what is already in dst.
	if b := AppendObject([]byte("x"), Object{"id": "1"}, s.incident, EncodeOptions{}); !bytes.HasPrefix(b, []byte(`x{"id":"1"`)) {
		t.Errorf("AppendObject: %s", b)
	}
}

func TestEncodeLenient(t *testing.T) {
	s := newTestSchema()
	// Data that does not match the schema is written generically, never
	// panicking; unsupported Go kinds become null.
	doc := Object{
		"id": int64(7), "severity": int64(3), "evidence": "oops", "systemTags": []any{int64(1)},
		"vendorInformation": "flat", "priorityScore": 1.5, "confidence": int64(2), "isTest": struct{}{},
		"comments": []any{"not an object"}, "title": int(5), "assignedTo": int32(6),
		"additionalData": Object{"inf": math.Inf(1), "nan": math.NaN(), "ninf": math.Inf(-1)},
	}
	got := Encode(doc, s.alert, EncodeOptions{})
	if !json.Valid(got) {
		t.Fatalf("invalid JSON: %s", got)
	}
	for _, want := range []string{`"id":7`, `"severity":3`, `"evidence":"oops"`, `"isTest":null`, `"title":5`, `"assignedTo":6`, `"inf":"INF"`, `"nan":"NaN"`, `"ninf":"-INF"`} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("missing %s in %s", want, got)
		}
	}
	// A cyclic structure ends in null instead of overflowing the stack.
	cyc := Object{}
	cyc["self"] = cyc
	if out := Encode(Object{"additionalData": cyc}, s.alert, EncodeOptions{}); !json.Valid(out) {
		t.Fatal("cyclic: invalid JSON")
	}
	// A nil type writes the object generically.
	if got := string(Encode(Object{"b": int64(1), "a": "x"}, nil, EncodeOptions{})); got != `{"a":"x","b":1}` {
		t.Errorf("nil type: %s", got)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		"", "plain", `quote " backslash \ slash /`, "<>&", "\u2028\u2029", "\x00\x01\x1f\x7f", "\b\f\n\r\t",
		"héllo wörld 日本語 🎉", "\xff\xfe", "a\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\ufffd",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		want, _ := json.Marshal(c)
		if got := AppendString(nil, c); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, want %s", c, got, want)
		}
	}
}

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	cases := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 1e-7, 9.999999e-7, 1e20, 1e21, 123456789012345678, 1.5e300, -2.5e-300, math.MaxFloat64, math.SmallestNonzeroFloat64, 55.5, 1e-10}
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		cases = append(cases, math.Float64frombits(r.Uint64()))
	}
	for _, f := range cases {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		want, _ := json.Marshal(f)
		if got := appendFloat(nil, f); !bytes.Equal(got, want) {
			t.Fatalf("appendFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

// Re-decoding our output and encoding/json's output of the same documents
// gives the same values, except that ours adds null and [] for absent
// declared properties.
func TestEncodeAgreesWithEncodingJSON(t *testing.T) {
	s := newTestSchema()
	docs := append(s.genAlerts(200, 11), sampleAlert())
	for i, d := range docs {
		ours := Encode(d, s.alert, EncodeOptions{IncludeUnknownEnumMembers: true})
		theirs, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if err := json.Unmarshal(ours, &a); err != nil {
			t.Fatalf("doc %d: %v\n%s", i, err, ours)
		}
		if err := json.Unmarshal(theirs, &b); err != nil {
			t.Fatal(err)
		}
		if path, ok := agrees(a, b, ""); !ok {
			t.Fatalf("doc %d differs at %s\nours   %s\ntheirs %s", i, path, ours, theirs)
		}
	}
}

func agrees(ours, theirs any, path string) (string, bool) {
	switch t := theirs.(type) {
	case map[string]any:
		o, ok := ours.(map[string]any)
		if !ok {
			return path, false
		}
		for k, v := range t {
			if p, ok := agrees(o[k], v, path+"/"+k); !ok {
				return p, false
			}
		}
		for k, v := range o {
			if _, ok := t[k]; ok {
				continue
			}
			if arr, isArr := v.([]any); v != nil && !(isArr && len(arr) == 0) {
				return path + "/" + k + " (extra, not null or [])", false
			}
		}
		return "", true
	case []any:
		o, ok := ours.([]any)
		if !ok || len(o) != len(t) {
			return path, false
		}
		for i := range t {
			if p, ok := agrees(o[i], t[i], path); !ok {
				return p, false
			}
		}
		return "", true
	}
	return path, reflect.DeepEqual(ours, theirs)
}
