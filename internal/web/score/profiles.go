package score

import (
	"cmp"
	"net/url"
	"slices"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// The control profiles' list on /securescore: filters and sort are GET
// parameters named after the profile's properties (controlCategory,
// service, tier, userImpact, implementationCost, actionType, state: the
// latest state set on the control, Default when none; deprecated=true or
// false; q: words of the title or the id; sort: "prop asc|desc"). Graph
// offers no documented filter on these, and a tenant has a few hundred
// profiles at most, so graphsec reads them all (one request, or a few
// pages) and filters and sorts them itself.

// ProfileHref links a control profile's page.
func ProfileHref(id string) string { return "/securescore/profiles/" + url.PathEscape(id) }

// filter is the profiles' view as the URL asks for it.
type filter struct {
	Category, Service, Tier, UserImpact, Cost, ActionType, State, Deprecated, Q string
	Sort                                                                        string
}

// sortProps are the properties the list sorts by; the first is the
// default ("rank asc": Microsoft's ranking, most worth doing first).
var sortProps = []string{"rank", "title", "controlCategory", "maxScore", "userImpact", "implementationCost", "tier", "service", "state", "lastModifiedDateTime"}

const defaultSort = "rank asc"

// readFilter reads the list's parameters; a value graphsec cannot use is a
// mistake by field (the list is then empty and the page a 400).
func readFilter(q url.Values) (filter, page.FieldErrors) {
	var errs page.FieldErrors
	text := func(name string) string {
		v, err := page.Text(page.T("securescore.filter."+name), q.Get(name), page.MaxText)
		errs.Check(name, err)
		return v
	}
	f := filter{
		Category: text("controlCategory"), Service: text("service"), Tier: text("tier"),
		UserImpact: text("userImpact"), Cost: text("implementationCost"), ActionType: text("actionType"),
		State: text("state"), Deprecated: text("deprecated"), Q: text("q"), Sort: text("sort"),
	}
	if f.State != "" && !slices.Contains(graph.ControlStates(), graph.ControlState(f.State)) {
		errs.Add("state", page.T("securescore.error.state", "value", page.Shorten(f.State, 40)))
	}
	if f.Deprecated != "" && f.Deprecated != "true" && f.Deprecated != "false" {
		errs.Add("deprecated", page.T("securescore.error.deprecated"))
	}
	if f.Sort != "" {
		prop, dir, _ := strings.Cut(f.Sort, " ")
		if !slices.Contains(sortProps, prop) || (dir != "asc" && dir != "desc") {
			errs.Add("sort", page.T("securescore.error.sort", "value", page.Shorten(f.Sort, 40)))
		}
	}
	return f, errs
}

// state is a profile's current state: the latest entry of its history,
// Default without one.
func state(p *graph.ControlProfile) graph.ControlState {
	var last *graph.SecureScoreControlStateUpdate
	for i := range p.ControlStateUpdates {
		u := &p.ControlStateUpdates[i]
		if last == nil || !u.UpdatedDateTime.Before(last.UpdatedDateTime) {
			last = u
		}
	}
	if last == nil || last.State == "" {
		return graph.ControlStateDefault
	}
	return last.State
}

// match reports whether p is in the view f.
func (f filter) match(p *graph.ControlProfile) bool {
	eq := func(want, got string) bool { return want == "" || strings.EqualFold(want, got) }
	if !eq(f.Category, p.ControlCategory) || !eq(f.Service, p.Service) || !eq(f.Tier, p.Tier) || !eq(f.UserImpact, p.UserImpact) ||
		!eq(f.Cost, p.ImplementationCost) || !eq(f.ActionType, p.ActionType) || !eq(f.State, string(state(p))) {
		return false
	}
	if f.Deprecated != "" && (f.Deprecated == "true") != deref(p.Deprecated) {
		return false
	}
	if f.Q != "" {
		hay := strings.ToLower(p.Title + " " + p.ID)
		for _, w := range strings.Fields(strings.ToLower(f.Q)) {
			if !strings.Contains(hay, w) {
				return false
			}
		}
	}
	return true
}

// levels orders userImpact and implementationCost.
func level(s string) int {
	switch strings.ToLower(s) {
	case "low":
		return 1
	case "moderate":
		return 2
	case "high":
		return 3
	}
	return 4
}

// tierOrder orders tiers as Microsoft ranks them.
func tierOrder(s string) int {
	switch strings.ToLower(s) {
	case "core":
		return 1
	case "defense in depth":
		return 2
	case "advanced":
		return 3
	}
	return 4
}

// compare orders two profiles by prop.
func compare(prop string, a, b *graph.ControlProfile) int {
	switch prop {
	case "title":
		return cmp.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title))
	case "controlCategory":
		return cmp.Compare(a.ControlCategory, b.ControlCategory)
	case "maxScore":
		return cmp.Compare(deref(a.MaxScore), deref(b.MaxScore))
	case "userImpact":
		return cmp.Compare(level(a.UserImpact), level(b.UserImpact))
	case "implementationCost":
		return cmp.Compare(level(a.ImplementationCost), level(b.ImplementationCost))
	case "tier":
		return cmp.Compare(tierOrder(a.Tier), tierOrder(b.Tier))
	case "service":
		return cmp.Compare(a.Service, b.Service)
	case "state":
		return cmp.Compare(state(a), state(b))
	case "lastModifiedDateTime":
		return a.LastModifiedDateTime.Compare(b.LastModifiedDateTime)
	}
	ra, rb := deref(a.Rank), deref(b.Rank)
	if ra == 0 {
		ra = 1 << 30
	}
	if rb == 0 {
		rb = 1 << 30
	}
	return cmp.Compare(ra, rb)
}

// profileRow is one line of the list.
type profileRow struct {
	ID, Href, Title                              string
	Rank, Max                                    string
	Category, State, Tier, Impact, Cost, Service i18n.EnumLabel
	Threats                                      []i18n.EnumLabel
	Deprecated                                   bool
	Modified, ModifiedLong                       string
}

// filterField is one select of the list's filter form.
type filterField struct {
	Name, Label string
	Choices     []page.Choice
	Error       string
}

// profilesView is the list's part of the page.
type profilesView struct {
	Fields     []filterField
	Q          string
	QError     string
	SortError  string
	Sort       string
	Rows       []profileRow
	Total      int
	Columns    []page.Column
	Errors     bool
	ClearAll   string
	Error      *page.ErrorView
	Filtered   bool
	Deprecated int
}

// profilesPage builds the list of profiles in view f (nothing when errs).
func profilesPage(L *i18n.Printer, q url.Values, f filter, errs page.FieldErrors, profiles []graph.ControlProfile) profilesView {
	v := profilesView{Q: f.Q, Total: len(profiles), Errors: errs.Any(), Sort: f.Sort}
	values := func(get func(*graph.ControlProfile) string) []string {
		var out []string
		for i := range profiles {
			if s := get(&profiles[i]); s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		slices.Sort(out)
		return out
	}
	field := func(name string, cur string, vals []string, label func(string) i18n.EnumLabel) filterField {
		if cur != "" && !slices.ContainsFunc(vals, func(s string) bool { return strings.EqualFold(s, cur) }) {
			vals = append(vals, cur) // kept as typed, even when no profile has it
		}
		fl := filterField{Name: name, Label: L.T("securescore.filter." + name), Error: errs[name].In(L)}
		for _, s := range vals {
			fl.Choices = append(fl.Choices, page.Choice{Value: s, Label: label(s).Text, Selected: strings.EqualFold(s, cur)})
		}
		return fl
	}
	states := page.Strings(graph.ControlStates())
	v.Fields = []filterField{
		field("controlCategory", f.Category, values(func(p *graph.ControlProfile) string { return p.ControlCategory }), L.ScoreCategory),
		field("service", f.Service, values(func(p *graph.ControlProfile) string { return p.Service }), func(s string) i18n.EnumLabel { return i18n.EnumLabel{Text: s, Raw: s} }),
		field("tier", f.Tier, values(func(p *graph.ControlProfile) string { return p.Tier }), L.ScoreValue),
		field("userImpact", f.UserImpact, values(func(p *graph.ControlProfile) string { return p.UserImpact }), L.ScoreValue),
		field("implementationCost", f.Cost, values(func(p *graph.ControlProfile) string { return p.ImplementationCost }), L.ScoreValue),
		field("actionType", f.ActionType, values(func(p *graph.ControlProfile) string { return p.ActionType }), L.ScoreValue),
		field("state", f.State, states, func(s string) i18n.EnumLabel { return L.Enum(graph.ControlState(s)) }),
		field("deprecated", f.Deprecated, []string{"false", "true"}, func(s string) i18n.EnumLabel {
			switch s {
			case "true":
				return i18n.EnumLabel{Raw: s, Text: L.T("securescore.deprecated.true")}
			case "false":
				return i18n.EnumLabel{Raw: s, Text: L.T("securescore.deprecated.false")}
			}
			return i18n.EnumLabel{Raw: s, Text: s}
		}),
	}
	v.QError, v.SortError = errs["q"].In(L), errs["sort"].In(L)
	base := url.Values{}
	for _, k := range []string{"controlCategory", "service", "tier", "userImpact", "implementationCost", "actionType", "state", "deprecated", "q"} {
		if s := q.Get(k); s != "" {
			base.Set(k, s)
		}
	}
	v.Filtered = len(base) > 0
	if v.Filtered {
		v.ClearAll = "/securescore#profiles"
	}
	link := func(u url.Values) string { return "/securescore?" + u.Encode() + "#profiles" }
	v.Columns = page.SortColumns(base, link, f.Sort, defaultSort,
		page.ColumnSpec{Key: "securescore.rank", Class: "c-rank", Prop: "rank", First: "asc"},
		page.ColumnSpec{Key: "securescore.profile", Class: "c-title", Prop: "title", First: "asc"},
		page.ColumnSpec{Key: "securescore.category", Class: "c-cat", Prop: "controlCategory", First: "asc"},
		page.ColumnSpec{Key: "securescore.maxScore", Class: "c-num", Prop: "maxScore", First: "desc"},
		page.ColumnSpec{Key: "securescore.userImpact", Class: "c-lvl", Prop: "userImpact", First: "asc"},
		page.ColumnSpec{Key: "securescore.implementationCost", Class: "c-lvl", Prop: "implementationCost", First: "asc"},
		page.ColumnSpec{Key: "securescore.tier", Class: "c-tier", Prop: "tier", First: "asc"},
		page.ColumnSpec{Key: "securescore.service", Class: "c-svc", Prop: "service", First: "asc"},
		page.ColumnSpec{Key: "securescore.state", Class: "c-state", Prop: "state", First: "asc"},
		page.ColumnSpec{Key: "securescore.threats", Class: "c-threats"},
	)
	if v.Errors {
		return v
	}
	list := make([]*graph.ControlProfile, 0, len(profiles))
	for i := range profiles {
		if f.match(&profiles[i]) {
			list = append(list, &profiles[i])
		}
		if deref(profiles[i].Deprecated) {
			v.Deprecated++
		}
	}
	prop, dir, _ := strings.Cut(cmp.Or(f.Sort, defaultSort), " ")
	slices.SortStableFunc(list, func(a, b *graph.ControlProfile) int {
		c := compare(prop, a, b)
		if dir == "desc" {
			c = -c
		}
		return cmp.Or(c, compare("rank", a, b))
	})
	for _, p := range list {
		v.Rows = append(v.Rows, newProfileRow(L, p))
	}
	return v
}

func newProfileRow(L *i18n.Printer, p *graph.ControlProfile) profileRow {
	r := profileRow{
		ID: p.ID, Href: ProfileHref(p.ID), Title: cmp.Or(p.Title, p.ID), Category: L.ScoreCategory(p.ControlCategory),
		State: L.Enum(state(p)), Tier: L.ScoreValue(p.Tier), Impact: L.ScoreValue(p.UserImpact), Cost: L.ScoreValue(p.ImplementationCost),
		Service: i18n.EnumLabel{Text: p.Service, Raw: p.Service}, Deprecated: deref(p.Deprecated),
	}
	if p.Rank != nil {
		r.Rank = L.N(*p.Rank)
	}
	if p.MaxScore != nil {
		r.Max = L.N(*p.MaxScore)
	}
	for _, t := range p.Threats {
		r.Threats = append(r.Threats, L.ScoreValue(t))
	}
	if !p.LastModifiedDateTime.IsZero() {
		r.Modified, r.ModifiedLong = L.Date(p.LastModifiedDateTime), L.TimeLong(p.LastModifiedDateTime)
	}
	return r
}
