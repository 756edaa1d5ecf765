package page

import (
	"net/http"

	"github.com/graphsec/graphsec/internal/auth"
)

// SignInPage is the kit's sign-in page (data: SignInView): the shell shows
// it at /login, and the kit shows it in place of a page whose user's
// sign-in has ended.
const SignInPage = "page/signin"

// SignInView is what the sign-in page shows. Its button posts to /login
// (the shell starts the sign-in there); nothing signs anyone in before a
// click.
type SignInView struct {
	// ReturnTo is where to go after signing in (a local path).
	ReturnTo string
	// Prompt is "select_account" to let the user choose another account.
	Prompt string
	// Reason says why the user is asked to sign in: "" (not signed in),
	// "ended" (the session ended before a form was sent), "expired" (the
	// sign-in expired or was revoked at Microsoft), "consent" (the consent
	// behind graphsec's permissions was withdrawn), "rejected" (the
	// identity platform's answer failed graphsec's checks), "used" (a
	// sign-in link that was already used or has expired), "busy" (too many
	// sign-ins in progress).
	Reason string
	// Draft says what became of the text of the form that was sent after
	// the session ended: "kept" (it comes back after sign-in), "lost" (it
	// could not be kept), "" (no form).
	Draft string
	// SignedIn is set when the browser is signed in already (a sign-in
	// link used again from the history): the page offers to go on.
	SignedIn bool
}

// SignInReason is the SignInView.Reason of a session that ended.
func SignInReason(why auth.EndReason) string {
	switch why {
	case auth.EndConsentRevoked:
		return "consent"
	case auth.EndRejected:
		return "rejected"
	}
	return "expired"
}

// endSession signs the user out because their sign-in is over for good
// (why), keeps a form's text for after the next sign-in, and shows the
// sign-in page with the reason (401).
func (p *Page) endSession(why auth.EndReason, cause error) {
	p.Log().Info("sign-in ended; signing the user out", "user_id", p.Session.UserID, "reason", SignInReason(why), "err", cause)
	ctx := p.R.Context()
	p.k.o.Sessions.Logout(ctx, p.w, p.R)
	v := SignInView{ReturnTo: p.here(), Reason: SignInReason(why)}
	if p.R.Method == http.MethodPost && p.R.PostForm != nil && p.k.o.Drafts != nil && p.changes.none() {
		if vals := formValues(p.R.PostForm); len(vals) > 0 {
			v.Draft = "kept"
			if err := p.k.o.Drafts.KeepDraft(ctx, p.w, p.R, auth.Draft{ReturnTo: v.ReturnTo, Values: vals, UserID: p.Session.UserID}); err != nil {
				p.Log().Warn("keep form text across sign-in", "err", err)
				v.Draft = "lost"
			}
		}
	}
	p.Session, p.draft = nil, nil
	p.Title = p.L.T("action.signInAgain")
	if err := p.Render(http.StatusUnauthorized, SignInPage, v); err != nil {
		p.k.log.Error("render the sign-in page", "request_id", p.requestID, "err", err)
	}
}
