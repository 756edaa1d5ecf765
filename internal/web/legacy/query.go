package legacy

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

const defaultTop = 5

// filter is the query form's state, read from GET parameters named as in
// the original (top, provider, category, status, severity, assignedToMe,
// hostFqdn, upn), so every view is a bookmarkable URL.
type filter struct {
	Top          int
	Provider     string
	Category     string
	Status       string // the original's spelling: NewAlert, InProgress, Resolved
	Severity     string // High, Medium, Low
	AssignedToMe bool
	HostFQDN     string
	UPN          string
}

// parseFilter checks the form's parameters. Values outside the original
// form's choices are reported next to their field; enum values are
// matched without regard to case and kept in the form's spelling.
// Parameters it does not know are ignored.
func (c choices) parseFilter(q url.Values) (filter, page.FieldErrors) {
	f := filter{Top: defaultTop}
	var errs page.FieldErrors
	if v := strings.TrimSpace(q.Get("top")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(c.tops, n) {
			errs.Add("top", page.T("legacy.badTop"))
		} else {
			f.Top = n
		}
	}
	if v := strings.TrimSpace(q.Get("category")); v != "" {
		if i := slices.IndexFunc(c.categories, func(x string) bool { return strings.EqualFold(x, v) }); i >= 0 {
			f.Category = c.categories[i]
		} else {
			errs.Add("category", page.T("legacy.badCategory", "value", page.Shorten(v, 64)))
		}
	}
	enum := func(name string, what page.Msg, values []string) string {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return ""
		}
		if i := slices.IndexFunc(values, func(x string) bool { return strings.EqualFold(x, v) }); i >= 0 {
			return values[i]
		}
		errs.Add(name, page.T("legacy.badValue", "value", page.Shorten(v, 64), "field", what, "allowed", strings.Join(values, ", ")))
		return ""
	}
	f.Status = enum("status", page.T("field.status"), c.statuses)
	f.Severity = enum("severity", page.T("field.severity"), c.severities)
	for _, t := range []struct {
		name  string
		dst   *string
		label page.Msg
	}{{"provider", &f.Provider, page.T("field.provider")}, {"hostFqdn", &f.HostFQDN, page.T("legacy.hostFqdn")}, {"upn", &f.UPN, page.T("filter.user")}} {
		v, err := page.Text(t.label, q.Get(t.name), page.MaxText)
		errs.Check(t.name, err)
		*t.dst = v
	}
	f.AssignedToMe = q.Get("assignedToMe") != ""
	return f, errs
}

// query builds the typed legacy query, in the original's order of
// conditions; me is the signed-in user's UPN for "assigned to me". The
// form's spelling of an enum member is Graph's with a capital first
// letter, which Graph reads without regard to case; graphsec sends
// Graph's own.
func (f filter) query(me string) graph.LegacyAlertQuery {
	q := graph.LegacyAlertQuery{TopPerProvider: f.Top, Category: f.Category, Provider: f.Provider, HostFQDN: f.HostFQDN, UPN: f.UPN}
	for _, s := range graph.LegacyAlertStatuses() {
		if f.Status != "" && strings.EqualFold(string(s), f.Status) {
			q.Status = s
		}
	}
	for _, s := range graph.LegacyAlertSeverities() {
		if f.Severity != "" && strings.EqualFold(string(s), f.Severity) {
			q.Severity = s
		}
	}
	if f.AssignedToMe {
		q.AssignedTo = me
	}
	return q
}

// values re-encodes the filter (without the page) for links.
func (f filter) values() url.Values {
	v := url.Values{}
	if f.Top != defaultTop {
		v.Set("top", strconv.Itoa(f.Top))
	}
	for k, x := range map[string]string{"provider": f.Provider, "category": f.Category, "status": f.Status,
		"severity": f.Severity, "hostFqdn": f.HostFQDN, "upn": f.UPN} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if f.AssignedToMe {
		v.Set("assignedToMe", "1")
	}
	return v
}

// listRow is one line of the original's table.
type listRow struct {
	ID, Href, Title            string
	Category, Severity, Status i18n.EnumLabel
	Provider, AssignedTo       string
}

// warning is one provider that failed behind the federation.
type warning struct {
	Provider string
	Vendor   string
	Status   int
	Latency  time.Duration
	Text     string
}

func warnings(resp *graph.Response) []warning {
	if resp == nil {
		return nil
	}
	out := make([]warning, 0, len(resp.Warnings))
	for _, w := range resp.Warnings {
		out = append(out, warning{Provider: w.Provider, Vendor: w.Vendor, Status: w.StatusCode, Latency: w.Latency, Text: w.Text})
	}
	return out
}

type listView struct {
	F          filter
	Errors     page.FieldErrors
	Tops       []int
	Providers  []string
	Categories []page.Choice
	Statuses   []page.Choice
	Severities []page.Choice
	Me         string

	Request     *page.RequestView
	ExplorerURL string
	Rows        []listRow
	// ResultProviders is how many providers the shown alerts come from.
	ResultProviders int
	// Partial is set when Graph answered 206: Warnings name the providers
	// whose alerts are missing.
	Partial  bool
	Warnings []warning
	// Retired is set when the API returns no data at all: no provider has
	// a single alert, as after Microsoft's retirement of the legacy API.
	Retired bool
	// ProvidersUnknown is set when the provider list could not be read;
	// KnownProviders is the length of the list Graph gave.
	ProvidersUnknown bool
	KnownProviders   int

	// Number is the page's number; StaleLink is set when the page link
	// was not one graphsec knows (the first page is shown instead).
	Number                        int
	StaleLink                     bool
	FirstPage, PrevPage, NextPage string
}

// Alerts is GET /legacy/alerts: the original's query form, the REST query
// with a Graph Explorer link, the original's table, per-provider warnings
// of a partial answer, and the retirement explanation.
func (l *Pages) Alerts(p *page.Page) error {
	p.Title = p.L.T("nav.legacyAlerts")
	q := p.R.URL.Query()
	f, errs := l.choices.parseFilter(q)
	L := p.L
	v := listView{
		F: f, Errors: errs, Tops: l.choices.tops, Categories: page.LabelChoices(l.choices.categories, L.LegacyCategory, f.Category), Me: p.Me(),
		Statuses:   labelled[graph.LegacyAlertStatus](L, l.choices.statuses, f.Status),
		Severities: labelled[graph.LegacyAlertSeverity](L, l.choices.severities, f.Severity), Number: 1,
	}
	if errs.Any() {
		if f.Provider != "" {
			v.Providers = []string{f.Provider}
		}
		return p.Render(http.StatusBadRequest, "legacy/alerts", v)
	}
	c, err := p.GraphFor(graph.AccessReadSecurityEvents)
	if err != nil {
		return err
	}
	pager := p.Pager("/legacy/alerts", f.values())
	ref := pager.Ref
	v.StaleLink = pager.Stale
	ctx, sent := page.Record(p.R.Context())
	var pg *graph.Page[graph.LegacyAlertSummary]
	var resp *graph.Response
	if ref.Link != "" {
		pg, resp, err = c.LegacyAlerts.ListSummariesFrom(ctx, ref.Link)
	} else {
		pg, resp, err = c.LegacyAlerts.ListSummaries(ctx, f.query(p.Me()))
	}
	if req := sent.First(""); req != nil {
		v.Request, v.ExplorerURL = page.Shown("list", req), c.ExplorerURL(req)
	}
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, a := range pg.Value {
		prov := a.Provider()
		if !seen[strings.ToLower(prov)] {
			seen[strings.ToLower(prov)] = true
			v.ResultProviders++
		}
		v.Rows = append(v.Rows, listRow{ID: a.ID, Href: page.LegacyAlertHref(a.ID), Title: a.Title, Category: L.LegacyCategory(a.Category),
			Severity: L.Enum(a.Severity), Status: L.Enum(a.Status), Provider: prov, AssignedTo: a.AssignedTo})
	}
	v.Warnings = warnings(resp)
	v.Partial = resp != nil && (resp.StatusCode == http.StatusPartialContent || len(resp.Warnings) > 0)
	// The provider list fills the form's select. An empty answer is
	// checked against a fresh list: only when no provider has any alert at
	// all is the API taken as retired.
	fresh := len(v.Rows) == 0 && !v.Partial && ref.Number == 1
	list, err := l.providers.list(p.R.Context(), c, p.Session.TenantID+"\x00"+p.Session.UserID, fresh)
	switch {
	case err != nil:
		p.Log().Info("legacy provider list", "err", err)
		v.ProvidersUnknown = true
	case fresh && len(list) == 0:
		v.Retired = true
	}
	v.KnownProviders = len(list)
	if f.Provider != "" && !slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, f.Provider) }) {
		list = append(slices.Clone(list), f.Provider)
	}
	v.Providers = list

	v.Number = ref.Number
	v.FirstPage, v.PrevPage = pager.First(), pager.Prev()
	v.NextPage = pager.Next(pg.NextLink, len(v.Rows), nil)
	return p.Render(http.StatusOK, "legacy/alerts", v)
}
