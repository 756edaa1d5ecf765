package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
)

// Managing a legacy alert works as in the original sample's "Manage
// alerts": read the alert, PATCH it assigned to the signed-in analyst with
// the chosen status and feedback, its comments plus the new one, and the
// vendorInformation the service requires; read it again and show the
// request and the alert before and after. graphsec also records the change
// in its activity log, which the legacy API itself does not keep for
// analysts.

// legacyUpdateStatuses and legacyFeedbacks are the manage form's choices,
// valued as Graph spells the enum members (the fields are named after the
// properties, so a form post reads like the PATCH it becomes).
var (
	legacyUpdateStatuses = []choice{{"newAlert", "New alert"}, {"inProgress", "In progress"}, {"resolved", "Resolved"}}
	legacyFeedbacks      = []choice{{"unknown", "Unknown"}, {"truePositive", "True positive"}, {"falsePositive", "False positive"}, {"benignPositive", "Benign positive"}}
)

// legacyMaxComment bounds a new comment. Microsoft documents no length; the
// providers that take free text keep short notes, and those that do not
// accept only "Closed in IPC" / "Closed in MCAS".
const legacyMaxComment = 1000

// legacyManageForm is what the analyst entered, kept to refill the form
// after a refusal.
type legacyManageForm struct {
	ID, Status, Feedback, Comment string
}

// legacyManageView is the manage form, on its own page (/legacy/manage) or
// on an alert's page.
type legacyManageView struct {
	Form legacyManageForm
	// Action is where the form posts; FixedID hides the id field on an
	// alert's own page.
	Action   string
	FixedID  bool
	Statuses []choice
	Feedback []choice
	Me       string
	// CommentHint tells what this alert's provider accepts as a comment.
	CommentHint string
	// Error is Graph's or graphsec's refusal of the last submission.
	Error *errorView
	// Request is the refused PATCH, when one was sent.
	Request *restView
}

func (s *Server) newLegacyManageView(sess *auth.Session, f legacyManageForm, a *graph.LegacyAlert) legacyManageView {
	v := legacyManageView{Form: f, Action: "/legacy/manage", Statuses: legacyUpdateStatuses, Feedback: legacyFeedbacks, Me: sess.UserPrincipalName}
	if a != nil {
		v.Action, v.FixedID = legacyAlertHref(a.ID), true
		v.CommentHint = legacyCommentHint(legacyProviderOf(a))
	}
	return v
}

// legacyCommentHint explains the documented restriction on comments,
// exactly for the two providers it names.
func legacyCommentHint(provider string) string {
	switch strings.ToLower(provider) {
	case "ipc":
		return "Alerts from IPC accept only the comment “Closed in IPC”."
	case "mcas":
		return "Alerts from MCAS accept only the comment “Closed in MCAS”."
	}
	return ""
}

// legacyManagePage is GET /legacy/manage: the original's "Manage alerts"
// form, by alert id (?id= fills it in).
func (s *Server) legacyManagePage(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
	p := s.newPage(w, r, sess, "legacy_manage", "Manage legacy alerts", "legacy")
	id := strings.TrimSpace(r.URL.Query().Get("id"))
	if id != "" {
		if err := checkLegacyID(id); err != nil {
			p.fail(err)
			return
		}
	}
	if !s.requireScope(w, r, sess, legacyWriteScopes...) {
		return
	}
	p.render(http.StatusOK, s.newLegacyManageView(sess, legacyManageForm{ID: id}, nil))
}

// updateLegacyAlert is POST /legacy/alerts/{id}, the form on an alert's
// page.
func (s *Server) updateLegacyAlert(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
	id := r.PathValue("id")
	s.manageLegacyAlert(w, r, sess, id, legacyAlertHref(id), true)
}

// legacyManageByID is POST /legacy/manage, the form by alert id.
func (s *Server) legacyManageByID(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
	s.manageLegacyAlert(w, r, sess, strings.TrimSpace(r.PostForm.Get("id")), "/legacy/manage", false)
}

// parseLegacyManage reads the form's choices: empty keeps the alert's
// value; enum members are matched without regard to case and sent in
// Graph's spelling.
func parseLegacyManage(f *legacyManageForm) error {
	if err := checkLegacyID(f.ID); err != nil {
		return err
	}
	norm := func(name, v string, cs []choice) (string, error) {
		v = strings.TrimSpace(v)
		if v == "" {
			return "", nil
		}
		i := slices.IndexFunc(cs, func(c choice) bool { return strings.EqualFold(c.Value, v) })
		if i < 0 {
			vals := make([]string, len(cs))
			for j, c := range cs {
				vals[j] = c.Value
			}
			return "", badInput("%q is not a %s graphsec can set: choose %s.", v, name, strings.Join(vals, ", "))
		}
		return cs[i].Value, nil
	}
	var err error
	if f.Status, err = norm("status", f.Status, legacyUpdateStatuses); err != nil {
		return err
	}
	if f.Feedback, err = norm("feedback", f.Feedback, legacyFeedbacks); err != nil {
		return err
	}
	f.Comment = strings.TrimSpace(f.Comment)
	if utf8.RuneCountInString(f.Comment) > legacyMaxComment {
		return badInput("The comment is too long (at most %d characters).", legacyMaxComment)
	}
	if !utf8.ValidString(f.Comment) {
		return badInput("The comment is not valid text (UTF-8).")
	}
	return nil
}

// manageLegacyAlert reads, patches and re-reads one legacy alert and shows
// the request and the alert before and after. Every refusal (bad input,
// unknown id, Graph's 400 for a comment a provider does not take, 403)
// comes back as the form, filled in as submitted, with the reason.
func (s *Server) manageLegacyAlert(w http.ResponseWriter, r *http.Request, sess *auth.Session, id, action string, fixedID bool) {
	f := legacyManageForm{ID: id, Status: r.PostForm.Get("status"), Feedback: r.PostForm.Get("feedback"), Comment: r.PostForm.Get("comment")}
	p := s.newPage(w, r, sess, "compare", "Legacy alert updated", "legacy")
	mv := s.newLegacyManageView(sess, f, nil)
	mv.Action, mv.FixedID = action, fixedID
	refuse := func(err error, req *graph.Request) {
		err = legacyGraphError(err)
		status, ev := s.explain(err)
		if errors.Is(err, graph.ErrNotFound) {
			ev.Heading = "No legacy alert with this id"
			ev.Message = "Microsoft Graph has no legacy alert with the id you entered. Check it and try again. (Once the legacy API is retired it knows no alert at all: alerts live in Alerts, alerts_v2.)"
		}
		if status >= 500 {
			s.log.Error("legacy update failed", "request_id", p.data.RequestID, "err", err)
		} else {
			s.log.Info("legacy update refused", "request_id", p.data.RequestID, "err", err)
		}
		mv.Error = &ev
		if req != nil {
			mv.Request = &restView{ID: "patch", Method: req.Method, URL: req.URL, Body: string(req.Body)}
		}
		p.tmpl = "legacy_manage"
		p.data.Title = ev.Heading
		p.render(status, mv)
	}
	if err := parseLegacyManage(&f); err != nil {
		refuse(err, nil)
		return
	}
	mv.Form = f
	if sess.UserPrincipalName == "" {
		refuse(badInput("Your sign-in carries no user principal name, which the alert would be assigned to."), nil)
		return
	}
	if !s.requireScope(w, r, sess, legacyWriteScopes...) {
		return
	}
	c, err := s.graphClient(r.Context(), sess, p.retrying)
	if err != nil {
		refuse(err, nil)
		return
	}
	before, _, err := c.LegacyAlerts.Get(r.Context(), f.ID)
	if err != nil {
		refuse(err, nil)
		return
	}
	mv.CommentHint = legacyCommentHint(legacyProviderOf(before))
	vi := before.VendorInformation
	if vi == nil || vi.Provider == "" || vi.Vendor == "" {
		refuse(userError{status: http.StatusBadGateway, heading: "The alert cannot be updated",
			message: "Microsoft Graph returned this alert without vendorInformation (provider and vendor), which every update must carry."}, nil)
		return
	}
	u := graph.LegacyAlertUpdate{AssignedTo: graph.Some(sess.UserPrincipalName), VendorInformation: *vi}
	if f.Status != "" {
		u.Status = graph.Some(graph.LegacyAlertStatus(f.Status))
	}
	if f.Feedback != "" {
		u.Feedback = graph.Some(graph.LegacyAlertFeedback(f.Feedback))
	}
	if f.Comment != "" {
		u.Comments = graph.Some(append(slices.Clone(before.Comments), f.Comment))
	}
	var sent *graph.Request
	observe := graph.WithRequestObserver(r.Context(), func(req *graph.Request) {
		if req.Method == http.MethodPatch {
			sent = req
		}
	})
	id = legacyFirst(before.ID, f.ID)
	_, resp, err := c.LegacyAlerts.Update(observe, id, u)
	if err != nil {
		refuse(err, sent)
		return
	}
	after, _, err := c.LegacyAlerts.Get(r.Context(), id)
	if err != nil {
		// The change is made; record what was asked for, then say that
		// the alert could not be shown afterwards.
		s.record(r.Context(), sess, "legacyAlert", id, "update", resp.RequestID, activityChanges(compareFields(legacyCompareFields(before), legacyCompareFields(legacyApplied(before, u)))))
		status, ev := s.explain(legacyGraphError(err))
		ev.Heading = "The alert was updated, but could not be read again"
		ev.Message = "Microsoft Graph accepted the change (HTTP " + strconv.Itoa(resp.StatusCode) + ", request-id " + resp.RequestID + ") but failed when graphsec read the alert again to show it. Open the alert to see its state."
		p.tmpl = "error"
		p.data.Title = ev.Heading
		p.render(status, ev)
		return
	}
	rows := compareFields(legacyCompareFields(before), legacyCompareFields(after))
	s.record(r.Context(), sess, "legacyAlert", id, "update", resp.RequestID, activityChanges(rows))
	v := compareView{Heading: "Legacy alert updated", Status: resp.StatusCode, RequestID: resp.RequestID, Rows: rows,
		Back: legacyAlertHref(id), BackLabel: "Back to the alert"}
	if sent != nil {
		v.Request = &restView{ID: "patch", Method: sent.Method, URL: sent.URL, Body: string(sent.Body)}
	}
	p.render(http.StatusOK, v)
}

// legacyCompareFields are the fields the original showed side by side.
func legacyCompareFields(a *graph.LegacyAlert) []field {
	return []field{
		{"title", a.Title}, {"category", a.Category}, {"severity", string(a.Severity)}, {"status", string(a.Status)},
		{"feedback", string(a.Feedback)}, {"provider", legacyProviderOf(a)}, {"assignedTo", a.AssignedTo},
		{"comments", joinList(a.Comments)}, {"closedDateTime", fmtTime(a.ClosedDateTime)},
	}
}

// legacyApplied is the alert as the update asked it to become, for the
// activity log when the alert cannot be read back.
func legacyApplied(a *graph.LegacyAlert, u graph.LegacyAlertUpdate) *graph.LegacyAlert {
	b := *a
	if v, ok := u.AssignedTo.Get(); ok {
		b.AssignedTo = v
	}
	if v, ok := u.Status.Get(); ok {
		b.Status = v
	}
	if v, ok := u.Feedback.Get(); ok {
		b.Feedback = v
	}
	if v, ok := u.Comments.Get(); ok {
		b.Comments = v
	}
	return &b
}
