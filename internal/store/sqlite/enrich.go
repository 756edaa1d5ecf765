package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/graphsec/graphsec/internal/store"
)

var _ store.Enrichments = (*Store)(nil)

// PendingEnrichments returns webhook items still pending, oldest first
// (the partial index notifications_enrich_pending holds only those).
func (s *Store) PendingEnrichments(ctx context.Context, after int64, limit int) ([]store.Notification, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: pending enrichments: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+store.NotificationColumnsWithoutRaw+`
		FROM notifications WHERE source = 'webhook' AND enrich = '' AND seq > ? ORDER BY seq LIMIT ?`,
		after, store.NotificationLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: pending enrichments: %w", err)
	}
	out, err := scanNotifications(rows, false)
	if err != nil {
		return nil, fmt.Errorf("sqlite: pending enrichments: %w", err)
	}
	return out, nil
}

// Enrich stores enrichments in one write transaction. The search text is
// rebuilt in Go (SearchText folds every script; SQLite's lower() does
// not), from the id and resource id read in the same transaction.
func (s *Store) Enrich(ctx context.Context, es []store.Enrichment) (err error) {
	for _, e := range es {
		if err := store.CheckEnrichment(e); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: enrich: %w", err)
	}
	if len(es) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: enrich: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	for _, e := range es {
		if e.State != store.EnrichDone {
			if _, err := tx.ExecContext(ctx, `UPDATE notifications SET enrich = ? WHERE seq = ?`, string(e.State), e.Seq); err != nil {
				return fmt.Errorf("sqlite: enrich: %w", err)
			}
			continue
		}
		var id, resourceID string
		err := tx.QueryRowContext(ctx, `SELECT id, resource_id FROM notifications WHERE seq = ?`, e.Seq).Scan(&id, &resourceID)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("sqlite: enrich: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET enrich = ?, title = ?, changes = ?, enrich_fields = ?, search = ?
			WHERE seq = ?`, string(e.State), e.Title, blob(e.Changes), blob(e.Fields),
			store.EnrichedSearchText(id, resourceID, e.Title), e.Seq); err != nil {
			return fmt.Errorf("sqlite: enrich: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: enrich: %w", err)
	}
	return nil
}

// EnrichedFields reads the newest done item's fields through the partial
// index notifications_enriched.
func (s *Store) EnrichedFields(ctx context.Context, feed, resourceID string, before int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: enriched fields: %w", err)
	}
	if !store.UsableKey(feed) || !store.UsableText(resourceID) {
		return nil, nil
	}
	var fields []byte
	err := s.r.QueryRowContext(ctx, `SELECT enrich_fields FROM notifications
		WHERE resource_id = ? AND enrich = 'done' AND seq < ? AND feed = ? ORDER BY seq DESC LIMIT 1`,
		resourceID, before, feed).Scan(&fields)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: enriched fields: %w", err)
	}
	return emptyNil(fields), nil
}
