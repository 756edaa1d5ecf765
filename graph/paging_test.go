package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// pagedServer serves /v1.0/security/alerts_v2 as pages of ids; next(n)
// gives the nextLink of page n ("" for none).
func pagedServer(t *testing.T, pages [][]string, next func(base string, n int) string) (*testEnv, *atomic.Int32) {
	var calls atomic.Int32
	var env *testEnv
	env = newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		checkCommonHeaders(t, r, "token-1")
		if got := r.Header.Get("Prefer"); got != "include-unknown-enum-members" {
			t.Errorf("page request lost its Prefer header: %q", got)
		}
		n := 0
		if p := r.URL.Query().Get("page"); p != "" {
			fmt.Sscan(p, &n)
		}
		var items []string
		for _, id := range pages[n] {
			items = append(items, fmt.Sprintf(`{"id":%q,"status":"new","severity":"low","serviceSource":"unknown","evidence":[],"comments":[]}`, id))
		}
		body := `{"value":[` + strings.Join(items, ",") + `]`
		if link := next(env.srv.URL, n); link != "" {
			body += `,"@odata.nextLink":"` + link + `"`
		}
		writeJSON(w, r, 200, body+"}")
	})
	return env, &calls
}

func sequential(pages int) func(string, int) string {
	return func(base string, n int) string {
		if n+1 >= pages {
			return ""
		}
		return fmt.Sprintf("%s/v1.0/security/alerts_v2?$top=2&page=%d", base, n+1)
	}
}

func collect(t *testing.T, seq func(func(*Alert, error) bool)) ([]string, error) {
	t.Helper()
	var ids []string
	for a, err := range seq {
		if err != nil {
			return ids, err
		}
		ids = append(ids, a.ID)
	}
	return ids, nil
}

func TestIteratorFollowsNextLinks(t *testing.T) {
	env, calls := pagedServer(t, [][]string{{"a", "b"}, {}, {"c", "d"}, {"e"}}, sequential(4))
	ids, err := collect(t, env.c.Alerts.All(context.Background(), Query{Top: 2}, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids, ","); got != "a,b,c,d,e" {
		t.Errorf("ids %s", got)
	}
	if calls.Load() != 4 {
		t.Errorf("%d requests", calls.Load())
	}
}

func TestIteratorLimit(t *testing.T) {
	env, calls := pagedServer(t, [][]string{{"a", "b"}, {"c", "d"}, {"e"}}, sequential(3))
	ids, err := collect(t, env.c.Alerts.All(context.Background(), Query{}, 3))
	if err != nil || strings.Join(ids, ",") != "a,b,c" {
		t.Errorf("%v %v", ids, err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d requests for 3 items", calls.Load())
	}
	// Breaking out stops fetching too.
	calls.Store(0)
	for range env.c.Alerts.All(context.Background(), Query{}, 0) {
		break
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests after break", calls.Load())
	}
}

func TestIteratorLoopDetection(t *testing.T) {
	tests := []struct {
		name string
		next func(string, int) string
	}{
		{"link back to an earlier page", func(base string, n int) string {
			if n == 0 {
				return base + "/v1.0/security/alerts_v2?page=1"
			}
			return base + "/v1.0/security/alerts_v2?page=1"
		}},
		{"link back to the first request", func(base string, n int) string { return base + "/v1.0/security/alerts_v2" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, calls := pagedServer(t, [][]string{{"a"}, {"b"}}, tt.next)
			_, err := collect(t, env.c.Alerts.All(context.Background(), Query{}, 0))
			if !errors.Is(err, ErrNextLinkLoop) {
				t.Fatalf("err = %v", err)
			}
			if calls.Load() > 2 {
				t.Errorf("%d requests", calls.Load())
			}
		})
	}
}

func TestIteratorRefusesForeignNextLink(t *testing.T) {
	var foreignHit atomic.Bool
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHit.Store(true)
		if r.Header.Get("Authorization") != "" {
			t.Error("token sent to a foreign host")
		}
	}))
	defer foreign.Close()
	for _, link := range []string{foreign.URL + "/v1.0/security/alerts_v2?page=1", "/v1.0/security/alerts_v2?page=1", "https://%zz"} {
		t.Run(link, func(t *testing.T) {
			env, _ := pagedServer(t, [][]string{{"a"}, {"b"}}, func(string, int) string { return link })
			ids, err := collect(t, env.c.Alerts.All(context.Background(), Query{}, 0))
			if err == nil || len(ids) != 1 {
				t.Fatalf("ids %v err %v", ids, err)
			}
			if strings.HasPrefix(link, "http://") && !errors.Is(err, ErrForeignHost) {
				t.Errorf("err = %v", err)
			}
		})
	}
	if foreignHit.Load() {
		t.Error("the foreign host was contacted")
	}
}

func TestPageNext(t *testing.T) {
	env, _ := pagedServer(t, [][]string{{"a"}, {"b"}}, sequential(2))
	p, _, err := env.c.Alerts.List(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	p2, resp, err := p.Next(context.Background())
	if err != nil || p2.Value[0].ID != "b" || !strings.Contains(resp.URL, "page=1") {
		t.Fatalf("%v %v", p2, err)
	}
	if _, _, err := p2.Next(context.Background()); !errors.Is(err, ErrNoNextPage) {
		t.Errorf("last page: %v", err)
	}
	orphan := &Page[Alert]{NextLink: "https://graph.microsoft.com/v1.0/x"}
	if _, _, err := orphan.Next(context.Background()); err == nil {
		t.Error("a page not made by a client followed its link")
	}
}

func TestIteratorErrorMidway(t *testing.T) {
	var calls atomic.Int32
	var env *testEnv
	env = newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			writeJSON(w, r, 200, `{"value":[{"id":"a"}],"@odata.nextLink":"`+env.srv.URL+`/v1.0/users?page=2"}`)
			return
		}
		writeGraphError(w, r, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	})
	var ids []string
	var errs []error
	for u, err := range env.c.Users.All(context.Background(), Query{}, 0) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, u.ID)
	}
	if len(ids) != 1 || len(errs) != 1 || !errors.Is(errs[0], ErrForbidden) {
		t.Errorf("ids %v errs %v", ids, errs)
	}
}

func TestAllIterators(t *testing.T) {
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r, 200, `{"value":[{"id":"x"}]}`)
	})
	ctx := context.Background()
	count := func(n int, err error) {
		t.Helper()
		if err != nil || n != 1 {
			t.Errorf("%d items, %v", n, err)
		}
	}
	n, err := drain2(env.c.Users.All(ctx, Query{}, 0))
	count(n, err)
	n, err = drain2(env.c.Incidents.All(ctx, IncidentQuery{}, 0))
	count(n, err)
	n, err = drain2(env.c.Incidents.AllAlerts(ctx, "1", Query{}, 0))
	count(n, err)
	n, err = drain2(env.c.LegacyAlerts.All(ctx, LegacyAlertQuery{}, 0))
	count(n, err)
	n, err = drain2(env.c.SecureScores.All(ctx, Query{}, 0))
	count(n, err)
	n, err = drain2(env.c.ControlProfiles.All(ctx, Query{}, 0))
	count(n, err)
	n, err = drain2(env.c.SecurityActions.All(ctx, Query{}, 0))
	count(n, err)
	n, err = drain2(env.c.Subscriptions.All(ctx, 0))
	count(n, err)
	for _, seq := range []func() (int, error){
		func() (int, error) { return drain2(env.c.Users.All(ctx, Query{Top: -1}, 0)) },
		func() (int, error) { return drain2(env.c.Incidents.All(ctx, IncidentQuery{Query: Query{Top: -1}}, 0)) },
		func() (int, error) { return drain2(env.c.Incidents.AllAlerts(ctx, "", Query{}, 0)) },
		func() (int, error) { return drain2(env.c.LegacyAlerts.All(ctx, LegacyAlertQuery{Skip: 501}, 0)) },
		func() (int, error) { return drain2(env.c.SecureScores.All(ctx, Query{Top: -1}, 0)) },
		func() (int, error) { return drain2(env.c.ControlProfiles.All(ctx, Query{Top: -1}, 0)) },
		func() (int, error) { return drain2(env.c.SecurityActions.All(ctx, Query{Top: -1}, 0)) },
	} {
		if _, err := seq(); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("invalid query: %v", err)
		}
	}
}

func drain2[T any](seq func(func(*T, error) bool)) (int, error) {
	n := 0
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
