package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graphsec/graphsec/internal/store"
)

// ClaimForm stores f unless an unexpired submission with its key exists,
// in one transaction: store.ErrConflict with the existing record when it
// does. Of two replicas claiming the same key at once, the primary key
// lets one insert and the other, once the first commits, find its row.
func (s *Store) ClaimForm(ctx context.Context, f store.FormSubmission, perSession int) (store.FormSubmission, error) {
	if err := store.CheckFormSubmission(f); err != nil {
		return store.FormSubmission{}, err
	}
	var existing store.FormSubmission
	err := s.txn(ctx, "claim form", func(tx pgx.Tx) error {
		err := insertFresh(ctx, tx, "form_submissions", "key", f.Key, f.CreatedAt,
			`INSERT INTO form_submissions (key, session, done, status, location, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
			f.Key, f.Session, f.Done, f.Status, f.Location, f.CreatedAt, f.ExpiresAt)
		if errors.Is(err, store.ErrConflict) {
			if existing, err = scanForm(tx.QueryRow(ctx, formQuery+` WHERE key = $1`, f.Key)); err != nil {
				return err
			}
			return store.ErrConflict
		}
		if err != nil {
			return err
		}
		if perSession > 0 {
			_, err = tx.Exec(ctx, `DELETE FROM form_submissions WHERE key IN (
				SELECT key FROM form_submissions WHERE session = $1 ORDER BY created_at DESC, key DESC OFFSET $2)`,
				f.Session, perSession)
		}
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return existing, err
	}
	return store.FormSubmission{}, err
}

// insertFresh deletes table's row whose key column is id if it expired
// by now, then runs insert, an INSERT ... ON CONFLICT DO NOTHING of that
// row: store.ErrConflict when an unexpired row kept the key. table and
// key are constants of this package, never input.
func insertFresh(ctx context.Context, tx pgx.Tx, table, key, id string, now time.Time, insert string, args ...any) error {
	if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE `+key+` = $1 AND expires_at <= $2`, id, now); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, insert, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrConflict
	}
	return nil
}

const formQuery = `SELECT key, session, done, status, location, created_at, expires_at FROM form_submissions`

func scanForm(row pgx.Row) (store.FormSubmission, error) {
	var f store.FormSubmission
	err := row.Scan(&f.Key, &f.Session, &f.Done, &f.Status, &f.Location, &f.CreatedAt, &f.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, store.ErrNotFound
	}
	f.CreatedAt, f.ExpiresAt = f.CreatedAt.UTC(), f.ExpiresAt.UTC()
	return f, err
}

// FinishForm records a submission's outcome.
func (s *Store) FinishForm(ctx context.Context, key string, status int, location string) error {
	if err := store.CheckFormOutcome(status, location); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: finish form: %w", err)
	}
	if !store.UsableKey(key) {
		return store.ErrNotFound
	}
	return s.with(ctx, "finish form", func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, `UPDATE form_submissions SET done = true, status = $1, location = $2 WHERE key = $3`, status, location, key)
		if err != nil {
			return fmt.Errorf("postgres: finish form: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// ReleaseForm deletes a claim.
func (s *Store) ReleaseForm(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: release form: %w", err)
	}
	if !store.UsableKey(key) {
		return nil
	}
	return s.with(ctx, "release form", func(c *pgx.Conn) error {
		if _, err := c.Exec(ctx, `DELETE FROM form_submissions WHERE key = $1`, key); err != nil {
			return fmt.Errorf("postgres: release form: %w", err)
		}
		return nil
	})
}

// FormSubmission returns an unexpired submission.
func (s *Store) FormSubmission(ctx context.Context, key string, now time.Time) (store.FormSubmission, error) {
	if err := store.CheckTime("now", now); err != nil {
		return store.FormSubmission{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.FormSubmission{}, fmt.Errorf("postgres: form submission: %w", err)
	}
	if !store.UsableKey(key) {
		return store.FormSubmission{}, store.ErrNotFound
	}
	var f store.FormSubmission
	err := s.with(ctx, "form submission", func(c *pgx.Conn) error {
		var err error
		f, err = scanForm(c.QueryRow(ctx, formQuery+` WHERE key = $1 AND expires_at > $2`, key, now))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("postgres: form submission: %w", err)
		}
		return err
	})
	return f, err
}

// PutDraft stores d within lim, replacing a draft with the same id.
func (s *Store) PutDraft(ctx context.Context, d store.Draft, lim store.Limits) error {
	if err := store.CheckDraft(d); err != nil {
		return err
	}
	return s.txn(ctx, "put draft", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM drafts WHERE id = $1`, d.ID); err != nil {
			return err
		}
		if err := admit(ctx, tx, "drafts", "id", d.Client, d.CreatedAt, lim); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO drafts (id, client, return_to, sealed, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO UPDATE SET client = excluded.client, return_to = excluded.return_to, sealed = excluded.sealed,
				created_at = excluded.created_at, expires_at = excluded.expires_at`,
			d.ID, d.Client, d.ReturnTo, blob(d.Sealed), d.CreatedAt, d.ExpiresAt)
		return err
	})
}

// TakeDraft deletes a draft and returns it; an expired one is deleted and
// reported as not found.
func (s *Store) TakeDraft(ctx context.Context, id string, now time.Time) (store.Draft, error) {
	if err := store.CheckTime("now", now); err != nil {
		return store.Draft{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Draft{}, fmt.Errorf("postgres: take draft: %w", err)
	}
	if !store.UsableKey(id) {
		return store.Draft{}, store.ErrNotFound
	}
	d := store.Draft{ID: id}
	err := s.with(ctx, "take draft", func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `DELETE FROM drafts WHERE id = $1 RETURNING client, return_to, sealed, created_at, expires_at`, id).
			Scan(&d.Client, &d.ReturnTo, &d.Sealed, &d.CreatedAt, &d.ExpiresAt)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return store.ErrNotFound
		case err != nil:
			return fmt.Errorf("postgres: take draft: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.Draft{}, err
	}
	if !d.ExpiresAt.After(stored(now)) {
		return store.Draft{}, store.ErrNotFound
	}
	d.Sealed = emptyNil(d.Sealed)
	d.CreatedAt, d.ExpiresAt = d.CreatedAt.UTC(), d.ExpiresAt.UTC()
	return d, nil
}
