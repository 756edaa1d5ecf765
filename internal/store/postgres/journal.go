package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graphsec/graphsec/internal/store"
)

// The receiver's journal (store/journal.go): one row per accepted POST,
// the items encoded by store.EncodeJournal. IndexJournal takes the same
// advisory lock as AppendNotifications, so indexed items still become
// visible in Seq order, and two replicas never index the same entry.

var _ store.Journal = (*Store)(nil)

// AppendJournal stores each batch as one journal row, then indexes up to
// index items, in one transaction; it returns once the commit is flushed.
func (s *Store) AppendJournal(ctx context.Context, batches [][]store.Notification, index int) ([]store.Notification, int, error) {
	if err := store.CheckJournal(batches); err != nil {
		return nil, 0, err
	}
	return s.journalTx(ctx, batches, index)
}

// IndexJournal moves the oldest journal rows into notifications and
// deletes them, in one transaction.
func (s *Store) IndexJournal(ctx context.Context, maxItems int) ([]store.Notification, int, error) {
	return s.journalTx(ctx, nil, max(1, maxItems))
}

func (s *Store) journalTx(ctx context.Context, batches [][]store.Notification, index int) (stored []store.Notification, read int, err error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("postgres: journal: %w", err)
	}
	if len(batches) == 0 && index <= 0 {
		return nil, 0, nil
	}
	if index <= 0 {
		// Appending alone: one round trip. The statements of a batch run
		// in one implicit transaction that the server commits at the
		// batch's Sync, before it answers, so every row is stored, and
		// flushed, or none; rather than BEGIN, the batch and COMMIT in
		// three.
		err = s.with(ctx, "journal", func(c *pgx.Conn) error {
			if err := c.SendBatch(ctx, journalBatch(batches)).Close(); err != nil {
				return fmt.Errorf("postgres: append journal: %w", err)
			}
			return nil
		})
		return nil, 0, err
	}
	err = s.with(ctx, "journal", func(c *pgx.Conn) error {
		stored, read = nil, 0
		tx, err := c.Begin(ctx)
		if err != nil {
			return fmt.Errorf("postgres: journal: %w", err)
		}
		defer tx.Rollback(ctx)
		if len(batches) > 0 {
			if err := tx.SendBatch(ctx, journalBatch(batches)).Close(); err != nil {
				return fmt.Errorf("postgres: append journal: %w", err)
			}
		}
		if index > 0 {
			// The lock that orders appends: indexed items become visible
			// in Seq order, and two replicas never index one entry.
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", appendLock); err != nil {
				return fmt.Errorf("postgres: index journal: %w", err)
			}
			items, seqs, err := readJournal(ctx, tx, min(index, store.JournalChunk))
			if err != nil {
				return err
			}
			if len(seqs) > 0 {
				out, err := insertNotifications(ctx, tx, items)
				if err != nil {
					return fmt.Errorf("postgres: index journal: %w", err)
				}
				// By the seqs read, not a range: another replica's entry
				// with a smaller seq may commit after this snapshot.
				if _, err := tx.Exec(ctx, `DELETE FROM notification_journal WHERE seq = ANY($1)`, seqs); err != nil {
					return fmt.Errorf("postgres: index journal: %w", err)
				}
				stored, read = out, len(items)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			stored, read = nil, 0
			return fmt.Errorf("postgres: journal: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return stored, read, nil
}

// journalBatch inserts each batch as one journal row.
func journalBatch(batches [][]store.Notification) *pgx.Batch {
	b := &pgx.Batch{}
	for _, items := range batches {
		b.Queue(`INSERT INTO notification_journal (items, received_at, body) VALUES ($1, $2, $3)`,
			len(items), items[0].ReceivedAt, store.EncodeJournal(items))
	}
	return b
}

// readJournal reads the oldest entries while their items total at most
// maxItems (at least one entry). Every entry holds at least one item, so
// no more than maxItems rows are asked for: without the LIMIT the server
// would send the whole backlog, bodies and all, for the loop to discard.
func readJournal(ctx context.Context, tx pgx.Tx, maxItems int) ([]store.Notification, []int64, error) {
	rows, err := tx.Query(ctx, `SELECT seq, items, body FROM notification_journal ORDER BY seq LIMIT $1`, maxItems)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: index journal: %w", err)
	}
	defer rows.Close()
	var items []store.Notification
	var seqs []int64
	for rows.Next() {
		var seq int64
		var count int
		var body []byte
		if err := rows.Scan(&seq, &count, &body); err != nil {
			return nil, nil, fmt.Errorf("postgres: index journal: %w", err)
		}
		if len(seqs) > 0 && len(items)+count > maxItems {
			break
		}
		entry, err := store.DecodeJournal(body)
		if err != nil {
			return nil, nil, fmt.Errorf("postgres: index journal: entry %d: %w", seq, err)
		}
		items, seqs = append(items, entry...), append(seqs, seq)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("postgres: index journal: %w", err)
	}
	return items, seqs, nil
}

// insertNotifications inserts items in tx (one round trip) and returns
// the ones stored, Seq assigned, in order.
func insertNotifications(ctx context.Context, tx pgx.Tx, items []store.Notification) ([]store.Notification, error) {
	b := &pgx.Batch{}
	for _, n := range items {
		b.Queue(insertNotification, n.ID, string(n.Source), n.Feed, n.Owner, n.Shared, n.ChangeType, n.LifecycleEvent,
			n.Resource, n.ResourceID, nullTime(n.Version), n.Title, blob(n.Changes), blob(n.Raw), n.ReceivedAt,
			store.SearchText(n))
	}
	res := tx.SendBatch(ctx, b)
	defer res.Close()
	out := make([]store.Notification, 0, len(items))
	for _, n := range items {
		err := res.QueryRow().Scan(&n.Seq)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !n.Version.IsZero() {
			n.Version = stored(n.Version)
		}
		n.ReceivedAt = stored(n.ReceivedAt)
		n.Changes, n.Raw = emptyNil(n.Changes), emptyNil(n.Raw)
		out = append(out, n)
	}
	return out, res.Close()
}

// JournalBacklog reports the items waiting in the journal.
func (s *Store) JournalBacklog(ctx context.Context) (int64, error) {
	var n int64
	err := s.with(ctx, "journal backlog", func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT coalesce(sum(items), 0) FROM notification_journal`).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: journal backlog: %w", err)
	}
	return n, nil
}

// JournalOldest reports when the oldest entry waiting was received.
func (s *Store) JournalOldest(ctx context.Context) (time.Time, error) {
	var t *time.Time
	err := s.with(ctx, "journal oldest", func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT min(received_at) FROM notification_journal`).Scan(&t)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: journal oldest: %w", err)
	}
	if t == nil {
		return time.Time{}, nil
	}
	return stored(*t), nil
}

// deleteJournalBefore removes journal rows received before t and reports
// how many items they held.
func (s *Store) deleteJournalBefore(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := s.with(ctx, "delete journal", func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `WITH gone AS (DELETE FROM notification_journal WHERE received_at < $1 RETURNING items)
			SELECT coalesce(sum(items), 0) FROM gone`, t).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: delete journal: %w", err)
	}
	return n, nil
}
