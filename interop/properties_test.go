package interop

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/security"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// additionalData is what every SDK model implements: the members it read
// but has no property for.
type additionalData interface{ GetAdditionalData() map[string]any }

// unknownMembers walks a parsed SDK value (models, slices of them, and
// every model reachable through their getters) and counts the JSON members
// each model type kept as additional data.
func unknownMembers(v reflect.Value, out map[string]int, depth int) {
	if depth > 10 || !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Interface {
			v = v.Elem()
		}
	case reflect.Slice:
		for i := range v.Len() {
			unknownMembers(v.Index(i), out, depth+1)
		}
		return
	}
	a, ok := v.Interface().(additionalData)
	if !ok {
		return
	}
	for k := range a.GetAdditionalData() {
		out[fmt.Sprintf("%T.%s", v.Interface(), k)]++
	}
	t := v.Type()
	for i := range t.NumMethod() {
		m := t.Method(i)
		if !strings.HasPrefix(m.Name, "Get") || m.Type.NumIn() != 1 || m.Type.NumOut() != 1 ||
			m.Name == "GetBackingStore" || m.Name == "GetAdditionalData" || m.Name == "GetFieldDeserializers" {
			continue
		}
		switch r := v.Method(i).Call(nil)[0]; r.Kind() {
		case reflect.Interface, reflect.Pointer, reflect.Slice:
			unknownMembers(r, out, depth+1)
		}
	}
}

// expectedUnknown are members the SDK v1.89.0 cannot know, with the reason.
// Anything else the emulator sends must be a property of the SDK's models:
// a member it does not know is a misspelt or invented name.
var expectedUnknown = []struct{ prefix, why string }{
	{"*models.ControlScore.", "open type: Graph sends undeclared members (count, total, ...)"},
	{"*models.AverageComparativeScore.", "open type: Graph sends undeclared members"},
	{"*security.Dictionary.", "customDetails and additionalData are free-form dictionaries"},
	{"*security.Alert.categories", "in the current metadata, newer than the SDK"},
	{"*security.DeviceEvidence.resourceAccessEvents", "in the current metadata, newer than the SDK"},
	{"*security.UserAccount.tenantId", "in the current metadata, newer than the SDK"},
	{"*security.Incident.priorityScore", "in the current metadata, newer than the SDK"},
}

// Every member of every resource graphsec reads is one the SDK's models
// declare (or one of the expected exceptions): this is how the emulator's
// hostSecurityState.isAzureAadJoined (older docs' spelling) was found; the
// metadata, and so the SDK, says isAzureAdJoined.
func TestSDKKnowsEveryMember(t *testing.T) {
	emu := startEmulator(t)
	client, _ := sdkClient(t, emu)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	found := map[string]int{}
	check := func(what string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %s", what, odataError(err))
		}
		unknownMembers(reflect.ValueOf(v), found, 0)
	}
	alerts, err := client.Security().Alerts_v2().Get(ctx, &security.Alerts_v2RequestBuilderGetRequestConfiguration{
		Headers: preferUnknownEnums(), QueryParameters: &security.Alerts_v2RequestBuilderGetQueryParameters{Top: ptr[int32](400)},
	})
	check("alerts_v2", alerts.GetValue(), err)
	incidents, err := client.Security().Incidents().Get(ctx, &security.IncidentsRequestBuilderGetRequestConfiguration{
		Headers: preferUnknownEnums(), QueryParameters: &security.IncidentsRequestBuilderGetQueryParameters{Top: ptr[int32](50), Expand: []string{"alerts"}},
	})
	check("incidents", incidents.GetValue(), err)
	legacy, err := client.Security().Alerts().Get(ctx, nil)
	check("legacy alerts", legacy.GetValue(), err)
	scores, err := client.Security().SecureScores().Get(ctx, nil)
	check("secure scores", scores.GetValue(), err)
	profiles, err := client.Security().SecureScoreControlProfiles().Get(ctx, nil)
	check("control profiles", profiles.GetValue(), err)
	people, err := client.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{})
	check("users", people.GetValue(), err)

	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.ContainsFunc(expectedUnknown, func(e struct{ prefix, why string }) bool { return strings.HasPrefix(k, e.prefix) }) {
			t.Errorf("the SDK does not know %s (%d times)", k, found[k])
		}
	}
}
