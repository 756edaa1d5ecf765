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
			(id, user_id, user_principal_name, display_name, tenant_id, tokens, csrf_token, directory_roles, roles_known,
			 created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (id) DO NOTHING`,
			sess.ID, sess.UserID, sess.UserPrincipalName, sess.DisplayName, sess.TenantID, blob(sess.Tokens),
			sess.CSRFToken, store.JoinRoles(sess.DirectoryRoles), sess.RolesKnown, sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt)
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
	var roles string
	err := s.with(ctx, "session", func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `SELECT user_id, user_principal_name, display_name, tenant_id, tokens, csrf_token,
			directory_roles, roles_known, created_at, last_seen_at, expires_at
			FROM sessions WHERE id = $1 AND expires_at > $2`, id, now).
			Scan(&sess.UserID, &sess.UserPrincipalName, &sess.DisplayName, &sess.TenantID, &sess.Tokens,
				&sess.CSRFToken, &roles, &sess.RolesKnown, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt)
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
	sess.DirectoryRoles = store.SplitRoles(roles)
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

// CreateLoginFlow stores a pending sign-in within lim; store.ErrConflict
// if the state is taken, store.ErrLimit if lim.Total flows are pending. The
// client's flows are counted under a transaction-scoped advisory lock on
// the client, so lim.PerClient holds exactly; lim.Total is checked without
// one (serialising every sign-in on one lock would cost more than it
// saves), so concurrent creators can pass it by at most their number.
func (s *Store) CreateLoginFlow(ctx context.Context, f store.LoginFlow, lim store.Limits) error {
	if err := store.CheckLoginFlow(f); err != nil {
		return err
	}
	return s.txn(ctx, "create login flow", func(tx pgx.Tx) error {
		if err := admit(ctx, tx, "login_flows", "state", f.Client, f.CreatedAt, lim); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO login_flows (state, binding, sealed, return_to, client, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (state) DO NOTHING`,
			f.State, f.Binding, blob(f.Sealed), f.ReturnTo, f.Client, f.CreatedAt, f.ExpiresAt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrConflict
		}
		return nil
	})
}

// admitLock is the first key of the advisory locks admit takes (the second
// is the table and client's hash): "gsadmit" in ASCII.
const admitLock int32 = 0x6773616d

// admit makes room for one more row of table for client at now, within
// lim, as the SQLite store's admit does. table and key are constants of
// this package, never input.
func admit(ctx context.Context, tx pgx.Tx, table, key, client string, now time.Time, lim store.Limits) error {
	if client != "" {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, admitLock, table+" "+client); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE client = $1 AND expires_at <= $2`, client, now); err != nil {
			return err
		}
		if lim.PerClient > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE `+key+` IN (
				SELECT `+key+` FROM `+table+` WHERE client = $1 ORDER BY created_at DESC, `+key+` DESC OFFSET $2)`,
				client, lim.PerClient-1); err != nil {
				return err
			}
		}
	}
	if lim.Total > 0 {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE expires_at > $1`, now).Scan(&n); err != nil {
			return err
		}
		if n >= lim.Total {
			return store.ErrLimit
		}
	}
	return nil
}

// txn runs fn in a transaction on a pooled connection and commits it. An
// error from fn rolls it back and is returned as is when it is one of the
// store's sentinels, wrapped with op otherwise.
func (s *Store) txn(ctx context.Context, op string, fn func(pgx.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	return s.with(ctx, op, func(c *pgx.Conn) (err error) {
		tx, err := c.Begin(ctx)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		defer func() {
			if err != nil {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				tx.Rollback(rctx)
			}
		}()
		if err := fn(tx); err != nil {
			if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrLimit) || errors.Is(err, store.ErrNotFound) {
				return err
			}
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
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
			RETURNING binding, sealed, return_to, client, created_at, expires_at`, state).
			Scan(&f.Binding, &f.Sealed, &f.ReturnTo, &f.Client, &f.CreatedAt, &f.ExpiresAt)
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

// DeleteExpired removes sessions, login flows, form submissions, drafts
// and tokens whose expiry is at or before now, in one statement (so one snapshot), and
// returns how many rows went. PostgreSQL's autovacuum reuses the space.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	if err := store.CheckTime("now", now); err != nil {
		return 0, err
	}
	var n int64
	err := s.with(ctx, "delete expired", func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `WITH
			s AS (DELETE FROM sessions WHERE expires_at <= $1 RETURNING 1),
			f AS (DELETE FROM login_flows WHERE expires_at <= $1 RETURNING 1),
			u AS (DELETE FROM form_submissions WHERE expires_at <= $1 RETURNING 1),
			d AS (DELETE FROM drafts WHERE expires_at <= $1 RETURNING 1),
			t AS (DELETE FROM tokens WHERE expires_at <= $1 RETURNING 1)
			SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM f) + (SELECT count(*) FROM u) + (SELECT count(*) FROM d) + (SELECT count(*) FROM t)`, now).Scan(&n)
		if err != nil {
			return fmt.Errorf("postgres: delete expired: %w", err)
		}
		return nil
	})
	return n, err
}
