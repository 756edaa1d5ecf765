package page

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/store"
)

// One-time form tokens: a form cannot be applied twice.
//
// Every form that changes something carries, through the "formguard"
// partial, a token made when the page was rendered (formToken). When the
// form arrives, Kit.Form claims the token for the session in the store
// (ClaimForm, atomic, so across replicas too) before the handler runs,
// and records the outcome afterwards (settle). The same form sent again —
// a double click, a resend after Back, a reload of the result — finds the
// claim: it waits for the first submission's outcome (FormWait) and is sent
// where the first one went, or told that the first one failed or is still
// running; the change is never applied twice. A submission that changed
// nothing (the user's mistake, or Graph refusing before anything was
// recorded) releases its claim, so the form can be corrected and sent
// again. Claims live as long as the token (FormTokenLifetime), at most
// MaxFormsPerSession per session; an older form is refused with a request
// to reload it.

// Form token limits.
const (
	// FormTokenLifetime is how long a rendered form can be sent.
	FormTokenLifetime = 24 * time.Hour
	// MaxFormsPerSession bounds the claims kept per session.
	MaxFormsPerSession = 500
	// DefaultFormWait is how long a form sent again waits for the first
	// submission's outcome: longer than the shell's retry budget.
	DefaultFormWait = 15 * time.Second
	formTokenField  = "formtoken"
)

// FormStore is the part of the store one-time form tokens use.
type FormStore interface {
	ClaimForm(ctx context.Context, f store.FormSubmission, perSession int) (store.FormSubmission, error)
	FinishForm(ctx context.Context, key string, status int, location string) error
	ReleaseForm(ctx context.Context, key string) error
	FormSubmission(ctx context.Context, key string, now time.Time) (store.FormSubmission, error)
}

// Drafts keeps form text across a sign-in (auth.Manager).
type Drafts interface {
	KeepDraft(ctx context.Context, w http.ResponseWriter, r *http.Request, d auth.Draft) error
	TakeDraft(ctx context.Context, w http.ResponseWriter, r *http.Request, path, userID string) (*auth.Draft, error)
}

// newFormToken is the "formToken" template function: a new token each
// call, "<issued, unix seconds, base 36>.<128 random bits>".
func (k *Kit) newFormToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return strconv.FormatInt(k.o.Clock.Now().Unix(), 36) + "." + base64.RawURLEncoding.EncodeToString(b[:])
}

// parseFormToken returns when a token was issued, or false when it is not
// one the kit made.
func parseFormToken(tok string) (time.Time, bool) {
	issued, random, ok := strings.Cut(tok, ".")
	if !ok || len(issued) > 13 || len(random) != 22 {
		return time.Time{}, false
	}
	if _, err := base64.RawURLEncoding.DecodeString(random); err != nil {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(issued, 36, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// claimForm claims the form's token before the handler runs. A form
// without a token (from a page rendered before tokens existed, or a
// script) is applied without the protection.
func (k *Kit) claimForm(p *Page) error {
	tok := p.R.PostForm.Get(formTokenField)
	if tok == "" || k.o.Forms == nil {
		return nil
	}
	issued, ok := parseFormToken(tok)
	now := k.o.Clock.Now()
	if !ok {
		return &Error{Status: http.StatusBadRequest, Heading: T("error.formUnreadable.heading"), Message: T("error.formUnreadable.message")}
	}
	if now.Sub(issued) > FormTokenLifetime || issued.Sub(now) > time.Hour {
		return &Error{Status: http.StatusConflict, Heading: T("form.tooOld.heading"), Message: T("form.tooOld.message")}
	}
	h := sha256.Sum256([]byte("graphsec form\x00" + p.Session.Key() + "\x00" + tok))
	key := hex.EncodeToString(h[:])
	f := store.FormSubmission{Key: key, Session: p.Session.Key(), CreatedAt: now, ExpiresAt: issued.Add(FormTokenLifetime + time.Hour)}
	existing, err := k.o.Forms.ClaimForm(p.R.Context(), f, MaxFormsPerSession)
	switch {
	case err == nil:
		p.claim = key
		return nil
	case errors.Is(err, store.ErrConflict):
		return k.replay(p, f, existing)
	}
	return &Error{Status: http.StatusServiceUnavailable, Heading: T("form.notRecorded.heading"), Message: T("form.notRecorded.message"), Cause: err}
}

// ResubmittedView is what the page for a form sent again shows.
type ResubmittedView struct {
	// Pending: the first submission is still running; otherwise it failed
	// with Status.
	Pending bool
	Status  int
	// Location is where the result (or the form) can be seen.
	Location string
}

// ResubmittedPage is the kit's page for a form sent again whose first
// submission did not succeed (data: ResubmittedView).
const ResubmittedPage = "page/resubmitted"

// replay answers a form sent again: once the first submission has an
// outcome, a success sends the browser where the first went (303); a
// failure, or a first submission still running after FormWait, is
// explained (409), and nothing is sent to Graph.
func (k *Kit) replay(p *Page, claim, f store.FormSubmission) error {
	key := claim.Key
	deadline := time.Now().Add(k.o.FormWait)
	for !f.Done && time.Now().Before(deadline) {
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-p.R.Context().Done():
			t.Stop()
			return p.R.Context().Err()
		case <-t.C:
		}
		next, err := k.o.Forms.FormSubmission(p.R.Context(), key, k.o.Clock.Now())
		if err != nil {
			// Released: the first submission was refused before it changed
			// anything (the user corrected the form and sent it again while
			// the refusal was being recorded). This one may run: claim it.
			if _, cerr := k.o.Forms.ClaimForm(p.R.Context(), claim, MaxFormsPerSession); cerr == nil {
				p.claim = key
				return nil
			}
			break
		}
		f = next
	}
	p.Log().Info("form sent again", "done", f.Done, "status", f.Status)
	if f.Done && f.Status < 400 && f.Location != "" {
		return p.Redirect(f.Location, http.StatusSeeOther)
	}
	p.Title = p.L.T("form.resubmitted.heading")
	return p.Render(http.StatusConflict, ResubmittedPage, ResubmittedView{Pending: !f.Done, Status: f.Status, Location: p.here()})
}

// settle records the outcome of a claimed form: where its result is, or
// that it failed; a form that changed nothing and was refused (4xx) is
// released so that it can be sent again.
func (k *Kit) settle(p *Page) {
	if p.claim == "" {
		return
	}
	p.mu.Lock()
	status, location := p.status, p.location
	p.mu.Unlock()
	if status == 0 {
		// Nothing was written: the handler panicked.
		status = http.StatusInternalServerError
	}
	if location == "" {
		location = p.result
	}
	if location == "" {
		location = p.here()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.R.Context()), 10*time.Second)
	defer cancel()
	var err error
	switch {
	case status >= 400 && status < 500 && status != http.StatusRequestTimeout && p.changes.none():
		err = k.o.Forms.ReleaseForm(ctx, p.claim)
	case status >= 400:
		err = k.o.Forms.FinishForm(ctx, p.claim, status, "")
	default:
		err = k.o.Forms.FinishForm(ctx, p.claim, status, localLocation(location))
	}
	if err != nil {
		p.Log().Warn("record the form's outcome", "err", err)
	}
}

// localLocation is loc as a local path (auth.SafeReturnPath), keeping a
// simple fragment ("#comments"): where a form's second submission goes.
func localLocation(loc string) string {
	path, frag, _ := strings.Cut(loc, "#")
	safe := auth.SafeReturnPath(path)
	if frag == "" || len(frag) > 64 || strings.ContainsFunc(frag, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) {
		return safe
	}
	return safe + "#" + frag
}

// changeFlags say what the changes a page sent to Graph came to, as the
// activity log's intents learn it: applied (Graph answered success) or
// uncertain (no answer, or a 5xx). A page with neither changed nothing, so
// its form can be sent again as it was (released, offered again after a
// 429, kept across a sign-in).
type changeFlags struct {
	applied, uncertain atomic.Bool
}

func (f *changeFlags) none() bool { return !f.applied.Load() && !f.uncertain.Load() }

// pageChanges returns the flags of the page serving ctx (nil outside a
// page).
func pageChanges(ctx context.Context) *changeFlags {
	f, _ := ctx.Value(changesKey).(*changeFlags)
	return f
}
