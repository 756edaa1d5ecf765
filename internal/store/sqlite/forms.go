package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// ClaimForm stores f unless an unexpired submission with its key exists,
// in one transaction: store.ErrConflict with the existing record when it
// does. The session's oldest submissions beyond perSession are deleted.
func (s *Store) ClaimForm(ctx context.Context, f store.FormSubmission, perSession int) (store.FormSubmission, error) {
	if err := store.CheckFormSubmission(f); err != nil {
		return store.FormSubmission{}, err
	}
	var existing store.FormSubmission
	err := s.tx(ctx, "claim form", func(tx *sql.Tx) error {
		now := toDB(f.CreatedAt)
		err := insertFresh(ctx, tx, "form_submissions", "key", f.Key, now,
			`INSERT INTO form_submissions (key, session, done, status, location, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
			f.Key, f.Session, f.Done, f.Status, f.Location, now, toDB(f.ExpiresAt))
		if errors.Is(err, store.ErrConflict) {
			if existing, err = scanForm(tx.QueryRowContext(ctx, formQuery+` WHERE key = ?`, f.Key)); err != nil {
				return err
			}
			return store.ErrConflict
		}
		if err != nil {
			return err
		}
		if perSession > 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM form_submissions WHERE rowid IN (
				SELECT rowid FROM form_submissions WHERE session = ? ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
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
func insertFresh(ctx context.Context, tx *sql.Tx, table, key, id string, now int64, insert string, args ...any) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+key+` = ? AND expires_at <= ?`, id, now); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, insert, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return store.ErrConflict
	}
	return nil
}

const formQuery = `SELECT key, session, done, status, location, created_at, expires_at FROM form_submissions`

func scanForm(row *sql.Row) (store.FormSubmission, error) {
	var f store.FormSubmission
	var created, expires int64
	err := row.Scan(&f.Key, &f.Session, &f.Done, &f.Status, &f.Location, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return f, store.ErrNotFound
	}
	f.CreatedAt, f.ExpiresAt = fromDB(created), fromDB(expires)
	return f, err
}

// FinishForm records a submission's outcome.
func (s *Store) FinishForm(ctx context.Context, key string, status int, location string) error {
	if err := store.CheckFormOutcome(status, location); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: finish form: %w", err)
	}
	if !store.UsableKey(key) {
		return store.ErrNotFound
	}
	res, err := s.w.ExecContext(ctx, `UPDATE form_submissions SET done = 1, status = ?, location = ? WHERE key = ?`, status, location, key)
	if err != nil {
		return fmt.Errorf("sqlite: finish form: %w", err)
	}
	return oneRow(res, "finish form", store.ErrNotFound)
}

// ReleaseForm deletes a claim.
func (s *Store) ReleaseForm(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: release form: %w", err)
	}
	if !store.UsableKey(key) {
		return nil
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM form_submissions WHERE key = ?`, key); err != nil {
		return fmt.Errorf("sqlite: release form: %w", err)
	}
	return nil
}

// FormSubmission returns an unexpired submission.
func (s *Store) FormSubmission(ctx context.Context, key string, now time.Time) (store.FormSubmission, error) {
	if err := store.CheckTime("now", now); err != nil {
		return store.FormSubmission{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.FormSubmission{}, fmt.Errorf("sqlite: form submission: %w", err)
	}
	if !store.UsableKey(key) {
		return store.FormSubmission{}, store.ErrNotFound
	}
	f, err := scanForm(s.r.QueryRowContext(ctx, formQuery+` WHERE key = ? AND expires_at > ?`, key, toDB(now)))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return f, fmt.Errorf("sqlite: form submission: %w", err)
	}
	return f, err
}

// PutDraft stores d within lim, replacing a draft with the same id.
func (s *Store) PutDraft(ctx context.Context, d store.Draft, lim store.Limits) error {
	if err := store.CheckDraft(d); err != nil {
		return err
	}
	return s.tx(ctx, "put draft", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM drafts WHERE id = ?`, d.ID); err != nil {
			return err
		}
		if err := admit(ctx, tx, "drafts", d.Client, toDB(d.CreatedAt), lim); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO drafts (id, client, return_to, sealed, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			d.ID, d.Client, d.ReturnTo, blob(d.Sealed), toDB(d.CreatedAt), toDB(d.ExpiresAt))
		return err
	})
}

// TakeDraft deletes a draft and returns it (one DELETE ... RETURNING on
// the writer); an expired one is deleted and reported as not found.
func (s *Store) TakeDraft(ctx context.Context, id string, now time.Time) (store.Draft, error) {
	if err := store.CheckTime("now", now); err != nil {
		return store.Draft{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Draft{}, fmt.Errorf("sqlite: take draft: %w", err)
	}
	if !store.UsableKey(id) {
		return store.Draft{}, store.ErrNotFound
	}
	d := store.Draft{ID: id}
	var created, expires int64
	err := s.w.QueryRowContext(ctx, `DELETE FROM drafts WHERE id = ? RETURNING client, return_to, sealed, created_at, expires_at`, id).
		Scan(&d.Client, &d.ReturnTo, &d.Sealed, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Draft{}, store.ErrNotFound
	}
	if err != nil {
		return store.Draft{}, fmt.Errorf("sqlite: take draft: %w", err)
	}
	if expires <= toDB(now) {
		return store.Draft{}, store.ErrNotFound
	}
	d.Sealed = emptyNil(d.Sealed)
	d.CreatedAt, d.ExpiresAt = fromDB(created), fromDB(expires)
	return d, nil
}
