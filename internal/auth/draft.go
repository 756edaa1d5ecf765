package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// Form text kept across a sign-in. When a form arrives after its session
// has ended (it expired while the analyst was typing, or graphsec was
// restarted without a stable session key), the console keeps what was
// typed, sends the browser through sign-in, and shows the form again with
// the text in it, for the analyst to check and send: never sent on their
// behalf.
//
// The text is kept server-side, sealed, for DraftLifetime, under a random
// id whose hash is the key; the browser holds the id in an HttpOnly cookie
// (__Host- prefixed under https) with a short hint of the page it is for,
// so that pages other than that one never touch the database. At most
// one draft per browser, MaxDraftBytes each, and DraftLimits per client
// address and in all.

// MaxDraftBytes bounds the form text kept for a browser (URL-encoded).
const MaxDraftBytes = 64 << 10

// DraftLifetime is how long kept text waits for its sign-in.
const DraftLifetime = 15 * time.Minute

// ErrDraftTooLarge: the form is larger than MaxDraftBytes; nothing is kept.
var ErrDraftTooLarge = errors.New("auth: the form is too large to keep")

// Draft is form text kept for a browser.
type Draft struct {
	// ReturnTo is the page the form was on (a local path with query).
	ReturnTo string `json:"r"`
	// Values are the form's fields.
	Values url.Values `json:"v"`
	// UserID, when known (the session that sent the form was ended by
	// graphsec, not expired), is the only user the text is restored to.
	UserID string `json:"u,omitempty"`
}

// draftHint ties a draft cookie to the page it is for.
func draftHint(path string) string {
	h := sha256.Sum256([]byte("graphsec draft page\x00" + path))
	return base64.RawURLEncoding.EncodeToString(h[:6])
}

// KeepDraft keeps d for this browser, replacing any draft it had. It fails
// with ErrDraftTooLarge, or ErrBusy when too many drafts are kept.
func (m *Manager) KeepDraft(ctx context.Context, w http.ResponseWriter, r *http.Request, d Draft) error {
	d.ReturnTo = SafeReturnPath(d.ReturnTo)
	if len(d.Values.Encode()) > MaxDraftBytes {
		return ErrDraftTooLarge
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("auth: keep draft: %w", err)
	}
	value := randomString(24)
	id := hashID(value)
	now := m.o.Clock.Now()
	err = m.o.Store.PutDraft(ctx, store.Draft{ID: id, Client: ClientKeyBehind(r, m.o.TrustedProxies), ReturnTo: d.ReturnTo,
		Sealed: m.seal.seal(raw, id), CreatedAt: now, ExpiresAt: now.Add(DraftLifetime)}, m.o.DraftLimits)
	if errors.Is(err, store.ErrLimit) {
		m.log.Warn("form text not kept: too many kept forms", "limit", m.o.DraftLimits.Total)
		return ErrBusy
	}
	if err != nil {
		return fmt.Errorf("auth: keep draft: %w", err)
	}
	// Replace the browser's previous draft, if any, rather than leave it
	// until it expires.
	if c, err := r.Cookie(m.draft); err == nil {
		if old, _, ok := strings.Cut(c.Value, "."); ok && len(old) <= 64 {
			_, _ = m.o.Store.TakeDraft(ctx, hashID(old), now)
		}
	}
	http.SetCookie(w, m.newCookie(m.draft, value+"."+draftHint(d.ReturnTo), int(DraftLifetime.Seconds())))
	return nil
}

// HasDraft reports whether the browser holds a draft cookie (the sign-in
// page says the text is kept).
func (m *Manager) HasDraft(r *http.Request) bool {
	c, err := r.Cookie(m.draft)
	return err == nil && c.Value != ""
}

// TakeDraft returns the draft kept for this browser when it is for path
// (the request's URI) and, when it names its user, for userID, and
// forgets it: text is restored once. nil when there is none for them.
func (m *Manager) TakeDraft(ctx context.Context, w http.ResponseWriter, r *http.Request, path, userID string) (*Draft, error) {
	c, err := r.Cookie(m.draft)
	if err != nil {
		return nil, nil
	}
	value, hint, ok := strings.Cut(c.Value, ".")
	path = SafeReturnPath(path)
	if !ok || len(value) > 64 || hint != draftHint(path) {
		return nil, nil
	}
	http.SetCookie(w, m.newCookie(m.draft, "", -1))
	id := hashID(value)
	rec, err := m.o.Store.TakeDraft(ctx, id, m.o.Clock.Now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: take draft: %w", err)
	}
	var d Draft
	raw, err := m.seal.open(rec.Sealed, id)
	if err != nil || json.Unmarshal(raw, &d) != nil || d.ReturnTo != path || (d.UserID != "" && d.UserID != userID) {
		// Sealed with another key (a restart), for another page (a hint
		// collision), or another user's: nothing to restore.
		return nil, nil
	}
	return &d, nil
}
