package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/graph"
)

// App-only access against the local emulator. Against Microsoft, the token
// URL is https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token and
// BaseURL is left empty (https://graph.microsoft.com); nothing else changes.
func Example_emulatorAppOnly() {
	emu, err := emulator.New(emulator.Options{Seed: 7})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer emu.Close()
	ctx := context.Background()

	cc := &clientcredentials.Config{
		ClientID:     emu.ClientID(),
		ClientSecret: emu.ClientSecret(),
		TokenURL:     emu.URL() + "/" + emu.TenantID() + "/oauth2/v2.0/token",
		Scopes:       []string{"https://graph.microsoft.com/.default"},
	}
	c, err := graph.New(graph.Options{BaseURL: emu.URL(), Tokens: graph.AppTokens(ctx, cc)})
	if err != nil {
		fmt.Println(err)
		return
	}

	high := graph.Query{Filter: graph.Eq("severity", graph.Enum(graph.AlertSeverityHigh)), Count: true, Top: 5}
	page, _, err := c.Alerts.List(ctx, high)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("more than one page of high-severity alerts: %v (%d on this one)\n", *page.Count > int64(len(page.Value)) && page.HasNext(), len(page.Value))
	incidents, _, err := c.Incidents.List(ctx, graph.IncidentQuery{Query: graph.Query{Top: 1}, ExpandAlerts: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("the newest incident has its alerts embedded:", len(incidents.Value[0].Alerts) > 0)
	_, _, err = c.Users.Me(ctx)
	fmt.Println("/me without a user:", graph.ErrorCode(err))
	// Output:
	// more than one page of high-severity alerts: true (5 on this one)
	// the newest incident has its alerts embedded: true
	// /me without a user: BadRequest
}

// A user signs in (authorization code with PKCE) and the client works on
// their behalf, refreshing their token as it expires. Against Microsoft
// the endpoint is endpoints.AzureAD(tenant) and BaseURL is left empty.
func Example_emulatorDelegated() {
	emu, err := emulator.New(emulator.Options{Seed: 7})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer emu.Close()
	ctx := context.Background()

	conf := &oauth2.Config{
		ClientID:     emu.ClientID(),
		ClientSecret: emu.ClientSecret(),
		RedirectURL:  emulator.DefaultRedirectURI,
		Endpoint: oauth2.Endpoint{
			AuthURL:  emu.AuthorityURL() + "/oauth2/v2.0/authorize",
			TokenURL: emu.AuthorityURL() + "/oauth2/v2.0/token",
		},
		Scopes: []string{"openid", "offline_access", "User.Read", "SecurityAlert.ReadWrite.All"},
	}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier))

	// The console redirects the user's browser to authURL; here emutest
	// plays the user, who picks their account on the sign-in page.
	var analyst string
	for _, u := range emu.Users() {
		if slices.Contains(u.Roles, "Security Operator") {
			analyst = u.ID
		}
	}
	end, err := emutest.NewBrowser().SignIn(authURL, analyst, emutest.SignInOptions{StopAt: conf.RedirectURL})
	if err != nil {
		fmt.Println(err)
		return
	}
	callback, _ := url.Parse(end.Location)
	tok, err := conf.Exchange(ctx, callback.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		fmt.Println(err)
		return
	}

	c, err := graph.New(graph.Options{
		BaseURL: emu.URL(),
		Tokens: graph.DelegatedTokens(ctx, conf, tok, func(t *oauth2.Token) {
			// Store the refreshed token in the user's session.
		}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	me, _, err := c.Users.Me(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signed in as", me.DisplayName)

	page, _, _ := c.Alerts.List(ctx, graph.Query{Filter: graph.Eq("status", graph.Enum(graph.AlertStatusNew)), Top: 1})
	a, _, err := c.Alerts.Update(ctx, page.Value[0].ID, graph.AlertUpdate{
		AssignedTo: graph.Some(me.UserPrincipalName),
		Status:     graph.Some(graph.AlertStatusInProgress),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("alert now", a.Status, "and assigned to", a.AssignedTo)
	// Output:
	// signed in as Priya Abernathy
	// alert now inProgress and assigned to priya.abernathy@graphsec-demo.onmicrosoft.com
}

// Subscribe to legacy security alerts. Graph first checks the notification
// URL with a validation request, which the receiver must answer with the
// token as plain text; the emulator does the same (and accepts http on
// loopback, where Graph requires https).
func ExampleSubscriptionsService_Create() {
	emu, err := emulator.New(emulator.Options{Seed: 7})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer emu.Close()
	ctx := context.Background()

	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token := r.URL.Query().Get("validationToken"); token != "" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, token) // decoded, exactly, within 10 seconds
			return
		}
		n, err := graph.DecodeChangeNotifications(r.Body, 0)
		if err == nil {
			_ = n // check each clientState against the stored one, store, answer fast
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer receiver.Close()

	cc := &clientcredentials.Config{
		ClientID: emu.ClientID(), ClientSecret: emu.ClientSecret(),
		TokenURL: emu.AuthorityURL() + "/oauth2/v2.0/token", Scopes: []string{"https://graph.microsoft.com/.default"},
	}
	c, err := graph.New(graph.Options{BaseURL: emu.URL(), Tokens: graph.AppTokens(ctx, cc)})
	if err != nil {
		fmt.Println(err)
		return
	}
	sub, resp, err := c.Subscriptions.Create(ctx, graph.Subscription{
		Resource:           "security/alerts?$filter=severity eq 'high'",
		ChangeType:         "created,updated",
		NotificationURL:    receiver.URL + "/notifications",
		ExpirationDateTime: time.Now().Add(graph.MaxAlertSubscriptionLifetime - time.Hour),
		ClientState:        "a-fresh-random-secret",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, sub.Resource, sub.ChangeType)

	list, _, _ := c.Subscriptions.List(ctx)
	fmt.Printf("listed: %d, clientState in the list: %q\n", len(list.Value), list.Value[0].ClientState)
	// Output:
	// 201 security/alerts?$filter=severity eq 'high' created,updated
	// listed: 1, clientState in the list: ""
}
