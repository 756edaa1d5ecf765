package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// CreateSession stores a new session. ON CONFLICT DO NOTHING (rather than
// matching the driver's constraint error) turns an existing id into
// store.ErrConflict with the existing session left as it was.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	if err := store.CheckSession(sess); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO sessions
		(id, user_id, user_principal_name, display_name, tenant_id, tokens, csrf_token, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
		sess.ID, sess.UserID, sess.UserPrincipalName, sess.DisplayName, sess.TenantID, blob(sess.Tokens),
		sess.CSRFToken, toDB(sess.CreatedAt), toDB(sess.LastSeenAt), toDB(sess.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	return oneRow(res, "create session", store.ErrConflict)
}

const sessionQuery = `SELECT user_id, user_principal_name, display_name, tenant_id, tokens, csrf_token,
	created_at, last_seen_at, expires_at
	FROM sessions WHERE id = ? AND expires_at > ?`

// Session returns the session if it expires after now. Expiry is compared
// with the caller's now, never the wall clock, so the console's injected
// clock decides.
func (s *Store) Session(ctx context.Context, id string, now time.Time) (store.Session, error) {
	if err := store.CheckTime("now", now); err != nil {
		return store.Session{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Session{}, fmt.Errorf("sqlite: session: %w", err)
	}
	if !store.UsableKey(id) {
		return store.Session{}, store.ErrNotFound
	}
	sess := store.Session{ID: id}
	var created, seen, expires int64
	err := s.sessionStmt.QueryRowContext(ctx, id, toDB(now)).
		Scan(&sess.UserID, &sess.UserPrincipalName, &sess.DisplayName, &sess.TenantID, &sess.Tokens, &sess.CSRFToken,
			&created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, store.ErrNotFound
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlite: session: %w", err)
	}
	sess.Tokens = emptyNil(sess.Tokens)
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = fromDB(created), fromDB(seen), fromDB(expires)
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
		return fmt.Errorf("sqlite: update session tokens: %w", err)
	}
	if !store.UsableKey(id) {
		return store.ErrNotFound
	}
	res, err := s.w.ExecContext(ctx, `UPDATE sessions SET tokens = ? WHERE id = ?`, blob(tokens), id)
	if err != nil {
		return fmt.Errorf("sqlite: update session tokens: %w", err)
	}
	return oneRow(res, "update session tokens", store.ErrNotFound)
}

const touchQuery = `UPDATE sessions SET last_seen_at = ?1, expires_at = ?2 WHERE id = ?3 AND expires_at > ?1`

// TouchSession records use at lastSeen and moves the expiry to expiresAt.
// A session that had already expired at lastSeen is not revived: the
// update matches nothing and the result is store.ErrNotFound, so a touch
// racing expiry cannot resurrect a session Session would have refused.
func (s *Store) TouchSession(ctx context.Context, id string, lastSeen, expiresAt time.Time) error {
	if err := errors.Join(store.CheckTime("last seen at", lastSeen), store.CheckTime("expires at", expiresAt)); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: touch session: %w", err)
	}
	if !store.UsableKey(id) {
		return store.ErrNotFound
	}
	res, err := s.touchStmt.ExecContext(ctx, toDB(lastSeen), toDB(expiresAt), id)
	if err != nil {
		return fmt.Errorf("sqlite: touch session: %w", err)
	}
	return oneRow(res, "touch session", store.ErrNotFound)
}

// DeleteSession removes a session; an absent one is not an error, so
// signing out twice is harmless.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	if !store.UsableKey(id) {
		return nil
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

// CreateLoginFlow stores a pending sign-in; store.ErrConflict if the state
// is taken.
func (s *Store) CreateLoginFlow(ctx context.Context, f store.LoginFlow) error {
	if err := store.CheckLoginFlow(f); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO login_flows (state, binding, sealed, return_to, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (state) DO NOTHING`,
		f.State, f.Binding, blob(f.Sealed), f.ReturnTo, toDB(f.CreatedAt), toDB(f.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlite: create login flow: %w", err)
	}
	return oneRow(res, "create login flow", store.ErrConflict)
}

// TakeLoginFlow deletes the flow and returns what it held, in one DELETE
// ... RETURNING statement on the single writer connection: of several
// callbacks carrying the same state, exactly one gets the flow. An expired
// flow is deleted all the same (it can never be used) and reported as
// store.ErrNotFound.
func (s *Store) TakeLoginFlow(ctx context.Context, state string, now time.Time) (store.LoginFlow, error) {
	if err := store.CheckTime("now", now); err != nil {
		return store.LoginFlow{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.LoginFlow{}, fmt.Errorf("sqlite: take login flow: %w", err)
	}
	if !store.UsableKey(state) {
		return store.LoginFlow{}, store.ErrNotFound
	}
	f := store.LoginFlow{State: state}
	var created, expires int64
	err := s.w.QueryRowContext(ctx, `DELETE FROM login_flows WHERE state = ?
		RETURNING binding, sealed, return_to, created_at, expires_at`, state).
		Scan(&f.Binding, &f.Sealed, &f.ReturnTo, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return store.LoginFlow{}, store.ErrNotFound
	}
	if err != nil {
		return store.LoginFlow{}, fmt.Errorf("sqlite: take login flow: %w", err)
	}
	if expires <= toDB(now) {
		return store.LoginFlow{}, store.ErrNotFound
	}
	f.Sealed = emptyNil(f.Sealed)
	f.CreatedAt, f.ExpiresAt = fromDB(created), fromDB(expires)
	return f, nil
}

// DeleteExpired removes sessions and login flows whose expiry is at or
// before now, in one transaction, and returns how many rows went.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (n int64, err error) {
	if err := store.CheckTime("now", now); err != nil {
		return 0, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	for _, q := range []string{
		`DELETE FROM sessions WHERE expires_at <= ?`,
		`DELETE FROM login_flows WHERE expires_at <= ?`,
	} {
		res, err := tx.ExecContext(ctx, q, toDB(now))
		if err != nil {
			return 0, fmt.Errorf("sqlite: delete expired: %w", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("sqlite: delete expired: %w", err)
		}
		n += k
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: delete expired: %w", err)
	}
	return n, nil
}

// oneRow turns "no row affected" into none.
func oneRow(res sql.Result, op string, none error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if n == 0 {
		return none
	}
	return nil
}
