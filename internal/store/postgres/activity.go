package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graphsec/graphsec/internal/store"
)

// AddActivity appends a to the log. a.ID is ignored; the returned Activity
// carries the new id and a.At as it will read back (UTC, microseconds).
// Changes is stored as the exact bytes given (bytea, not jsonb, which
// would reorder keys and drop whitespace).
func (s *Store) AddActivity(ctx context.Context, a store.Activity) (store.Activity, error) {
	if err := store.CheckActivity(a); err != nil {
		return store.Activity{}, err
	}
	a.State = store.ActivityState(a.State)
	err := s.with(ctx, "add activity", func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `INSERT INTO activity
			(resource, resource_id, action, actor_id, actor_name, at, request_id, changes, state)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			RETURNING id`,
			a.Resource, a.ResourceID, a.Action, a.ActorID, a.ActorName, a.At, a.RequestID, blob(a.Changes), a.State).
			Scan(&a.ID)
		if err != nil {
			return fmt.Errorf("postgres: add activity: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.Activity{}, err
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
		return nil, fmt.Errorf("postgres: list activity: %w", err)
	}
	if !store.UsableText(resource) || !store.UsableText(resourceID) {
		return nil, nil
	}
	return s.queryActivity(ctx, "list activity", `SELECT `+activityColumns+` FROM activity
		WHERE resource = $1 AND resource_id = $2 ORDER BY id DESC LIMIT $3`,
		resource, resourceID, store.ActivityLimit(limit))
}

// RecentActivity returns the newest activity across resources, with the
// same limit rules as ListActivity.
func (s *Store) RecentActivity(ctx context.Context, limit int) ([]store.Activity, error) {
	return s.queryActivity(ctx, "recent activity", `SELECT `+activityColumns+` FROM activity
		ORDER BY id DESC LIMIT $1`, store.ActivityLimit(limit))
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
		return fmt.Errorf("postgres: update activity: %w", err)
	}
	return s.with(ctx, "update activity", func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, `UPDATE activity SET state = $1,
			request_id = CASE WHEN $2 = '' THEN request_id ELSE $2 END,
			changes = CASE WHEN $3 THEN $4 ELSE changes END
			WHERE id = $5`, state, requestID, changes != nil, blob(changes), id)
		if err != nil {
			return fmt.Errorf("postgres: update activity: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// PendingActivity returns pending records recorded before before, oldest
// first.
func (s *Store) PendingActivity(ctx context.Context, before time.Time, limit int) ([]store.Activity, error) {
	if err := store.CheckTime("before", before); err != nil {
		return nil, err
	}
	return s.queryActivity(ctx, "pending activity", `SELECT `+activityColumns+` FROM activity
		WHERE state = 'pending' AND at < $1 ORDER BY at, id LIMIT $2`, before, store.ActivityLimit(limit))
}

const activityColumns = `id, resource, resource_id, action, actor_id, actor_name, at, request_id, changes, state`

func (s *Store) queryActivity(ctx context.Context, op, query string, args ...any) ([]store.Activity, error) {
	var out []store.Activity
	err := s.with(ctx, op, func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		defer rows.Close()
		for rows.Next() {
			var a store.Activity
			if err := rows.Scan(&a.ID, &a.Resource, &a.ResourceID, &a.Action, &a.ActorID, &a.ActorName, &a.At,
				&a.RequestID, &a.Changes, &a.State); err != nil {
				return fmt.Errorf("postgres: %s: %w", op, err)
			}
			a.At = a.At.UTC()
			a.Changes = emptyNil(a.Changes)
			out = append(out, a)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
