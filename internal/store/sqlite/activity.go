package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// AddActivity appends a to the log. a.ID is ignored; the returned Activity
// carries the new id and a.At as it will read back (UTC, microseconds).
// Changes is stored as the exact bytes given: the store does not parse it.
func (s *Store) AddActivity(ctx context.Context, a store.Activity) (store.Activity, error) {
	if err := store.CheckActivity(a); err != nil {
		return store.Activity{}, err
	}
	a.State = store.ActivityState(a.State)
	err := s.w.QueryRowContext(ctx, `INSERT INTO activity
		(resource, resource_id, action, actor_id, actor_name, at, request_id, changes, state)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id`,
		a.Resource, a.ResourceID, a.Action, a.ActorID, a.ActorName, toDB(a.At), a.RequestID, blob(a.Changes), a.State).
		Scan(&a.ID)
	if err != nil {
		return store.Activity{}, fmt.Errorf("sqlite: add activity: %w", err)
	}
	a.At = stored(a.At)
	a.Changes = emptyNil(bytes.Clone(a.Changes))
	return a, nil
}

// ListActivity returns one resource's activity, newest (highest id) first.
// "Newest" is the order of recording, not of At, which the caller chose. A
// limit of zero or less means store.DefaultActivityLimit; more than
// store.MaxActivityLimit means store.MaxActivityLimit.
func (s *Store) ListActivity(ctx context.Context, resource, resourceID string, limit int) ([]store.Activity, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list activity: %w", err)
	}
	if !store.UsableText(resource) || !store.UsableText(resourceID) {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+activityColumns+` FROM activity
		WHERE resource = ? AND resource_id = ? ORDER BY id DESC LIMIT ?`,
		resource, resourceID, store.ActivityLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list activity: %w", err)
	}
	return scanActivity(rows, "list activity")
}

// RecentActivity returns the newest activity across resources, with the
// same limit rules as ListActivity.
func (s *Store) RecentActivity(ctx context.Context, limit int) ([]store.Activity, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+activityColumns+` FROM activity ORDER BY id DESC LIMIT ?`,
		store.ActivityLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: recent activity: %w", err)
	}
	return scanActivity(rows, "recent activity")
}

// UpdateActivity sets a record's state, and its request id and changes
// when they are given.
func (s *Store) UpdateActivity(ctx context.Context, id int64, state, requestID string, changes []byte) error {
	if err := errors.Join(store.CheckActivityState(state), store.CheckBlob("activity changes", changes)); err != nil {
		return err
	}
	if !store.UsableText(requestID) && requestID != "" {
		return fmt.Errorf("%w: activity request id", store.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: update activity: %w", err)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE activity SET state = ?,
		request_id = CASE WHEN ? = '' THEN request_id ELSE ? END,
		changes = CASE WHEN ? THEN ? ELSE changes END
		WHERE id = ?`, state, requestID, requestID, changes != nil, blob(changes), id)
	if err != nil {
		return fmt.Errorf("sqlite: update activity: %w", err)
	}
	return oneRow(res, "update activity", store.ErrNotFound)
}

// PendingActivity returns pending records recorded before before, oldest
// first.
func (s *Store) PendingActivity(ctx context.Context, before time.Time, limit int) ([]store.Activity, error) {
	if err := store.CheckTime("before", before); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+activityColumns+` FROM activity
		WHERE state = 'pending' AND at < ? ORDER BY at, id LIMIT ?`, toDB(before), store.ActivityLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: pending activity: %w", err)
	}
	return scanActivity(rows, "pending activity")
}

const activityColumns = `id, resource, resource_id, action, actor_id, actor_name, at, request_id, changes, state`

func scanActivity(rows *sql.Rows, op string) ([]store.Activity, error) {
	defer rows.Close()
	var out []store.Activity
	for rows.Next() {
		var a store.Activity
		var at int64
		if err := rows.Scan(&a.ID, &a.Resource, &a.ResourceID, &a.Action, &a.ActorID, &a.ActorName, &at,
			&a.RequestID, &a.Changes, &a.State); err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", op, err)
		}
		a.At = fromDB(at)
		a.Changes = emptyNil(a.Changes)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return out, nil
}
