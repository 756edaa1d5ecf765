package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/graphsec/graphsec/graph"
)

func TestSessionKeyAndAccess(t *testing.T) {
	a := &Session{id: "store-id-a", Scopes: []string{"User.Read", "securityalert.read.all"}}
	b := &Session{id: "store-id-b"}
	if a.Key() == b.Key() || a.Key() != (&Session{id: "store-id-a"}).Key() || len(a.Key()) != 32 {
		t.Fatalf("keys %q %q", a.Key(), b.Key())
	}
	if a.Key() == a.id || a.Key() == hashID(a.id) {
		t.Fatal("the key reveals the store id")
	}
	if !a.Can(graph.AccessReadAlerts) || a.Can(graph.AccessWriteAlerts) || !a.Can(graph.AccessReadProfile) || b.Can(graph.AccessReadProfile) {
		t.Fatal("Can does not follow the granted scopes")
	}
}

func TestDefaultScopes(t *testing.T) {
	got := DefaultScopes()
	for _, want := range append([]string{"openid", "profile", "email", "offline_access"}, graph.DelegatedScopes()...) {
		if !slices.Contains(got, want) {
			t.Errorf("DefaultScopes %v lacks %s", got, want)
		}
	}
}

func TestReachable(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/contoso/v2.0/.well-known/openid-configuration" {
			t.Errorf("path %s", r.URL.Path)
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	m := &Manager{o: Options{AuthorityURL: srv.URL, Tenant: "contoso", HTTPClient: srv.Client()}}
	if err := m.Reachable(context.Background()); err != nil {
		t.Fatal(err)
	}
	status = http.StatusBadGateway
	if err := m.Reachable(context.Background()); err == nil {
		t.Fatal("a 502 counts as reachable")
	}
	srv.Close()
	if err := m.Reachable(context.Background()); err == nil {
		t.Fatal("a closed server counts as reachable")
	}
}
