package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graphsec/graphsec/internal/store"
)

// CreateSession stores a new session. ON CONFLICT DO NOTHING (rather than
// catching unique_violation, which would abort a surrounding transaction)
// turns an existing id into store.ErrConflict and leaves that session as
// it was.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	if err := store.CheckSession(sess); err != nil {
		return err
	}
	return s.with(ctx, "create session", func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, `INSERT INTO sessions
			(id, user_id, user_principal_name, display_name, tenant_id, tokens, csrf_token, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (id) DO NOTHING`,
			sess.ID, sess.UserID, sess.UserPrincipalName, sess.DisplayName, sess.TenantID, blob(sess.Tokens),
			sess.CSRFToken, sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt)
		if err != nil {
			return fmt.Errorf("postgres: create session: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrConflict
		}
		return nil
	})
}

// Session returns the session if it expires after now. Expiry is compared
// with the caller's now, never the server's clock, so the console's
// injected clock decides.
func (s *Store) Session(ctx context.Context, id string, now time.Time) (store.Session, error) {
	if err := store.CheckTime("now", now); err != nil {
		return store.Session{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Session{}, fmt.Errorf("postgres: session: %w", err)
	}
	if !store.UsableKey(id) {
		return store.Session{}, store.ErrNotFound
	}
	sess := store.Session{ID: id}
	err := s.with(ctx, "session", func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `SELECT user_id, user_principal_name, display_name, tenant_id, tokens, csrf_token,
			created_at, last_seen_at, expires_at
			FROM sessions WHERE id = $1 AND expires_at > $2`, id, now).
			Scan(&sess.UserID, &sess.UserPrincipalName, &sess.DisplayName, &sess.TenantID, &sess.Tokens,
				&sess.CSRFToken, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return store.ErrNotFound
		case err != nil:
			return fmt.Errorf("postgres: session: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.Session{}, err
	}
	sess.Tokens = emptyNil(sess.Tokens)
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = sess.CreatedAt.UTC(), sess.LastSeenAt.UTC(), sess.ExpiresAt.UTC()
	return sess, nil
}

// UpdateSessionTokens replaces a session's sealed tokens (after a refresh).
// It does not look at expiry: it has no "now", and a refresh racing the
// expiry changes nothing a later Session call would return.
func (s *Store) UpdateSessionTokens(ctx context.Context, id string, tokens []byte) error {
	if err := store.CheckBlob("session tokens", tokens); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: update session tokens: %w", err)
	}
	if !store.UsableKey(id) {
		return store.ErrNotFound
	}
	return s.with(ctx, "update session tokens", func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, `UPDATE sessions SET tokens = $1 WHERE id = $2`, blob(tokens), id)
		if err != nil {
			return fmt.Errorf("postgres: update session tokens: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// TouchSession records use at lastSeen and moves the expiry to expiresAt.
// A session that had already expired at lastSeen is not revived: the
// update matches nothing and the result is store.ErrNotFound.
func (s *Store) TouchSession(ctx context.Context, id string, lastSeen, expiresAt time.Time) error {
	if err := errors.Join(store.CheckTime("last seen at", lastSeen), store.CheckTime("expires at", expiresAt)); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: touch session: %w", err)
	}
	if !store.UsableKey(id) {
		return store.ErrNotFound
	}
	return s.with(ctx, "touch session", func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3 AND expires_at > $1`,
			lastSeen, expiresAt, id)
		if err != nil {
			return fmt.Errorf("postgres: touch session: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// DeleteSession removes a session; an absent one is not an error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: delete session: %w", err)
	}
	if !store.UsableKey(id) {
		return nil
	}
	return s.with(ctx, "delete session", func(c *pgx.Conn) error {
		if _, err := c.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
			return fmt.Errorf("postgres: delete session: %w", err)
		}
		return nil
	})
}

// CreateLoginFlow stores a pending sign-in; store.ErrConflict if the state
// is taken.
func (s *Store) CreateLoginFlow(ctx context.Context, f store.LoginFlow) error {
	if err := store.CheckLoginFlow(f); err != nil {
		return err
	}
	return s.with(ctx, "create login flow", func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, `INSERT INTO login_flows (state, binding, sealed, return_to, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (state) DO NOTHING`,
			f.State, f.Binding, blob(f.Sealed), f.ReturnTo, f.CreatedAt, f.ExpiresAt)
		if err != nil {
			return fmt.Errorf("postgres: create login flow: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrConflict
		}
		return nil
	})
}

// TakeLoginFlow deletes the flow and returns what it held in one DELETE
// ... RETURNING: of several replicas handling the same callback, the first
// delete takes the row lock and the rest, once it commits, find no row. An
// expired flow is deleted all the same and reported as store.ErrNotFound.
func (s *Store) TakeLoginFlow(ctx context.Context, state string, now time.Time) (store.LoginFlow, error) {
	if err := store.CheckTime("now", now); err != nil {
		return store.LoginFlow{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.LoginFlow{}, fmt.Errorf("postgres: take login flow: %w", err)
	}
	if !store.UsableKey(state) {
		return store.LoginFlow{}, store.ErrNotFound
	}
	f := store.LoginFlow{State: state}
	err := s.with(ctx, "take login flow", func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `DELETE FROM login_flows WHERE state = $1
			RETURNING binding, sealed, return_to, created_at, expires_at`, state).
			Scan(&f.Binding, &f.Sealed, &f.ReturnTo, &f.CreatedAt, &f.ExpiresAt)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return store.ErrNotFound
		case err != nil:
			return fmt.Errorf("postgres: take login flow: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.LoginFlow{}, err
	}
	// Compared as the database would compare: at microseconds, like
	// Session's expires_at > now.
	if !f.ExpiresAt.After(stored(now)) {
		return store.LoginFlow{}, store.ErrNotFound
	}
	f.Sealed = emptyNil(f.Sealed)
	f.CreatedAt, f.ExpiresAt = f.CreatedAt.UTC(), f.ExpiresAt.UTC()
	return f, nil
}

// DeleteExpired removes sessions and login flows whose expiry is at or
// before now, in one statement (so one snapshot), and returns how many
// rows went.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	if err := store.CheckTime("now", now); err != nil {
		return 0, err
	}
	var n int64
	err := s.with(ctx, "delete expired", func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `WITH
			s AS (DELETE FROM sessions WHERE expires_at <= $1 RETURNING 1),
			f AS (DELETE FROM login_flows WHERE expires_at <= $1 RETURNING 1)
			SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM f)`, now).Scan(&n)
		if err != nil {
			return fmt.Errorf("postgres: delete expired: %w", err)
		}
		return nil
	})
	return n, err
}
