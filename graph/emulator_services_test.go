package graph_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/graph"
)

func TestEmulatorLegacyAlerts(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c, _ := env.userClient(t, env.analyst)

	// $top applies per provider: one alert from each of the six.
	page, resp, err := c.LegacyAlerts.List(env.ctx, graph.LegacyAlertQuery{TopPerProvider: 1})
	if err != nil {
		t.Fatal(err)
	}
	providers := map[string]bool{}
	for _, a := range page.Value {
		providers[a.VendorInformation.Provider] = true
	}
	if resp.StatusCode != 200 || len(providers) != 6 || len(page.Value) != 6 || !page.HasNext() {
		t.Fatalf("status %d, %d alerts from %v, next %q", resp.StatusCode, len(page.Value), providers, page.NextLink)
	}
	sample := page.Value[0]
	var host, upn string
	for a, err := range c.LegacyAlerts.All(env.ctx, graph.LegacyAlertQuery{TopPerProvider: 100}, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if host == "" && len(a.HostStates) > 0 && a.HostStates[0].FQDN != "" {
			host = a.HostStates[0].FQDN
		}
		if upn == "" && len(a.UserStates) > 0 && a.UserStates[0].UserPrincipalName != "" {
			upn = a.UserStates[0].UserPrincipalName
		}
	}
	if host == "" || upn == "" {
		t.Fatal("no host or user states in the legacy alerts")
	}

	// Assign one alert so that "assigned to me" has something to find.
	vi := graph.SecurityVendorInformation{Provider: sample.VendorInformation.Provider, Vendor: sample.VendorInformation.Vendor}
	none, resp, err := c.LegacyAlerts.Update(env.ctx, sample.ID, graph.LegacyAlertUpdate{
		AssignedTo: graph.Some(env.analyst.UserPrincipalName), VendorInformation: vi,
	})
	if err != nil || none != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("Update: %v, %v, %d", err, none, resp.StatusCode)
	}

	for _, tt := range []struct {
		name string
		q    graph.LegacyAlertQuery
		keep func(graph.LegacyAlert) bool
	}{
		{"provider", graph.LegacyAlertQuery{Provider: "IPC"}, func(a graph.LegacyAlert) bool { return a.VendorInformation.Provider == "IPC" }},
		{"category", graph.LegacyAlertQuery{Category: sample.Category}, func(a graph.LegacyAlert) bool { return strings.EqualFold(a.Category, sample.Category) }},
		{"status", graph.LegacyAlertQuery{Status: graph.LegacyAlertStatusNewAlert}, func(a graph.LegacyAlert) bool { return a.Status == graph.LegacyAlertStatusNewAlert }},
		{"severity", graph.LegacyAlertQuery{Severity: graph.LegacyAlertSeverityHigh}, func(a graph.LegacyAlert) bool { return a.Severity == graph.LegacyAlertSeverityHigh }},
		{"assigned to", graph.LegacyAlertQuery{AssignedTo: env.analyst.UserPrincipalName}, func(a graph.LegacyAlert) bool {
			return strings.EqualFold(a.AssignedTo, env.analyst.UserPrincipalName)
		}},
		{"host FQDN", graph.LegacyAlertQuery{HostFQDN: host}, func(a graph.LegacyAlert) bool {
			return slices.ContainsFunc(a.HostStates, func(h graph.HostSecurityState) bool { return strings.EqualFold(h.FQDN, host) })
		}},
		{"UPN", graph.LegacyAlertQuery{UPN: upn}, func(a graph.LegacyAlert) bool {
			return slices.ContainsFunc(a.UserStates, func(u graph.UserSecurityState) bool { return strings.EqualFold(u.UserPrincipalName, upn) })
		}},
		{"everything at once, top 3 per provider", graph.LegacyAlertQuery{TopPerProvider: 3, Severity: graph.LegacyAlertSeverityHigh, Status: graph.LegacyAlertStatusNewAlert, Filter: graph.Raw("confidence ge 0")},
			func(a graph.LegacyAlert) bool {
				return a.Severity == graph.LegacyAlertSeverityHigh && a.Status == graph.LegacyAlertStatusNewAlert
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, _, err := c.LegacyAlerts.List(env.ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Value) == 0 {
				t.Fatal("nothing matched")
			}
			perProvider := map[string]int{}
			for _, a := range p.Value {
				if !tt.keep(a) {
					t.Fatalf("alert %s does not match", a.ID)
				}
				perProvider[a.VendorInformation.Provider]++
			}
			if tt.q.TopPerProvider > 0 {
				for p, n := range perProvider {
					if n > tt.q.TopPerProvider {
						t.Fatalf("%d alerts from %s with $top=%d", n, p, tt.q.TopPerProvider)
					}
				}
			}
		})
	}

	got, _, err := c.LegacyAlerts.Get(env.ctx, sample.ID)
	if err != nil || got.ID != sample.ID || got.AssignedTo != env.analyst.UserPrincipalName || got.AzureTenantID == "" {
		t.Fatalf("Get: %v %+v", err, got)
	}
	up, resp, err := c.LegacyAlerts.Update(env.ctx, sample.ID, graph.LegacyAlertUpdate{
		Status: graph.Some(graph.LegacyAlertStatusResolved), Feedback: graph.Some(graph.LegacyAlertFeedbackTruePositive),
		Tags: graph.Some([]string{"phase-2"}), VendorInformation: vi, ReturnRepresentation: true,
	})
	if err != nil || resp.StatusCode != 200 || up == nil {
		t.Fatalf("Update with representation: %v %v", err, resp)
	}
	if up.Status != graph.LegacyAlertStatusResolved || up.Feedback != graph.LegacyAlertFeedbackTruePositive || up.ClosedDateTime.IsZero() ||
		!slices.Equal(up.Tags, []string{"phase-2"}) || len(up.HistoryStates) == 0 {
		t.Fatalf("updated %+v", up)
	}
	// The service routes a PATCH by vendorInformation: the wrong one is refused.
	_, _, err = c.LegacyAlerts.Update(env.ctx, sample.ID, graph.LegacyAlertUpdate{
		Status: graph.Some(graph.LegacyAlertStatusInProgress), VendorInformation: graph.SecurityVendorInformation{Provider: "NotIt", Vendor: "Microsoft"},
	})
	mustGraphError(t, err, 400, "BadRequest")

	// A provider failing behind the federation: 206 with its Warning, the
	// others' alerts still there.
	env.fault(t, map[string]any{"provider": "MCAS", "status": 504, "count": 1})
	page, resp, err = c.LegacyAlerts.List(env.ctx, graph.LegacyAlertQuery{TopPerProvider: 2})
	if err != nil {
		t.Fatalf("a 206 is a success: %v", err)
	}
	if resp.StatusCode != http.StatusPartialContent || len(resp.Warnings) != 1 || len(page.Value) != 10 {
		t.Fatalf("status %d, warnings %+v, %d alerts", resp.StatusCode, resp.Warnings, len(page.Value))
	}
	w := resp.Warnings[0]
	if w.Code != 199 || w.Vendor != "Microsoft" || w.Provider != "MCAS" || w.StatusCode != 504 || w.Latency != 10*time.Second {
		t.Fatalf("warning %+v", w)
	}
	for _, a := range page.Value {
		if a.VendorInformation.Provider == "MCAS" {
			t.Fatal("the failing provider's alerts came back")
		}
	}
	_, _, err = c.LegacyAlerts.Get(env.ctx, "no-such-alert")
	mustGraphError(t, err, 404, "ResourceNotFound")
}

func TestEmulatorSecureScore(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c := env.appClient(t)

	week, _, err := c.SecureScores.List(env.ctx, graph.Query{Top: 7})
	if err != nil || len(week.Value) != 7 {
		t.Fatalf("%v, %d scores", err, len(week.Value))
	}
	for i := 1; i < len(week.Value); i++ {
		if !week.Value[i].CreatedDateTime.Before(week.Value[i-1].CreatedDateTime) {
			t.Fatal("scores are not newest first")
		}
	}
	latest, _, err := c.SecureScores.Latest(env.ctx)
	if err != nil || latest.ID != week.Value[0].ID || latest.CurrentScore == nil || latest.MaxScore == nil || len(latest.ControlScores) == 0 {
		t.Fatalf("Latest: %v %+v", err, latest)
	}
	if !strings.HasPrefix(latest.ID, env.emu.TenantID()+"_") || latest.VendorInformation == nil || latest.VendorInformation.Provider != "SecureScore" {
		t.Fatalf("id %q vendor %+v", latest.ID, latest.VendorInformation)
	}
	// controlScore is an open type: undeclared members are kept.
	if len(latest.ControlScores[0].AdditionalData) == 0 {
		t.Error("control scores lost their undeclared members")
	}
	one, _, err := c.SecureScores.Get(env.ctx, week.Value[3].ID)
	if err != nil || one.ID != week.Value[3].ID || *one.CurrentScore != *week.Value[3].CurrentScore {
		t.Fatalf("Get: %v %+v", err, one)
	}
	n := 0
	for _, err := range c.SecureScores.All(env.ctx, graph.Query{}, 0) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 90 {
		t.Fatalf("%d daily scores, want 90", n)
	}
}

func TestEmulatorControlProfiles(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c, _ := env.userClient(t, env.analyst)

	page, _, err := c.ControlProfiles.List(env.ctx, graph.Query{})
	if err != nil || len(page.Value) < 10 {
		t.Fatalf("%v, %d profiles", err, len(page.Value))
	}
	id := page.Value[0].ID
	p, _, err := c.ControlProfiles.Get(env.ctx, id)
	if err != nil || p.ID != id || p.Title == "" || p.MaxScore == nil {
		t.Fatalf("Get: %v %+v", err, p)
	}
	vi := graph.SecurityVendorInformation{Provider: "SecureScore", Vendor: "Microsoft"}
	none, resp, err := c.ControlProfiles.Update(env.ctx, id, graph.ControlProfileUpdate{
		State: graph.Some(graph.ControlStateIgnored), Comment: graph.Some("Covered by a third-party tool"), VendorInformation: vi,
	})
	if err != nil || none != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("Update: %v %v", err, resp)
	}
	up, resp, err := c.ControlProfiles.Update(env.ctx, id, graph.ControlProfileUpdate{
		AssignedTo: graph.Some(env.analyst.UserPrincipalName), VendorInformation: vi, ReturnRepresentation: true,
	})
	if err != nil || resp.StatusCode != 200 || up == nil {
		t.Fatalf("Update with representation: %v %v", err, resp)
	}
	last := up.ControlStateUpdates[len(up.ControlStateUpdates)-1]
	if len(up.ControlStateUpdates) != len(p.ControlStateUpdates)+2 || last.State != graph.ControlStateIgnored ||
		last.AssignedTo != env.analyst.UserPrincipalName || last.Comment != "Covered by a third-party tool" {
		t.Fatalf("state updates %+v", up.ControlStateUpdates)
	}
	_, _, err = c.ControlProfiles.Update(env.ctx, id, graph.ControlProfileUpdate{State: graph.Some(graph.ControlState("Snoozed")), VendorInformation: vi})
	mustGraphError(t, err, 400, "BadRequest")
}

func TestEmulatorSecurityActions(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c := env.appClient(t)

	a, resp, err := c.SecurityActions.Create(env.ctx, graph.NewSecurityAction{
		Name: "BlockIp", ActionReason: "C2 traffic", ClientContext: "case-42",
		Parameters:        []graph.KeyValuePair{{Name: "IP", Value: "203.0.113.7"}},
		VendorInformation: graph.SecurityVendorInformation{Provider: "Windows Defender ATP", Vendor: "Microsoft"},
	})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("Create: %v %v", err, resp)
	}
	if a.ID == "" || a.Status != graph.OperationStatusNotStarted || a.AppID != env.emu.ClientID() || a.AzureTenantID != env.emu.TenantID() || a.CreatedDateTime.IsZero() {
		t.Fatalf("created %+v", a)
	}
	found := false
	for x, err := range c.SecurityActions.All(env.ctx, graph.Query{}, 0) {
		if err != nil {
			t.Fatal(err)
		}
		found = found || x.ID == a.ID
	}
	if !found {
		t.Fatal("the new action is not listed")
	}
	list, _, err := c.SecurityActions.List(env.ctx, graph.Query{Top: 1})
	if err != nil || len(list.Value) != 1 {
		t.Fatalf("List: %v", err)
	}
	env.emu.Clock().Advance(3 * time.Second)
	got, _, err := c.SecurityActions.Get(env.ctx, a.ID)
	if err != nil || got.Status != graph.OperationStatusRunning {
		t.Fatalf("after 3 s: %v %+v", err, got)
	}
	resp, err = c.SecurityActions.Cancel(env.ctx, a.ID)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Cancel: %v %v", err, resp)
	}
	got, _, _ = c.SecurityActions.Get(env.ctx, a.ID)
	if got.Status != graph.OperationStatusFailed || got.ErrorInfo == nil || got.ErrorInfo.Code == nil || *got.ErrorInfo.Code != 499 {
		t.Fatalf("cancelled action %+v", got)
	}

	// Application permissions only.
	user, _ := env.userClient(t, env.analyst, append(slices.Clone(delegatedScopes), "SecurityActions.ReadWrite.All")...)
	_, _, err = user.SecurityActions.List(env.ctx, graph.Query{})
	mustGraphError(t, err, 403, "Forbidden")
	if !errors.Is(err, graph.ErrForbidden) {
		t.Fatal(err)
	}
}

func TestEmulatorMail(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	user, _ := env.userClient(t, env.analyst)
	app := env.appClient(t)

	report := []byte("id,severity\nda1,high\n")
	resp, err := user.Mail.Send(env.ctx, "", graph.SendMail{
		Message: graph.Message{
			Subject:      "New high-severity alert",
			Body:         graph.HTMLBody("<p>Suspicious execution of <b>hidden file</b></p>"),
			ToRecipients: []graph.Recipient{{EmailAddress: graph.EmailAddress{Address: "soc@contoso.com", Name: "SOC"}}},
			CcRecipients: graph.Recipients("lead@contoso.com"),
			Attachments: []graph.FileAttachment{
				graph.NewFileAttachment("alerts.csv", "text/csv", report),
				{Name: "note.txt", ContentBytes: []byte("see attached")}, // @odata.type filled in by the client
			},
		},
		SaveToSentItems: graph.Some(false),
	})
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("Send as the user: %v %v", err, resp)
	}
	resp, err = app.Mail.Send(env.ctx, env.analyst.ID, graph.SendMail{Message: graph.Message{
		Subject: "Daily digest", Body: graph.TextBody("3 new incidents"), BccRecipients: graph.Recipients("archive@contoso.com"),
	}})
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("Send as the app: %v %v", err, resp)
	}

	msgs := env.emu.Mailbox().Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages in the mailbox", len(msgs))
	}
	text, html := msgs[0], msgs[1] // newest first
	if html.Subject != "New high-severity alert" || html.BodyType != "html" || !strings.Contains(html.Body, "<b>hidden file</b>") ||
		html.SaveToSentItems || !strings.EqualFold(html.From.Address, env.analyst.UserPrincipalName) ||
		len(html.To) != 1 || html.To[0].Name != "SOC" || len(html.Cc) != 1 || len(html.Attachments) != 2 {
		t.Fatalf("HTML message %+v", html)
	}
	if a := html.Attachments[0]; a.Name != "alerts.csv" || a.ContentType != "text/csv" || string(a.Content) != string(report) || a.Size != len(report) {
		t.Fatalf("attachment %+v", a)
	}
	if string(html.Attachments[1].Content) != "see attached" {
		t.Fatalf("second attachment %+v", html.Attachments[1])
	}
	if text.Subject != "Daily digest" || text.BodyType != "text" || text.Body != "3 new incidents" || !text.SaveToSentItems || len(text.Bcc) != 1 {
		t.Fatalf("text message %+v", text)
	}
	// A delegated caller may send only as themselves.
	_, err = user.Mail.Send(env.ctx, env.admin.ID, graph.SendMail{Message: graph.Message{Subject: "x", ToRecipients: graph.Recipients("a@contoso.com")}})
	mustGraphError(t, err, 403, "ErrorAccessDenied")
}

// hookServer is a subscriber's notification endpoint that answers the
// validation handshake as Graph requires.
func hookServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if tok := r.URL.Query().Get("validationToken"); tok != "" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, tok)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestEmulatorSubscriptions(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	app := env.appClient(t)
	user, _ := env.userClient(t, env.analyst)
	hook, validations := hookServer(t)
	now := env.emu.Clock().Now()

	sub, resp, err := app.Subscriptions.Create(env.ctx, graph.Subscription{
		Resource:           "security/alerts?$filter=severity eq 'high'",
		ChangeType:         "created,updated",
		NotificationURL:    hook.URL + "/notify",
		ExpirationDateTime: now.Add(graph.MaxAlertSubscriptionLifetime),
		ClientState:        "s3cret",
		// Read-only members are not sent.
		ID: "mine", CreatorID: "me",
	})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("Create: %v %v", err, resp)
	}
	if sub.ID == "" || sub.ID == "mine" || sub.ClientState != "s3cret" || sub.ApplicationID != env.emu.ClientID() ||
		!sub.ExpirationDateTime.Equal(now.Add(graph.MaxAlertSubscriptionLifetime)) || validations.Load() != 1 {
		t.Fatalf("created %+v after %d validations", sub, validations.Load())
	}
	mine, _, err := user.Subscriptions.Create(env.ctx, graph.Subscription{
		Resource: "security/alerts/" + firstLegacyAlert(t, env, app), ChangeType: "updated",
		NotificationURL: hook.URL, ExpirationDateTime: now.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}

	got, _, err := app.Subscriptions.Get(env.ctx, sub.ID)
	if err != nil || got.ClientState != "s3cret" || got.Resource != sub.Resource {
		t.Fatalf("Get: %v %+v", err, got)
	}
	page, _, err := app.Subscriptions.List(env.ctx)
	if err != nil || len(page.Value) != 2 {
		t.Fatalf("List: %v, %d", err, len(page.Value))
	}
	for _, s := range page.Value {
		if s.ClientState != "" {
			t.Fatalf("List returned clientState %q", s.ClientState)
		}
	}
	var seen []string
	for s, err := range user.Subscriptions.All(env.ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, s.ID)
	}
	if !slices.Equal(seen, []string{mine.ID}) {
		t.Fatalf("the analyst sees %v, want only %s", seen, mine.ID)
	}

	renewed, resp, err := app.Subscriptions.Renew(env.ctx, sub.ID, now.Add(48*time.Hour))
	if err != nil || resp.StatusCode != 200 || !renewed.ExpirationDateTime.Equal(now.Add(48*time.Hour)) {
		t.Fatalf("Renew: %v %+v", err, renewed)
	}
	_, _, err = app.Subscriptions.Renew(env.ctx, sub.ID, now.Add(graph.MaxAlertSubscriptionLifetime+time.Hour))
	if ge := mustGraphError(t, err, 400, "ExtensionError"); ge.Message != "Subscription expiration can only be 43200 minutes in the future." {
		t.Fatalf("message %q", ge.Message)
	}
	if resp, err := app.Subscriptions.Reauthorize(env.ctx, sub.ID); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("Reauthorize: %v %v", err, resp)
	}
	if resp, err := app.Subscriptions.Delete(env.ctx, sub.ID); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("Delete: %v %v", err, resp)
	}
	_, _, err = app.Subscriptions.Get(env.ctx, sub.ID)
	mustGraphError(t, err, 404, "ResourceNotFound")

	// A failed handshake is a 400 and creates nothing.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"token\":%q}", r.URL.Query().Get("validationToken"))
	}))
	defer bad.Close()
	_, _, err = app.Subscriptions.Create(env.ctx, graph.Subscription{
		Resource: "security/alerts?$filter=status eq 'newAlert'", ChangeType: "created", NotificationURL: bad.URL, ExpirationDateTime: now.Add(time.Hour),
	})
	mustGraphError(t, err, 400, "InvalidRequest")
	if page, _, _ := app.Subscriptions.List(env.ctx); len(page.Value) != 1 {
		t.Fatalf("%d subscriptions after the failed handshake, want the analyst's only", len(page.Value))
	}
}

func firstLegacyAlert(t *testing.T, env *emuEnv, c *graph.Client) string {
	t.Helper()
	p, _, err := c.LegacyAlerts.List(env.ctx, graph.LegacyAlertQuery{TopPerProvider: 1})
	if err != nil || len(p.Value) == 0 {
		t.Fatalf("%v", err)
	}
	return p.Value[0].ID
}

// TestEmulatorSecureScoreDays: ListDays gives each day's numbers, and Full
// the same day as List decodes it.
func TestEmulatorSecureScoreDays(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c := env.appClient(t)
	full, _, err := c.SecureScores.List(env.ctx, graph.Query{Top: 90})
	if err != nil {
		t.Fatal(err)
	}
	days, _, err := c.SecureScores.ListDays(env.ctx, graph.Query{Top: 90})
	if err != nil {
		t.Fatal(err)
	}
	if len(days.Value) != len(full.Value) || len(days.Value) != 90 {
		t.Fatalf("%d days, %d scores", len(days.Value), len(full.Value))
	}
	for i, d := range days.Value {
		f := full.Value[i]
		if d.ID != f.ID || !d.CreatedDateTime.Equal(f.CreatedDateTime) || *d.CurrentScore != *f.CurrentScore || *d.MaxScore != *f.MaxScore {
			t.Fatalf("day %d: %+v, List says %s %v %v", i, d, f.ID, *f.CurrentScore, *f.MaxScore)
		}
	}
	whole, err := days.Value[0].Full()
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(whole)
	b, _ := json.Marshal(full.Value[0])
	if string(a) != string(b) {
		t.Errorf("Full differs from List:\n%s\n%s", a, b)
	}
}

// TestEmulatorSendMIME sends a whole MIME message (an HTML body and its
// plain-text alternative); the emulator's mailbox reads it as Graph does.
func TestEmulatorSendMIME(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	user, _ := env.userClient(t, env.analyst)
	msg := "To: soc@contoso.com\r\nSubject: MIME from the client\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html</p>\r\n--b--\r\n"
	resp, err := user.Mail.SendMIME(env.ctx, "", []byte(msg))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("SendMIME: %v %v", err, resp)
	}
	m := env.emu.Mailbox().Messages()[0]
	if m.Subject != "MIME from the client" || m.BodyType != "html" || m.Body != "<p>html</p>" || !strings.Contains(m.MIME, "plain") {
		t.Errorf("stored %+v", m)
	}
	for _, tc := range []struct {
		name string
		mime []byte
	}{{"empty", nil}, {"too large", make([]byte, graph.MaxMIMEBytes+1)}} {
		if _, err := user.Mail.SendMIME(env.ctx, "", tc.mime); !errors.Is(err, graph.ErrInvalidArgument) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
