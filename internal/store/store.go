// Package store is graphsec's persistence: server-side sessions, pending
// sign-ins, the forms a session has submitted (so a double click applies
// once), form text kept across a sign-in, and the activity log of changes
// made through graphsec (each recorded as an intent before it is sent). It is a
// small interface with two implementations, SQLite (store/sqlite, the
// default: one file, no server) and PostgreSQL (store/postgres, for several
// console replicas), held to one behaviour by the conformance suite in
// store/storetest.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors returned by every implementation.
var (
	// ErrNotFound: no such record (or it has expired).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a record with that key already exists.
	ErrConflict = errors.New("store: already exists")
	// ErrLimit: creating the record would exceed a Limits.Total; nothing
	// was stored.
	ErrLimit = errors.New("store: too many records")
)

// Limits bound the records that requests without a session can create
// (pending sign-ins, kept form text), so that a flood of anonymous
// requests cannot fill the database.
type Limits struct {
	// PerClient is how many unexpired records one client (the Client key
	// of the record: a network address or prefix) may hold; creating one
	// more deletes that client's oldest. Zero or less: no per-client bound.
	PerClient int
	// Total is how many unexpired records there may be in all; creating
	// one more fails with ErrLimit. Zero or less: no bound.
	Total int
}

// Session is a signed-in user's server-side state. The browser holds only
// an opaque random id; ID here is a hash of it (so a copy of the database
// does not hand out live sessions), chosen by the caller.
type Session struct {
	ID                string
	UserID            string // the user's object id (oid)
	UserPrincipalName string
	DisplayName       string
	TenantID          string
	// Tokens are the user's OAuth tokens, sealed (encrypted and
	// authenticated) by the caller: the store never sees them in clear.
	Tokens []byte
	// CSRFToken is sent back with every form the session posts.
	CSRFToken string
	// DirectoryRoles are the role template ids of the user's Entra
	// directory roles, read at sign-in; RolesKnown says whether they could
	// be read (false: unknown, not "none").
	DirectoryRoles []string
	RolesKnown     bool
	CreatedAt      time.Time
	LastSeenAt     time.Time
	// ExpiresAt is when the session ends unless it is used again.
	ExpiresAt time.Time
}

// LoginFlow is a sign-in in progress: what the callback needs to finish it.
type LoginFlow struct {
	// State is the OAuth state parameter; it is the key.
	State string
	// Binding ties the flow to the browser that started it (a hash of a
	// cookie), so a callback replayed in another browser fails.
	Binding string
	// Sealed holds the nonce, PKCE verifier and anything else secret, sealed
	// by the caller.
	Sealed   []byte
	ReturnTo string
	// Client is the key Limits.PerClient counts by (the address the
	// sign-in came from); empty for none.
	Client    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// FormSubmission records that a session submitted a form, by the form's
// one-time token, so that the same form posted again (a double click, a
// resend after Back) is recognised and not applied twice.
type FormSubmission struct {
	// Key names the submission (a hash of the session and the form's
	// token, chosen by the caller).
	Key string
	// Session is the session's key, for Limits per session.
	Session string
	// Done is set once the first submission has an outcome: Status is its
	// HTTP status and Location, for a redirect, where it sent the browser.
	Done      bool
	Status    int
	Location  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Draft is the text of a form that arrived after its session had ended,
// kept (sealed by the caller) until the browser that sent it has signed
// in again and is shown the form with it.
type Draft struct {
	// ID is a hash of the browser's draft cookie.
	ID string
	// Client is the key Limits.PerClient counts by.
	Client string
	// ReturnTo is the page the form was on.
	ReturnTo  string
	Sealed    []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// States of an Activity record. A change is recorded as pending before it
// is sent to Graph, and becomes done or failed when Graph answers; a change
// whose answer never came (a timeout, a crash) stays pending until a
// reconciliation reads the resource again and decides, or gives up
// (unknown).
const (
	ActivityDone    = "done"
	ActivityPending = "pending"
	ActivityFailed  = "failed"
	ActivityUnknown = "unknown"
)

// Activity is one change an analyst made through graphsec, kept locally
// so that the alert's page can show who did what, and when, even for
// fields Graph does not audit.
type Activity struct {
	ID int64
	// Kind of the resource: "alert" (alerts_v2), "legacyAlert", "incident",
	// "controlProfile", ...
	Resource   string
	ResourceID string
	// Action: "update", "comment", ...
	Action    string
	ActorID   string
	ActorName string
	At        time.Time
	// RequestID is Graph's request-id for the change, for support cases.
	RequestID string
	// Changes is a JSON object {"field": {"from": x, "to": y}} or, for a
	// comment, {"comment": "..."}. For a pending change it is what was
	// asked for.
	Changes []byte
	// State is one of the Activity* states; empty means ActivityDone.
	State string
}

// Store is the persistence interface. Implementations are safe for
// concurrent use. Times are stored with at least millisecond precision and
// returned in UTC.
type Store interface {
	// Ping checks the database answers (for /readyz).
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error

	// CreateSession stores a new session; ErrConflict if the id exists.
	CreateSession(ctx context.Context, s Session) error
	// Session returns an unexpired session (ErrNotFound otherwise).
	Session(ctx context.Context, id string, now time.Time) (Session, error)
	// UpdateSessionTokens replaces a session's sealed tokens.
	UpdateSessionTokens(ctx context.Context, id string, tokens []byte) error
	// TouchSession records use of a session and extends it.
	TouchSession(ctx context.Context, id string, lastSeen, expiresAt time.Time) error
	// DeleteSession ends a session; deleting an absent one is not an error.
	DeleteSession(ctx context.Context, id string) error

	// CreateLoginFlow stores a pending sign-in; ErrConflict if the state
	// exists. Within lim (counting flows unexpired at f.CreatedAt): the
	// client's oldest flows are deleted to make room, and ErrLimit is
	// returned when there are lim.Total flows already.
	CreateLoginFlow(ctx context.Context, f LoginFlow, lim Limits) error
	// TakeLoginFlow returns and deletes a pending sign-in, atomically, so a
	// state can be used once. ErrNotFound if absent or expired.
	TakeLoginFlow(ctx context.Context, state string, now time.Time) (LoginFlow, error)

	// ClaimForm records a form submission unless one with its key exists:
	// nil when f was stored (the caller goes on to apply the form),
	// ErrConflict with the existing record otherwise (a replay). At most
	// perSession unexpired records are kept per session (the oldest are
	// deleted); an expired record with the key is replaced.
	ClaimForm(ctx context.Context, f FormSubmission, perSession int) (FormSubmission, error)
	// FinishForm records a claimed submission's outcome; ErrNotFound if
	// it is absent.
	FinishForm(ctx context.Context, key string, status int, location string) error
	// ReleaseForm deletes a claim (the submission changed nothing, so the
	// same form may be sent again); deleting an absent one is not an error.
	ReleaseForm(ctx context.Context, key string) error
	// FormSubmission returns an unexpired submission (ErrNotFound otherwise).
	FormSubmission(ctx context.Context, key string, now time.Time) (FormSubmission, error)

	// PutDraft stores d, replacing a draft with the same ID, within lim
	// as CreateLoginFlow.
	PutDraft(ctx context.Context, d Draft, lim Limits) error
	// TakeDraft returns and deletes a draft, atomically; ErrNotFound if
	// absent or expired.
	TakeDraft(ctx context.Context, id string, now time.Time) (Draft, error)

	// DeleteExpired removes expired sessions, sign-ins, form submissions
	// and drafts, returning how many records went (and, where the
	// database needs it, gives the space back).
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)

	// AddActivity records a change and returns it with its ID.
	AddActivity(ctx context.Context, a Activity) (Activity, error)
	// UpdateActivity sets a record's state and, when not empty, its
	// request id and changes; ErrNotFound if there is no such record.
	UpdateActivity(ctx context.Context, id int64, state, requestID string, changes []byte) error
	// PendingActivity returns the records still pending that were recorded
	// before before, oldest first, at most limit (the limit rules of
	// ListActivity).
	PendingActivity(ctx context.Context, before time.Time, limit int) ([]Activity, error)
	// ListActivity returns a resource's activity, newest first, at most limit.
	ListActivity(ctx context.Context, resource, resourceID string, limit int) ([]Activity, error)
	// RecentActivity returns the newest activity across resources.
	RecentActivity(ctx context.Context, limit int) ([]Activity, error)
}

// Token is a value the console keeps on the server behind an opaque
// random token the browser holds, so that any replica can resolve it: the
// Graph next link behind a paged list's page token, or the result of a
// change shown once on the page it redirects to (a flash).
type Token struct {
	// ID names the token: a hash of the token itself, the session it was
	// issued to and what it was issued for (a list and its filters, a
	// page), chosen by the caller, so that only the same session asking
	// for the same thing finds it.
	ID string
	// Kind tells uses apart ("page", "flash"): Tokens' perSession bound
	// counts tokens of one kind.
	Kind string
	// Session is the session's key.
	Session string
	// Value is what the token stands for, encoded by the caller.
	Value     []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Tokens stores the values behind page tokens and flashes.
type Tokens interface {
	// PutToken stores t; ErrConflict if its ID exists. At most perSession
	// tokens of t.Kind are kept for t.Session (the oldest are deleted;
	// zero or less: no bound).
	PutToken(ctx context.Context, t Token, perSession int) error
	// Token returns an unexpired token (ErrNotFound otherwise).
	Token(ctx context.Context, id string, now time.Time) (Token, error)
	// TakeToken returns and deletes a token, atomically, so it resolves
	// once; ErrNotFound if absent or expired.
	TakeToken(ctx context.Context, id string, now time.Time) (Token, error)
}

// Console is everything the console keeps, in one database: what both
// implementations provide, and what store/open returns. DeleteExpired
// (Store) removes expired tokens too.
type Console interface {
	Store
	Tokens
	Notifications
	Feeds
	Checkpoints
	Journal
	Enrichments
}
