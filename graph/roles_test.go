package graph

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestMyDirectoryRolesFollowsNextLinks: the request is the memberOf cast
// with $select, and every page is read.
func TestMyDirectoryRolesFollowsNextLinks(t *testing.T) {
	var env *testEnv
	env = newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		checkCommonHeaders(t, r, "token-1")
		if r.URL.Path != "/v1.0/me/memberOf/microsoft.graph.directoryRole" {
			t.Errorf("path %q", r.URL.Path)
		}
		switch r.URL.RawQuery {
		case "$select=roleTemplateId,displayName":
			writeJSON(w, r, 200, `{"@odata.nextLink":"`+env.srv.URL+`/v1.0/me/memberOf/microsoft.graph.directoryRole?$select=roleTemplateId,displayName&$skiptoken=2",
				"value":[{"@odata.type":"#microsoft.graph.directoryRole","displayName":"Security Reader","roleTemplateId":"`+RoleSecurityReader+`"}]}`)
		case "$select=roleTemplateId,displayName&$skiptoken=2":
			writeJSON(w, r, 200, `{"value":[{"@odata.type":"#microsoft.graph.directoryRole","displayName":"Security Operator","roleTemplateId":"`+RoleSecurityOperator+`"},
				{"@odata.type":"#microsoft.graph.directoryRole","displayName":"Again","roleTemplateId":"`+RoleSecurityReader+`"}]}`)
		default:
			t.Errorf("query %q", r.URL.RawQuery)
			writeGraphError(w, r, 400, "BadRequest", "unexpected")
		}
	})
	roles, err := env.c.Users.MyDirectoryRoles(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 3 || roles[1].DisplayName != "Security Operator" || roles[0].ODataType != "#microsoft.graph.directoryRole" {
		t.Fatalf("roles %+v", roles)
	}
	if ids := RoleTemplateIDs(roles); !slices.Equal(ids, []string{RoleSecurityReader, RoleSecurityOperator}) {
		t.Errorf("RoleTemplateIDs = %v", ids)
	}
}

func TestMyDirectoryRolesError(t *testing.T) {
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		writeGraphError(w, r, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	})
	_, err := env.c.Users.MyDirectoryRoles(t.Context())
	if err == nil || !strings.Contains(err.Error(), "Authorization_RequestDenied") {
		t.Fatalf("err %v", err)
	}
}

func TestRoleGroups(t *testing.T) {
	if slices.ContainsFunc(SecurityReaderRoles(), func(r string) bool { return slices.Contains(SecurityWriterRoles(), r) }) {
		t.Error("a role is both a reader and a writer role")
	}
	w := SecurityWriterRoles()
	w[0] = "changed"
	if SecurityWriterRoles()[0] == "changed" {
		t.Error("SecurityWriterRoles shares its slice")
	}
}
