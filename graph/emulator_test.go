package graph_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/idp"
	"github.com/graphsec/graphsec/graph"
)

// The tests in this file and its siblings drive every method of the client
// against the in-process emulator, through real tokens: client credentials
// for app-only calls, and an authorization-code + PKCE sign-in through the
// emulator's pages for delegated ones.

func TestEmulatorAppOnly(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c := env.appClient(t)

	page, resp, err := c.Alerts.List(env.ctx, graph.Query{Top: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Value) != 5 || resp.StatusCode != 200 || resp.RequestID == "" || resp.ClientRequestID == "" {
		t.Fatalf("%d alerts, response %+v", len(page.Value), resp)
	}
	if got := resp.Header.Get("Preference-Applied"); got != "include-unknown-enum-members" {
		t.Errorf("Preference-Applied %q: the client did not send Prefer: include-unknown-enum-members", got)
	}
	if env.tokenRequests.count() != 1 {
		t.Fatalf("%d token requests for one call", env.tokenRequests.count())
	}

	// /me needs a user.
	_, _, err = c.Users.Me(env.ctx)
	if ge := mustGraphError(t, err, 400, "BadRequest"); !errors.Is(err, graph.ErrBadRequest) || !strings.Contains(ge.Message, "delegated") {
		t.Fatalf("/me app-only: %v", err)
	}

	// When the service stops accepting the token (its clock is past the
	// token's lifetime plus the validation skew, while x/oauth2 still
	// thinks it valid), the client gets a new one and retries once.
	env.emu.Clock().Advance(idp.DefaultAccessTokenLifetime + idp.ClockSkew + time.Second)
	if _, _, err := c.Alerts.List(env.ctx, graph.Query{Top: 1}); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if env.tokenRequests.count() != 2 {
		t.Fatalf("%d token requests, want a second one after the 401", env.tokenRequests.count())
	}
}

func TestEmulatorDelegated(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c, saved := env.userClient(t, env.analyst)

	me, resp, err := c.Users.Me(env.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.ID != env.analyst.ID || me.UserPrincipalName != env.analyst.UserPrincipalName || resp.StatusCode != 200 {
		t.Fatalf("/me is %+v, want %s", me, env.analyst.UserPrincipalName)
	}
	before := env.tokenRequests.count()
	if n := len(saved.all()); n != 0 {
		t.Fatalf("%d tokens saved before any refresh", n)
	}

	// Expire the access token on the service's clock only: Graph answers
	// 401 InvalidAuthenticationToken, the auth layer forces a refresh with
	// the refresh token, hands the new token to the session store and
	// retries the call.
	env.emu.Clock().Advance(idp.DefaultAccessTokenLifetime + idp.ClockSkew + time.Second)
	me, _, err = c.Users.Me(env.ctx)
	if err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if me.ID != env.analyst.ID {
		t.Fatalf("after refresh /me is %s", me.ID)
	}
	toks := saved.all()
	if env.tokenRequests.count() != before+1 || len(toks) != 1 || toks[0].RefreshToken == "" {
		t.Fatalf("token requests %d→%d, saved %d tokens: want exactly one refresh, saved", before, env.tokenRequests.count(), len(toks))
	}
	// The refreshed token keeps working without another refresh.
	if _, _, err := c.Alerts.List(env.ctx, graph.Query{Top: 1}); err != nil || env.tokenRequests.count() != before+1 {
		t.Fatalf("after refresh: %v, %d token requests", err, env.tokenRequests.count())
	}

	// A token without the permission is refused with 403, not retried.
	limited, _ := env.userClient(t, env.analyst, "openid", "offline_access", "User.Read")
	_, _, err = limited.Alerts.List(env.ctx, graph.Query{Top: 1})
	mustGraphError(t, err, 403, "Forbidden")
	if !errors.Is(err, graph.ErrForbidden) {
		t.Fatalf("%v does not match ErrForbidden", err)
	}
}

func TestEmulatorUsers(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c, _ := env.userClient(t, env.analyst)
	app := env.appClient(t)

	for _, key := range []string{env.reader.ID, env.reader.UserPrincipalName, strings.ToUpper(env.reader.UserPrincipalName)} {
		u, _, err := app.Users.Get(env.ctx, key)
		if err != nil {
			t.Fatalf("Get(%q): %v", key, err)
		}
		if u.ID != env.reader.ID || u.DisplayName != env.reader.DisplayName || u.BusinessPhones == nil {
			t.Fatalf("Get(%q) = %+v", key, u)
		}
	}
	// A UPN starting with '$' goes in the key form /users('$…'); the
	// directory answers for it (404 Request_ResourceNotFound), where a plain
	// /users/$… segment would be read as a system resource.
	_, resp, err := app.Users.Get(env.ctx, "$ops@"+env.emu.TenantDomain())
	mustGraphError(t, err, 404, "Request_ResourceNotFound")
	if !errors.Is(err, graph.ErrNotFound) || !strings.Contains(resp.URL, "/users('$ops@") {
		t.Fatalf("%v via %s", err, resp.URL)
	}
	// The key form of an existing user, through the generic request.
	r, err := app.NewRequest(http.MethodGet, "/v1.0/users('"+env.reader.UserPrincipalName+"')", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var byKey graph.User
	if _, err := app.Do(env.ctx, r, &byKey); err != nil || byKey.ID != env.reader.ID {
		t.Fatalf("key form: %v %+v", err, byKey)
	}

	// $filter, $select and $count (with ConsistencyLevel: eventual).
	page, resp, err := c.Users.List(env.ctx, graph.Query{
		Filter: graph.StartsWith("userPrincipalName", env.reader.UserPrincipalName[:3]),
		Select: []string{"id", "displayName", "userPrincipalName"},
		Count:  true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || page.Count == nil || int(*page.Count) != len(page.Value) || len(page.Value) == 0 {
		t.Fatalf("count %v for %d users", page.Count, len(page.Value))
	}
	for _, u := range page.Value {
		if !strings.HasPrefix(strings.ToLower(u.UserPrincipalName), strings.ToLower(env.reader.UserPrincipalName[:3])) || u.JobTitle != "" || u.BusinessPhones != nil {
			t.Fatalf("filtered and selected user %+v", u)
		}
	}
	var all []string
	for u, err := range c.Users.All(env.ctx, graph.Query{Top: 5}, 0) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, u.ID)
	}
	if len(all) != len(env.emu.Users()) {
		t.Fatalf("All over pages of 5 gave %d users, the tenant has %d", len(all), len(env.emu.Users()))
	}
}

// evidenceUser finds an alert with user evidence and returns the user's UPN.
func evidenceUser(t *testing.T, c *graph.Client, env *emuEnv) string {
	t.Helper()
	for a, err := range c.Alerts.All(env.ctx, graph.Query{Top: 100}, 0) {
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range a.Evidence {
			if u, ok := ev.(*graph.UserEvidence); ok && u.UserAccount != nil && u.UserAccount.UserPrincipalName != "" {
				return u.UserAccount.UserPrincipalName
			}
		}
	}
	t.Fatal("no alert with user evidence")
	return ""
}

func TestEmulatorAlertsV2Queries(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c := env.appClient(t)

	all := map[string]graph.Alert{}
	for a, err := range c.Alerts.All(env.ctx, graph.Query{Top: 150}, 0) {
		if err != nil {
			t.Fatal(err)
		}
		all[a.ID] = *a
	}
	if len(all) != 400 {
		t.Fatalf("paging gave %d distinct alerts, the tenant has 400", len(all))
	}
	count := func(keep func(graph.Alert) bool) int {
		n := 0
		for _, a := range all {
			if keep(a) {
				n++
			}
		}
		return n
	}
	upn := evidenceUser(t, c, env)
	from, to := emuEpoch.Add(-10*24*time.Hour), emuEpoch.Add(-3*24*time.Hour)
	hasUser := func(a graph.Alert) bool {
		return slices.ContainsFunc(a.Evidence, func(ev graph.Evidence) bool {
			u, ok := ev.(*graph.UserEvidence)
			return ok && u.UserAccount != nil && strings.EqualFold(u.UserAccount.UserPrincipalName, upn)
		})
	}

	for _, tt := range []struct {
		name   string
		filter graph.Expr
		keep   func(graph.Alert) bool
	}{
		{"enum eq", graph.Eq("severity", graph.Enum(graph.AlertSeverityHigh)),
			func(a graph.Alert) bool { return a.Severity == graph.AlertSeverityHigh }},
		{"in", graph.In("status", graph.Enum(graph.AlertStatusNew), graph.Enum(graph.AlertStatusInProgress)),
			func(a graph.Alert) bool {
				return a.Status == graph.AlertStatusNew || a.Status == graph.AlertStatusInProgress
			}},
		{"evidence lambda with cast", graph.Any("evidence", "e", graph.Eq(graph.EvidencePath("e", "userEvidence", "userAccount/userPrincipalName"), graph.String(upn))),
			hasUser},
		{"time range", graph.And(graph.Ge("createdDateTime", graph.DateTime(from)), graph.Lt("createdDateTime", graph.DateTime(to))),
			func(a graph.Alert) bool { return !a.CreatedDateTime.Before(from) && a.CreatedDateTime.Before(to) }},
		{"combined", graph.And(graph.Ne("serviceSource", graph.Enum(graph.ServiceSourceMicrosoftDefenderForEndpoint)), graph.Not(graph.Eq("severity", graph.Enum(graph.AlertSeverityLow)))),
			func(a graph.Alert) bool {
				return a.ServiceSource != graph.ServiceSourceMicrosoftDefenderForEndpoint && a.Severity != graph.AlertSeverityLow
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := count(tt.keep)
			if want == 0 || want == len(all) {
				t.Fatalf("the data gives this filter %d of %d alerts: not a test", want, len(all))
			}
			page, _, err := c.Alerts.List(env.ctx, graph.Query{Filter: tt.filter, Count: true, Top: 1})
			if err != nil {
				t.Fatal(err)
			}
			if page.Count == nil || int(*page.Count) != want {
				t.Fatalf("@odata.count %v, want %d", page.Count, want)
			}
			got := 0
			for a, err := range c.Alerts.All(env.ctx, graph.Query{Filter: tt.filter, Top: 40, OrderBy: []string{"createdDateTime desc"}}, 0) {
				if err != nil {
					t.Fatal(err)
				}
				if !tt.keep(*a) {
					t.Fatalf("alert %s does not match the filter", a.ID)
				}
				got++
			}
			if got != want {
				t.Fatalf("All yielded %d alerts, want %d", got, want)
			}
		})
	}

	// limit stops the iterator early, without fetching further pages.
	n := 0
	for _, err := range c.Alerts.All(env.ctx, graph.Query{Top: 10}, 25) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 25 {
		t.Fatalf("limit 25 yielded %d", n)
	}
	// The service's own error for a filter it cannot run.
	_, _, err := c.Alerts.List(env.ctx, graph.Query{Filter: graph.Eq("investigationState", graph.String("running"))})
	mustGraphError(t, err, 400, "BadRequest")
}

func TestEmulatorAlertsV2Changes(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c, _ := env.userClient(t, env.analyst)
	page, _, err := c.Alerts.List(env.ctx, graph.Query{Filter: graph.Eq("status", graph.Enum(graph.AlertStatusNew)), Top: 1})
	if err != nil || len(page.Value) != 1 {
		t.Fatalf("%v, %d alerts", err, len(page.Value))
	}
	id := page.Value[0].ID

	got, _, err := c.Alerts.Get(env.ctx, id)
	if err != nil || got.ID != id || got.IncidentID == "" || len(got.Evidence) == 0 {
		t.Fatalf("Get: %v %+v", err, got)
	}
	for _, ev := range got.Evidence {
		if u, ok := ev.(*graph.UnknownEvidence); ok && u.Err != nil {
			t.Fatalf("evidence %s did not decode: %v", u.TypeName(), u.Err)
		}
	}

	env.emu.Clock().Advance(time.Minute)
	up, resp, err := c.Alerts.Update(env.ctx, id, graph.AlertUpdate{
		AssignedTo:     graph.Some(env.analyst.UserPrincipalName),
		Status:         graph.Some(graph.AlertStatusInProgress),
		Classification: graph.Some(graph.AlertClassificationTruePositive),
		Determination:  graph.Some(graph.AlertDeterminationMalware),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || up.AssignedTo != env.analyst.UserPrincipalName || up.Status != graph.AlertStatusInProgress ||
		up.Classification != graph.AlertClassificationTruePositive || up.Determination != graph.AlertDeterminationMalware ||
		!up.LastUpdateDateTime.After(got.LastUpdateDateTime) {
		t.Fatalf("updated alert %+v", up)
	}

	// Clear sends null: the alert is unassigned, nothing else changes.
	up, _, err = c.Alerts.Update(env.ctx, id, graph.AlertUpdate{AssignedTo: graph.Clear[string]()})
	if err != nil {
		t.Fatal(err)
	}
	if up.AssignedTo != "" || up.Status != graph.AlertStatusInProgress {
		t.Fatalf("after Clear: assignedTo %q status %s", up.AssignedTo, up.Status)
	}
	again, _, _ := c.Alerts.Get(env.ctx, id)
	if again.AssignedTo != "" {
		t.Fatalf("the service kept assignedTo %q", again.AssignedTo)
	}

	comments, _, err := c.Alerts.AddComment(env.ctx, id, "Isolating the device")
	if err != nil || comments[len(comments)-1].Comment != "Isolating the device" {
		t.Fatalf("%v %+v", err, comments)
	}
	comments, resp, err = c.Alerts.AddComment(env.ctx, id, "Done; it's clean")
	if err != nil {
		t.Fatal(err)
	}
	last := comments[len(comments)-1]
	if resp.StatusCode != 200 || len(comments) < 2 || last.Comment != "Done; it's clean" ||
		last.CreatedByDisplayName != env.analyst.UserPrincipalName || last.CreatedDateTime.IsZero() ||
		comments[len(comments)-2].Comment != "Isolating the device" {
		t.Fatalf("comments %+v", comments)
	}

	// Errors carry Graph's code and ids.
	_, _, err = c.Alerts.Get(env.ctx, "da000000000000000000_0")
	mustGraphError(t, err, 404, "ResourceNotFound")
	if !errors.Is(err, graph.ErrNotFound) {
		t.Fatalf("%v is not ErrNotFound", err)
	}
	reader, _ := env.userClient(t, env.reader)
	if _, _, err := reader.Alerts.Get(env.ctx, id); err != nil {
		t.Fatalf("a Security Reader can read: %v", err)
	}
	_, _, err = reader.Alerts.Update(env.ctx, id, graph.AlertUpdate{Status: graph.Some(graph.AlertStatusResolved)})
	mustGraphError(t, err, 403, "Forbidden")
}

func TestEmulatorEvolvableEnums(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c := env.appClient(t)
	raised := env.control(t, "POST", "/_emulator/alerts", map[string]any{
		"title": "Sentinel analytics rule", "serviceSource": "microsoftSentinel", "detectionSource": "scheduledAlerts",
	})
	id := raised["id"].(string)

	a, _, err := c.Alerts.Get(env.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if a.ServiceSource != graph.ServiceSourceMicrosoftSentinel || a.DetectionSource != "scheduledAlerts" {
		t.Fatalf("serviceSource %q detectionSource %q: evolvable members were not sent", a.ServiceSource, a.DetectionSource)
	}
	// Without the Prefer header (a request the client has no method for),
	// the service substitutes unknownFutureValue, which is why every
	// alerts_v2 call sends it.
	r, _ := c.NewRequest(http.MethodGet, "/v1.0/security/alerts_v2/"+id, "", nil)
	var bare graph.Alert
	if _, err := c.Do(env.ctx, r, &bare); err != nil {
		t.Fatal(err)
	}
	if bare.ServiceSource != graph.ServiceSourceUnknownFutureValue {
		t.Fatalf("without Prefer: serviceSource %q", bare.ServiceSource)
	}
	// In a list too, next to alerts with members the client knows.
	found := false
	for x, err := range c.Alerts.All(env.ctx, graph.Query{Filter: graph.Eq("serviceSource", graph.Enum(graph.ServiceSourceMicrosoftSentinel))}, 0) {
		if err != nil {
			t.Fatal(err)
		}
		found = found || x.ID == id
	}
	if !found {
		t.Fatal("filtering on an evolvable member did not find the alert")
	}
}

func TestEmulatorIncidents(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c, _ := env.userClient(t, env.analyst)

	page, _, err := c.Incidents.List(env.ctx, graph.IncidentQuery{Query: graph.Query{Top: 5, Filter: graph.Eq("status", graph.Enum(graph.IncidentStatusActive))}})
	if err != nil || len(page.Value) != 5 {
		t.Fatalf("%v, %d incidents", err, len(page.Value))
	}
	for _, inc := range page.Value {
		if len(inc.Alerts) != 0 || inc.Status != graph.IncidentStatusActive {
			t.Fatalf("incident %s without expand has %d alerts, status %s", inc.ID, len(inc.Alerts), inc.Status)
		}
	}
	expanded, _, err := c.Incidents.List(env.ctx, graph.IncidentQuery{Query: graph.Query{Top: 5, Filter: graph.Eq("status", graph.Enum(graph.IncidentStatusActive))}, ExpandAlerts: true})
	if err != nil {
		t.Fatal(err)
	}
	inc := expanded.Value[0]
	if len(inc.Alerts) == 0 || inc.ID != page.Value[0].ID {
		t.Fatalf("expanded incident %s has %d alerts", inc.ID, len(inc.Alerts))
	}
	for _, a := range inc.Alerts {
		if a.IncidentID != inc.ID || len(a.Evidence) == 0 {
			t.Fatalf("expanded alert %s of incident %s (evidence %d)", a.ID, a.IncidentID, len(a.Evidence))
		}
	}

	got, _, err := c.Incidents.Get(env.ctx, inc.ID)
	if err != nil || got.ID != inc.ID || got.DisplayName == "" {
		t.Fatalf("Get: %v %+v", err, got)
	}
	var ids []string
	for a, err := range c.Incidents.AllAlerts(env.ctx, inc.ID, graph.Query{Top: 1}, 0) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if len(ids) != len(inc.Alerts) {
		t.Fatalf("ListAlerts gave %d alerts, $expand %d", len(ids), len(inc.Alerts))
	}
	one, _, err := c.Incidents.ListAlerts(env.ctx, inc.ID, graph.Query{Top: 1})
	if err != nil || len(one.Value) != 1 || !slices.Contains(ids, one.Value[0].ID) {
		t.Fatalf("ListAlerts: %v %+v", err, one)
	}

	up, resp, err := c.Incidents.Update(env.ctx, inc.ID, graph.IncidentUpdate{
		AssignedTo:     graph.Some(env.analyst.UserPrincipalName),
		Status:         graph.Some(graph.IncidentStatusInProgress),
		Classification: graph.Some(graph.AlertClassificationTruePositive),
		Determination:  graph.Some(graph.AlertDeterminationMultiStagedAttack),
		CustomTags:     graph.Some([]string{"ransomware", "board-report"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || up.Status != graph.IncidentStatusInProgress || up.AssignedTo != env.analyst.UserPrincipalName ||
		!slices.Equal(up.CustomTags, []string{"ransomware", "board-report"}) {
		t.Fatalf("updated incident %+v", up)
	}
	// The assignment carries to the incident's alerts, as in the portal.
	a, _, err := c.Alerts.Get(env.ctx, ids[0])
	if err != nil || a.AssignedTo != env.analyst.UserPrincipalName || a.Classification != graph.AlertClassificationTruePositive {
		t.Fatalf("alert after the incident update: %v %+v", err, a)
	}
	// An empty tag list is sent as [] and clears the tags.
	up, _, err = c.Incidents.Update(env.ctx, inc.ID, graph.IncidentUpdate{CustomTags: graph.Some([]string{})})
	if err != nil || len(up.CustomTags) != 0 || up.CustomTags == nil {
		t.Fatalf("clearing tags: %v %#v", err, up.CustomTags)
	}

	comments, _, err := c.Incidents.AddComment(env.ctx, inc.ID, "Escalated to IR")
	if err != nil || len(comments) == 0 || comments[len(comments)-1].Comment != "Escalated to IR" {
		t.Fatalf("AddComment: %v %+v", err, comments)
	}
	_, _, err = c.Incidents.Get(env.ctx, "999999999")
	mustGraphError(t, err, 404, "ResourceNotFound")
}

// Graph refuses $top above 50 on incidents; the client never sends more,
// and still reaches every incident through the next links.
func TestEmulatorIncidentsTop(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c, _ := env.userClient(t, env.analyst)
	var sent []*graph.Request
	ctx := graph.WithRequestObserver(env.ctx, func(r *graph.Request) { sent = append(sent, r) })

	page, _, err := c.Incidents.List(ctx, graph.IncidentQuery{Query: graph.Query{Top: 100, Count: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Value) != graph.MaxIncidentTop || !page.HasNext() || page.Count == nil {
		t.Fatalf("%d incidents, next %q, count %v", len(page.Value), page.NextLink, page.Count)
	}
	total := int(*page.Count)
	n := 0
	for _, err := range c.Incidents.All(ctx, graph.IncidentQuery{Query: graph.Query{Top: 1000}}, 0) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != total {
		t.Fatalf("All gave %d incidents of %d", n, total)
	}
	for _, r := range sent {
		if strings.Contains(r.URL, "top=") && !strings.Contains(r.URL, "top=50") {
			t.Errorf("sent %s", r.URL)
		}
	}
	if len(sent) < 3 {
		t.Fatalf("only %d requests: the walk did not page", len(sent))
	}
}
