package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/clock"
)

// The legacy alerts pages serve /security/alerts (microsoft.graph.alert)
// the way Microsoft's original Graph Security sample did, so an analyst who
// knew it finds the same form, query and table. Microsoft retired the API in
// 2026: afterwards it answers with no data, and the pages say so and point
// to /alerts (alerts_v2) instead of showing an empty table.

// legacyReadScopes and legacyWriteScopes are the permissions of
// /security/alerts (graph-api-facts §1).
var (
	legacyReadScopes  = []string{"SecurityEvents.Read.All", "SecurityEvents.ReadWrite.All"}
	legacyWriteScopes = []string{"SecurityEvents.ReadWrite.All"}
)

// legacyTops are the "top per provider" choices of the original's form.
var legacyTops = []int{1, 5, 10, 20}

const legacyDefaultTop = 5

// legacyCategories are the 23 categories of the original sample's form, in
// its order.
var legacyCategories = []string{
	"abnormalLogin", "anomalousDataAccess", "anonymousLogin", "antimalwareActionTaken", "azBlackListLogin",
	"credentialLeakage", "documentDeclassification", "reconnaissance", "exploit", "impossibleTravel",
	"keyloggerTrojan", "malware", "ransomware", "rdpBruteforce", "reportCompromise", "riskScore",
	"sensitiveFileExfiltration", "suspiciousActivity", "suspiciousDomain", "suspiciousPowerShell",
	"threatIntelligence", "unfamiliarLocation", "updateRequired",
}

// legacyStatusFilter and legacySeverityFilter are the original form's
// values (its spelling, kept in bookmarkable URLs) and the enum member
// graphsec sends for each: Graph writes enums in camelCase and reads them
// without regard to case.
var (
	legacyStatusFilter = []struct {
		c choice
		v graph.LegacyAlertStatus
	}{
		{choice{"NewAlert", "New alert"}, graph.LegacyAlertStatusNewAlert},
		{choice{"InProgress", "In progress"}, graph.LegacyAlertStatusInProgress},
		{choice{"Resolved", "Resolved"}, graph.LegacyAlertStatusResolved},
	}
	legacySeverityFilter = []struct {
		c choice
		v graph.LegacyAlertSeverity
	}{
		{choice{"High", "High"}, graph.LegacyAlertSeverityHigh},
		{choice{"Medium", "Medium"}, graph.LegacyAlertSeverityMedium},
		{choice{"Low", "Low"}, graph.LegacyAlertSeverityLow},
	}
)

// legacyMaxText bounds the free-text fields (provider, host FQDN, UPN).
const legacyMaxText = 256

// legacyMaxPageLink bounds the carried query string of a next link.
const legacyMaxPageLink = 4096

// legacyFilter is the query form's state, read from GET parameters named
// as in the original (top, provider, category, status, severity,
// assignedToMe, hostFqdn, upn), so every view is a bookmarkable URL.
type legacyFilter struct {
	Top          int
	Provider     string
	Category     string
	Status       string // the original's spelling: NewAlert, InProgress, Resolved
	Severity     string // High, Medium, Low
	AssignedToMe bool
	HostFQDN     string
	UPN          string
	// Page is the query string of Graph's next link for the page to show.
	Page string
}

// legacyText reads a free-text parameter: trimmed, bounded, and without
// control characters (which no provider, host name or UPN contains).
func legacyText(name, v string) (string, error) {
	v = strings.TrimSpace(v)
	if len(v) > legacyMaxText {
		return "", badInput("%s is too long (at most %d characters).", name, legacyMaxText)
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return "", badInput("%s contains a control character.", name)
	}
	return v, nil
}

// parseLegacyFilter checks the form's parameters. Values outside the
// original form's choices are the user's mistakes and are reported as
// such; enum values are matched without regard to case and kept in the
// form's spelling.
func parseLegacyFilter(q url.Values) (legacyFilter, error) {
	f := legacyFilter{Top: legacyDefaultTop}
	if v := strings.TrimSpace(q.Get("top")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(legacyTops, n) {
			return f, badInput("top must be 1, 5, 10 or 20 (alerts per provider).")
		}
		f.Top = n
	}
	if v := strings.TrimSpace(q.Get("category")); v != "" {
		i := slices.IndexFunc(legacyCategories, func(c string) bool { return strings.EqualFold(c, v) })
		if i < 0 {
			return f, badInput("%q is not one of the legacy alert categories.", v)
		}
		f.Category = legacyCategories[i]
	}
	if v := strings.TrimSpace(q.Get("status")); v != "" {
		i := slices.IndexFunc(legacyStatusFilter, func(s struct {
			c choice
			v graph.LegacyAlertStatus
		}) bool {
			return strings.EqualFold(s.c.Value, v)
		})
		if i < 0 {
			return f, badInput("%q is not a status: choose NewAlert, InProgress or Resolved.", v)
		}
		f.Status = legacyStatusFilter[i].c.Value
	}
	if v := strings.TrimSpace(q.Get("severity")); v != "" {
		i := slices.IndexFunc(legacySeverityFilter, func(s struct {
			c choice
			v graph.LegacyAlertSeverity
		}) bool {
			return strings.EqualFold(s.c.Value, v)
		})
		if i < 0 {
			return f, badInput("%q is not a severity: choose High, Medium or Low.", v)
		}
		f.Severity = legacySeverityFilter[i].c.Value
	}
	var err error
	for _, t := range []struct {
		name string
		dst  *string
	}{{"provider", &f.Provider}, {"hostFqdn", &f.HostFQDN}, {"upn", &f.UPN}} {
		if *t.dst, err = legacyText(t.name, q.Get(t.name)); err != nil {
			return f, err
		}
	}
	f.AssignedToMe = q.Get("assignedToMe") != ""
	f.Page = q.Get("page")
	if len(f.Page) > legacyMaxPageLink {
		return f, badInput("The page link is too long.")
	}
	return f, nil
}

// query builds the typed legacy query, in the original's order of
// conditions; me is the signed-in user's UPN for "assigned to me".
func (f legacyFilter) query(me string) graph.LegacyAlertQuery {
	q := graph.LegacyAlertQuery{TopPerProvider: f.Top, Category: f.Category, Provider: f.Provider, HostFQDN: f.HostFQDN, UPN: f.UPN}
	for _, s := range legacyStatusFilter {
		if s.c.Value == f.Status {
			q.Status = s.v
		}
	}
	for _, s := range legacySeverityFilter {
		if s.c.Value == f.Severity {
			q.Severity = s.v
		}
	}
	if f.AssignedToMe {
		q.AssignedTo = me
	}
	return q
}

// values re-encodes the filter (without the page) for links.
func (f legacyFilter) values() url.Values {
	v := url.Values{}
	if f.Top != legacyDefaultTop {
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

// legacyRow is one line of the original's table.
type legacyRow struct {
	ID, Href, Title, Category, Severity, Status, Provider, AssignedTo string
}

// legacyWarning is one provider that failed behind the federation.
type legacyWarning struct {
	Provider string
	Vendor   string
	Status   int
	Latency  string
	Text     string
}

type legacyAlertsView struct {
	F          legacyFilter
	Tops       []int
	Providers  []string
	Categories []string
	Statuses   []choice
	Severities []choice
	Me         string

	Request     *restView
	ExplorerURL string
	Rows        []legacyRow
	// ResultProviders is how many providers the shown alerts come from.
	ResultProviders int
	// Partial is set when Graph answered 206: Warnings name the providers
	// whose alerts are missing.
	Partial  bool
	Warnings []legacyWarning
	// Retired is set when the API returns no data at all: no provider has
	// a single alert, as after Microsoft's retirement of the legacy API.
	Retired bool
	// ProvidersUnknown is set when the provider list could not be read;
	// KnownProviders is the length of the list Graph gave.
	ProvidersUnknown bool
	KnownProviders   int

	NextPage, FirstPage string
}

// legacyListItem is what the table shows of an alert. The list decodes
// only these members: a legacy alert carries a dozen state collections,
// and decoding them all made up most of the page's server time.
type legacyListItem struct {
	ID                string `json:"id"`
	Title             string `json:"title"`
	Category          string `json:"category"`
	Severity          string `json:"severity"`
	Status            string `json:"status"`
	AssignedTo        string `json:"assignedTo"`
	VendorInformation *struct {
		Provider string `json:"provider"`
	} `json:"vendorInformation"`
}

// legacyAlertHref is the console's link to a legacy alert. Provider ids
// can hold any character, so the id is escaped as one path segment.
func legacyAlertHref(id string) string { return "/legacy/alerts/" + url.PathEscape(id) }

// graphExplorerURL builds the link the original offered next to its query:
// Graph Explorer with the request's path relative to the version, passed
// exactly as graphsec sent it (still percent-encoded, so characters such
// as & in a value keep their meaning) and escaped as one query value.
func graphExplorerURL(requestURL string) string {
	u, err := url.Parse(requestURL)
	if err != nil {
		return ""
	}
	rel := strings.TrimPrefix(u.EscapedPath(), "/")
	version := "v1.0"
	if v, rest, ok := strings.Cut(rel, "/"); ok && (v == "v1.0" || v == "beta") {
		version, rel = v, rest
	}
	if u.RawQuery != "" {
		rel += "?" + u.RawQuery
	}
	return "https://developer.microsoft.com/graph/graph-explorer?request=" + url.QueryEscape(rel) + "&method=GET&version=" + version
}

// legacyAlertsPage is /legacy/alerts: the original's query form, the REST
// query with a Graph Explorer link, the original's table, per-provider
// warnings of a partial answer, and the retirement explanation.
func (s *Server) legacyAlertsPage(providers *legacyProviderCache) sessionHandler {
	return func(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
		p := s.newPage(w, r, sess, "legacy_alerts", "Legacy alerts", "legacy")
		f, err := parseLegacyFilter(r.URL.Query())
		if err != nil {
			p.fail(err)
			return
		}
		if !s.requireScope(w, r, sess, legacyReadScopes...) {
			return
		}
		c, ok := p.graph()
		if !ok {
			return
		}
		var req *graph.Request
		if f.Page != "" {
			req, err = c.NewRequest(http.MethodGet, "/v1.0/security/alerts", f.Page, nil)
		} else {
			req, err = c.LegacyAlerts.ListRequest(f.query(sess.UserPrincipalName))
		}
		if err != nil {
			p.fail(badInput("The query cannot be built: %v", err))
			return
		}
		v := legacyAlertsView{
			F: f, Tops: legacyTops, Categories: legacyCategories, Me: sess.UserPrincipalName,
			Request:     &restView{ID: "list", Method: req.Method, URL: req.URL},
			ExplorerURL: graphExplorerURL(req.URL),
		}
		for _, s := range legacyStatusFilter {
			v.Statuses = append(v.Statuses, s.c)
		}
		for _, s := range legacySeverityFilter {
			v.Severities = append(v.Severities, s.c)
		}
		var page graph.Page[legacyListItem]
		resp, err := c.Do(r.Context(), req, &page)
		if err != nil {
			p.fail(legacyGraphError(err))
			return
		}
		seen := map[string]bool{}
		for _, a := range page.Value {
			prov := ""
			if a.VendorInformation != nil {
				prov = a.VendorInformation.Provider
			}
			if !seen[strings.ToLower(prov)] {
				seen[strings.ToLower(prov)] = true
				v.ResultProviders++
			}
			v.Rows = append(v.Rows, legacyRow{ID: a.ID, Href: legacyAlertHref(a.ID), Title: a.Title, Category: a.Category,
				Severity: a.Severity, Status: a.Status, Provider: prov, AssignedTo: a.AssignedTo})
		}
		if resp != nil {
			v.Partial = resp.StatusCode == http.StatusPartialContent || len(resp.Warnings) > 0
			for _, w := range resp.Warnings {
				v.Warnings = append(v.Warnings, legacyWarning{Provider: w.Provider, Vendor: w.Vendor, Status: w.StatusCode,
					Latency: legacyLatency(w.Latency), Text: w.Text})
			}
		}
		// The provider list fills the form's select. An empty answer is
		// checked against a fresh list: only when no provider has any
		// alert at all is the API taken as retired.
		key := sess.TenantID + "\x00" + sess.UserID
		fresh := len(v.Rows) == 0 && !v.Partial && f.Page == ""
		list, err := s.legacyProviderList(r.Context(), c, providers, key, fresh)
		switch {
		case err != nil:
			s.log.Info("legacy provider list", "request_id", p.data.RequestID, "err", err)
			v.ProvidersUnknown = true
		case fresh && len(list) == 0:
			v.Retired = true
		}
		v.KnownProviders = len(list)
		if f.Provider != "" && !slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, f.Provider) }) {
			list = append(slices.Clone(list), f.Provider)
		}
		v.Providers = list

		base := f.values()
		v.FirstPage = (&url.URL{Path: "/legacy/alerts", RawQuery: base.Encode()}).String()
		if page.NextLink != "" {
			nv := f.values()
			nv.Set("page", queryOf(page.NextLink))
			v.NextPage = (&url.URL{Path: "/legacy/alerts", RawQuery: nv.Encode()}).String()
		}
		p.render(http.StatusOK, v)
	}
}

func legacyLatency(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return d.Round(time.Millisecond).String()
}

// legacyGraphError turns a call the client refused before sending (an id
// or query it cannot express) into the user's mistake it is; other errors
// pass through to the error page's mapping.
func legacyGraphError(err error) error {
	if errors.Is(err, graph.ErrInvalidArgument) {
		return badInput("%s", strings.TrimPrefix(err.Error(), "graph: invalid argument: "))
	}
	return err
}

// legacyProviderList returns the providers of the tenant's legacy alerts:
// those seen in GET /security/alerts?$top=1 (the federated API returns up
// to one alert per provider) and those named in its warnings (a provider
// that failed this time still exists). The list is kept for a few minutes;
// fresh skips the cached copy.
func (s *Server) legacyProviderList(ctx context.Context, c *graph.Client, cache *legacyProviderCache, key string, fresh bool) ([]string, error) {
	if !fresh {
		if list, ok := cache.get(key); ok {
			return list, nil
		}
	}
	page, resp, err := c.LegacyAlerts.List(ctx, graph.LegacyAlertQuery{TopPerProvider: 1})
	if err != nil {
		return nil, err
	}
	var list []string
	add := func(p string) {
		if p != "" && !slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, p) }) {
			list = append(list, p)
		}
	}
	for _, a := range page.Value {
		if a.VendorInformation != nil {
			add(a.VendorInformation.Provider)
		}
	}
	if resp != nil {
		for _, w := range resp.Warnings {
			add(w.Provider)
		}
	}
	slices.SortFunc(list, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	cache.put(key, list)
	return list, nil
}

// legacyProviderTTL is how long a provider list is reused: providers come
// and go with licences, rarely within minutes.
const legacyProviderTTL = 5 * time.Minute

// legacyProviderMax bounds the cache: one entry per signed-in user.
const legacyProviderMax = 1024

// legacyProviderCache keeps each user's legacy provider list for a few
// minutes, so the form's select does not cost a Graph call on every page.
// It lives in the console (created with the routes), never in a package
// variable, and reads time from the injected clock.
type legacyProviderCache struct {
	clock clock.Clock
	ttl   time.Duration
	max   int

	mu      sync.Mutex
	entries map[string]legacyProviderEntry
}

type legacyProviderEntry struct {
	list []string
	at   time.Time
}

func newLegacyProviderCache(clk clock.Clock) *legacyProviderCache {
	if clk == nil {
		clk = clock.System{}
	}
	return &legacyProviderCache{clock: clk, ttl: legacyProviderTTL, max: legacyProviderMax, entries: map[string]legacyProviderEntry{}}
}

// get returns a copy of the list stored for key, if it is recent enough.
func (c *legacyProviderCache) get(key string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	if c.clock.Now().Sub(e.at) >= c.ttl {
		delete(c.entries, key)
		return nil, false
	}
	return slices.Clone(e.list), true
}

// put stores list for key. When the cache is full it first drops expired
// entries, then the oldest one.
func (c *legacyProviderCache) put(key string, list []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	if _, exists := c.entries[key]; !exists && len(c.entries) >= c.max {
		oldestKey, oldest := "", time.Time{}
		for k, e := range c.entries {
			if now.Sub(e.at) >= c.ttl {
				delete(c.entries, k)
				continue
			}
			if oldestKey == "" || e.at.Before(oldest) {
				oldestKey, oldest = k, e.at
			}
		}
		if len(c.entries) >= c.max {
			delete(c.entries, oldestKey)
		}
	}
	c.entries[key] = legacyProviderEntry{list: slices.Clone(list), at: now}
}

// legacyItem is one entry of an evidence panel: a heading and its
// non-empty properties.
type legacyItem struct {
	Heading string
	Fields  []field
}

// legacyPanel is one of the alert's state collections (userStates,
// hostStates...).
type legacyPanel struct {
	ID, Title, Property string
	Items               []legacyItem
}

// legacySource is a source material: a link only when it is https.
type legacySource struct {
	Text, Href string
}

type legacyAlertView struct {
	ID, Title, Description string
	Severity, Status       string
	Provider               string
	Props                  []field
	RecommendedActions     []string
	Comments               []string
	Tags                   []string
	Sources                []legacySource
	Panels                 []legacyPanel
	History                []legacyItem
	Activity               []activityEntry
	ActivityError          bool
	RawJSON                string
	Partial                []legacyWarning
	Manage                 legacyManageView
}

// legacyAlertPage is /legacy/alerts/{id}: the alert's properties, its state
// collections as panels, what analysts did to it in graphsec, the raw
// JSON, and the form to manage it.
func (s *Server) legacyAlertPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
	id := r.PathValue("id")
	p := s.newPage(w, r, sess, "legacy_alert", "Legacy alert", "legacy")
	if err := checkLegacyID(id); err != nil {
		p.fail(err)
		return
	}
	if !s.requireScope(w, r, sess, legacyReadScopes...) {
		return
	}
	c, ok := p.graph()
	if !ok {
		return
	}
	a, resp, err := c.LegacyAlerts.Get(r.Context(), id)
	if err != nil {
		s.legacyFail(p, err)
		return
	}
	v := legacyAlertView{
		ID: a.ID, Title: a.Title, Description: a.Description, Severity: string(a.Severity), Status: string(a.Status),
		Provider: legacyProviderOf(a), Props: legacyProps(a), RecommendedActions: a.RecommendedActions,
		Comments: a.Comments, Tags: a.Tags, Sources: legacySources(a.SourceMaterials), Panels: legacyPanels(a),
		History: legacyHistory(a.HistoryStates),
		Manage:  s.newLegacyManageView(sess, legacyManageForm{ID: a.ID}, a),
	}
	if resp != nil {
		for _, w := range resp.Warnings {
			v.Partial = append(v.Partial, legacyWarning{Provider: w.Provider, Vendor: w.Vendor, Status: w.StatusCode, Latency: legacyLatency(w.Latency), Text: w.Text})
		}
	}
	if raw, err := json.MarshalIndent(a, "", "  "); err == nil {
		v.RawJSON = string(raw)
	}
	if v.Activity, err = s.activity(r.Context(), "legacyAlert", a.ID); err != nil {
		s.log.Error("read activity", "request_id", p.data.RequestID, "err", err)
		v.ActivityError = true
	}
	if a.Title != "" {
		p.data.Title = a.Title
	}
	p.render(http.StatusOK, v)
}

// checkLegacyID refuses ids no provider issues, before any call. Path
// separators are refused too: escaped or not, a server or proxy that
// cleans "..%2F..%2Fme" would address another resource (Go's ServeMux
// answers it with a redirect to /v1.0/me).
func checkLegacyID(id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return badInput("Enter the id of a legacy alert.")
	case len(id) > 1024:
		return badInput("An alert id is at most 1024 characters long.")
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		return badInput("The alert id contains a control character.")
	case strings.ContainsAny(id, `/\?#`) || id == "." || id == "..":
		return badInput("An alert id cannot contain /, \\, ? or #, nor be . or ..")
	}
	return nil
}

// legacyFail shows a failed call; a 404 says what an unknown id means for
// the legacy API (which, once retired, knows no id at all).
func (s *Server) legacyFail(p *pageWriter, err error) {
	err = legacyGraphError(err)
	if !errors.Is(err, graph.ErrNotFound) {
		p.fail(err)
		return
	}
	status, v := s.explain(err)
	v.Heading = "No legacy alert with this id"
	v.Message = "Microsoft Graph has no legacy alert with this id. Check the id, or go back to the list. Since the legacy API was retired (2026), it knows no alert at all: alerts now live in Alerts (alerts_v2)."
	s.log.Info("page refused", "page", p.tmpl, "request_id", p.data.RequestID, "err", err)
	p.tmpl = "error"
	p.data.Title = v.Heading
	p.render(status, v)
}

func legacyProviderOf(a *graph.LegacyAlert) string {
	if a.VendorInformation == nil {
		return ""
	}
	return a.VendorInformation.Provider
}

// legacyFields builds a list of fields from name, value pairs, leaving out
// empty values so panels show only what the provider filled in.
func legacyFields(pairs ...string) []field {
	out := make([]field, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			out = append(out, field{Name: pairs[i], Value: pairs[i+1]})
		}
	}
	return out
}

func legacyYesNo(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	default:
		return "no"
	}
}

func legacyInt32(n *int32) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(int(*n))
}

func legacyHash(h *graph.FileHash) string {
	if h == nil || h.HashValue == "" {
		return ""
	}
	if h.HashType != "" {
		return string(h.HashType) + ": " + h.HashValue
	}
	return h.HashValue
}

func legacyProps(a *graph.LegacyAlert) []field {
	vi := a.VendorInformation
	if vi == nil {
		vi = &graph.SecurityVendorInformation{}
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return legacyFields(
		"id", a.ID,
		"category", a.Category,
		"severity", string(a.Severity),
		"status", string(a.Status),
		"feedback", string(a.Feedback),
		"assignedTo", a.AssignedTo,
		"provider", vi.Provider,
		"vendor", vi.Vendor,
		"providerVersion", deref(vi.ProviderVersion),
		"subProvider", deref(vi.SubProvider),
		"confidence", legacyInt32(a.Confidence),
		"activityGroupName", a.ActivityGroupName,
		"createdDateTime", fmtTime(a.CreatedDateTime),
		"eventDateTime", fmtTime(a.EventDateTime),
		"lastEventDateTime", fmtTime(a.LastEventDateTime),
		"lastModifiedDateTime", fmtTime(a.LastModifiedDateTime),
		"closedDateTime", fmtTime(a.ClosedDateTime),
		"azureTenantId", a.AzureTenantID,
		"azureSubscriptionId", a.AzureSubscriptionID,
		"incidentIds", joinList(a.IncidentIDs),
		"detectionIds", joinList(a.DetectionIDs),
	)
}

// legacySources makes source materials links only when they are https
// URLs with a host: anything else (javascript:, http:, text) is shown as
// text, never as a link.
func legacySources(list []string) []legacySource {
	out := make([]legacySource, 0, len(list))
	for _, s := range list {
		src := legacySource{Text: s}
		if u, err := url.Parse(s); err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil {
			src.Href = u.String()
		}
		out = append(out, src)
	}
	return out
}

// legacyPanels turns the alert's state collections into panels, in the
// order an analyst reads them: who, where, what ran, what it touched.
func legacyPanels(a *graph.LegacyAlert) []legacyPanel {
	var panels []legacyPanel
	add := func(id, title, prop string, items []legacyItem) {
		if len(items) > 0 {
			panels = append(panels, legacyPanel{ID: id, Title: title, Property: prop, Items: items})
		}
	}
	var items []legacyItem
	for _, u := range a.UserStates {
		items = append(items, legacyItem{Heading: legacyFirst(u.UserPrincipalName, u.AccountName, u.AADUserID, "User"), Fields: legacyFields(
			"userPrincipalName", u.UserPrincipalName, "accountName", u.AccountName, "domainName", u.DomainName,
			"aadUserId", u.AADUserID, "onPremisesSecurityIdentifier", u.OnPremisesSecurityIdentifier,
			"userAccountType", string(u.UserAccountType), "emailRole", string(u.EmailRole),
			"logonDateTime", fmtTime(u.LogonDateTime), "logonType", string(u.LogonType), "logonIp", u.LogonIP,
			"logonLocation", u.LogonLocation, "logonId", u.LogonID, "isVpn", legacyYesNo(u.IsVPN), "riskScore", u.RiskScore)})
	}
	add("users", "Users", "userStates", items)
	items = nil
	for _, h := range a.HostStates {
		items = append(items, legacyItem{Heading: legacyFirst(h.FQDN, h.NetBIOSName, h.PrivateIPAddress, "Host"), Fields: legacyFields(
			"fqdn", h.FQDN, "netBiosName", h.NetBIOSName, "os", h.OS, "privateIpAddress", h.PrivateIPAddress,
			"publicIpAddress", h.PublicIPAddress, "isAzureAdJoined", legacyYesNo(h.IsAzureADJoined),
			"isAzureAdRegistered", legacyYesNo(h.IsAzureADRegistered), "isHybridAzureDomainJoined", legacyYesNo(h.IsHybridAzureDomainJoined),
			"riskScore", h.RiskScore)})
	}
	add("hosts", "Hosts", "hostStates", items)
	items = nil
	for _, f := range a.FileStates {
		items = append(items, legacyItem{Heading: legacyFirst(f.Name, f.Path, "File"), Fields: legacyFields(
			"name", f.Name, "path", f.Path, "fileHash", legacyHash(f.FileHash), "riskScore", f.RiskScore)})
	}
	add("files", "Files", "fileStates", items)
	items = nil
	for _, p := range a.Processes {
		items = append(items, legacyItem{Heading: legacyFirst(p.Name, p.Path, "Process"), Fields: legacyFields(
			"name", p.Name, "processId", legacyInt32(p.ProcessID), "path", p.Path, "commandLine", p.CommandLine,
			"accountName", p.AccountName, "createdDateTime", fmtTime(p.CreatedDateTime), "integrityLevel", string(p.IntegrityLevel),
			"isElevated", legacyYesNo(p.IsElevated), "fileHash", legacyHash(p.FileHash), "parentProcessName", p.ParentProcessName,
			"parentProcessId", legacyInt32(p.ParentProcessID), "parentProcessCreatedDateTime", fmtTime(p.ParentProcessCreatedDateTime))})
	}
	add("processes", "Processes", "processes", items)
	items = nil
	for _, n := range a.NetworkConnections {
		src := strings.Trim(n.SourceAddress+":"+n.SourcePort, ":")
		dst := legacyFirst(n.DestinationDomain, n.DestinationAddress, n.DestinationURL)
		if n.DestinationPort != "" && dst != "" {
			dst += ":" + n.DestinationPort
		}
		heading := "Connection"
		if src != "" || dst != "" {
			heading = legacyFirst(src, "?") + " → " + legacyFirst(dst, "?")
		}
		items = append(items, legacyItem{Heading: heading, Fields: legacyFields(
			"direction", string(n.Direction), "protocol", string(n.Protocol), "status", string(n.Status),
			"sourceAddress", n.SourceAddress, "sourcePort", n.SourcePort, "sourceLocation", n.SourceLocation,
			"destinationAddress", n.DestinationAddress, "destinationPort", n.DestinationPort, "destinationDomain", n.DestinationDomain,
			"destinationUrl", n.DestinationURL, "destinationLocation", n.DestinationLocation, "urlParameters", n.URLParameters,
			"applicationName", n.ApplicationName, "localDnsName", n.LocalDNSName,
			"natSourceAddress", n.NATSourceAddress, "natSourcePort", n.NATSourcePort,
			"natDestinationAddress", n.NATDestinationAddress, "natDestinationPort", n.NATDestinationPort,
			"domainRegisteredDateTime", fmtTime(n.DomainRegisteredDateTime), "riskScore", n.RiskScore)})
	}
	add("network", "Network connections", "networkConnections", items)
	items = nil
	for _, m := range a.MalwareStates {
		items = append(items, legacyItem{Heading: legacyFirst(m.Name, m.Family, "Malware"), Fields: legacyFields(
			"name", m.Name, "family", m.Family, "category", m.Category, "severity", m.Severity, "wasRunning", legacyYesNo(m.WasRunning))})
	}
	add("malware", "Malware", "malwareStates", items)
	items = nil
	for _, k := range a.RegistryKeyStates {
		items = append(items, legacyItem{Heading: legacyFirst(k.Key, k.ValueName, "Registry key"), Fields: legacyFields(
			"hive", string(k.Hive), "key", k.Key, "operation", string(k.Operation), "valueName", k.ValueName,
			"valueType", string(k.ValueType), "valueData", k.ValueData, "oldKey", k.OldKey, "oldValueName", k.OldValueName,
			"oldValueData", k.OldValueData, "processId", legacyInt32(k.ProcessID))})
	}
	add("registry", "Registry keys", "registryKeyStates", items)
	items = nil
	for _, c := range a.CloudAppStates {
		items = append(items, legacyItem{Heading: legacyFirst(c.DestinationServiceName, c.DestinationServiceIP, "Cloud app"), Fields: legacyFields(
			"destinationServiceName", c.DestinationServiceName, "destinationServiceIp", c.DestinationServiceIP, "riskScore", c.RiskScore)})
	}
	add("cloudapps", "Cloud applications", "cloudAppStates", items)
	items = nil
	for _, v := range a.VulnerabilityStates {
		items = append(items, legacyItem{Heading: legacyFirst(v.CVE, "Vulnerability"), Fields: legacyFields(
			"cve", v.CVE, "severity", v.Severity, "wasRunning", legacyYesNo(v.WasRunning))})
	}
	add("vulnerabilities", "Vulnerabilities", "vulnerabilityStates", items)
	items = nil
	for _, t := range a.Triggers {
		items = append(items, legacyItem{Heading: legacyFirst(t.Name, "Trigger"), Fields: legacyFields(
			"name", t.Name, "type", t.Type, "value", t.Value)})
	}
	add("triggers", "Triggers", "triggers", items)
	items = nil
	for _, r := range a.SecurityResources {
		items = append(items, legacyItem{Heading: legacyFirst(r.Resource, "Resource"), Fields: legacyFields(
			"resource", r.Resource, "resourceType", string(r.ResourceType))})
	}
	add("resources", "Security resources", "securityResources", items)
	return panels
}

// legacyHistory lists the provider's record of past changes, newest first.
func legacyHistory(hs []graph.AlertHistoryState) []legacyItem {
	out := make([]legacyItem, 0, len(hs))
	for i := len(hs) - 1; i >= 0; i-- {
		h := hs[i]
		out = append(out, legacyItem{Heading: legacyFirst(fmtTime(h.UpdatedDateTime), "Change"), Fields: legacyFields(
			"user", h.User, "status", string(h.Status), "feedback", string(h.Feedback), "assignedTo", h.AssignedTo,
			"comments", joinList(h.Comments), "appId", h.AppID)})
	}
	return out
}

func legacyFirst(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
