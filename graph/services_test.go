package graph

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const alertID = "da637551227677560813_-961444813"

// apiCase is one method call checked against the request Graph expects
// and answered as the facts file says Graph answers.
type apiCase struct {
	name     string
	call     func(ctx context.Context, c *Client) (any, *Response, error)
	method   string
	target   string // request target exactly as sent: escaped path and raw query
	prefer   string // Prefer header values joined by "|"
	reqBody  string // expected JSON body; "" for none
	status   int
	header   map[string]string
	respBody string
	check    func(t *testing.T, v any, resp *Response)
}

func two[T any](v T, r *Response, err error) (any, *Response, error) { return v, r, err }
func one(r *Response, err error) (any, *Response, error)             { return nil, r, err }

func TestServices(t *testing.T) {
	alertJSON := string(compactFixtureB(t, "alert_v2.json"))
	incidentJSON := fixture(t, "incident.json")
	legacyJSON := fixture(t, "legacy_alert.json")
	scoreJSON := fixture(t, "securescore.json")
	profileJSON := fixture(t, "controlprofile.json")
	actionJSON := fixture(t, "securityaction.json")
	subJSON := fixture(t, "subscription.json")
	userJSON := fixture(t, "user.json")
	vendorMS := SecurityVendorInformation{Provider: "IPC", Vendor: "Microsoft"}
	exp := time.Date(2026, 3, 20, 18, 23, 45, 935691300, time.UTC)

	cases := []apiCase{
		// users
		{name: "Users.Me", call: func(ctx context.Context, c *Client) (any, *Response, error) { return two(c.Users.Me(ctx)) },
			method: "GET", target: "/v1.0/me", status: 200, respBody: userJSON,
			check: func(t *testing.T, v any, _ *Response) {
				if u := v.(*User); u.UserPrincipalName != "AdeleV@contoso.com" {
					t.Errorf("%+v", u)
				}
			}},
		{name: "Users.Get by UPN with #", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Users.Get(ctx, "adele#v@contoso.com"))
		}, method: "GET", target: "/v1.0/users/adele%23v@contoso.com", status: 200, respBody: userJSON},
		{name: "Users.Get by UPN starting with $", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Users.Get(ctx, "$adele@contoso.com"))
		}, method: "GET", target: "/v1.0/users('$adele@contoso.com')", status: 200, respBody: userJSON},
		{name: "Users.List", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Users.List(ctx, Query{Select: []string{"displayName", "mail"}, Top: 10}))
		}, method: "GET", target: "/v1.0/users?$select=displayName,mail&$top=10", status: 200,
			respBody: `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(displayName,mail)","value":[{"displayName":"Adele Vance","mail":"AdeleV@contoso.com"}]}`,
			check: func(t *testing.T, v any, _ *Response) {
				if p := v.(*Page[User]); len(p.Value) != 1 || p.Value[0].Mail != "AdeleV@contoso.com" || p.HasNext() {
					t.Errorf("%+v", p)
				}
			}},

		// alerts_v2
		{name: "Alerts.List", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Alerts.List(ctx, Query{Filter: Eq("serviceSource", Enum(ServiceSourceMicrosoftDefenderForEndpoint)), Top: 1, Count: true}))
		}, method: "GET", target: "/v1.0/security/alerts_v2?$filter=serviceSource%20eq%20'microsoftDefenderForEndpoint'&$top=1&$count=true",
			prefer: "include-unknown-enum-members", status: 200,
			respBody: `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#security/alerts_v2","@odata.count":123,"@odata.nextLink":"https://graph.microsoft.com/v1.0/security/alerts_v2?$top=1&$skip=1","value":[` + alertJSON + `]}`,
			check: func(t *testing.T, v any, _ *Response) {
				p := v.(*Page[Alert])
				if *p.Count != 123 || !p.HasNext() || len(p.Value) != 1 || len(p.Value[0].Evidence) != 6 ||
					p.Context != "https://graph.microsoft.com/v1.0/$metadata#security/alerts_v2" {
					t.Errorf("%+v", p)
				}
			}},
		{name: "Alerts.Get", call: func(ctx context.Context, c *Client) (any, *Response, error) { return two(c.Alerts.Get(ctx, alertID)) },
			method: "GET", target: "/v1.0/security/alerts_v2/" + alertID, prefer: "include-unknown-enum-members", status: 200, respBody: alertJSON,
			check: func(t *testing.T, v any, _ *Response) {
				if a := v.(*Alert); a.ID != alertID {
					t.Errorf("%+v", a)
				}
			}},
		{name: "Alerts.Update", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Alerts.Update(ctx, alertID, AlertUpdate{AssignedTo: Some("secAdmin@contoso.onmicrosoft.com"),
				Classification: Some(AlertClassificationTruePositive), Determination: Some(AlertDeterminationMalware), Status: Some(AlertStatusInProgress)}))
		}, method: "PATCH", target: "/v1.0/security/alerts_v2/" + alertID, prefer: "include-unknown-enum-members",
			reqBody: `{"assignedTo":"secAdmin@contoso.onmicrosoft.com","classification":"truePositive","determination":"malware","status":"inProgress"}`,
			status:  200, respBody: strings.Replace(alertJSON, `"status":"new"`, `"status":"inProgress"`, 1),
			check: func(t *testing.T, v any, _ *Response) {
				if a := v.(*Alert); a.Status != AlertStatusInProgress {
					t.Errorf("status %q", a.Status)
				}
			}},
		{name: "Alerts.AddComment", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Alerts.AddComment(ctx, alertID, "Demo for docs"))
		}, method: "POST", target: "/v1.0/security/alerts_v2/" + alertID + "/comments", prefer: "include-unknown-enum-members",
			reqBody: `{"@odata.type":"microsoft.graph.security.alertComment","comment":"Demo for docs"}`, status: 200,
			respBody: `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#security/alerts_v2('` + alertID + `')/comments","value":[{"comment":"test","createdByDisplayName":"secAdmin@contoso.com","createdDateTime":"2022-10-13T07:08:30.1606766Z"},{"comment":"Demo for docs","createdByDisplayName":"secAdmin@contoso.com","createdDateTime":"2022-10-13T07:08:40.3825324Z"}]}`,
			check: func(t *testing.T, v any, _ *Response) {
				if cs := v.([]AlertComment); len(cs) != 2 || cs[1].Comment != "Demo for docs" {
					t.Errorf("%+v", cs)
				}
			}},

		// incidents
		{name: "Incidents.List with expand", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Incidents.List(ctx, IncidentQuery{Query: Query{Filter: And(Eq("status", Enum(IncidentStatusActive)), Eq("severity", Enum(AlertSeverityHigh))), Top: 50}, ExpandAlerts: true}))
		}, method: "GET", target: "/v1.0/security/incidents?$filter=status%20eq%20'active'%20and%20severity%20eq%20'high'&$expand=alerts&$top=50",
			prefer: "include-unknown-enum-members", status: 200,
			respBody: `{"value":[` + strings.TrimSuffix(strings.TrimSpace(incidentJSON), "}") + `,"alerts":[` + alertJSON + `]}]}`,
			check: func(t *testing.T, v any, _ *Response) {
				p := v.(*Page[Incident])
				if len(p.Value) != 1 || len(p.Value[0].Alerts) != 1 || p.Value[0].Alerts[0].ID != alertID {
					t.Errorf("%+v", p)
				}
			}},
		{name: "Incidents.List without expand", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Incidents.List(ctx, IncidentQuery{}))
		}, method: "GET", target: "/v1.0/security/incidents", prefer: "include-unknown-enum-members", status: 200, respBody: `{"value":[]}`},
		{name: "Incidents.List lowers $top to 50", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Incidents.List(ctx, IncidentQuery{Query: Query{Top: 100}}))
		}, method: "GET", target: "/v1.0/security/incidents?$top=50", prefer: "include-unknown-enum-members", status: 200, respBody: `{"value":[]}`},
		{name: "Incidents.ListAlerts lowers $top to 50", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Incidents.ListAlerts(ctx, "2972395", Query{Top: 500}))
		}, method: "GET", target: "/v1.0/security/incidents/2972395/alerts?$top=50", prefer: "include-unknown-enum-members", status: 200, respBody: `{"value":[]}`},
		{name: "Incidents.Get", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Incidents.Get(ctx, "2972395"))
		},
			method: "GET", target: "/v1.0/security/incidents/2972395", prefer: "include-unknown-enum-members", status: 200, respBody: incidentJSON},
		{name: "Incidents.Update", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Incidents.Update(ctx, "2972395", IncidentUpdate{Classification: Some(AlertClassificationTruePositive),
				Determination: Some(AlertDeterminationMultiStagedAttack), Status: Some(IncidentStatusResolved), CustomTags: Some([]string{"Demo"})}))
		}, method: "PATCH", target: "/v1.0/security/incidents/2972395", prefer: "include-unknown-enum-members",
			reqBody: `{"classification":"truePositive","customTags":["Demo"],"determination":"multiStagedAttack","status":"resolved"}`,
			status:  200, respBody: strings.Replace(incidentJSON, `"status": "Active"`, `"status": "resolved"`, 1),
			check: func(t *testing.T, v any, _ *Response) {
				if in := v.(*Incident); in.Status != IncidentStatusResolved {
					t.Errorf("%+v", in)
				}
			}},
		{name: "Incidents.ListAlerts", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Incidents.ListAlerts(ctx, "2972395", Query{Top: 5}))
		}, method: "GET", target: "/v1.0/security/incidents/2972395/alerts?$top=5", prefer: "include-unknown-enum-members", status: 200,
			respBody: `{"value":[` + alertJSON + `]}`},
		{name: "Incidents.AddComment", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Incidents.AddComment(ctx, "2972395", "Demo incident"))
		}, method: "POST", target: "/v1.0/security/incidents/2972395/comments", prefer: "include-unknown-enum-members",
			reqBody: `{"@odata.type":"microsoft.graph.security.alertComment","comment":"Demo incident"}`, status: 200,
			respBody: `{"value":[{"comment":"Demo incident","createdByDisplayName":"DavidS@contoso.onmicrosoft.com","createdDateTime":"2021-09-30T12:07:37.2756993Z"}]}`},

		// legacy alerts
		{name: "LegacyAlerts.List with the sample's form, 206", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.LegacyAlerts.List(ctx, LegacyAlertQuery{TopPerProvider: 5, Category: "ransomware", Provider: "Windows Defender ATP",
				Status: LegacyAlertStatusNewAlert, Severity: LegacyAlertSeverityHigh, HostFQDN: "pc123.contoso.com", UPN: "o'neil@contoso.com",
				AssignedTo: "analyst@contoso.com"}))
		}, method: "GET",
			target: "/v1.0/security/alerts?$filter=category%20eq%20'ransomware'%20and%20vendorInformation/provider%20eq%20'Windows%20Defender%20ATP'%20and%20status%20eq%20'newAlert'%20and%20severity%20eq%20'high'%20and%20hostStates/any(a:%20a/fqdn%20eq%20'pc123.contoso.com')%20and%20userStates/any(a:%20a/userPrincipalName%20eq%20'o''neil@contoso.com')%20and%20assignedTo%20eq%20'analyst@contoso.com'&$top=5",
			status: 206, header: map[string]string{"Warning": `199 - "Microsoft/WDATP/401/228", 199 - "Microsoft/IPC/504/10000"`},
			respBody: `{"value":[` + legacyJSON + `]}`,
			check: func(t *testing.T, v any, resp *Response) {
				p := v.(*Page[LegacyAlert])
				if len(p.Value) != 1 || resp.StatusCode != 206 {
					t.Errorf("page %+v status %d", p, resp.StatusCode)
				}
				if len(resp.Warnings) != 2 || resp.Warnings[0].Provider != "WDATP" || resp.Warnings[0].StatusCode != 401 ||
					resp.Warnings[1].Provider != "IPC" || resp.Warnings[1].Latency != 10*time.Second {
					t.Errorf("warnings %+v", resp.Warnings)
				}
			}},
		{name: "LegacyAlerts.List with raw filter and options", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.LegacyAlerts.List(ctx, LegacyAlertQuery{Filter: Raw("eventDateTime gt 2018-11-11T00:00:00.000Z"), Severity: "high",
				OrderBy: []string{"eventDateTime desc"}, Select: []string{"assignedTo", "category", "severity"}, Skip: 500, Count: true}))
		}, method: "GET",
			target: "/v1.0/security/alerts?$filter=severity%20eq%20'high'%20and%20(eventDateTime%20gt%202018-11-11T00:00:00.000Z)&$orderby=eventDateTime%20desc&$select=assignedTo,category,severity&$skip=500&$count=true",
			status: 200, respBody: `{"value":[]}`},
		{name: "LegacyAlerts.Get", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.LegacyAlerts.Get(ctx, "2518267293235538129_1d4ee1f6"))
		}, method: "GET", target: "/v1.0/security/alerts/2518267293235538129_1d4ee1f6", status: 200, respBody: legacyJSON},
		{name: "LegacyAlerts.Update 204", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			a, r, err := c.LegacyAlerts.Update(ctx, "a1", LegacyAlertUpdate{AssignedTo: Some("analyst@contoso.com"), Feedback: Some(LegacyAlertFeedbackTruePositive),
				Status: Some(LegacyAlertStatusInProgress), Comments: Some([]string{"Closed in IPC"}), VendorInformation: vendorMS})
			if a != nil {
				t.Errorf("204 returned an alert")
			}
			return nil, r, err
		}, method: "PATCH", target: "/v1.0/security/alerts/a1",
			reqBody: `{"assignedTo":"analyst@contoso.com","comments":["Closed in IPC"],"feedback":"truePositive","status":"inProgress","vendorInformation":{"provider":"IPC","providerVersion":null,"subProvider":null,"vendor":"Microsoft"}}`,
			status:  204},
		{name: "LegacyAlerts.Update with representation", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.LegacyAlerts.Update(ctx, "a1", LegacyAlertUpdate{Tags: Some([]string{}), VendorInformation: vendorMS, ReturnRepresentation: true}))
		}, method: "PATCH", target: "/v1.0/security/alerts/a1", prefer: "return=representation",
			reqBody: `{"tags":[],"vendorInformation":{"provider":"IPC","providerVersion":null,"subProvider":null,"vendor":"Microsoft"}}`,
			status:  200, respBody: legacyJSON,
			check: func(t *testing.T, v any, _ *Response) {
				if a := v.(*LegacyAlert); a == nil || a.Title != "Ransomware activity" {
					t.Errorf("%+v", a)
				}
			}},

		// secure score
		{name: "SecureScores.List", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.SecureScores.List(ctx, Query{Top: 7}))
		}, method: "GET", target: "/v1.0/security/secureScores?$top=7", status: 200, respBody: `{"value":[` + scoreJSON + `]}`},
		{name: "SecureScores.Latest", call: func(ctx context.Context, c *Client) (any, *Response, error) { return two(c.SecureScores.Latest(ctx)) },
			method: "GET", target: "/v1.0/security/secureScores?$top=1", status: 200, respBody: `{"value":[` + scoreJSON + `]}`,
			check: func(t *testing.T, v any, _ *Response) {
				if s := v.(*SecureScore); *s.CurrentScore != 48.5 {
					t.Errorf("%+v", s)
				}
			}},
		{name: "SecureScores.Get", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.SecureScores.Get(ctx, "00000001-0001-0001-0001-000000000001c_2019-03-19"))
		}, method: "GET", target: "/v1.0/security/secureScores/00000001-0001-0001-0001-000000000001c_2019-03-19", status: 200, respBody: scoreJSON},
		{name: "ControlProfiles.List", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.ControlProfiles.List(ctx, Query{}))
		}, method: "GET", target: "/v1.0/security/secureScoreControlProfiles", status: 200, respBody: `{"value":[` + profileJSON + `]}`},
		{name: "ControlProfiles.Get", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.ControlProfiles.Get(ctx, "NonOwnerAccess"))
		}, method: "GET", target: "/v1.0/security/secureScoreControlProfiles/NonOwnerAccess", status: 200, respBody: profileJSON},
		{name: "ControlProfiles.Update", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			p, r, err := c.ControlProfiles.Update(ctx, "NonOwnerAccess", ControlProfileUpdate{AssignedTo: Some(""), Comment: Some("Handled by a third party"),
				State: Some(ControlStateThirdParty), VendorInformation: SecurityVendorInformation{Provider: "SecureScore", Vendor: "Microsoft"}})
			if p != nil {
				t.Error("204 returned a profile")
			}
			return nil, r, err
		}, method: "PATCH", target: "/v1.0/security/secureScoreControlProfiles/NonOwnerAccess",
			reqBody: `{"assignedTo":"","comment":"Handled by a third party","state":"ThirdParty","vendorInformation":{"provider":"SecureScore","providerVersion":null,"subProvider":null,"vendor":"Microsoft"}}`,
			status:  204},
		{name: "ControlProfiles.Update with representation", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.ControlProfiles.Update(ctx, "NonOwnerAccess", ControlProfileUpdate{State: Some(ControlStateIgnored),
				VendorInformation: SecurityVendorInformation{Provider: "SecureScore", Vendor: "Microsoft"}, ReturnRepresentation: true}))
		}, method: "PATCH", target: "/v1.0/security/secureScoreControlProfiles/NonOwnerAccess", prefer: "return=representation",
			reqBody: `{"state":"Ignored","vendorInformation":{"provider":"SecureScore","providerVersion":null,"subProvider":null,"vendor":"Microsoft"}}`,
			status:  200, respBody: profileJSON},

		// security actions (beta)
		{name: "SecurityActions.Create", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.SecurityActions.Create(ctx, NewSecurityAction{Name: "BlockIp", ActionReason: "Test",
				Parameters:        []KeyValuePair{{Name: "IP", Value: "1.2.3.4"}},
				VendorInformation: SecurityVendorInformation{Provider: "Windows Defender ATP", Vendor: "Microsoft"}}))
		}, method: "POST", target: "/beta/security/securityActions",
			reqBody: `{"name":"BlockIp","actionReason":"Test","parameters":[{"name":"IP","value":"1.2.3.4"}],"vendorInformation":{"provider":"Windows Defender ATP","providerVersion":null,"subProvider":null,"vendor":"Microsoft"}}`,
			status:  201, respBody: actionJSON,
			check: func(t *testing.T, v any, resp *Response) {
				if a := v.(*SecurityAction); a.Status != OperationStatusNotStarted || resp.StatusCode != 201 {
					t.Errorf("%+v", a)
				}
			}},
		{name: "SecurityActions.List", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.SecurityActions.List(ctx, Query{}))
		}, method: "GET", target: "/beta/security/securityActions", status: 200, respBody: `{"value":[` + actionJSON + `]}`},
		{name: "SecurityActions.Get", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.SecurityActions.Get(ctx, "e8b6d6b0-0c3a-4f43-8b56-0d6c3e1d5a7e"))
		}, method: "GET", target: "/beta/security/securityActions/e8b6d6b0-0c3a-4f43-8b56-0d6c3e1d5a7e", status: 200, respBody: actionJSON},
		{name: "SecurityActions.Cancel", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return one(c.SecurityActions.Cancel(ctx, "e8b6d6b0"))
		}, method: "POST", target: "/beta/security/securityActions/e8b6d6b0/cancelSecurityAction", status: 200},

		// subscriptions
		{name: "Subscriptions.Create", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Subscriptions.Create(ctx, Subscription{ID: "ignored", ChangeType: "updated", Resource: "security/alerts?$filter=status eq 'NewAlert'",
				NotificationURL: "https://console.example/listen", LifecycleNotificationURL: "https://console.example/lifecycle",
				ClientState: "s3cret", ExpirationDateTime: exp.In(time.FixedZone("JST", 9*3600))}))
		}, method: "POST", target: "/v1.0/subscriptions",
			reqBody: `{"changeType":"updated","clientState":"s3cret","expirationDateTime":"2026-03-20T18:23:45.9356913Z","lifecycleNotificationUrl":"https://console.example/lifecycle","notificationUrl":"https://console.example/listen","resource":"security/alerts?$filter=status eq 'NewAlert'"}`,
			status:  201, respBody: subJSON,
			check: func(t *testing.T, v any, _ *Response) {
				if s := v.(*Subscription); s.ID != "7f105c7d-2dc5-4530-97cd-4e7ae6534c07" {
					t.Errorf("%+v", s)
				}
			}},
		{name: "Subscriptions.Get", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Subscriptions.Get(ctx, "7f105c7d-2dc5-4530-97cd-4e7ae6534c07"))
		}, method: "GET", target: "/v1.0/subscriptions/7f105c7d-2dc5-4530-97cd-4e7ae6534c07", status: 200, respBody: subJSON},
		{name: "Subscriptions.List", call: func(ctx context.Context, c *Client) (any, *Response, error) { return two(c.Subscriptions.List(ctx)) },
			method: "GET", target: "/v1.0/subscriptions", status: 200,
			respBody: `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#subscriptions","value":[` + strings.Replace(subJSON, `"secretClientValue"`, `null`, 1) + `]}`,
			check: func(t *testing.T, v any, _ *Response) {
				if p := v.(*Page[Subscription]); len(p.Value) != 1 || p.Value[0].ClientState != "" {
					t.Errorf("%+v", p)
				}
			}},
		{name: "Subscriptions.Renew", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return two(c.Subscriptions.Renew(ctx, "7f105c7d", exp))
		}, method: "PATCH", target: "/v1.0/subscriptions/7f105c7d", reqBody: `{"expirationDateTime":"2026-03-20T18:23:45.9356913Z"}`,
			status: 200, respBody: subJSON},
		{name: "Subscriptions.Delete", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return one(c.Subscriptions.Delete(ctx, "7f105c7d"))
		}, method: "DELETE", target: "/v1.0/subscriptions/7f105c7d", status: 204},
		{name: "Subscriptions.Reauthorize", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return one(c.Subscriptions.Reauthorize(ctx, "7f105c7d"))
		}, method: "POST", target: "/v1.0/subscriptions/7f105c7d/reauthorize", status: 204},

		// mail
		{name: "Mail.Send from me", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return one(c.Mail.Send(ctx, "", SendMail{Message: Message{
				Subject:       "Meet for lunch?",
				Body:          TextBody("The new cafeteria is open."),
				ToRecipients:  []Recipient{{EmailAddress: EmailAddress{Address: "frannis@contoso.com", Name: "Fran"}}},
				CcRecipients:  Recipients("danas@contoso.com"),
				BccRecipients: Recipients("audit@contoso.com"),
				Attachments:   []FileAttachment{{Name: "attachment.txt", ContentType: "text/plain", ContentBytes: []byte("Hello World!")}},
			}, SaveToSentItems: Some(false)}))
		}, method: "POST", target: "/v1.0/me/sendMail",
			reqBody: `{"message":{"subject":"Meet for lunch?","body":{"contentType":"text","content":"The new cafeteria is open."},
				"toRecipients":[{"emailAddress":{"address":"frannis@contoso.com","name":"Fran"}}],
				"ccRecipients":[{"emailAddress":{"address":"danas@contoso.com"}}],"bccRecipients":[{"emailAddress":{"address":"audit@contoso.com"}}],
				"attachments":[{"@odata.type":"#microsoft.graph.fileAttachment","name":"attachment.txt","contentType":"text/plain","contentBytes":"SGVsbG8gV29ybGQh"}]},
				"saveToSentItems":false}`,
			status: 202,
			check: func(t *testing.T, _ any, resp *Response) {
				if resp.StatusCode != 202 {
					t.Errorf("status %d", resp.StatusCode)
				}
			}},
		{name: "Mail.Send as a user, HTML", call: func(ctx context.Context, c *Client) (any, *Response, error) {
			return one(c.Mail.Send(ctx, "soc@contoso.com", SendMail{Message: Message{Subject: "Alert", Body: HTMLBody("<p>New alert</p>"),
				ToRecipients: Recipients("analyst@contoso.com"), Importance: ImportanceHigh}}))
		}, method: "POST", target: "/v1.0/users/soc@contoso.com/sendMail",
			reqBody: `{"message":{"subject":"Alert","body":{"contentType":"html","content":"<p>New alert</p>"},"toRecipients":[{"emailAddress":{"address":"analyst@contoso.com"}}],"importance":"high"}}`,
			status:  202},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				checkCommonHeaders(t, r, "token-1")
				if r.Method != tc.method {
					t.Errorf("method %s, want %s", r.Method, tc.method)
				}
				if r.RequestURI != tc.target {
					t.Errorf("request target\n got %s\nwant %s", r.RequestURI, tc.target)
				}
				if got := strings.Join(r.Header.Values("Prefer"), "|"); got != tc.prefer {
					t.Errorf("Prefer %q, want %q", got, tc.prefer)
				}
				body, _ := io.ReadAll(r.Body)
				if tc.reqBody == "" {
					if len(body) != 0 {
						t.Errorf("unexpected body %s", body)
					}
				} else {
					if ct := r.Header.Get("Content-Type"); ct != "application/json" {
						t.Errorf("Content-Type %q", ct)
					}
					jsonEqual(t, body, tc.reqBody)
				}
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				if tc.status == 204 || tc.respBody == "" {
					w.Header().Set("request-id", "req-"+r.Header.Get("client-request-id"))
					w.WriteHeader(tc.status)
					return
				}
				writeJSON(w, r, tc.status, tc.respBody)
			})
			v, resp, err := tc.call(context.Background(), env.c)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if calls.Load() != 1 {
				t.Errorf("%d requests", calls.Load())
			}
			if resp == nil || resp.StatusCode != tc.status || !strings.HasPrefix(resp.RequestID, "req-") || resp.Method != tc.method ||
				resp.URL != env.srv.URL+tc.target {
				t.Errorf("response %+v", resp)
			}
			if tc.check != nil {
				tc.check(t, v, resp)
			}
		})
	}
}

func compactFixtureB(t *testing.T, name string) []byte { return compactFixture(t, name) }

func TestServiceErrorsCarryResponse(t *testing.T) {
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		writeGraphError(w, r, 404, "ResourceNotFound", "Alert not found")
	})
	a, resp, err := env.c.Alerts.Get(context.Background(), "missing")
	if a != nil || !errors.Is(err, ErrNotFound) || resp == nil || resp.StatusCode != 404 {
		t.Fatalf("%v %v %v", a, resp, err)
	}
	var ge *Error
	errors.As(err, &ge)
	if ge.RequestID != resp.RequestID || ge.ClientRequestID != resp.ClientRequestID || ge.Method != "GET" ||
		!strings.HasSuffix(ge.URL, "/v1.0/security/alerts_v2/missing") || ge.Date.IsZero() {
		t.Errorf("%+v vs %+v", ge, resp)
	}
}

func TestSecureScoreLatestEmpty(t *testing.T) {
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, r, 200, `{"value":[]}`) })
	if _, _, err := env.c.SecureScores.Latest(context.Background()); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v", err)
	}
}

func TestValidationBeforeSending(t *testing.T) {
	ctx := context.Background()
	vendor := SecurityVendorInformation{Provider: "IPC", Vendor: "Microsoft"}
	sub := Subscription{ChangeType: "updated", Resource: "security/alerts", NotificationURL: "https://x", ExpirationDateTime: testNow}
	tests := []struct {
		name string
		call func(c *Client) error
	}{
		{"alert update sets nothing", func(c *Client) error { _, _, err := c.Alerts.Update(ctx, "a", AlertUpdate{}); return err }},
		{"incident update sets nothing", func(c *Client) error { _, _, err := c.Incidents.Update(ctx, "1", IncidentUpdate{}); return err }},
		{"legacy update without vendor", func(c *Client) error {
			_, _, err := c.LegacyAlerts.Update(ctx, "a", LegacyAlertUpdate{Status: Some(LegacyAlertStatusResolved)})
			return err
		}},
		{"control profile update without vendor", func(c *Client) error {
			_, _, err := c.ControlProfiles.Update(ctx, "p", ControlProfileUpdate{State: Some(ControlStateIgnored)})
			return err
		}},
		{"empty comment", func(c *Client) error { _, _, err := c.Alerts.AddComment(ctx, "a", ""); return err }},
		{"huge comment", func(c *Client) error {
			_, _, err := c.Incidents.AddComment(ctx, "1", strings.Repeat("x", maxCommentLen+1))
			return err
		}},
		{"id ..", func(c *Client) error { _, _, err := c.Alerts.Get(ctx, ".."); return err }},
		{"empty id", func(c *Client) error { _, _, err := c.Incidents.Get(ctx, ""); return err }},
		{"bad id in update", func(c *Client) error {
			_, _, err := c.Alerts.Update(ctx, "", AlertUpdate{Status: Some(AlertStatusNew)})
			return err
		}},
		{"bad id in incident update", func(c *Client) error {
			_, _, err := c.Incidents.Update(ctx, ".", IncidentUpdate{Status: Some(IncidentStatusActive)})
			return err
		}},
		{"bad id in comments", func(c *Client) error { _, _, err := c.Incidents.AddComment(ctx, "", "x"); return err }},
		{"bad id in alert comments", func(c *Client) error { _, _, err := c.Alerts.AddComment(ctx, "", "x"); return err }},
		{"bad id in incident alerts", func(c *Client) error { _, _, err := c.Incidents.ListAlerts(ctx, "", Query{}); return err }},
		{"bad id legacy", func(c *Client) error { _, _, err := c.LegacyAlerts.Get(ctx, ""); return err }},
		{"bad id legacy update", func(c *Client) error {
			_, _, err := c.LegacyAlerts.Update(ctx, "", LegacyAlertUpdate{VendorInformation: vendor})
			return err
		}},
		{"bad id secure score", func(c *Client) error { _, _, err := c.SecureScores.Get(ctx, ""); return err }},
		{"bad id control profile", func(c *Client) error { _, _, err := c.ControlProfiles.Get(ctx, ""); return err }},
		{"bad id control profile update", func(c *Client) error {
			_, _, err := c.ControlProfiles.Update(ctx, "", ControlProfileUpdate{VendorInformation: vendor})
			return err
		}},
		{"bad id security action", func(c *Client) error { _, _, err := c.SecurityActions.Get(ctx, ""); return err }},
		{"bad id cancel", func(c *Client) error { _, err := c.SecurityActions.Cancel(ctx, ""); return err }},
		{"bad id subscription", func(c *Client) error { _, _, err := c.Subscriptions.Get(ctx, ""); return err }},
		{"bad id renew", func(c *Client) error { _, _, err := c.Subscriptions.Renew(ctx, "", testNow); return err }},
		{"bad id delete", func(c *Client) error { _, err := c.Subscriptions.Delete(ctx, ".."); return err }},
		{"bad id reauthorize", func(c *Client) error { _, err := c.Subscriptions.Reauthorize(ctx, ""); return err }},
		{"bad user", func(c *Client) error { _, _, err := c.Users.Get(ctx, ""); return err }},
		{"bad mail user", func(c *Client) error {
			_, err := c.Mail.Send(ctx, "..", SendMail{Message: Message{ToRecipients: Recipients("a@b.c")}})
			return err
		}},
		{"legacy top over 1000", func(c *Client) error {
			_, _, err := c.LegacyAlerts.List(ctx, LegacyAlertQuery{TopPerProvider: 1001})
			return err
		}},
		{"legacy skip over 500", func(c *Client) error { _, _, err := c.LegacyAlerts.List(ctx, LegacyAlertQuery{Skip: 501}); return err }},
		{"legacy bad filter", func(c *Client) error {
			_, _, err := c.LegacyAlerts.List(ctx, LegacyAlertQuery{Filter: Eq("id", GUID("x"))})
			return err
		}},
		{"bad filter in list", func(c *Client) error { _, _, err := c.Alerts.List(ctx, Query{Filter: Eq("a b", Int(1))}); return err }},
		{"action without name", func(c *Client) error {
			_, _, err := c.SecurityActions.Create(ctx, NewSecurityAction{Parameters: []KeyValuePair{{"IP", "1"}}, VendorInformation: vendor})
			return err
		}},
		{"action without parameters", func(c *Client) error {
			_, _, err := c.SecurityActions.Create(ctx, NewSecurityAction{Name: "BlockIp", VendorInformation: vendor})
			return err
		}},
		{"action client context too long", func(c *Client) error {
			_, _, err := c.SecurityActions.Create(ctx, NewSecurityAction{Name: "BlockIp", Parameters: []KeyValuePair{{"IP", "1"}},
				ClientContext: strings.Repeat("é", 257), VendorInformation: vendor})
			return err
		}},
		{"action without vendor", func(c *Client) error {
			_, _, err := c.SecurityActions.Create(ctx, NewSecurityAction{Name: "BlockIp", Parameters: []KeyValuePair{{"IP", "1"}}})
			return err
		}},
		{"subscription without resource", func(c *Client) error {
			s := sub
			s.Resource = ""
			_, _, err := c.Subscriptions.Create(ctx, s)
			return err
		}},
		{"subscription without expiration", func(c *Client) error {
			s := sub
			s.ExpirationDateTime = time.Time{}
			_, _, err := c.Subscriptions.Create(ctx, s)
			return err
		}},
		{"renew without expiration", func(c *Client) error { _, _, err := c.Subscriptions.Renew(ctx, "s", time.Time{}); return err }},
		{"mail without recipients", func(c *Client) error { _, err := c.Mail.Send(ctx, "", SendMail{}); return err }},
		{"mail recipient without address", func(c *Client) error {
			_, err := c.Mail.Send(ctx, "", SendMail{Message: Message{CcRecipients: []Recipient{{}}}})
			return err
		}},
		{"attachment without name", func(c *Client) error {
			_, err := c.Mail.Send(ctx, "", SendMail{Message: Message{ToRecipients: Recipients("a@b.c"), Attachments: []FileAttachment{{ContentBytes: []byte("x")}}}})
			return err
		}},
		{"attachments too large", func(c *Client) error {
			big := make([]byte, MaxAttachmentBytes/2+1)
			_, err := c.Mail.Send(ctx, "", SendMail{Message: Message{ToRecipients: Recipients("a@b.c"),
				Attachments: []FileAttachment{NewFileAttachment("a", "", big), NewFileAttachment("b", "", big)}}})
			return err
		}},
		{"path without slash", func(c *Client) error { _, err := c.NewRequest("GET", "v1.0/me", "", nil); return err }},
		{"bad iterator query", func(c *Client) error {
			for _, err := range c.Alerts.All(ctx, Query{Top: -1}, 0) {
				return err
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, func(w http.ResponseWriter, r *http.Request) { t.Errorf("request sent: %s %s", r.Method, r.URL) })
			if err := tt.call(env.c); !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("err = %v, want ErrInvalidArgument", err)
			}
		})
	}
}

func TestMailAttachmentDefaults(t *testing.T) {
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		jsonEqual(t, b, `{"message":{"toRecipients":[{"emailAddress":{"address":"a@b.c"}}],"attachments":[{"@odata.type":"#microsoft.graph.fileAttachment","name":"empty.txt","contentBytes":""}]}}`)
		w.WriteHeader(202)
	})
	m := SendMail{Message: Message{ToRecipients: Recipients("a@b.c"), Attachments: []FileAttachment{{Name: "empty.txt"}}}}
	if _, err := env.c.Mail.Send(context.Background(), "", m); err != nil {
		t.Fatal(err)
	}
	if m.Message.Attachments[0].ODataType != "" {
		t.Error("Send modified the caller's message")
	}
}

func TestNewOptions(t *testing.T) {
	for _, bad := range []string{"ftp://x", "graph.microsoft.com", "https://", "https://h/?q=1", "https://h/#f", "https://u:p@h", "::"} {
		if _, err := New(Options{BaseURL: bad}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
	c, err := New(Options{})
	if err != nil || c.BaseURL() != DefaultBaseURL {
		t.Fatalf("%v %v", c, err)
	}
	r, err := c.Users.ListRequest(Query{Top: 5})
	if err != nil || r.String() != "GET https://graph.microsoft.com/v1.0/users?$top=5" || r.Header.Get("User-Agent") != DefaultUserAgent {
		t.Errorf("%v %v", r, err)
	}
	c, _ = New(Options{BaseURL: "http://127.0.0.1:5001/graph/"})
	r, _ = c.Alerts.ListRequest(Query{})
	if r.URL != "http://127.0.0.1:5001/graph/v1.0/security/alerts_v2" {
		t.Errorf("path prefix: %s", r.URL)
	}
}

func TestRequestDisplay(t *testing.T) {
	c, _ := New(Options{})
	r, err := c.LegacyAlerts.ListRequest(LegacyAlertQuery{TopPerProvider: 5, Severity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.String(); got != "GET https://graph.microsoft.com/v1.0/security/alerts?$filter=severity%20eq%20'high'&$top=5" {
		t.Errorf("%s", got)
	}
	r, _ = c.Incidents.ListRequest(IncidentQuery{Query: Query{Expand: []string{"alerts"}}, ExpandAlerts: true})
	if !strings.HasSuffix(r.URL, "?$expand=alerts") {
		t.Errorf("expand duplicated: %s", r.URL)
	}
	for _, f := range []func() (*Request, error){
		func() (*Request, error) { return c.SecureScores.ListRequest(Query{}) },
		func() (*Request, error) { return c.ControlProfiles.ListRequest(Query{}) },
		func() (*Request, error) { return c.SecurityActions.ListRequest(Query{}) },
		func() (*Request, error) { return c.Incidents.ListAlertsRequest("1", Query{}) },
	} {
		if r, err := f(); err != nil || !strings.HasPrefix(r.URL, "https://graph.microsoft.com/") {
			t.Errorf("%v %v", r, err)
		}
	}
}

func TestDryRunAndRequestObserver(t *testing.T) {
	var calls atomic.Int32
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, r, 200, string(compactFixtureB(t, "alert_v2.json")))
	})
	var seen []*Request
	ctx := WithRequestObserver(context.Background(), func(r *Request) { seen = append(seen, r) })
	u := AlertUpdate{Status: Some(AlertStatusResolved), Classification: Some(AlertClassificationFalsePositive)}

	_, _, err := env.c.Alerts.Update(DryRun(ctx), alertID, u)
	if !errors.Is(err, ErrDryRun) || calls.Load() != 0 {
		t.Fatalf("dry run: %v, %d requests", err, calls.Load())
	}
	if _, _, err := env.c.Alerts.Update(ctx, alertID, u); err != nil || calls.Load() != 1 {
		t.Fatalf("real run: %v", err)
	}
	if len(seen) != 2 {
		t.Fatalf("observer saw %d requests", len(seen))
	}
	for _, r := range seen {
		if r.String() != "PATCH "+env.srv.URL+"/v1.0/security/alerts_v2/"+alertID ||
			string(r.Body) != `{"classification":"falsePositive","status":"resolved"}` || r.Header.Get("Prefer") != "include-unknown-enum-members" {
			t.Errorf("observed %s %s %v", r, r.Body, r.Header)
		}
	}
	for range env.c.Alerts.All(DryRun(context.Background()), Query{}, 0) {
	}
	if calls.Load() != 1 {
		t.Error("a dry-run iterator sent a request")
	}
}

func TestUsersCountConsistencyLevel(t *testing.T) {
	var pages atomic.Int32
	var env *testEnv
	env = newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("ConsistencyLevel") != "eventual" {
			t.Errorf("page %d without ConsistencyLevel", pages.Load()+1)
		}
		if pages.Add(1) == 1 {
			writeJSON(w, r, 200, `{"@odata.count":2,"value":[{"id":"a"}],"@odata.nextLink":"`+env.srv.URL+`/v1.0/users?$count=true&$skiptoken=x"}`)
			return
		}
		writeJSON(w, r, 200, `{"value":[{"id":"b"}]}`)
	})
	n, err := drain2(env.c.Users.All(context.Background(), Query{Count: true}, 0))
	if err != nil || n != 2 {
		t.Errorf("%d %v", n, err)
	}
}
