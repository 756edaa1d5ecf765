package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/graphsec/graphsec/graph"
)

// fakeGraph stands in for https://graph.microsoft.com in the examples.
func fakeGraph(h http.HandlerFunc) (*httptest.Server, *graph.Client) {
	srv := httptest.NewServer(h)
	c, err := graph.New(graph.Options{
		BaseURL: srv.URL, // the only difference between Microsoft Graph and a local stand-in
		Tokens:  graph.FromOAuth2(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "example-token"})),
		// Examples do not wait out Retry-After for real.
		Retry: graph.RetryPolicy{Sleep: func(context.Context, time.Duration) error { return nil }},
	})
	if err != nil {
		panic(err)
	}
	return srv, c
}

const exampleAlert = `{"id":"da637551227677560813_-961444813","title":"Suspicious execution of hidden file","status":"new","severity":"high",
"serviceSource":"microsoftDefenderForEndpoint","lastUpdateDateTime":"2021-05-02T14:19:01.3266667Z","comments":[],
"evidence":[{"@odata.type":"#microsoft.graph.security.deviceEvidence","deviceDnsName":"pc123.contoso.com","verdict":"suspicious","remediationStatus":"none","roles":[]},
{"@odata.type":"#microsoft.graph.security.userEvidence","userAccount":{"userPrincipalName":"alice@contoso.com"},"verdict":"unknown","remediationStatus":"none","roles":[]},
{"@odata.type":"#microsoft.graph.security.aiAgentEvidence","agentName":"helper","verdict":"unknown","remediationStatus":"none","roles":[]}]}`

// List alerts_v2 with a typed filter, show the request as the console
// does, and walk the typed evidence.
func Example() {
	srv, c := fakeGraph(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"value":[`+exampleAlert+`]}`)
	})
	defer srv.Close()

	q := graph.Query{
		Filter: graph.And(
			graph.Eq("severity", graph.Enum(graph.AlertSeverityHigh)),
			graph.Any("evidence", "e", graph.Eq(graph.EvidencePath("e", "userEvidence", "userAccount/userPrincipalName"), graph.String("alice@contoso.com"))),
		),
		Top: 50,
	}
	req, _ := c.Alerts.ListRequest(q)
	fmt.Println(strings.Replace(req.String(), srv.URL, "https://graph.microsoft.com", 1))

	page, _, err := c.Alerts.List(context.Background(), q)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range page.Value {
		fmt.Println(a.Title, a.Severity)
		for _, ev := range a.Evidence {
			switch ev := ev.(type) {
			case *graph.DeviceEvidence:
				fmt.Println("  device", ev.DeviceDNSName, ev.Verdict)
			case *graph.UserEvidence:
				fmt.Println("  user", ev.UserAccount.UserPrincipalName)
			case *graph.UnknownEvidence:
				fmt.Println("  kept as raw JSON:", ev.TypeName())
			}
		}
	}
	// Output:
	// GET https://graph.microsoft.com/v1.0/security/alerts_v2?$filter=severity%20eq%20'high'%20and%20evidence/any(e:%20e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName%20eq%20'alice@contoso.com')&$top=50
	// Suspicious execution of hidden file high
	//   device pc123.contoso.com suspicious
	//   user alice@contoso.com
	//   kept as raw JSON: #microsoft.graph.security.aiAgentEvidence
}

// Triage an alert: assign it, classify it and comment on it.
func ExampleAlertsService_Update() {
	srv, c := fakeGraph(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPatch:
			var body map[string]any
			_ = json.NewDecoder(r.Body).Decode(&body)
			fmt.Println("PATCH body:", body)
			fmt.Fprint(w, strings.Replace(exampleAlert, `"status":"new"`, `"status":"inProgress"`, 1))
		case http.MethodPost:
			fmt.Fprint(w, `{"value":[{"comment":"Looking into it","createdByDisplayName":"secAdmin@contoso.com","createdDateTime":"2022-10-13T07:08:40.3825324Z"}]}`)
		}
	})
	defer srv.Close()
	ctx := context.Background()

	a, _, err := c.Alerts.Update(ctx, "da637551227677560813_-961444813", graph.AlertUpdate{
		AssignedTo:     graph.Some("secAdmin@contoso.com"),
		Status:         graph.Some(graph.AlertStatusInProgress),
		Classification: graph.Some(graph.AlertClassificationTruePositive),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("status now", a.Status)
	comments, _, _ := c.Alerts.AddComment(ctx, a.ID, "Looking into it")
	fmt.Println(len(comments), "comment(s), last:", comments[len(comments)-1].Comment)
	// Output:
	// PATCH body: map[assignedTo:secAdmin@contoso.com classification:truePositive status:inProgress]
	// status now inProgress
	// 1 comment(s), last: Looking into it
}

// Watch alerts_v2 without losing any: poll, save the state, resume later.
func ExampleAlertsService_NewCursor() {
	srv, c := fakeGraph(func(w http.ResponseWriter, r *http.Request) {
		// Every query returns the same alert; after the first poll it sits
		// on the cursor's boundary and is recognised as delivered.
		fmt.Fprint(w, `{"value":[`+exampleAlert+`]}`)
	})
	defer srv.Close()
	ctx := context.Background()

	cur, _ := c.Alerts.NewCursor(graph.CursorState{}, graph.CursorOptions{PageSize: 500})
	for a, err := range cur.Poll(ctx) {
		if err != nil {
			fmt.Println("poll stopped:", err) // the state still marks what was delivered
			break
		}
		fmt.Println("new or changed:", a.ID)
	}
	saved, _ := json.Marshal(cur.State())
	fmt.Println(string(saved))

	// After a restart:
	var st graph.CursorState
	_ = json.Unmarshal(saved, &st)
	cur, _ = c.Alerts.NewCursor(st, graph.CursorOptions{PageSize: 500})
	n := 0
	for _, err := range cur.Poll(ctx) {
		if err == nil {
			n++
		}
	}
	fmt.Println("delivered again after restart:", n)
	// Output:
	// new or changed: da637551227677560813_-961444813
	// {"since":"2021-05-02T14:19:01.3266667Z","seen":[{"id":"da637551227677560813_-961444813","lastUpdateDateTime":"2021-05-02T14:19:01.3266667Z"}]}
	// delivered again after restart: 0
}

// Show "retrying in …" while a 429 is waited out.
func ExampleWithRetryObserver() {
	calls := 0
	srv, c := fakeGraph(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "2.128")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":{"code":"TooManyRequests","message":"Please retry again later."}}`)
			return
		}
		fmt.Fprint(w, `{"id":"87d349ed-44d7-43e1-9a83-5f2406dee5bd","displayName":"Adele Vance"}`)
	})
	defer srv.Close()

	ctx := graph.WithRetryObserver(context.Background(), func(i graph.RetryInfo) {
		fmt.Printf("retrying in %v (attempt %d, status %d)\n", i.Wait, i.Attempt, i.StatusCode)
	})
	me, _, err := c.Users.Me(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(me.DisplayName)
	// Output:
	// retrying in 2.128s (attempt 2, status 429)
	// Adele Vance
}

// Branch on the kind of failure and show the request-id.
func ExampleError() {
	srv, c := fakeGraph(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("request-id", "4f00c76f-d4dc-465e-889a-d81dfa04969f")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"error":{"code":"Forbidden","message":"Missing application roles. API required roles: SecurityAlert.Read.All,SecurityAlert.ReadWrite.All, application roles: .","innerError":{"date":"2024-01-01T00:00:00","request-id":"4f00c76f-d4dc-465e-889a-d81dfa04969f"}}}`)
	})
	defer srv.Close()

	_, _, err := c.Alerts.Get(context.Background(), "a1")
	var ge *graph.Error
	switch {
	case errors.Is(err, graph.ErrForbidden) && errors.As(err, &ge):
		fmt.Println("permission missing; quote request-id", ge.RequestID)
	case errors.Is(err, graph.ErrNotFound):
		fmt.Println("no such alert")
	}
	// Output:
	// permission missing; quote request-id 4f00c76f-d4dc-465e-889a-d81dfa04969f
}

// The legacy federated API answers 206 when a provider fails.
func ExampleLegacyAlertsService_List() {
	srv, c := fakeGraph(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Warning", `199 - "Microsoft/WDATP/401/228"`)
		w.WriteHeader(http.StatusPartialContent)
		fmt.Fprint(w, `{"value":[{"id":"a1","title":"Ransomware activity","severity":"high","status":"newAlert","azureTenantId":"t","vendorInformation":{"provider":"IPC","vendor":"Microsoft"}}]}`)
	})
	defer srv.Close()

	page, resp, err := c.LegacyAlerts.List(context.Background(), graph.LegacyAlertQuery{TopPerProvider: 5, Severity: graph.LegacyAlertSeverityHigh})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(page.Value), "alert(s), status", resp.StatusCode)
	for _, w := range resp.Warnings {
		fmt.Printf("provider %s/%s failed with %d after %v\n", w.Vendor, w.Provider, w.StatusCode, w.Latency)
	}
	// Output:
	// 1 alert(s), status 206
	// provider Microsoft/WDATP failed with 401 after 228ms
}

// Mail an alert summary with an attachment.
func ExampleMailService_Send() {
	srv, c := fakeGraph(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.Method, r.URL.Path)
		w.WriteHeader(http.StatusAccepted)
	})
	defer srv.Close()

	resp, err := c.Mail.Send(context.Background(), "", graph.SendMail{
		Message: graph.Message{
			Subject:      "New high-severity alert",
			Body:         graph.HTMLBody("<p>Suspicious execution of hidden file</p>"),
			ToRecipients: graph.Recipients("soc@contoso.com"),
			Attachments:  []graph.FileAttachment{graph.NewFileAttachment("alert.json", "application/json", []byte(`{"id":"a1"}`))},
		},
		SaveToSentItems: graph.Some(false),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("queued:", resp.StatusCode == http.StatusAccepted)
	// Output:
	// POST /v1.0/me/sendMail
	// queued: true
}
