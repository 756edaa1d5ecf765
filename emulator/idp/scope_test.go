package idp

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseScopes(t *testing.T) {
	tests := []struct {
		in   string
		want scopeRequest
		code int // AADSTS code of the ScopeError; -1 for errScopeEmpty
	}{
		{in: "openid profile offline_access User.Read", want: scopeRequest{Graph: []string{"User.Read"}, OIDC: []string{"openid", "profile", "offline_access"}}},
		{in: "https://graph.microsoft.com/user.read  mail.send\tOPENID", want: scopeRequest{Graph: []string{"User.Read", "Mail.Send"}, OIDC: []string{"openid"}}},
		{in: "00000003-0000-0000-c000-000000000000/SecurityAlert.Read.All", want: scopeRequest{Graph: []string{"SecurityAlert.Read.All"}}},
		{in: "User.Read user.read https://graph.microsoft.com/User.Read", want: scopeRequest{Graph: []string{"User.Read"}}},
		{in: "openid https://graph.microsoft.com/.default", want: scopeRequest{GraphDefault: true, OIDC: []string{"openid"}}},
		{in: "00000003-0000-0000-c000-000000000000/.default", want: scopeRequest{GraphDefault: true}},
		{in: "https://graph.microsoft.com/openid", want: scopeRequest{OIDC: []string{"openid"}}},
		{in: "", code: -1},
		{in: " \t ", code: -1},
		{in: "Files.Read", code: 70011},
		{in: "https://graph.microsoft.com/Files.Read", code: 70011},
		{in: "User.Read https://graph.microsoft.com/.default", code: 70011},
		{in: "api://fabrikam/read", code: 500011},
		{in: "https://outlook.office.com/Mail.Read", code: 500011},
		{in: "User.Read\"", code: 70011},
		{in: "User.\\Read", code: 70011},
		{in: "Usér.Read", code: 70011},
		{in: strings.Repeat("User.Read ", maxScopeItems+1), code: 70011},
		{in: strings.Repeat("x", maxScopeBytes+1), code: 70011},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseScopes(tt.in)
			var se *ScopeError
			switch {
			case tt.code == -1:
				if !errors.Is(err, errScopeEmpty) {
					t.Fatalf("err %v", err)
				}
			case tt.code != 0:
				if !errors.As(err, &se) || se.Code != tt.code || !strings.HasPrefix(se.aad().Error(), fmt.Sprintf("AADSTS%d: ", tt.code)) {
					t.Fatalf("err %v", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatal(diff)
				}
			}
		})
	}
}

func TestClientCredentialsScope(t *testing.T) {
	tests := []struct {
		in   string
		code int
	}{
		{"https://graph.microsoft.com/.default", 0},
		{" 00000003-0000-0000-c000-000000000000/.default ", 0},
		{"https://graph.microsoft.com/User.Read", 1002012},
		{"User.Read", 1002012},
		{"https://graph.microsoft.com/.default offline_access", 0},
		// What MSAL sends (azidentity, the Graph SDKs).
		{"https://graph.microsoft.com/.default openid offline_access profile", 0},
		{"openid profile", 70011},
		{"https://graph.microsoft.com/.default https://graph.microsoft.com/User.Read", 70011},
		{"api://x/.default", 500011},
		{strings.Repeat("a", maxScopeBytes+1), 70011},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			se := parseClientCredentialsScope(tt.in)
			if (se == nil) != (tt.code == 0) || (se != nil && se.Code != tt.code) {
				t.Fatalf("%+v", se)
			}
		})
	}
}

func TestScopeSubset(t *testing.T) {
	explicit := scopeRequest{Graph: []string{"User.Read", "Mail.Send"}, OIDC: []string{"openid", "offline_access"}}
	dflt := scopeRequest{GraphDefault: true, OIDC: []string{"offline_access"}}
	tests := []struct {
		name        string
		asked, orig scopeRequest
		ok          bool
		names       string // the scope the error names
	}{
		{"same", explicit, explicit, true, ""},
		{"fewer", scopeRequest{Graph: []string{"mail.send"}}, explicit, true, ""},
		{"extra graph", scopeRequest{Graph: []string{"User.Read.All"}}, explicit, false, "User.Read.All"},
		{"extra oidc", scopeRequest{OIDC: []string{"email"}}, explicit, false, "email"},
		{".default not granted", scopeRequest{GraphDefault: true}, explicit, false, ".default"},
		{"explicit within .default", scopeRequest{Graph: []string{"SecurityAlert.Read.All"}}, dflt, true, ""},
		{".default within .default", scopeRequest{GraphDefault: true, OIDC: []string{"offline_access"}}, dflt, true, ""},
		{"oidc outside .default", scopeRequest{OIDC: []string{"openid"}}, dflt, false, "openid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scopeSubset(tt.asked, tt.orig); got != tt.ok {
				t.Fatalf("scopeSubset = %v", got)
			}
			if !tt.ok && !strings.Contains(scopeNotGranted(tt.asked, tt.orig).Message, "'"+tt.names+"'") {
				t.Fatalf("message %q", scopeNotGranted(tt.asked, tt.orig).Message)
			}
		})
	}
}

func TestTokenErrorIs(t *testing.T) {
	err := fmt.Errorf("gate: %w", &TokenError{Kind: TokenExpired})
	if !errors.Is(err, ErrTokenExpired) || errors.Is(err, ErrTokenAudience) || errors.Is(err, errors.New("x")) {
		t.Fatal("errors.Is by kind")
	}
	if (&TokenError{Kind: TokenErrorKind(99)}).Error() != "Access token validation failure." {
		t.Fatal("unknown kind message")
	}
}

func TestDotnetSpan(t *testing.T) {
	for d, want := range map[string]string{"2160h": "90.00:00:00", "25h1m1s": "1.01:01:01", "0s": "0.00:00:00"} {
		dd, _ := time.ParseDuration(d)
		if got := dotnetSpan(dd); got != want {
			t.Errorf("%s: %s, want %s", d, got, want)
		}
	}
}
