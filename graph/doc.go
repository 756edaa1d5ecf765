// Package graph is a small typed client for the Microsoft Graph endpoints a
// security console needs: alerts_v2, incidents, the legacy alerts API,
// secure score, security actions, change-notification subscriptions, users
// and mail.
//
// It exists instead of the official SDK because the SDK is large, slow to
// compile, and fails a whole alerts_v2 list on one enum value it does not
// know. Here enums are string types that keep unknown values, evidence of an
// unknown type is kept as raw JSON, throttling is waited out, and every body
// read is bounded.
//
// # Against Microsoft Graph, as a signed-in user (delegated)
//
// The console stores each user's token after the authorization-code flow
// and gives the client a source that refreshes it silently:
//
//	conf := &oauth2.Config{
//		ClientID:     clientID,
//		ClientSecret: clientSecret,
//		Endpoint:     endpoints.AzureAD(tenant), // login.microsoftonline.com/{tenant}/oauth2/v2.0/...
//		RedirectURL:  "http://localhost:5000/login/authorized",
//		Scopes:       append(graph.DelegatedScopes(), "offline_access"),
//	}
//	c, err := graph.New(graph.Options{
//		Tokens:     graph.DelegatedTokens(ctx, conf, storedToken, saveToken),
//		HTTPClient: sharedHTTPClient,
//		UserAgent:  "graphsec-console/1.0",
//	})
//	page, resp, err := c.Alerts.List(ctx, graph.Query{
//		Filter: graph.Eq("status", graph.Enum(graph.AlertStatusNew)),
//		Top:    50,
//	})
//
// [DelegatedScopes] lists the permissions to request and [ScopeFor] the
// ones that give an [Access], so that a program never spells a permission
// itself.
//
// # Against Microsoft Graph, as the application (app-only)
//
//	cc := &clientcredentials.Config{
//		ClientID:     clientID,
//		ClientSecret: clientSecret,
//		TokenURL:     "https://login.microsoftonline.com/" + tenant + "/oauth2/v2.0/token",
//		Scopes:       []string{"https://graph.microsoft.com/.default"},
//	}
//	c, err := graph.New(graph.Options{Tokens: graph.AppTokens(ctx, cc)})
//
// # Against the local emulator
//
// Only the two base URLs change (the identity endpoints and the Graph
// base URL); every code path is the same:
//
//	emu := "http://127.0.0.1:5001"
//	conf.Endpoint = oauth2.Endpoint{
//		AuthURL:  emu + "/" + tenant + "/oauth2/v2.0/authorize",
//		TokenURL: emu + "/" + tenant + "/oauth2/v2.0/token",
//	}
//	c, err := graph.New(graph.Options{
//		BaseURL: emu,
//		Tokens:  graph.DelegatedTokens(ctx, conf, storedToken, saveToken),
//	})
//
// and app-only:
//
//	cc.TokenURL = emu + "/" + tenant + "/oauth2/v2.0/token"
//	c, err := graph.New(graph.Options{BaseURL: emu, Tokens: graph.AppTokens(ctx, cc)})
//
// Tests start the emulator in-process with emulator.New and use its URL()
// and AuthorityURL() the same way; the package's examples do exactly that
// (a user's sign-in included, driven by emulator/emutest), and this
// package's own tests run every method against it.
//
// # What every request carries
//
// Accept: application/json, the configured User-Agent, a fresh
// client-request-id (a random UUID per request on the wire, retries
// included) with return-client-request-id: true, a bearer token (sent only
// to the base URL's scheme and host), and on alerts_v2 and incidents
// Prefer: include-unknown-enum-members. Each request on the wire has its own
// timeout (Options.Timeout).
//
// # Layers
//
// The transport is built from http.RoundTripper layers, outermost first:
// [RetryTransport] (429, 503, 504; Retry-After in seconds, fractional
// seconds or HTTP-date; otherwise exponential backoff with jitter; a cap on
// attempts and on total wait; non-idempotent methods retried only after
// 429), [AuthTransport] (bearer token; one forced refresh after 401
// InvalidAuthenticationToken), and a layer stamping client-request-id and
// the timeout. [WithRetryObserver] lets a page show "retrying in 3 s".
//
// # Results
//
// Calls return the value, a [*Response] (status, request-id,
// client-request-id, Retry-After, and per-provider Warnings of the legacy
// federated API) and an error. A non-2xx answer is a [*Error] with Graph's
// code, message, request-id and date, matching [ErrNotFound],
// [ErrThrottled], [ErrUnauthorized], [ErrForbidden] and [ErrBadRequest]
// with errors.Is.
//
// Lists return one [Page]; All methods return an iter.Seq2 over every item,
// following @odata.nextLink as is (only on the client's own host, and never
// the same link twice). For a live alerts_v2 feed use
// [AlertsService.NewCursor], which pages by time boundary and resumes from a
// saved [CursorState].
//
// # Showing the request
//
// Every list has a ...Request method that builds the request without
// sending it, and every Response carries the method and URL that were
// answered, so a console can show the exact REST call:
//
//	r, _ := c.LegacyAlerts.ListRequest(graph.LegacyAlertQuery{TopPerProvider: 5, Severity: "high"})
//	fmt.Println(r) // GET https://graph.microsoft.com/v1.0/security/alerts?$filter=severity%20eq%20'high'&$top=5
//
// For any other method, [WithRequestObserver] reports each request (PATCH
// body included) as it is sent, and [DryRun] builds it without sending.
//
// # Choices where Microsoft's documentation is silent
//
// These are documented in README.md next to this file.
package graph
