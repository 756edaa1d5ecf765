package score

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// A control profile's page (/securescore/profiles/{id}): what the control
// is (category, tier, service, scores, user impact, implementation cost,
// threats, compliance), how to implement it (the remediation, as text,
// and the action URL), the history of the state the tenant set on it,
// and the form that adds to that history: POST
// /securescore/profiles/{id} with state (Default, Ignored, ThirdParty,
// Reviewed), assignedTo and comment. The service appends an entry to
// controlStateUpdates; the post redirects to the page, where the history
// shows it. A refusal shows the page with the error in the form and what
// was typed still there.

// activityResource is a control profile's kind in the activity log.
const activityResource = "controlProfile"

// maxAssignee bounds assignedTo (a UPN or a name).
const maxAssignee = 256

// checkID refuses an id that cannot name a control profile.
func checkID(id string) error {
	return page.CheckID(page.T("securescore.kind"), id, page.MaxID)
}

// notFound words Graph's 404 for a control profile.
func notFound(err error, id string) error {
	return page.Reword(err, graph.ErrNotFound, page.T("securescore.notFound.heading"), page.T("securescore.notFound.message", "id", id))
}

// historyRow is one entry of a control's state history.
type historyRow struct {
	When, WhenISO, WhenLong string
	State                   i18n.EnumLabel
	AssignedTo, Comment, By string
	New                     bool
}

// compliance is one certification the control helps with.
type compliance struct {
	Name     string
	Controls []certControl
}

type certControl struct{ Name, URL string }

// stateForm is the form that sets the control's state: its values, and
// its mistakes by field.
type stateForm struct {
	Action     string
	States     []page.Choice
	AssignedTo string
	Comment    string
	Errors     page.FieldErrors
	Max        int
}

// saved is what a state change did, shown once after its redirect.
type saved struct {
	From, To     i18n.EnumLabel
	AssignedTo   string
	Comment      string
	RequestID    string
	Status       int
	Request      *page.RequestView
	AssigneeFrom string
}

// changed is the result kept for the page after the redirect (flashes
// live in the store as page.Changed): the state and assignee as rows, the
// comment, the request sent.
func (s *saved) changed() *page.Changed {
	field := func(prop string, l i18n.EnumLabel) page.Field {
		return page.Field{Prop: prop, Raw: l.Raw, Text: l.Text}
	}
	rows := []page.CompareRow{{Prop: "state", Before: field("state", s.From), After: field("state", s.To), Changed: s.From.Raw != s.To.Raw}}
	if s.AssigneeFrom != s.AssignedTo {
		rows = append(rows, page.CompareRow{Prop: "assignedTo", Before: page.Field{Prop: "assignedTo", Raw: s.AssigneeFrom},
			After: page.Field{Prop: "assignedTo", Raw: s.AssignedTo}, Changed: true})
	}
	return &page.Changed{Heading: "securescore.saved", Rows: rows, Comment: s.Comment,
		Sent: []page.Sent{{What: "update", Request: s.Request, Status: s.Status, RequestID: s.RequestID}}}
}

// savedFrom reads back what changed made.
func savedFrom(c *page.Changed) *saved {
	s := &saved{Comment: c.Comment}
	for _, r := range c.Rows {
		switch r.Prop {
		case "state":
			s.From = i18n.EnumLabel{Raw: r.Before.Raw, Text: r.Before.Shown()}
			s.To = i18n.EnumLabel{Raw: r.After.Raw, Text: r.After.Shown()}
		case "assignedTo":
			s.AssigneeFrom, s.AssignedTo = r.Before.Raw, r.After.Raw
		}
	}
	if len(c.Sent) > 0 {
		s.Status, s.RequestID, s.Request = c.Sent[0].Status, c.Sent[0].RequestID, c.Sent[0].Request
	}
	return s
}

// profileView is the page's data.
type profileView struct {
	ID, Title                      string
	Category, State, Tier          i18n.EnumLabel
	Impact, Cost, ActionType       i18n.EnumLabel
	Service                        string
	Threats                        []i18n.EnumLabel
	Max, Rank                      string
	Deprecated                     bool
	Modified, ModifiedLong         string
	Remediation, RemediationImpact string
	ActionURL                      string
	Compliance                     []compliance
	History                        []historyRow
	Form                           stateForm
	ReadOnly                       bool
	Flash                          *saved
	Error                          *page.ErrorView
	Activity                       []page.ActivityEntry
	ActivityFailed                 bool
	Requests                       []*page.RequestView
	Partial                        bool
}

// Profile is GET /securescore/profiles/{id}.
func (ps *Pages) Profile(p *page.Page) error {
	id := p.R.PathValue("id")
	p.Title, p.Nav = p.L.T("securescore.kind"), "securescore"
	if err := checkID(id); err != nil {
		return err
	}
	c, err := p.GraphFor(graph.AccessReadSecurityEvents)
	if err != nil {
		return err
	}
	ctx, sent := page.Record(p.R.Context())
	cp, _, err := c.ControlProfiles.Get(ctx, id)
	if err != nil {
		return notFound(err, id)
	}
	v := ps.profileView(p, cp, nil)
	v.Requests = []*page.RequestView{page.Shown("get", sent.First(""))}
	if c := p.TakeFlash(ProfileHref(cp.ID), p.R.URL.Query().Get("done")); c != nil {
		v.Flash = savedFrom(c)
		if len(v.History) > 0 {
			v.History[0].New = true
		}
	}
	return ps.render(p, http.StatusOK, v)
}

// profileView builds the page of cp; in, when not nil, is what the user
// submitted (kept in the form).
func (ps *Pages) profileView(p *page.Page, cp *graph.ControlProfile, in *update) profileView {
	L := p.L
	st := state(cp)
	v := profileView{
		ID: cp.ID, Title: cmp.Or(cp.Title, cp.ID), Category: L.ScoreCategory(cp.ControlCategory), State: L.Enum(st),
		Tier: L.ScoreValue(cp.Tier), Impact: L.ScoreValue(cp.UserImpact), Cost: L.ScoreValue(cp.ImplementationCost),
		ActionType: L.ScoreValue(cp.ActionType), Service: cp.Service, Deprecated: deref(cp.Deprecated),
		Remediation: plainText(cp.Remediation), RemediationImpact: plainText(cp.RemediationImpact),
		ActionURL: page.PortalURL(cp.ActionURL), ReadOnly: p.Role().ReadOnly(),
	}
	if cp.MaxScore != nil {
		v.Max = L.N(*cp.MaxScore)
	}
	if cp.Rank != nil {
		v.Rank = L.N(*cp.Rank)
	}
	if !cp.LastModifiedDateTime.IsZero() {
		v.Modified, v.ModifiedLong = L.Date(cp.LastModifiedDateTime), L.TimeLong(cp.LastModifiedDateTime)
	}
	for _, t := range cp.Threats {
		v.Threats = append(v.Threats, L.ScoreValue(t))
	}
	for _, ci := range cp.ComplianceInformation {
		c := compliance{Name: ci.CertificationName}
		for _, cc := range ci.CertificationControls {
			c.Controls = append(c.Controls, certControl{Name: cc.Name, URL: page.PortalURL(cc.URL)})
		}
		v.Compliance = append(v.Compliance, c)
	}
	hist := slices.Clone(cp.ControlStateUpdates)
	slices.SortStableFunc(hist, func(a, b graph.SecureScoreControlStateUpdate) int {
		return b.UpdatedDateTime.Compare(a.UpdatedDateTime)
	})
	for _, h := range hist {
		v.History = append(v.History, historyRow{
			When: L.Rel(h.UpdatedDateTime), WhenISO: L.ISO(h.UpdatedDateTime), WhenLong: L.TimeLong(h.UpdatedDateTime),
			State: L.Enum(cmp.Or(h.State, graph.ControlStateDefault)), AssignedTo: h.AssignedTo, Comment: h.Comment, By: h.UpdatedBy,
		})
	}
	cur, who := string(st), assignee(cp)
	f := stateForm{Action: ProfileHref(cp.ID), Max: page.MaxComment}
	if in != nil {
		cur, who, f.Comment, f.Errors = cmp.Or(in.State, cur), in.AssignedTo, in.Comment, in.Errors
	}
	f.AssignedTo = p.KeepOr(who, "assignedTo")
	f.Comment = p.KeepOr(f.Comment, "comment")
	f.States = page.EnumChoices(L, graph.ControlStates(), cur)
	v.Form = f
	var err error
	v.Activity, err = ps.activity.List(p.R.Context(), activityResource, cp.ID, func(prop, raw string) string {
		if prop == "state" {
			return L.Label(graph.ControlState(raw))
		}
		return ""
	})
	v.ActivityFailed = err != nil
	return v
}

// assignee is who the control's latest state update assigned it to.
func assignee(cp *graph.ControlProfile) string {
	var last *graph.SecureScoreControlStateUpdate
	for i := range cp.ControlStateUpdates {
		u := &cp.ControlStateUpdates[i]
		if last == nil || !u.UpdatedDateTime.Before(last.UpdatedDateTime) {
			last = u
		}
	}
	if last == nil {
		return ""
	}
	return last.AssignedTo
}

func (ps *Pages) render(p *page.Page, status int, v profileView) error {
	p.Title, p.Nav = v.Title, "securescore"
	return p.Render(status, "score/profile", v)
}

// update is what the state form asks for, read and checked.
type update struct {
	State, AssignedTo, Comment string
	Errors                     page.FieldErrors
}

// readUpdate reads the form: state must be one of Graph's states,
// assignedTo one line of at most maxAssignee bytes, comment text of at
// most page.MaxComment characters (it may be empty).
func readUpdate(form url.Values) update {
	get := form.Get
	var u update
	u.State = strings.TrimSpace(get("state"))
	switch {
	case u.State == "":
		u.Errors.Add("state", page.T("securescore.error.stateMissing"))
	case !slices.Contains(graph.ControlStates(), graph.ControlState(u.State)):
		u.Errors.Add("state", page.T("securescore.error.state", "value", page.Shorten(u.State, 40)))
		u.State = ""
	}
	var err error
	u.AssignedTo, err = page.Text(page.T("prop.assignedTo"), get("assignedTo"), maxAssignee)
	u.Errors.Check("assignedTo", err)
	u.Comment = strings.TrimSpace(strings.ReplaceAll(get("comment"), "\r\n", "\n"))
	if u.Comment != "" {
		c, err := page.ParseComment(u.Comment)
		if u.Errors.Check("comment", err) {
			u.Comment = c
		}
	}
	return u
}

// Update is POST /securescore/profiles/{id}: it sets the control's state,
// assignee and comment (Graph appends an entry to the control's history),
// records the change in graphsec's activity log and redirects to the
// control's page, which shows the history with the new entry.
func (ps *Pages) Update(p *page.Page) error {
	id := p.R.PathValue("id")
	p.Title, p.Nav = p.L.T("securescore.kind"), "securescore"
	if err := checkID(id); err != nil {
		return err
	}
	in := readUpdate(p.R.PostForm)
	c, err := p.GraphFor(graph.AccessWriteSecurityEvents)
	if err != nil {
		return ps.refuse(p, nil, id, in, err)
	}
	ctx := p.R.Context()
	before, _, err := c.ControlProfiles.Get(ctx, id)
	if err != nil {
		return ps.refuse(p, c, id, in, notFound(err, id))
	}
	if in.Errors.Any() {
		v := ps.profileView(p, before, &in)
		return ps.render(p, http.StatusBadRequest, v)
	}
	from, who := state(before), assignee(before)
	if in.State == string(from) && in.AssignedTo == who && in.Comment == "" {
		in.Errors.Add("state", page.T("securescore.error.nothing"))
		return ps.render(p, http.StatusBadRequest, ps.profileView(p, before, &in))
	}
	vi := graph.SecurityVendorInformation{Provider: "SecureScore", Vendor: "Microsoft"}
	if before.VendorInformation != nil && before.VendorInformation.Provider != "" && before.VendorInformation.Vendor != "" {
		vi = graph.SecurityVendorInformation{Provider: before.VendorInformation.Provider, Vendor: before.VendorInformation.Vendor}
	}
	u := graph.ControlProfileUpdate{
		State: graph.Some(graph.ControlState(in.State)), AssignedTo: graph.Some(in.AssignedTo), Comment: graph.Some(in.Comment),
		VendorInformation: vi, ReturnRepresentation: true,
	}
	changes := map[string]any{"state": map[string]string{"From": string(from), "To": in.State}}
	if in.AssignedTo != who {
		changes["assignedTo"] = map[string]string{"From": who, "To": in.AssignedTo}
	}
	if in.Comment != "" {
		changes["comment"] = in.Comment
	}
	asked, _ := json.Marshal(changes)
	intent := ps.activity.Begin(ctx, p.Session, activityResource, before.ID, "update", asked)
	octx, rec := page.Record(ctx)
	_, resp, err := c.ControlProfiles.Update(octx, before.ID, u)
	if err != nil {
		intent.Fail(ctx, err)
		return ps.refuse(p, c, id, in, notFound(err, id))
	}
	intent.Done(ctx, resp.RequestID, asked)
	href := ProfileHref(before.ID)
	fl := &saved{From: p.L.Enum(from), To: p.L.Enum(graph.ControlState(in.State)), AssignedTo: in.AssignedTo, AssigneeFrom: who,
		Comment: in.Comment, RequestID: resp.RequestID, Status: resp.StatusCode, Request: page.Shown("patch", rec.First(http.MethodPatch))}
	token := p.SetFlash(href, fl.changed())
	return p.Redirect(href+"?done="+token, http.StatusSeeOther)
}

// refuse shows the control's page with err in the form and what the user
// typed still there, at the status err calls for. When the control cannot
// be read either, the page holds the form alone.
func (ps *Pages) refuse(p *page.Page, c *graph.Client, id string, in update, err error) error {
	status, ev := p.Explain(err)
	if c == nil {
		c, _ = p.GraphFor(graph.AccessReadSecurityEvents)
	}
	var cp *graph.ControlProfile
	if c != nil {
		cp, _, _ = c.ControlProfiles.Get(p.R.Context(), id)
	}
	var v profileView
	if cp != nil {
		v = ps.profileView(p, cp, &in)
	} else {
		v = ps.profileView(p, &graph.ControlProfile{ID: id}, &in)
		v.Partial = true
	}
	v.ReadOnly = false // the form comes back with what was typed
	v.Error = &ev
	return ps.render(p, status, v)
}
