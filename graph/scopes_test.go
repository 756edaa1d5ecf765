package graph

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestScopes(t *testing.T) {
	want := map[Access][]string{
		AccessReadProfile:         {"User.Read"},
		AccessReadAlerts:          {"SecurityAlert.Read.All", "SecurityAlert.ReadWrite.All"},
		AccessWriteAlerts:         {"SecurityAlert.ReadWrite.All"},
		AccessReadIncidents:       {"SecurityIncident.Read.All", "SecurityIncident.ReadWrite.All"},
		AccessWriteIncidents:      {"SecurityIncident.ReadWrite.All"},
		AccessReadSecurityEvents:  {"SecurityEvents.Read.All", "SecurityEvents.ReadWrite.All"},
		AccessWriteSecurityEvents: {"SecurityEvents.ReadWrite.All"},
		AccessSendMail:            {"Mail.Send"},
	}
	requested := DelegatedScopes()
	for a, w := range want {
		if got := ScopeFor(a); !slices.Equal(got, w) {
			t.Errorf("ScopeFor(%d) = %v, want %v", a, got, w)
		}
		// What is requested at sign-in grants every access.
		if !slices.ContainsFunc(ScopeFor(a), func(s string) bool { return slices.Contains(requested, s) }) {
			t.Errorf("DelegatedScopes %v grants nothing of %v", requested, ScopeFor(a))
		}
	}
	if ScopeFor(0) != nil {
		t.Error("an unknown access has scopes")
	}
	requested[0] = "changed"
	if DelegatedScopes()[0] == "changed" {
		t.Error("DelegatedScopes shares its slice")
	}
}

func TestAppRoles(t *testing.T) {
	want := map[AppAccess][]string{
		AppAccessReadSecurityActions:  {"SecurityActions.Read.All", "SecurityActions.ReadWrite.All"},
		AppAccessWriteSecurityActions: {"SecurityActions.ReadWrite.All"},
		0:                             nil,
	}
	for a, w := range want {
		if got := AppRoleFor(a); !slices.Equal(got, w) {
			t.Errorf("AppRoleFor(%d) = %v, want %v", a, got, w)
		}
	}
}

func TestMembers(t *testing.T) {
	if got := AlertSeverities(); !slices.Equal(got, []AlertSeverity{AlertSeverityUnknown, AlertSeverityInformational, AlertSeverityLow, AlertSeverityMedium, AlertSeverityHigh}) {
		t.Errorf("AlertSeverities = %v", got)
	}
	// Members after the sentinel are listed; the sentinel is not.
	src := ServiceSources()
	if slices.Contains(src, ServiceSourceUnknownFutureValue) || !slices.Contains(src, ServiceSourceMicrosoftSentinel) {
		t.Errorf("ServiceSources = %v", src)
	}
	for _, n := range [][]string{
		names(AlertStatuses()), names(AlertClassifications()), names(AlertDeterminations()), names(IncidentStatuses()),
		names(LegacyAlertStatuses()), names(LegacyAlertSeverities()), names(LegacyAlertFeedbacks()), names(src),
	} {
		if len(n) < 2 || slices.Contains(n, UnknownFutureValue) {
			t.Errorf("members %v", n)
		}
	}
	src[0] = "changed"
	if ServiceSources()[0] == "changed" {
		t.Error("ServiceSources shares its slice")
	}
}

func names[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func TestExplorerURL(t *testing.T) {
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {})
	c := env.c
	r, err := c.LegacyAlerts.ListRequest(LegacyAlertQuery{TopPerProvider: 5, Category: "a&b c"})
	if err != nil {
		t.Fatal(err)
	}
	got := c.ExplorerURL(r)
	want := "https://developer.microsoft.com/graph/graph-explorer?request=security%2Falerts%3F%24filter%3Dcategory%2520eq%2520%27a%2526b%2520c%27%26%24top%3D5&method=GET&version=v1.0"
	if got != want {
		t.Errorf("ExplorerURL =\n%s\nwant\n%s", got, want)
	}
	if got := c.ExplorerURL(&Request{Method: "GET", URL: "https://evil.example/v1.0/me"}); got != "" {
		t.Errorf("foreign request: %q", got)
	}
	if got := c.ExplorerURL(&Request{Method: "GET", URL: env.srv.URL + "/v2.0/me"}); got != "" {
		t.Errorf("unknown version: %q", got)
	}
	beta := c.ExplorerURL(&Request{Method: "POST", URL: env.srv.URL + "/beta/security/securityActions"})
	if !strings.HasSuffix(beta, "request=security%2FsecurityActions&method=POST&version=beta") {
		t.Errorf("beta: %q", beta)
	}
}

func TestPing(t *testing.T) {
	for _, tt := range []struct {
		status int
		ok     bool
	}{{401, true}, {200, true}, {404, true}, {503, false}, {500, false}} {
		env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v1.0/" {
				t.Errorf("path %s", r.URL.Path)
			}
			writeGraphError(w, r, tt.status, "x", "y")
		}, func(o *Options) { o.Tokens = nil; o.Retry.MaxAttempts = 1 })
		err := env.c.Ping(context.Background())
		if (err == nil) != tt.ok {
			t.Errorf("%d: %v", tt.status, err)
		}
	}
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {})
	env.srv.Close()
	var ge *Error
	if err := env.c.Ping(context.Background()); err == nil || errors.As(err, &ge) {
		t.Errorf("closed server: %v", err)
	}
}
