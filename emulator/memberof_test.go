package emulator_test

import (
	"slices"
	"testing"

	"github.com/graphsec/graphsec/emulator"
)

// TestGraphMyDirectoryRoles: /me/memberOf/microsoft.graph.directoryRole
// answers the signed-in user's roles as directoryRole objects, with User.Read
// alone, honouring $select.
func TestGraphMyDirectoryRoles(t *testing.T) {
	emu := start(t, emulator.Options{})
	url := emu.URL() + "/v1.0/me/memberOf/microsoft.graph.directoryRole"
	byRole := map[string]string{}
	for _, u := range emu.Users() {
		switch {
		case len(u.Roles) == 0 && byRole[""] == "":
			byRole[""] = u.UserPrincipalName
		case len(u.Roles) == 1 && byRole[u.Roles[0]] == "":
			byRole[u.Roles[0]] = u.UserPrincipalName
		}
	}
	tests := []struct {
		role, templateID string
	}{
		{"Security Reader", "5d6b6bb7-de71-4623-b4af-96380a352509"},
		{"Security Operator", "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f"},
		{"Global Administrator", "62e90394-69f5-4237-9190-012177145e10"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run("user with "+tt.role, func(t *testing.T) {
			upn := byRole[tt.role]
			if upn == "" {
				t.Fatalf("no demo user with role %q", tt.role)
			}
			tok, err := emu.UserToken(upn, "User.Read")
			if err != nil {
				t.Fatal(err)
			}
			r := call(t, "GET", url, tok, nil)
			mustStatus(t, r, 200)
			if got := r.str("@odata.context"); got != emu.URL()+"/v1.0/$metadata#directoryRoles" {
				t.Errorf("@odata.context %q", got)
			}
			v := r.values()
			if tt.role == "" {
				if len(v) != 0 {
					t.Fatalf("an employee without roles has %d: %s", len(v), r.raw)
				}
				return
			}
			if len(v) != 1 {
				t.Fatalf("%d roles, want 1: %s", len(v), r.raw)
			}
			role := v[0]
			if role["@odata.type"] != "#microsoft.graph.directoryRole" || role["roleTemplateId"] != tt.templateID ||
				role["displayName"] != tt.role || role["description"] == "" || role["id"] == "" || role["id"] == tt.templateID {
				t.Errorf("role %v", role)
			}
			// $select keeps the annotation and the selected properties.
			sel := call(t, "GET", url+"?$select=roleTemplateId,displayName", tok, nil)
			mustStatus(t, sel, 200)
			if got := sel.str("@odata.context"); got != emu.URL()+"/v1.0/$metadata#directoryRoles(roleTemplateId,displayName)" {
				t.Errorf("@odata.context with $select %q", got)
			}
			got := sel.values()[0]
			var keys []string
			for k := range got {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, []string{"@odata.type", "displayName", "roleTemplateId"}) || got["roleTemplateId"] != tt.templateID {
				t.Errorf("with $select: %v", got)
			}
		})
	}

	t.Run("refusals", func(t *testing.T) {
		tok := tokensFor(t, emu)
		if r := call(t, "GET", url, tok.app, nil); r.status != 400 {
			t.Errorf("app-only token: %d %s", r.status, r.raw)
		}
		if r := call(t, "GET", url+"?$select=nonsense", tok.reader, nil); r.status != 400 {
			t.Errorf("$select of an unknown property: %d %s", r.status, r.raw)
		}
		if r := call(t, "GET", url+"?$filter=displayName eq 'x'", tok.reader, nil); r.status != 400 {
			t.Errorf("$filter: %d %s", r.status, r.raw)
		}
		if r := call(t, "GET", url, "", nil); r.status != 401 {
			t.Errorf("no token: %d", r.status)
		}
	})
}
