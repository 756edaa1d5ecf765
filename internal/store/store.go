// Package store is graphsec's persistence: server-side sessions, pending
// sign-ins and the activity log of changes made through graphsec. It is a
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
)

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
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
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
	Sealed    []byte
	ReturnTo  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

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
	// comment, {"comment": "..."}.
	Changes []byte
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

	// CreateLoginFlow stores a pending sign-in; ErrConflict if the state exists.
	CreateLoginFlow(ctx context.Context, f LoginFlow) error
	// TakeLoginFlow returns and deletes a pending sign-in, atomically, so a
	// state can be used once. ErrNotFound if absent or expired.
	TakeLoginFlow(ctx context.Context, state string, now time.Time) (LoginFlow, error)

	// DeleteExpired removes expired sessions and sign-ins, returning how
	// many records went.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)

	// AddActivity records a change and returns it with its ID.
	AddActivity(ctx context.Context, a Activity) (Activity, error)
	// ListActivity returns a resource's activity, newest first, at most limit.
	ListActivity(ctx context.Context, resource, resourceID string, limit int) ([]Activity, error)
	// RecentActivity returns the newest activity across resources.
	RecentActivity(ctx context.Context, limit int) ([]Activity, error)
}
