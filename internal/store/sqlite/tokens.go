package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

var _ store.Tokens = (*Store)(nil)

// PutToken stores t and, in the same transaction, deletes the session's
// oldest tokens of its kind beyond perSession. An expired token with t's
// id is replaced.
func (s *Store) PutToken(ctx context.Context, t store.Token, perSession int) error {
	if err := store.CheckToken(t); err != nil {
		return err
	}
	return s.tx(ctx, "put token", func(tx *sql.Tx) error {
		now := toDB(t.CreatedAt)
		if err := insertFresh(ctx, tx, "tokens", "id", t.ID, now, `INSERT INTO tokens (id, kind, session, value, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			t.ID, t.Kind, t.Session, blob(t.Value), now, toDB(t.ExpiresAt)); err != nil {
			return err
		}
		if perSession <= 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE rowid IN (
			SELECT rowid FROM tokens WHERE session = ? AND kind = ? ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
			t.Session, t.Kind, perSession)
		return err
	})
}

// Token returns an unexpired token.
func (s *Store) Token(ctx context.Context, id string, now time.Time) (store.Token, error) {
	if err := store.CheckTime("now", now); err != nil {
		return store.Token{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Token{}, fmt.Errorf("sqlite: token: %w", err)
	}
	if !store.UsableKey(id) {
		return store.Token{}, store.ErrNotFound
	}
	t := store.Token{ID: id}
	var created, expires int64
	err := s.r.QueryRowContext(ctx, `SELECT kind, session, value, created_at, expires_at FROM tokens WHERE id = ? AND expires_at > ?`, id, toDB(now)).
		Scan(&t.Kind, &t.Session, &t.Value, &created, &expires)
	return readToken(t, created, expires, err, "token")
}

// TakeToken deletes a token and returns it (one DELETE ... RETURNING on
// the writer); an expired one is deleted and reported as not found.
func (s *Store) TakeToken(ctx context.Context, id string, now time.Time) (store.Token, error) {
	if err := store.CheckTime("now", now); err != nil {
		return store.Token{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Token{}, fmt.Errorf("sqlite: take token: %w", err)
	}
	if !store.UsableKey(id) {
		return store.Token{}, store.ErrNotFound
	}
	t := store.Token{ID: id}
	var created, expires int64
	err := s.w.QueryRowContext(ctx, `DELETE FROM tokens WHERE id = ? RETURNING kind, session, value, created_at, expires_at`, id).
		Scan(&t.Kind, &t.Session, &t.Value, &created, &expires)
	if err == nil && expires <= toDB(now) {
		return store.Token{}, store.ErrNotFound
	}
	return readToken(t, created, expires, err, "take token")
}

func readToken(t store.Token, created, expires int64, err error, op string) (store.Token, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return store.Token{}, store.ErrNotFound
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	t.Value = emptyNil(t.Value)
	t.CreatedAt, t.ExpiresAt = fromDB(created), fromDB(expires)
	return t, nil
}
