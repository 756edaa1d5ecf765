package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/graphsec/graphsec/internal/store"
)

var _ store.Enrichments = (*Store)(nil)

// PendingEnrichments returns webhook items still pending, oldest first
// (the partial index notifications_enrich_pending holds only those).
func (s *Store) PendingEnrichments(ctx context.Context, after int64, limit int) ([]store.Notification, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("postgres: pending enrichments: %w", err)
	}
	return s.queryNotifications(ctx, "pending enrichments", false, `SELECT `+store.NotificationColumnsWithoutRaw+`
		FROM notifications WHERE source = 'webhook' AND enrich = '' AND seq > $1 ORDER BY seq LIMIT $2`,
		after, store.NotificationLimit(limit))
}

// Enrich stores enrichments in one transaction. The search text is
// rebuilt in Go (SearchText folds like the rest of graphsec), from the
// id and resource id read under the row's lock.
func (s *Store) Enrich(ctx context.Context, es []store.Enrichment) error {
	for _, e := range es {
		if err := store.CheckEnrichment(e); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: enrich: %w", err)
	}
	if len(es) == 0 {
		return nil
	}
	return s.with(ctx, "enrich", func(c *pgx.Conn) error {
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			for _, e := range es {
				if e.State != store.EnrichDone {
					if _, err := tx.Exec(ctx, `UPDATE notifications SET enrich = $1 WHERE seq = $2`, string(e.State), e.Seq); err != nil {
						return err
					}
					continue
				}
				var id, resourceID string
				err := tx.QueryRow(ctx, `SELECT id, resource_id FROM notifications WHERE seq = $1 FOR UPDATE`, e.Seq).Scan(&id, &resourceID)
				if errors.Is(err, pgx.ErrNoRows) {
					continue
				}
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `UPDATE notifications SET enrich = $1, title = $2, changes = $3, enrich_fields = $4, search = $5
					WHERE seq = $6`, string(e.State), e.Title, blob(e.Changes), blob(e.Fields),
					store.EnrichedSearchText(id, resourceID, e.Title), e.Seq); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("postgres: enrich: %w", err)
		}
		return nil
	})
}

// EnrichedFields reads the newest done item's fields through the partial
// index notifications_enriched.
func (s *Store) EnrichedFields(ctx context.Context, feed, resourceID string, before int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("postgres: enriched fields: %w", err)
	}
	if !store.UsableKey(feed) || !store.UsableText(resourceID) {
		return nil, nil
	}
	var fields []byte
	err := s.with(ctx, "enriched fields", func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `SELECT enrich_fields FROM notifications
			WHERE resource_id = $1 AND enrich = 'done' AND seq < $2 AND feed = $3 ORDER BY seq DESC LIMIT 1`,
			resourceID, before, feed).Scan(&fields)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			fields = nil
			return nil
		case err != nil:
			return fmt.Errorf("postgres: enriched fields: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return emptyNil(fields), nil
}
