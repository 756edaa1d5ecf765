package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The fast decoder is held to encoding/json: whatever it accepts must
// decode to exactly what encoding/json produces (evidence through the
// encoding/json-only reference path), and whatever it gives up on must
// reach encoding/json's own result or error through unmarshal.

var parityOptions = cmp.Options{
	cmpopts.IgnoreUnexported(Page[Alert]{}, Page[Incident]{}, Page[slimAlert]{}),
	cmp.Comparer(func(a, b error) bool {
		if a == nil || b == nil {
			return a == nil && b == nil
		}
		return a.Error() == b.Error()
	}),
}

// fastPage runs only the fast decoder.
func fastPage[T any](data []byte) (*T, error) {
	v := new(T)
	p, _ := planOf(reflect.TypeFor[*T]())
	err := decodeDocument(data, p, reflect.ValueOf(v).Elem())
	return v, err
}

// checkParity compares the fast decoder, unmarshal and encoding/json on
// one document, and reports whether the fast decoder handled it.
func checkParity[T any](t *testing.T, data []byte) bool {
	t.Helper()
	fast, fastErr := fastPage[T](data)
	ref := new(T)
	refErr := json.Unmarshal(data, ref)
	if fastErr == nil {
		if refErr != nil {
			t.Fatalf("the fast decoder accepted what encoding/json rejects (%v):\n%q", refErr, data)
		}
		if d := cmp.Diff(ref, fast, parityOptions); d != "" {
			t.Fatalf("fast decoder differs from encoding/json (-want +got):\n%s\ninput %q", d, data)
		}
	} else if fastErr != errType && fastErr != errAbort {
		t.Fatalf("fast decoder error %v is neither errType nor errAbort", fastErr)
	}
	got := new(T)
	err := unmarshal(data, got)
	if (err == nil) != (refErr == nil) || (err != nil && err.Error() != refErr.Error()) {
		t.Fatalf("unmarshal error %v, encoding/json %v", err, refErr)
	}
	if err == nil {
		if d := cmp.Diff(ref, got, parityOptions); d != "" {
			t.Fatalf("unmarshal differs from encoding/json (-want +got):\n%s", d)
		}
	}
	return fastErr == nil
}

// checkEvidenceParity holds the fast evidence list decoder to the
// encoding/json-only reference path.
func checkEvidenceParity(t *testing.T, data []byte) bool {
	t.Helper()
	d := fastDecoder{data: data}
	var fast EvidenceList
	fastErr := errAbort
	if d.peek() == '[' {
		if fast, fastErr = d.evidenceList(); fastErr == nil {
			if d.skipSpace(); d.pos != len(data) {
				fastErr = errAbort
			}
		}
	}
	ref, refErr := decodeEvidenceListSlow(data)
	if fastErr == nil {
		if refErr != nil {
			t.Fatalf("the fast decoder accepted an evidence list encoding/json rejects (%v):\n%q", refErr, data)
		}
		if d := cmp.Diff(ref, fast, parityOptions); d != "" {
			t.Fatalf("evidence differs (-want +got):\n%s\ninput %q", d, data)
		}
	}
	var l EvidenceList
	err := l.UnmarshalJSON(data)
	if (err == nil) != (refErr == nil) || (err != nil && err.Error() != refErr.Error()) {
		t.Fatalf("UnmarshalJSON error %v, reference %v", err, refErr)
	}
	if err == nil {
		if d := cmp.Diff(ref, l, parityOptions); d != "" {
			t.Fatalf("UnmarshalJSON differs (-want +got):\n%s", d)
		}
	}
	// One entry on its own, through DecodeEvidence.
	if one := DecodeEvidence(data); !cmp.Equal(decodeEvidenceSlow(data), one, parityOptions) {
		t.Fatalf("DecodeEvidence differs from the reference on %q", data)
	}
	return fastErr == nil
}

const (
	ev  = `{"@odata.type":"#microsoft.graph.security.`
	dev = ev + `deviceEvidence","deviceDnsName":"pc1","verdict":"suspicious","remediationStatus":"none","roles":["compromised"]`
)

var parityCases = []struct {
	name string
	doc  string
	fast bool // whether the fast decoder is expected to handle it
}{
	{"empty page", `{"value":[]}`, true},
	{"envelope", ` { "@odata.context" : "c" , "@odata.count" : 3 , "@odata.nextLink" : "n" , "value" : [ { } ] } `, true},
	{"escapes", `{"value":[{"id":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00 C:\\Windows\\x.exe","title":"é ✓"}]}`, true},
	{"lone surrogate", `{"value":[{"id":"\ud800x"}]}`, false},
	{"invalid UTF-8", "{\"value\":[{\"id\":\"\xff\xfe\"}]}", false},
	{"control character", "{\"value\":[{\"id\":\"a\tb\"}]}", false},
	{"keys in any case", `{"VALUE":[{"ID":"x","Severity":"HIGH","lastupdatedatetime":"2021-04-27T12:19:27.7211305Z"}]}`, true},
	{"escaped key", `{"value":[{"\u0069d":"x"}]}`, true},
	{"key only Unicode folding matches", `{"value":[{"ſtatus":"new"}]}`, false},
	{"duplicate keys", `{"value":[{"id":"a","id":"b","customDetails":{"x":1},"customDetails":{"y":2},"evidence":[],"evidence":[` + dev + `}]}]}`, true},
	{"nulls", `{"@odata.count":null,"value":[{"id":null,"comments":null,"evidence":null,"customDetails":null,"lastUpdateDateTime":null,"severity":null,"categories":null}]}`, true},
	{"null page", `null`, true},
	{"open values", `{"value":[{"additionalData":{"a":[1,2,{"b":null}],"c":"\u00e9","d":1.5e3,"e":true,"f":[],"g":{}},"customDetails":{}}]}`, true},
	{"numbers", `{"@odata.count":-0,"value":[{"evidence":[` + ev + `deviceEvidence","osBuild":-9223372036854775808,"rbacGroupId":2147483647}]}]}`, true},
	{"count overflows", `{"@odata.count":9223372036854775808,"value":[]}`, false},
	{"count is a float", `{"@odata.count":1.5,"value":[]}`, false},
	{"string where a number belongs", `{"value":[{"id":5}]}`, false},
	{"evidence not a list", `{"value":[{"evidence":{}}]}`, false},
	{"comments wrong shape", `{"value":[{"comments":[1]}]}`, false},
	{"bad time", `{"value":[{"createdDateTime":"yesterday"}]}`, false},
	{"enum of the wrong kind", `{"value":[{"status":7,"severity":{"x":1}}]}`, true},
	{"unknown enum member", `{"value":[{"status":"escalated","serviceSource":"MicrosoftSentinel"}]}`, true},
	{"evidence member of the wrong type", `{"value":[{"evidence":[` + ev + `deviceEvidence","osBuild":"x"},` + dev + `}]}]}`, true},
	{"evidence number that overflows", `{"value":[{"evidence":[` + ev + `deviceEvidence","rbacGroupId":2147483648},` + ev + `ipEvidence","location":{"latitude":1e400}}]}]}`, true},
	{"evidence of an unknown type", `{"value":[{"evidence":[` + ev + `kubernetesPodEvidence","podName":"x","verdict":"malicious","roles":["attacker"]}]}]}`, true},
	{"unknown type with a bad base", `{"value":[{"evidence":[` + ev + `aiAgentEvidence","verdict":5,"roles":"x"}]}]}`, true},
	{"entries that are not objects", `{"value":[{"evidence":[1,null,"x",[],true]}]}`, true},
	{"@odata.type not first", `{"value":[{"evidence":[{"verdict":"malicious","@odata.type":"#microsoft.graph.security.ipEvidence","ipAddress":"1.2.3.4"}]}]}`, true},
	{"@odata.type escaped", `{"value":[{"evidence":[{"@odata.type":"#microsoft.graph.security.ip\u0045vidence","ipAddress":"1.2.3.4"}]}]}`, true},
	{"@odata.type in any case", `{"value":[{"evidence":[{"@odata.type":"#MICROSOFT.graph.security.URLEVIDENCE","url":"u"},{"@odata.type":"urlEvidence","url":"v"}]}]}`, true},
	{"@odata.type twice", `{"value":[{"evidence":[{"@odata.type":"#microsoft.graph.security.urlEvidence","@odata.type":"#microsoft.graph.security.ipEvidence","url":"u"}]}]}`, true},
	{"@odata.type not a string", `{"value":[{"evidence":[{"@odata.type":5,"url":"u"}]}]}`, true},
	{"nested evidence", `{"value":[{"evidence":[` + ev + `malwareEvidence","files":[{"fileDetails":{"fileSize":12,"sha256":"ab"}}],"processes":[{"processId":4,"imageFile":null}]},` + ev + `networkConnectionEvidence","sourceAddress":{"ipAddress":"10.0.0.1"},"destinationPort":443,"protocol":"tcp"}]}]}`, true},
	{"unknown members of every kind", `{"x":{"a":[true,false,null,-1.5e3,"s",{},[]]},"value":[{"u1":true,"u2":false,"u3":null,"u4":0.25,"u5":[{"x":[]}],"u6":"\u00e9"}]}`, true},
	{"unknown member with a bad literal", `{"value":[{"u1":fals}]}`, false},
	{"unknown member with a bad number", `{"value":[{"u1":-}]}`, false},
	{"unknown member that is not a value", `{"value":[{"u1":}]}`, false},
	{"unknown member with a bad key", `{"value":[{"u1":{"a" 1}}]}`, false},
	{"trailing garbage", `{"value":[]} x`, false},
	{"missing comma", `{"value":[{"id":"a" "title":"b"}]}`, false},
	{"trailing comma", `{"value":[{"id":"a"},]}`, false},
	{"truncated", `{"value":[{"id":"a"`, false},
	{"bad literal", `{"value":[{"id":nul}]}`, false},
	{"bad number", `{"@odata.count":01,"value":[]}`, false},
	{"syntax error after a type error", `{"value":[{"id":5,"title":}]}`, false},
	{"deep nesting", `{"value":[{"additionalData":{"a":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}}]}`, false},
}

func TestFastDecoderParity(t *testing.T) {
	for _, tc := range parityCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkParity[Page[Alert]](t, []byte(tc.doc)); got != tc.fast {
				t.Errorf("fast path taken: %v, want %v", got, tc.fast)
			}
		})
	}
	t.Run("fixture page", func(t *testing.T) {
		if !checkParity[Page[Alert]](t, benchAlertPage(t, 40)) {
			t.Fatal("the fast decoder gave up on the fixture page")
		}
	})
	t.Run("incidents with alerts", func(t *testing.T) {
		doc := `{"value":[` + string(compactFixture(t, "incident.json")) + `]}`
		if !checkParity[Page[Incident]](t, []byte(doc)) {
			t.Fatal("the fast decoder gave up on the incident fixture")
		}
		checkParity[Incident](t, compactFixture(t, "incident.json"))
		checkParity[Alert](t, compactFixture(t, "alert_v2.json"))
	})
}

func TestFastDecoderEvidenceParity(t *testing.T) {
	for _, tc := range parityCases {
		var page struct {
			Value []struct {
				Evidence json.RawMessage `json:"evidence"`
			} `json:"value"`
		}
		if json.Unmarshal([]byte(tc.doc), &page) != nil {
			continue
		}
		for _, a := range page.Value {
			if len(a.Evidence) == 0 {
				continue
			}
			t.Run(tc.name, func(t *testing.T) {
				checkEvidenceParity(t, a.Evidence)
				var entries []json.RawMessage
				if json.Unmarshal(a.Evidence, &entries) == nil {
					for _, e := range entries {
						checkEvidenceParity(t, e)
					}
				}
			})
		}
	}
	for _, doc := range []string{`null`, ` [ ] `, `[`, `[1,]`, `{}`, `"x"`, "[" + dev + "}]x"} {
		checkEvidenceParity(t, []byte(doc))
	}
}

// TestFastDecoderIsUsed makes sure the client's pages take the fast path:
// a silent fallback would keep every test green and lose the speed.
func TestFastDecoderIsUsed(t *testing.T) {
	for _, tt := range []struct {
		out  any
		data []byte
	}{
		{new(Page[Alert]), benchAlertPage(t, 5)},
		{new(Alert), compactFixture(t, "alert_v2.json")},
		{new(Incident), compactFixture(t, "incident.json")},
	} {
		p, ok := fastPlans[reflect.TypeOf(tt.out)]
		if !ok {
			t.Fatalf("%T has no plan", tt.out)
		}
		if err := decodeDocument(tt.data, p, reflect.ValueOf(tt.out).Elem()); err != nil {
			t.Fatalf("%T: fast decoder gave up: %v", tt.out, err)
		}
	}
	for name, k := range evidenceKinds {
		if k.plan == nil || k.plan.op != opStruct || len(k.plan.fields) < 8 {
			t.Errorf("evidence type %s has no usable plan: %+v", name, k.plan)
		}
	}
	if p := fastPlans[reflect.TypeFor[*Alert]()]; p.op != opStruct || p.fields[p.exact["evidence"]].plan.op != opEvidenceList {
		t.Fatal("alert evidence is not decoded by the evidence list decoder")
	}
}

func TestFastDecoderPlans(t *testing.T) {
	type inner struct {
		A string `json:"a"`
	}
	type embedded struct {
		inner
		B string `json:"b,omitempty"`
	}
	type shadow struct {
		embedded
		A int `json:"a"` // shallower: wins over inner.A
	}
	type withStringOpt struct {
		N int `json:"n,string"`
	}
	type skipped struct {
		X struct{ A string } `json:"-"`
		embedded
		hidden string
	}
	memo := map[reflect.Type]*plan{}
	p := planFor(reflect.TypeFor[shadow](), memo)
	if p.op != opStruct || len(p.fields) != 2 || p.fields[p.exact["a"]].plan.op != opInt {
		t.Fatalf("shadowing plan %+v", p.fields)
	}
	if planFor(reflect.TypeFor[withStringOpt](), memo).op != opFallback {
		t.Fatal("a ,string option must go to encoding/json")
	}
	if sp := planFor(reflect.TypeFor[skipped](), memo); sp.op != opStruct || len(sp.fields) != 2 || (skipped{}).hidden != "" {
		t.Fatalf("ignored and unexported fields: %+v", sp.fields)
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[[]byte](), reflect.TypeFor[map[int]string](), reflect.TypeFor[Evidence](), reflect.TypeFor[[2]int]()} {
		if op := planFor(typ, memo).op; op != opFallback {
			t.Errorf("%v: op %d, want fallback", typ, op)
		}
	}
	var s shadow
	if err := decodeDocument([]byte(`{"a":3,"b":"x"}`), p, reflect.ValueOf(&s).Elem()); err != nil || s.A != 3 || s.B != "x" || s.inner.A != "" {
		t.Fatalf("%v %+v", err, s)
	}
}

// slimAlert is a caller's own page type, as the console uses for its
// queue: a few members, the rest (evidence above all) skipped. unmarshal
// builds its plan on the fly; it must decode exactly as encoding/json does.
type slimAlert struct {
	ID       string        `json:"id"`
	Title    string        `json:"title"`
	Severity AlertSeverity `json:"severity"`
	Count    *int64        `json:"count"`
	Tags     []string      `json:"systemTags"`
	Created  time.Time     `json:"createdDateTime"`
	Extra    any           `json:"additionalData"`
}

func TestFastDecoderCallerTypes(t *testing.T) {
	for _, tc := range parityCases {
		t.Run(tc.name, func(t *testing.T) {
			checkParity[Page[slimAlert]](t, []byte(tc.doc))
		})
	}
	if !checkParity[Page[slimAlert]](t, benchAlertPage(t, 40)) {
		t.Fatal("the fast decoder gave up on the fixture page for a caller's type")
	}
}

func FuzzFastDecodePage(f *testing.F) {
	for _, tc := range parityCases {
		f.Add([]byte(tc.doc))
	}
	f.Add(benchAlertPage(f, 3))
	f.Add([]byte(`{"value":[` + string(compactFixture(f, "incident.json")) + `]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParity[Page[Alert]](t, data)
		checkParity[Page[Incident]](t, data)
		checkParity[Page[slimAlert]](t, data)
	})
}

func FuzzFastDecodeEvidence(f *testing.F) {
	var a struct {
		Evidence json.RawMessage `json:"evidence"`
	}
	_ = json.Unmarshal(compactFixture(f, "alert_v2.json"), &a)
	f.Add([]byte(a.Evidence))
	var entries []json.RawMessage
	_ = json.Unmarshal(a.Evidence, &entries)
	for _, e := range entries {
		f.Add([]byte(e))
		f.Add(append(append([]byte("["), e...), ']'))
	}
	f.Add([]byte(`[` + ev + `deviceEvidence","osBuild":"x"},1,null]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkEvidenceParity(t, data)
		if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) {
			return
		}
		var l EvidenceList
		if err := json.Unmarshal(data, &l); err != nil {
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			if !errors.As(err, &se) && !errors.As(err, &te) {
				t.Errorf("unexpected error type %T: %v", err, err)
			}
		}
	})
}

// kinds has a field of every kind the plans handle, for the parity of the
// paths the registered types do not reach.
type kinds struct {
	B     bool               `json:"b"`
	I8    int8               `json:"i8"`
	U16   uint16             `json:"u16"`
	F32   float32            `json:"f32"`
	PS    *string            `json:"ps"`
	PPI   **int              `json:"ppi"`
	SP    []*int             `json:"sp"`
	A     any                `json:"a"`
	M     map[string]any     `json:"m"`
	T     *time.Time         `json:"t"`
	Raw   json.RawMessage    `json:"raw"`
	Bin   []byte             `json:"bin"`
	MI    map[int]string     `json:"mi"`
	Str   withString         `json:"str"`
	Enum  AlertSeverity      `json:"enum"`
	Opt   Optional[int]      `json:"opt"`
	Evs   []EvidenceList     `json:"evs"`
	Named map[string]float64 `json:"named"`
}

type withString struct {
	N int `json:"n,string"`
}

func TestFastDecoderKinds(t *testing.T) {
	p := planFor(reflect.TypeFor[kinds](), map[reflect.Type]*plan{})
	for _, doc := range []string{
		`{}`,
		`{"b":true,"i8":-128,"u16":65535,"f32":1.5,"ps":"x","ppi":7,"sp":[1,null,3],"a":{"x":[1,"y",false,null]},"m":{"k":1},"t":"2021-04-27T12:19:27Z",
		  "raw":{"any": [1]},"bin":"aGk=","mi":{"1":"a"},"str":{"n":"12"},"enum":"HIGH","opt":5,"evs":[[],null],"named":{"x":1}}`,
		`{"b":null,"i8":null,"u16":null,"f32":null,"ps":null,"ppi":null,"sp":null,"a":null,"m":null,"t":null,"raw":null,"bin":null,"mi":null,"str":null,"enum":null,"opt":null,"evs":null,"named":null}`,
		`{"b":false,"a":1e2,"m":{"a":{"b":{}}},"sp":[]}`,
		`{"b":1}`, `{"i8":128}`, `{"i8":-129}`, `{"u16":-1}`, `{"u16":65536}`, `{"f32":1e39}`, `{"i8":1.0}`,
		`{"ps":1}`, `{"a":1e400}`, `{"m":[1]}`, `{"m":{"x":1e400}}`, `{"a":[1e400]}`, `{"t":5}`, `{"t":"now"}`, `{"bin":"!"}`,
		`{"mi":{"x":"a"}}`, `{"str":{"n":12}}`, `{"sp":{}}`, `{"b":"true"}`, `{"evs":[{}]}`, `{"named":{"x":"y"}}`,
		`{"a":tru}`, `{"a":[1,}`, `{"a":{"x" 1}}`, `{"a":"\u12"}`, `{"a":"\x"}`, `{"a":-}`, `{"a":1.}`, `{"a":1e}`, `{"a":01}`,
		`{"m":{"a":1,}}`, `{"m":{1:2}}`, `{"sp":[1 2]}`, `{"raw":[1,2}`, `{"b":true,}`, `{"b" true}`, `{,}`, `[]`, `{"a":"` + "\x01" + `"}`,
	} {
		fast := new(kinds)
		fastErr := decodeDocument([]byte(doc), p, reflect.ValueOf(fast).Elem())
		ref := new(kinds)
		refErr := json.Unmarshal([]byte(doc), ref)
		if fastErr == nil {
			if refErr != nil {
				t.Errorf("%s: fast decoder accepted what encoding/json rejects: %v", doc, refErr)
				continue
			}
			if d := cmp.Diff(ref, fast, parityOptions, cmp.AllowUnexported(Optional[int]{})); d != "" {
				t.Errorf("%s: (-want +got)\n%s", doc, d)
			}
		} else if refErr == nil && fastErr == errType {
			t.Errorf("%s: fast decoder reported a type error encoding/json does not see", doc)
		}
	}
}
