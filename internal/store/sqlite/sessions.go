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
		(id, user_id, user_principal_name, display_name, tenant_id, tokens, csrf_token, directory_roles, roles_known,
		 created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
		sess.ID, sess.UserID, sess.UserPrincipalName, sess.DisplayName, sess.TenantID, blob(sess.Tokens),
		sess.CSRFToken, store.JoinRoles(sess.DirectoryRoles), sess.RolesKnown,
		toDB(sess.CreatedAt), toDB(sess.LastSeenAt), toDB(sess.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	return oneRow(res, "create session", store.ErrConflict)
}

const sessionQuery = `SELECT user_id, user_principal_name, display_name, tenant_id, tokens, csrf_token,
	directory_roles, roles_known, created_at, last_seen_at, expires_at
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
	var roles string
	err := s.sessionStmt.QueryRowContext(ctx, id, toDB(now)).
		Scan(&sess.UserID, &sess.UserPrincipalName, &sess.DisplayName, &sess.TenantID, &sess.Tokens, &sess.CSRFToken,
			&roles, &sess.RolesKnown, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, store.ErrNotFound
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlite: session: %w", err)
	}
	sess.Tokens = emptyNil(sess.Tokens)
	sess.DirectoryRoles = store.SplitRoles(roles)
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

// CreateLoginFlow stores a pending sign-in within lim; store.ErrConflict
// if the state is taken, store.ErrLimit if lim.Total flows are pending. The
// checks and the insert are one transaction on the single writer
// connection, so the limits hold exactly.
func (s *Store) CreateLoginFlow(ctx context.Context, f store.LoginFlow, lim store.Limits) error {
	if err := store.CheckLoginFlow(f); err != nil {
		return err
	}
	return s.tx(ctx, "create login flow", func(tx *sql.Tx) error {
		if err := admit(ctx, tx, "login_flows", f.Client, toDB(f.CreatedAt), lim); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO login_flows (state, binding, sealed, return_to, client, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (state) DO NOTHING`,
			f.State, f.Binding, blob(f.Sealed), f.ReturnTo, f.Client, toDB(f.CreatedAt), toDB(f.ExpiresAt))
		if err != nil {
			return err
		}
		return oneRow(res, "create login flow", store.ErrConflict)
	})
}

// admit makes room for one more row of table (login_flows or drafts) for
// client at now, within lim: it deletes the client's expired rows and its
// oldest beyond lim.PerClient-1, then fails with store.ErrLimit when
// lim.Total unexpired rows remain. table is one of the two names, never
// input.
func admit(ctx context.Context, tx *sql.Tx, table, client string, now int64, lim store.Limits) error {
	if client != "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE client = ? AND expires_at <= ?`, client, now); err != nil {
			return err
		}
		if lim.PerClient > 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE rowid IN (
				SELECT rowid FROM `+table+` WHERE client = ? ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
				client, lim.PerClient-1); err != nil {
				return err
			}
		}
	}
	if lim.Total > 0 {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE expires_at > ?`, now).Scan(&n); err != nil {
			return err
		}
		if n >= lim.Total {
			return store.ErrLimit
		}
	}
	return nil
}

// tx runs fn in a write transaction (BEGIN IMMEDIATE on the writer) and
// commits it; an error from fn rolls it back and is returned as is when it
// is one of the store's sentinels, wrapped with op otherwise.
func (s *Store) tx(ctx context.Context, op string, fn func(*sql.Tx) error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrLimit) || errors.Is(err, store.ErrNotFound) {
			return err
		}
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return nil
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
		RETURNING binding, sealed, return_to, client, created_at, expires_at`, state).
		Scan(&f.Binding, &f.Sealed, &f.ReturnTo, &f.Client, &created, &expires)
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

// DeleteExpired removes sessions, login flows, form submissions, drafts
// and tokens whose expiry is at or before now, in one transaction, and returns how
// many rows went. When rows went, it then gives the pages they freed back
// to the file system (PRAGMA incremental_vacuum; the file is created with
// auto_vacuum=INCREMENTAL), so that a burst of sign-ins that were never
// finished does not leave the file at its peak size for good.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (n int64, err error) {
	if err := store.CheckTime("now", now); err != nil {
		return 0, err
	}
	err = s.tx(ctx, "delete expired", func(tx *sql.Tx) error {
		for _, table := range []string{"sessions", "login_flows", "form_submissions", "drafts", "tokens"} {
			res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE expires_at <= ?`, toDB(now))
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		if err := s.reclaim(ctx); err != nil {
			return n, err
		}
	}
	return n, nil
}

// reclaim returns free pages to the file system and truncates the WAL.
func (s *Store) reclaim(ctx context.Context) error {
	if s.keep != nil {
		return nil // in memory: nothing to give back
	}
	// incremental_vacuum returns a row per page freed: read them all.
	rows, err := s.w.QueryContext(ctx, `PRAGMA incremental_vacuum`)
	if err != nil {
		return fmt.Errorf("sqlite: reclaim space: %w", err)
	}
	for rows.Next() {
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("sqlite: reclaim space: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("sqlite: reclaim space: %w", err)
	}
	return nil
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
