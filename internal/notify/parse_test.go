package notify

import (
	"errors"
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
