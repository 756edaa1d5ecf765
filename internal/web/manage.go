package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
)

// /manage is the original sample's "Manage alerts" for alerts_v2: an alert
// id and the changes to make, for an analyst who has the id from an email,
// a ticket or another tool. It does exactly what the detail page's forms
// do, and shows every request it sent with the alert before and after.

// manageForm is what the user typed, kept on every answer so a mistake
// costs no retyping.
type manageForm struct {
	ID, Status, Classification, Determination, AssignedTo, Comment string
	AssignToMe, Unassign                                           bool
}

// manageSent is one request the page sent, with Graph's answer.
type manageSent struct {
	What      string
	Request   *restView
	Status    int
	RequestID string
}

// manageResult is what a POST did.
type manageResult struct {
	ID, Title, Href string
	Sent            []manageSent
	Rows            []compareRow
}

// manageView is the page's data.
type manageView struct {
	Form                  manageForm
	Status, Class         []v2Option
	Determination         []v2OptGroup
	Result                *manageResult
	Notice                string
	Error                 *errorView
	Me                    string
	CommentMax, MaxIDSize int
}

func (s *Server) newManageView(sess *auth.Session, f manageForm) manageView {
	return manageView{
		Form: f, Status: v2Options(statusChoices, f.Status), Class: v2Options(classChoices, f.Classification),
		Determination: v2DeterminationGroups(f.Determination), Me: sess.UserPrincipalName,
		CommentMax: v2MaxComment, MaxIDSize: v2MaxID,
	}
}

// managePage is GET /manage; ?id= prefills the alert id (links from other
// tools).
func (s *Server) managePage(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
	p := s.newPage(w, r, sess, "manage", "Manage alerts", "manage")
	id := strings.TrimSpace(r.URL.Query().Get("id"))
	if id != "" {
		if err := v2CheckID("alert", id); err != nil {
			p.fail(err)
			return
		}
	}
	p.render(http.StatusOK, s.newManageView(sess, manageForm{ID: id}))
}

// manageRefuse shows err on the manage page with the user's input, at
// the status the error deserves (Graph's code and request-id included).
func (s *Server) manageRefuse(p *pageWriter, v manageView, err error) {
	status, ev := s.explain(err)
	if errors.Is(err, graph.ErrNotFound) {
		ev.Heading = "Alert not found"
		ev.Message = "Microsoft Graph has no alert with the id " + strconv.Quote(v.Form.ID) + ". Check the id (copy it from the alert's page in graphsec or from the Defender portal); this page manages alerts_v2 alerts, legacy alerts are managed at /legacy/manage."
	}
	if status >= 500 {
		s.log.Error("manage failed", "request_id", p.data.RequestID, "err", err)
	} else {
		s.log.Info("manage refused", "request_id", p.data.RequestID, "err", err)
	}
	v.Error = &ev
	p.render(status, v)
}

// manageByID is POST /manage.
func (s *Server) manageByID(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
	p := s.newPage(w, r, sess, "manage", "Manage alerts", "manage")
	form := r.PostForm
	f := manageForm{
		ID: strings.TrimSpace(form.Get("id")), Status: strings.TrimSpace(form.Get("status")),
		Classification: strings.TrimSpace(form.Get("classification")), Determination: strings.TrimSpace(form.Get("determination")),
		AssignedTo: strings.TrimSpace(form.Get("assignedTo")), Comment: form.Get("comment"),
		AssignToMe: form.Get("assignToMe") != "", Unassign: form.Get("unassign") != "",
	}
	v := s.newManageView(sess, f)
	if err := v2CheckID("alert", f.ID); err != nil {
		s.manageRefuse(p, v, err)
		return
	}
	ch, err := parseV2AlertChange(form)
	if err != nil {
		s.manageRefuse(p, v, err)
		return
	}
	var comment string
	if strings.TrimSpace(f.Comment) != "" {
		if comment, err = v2ParseComment(f.Comment); err != nil {
			s.manageRefuse(p, v, err)
			return
		}
	}
	if ch.empty() && comment == "" {
		s.manageRefuse(p, v, badInput("Choose at least one change (status, classification, determination, assignment) or write a comment."))
		return
	}
	if !s.requireScope(w, r, sess, v2AlertWriteScopes...) {
		return
	}
	c, err := s.graphClient(r.Context(), sess, p.retrying)
	if err != nil {
		s.manageRefuse(p, v, err)
		return
	}
	before, _, err := c.Alerts.Get(r.Context(), f.ID)
	if err != nil {
		s.manageRefuse(p, v, err)
		return
	}
	u, err := ch.update(before, sess.UserPrincipalName)
	if err != nil {
		s.manageRefuse(p, v, err)
		return
	}
	if u == (graph.AlertUpdate{}) && comment == "" {
		v.Notice = "Nothing changed: alert " + strconv.Quote(before.ID) + " already has these values, so graphsec sent no request to Graph."
		p.render(http.StatusOK, v)
		return
	}

	res := &manageResult{ID: before.ID, Title: before.Title, Href: v2AlertHref(before.ID)}
	after := before
	if u != (graph.AlertUpdate{}) {
		pr, err := s.patchV2Alert(r.Context(), c, sess, before, u)
		if err != nil {
			s.manageRefuse(p, v, err)
			return
		}
		after = pr.After
		res.Sent = append(res.Sent, manageSent{What: "Update", Request: pr.Request, Status: pr.Status, RequestID: pr.RequestID})
	}
	beforeFields, afterFields := v2CompareFields(before), v2CompareFields(after)
	var commentErr error
	if comment != "" {
		cr, err := s.commentV2Alert(r.Context(), c, sess, before.ID, comment)
		if err != nil {
			commentErr = err
		} else {
			res.Sent = append(res.Sent, manageSent{What: "Comment", Request: cr.Request, Status: cr.Status, RequestID: cr.RequestID})
			beforeFields = append(beforeFields, manageCommentFields(before.Comments)...)
			afterFields = append(afterFields, manageCommentFields(cr.Comments)...)
		}
	}
	res.Rows = compareFields(beforeFields, afterFields)
	if commentErr != nil {
		// The update went through; say so, and why the comment did not,
		// keeping the comment for another try.
		v.Result = res
		s.manageRefuse(p, v, commentErr)
		return
	}
	// The next alert is a fresh start: keep the id, drop the changes, so a
	// second submit cannot post the same comment again.
	next := s.newManageView(sess, manageForm{ID: before.ID})
	next.Result = res
	p.data.Title = "Alert updated"
	p.render(http.StatusOK, next)
}

// manageCommentFields summarises comments for the comparison: how many,
// and the newest.
func manageCommentFields(list []graph.AlertComment) []field {
	last := ""
	if cs := v2Comments(list); len(cs) > 0 {
		last = cs[len(cs)-1].Text
	}
	return []field{{Name: "comments", Value: strconv.Itoa(len(list))}, {Name: "newest comment", Value: last}}
}
