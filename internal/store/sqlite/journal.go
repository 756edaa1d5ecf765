package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// The receiver's journal (store/journal.go): one row per accepted POST,
// the items encoded by store.EncodeJournal, with no index but the rowid.
// Appending one costs a fraction of storing its items in notifications;
// IndexJournal does that later, in the same writer's order, so Seq still
// follows commit order.

var _ store.Journal = (*Store)(nil)

// AppendJournal stores each batch as one journal row, then indexes up to
// index items, in one transaction flushed to disk at commit.
func (s *Store) AppendJournal(ctx context.Context, batches [][]store.Notification, index int) ([]store.Notification, int, error) {
	if err := store.CheckJournal(batches); err != nil {
		return nil, 0, err
	}
	if s.files != nil {
		return s.appendFiles(ctx, batches, index)
	}
	return s.journalTx(ctx, batches, index)
}

// appendFiles is AppendJournal with the journal in files (journalfile.go).
func (s *Store) appendFiles(ctx context.Context, batches [][]store.Notification, index int) ([]store.Notification, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: journal: %w", err)
	}
	if len(batches) > 0 {
		stored, read, direct, err := s.appendOrStore(ctx, batches, index)
		if direct || err != nil {
			return stored, read, err
		}
	}
	if index <= 0 {
		return nil, 0, nil
	}
	return s.indexFileJournal(ctx, index)
}

// appendOrStore appends the batches to the journal's files; or, when
// nothing waits in the journal and all of it is to be indexed at once,
// stores the items straight into notifications (direct), in one flush
// rather than the journal's and the index's.
func (s *Store) appendOrStore(ctx context.Context, batches [][]store.Notification, index int) (stored []store.Notification, read int, direct bool, err error) {
	n := 0
	for _, b := range batches {
		n += len(b)
	}
	if index >= n {
		if stored, direct, err = s.storeIfEmpty(ctx, batches, n); direct || err != nil {
			return stored, n, direct, err
		}
	}
	if err := s.files.append(batches); err != nil {
		return nil, 0, false, fmt.Errorf("sqlite: append journal: %w", err)
	}
	return nil, 0, false, nil
}

// storeIfEmpty stores the items of batches in notifications if the
// journal holds nothing (direct), holding the write end meanwhile so that
// nothing is appended before them.
func (s *Store) storeIfEmpty(ctx context.Context, batches [][]store.Notification, n int) ([]store.Notification, bool, error) {
	j := s.files
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.backlog.Load() != 0 {
		return nil, false, nil
	}
	items := batches[0]
	if len(batches) > 1 {
		items = make([]store.Notification, 0, n)
		for _, b := range batches {
			items = append(items, b...)
		}
	}
	stored, err := s.appendTx(ctx, items)
	if err != nil {
		return nil, true, fmt.Errorf("sqlite: journal: %w", err)
	}
	return stored, true, nil
}

// indexFileJournal indexes up to maxItems from the journal's table while
// it holds entries, then from its files.
func (s *Store) indexFileJournal(ctx context.Context, maxItems int) ([]store.Notification, int, error) {
	j := s.files
	j.idx.Lock()
	defer j.idx.Unlock()
	maxItems = min(maxItems, store.JournalChunk)
	if j.table > 0 {
		stored, read, err := s.journalTx(ctx, nil, maxItems)
		if err != nil {
			return nil, 0, err
		}
		if read > 0 {
			j.table = max(0, j.table-int64(read))
			j.backlog.Add(-int64(read))
			return stored, read, nil
		}
		j.backlog.Add(-j.table)
		j.table = 0
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: journal: %w", err)
	}
	stored, read, to, err := s.indexFiles(ctx, tx, maxItems)
	if err != nil || read == 0 {
		tx.Rollback()
		return nil, 0, err
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: journal: %w", err)
	}
	j.moved(to, read)
	return stored, read, nil
}

const insertJournal = `INSERT INTO notification_journal (items, received_at, body) VALUES (?, ?, ?)`

// IndexJournal moves the oldest journal rows into notifications and
// deletes them, in one transaction.
func (s *Store) IndexJournal(ctx context.Context, maxItems int) ([]store.Notification, int, error) {
	if s.files != nil {
		if err := ctx.Err(); err != nil {
			return nil, 0, fmt.Errorf("sqlite: journal: %w", err)
		}
		return s.indexFileJournal(ctx, max(1, maxItems))
	}
	return s.journalTx(ctx, nil, max(1, maxItems))
}

func (s *Store) journalTx(ctx context.Context, batches [][]store.Notification, index int) (stored []store.Notification, read int, err error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: journal: %w", err)
	}
	if len(batches) == 0 && index <= 0 {
		return nil, 0, nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: journal: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if len(batches) > 0 {
		stmt := tx.StmtContext(ctx, s.journalStmt)
		for _, b := range batches {
			if _, err := stmt.ExecContext(ctx, len(b), toDB(b[0].ReceivedAt), store.EncodeJournal(b)); err != nil {
				return nil, 0, fmt.Errorf("sqlite: append journal: %w", err)
			}
		}
	}
	if index > 0 {
		if stored, read, err = s.indexTx(ctx, tx, min(index, store.JournalChunk)); err != nil {
			return nil, 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: journal: %w", err)
	}
	return stored, read, nil
}

// indexTx moves the oldest rows, whole, while their items total at most
// maxItems (at least one row), into notifications, and deletes them.
func (s *Store) indexTx(ctx context.Context, tx *sql.Tx, maxItems int) ([]store.Notification, int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, items, body FROM notification_journal ORDER BY seq`)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: index journal: %w", err)
	}
	var items []store.Notification
	var last int64
	for rows.Next() {
		var seq int64
		var count int
		var body []byte
		if err := rows.Scan(&seq, &count, &body); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("sqlite: index journal: %w", err)
		}
		if last != 0 && len(items)+count > maxItems {
			break
		}
		entry, err := store.DecodeJournal(body)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("sqlite: index journal: entry %d: %w", seq, err)
		}
		items, last = append(items, entry...), seq
	}
	if err := rows.Close(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: index journal: %w", err)
	}
	if last == 0 {
		return nil, 0, nil
	}
	stored, err := s.insertNotifications(ctx, tx, items)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: index journal: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM notification_journal WHERE seq <= ?`, last); err != nil {
		return nil, 0, fmt.Errorf("sqlite: index journal: %w", err)
	}
	return stored, len(items), nil
}

// JournalBacklog reports the items waiting in the journal.
func (s *Store) JournalBacklog(ctx context.Context) (int64, error) {
	if s.files != nil {
		return s.files.backlog.Load(), ctx.Err()
	}
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT coalesce(sum(items), 0) FROM notification_journal`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: journal backlog: %w", err)
	}
	return n, nil
}

// JournalOldest reports when the oldest entry waiting was received: in
// the table, whose entries come before the files' (with files, only a
// second process appends there), or else at the files' cursor.
func (s *Store) JournalOldest(ctx context.Context) (time.Time, error) {
	var us sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT min(received_at) FROM notification_journal`).Scan(&us); err != nil {
		return time.Time{}, fmt.Errorf("sqlite: journal oldest: %w", err)
	}
	if !us.Valid && s.files != nil {
		received, ok, err := s.files.oldest()
		if err != nil {
			return time.Time{}, fmt.Errorf("sqlite: journal oldest: %w", err)
		}
		us = sql.NullInt64{Int64: received, Valid: ok}
	}
	if !us.Valid {
		return time.Time{}, nil
	}
	return fromDB(us.Int64), nil
}

// deleteJournalBefore removes journal rows received before t (retention
// covers items not yet indexed too) and reports how many items they held.
func (s *Store) deleteJournalBefore(ctx context.Context, t time.Time) (int64, error) {
	if s.files == nil {
		return s.deleteTableJournalBefore(ctx, t)
	}
	j := s.files
	j.idx.Lock()
	n, err := s.deleteTableJournalBefore(ctx, t)
	if err == nil && n > 0 {
		n = min(n, j.table)
		j.table -= n
		j.backlog.Add(-n)
	}
	j.idx.Unlock()
	if err != nil {
		return 0, err
	}
	m, err := s.dropFilesBefore(ctx, t)
	return n + m, err
}

func (s *Store) deleteTableJournalBefore(ctx context.Context, t time.Time) (int64, error) {
	rows, err := s.w.QueryContext(ctx, `DELETE FROM notification_journal WHERE received_at < ? RETURNING items`, toDB(t))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete journal: %w", err)
	}
	defer rows.Close()
	var total int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return 0, fmt.Errorf("sqlite: delete journal: %w", err)
		}
		total += n
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlite: delete journal: %w", err)
	}
	return total, nil
}
