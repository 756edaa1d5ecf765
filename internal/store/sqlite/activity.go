package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"

	"github.com/graphsec/graphsec/internal/store"
)

// AddActivity appends a to the log. a.ID is ignored; the returned Activity
// carries the new id and a.At as it will read back (UTC, microseconds).
// Changes is stored as the exact bytes given: the store does not parse it.
func (s *Store) AddActivity(ctx context.Context, a store.Activity) (store.Activity, error) {
	if err := store.CheckActivity(a); err != nil {
		return store.Activity{}, err
	}
	err := s.w.QueryRowContext(ctx, `INSERT INTO activity
		(resource, resource_id, action, actor_id, actor_name, at, request_id, changes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id`,
		a.Resource, a.ResourceID, a.Action, a.ActorID, a.ActorName, toDB(a.At), a.RequestID, blob(a.Changes)).
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

const activityColumns = `id, resource, resource_id, action, actor_id, actor_name, at, request_id, changes`

func scanActivity(rows *sql.Rows, op string) ([]store.Activity, error) {
	defer rows.Close()
	var out []store.Activity
	for rows.Next() {
		var a store.Activity
		var at int64
		if err := rows.Scan(&a.ID, &a.Resource, &a.ResourceID, &a.Action, &a.ActorID, &a.ActorName, &at,
			&a.RequestID, &a.Changes); err != nil {
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
