package web

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
)

// Managing an alerts_v2 alert: PATCH status, classification, determination
// and assignedTo (the only fields Graph lets clients change), and POST a
// comment. Every change is read before, sent with only what differs, shown
// as the exact request with the alert before and after, and recorded in
// graphsec's activity log.

// v2DeterminationGroupOrder lists which determinations explain which
// classification, as the Defender portal pairs them (graph-api-facts §2
// gives the members; the pairing is the portal's). "other" and "unknown"
// fit any classification.
var v2DeterminationGroupOrder = []struct {
	class, label string
	values       []string
}{
	{"truePositive", "True positive", []string{"multiStagedAttack", "maliciousUserActivity", "compromisedAccount", "malware", "phishing", "unwantedSoftware", "apt"}},
	{"informationalExpectedActivity", "Informational, expected activity", []string{"securityTesting", "lineOfBusinessApplication", "confirmedActivity", "securityPersonnel"}},
	{"falsePositive", "False positive", []string{"notMalicious", "notEnoughDataToValidate"}},
	{"", "Any classification", []string{"other", "unknown"}},
}

// v2DeterminationFits reports whether determination d explains
// classification c. A classification graphsec does not know (a member Graph
// added later) is not second-guessed.
func v2DeterminationFits(c, d string) bool {
	if d == "" || d == "unknown" || !has(classChoices, c) {
		return true
	}
	if c == "unknown" {
		return false
	}
	if d == "other" {
		return true
	}
	for _, g := range v2DeterminationGroupOrder {
		if g.class == c {
			return slices.Contains(g.values, d)
		}
	}
	return false
}

// v2FittingDeterminations names the determinations that fit c, for the
// message that explains a mismatch.
func v2FittingDeterminations(c string) string {
	var names []string
	for _, g := range v2DeterminationGroupOrder {
		if g.class == c || g.class == "" {
			for _, d := range g.values {
				if c == "unknown" && d != "unknown" {
					continue
				}
				names = append(names, label(determChoices, d)+" ("+d+")")
			}
		}
	}
	return strings.Join(names, ", ")
}

// v2AlertChange is what an update form asks for. Empty fields leave the
// property as it is.
type v2AlertChange struct {
	Status, Classification, Determination, AssignedTo string
	AssignToMe, Unassign                              bool
}

func (ch v2AlertChange) empty() bool {
	return ch.Status == "" && ch.Classification == "" && ch.Determination == "" && ch.AssignedTo == "" && !ch.AssignToMe && !ch.Unassign
}

// v2CheckText refuses text Graph would store but nobody could read or
// search: invalid UTF-8 and control characters (newlines and tabs allowed
// where multiline is).
func v2CheckText(name, v string, multiline bool) error {
	if !utf8.ValidString(v) {
		return badInput("%s is not valid text (it is not UTF-8).", name)
	}
	bad := strings.IndexFunc(v, func(r rune) bool {
		if multiline && (r == '\n' || r == '\t') {
			return false
		}
		return unicode.IsControl(r)
	})
	if bad >= 0 {
		return badInput("%s contains a control character.", name)
	}
	return nil
}

// parseV2AlertChange reads the update fields, named after the properties.
// Enum values must be members graphsec offers (so unknownFutureValue and
// typos are refused before Graph sees them).
func parseV2AlertChange(form url.Values) (v2AlertChange, error) {
	ch := v2AlertChange{
		Status:         strings.TrimSpace(form.Get("status")),
		Classification: strings.TrimSpace(form.Get("classification")),
		Determination:  strings.TrimSpace(form.Get("determination")),
		AssignedTo:     strings.TrimSpace(form.Get("assignedTo")),
		AssignToMe:     form.Get("assignToMe") != "",
		Unassign:       form.Get("unassign") != "",
	}
	for _, e := range []struct {
		name, v string
		cs      []choice
	}{{"status", ch.Status, statusChoices}, {"classification", ch.Classification, classChoices}, {"determination", ch.Determination, determChoices}} {
		if e.v == "" || has(e.cs, e.v) {
			continue
		}
		vals := make([]string, len(e.cs))
		for i, c := range e.cs {
			vals[i] = c.Value
		}
		shown := e.v
		if len(shown) > 64 {
			shown = shown[:64] + "…"
		}
		return ch, badInput("%q is not a valid %s. Choose one of: %s.", shown, e.name, strings.Join(vals, ", "))
	}
	if len(ch.AssignedTo) > maxFieldLen {
		return ch, badInput("assignedTo is too long (at most %d characters).", maxFieldLen)
	}
	if err := v2CheckText("assignedTo", ch.AssignedTo, false); err != nil {
		return ch, err
	}
	if ch.AssignToMe && ch.Unassign {
		return ch, badInput("Choose either \"Assign to me\" or \"Unassign\", not both.")
	}
	return ch, nil
}

// update returns the PATCH body: only the fields whose new value differs
// from before. "Assign to me" wins over the typed assignee (the button is
// what was pressed), and "Unassign" over the text field (which the detail
// page prefills with the current assignee).
func (ch v2AlertChange) update(before *graph.Alert, me string) (graph.AlertUpdate, error) {
	var u graph.AlertUpdate
	if ch.Status != "" && ch.Status != string(before.Status) {
		u.Status = graph.Some(graph.AlertStatus(ch.Status))
	}
	if ch.Classification != "" && ch.Classification != string(before.Classification) {
		u.Classification = graph.Some(graph.AlertClassification(ch.Classification))
	}
	if ch.Determination != "" && ch.Determination != string(before.Determination) {
		u.Determination = graph.Some(graph.AlertDetermination(ch.Determination))
	}
	switch {
	case ch.Unassign:
		if before.AssignedTo != "" {
			u.AssignedTo = graph.Clear[string]()
		}
	case ch.AssignToMe:
		if me == "" {
			return u, badInput("graphsec does not know your user principal name, so it cannot assign the alert to you. Type it in \"Assigned to\".")
		}
		if me != before.AssignedTo {
			u.AssignedTo = graph.Some(me)
		}
	case ch.AssignedTo != "" && ch.AssignedTo != before.AssignedTo:
		u.AssignedTo = graph.Some(ch.AssignedTo)
	}
	if !u.Classification.IsZero() || !u.Determination.IsZero() {
		c, d := string(before.Classification), string(before.Determination)
		if v, ok := u.Classification.Get(); ok {
			c = string(v)
		}
		if v, ok := u.Determination.Get(); ok {
			d = string(v)
		}
		if !v2DeterminationFits(c, d) {
			return u, badInput("The determination %q does not explain the classification %q. For %s choose one of: %s.",
				label(determChoices, d), label(classChoices, c), label(classChoices, c), v2FittingDeterminations(c))
		}
	}
	return u, nil
}

// v2CompareFields are the fields the before/after comparison shows, named
// after Graph's properties (the activity log records them by these names).
func v2CompareFields(a *graph.Alert) []field {
	return []field{
		{Name: "title", Value: a.Title},
		{Name: "severity", Value: string(a.Severity)},
		{Name: "status", Value: string(a.Status)},
		{Name: "classification", Value: string(a.Classification)},
		{Name: "determination", Value: string(a.Determination)},
		{Name: "assignedTo", Value: a.AssignedTo},
		{Name: "lastUpdateDateTime", Value: v2FmtTime(a.LastUpdateDateTime)},
		{Name: "resolvedDateTime", Value: v2FmtTime(a.ResolvedDateTime)},
	}
}

// v2FmtTime keeps Graph's sub-second precision: two changes within one
// second must not look alike in a comparison.
func v2FmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// v2ActivityRows leaves lastUpdateDateTime out of what the activity log
// records: every change moves it, and the log entry has its own time.
func v2ActivityRows(rows []compareRow) []compareRow {
	return slices.DeleteFunc(slices.Clone(rows), func(r compareRow) bool { return r.Name == "lastUpdateDateTime" })
}

// v2Patched is the result of one PATCH.
type v2Patched struct {
	Before, After *graph.Alert
	Request       *restView
	Status        int
	RequestID     string
	Rows          []compareRow
}

// patchV2Alert sends u and records the change. The request is captured as
// the client sends it (method, URL, JSON body), not rebuilt.
func (s *Server) patchV2Alert(ctx context.Context, c *graph.Client, sess *auth.Session, before *graph.Alert, u graph.AlertUpdate) (*v2Patched, error) {
	var sent *graph.Request
	octx := graph.WithRequestObserver(ctx, func(r *graph.Request) { sent = r })
	after, resp, err := c.Alerts.Update(octx, before.ID, u)
	if err != nil {
		return nil, err
	}
	res := &v2Patched{Before: before, After: after, Status: resp.StatusCode, RequestID: resp.RequestID,
		Rows: compareFields(v2CompareFields(before), v2CompareFields(after))}
	if sent != nil {
		res.Request = &restView{ID: "patch", Method: sent.Method, URL: sent.URL, Body: string(sent.Body)}
	}
	s.record(ctx, sess, "alert", before.ID, "update", resp.RequestID, activityChanges(v2ActivityRows(res.Rows)))
	return res, nil
}

// v2MaxComment bounds a comment, in characters after trimming. Graph
// documents no limit; 10,000 characters is far beyond any note an analyst
// writes and keeps the alert readable. (The graph client's own limit is
// 32 KiB, checked too, so long non-ASCII text gets the same clear refusal.)
const v2MaxComment = 10000

// v2ParseComment trims a comment, normalises browser line ends and checks
// its length.
func v2ParseComment(raw string) (string, error) {
	text := strings.TrimSpace(strings.ReplaceAll(raw, "\r\n", "\n"))
	if err := v2CheckText("The comment", text, true); err != nil {
		return "", err
	}
	n := utf8.RuneCountInString(text)
	switch {
	case n == 0:
		return "", badInput("Write a comment first: it cannot be empty.")
	case n > v2MaxComment || len(text) > 32<<10:
		return "", badInput("The comment is too long: %d characters, at most %d.", n, v2MaxComment)
	}
	return text, nil
}

// v2Commented is the result of one comment POST.
type v2Commented struct {
	Comments  []graph.AlertComment
	Request   *restView
	Status    int
	RequestID string
}

// commentV2Alert posts a comment and records it.
func (s *Server) commentV2Alert(ctx context.Context, c *graph.Client, sess *auth.Session, id, text string) (*v2Commented, error) {
	var sent *graph.Request
	octx := graph.WithRequestObserver(ctx, func(r *graph.Request) { sent = r })
	comments, resp, err := c.Alerts.AddComment(octx, id, text)
	if err != nil {
		return nil, err
	}
	res := &v2Commented{Comments: comments, Status: resp.StatusCode, RequestID: resp.RequestID}
	if sent != nil {
		res.Request = &restView{ID: "comment", Method: sent.Method, URL: sent.URL, Body: string(sent.Body)}
	}
	changes, _ := json.Marshal(map[string]string{"comment": text})
	s.record(ctx, sess, "alert", id, "comment", resp.RequestID, changes)
	return res, nil
}

// updateAlert is POST /alerts/{id}, the detail page's update form.
func (s *Server) updateAlert(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
	id := r.PathValue("id")
	// The page is the comparison; it is chosen before any Graph call so
	// that a "retrying" notice and the result are one page.
	p := s.newPage(w, r, sess, "compare", "Alert updated", "alerts")
	if err := v2CheckID("alert", id); err != nil {
		p.fail(err)
		return
	}
	ch, err := parseV2AlertChange(r.PostForm)
	if err != nil {
		p.fail(err)
		return
	}
	if !s.requireScope(w, r, sess, v2AlertWriteScopes...) {
		return
	}
	c, ok := p.graph()
	if !ok {
		return
	}
	before, raw, getReq, err := v2FetchAlert(r.Context(), c, id)
	if err != nil {
		s.v2Fail(p, err, "alert", id)
		return
	}
	u, err := ch.update(before, sess.UserPrincipalName)
	if err != nil {
		p.fail(err)
		return
	}
	if u == (graph.AlertUpdate{}) {
		s.renderV2Alert(r.Context(), p, sess, before, raw, getReq,
			"Nothing changed: the values you submitted are the alert's current values, so graphsec sent no request to Graph.")
		return
	}
	res, err := s.patchV2Alert(r.Context(), c, sess, before, u)
	if err != nil {
		s.v2Fail(p, err, "alert", id)
		return
	}
	v := compareView{
		Heading: "Alert updated: " + cmp.Or(before.Title, before.ID), Request: res.Request, Status: res.Status, RequestID: res.RequestID,
		Rows: res.Rows, Back: backToAlert(before.ID), BackLabel: "Back to the alert",
	}
	if v2Started(p) {
		// A retry notice went out with the top of the page: finish it.
		p.render(http.StatusOK, v)
		return
	}
	s.renderCompare(w, r, sess, "alerts", v)
}

// commentAlert is POST /alerts/{id}/comments. On success it sends the
// browser back to the alert's comments (303, so a reload does not post the
// comment twice).
func (s *Server) commentAlert(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
	id := r.PathValue("id")
	p := s.newPage(w, r, sess, "alert", "Alert", "alerts")
	if err := v2CheckID("alert", id); err != nil {
		p.fail(err)
		return
	}
	text, err := v2ParseComment(r.PostForm.Get("comment"))
	if err != nil {
		p.fail(err)
		return
	}
	if !s.requireScope(w, r, sess, v2AlertWriteScopes...) {
		return
	}
	c, ok := p.graph()
	if !ok {
		return
	}
	if _, err := s.commentV2Alert(r.Context(), c, sess, id, text); err != nil {
		s.v2Fail(p, err, "alert", id)
		return
	}
	if !v2Started(p) {
		http.Redirect(w, r, v2AlertHref(id)+"#comments", http.StatusSeeOther)
		return
	}
	// Graph throttled and the page has begun (with the retry notice): a
	// redirect can no longer be sent, so show the alert here.
	a, raw, req, err := v2FetchAlert(r.Context(), c, id)
	if err != nil {
		s.v2Fail(p, err, "alert", id)
		return
	}
	s.renderV2Alert(r.Context(), p, sess, a, raw, req, "Your comment was added.")
}

// v2Started reports whether the page has begun streaming (a retry notice
// went out), after which no status or redirect can be sent.
func v2Started(p *pageWriter) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.started
}

// backToAlert links from a result page back to the alert. The result page
// is served at the alert's own URL (the form posted there), so a link that
// differs only by its fragment would not reload the page: the query makes
// it a URL of its own.
func backToAlert(id string) string { return v2AlertHref(id) + "?updated=1#activity" }
