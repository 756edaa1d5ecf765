package score_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// firstProfile returns the id of the control profile the page lists
// first.
var profileRow = regexp.MustCompile(`<tr data-id="([^"]+)">`)

func profileIDs(body string) []string {
	var out []string
	for _, m := range profileRow.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestScorePage(t *testing.T) {
	h := webtest.New(t)
	b, p := h.SignIn(h.User("Security Operator"), "/securescore")
	if p.Status != http.StatusOK {
		t.Fatalf("/securescore: %d\n%s", p.Status, p.Body)
	}
	i18n.AssertNoMarkers(t, p.Body)
	latest, _, err := h.GraphAs(h.UPN(h.User("Security Operator"))).SecureScores.Latest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="score-current">` + trim(*latest.CurrentScore), `id="score-max">` + trim(*latest.MaxScore),
		`data-points="90"`, "<title id=\"chart-wide-title\">Secure score over the last 90 days</title>", `id="trend-table"`, "Exchange Online"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	ids := profileIDs(p.Body)
	if len(ids) < 5 {
		t.Fatalf("only %d control profiles listed", len(ids))
	}
	// Sorted by rank by default; a sort reverses.
	p = h.Get(b, "/securescore?sort=rank+desc")
	if got := profileIDs(p.Body); got[0] != ids[len(ids)-1] {
		t.Errorf("rank desc starts with %s, want %s", got[0], ids[len(ids)-1])
	}
	// Japanese.
	h.Lang(b, "ja")
	p = h.Get(b, "/securescore")
	i18n.AssertNoMarkers(t, p.Body)
	if !strings.Contains(p.Body, "過去 90 日間のセキュア スコア") || !strings.Contains(p.Body, "コントロール プロファイル") {
		t.Error("the Japanese page lacks its chart title or headings")
	}
}

func trim(f float64) string {
	s := strings.TrimRight(strings.TrimRight(strconvF(f), "0"), ".")
	return s
}

func TestScoreFilterMistakes(t *testing.T) {
	h := webtest.New(t)
	b, _ := h.SignIn(h.User("Security Reader"), "/securescore")
	for _, tc := range []struct{ query, field, want string }{
		{"state=Gone", "state", "is not a state"},
		{"deprecated=maybe", "deprecated", "Choose deprecated or not deprecated"},
		{"sort=colour+asc", "sort", "is not a sort of this list"},
		{"sort=rank+sideways", "sort", "is not a sort of this list"},
		{"q=" + url.QueryEscape(strings.Repeat("x", 300)), "q", "at most"},
		{"service=%01", "service", ""},
	} {
		t.Run(tc.query[:min(len(tc.query), 20)], func(t *testing.T) {
			p := h.Get(b, "/securescore?"+tc.query)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			msg := webtest.Section(t, p.Body, "error-"+tc.field, "small")
			if !strings.Contains(msg, tc.want) {
				t.Errorf("the mistake says %q, want %q", msg, tc.want)
			}
			if !strings.Contains(p.Body, `id="filter-errors"`) || strings.Contains(p.Body, `id="profiles-table"`) {
				t.Error("a list is shown despite the mistake")
			}
		})
	}
}

func TestScoreFilters(t *testing.T) {
	h := webtest.New(t)
	b, _ := h.SignIn(h.User("Security Reader"), "/securescore")
	all := profileIDs(h.Get(b, "/securescore").Body)
	profiles := map[string]graph.ControlProfile{}
	c := h.GraphAs(h.UPN(h.User("Security Operator")))
	for cp, err := range c.ControlProfiles.All(context.Background(), graph.Query{}, 0) {
		if err != nil {
			t.Fatal(err)
		}
		profiles[cp.ID] = *cp
	}
	if len(all) != len(profiles) {
		t.Fatalf("%d listed of %d", len(all), len(profiles))
	}
	for _, tc := range []struct {
		query string
		keep  func(graph.ControlProfile) bool
	}{
		{"controlCategory=Identity", func(p graph.ControlProfile) bool { return p.ControlCategory == "Identity" }},
		{"userImpact=Low", func(p graph.ControlProfile) bool { return p.UserImpact == "Low" }},
		{"deprecated=true", func(p graph.ControlProfile) bool { return p.Deprecated != nil && *p.Deprecated }},
		{"q=mfa", func(p graph.ControlProfile) bool {
			return strings.Contains(strings.ToLower(p.Title+" "+p.ID), "mfa")
		}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			p := h.Get(b, "/securescore?"+tc.query)
			got := profileIDs(p.Body)
			want := 0
			for _, cp := range profiles {
				if tc.keep(cp) {
					want++
				}
			}
			if len(got) != want || want == 0 && !strings.Contains(p.Body, `id="no-profiles"`) {
				t.Errorf("%d listed, want %d", len(got), want)
			}
			for _, id := range got {
				if !tc.keep(profiles[id]) {
					t.Errorf("%s listed against the filter", id)
				}
			}
		})
	}
}
