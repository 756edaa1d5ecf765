package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseCollection(t *testing.T) {
	const change = `{"id":"n1","subscriptionId":"s1","subscriptionExpirationDateTime":"2026-03-19T22:11:09.952Z",` +
		`"clientState":"secret","changeType":"updated","resource":"security/alerts/da1","tenantId":"t1",` +
		`"resourceData":{"@odata.type":"#Microsoft.Graph.alert","@odata.id":"security/alerts/da1","id":"da1"}}`
	const lifecycle = `{"subscriptionId":"s1","subscriptionExpirationDateTime":"2026-03-19T22:11:09.952Z","tenantId":"t1",` +
		`"clientState":null,"lifecycleEvent":"reauthorizationRequired"}`
	tests := []struct {
		name    string
		body    string
		wantErr error
		// per item: "" for a usable item, else a substring of its error
		items []string
	}{
		{"one change", `{"value":[` + change + `]}`, nil, []string{""}},
		{"change and lifecycle, spaces", " \n{ \"value\" : [ " + change + " , " + lifecycle + " ] }\n", nil, []string{"", ""}},
		{"empty value", `{"value":[]}`, nil, []string{}},
		{"validationTokens too", `{"value":[` + change + `],"validationTokens":["a.b.c"]}`, nil, []string{""}},
		{"item not an object", `{"value":[1,"x",null,` + change + `]}`, nil, []string{"object", "object", "object", ""}},
		{"no subscription id", `{"value":[{"id":"n","changeType":"created"}]}`, nil, []string{"subscriptionId"}},
		{"no change type or event", `{"value":[{"id":"n","subscriptionId":"s"}]}`, nil, []string{"changeType"}},
		{"wrong type in an item", `{"value":[{"id":5,"subscriptionId":"s","changeType":"created"},` + change + `]}`, nil, []string{"string", ""}},
		{"empty", ``, ErrMalformed, nil},
		{"array", `[` + change + `]`, ErrMalformed, nil},
		{"no value", `{"values":[]}`, ErrMalformed, nil},
		{"null value", `{"value":null}`, ErrMalformed, nil},
		{"value not an array", `{"value":{}}`, ErrMalformed, nil},
		{"truncated", `{"value":[` + change, ErrMalformed, nil},
		{"trailing garbage", `{"value":[]} x`, ErrMalformed, nil},
		{"html", `<html>`, ErrMalformed, nil},
		{"too many", `{"value":[` + strings.Repeat(`{},`, MaxItemsPerPost) + `{}]}`, ErrTooManyItems, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCollection([]byte(tt.body))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseCollection: %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCollection: %v", err)
			}
			if len(got) != len(tt.items) {
				t.Fatalf("%d items, want %d", len(got), len(tt.items))
			}
			for i, want := range tt.items {
				switch {
				case want == "" && got[i].Err != nil:
					t.Errorf("item %d: %v", i, got[i].Err)
				case want != "" && (got[i].Err == nil || !strings.Contains(got[i].Err.Error(), want)):
					t.Errorf("item %d: error %v, want one about %q", i, got[i].Err, want)
				}
			}
		})
	}
	got, _ := ParseCollection([]byte(`{"value":[` + change + `,` + lifecycle + `]}`))
	c, l := got[0], got[1]
	if c.ID != "n1" || c.SubscriptionID != "s1" || c.ClientState != "secret" || c.ChangeType != "updated" ||
		c.Resource != "security/alerts/da1" || c.ResourceDataID != "da1" || c.TenantID != "t1" || string(c.Raw) != change {
		t.Errorf("change notification read as %+v", c)
	}
	if l.LifecycleEvent != "reauthorizationRequired" || l.ClientState != "" || l.ID != "" ||
		l.SubscriptionExpirationDateTime != "2026-03-19T22:11:09.952Z" || string(l.Raw) != lifecycle {
		t.Errorf("lifecycle notification read as %+v", l)
	}
}

// FuzzParseCollection: any body is parsed or refused without panicking;
// what is parsed has one item per array element, each Raw a slice of the
// body, and usable items have a subscription id and a change type or
// lifecycle event.
func FuzzParseCollection(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"n1","subscriptionId":"s1","clientState":"x","changeType":"created","resource":"security/alerts/1","resourceData":{"id":"1"}}]}`))
	f.Add([]byte(`{"value":[{"subscriptionId":"s","lifecycleEvent":"missed"}],"validationTokens":[]}`))
	f.Add([]byte(`{"value":[1,{},[],null,"\u0000"]}`))
	f.Add([]byte(`{"value":{"value":[]}}`))
	f.Add([]byte("\xff{"))
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := ParseCollection(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooManyItems) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if len(items) > MaxItemsPerPost {
			t.Fatalf("%d items", len(items))
		}
		for _, it := range items {
			if len(it.Raw) == 0 {
				t.Fatalf("item without Raw: %+v", it)
			}
			if it.Err == nil && (it.SubscriptionID == "" || (it.ChangeType == "" && it.LifecycleEvent == "")) {
				t.Fatalf("usable item without subscription or kind: %+v", it)
			}
		}
	})
}

// referenceParse is ParseCollection's specification on encoding/json:
// maps keep keys exactly (and the last of duplicates), each field read
// from its raw value.
func referenceParse(body []byte) ([]Incoming, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, ErrMalformed
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, ErrMalformed
	}
	var arr []json.RawMessage
	if raw, ok := top["value"]; !ok || json.Unmarshal(raw, &arr) != nil || arr == nil {
		return nil, ErrMalformed
	}
	if len(arr) > MaxItemsPerPost {
		return nil, ErrTooManyItems
	}
	out := make([]Incoming, len(arr))
	str := func(obj map[string]json.RawMessage, key string) (string, bool) {
		raw, ok := obj[key]
		if !ok || string(raw) == "null" {
			return "", true
		}
		var v string
		return v, json.Unmarshal(raw, &v) == nil
	}
	for i, raw := range arr {
		in := &out[i]
		in.Raw = raw
		var obj map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
			in.Err = errors.New("not an object")
			continue
		}
		ok := true
		for _, f := range []struct {
			key string
			dst *string
		}{{"id", &in.ID}, {"subscriptionId", &in.SubscriptionID}, {"clientState", &in.ClientState},
			{"changeType", &in.ChangeType}, {"lifecycleEvent", &in.LifecycleEvent}, {"resource", &in.Resource},
			{"subscriptionExpirationDateTime", &in.SubscriptionExpirationDateTime}, {"tenantId", &in.TenantID}} {
			v, good := str(obj, f.key)
			*f.dst, ok = v, ok && good
		}
		if rd, has := obj["resourceData"]; has && string(rd) != "null" {
			var data map[string]json.RawMessage
			if rd[0] != '{' || json.Unmarshal(rd, &data) != nil {
				ok = false
			} else {
				v, good := str(data, "id")
				in.ResourceDataID, ok = v, ok && good
			}
		}
		switch {
		case !ok:
			in.Err = errors.New("a field of the wrong type")
		case in.SubscriptionID == "":
			in.Err = errors.New("no subscriptionId")
		case in.LifecycleEvent == "" && in.ChangeType == "":
			in.Err = errors.New("neither")
		}
	}
	return out, nil
}

// FuzzParseCollectionMatchesEncodingJSON holds the single-pass scanner to
// the encoding/json reference: the same refusals, the same items, the
// same fields and raw bytes, an error on the same items.
func FuzzParseCollectionMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{
		collection(changeJSON("n1", "s1", "c", "da1"), lifecycleJSON("s1", "c", "missed")),
		`{"value":[{"id":"a","id":null,"subscriptionId":"s","changeType":"x","resourceData":{"id":"r"},"resourceData":{}}]}`,
		`{"value":[{"id":"\u00e9\ud83d\ude00","subscriptionId":"s\"q","changeType":"created","resourceData":null}],"value":[]}`,
		`{"value":[{"id":5,"subscriptionId":"s","changeType":"c"},{"subscriptionId":"s","lifecycleEvent":"l","x":[1,-2.5e+3,true,false,null,{}]}]}`,
		` {"values":[], "value" : [ {}, [], "x", 0 ] } `,
		`{"value":[{"subscriptionId":"` + "\xff\xfe" + `","changeType":"c"}]}`,
		`{"value":[{"Id":"x","SubscriptionId":"s","changeType":"c"}]}`,
		`{"value":[01]}`, `{"value":[1.]}`, `{"value":["\x01"]}`, `{"value":["\q"]}`, `{"value":[]} {}`,
		`{"value":{"a":1}}`, `{"a":"\u12"}`, `{"value":[{"resourceData":"x","subscriptionId":"s","changeType":"c"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseCollection(body)
		want, wantErr := referenceParse(body)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("ParseCollection: %v; reference: %v", err, wantErr)
		}
		if err != nil {
			if errors.Is(err, ErrTooManyItems) != errors.Is(wantErr, ErrTooManyItems) {
				t.Fatalf("ParseCollection: %v; reference: %v", err, wantErr)
			}
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%d items; reference %d", len(got), len(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			if (g.Err == nil) != (w.Err == nil) {
				t.Fatalf("item %d: error %v; reference %v (%s)", i, g.Err, w.Err, g.Raw)
			}
			if !bytes.Equal(g.Raw, w.Raw) {
				t.Fatalf("item %d: raw %q; reference %q", i, g.Raw, w.Raw)
			}
			if g.Err != nil {
				continue
			}
			// What is stored is the same notification without its
			// clientState's value.
			again, err := referenceParse([]byte(`{"value":[` + string(g.AppendStoredRaw(nil)) + `]}`))
			if err != nil || len(again) != 1 || again[0].Err != nil {
				t.Fatalf("item %d: stored form %q does not parse: %v", i, g.AppendStoredRaw(nil), err)
			}
			if len(g.secrets) > 0 && again[0].ClientState != "(not kept)" {
				t.Fatalf("item %d: stored form %q keeps the clientState", i, g.AppendStoredRaw(nil))
			}
			again[0].ClientState, again[0].Raw, again[0].Err = g.ClientState, nil, nil
			g.Raw, w.Raw, g.Err, w.Err, g.secrets = nil, nil, nil, nil, nil
			if fmt.Sprintf("%#v", again[0]) != fmt.Sprintf("%#v", g) {
				t.Fatalf("item %d: stored form reads %+v; want %+v", i, again[0], g)
			}
			if fmt.Sprintf("%#v", g) != fmt.Sprintf("%#v", w) {
				t.Fatalf("item %d: %+v; reference %+v", i, g, w)
			}
		}
	})
}

// BenchmarkParseCollection reads a Graph batch of 100 notifications.
func BenchmarkParseCollection(b *testing.B) {
	items := make([]string, 100)
	for i := range items {
		items[i] = changeJSON(fmt.Sprint("0f4c9a1e-5b2d-4c3e-8f7a-", i), "7f1e0c36-0b9a-4c71-9c3c-3f2e1d0c9b8a", "a-random-client-state", fmt.Sprint("da63755122767756", i))
	}
	body := []byte(collection(items...))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseCollection(body); err != nil {
			b.Fatal(err)
		}
	}
}
