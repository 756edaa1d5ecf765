package tenant

import (
	"errors"
	"slices"
	"testing"
)

func TestDirectoryUsersAndConsent(t *testing.T) {
	d := NewDirectory("11111111-2222-3333-4444-555555555555", "contoso.onmicrosoft.com", "Contoso")
	d.SetUsers([]User{
		{ID: "aaaaaaaa-0000-0000-0000-000000000001", UserPrincipalName: "Admin@contoso.onmicrosoft.com", Roles: []string{RoleGlobalAdministrator}},
		{ID: "aaaaaaaa-0000-0000-0000-000000000002", UserPrincipalName: "reader@contoso.onmicrosoft.com", Roles: []string{RoleSecurityReader}},
	})
	for _, key := range []string{"admin@CONTOSO.onmicrosoft.com", "AAAAAAAA-0000-0000-0000-000000000001"} {
		u, err := d.User(key)
		if err != nil || !u.CanGrantTenantConsent() || !u.CanWriteSecurity() {
			t.Fatalf("User(%q) = %+v, %v", key, u, err)
		}
	}
	r, _ := d.User("reader@contoso.onmicrosoft.com")
	if r.CanWriteSecurity() || !r.CanReadSecurity() || r.CanGrantTenantConsent() {
		t.Fatalf("reader permissions wrong: %+v", r)
	}
	if _, err := d.User("nobody"); !errors.Is(err, ErrNoSuchUser) {
		t.Fatalf("unknown user: %v", err)
	}
	if !d.Matches("CONTOSO.onmicrosoft.com") || d.Matches("fabrikam.com") {
		t.Fatal("Matches")
	}

	const app = "cid"
	d.GrantUserConsent(app, r.ID, []string{"User.Read", "openid"})
	d.GrantAdminConsent(app, []string{"SecurityEvents.ReadWrite.All", "user.read"}, []string{"SecurityAlert.Read.All"})
	got := d.ConsentedScopes(app, r.ID)
	want := []string{"SecurityEvents.ReadWrite.All", "user.read", "openid"}
	if !slices.Equal(got, want) {
		t.Fatalf("ConsentedScopes = %v, want %v", got, want)
	}
	d.RevokeAdminConsent(app)
	if got := d.ConsentedScopes(app, r.ID); len(got) != 0 {
		t.Fatalf("after revoke: %v", got)
	}
}

func TestLookupPermission(t *testing.T) {
	tests := []struct {
		in        string
		want      string
		ok, admin bool
	}{
		{"User.Read", "User.Read", true, false},
		{"https://graph.microsoft.com/securityevents.readwrite.all", "SecurityEvents.ReadWrite.All", true, true},
		{"00000003-0000-0000-c000-000000000000/Mail.Send", "Mail.Send", true, false},
		{"offline_access", "offline_access", true, false},
		{"Files.Read", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, ok := LookupPermission(tt.in)
			if ok != tt.ok || p.Name != tt.want || p.AdminOnly != tt.admin {
				t.Fatalf("got %+v %v", p, ok)
			}
		})
	}
}
