package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
	return s.txn(ctx, "put token", func(tx pgx.Tx) error {
		if err := insertFresh(ctx, tx, "tokens", "id", t.ID, t.CreatedAt, `INSERT INTO tokens (id, kind, session, value, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
			t.ID, t.Kind, t.Session, blob(t.Value), t.CreatedAt, t.ExpiresAt); err != nil {
			return err
		}
		if perSession <= 0 {
			return nil
		}
		_, err := tx.Exec(ctx, `DELETE FROM tokens WHERE id IN (
			SELECT id FROM tokens WHERE session = $1 AND kind = $2 ORDER BY created_at DESC, id DESC OFFSET $3)`,
			t.Session, t.Kind, perSession)
		return err
	})
}

// Token returns an unexpired token.
func (s *Store) Token(ctx context.Context, id string, now time.Time) (store.Token, error) {
	return s.token(ctx, "token", `SELECT kind, session, value, created_at, expires_at FROM tokens WHERE id = $1 AND expires_at > $2`, id, now)
}

// TakeToken deletes an unexpired token and returns it, in one statement.
// An expired one stays for DeleteExpired.
func (s *Store) TakeToken(ctx context.Context, id string, now time.Time) (store.Token, error) {
	return s.token(ctx, "take token", `DELETE FROM tokens WHERE id = $1 AND expires_at > $2 RETURNING kind, session, value, created_at, expires_at`, id, now)
}

func (s *Store) token(ctx context.Context, op, query, id string, now time.Time) (store.Token, error) {
	if err := store.CheckTime("now", now); err != nil {
		return store.Token{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Token{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !store.UsableKey(id) {
		return store.Token{}, store.ErrNotFound
	}
	t := store.Token{ID: id}
	err := s.with(ctx, op, func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, query, id, now).Scan(&t.Kind, &t.Session, &t.Value, &t.CreatedAt, &t.ExpiresAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		return nil
	})
	if err != nil {
		return store.Token{}, err
	}
	t.Value = emptyNil(t.Value)
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	return t, nil
}
