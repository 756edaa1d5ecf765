package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// The live-alerts aggregates (store/live.go).
//
// Durability. The writer commits with synchronous=FULL (sqlite.go): the
// receiver acknowledges a notification to Graph once AppendNotifications
// returns, and Graph will not send it again. The cost is one flush per
// call, which the receiver's group commit (notify.GroupSink) shares among
// every request waiting at that moment.
//
// Order. Seq is the table's rowid (INTEGER PRIMARY KEY AUTOINCREMENT);
// there is one writer connection, so rows commit in Seq order and a
// reader that has seen Seq n has seen every smaller Seq that will ever
// exist: the stream's catch-up by "Seq > last seen" has no gaps.

var _ interface {
	store.Notifications
	store.Feeds
	store.Checkpoints
} = (*Store)(nil)

// appendRows is how many notifications one INSERT statement carries: a
// statement per row spends more time binding and starting statements than
// inserting, and SQLite allows 32,766 parameters (15 a row).
const appendRows = 64

// insertNotifications is the INSERT of n rows. ON CONFLICT DO NOTHING
// skips an id that is stored, or inserted earlier by the same statement;
// RETURNING tells which rows went in.
func insertNotifications(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO notifications
	(id, source, feed, owner, shared, change_type, lifecycle_event, resource, resource_id, version, title, changes, raw, received_at, search)
	VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	b.WriteString(" ON CONFLICT (id) DO NOTHING RETURNING seq, id")
	return b.String()
}

// AppendNotifications stores items in one transaction, flushed to disk at
// commit, and returns the ones stored with Seq assigned. An item
// whose ID is stored already, or appears earlier in items, is a duplicate
// and left out. The returned items share their byte slices with items.
func (s *Store) AppendNotifications(ctx context.Context, items []store.Notification) ([]store.Notification, error) {
	if err := store.CheckAppend(items); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: append notifications: %w", err)
	}
	if len(items) == 0 {
		return nil, nil
	}
	out, err := s.appendTx(ctx, items)
	if err != nil {
		return nil, fmt.Errorf("sqlite: append notifications: %w", err)
	}
	return out, nil
}

func (s *Store) appendTx(ctx context.Context, items []store.Notification) (out []store.Notification, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if out, err = s.insertNotifications(ctx, tx, items); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return out, nil
}

// insertNotifications inserts items in tx and returns the ones stored
// (the first of each new ID), Seq assigned, in order.
func (s *Store) insertNotifications(ctx context.Context, tx *sql.Tx, items []store.Notification) ([]store.Notification, error) {
	seqs := make(map[string]int64, len(items))
	args := make([]any, 0, 15*min(len(items), appendRows))
	for start := 0; start < len(items); start += appendRows {
		chunk := items[start:min(start+appendRows, len(items))]
		prepared := s.appendStmts[len(chunk)]
		args = args[:0]
		for _, n := range chunk {
			args = appendNotificationArgs(args, n)
		}
		rows, err := tx.StmtContext(ctx, prepared).QueryContext(ctx, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var seq int64
			var id string
			if err := rows.Scan(&seq, &id); err != nil {
				rows.Close()
				return nil, err
			}
			seqs[id] = seq
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	// The first item with each new id is the one stored.
	out := make([]store.Notification, 0, len(seqs))
	for _, n := range items {
		seq, ok := seqs[n.ID]
		if !ok {
			continue // a duplicate
		}
		delete(seqs, n.ID)
		n.Seq = seq
		n.Version, n.ReceivedAt = storedOrZero(n.Version), stored(n.ReceivedAt)
		n.Changes, n.Raw = emptyNil(n.Changes), emptyNil(n.Raw)
		out = append(out, n)
	}
	return out, nil
}

// appendNotificationArgs appends n's values in the order of
// insertNotifications' columns.
func appendNotificationArgs(args []any, n store.Notification) []any {
	var version any
	if !n.Version.IsZero() {
		version = toDB(n.Version)
	}
	return append(args, n.ID, string(n.Source), n.Feed, n.Owner, n.Shared, n.ChangeType, n.LifecycleEvent,
		n.Resource, n.ResourceID, version, n.Title, blob(n.Changes), blob(n.Raw), toDB(n.ReceivedAt), store.SearchText(n))
}

// dialect is SQLite's for store.NotificationQuery (a function, not a
// package variable: nothing at package level can be changed).
func dialect() store.SQLDialect {
	return store.SQLDialect{
		Param:    func(int) string { return "?" },
		True:     "1",
		Contains: func(column, param string) string { return "instr(" + column + ", " + param + ") > 0" },
	}
}

// ListNotifications returns what f selects: oldest first when AfterSeq is
// set (store.FromStart included), newest first otherwise.
func (s *Store) ListNotifications(ctx context.Context, f store.NotificationFilter) ([]store.Notification, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list notifications: %w", err)
	}
	query, args, ok := store.NotificationQuery(f, dialect())
	if !ok {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list notifications: %w", err)
	}
	out, err := scanNotifications(rows, true)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list notifications: %w", err)
	}
	return out, nil
}

// scanNotifications reads and closes rows of store.NotificationColumns,
// or of store.NotificationColumnsWithoutRaw when withRaw is false.
func scanNotifications(rows *sql.Rows, withRaw bool) ([]store.Notification, error) {
	defer rows.Close()
	var out []store.Notification
	for rows.Next() {
		var n store.Notification
		var source string
		var version sql.NullInt64
		var received int64
		dest := []any{&n.Seq, &n.ID, &source, &n.Feed, &n.Owner, &n.Shared, &n.ChangeType, &n.LifecycleEvent,
			&n.Resource, &n.ResourceID, &version, &n.Title, &n.Changes}
		if withRaw {
			dest = append(dest, &n.Raw)
		}
		if err := rows.Scan(append(dest, &received)...); err != nil {
			return nil, err
		}
		n.Source = store.Source(source)
		n.Version, n.ReceivedAt = fromNullDB(version), fromDB(received)
		n.Changes, n.Raw = emptyNil(n.Changes), emptyNil(n.Raw)
		out = append(out, n)
	}
	return out, rows.Err()
}

// DeleteNotificationsBefore removes items received before t, journal
// entries first (in one statement: the journal holds a backlog, not
// history), then notifications store.DeleteChunk at a time, each chunk
// its own transaction, so that a receiver's append waits for one chunk at
// most.
func (s *Store) DeleteNotificationsBefore(ctx context.Context, t time.Time) (int64, error) {
	if err := store.CheckTime("retention cut-off", t); err != nil {
		return 0, err
	}
	total, err := s.deleteJournalBefore(ctx, t)
	if err != nil {
		return 0, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("sqlite: delete notifications: %w", err)
		}
		res, err := s.w.ExecContext(ctx, `DELETE FROM notifications WHERE seq IN
			(SELECT seq FROM notifications WHERE received_at < ? LIMIT ?)`, toDB(t), store.DeleteChunk)
		if err != nil {
			return total, fmt.Errorf("sqlite: delete notifications: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("sqlite: delete notifications: %w", err)
		}
		total += n
		if n < store.DeleteChunk {
			return total, nil
		}
	}
}

// SQLite's extended result codes for the constraints the live tables have.
const (
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

func sqliteCode(err error) int {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		return coded.Code()
	}
	return 0
}

const feedColumns = `id, kind, owner, owner_name, shared, target, query, resource, graph_id, client_state_hash, change_type,
	expires_at, auth, tokens, state, last_error, last_item_at, created_at, updated_at`

func feedArgs(f store.Feed) []any {
	return []any{f.ID, string(f.Kind), f.Owner, f.OwnerName, f.Shared, f.Target, f.Query, f.Resource, f.GraphID,
		blob(f.ClientStateHash), f.ChangeType, toNullDB(f.ExpiresAt), f.Auth, blob(f.Tokens), f.State, f.LastError,
		toNullDB(f.LastItemAt), toDB(f.CreatedAt), toDB(f.UpdatedAt)}
}

// CreateFeed stores a new feed; store.ErrConflict if its id, or its Graph
// subscription id, is taken.
func (s *Store) CreateFeed(ctx context.Context, f store.Feed) error {
	if err := store.CheckFeed(f); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO feeds (`+feedColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, feedArgs(f)...)
	if err != nil {
		return fmt.Errorf("sqlite: create feed: %w", err)
	}
	return oneRow(res, "create feed", store.ErrConflict)
}

// UpdateFeed replaces a feed's record; store.ErrNotFound if absent,
// store.ErrConflict if its new Graph subscription id is another feed's.
func (s *Store) UpdateFeed(ctx context.Context, f store.Feed) error {
	if err := store.CheckFeed(f); err != nil {
		return err
	}
	args := feedArgs(f)
	res, err := s.w.ExecContext(ctx, `UPDATE feeds SET kind = ?, owner = ?, owner_name = ?, shared = ?, target = ?,
		query = ?, resource = ?, graph_id = ?, client_state_hash = ?, change_type = ?, expires_at = ?, auth = ?,
		tokens = ?, state = ?, last_error = ?, last_item_at = ?, created_at = ?, updated_at = ?
		WHERE id = ?`, append(args[1:], f.ID)...)
	if code := sqliteCode(err); code == sqliteConstraintUnique || code == sqliteConstraintPrimaryKey {
		return fmt.Errorf("%w: graph id %q belongs to another feed", store.ErrConflict, f.GraphID)
	}
	if err != nil {
		return fmt.Errorf("sqlite: update feed: %w", err)
	}
	return oneRow(res, "update feed", store.ErrNotFound)
}

// Feed returns a feed by graphsec's id.
func (s *Store) Feed(ctx context.Context, id string) (store.Feed, error) {
	return s.oneFeed(ctx, "feed", "id", id)
}

// FeedByGraphID returns the feed of a Graph subscription id.
func (s *Store) FeedByGraphID(ctx context.Context, graphID string) (store.Feed, error) {
	return s.oneFeed(ctx, "feed by graph id", "graph_id", graphID)
}

func (s *Store) oneFeed(ctx context.Context, op, column, key string) (store.Feed, error) {
	if err := ctx.Err(); err != nil {
		return store.Feed{}, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if !store.UsableKey(key) {
		return store.Feed{}, store.ErrNotFound
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+feedColumns+` FROM feeds WHERE `+column+` = ?`, key)
	if err != nil {
		return store.Feed{}, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	feeds, err := scanFeeds(rows, op)
	if err != nil {
		return store.Feed{}, err
	}
	if len(feeds) == 0 {
		return store.Feed{}, store.ErrNotFound
	}
	return feeds[0], nil
}

// ListFeeds returns the feeds f selects, oldest first.
func (s *Store) ListFeeds(ctx context.Context, f store.FeedFilter) ([]store.Feed, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list feeds: %w", err)
	}
	var where []string
	var args []any
	if f.Viewer != "" {
		where, args = append(where, "(owner = ? OR shared = 1)"), append(args, f.Viewer)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	query := `SELECT ` + feedColumns + ` FROM feeds`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, query+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list feeds: %w", err)
	}
	return scanFeeds(rows, "list feeds")
}

func scanFeeds(rows *sql.Rows, op string) ([]store.Feed, error) {
	defer rows.Close()
	var out []store.Feed
	for rows.Next() {
		var f store.Feed
		var kind string
		var expires, lastItem sql.NullInt64
		var created, updated int64
		if err := rows.Scan(&f.ID, &kind, &f.Owner, &f.OwnerName, &f.Shared, &f.Target, &f.Query, &f.Resource, &f.GraphID,
			&f.ClientStateHash, &f.ChangeType, &expires, &f.Auth, &f.Tokens, &f.State, &f.LastError, &lastItem,
			&created, &updated); err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", op, err)
		}
		f.Kind = store.FeedKind(kind)
		f.ClientStateHash, f.Tokens = emptyNil(f.ClientStateHash), emptyNil(f.Tokens)
		f.ExpiresAt, f.LastItemAt = fromNullDB(expires), fromNullDB(lastItem)
		f.CreatedAt, f.UpdatedAt = fromDB(created), fromDB(updated)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return out, nil
}

// DeleteFeed removes a feed and (by the foreign key's cascade) its
// checkpoint. Its notifications stay until retention removes them.
func (s *Store) DeleteFeed(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: delete feed: %w", err)
	}
	if !store.UsableKey(id) {
		return nil
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM feeds WHERE id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: delete feed: %w", err)
	}
	return nil
}

// Checkpoint returns a feed's checkpoint; store.ErrNotFound before the
// first SaveCheckpoint.
func (s *Store) Checkpoint(ctx context.Context, feed string) (store.Checkpoint, error) {
	if err := ctx.Err(); err != nil {
		return store.Checkpoint{}, fmt.Errorf("sqlite: checkpoint: %w", err)
	}
	if !store.UsableKey(feed) {
		return store.Checkpoint{}, store.ErrNotFound
	}
	c := store.Checkpoint{Feed: feed}
	var at, updated int64
	var ids string
	err := s.r.QueryRowContext(ctx, `SELECT at, ids, updated_at FROM checkpoints WHERE feed = ?`, feed).Scan(&at, &ids, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Checkpoint{}, store.ErrNotFound
	}
	if err != nil {
		return store.Checkpoint{}, fmt.Errorf("sqlite: checkpoint: %w", err)
	}
	if err := json.Unmarshal([]byte(ids), &c.IDs); err != nil {
		return store.Checkpoint{}, fmt.Errorf("sqlite: checkpoint %q: ids: %w", feed, err)
	}
	if len(c.IDs) == 0 {
		c.IDs = nil
	}
	c.At, c.UpdatedAt = fromDB(at), fromDB(updated)
	return c, nil
}

// SaveCheckpoint stores a feed's checkpoint, replacing the previous one;
// store.ErrNotFound if the feed does not exist.
func (s *Store) SaveCheckpoint(ctx context.Context, c store.Checkpoint) error {
	if err := store.CheckCheckpoint(c); err != nil {
		return err
	}
	ids, err := json.Marshal(nonNil(c.IDs))
	if err != nil {
		return fmt.Errorf("sqlite: save checkpoint: %w", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO checkpoints (feed, at, ids, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (feed) DO UPDATE SET at = excluded.at, ids = excluded.ids, updated_at = excluded.updated_at`,
		c.Feed, toDB(c.At), string(ids), toDB(c.UpdatedAt))
	if sqliteCode(err) == sqliteConstraintForeignKey {
		return fmt.Errorf("%w: feed %q", store.ErrNotFound, c.Feed)
	}
	if err != nil {
		return fmt.Errorf("sqlite: save checkpoint: %w", err)
	}
	return nil
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
