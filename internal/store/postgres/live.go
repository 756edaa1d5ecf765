package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/graphsec/graphsec/internal/store"
)

// The live-alerts aggregates (store/live.go).
//
// Order. Seq comes from an identity column, but identity values are handed
// out when a row is inserted, not when its transaction commits: two
// replicas appending at once could commit Seq 8 before Seq 7, and a stream
// reading "Seq > 7" between the two commits would never see 7. So
// AppendNotifications first takes a transaction-scoped advisory lock:
// appends (from every replica) run one at a time, and rows become visible
// in Seq order. One lock per append, and the receiver's group commit makes
// an append a batch of every request waiting at that moment.
//
// Durability is PostgreSQL's: the commit returns once the WAL is flushed
// (synchronous_commit on, the default, which graphsec expects).

var _ interface {
	store.Notifications
	store.Feeds
	store.Checkpoints
} = (*Store)(nil)

// NotifyChannel is the LISTEN/NOTIFY channel every append notifies on
// when it commits (no payload: it only says "read the items after the last
// Seq you have"; see internal/notify/pgbroker). A notification is sent on
// commit, after the rows are visible, and not at all on rollback.
const NotifyChannel = "graphsec_notifications"

// appendLock is the advisory lock key that orders appends: "graphsec"
// plus one (migrationLock is "graphsec").
const appendLock = migrationLock + 1

const insertNotification = `INSERT INTO notifications
	(id, source, feed, owner, shared, change_type, lifecycle_event, resource, resource_id, version, title, changes, raw, received_at, search)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
	ON CONFLICT (id) DO NOTHING
	RETURNING seq`

// AppendNotifications stores items in one transaction, in one round trip
// (a pipelined batch), and returns the ones stored with Seq assigned. An
// item whose ID is stored already, or appears earlier in items, is a
// duplicate and left out. The returned items share their byte slices
// with items.
func (s *Store) AppendNotifications(ctx context.Context, items []store.Notification) ([]store.Notification, error) {
	if err := store.CheckAppend(items); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("postgres: append notifications: %w", err)
	}
	if len(items) == 0 {
		return nil, nil
	}
	var out []store.Notification
	err := s.with(ctx, "append notifications", func(c *pgx.Conn) error {
		var err error
		out, err = appendTx(ctx, c, items)
		if err != nil {
			return fmt.Errorf("postgres: append notifications: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func appendTx(ctx context.Context, c *pgx.Conn, items []store.Notification) ([]store.Notification, error) {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue("SELECT pg_advisory_xact_lock($1)", appendLock)
	for _, n := range items {
		b.Queue(insertNotification, n.ID, string(n.Source), n.Feed, n.Owner, n.Shared, n.ChangeType, n.LifecycleEvent,
			n.Resource, n.ResourceID, nullTime(n.Version), n.Title, blob(n.Changes), blob(n.Raw), n.ReceivedAt,
			store.SearchText(n))
	}
	b.Queue("SELECT pg_notify('" + NotifyChannel + "', '')")
	b.Queue("COMMIT")
	res := c.SendBatch(ctx, b)
	fail := func(err error) ([]store.Notification, error) {
		res.Close()
		// The connection may be inside the failed transaction: the pool
		// drops a connection that is not idle, so nothing leaks.
		return nil, err
	}
	if _, err := res.Exec(); err != nil {
		return fail(err)
	}
	if _, err := res.Exec(); err != nil {
		return fail(err)
	}
	out := make([]store.Notification, 0, len(items))
	for _, n := range items {
		err := res.QueryRow().Scan(&n.Seq)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return fail(err)
		}
		if !n.Version.IsZero() {
			n.Version = stored(n.Version)
		} else {
			n.Version = time.Time{}
		}
		n.ReceivedAt = stored(n.ReceivedAt)
		n.Changes, n.Raw = emptyNil(n.Changes), emptyNil(n.Raw)
		out = append(out, n)
	}
	if _, err := res.Exec(); err != nil { // pg_notify
		return fail(err)
	}
	if _, err := res.Exec(); err != nil {
		return fail(err)
	}
	if err := res.Close(); err != nil {
		return nil, err
	}
	return out, nil
}

// nullTime sends the zero time, which the live records use for "not
// known", as NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// fromNull reads NULL back as the zero time, and any other time in UTC.
func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// dialect is PostgreSQL's for store.NotificationQuery (a function, not a
// package variable: nothing at package level can be changed).
func dialect() store.SQLDialect {
	return store.SQLDialect{
		Param:    func(n int) string { return "$" + strconv.Itoa(n) },
		True:     "true",
		Contains: func(column, param string) string { return "strpos(" + column + ", " + param + ") > 0" },
	}
}

// ListNotifications returns what f selects: oldest first when AfterSeq is
// set (store.FromStart included), newest first otherwise.
func (s *Store) ListNotifications(ctx context.Context, f store.NotificationFilter) ([]store.Notification, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list notifications: %w", err)
	}
	query, args, ok := store.NotificationQuery(f, dialect())
	if !ok {
		return nil, nil
	}
	return s.queryNotifications(ctx, "list notifications", true, query, args...)
}

// queryNotifications runs query, which selects store.NotificationColumns
// (or store.NotificationColumnsWithoutRaw when withRaw is false), and reads its rows.
func (s *Store) queryNotifications(ctx context.Context, what string, withRaw bool, query string, args ...any) ([]store.Notification, error) {
	var out []store.Notification
	err := s.with(ctx, what, func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			var n store.Notification
			var source string
			var version *time.Time
			dest := []any{&n.Seq, &n.ID, &source, &n.Feed, &n.Owner, &n.Shared, &n.ChangeType, &n.LifecycleEvent,
				&n.Resource, &n.ResourceID, &version, &n.Title, &n.Changes}
			if withRaw {
				dest = append(dest, &n.Raw)
			}
			if err := rows.Scan(append(dest, &n.ReceivedAt)...); err != nil {
				return fmt.Errorf("postgres: %s: %w", what, err)
			}
			n.Source = store.Source(source)
			n.Version, n.ReceivedAt = fromNull(version), n.ReceivedAt.UTC()
			n.Changes, n.Raw = emptyNil(n.Changes), emptyNil(n.Raw)
			out = append(out, n)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: %s: %w", what, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteNotificationsBefore removes items received before t: journal
// entries first, then notifications store.DeleteChunk at a time, each
// chunk its own transaction.
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
			return total, fmt.Errorf("postgres: delete notifications: %w", err)
		}
		var n int64
		err := s.with(ctx, "delete notifications", func(c *pgx.Conn) error {
			tag, err := c.Exec(ctx, `DELETE FROM notifications WHERE seq IN
				(SELECT seq FROM notifications WHERE received_at < $1 LIMIT $2)`, t, store.DeleteChunk)
			if err != nil {
				return fmt.Errorf("postgres: delete notifications: %w", err)
			}
			n = tag.RowsAffected()
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < store.DeleteChunk {
			return total, nil
		}
	}
}

// PostgreSQL's error codes for the constraints the live tables have.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

const feedColumns = `id, kind, owner, owner_name, shared, target, query, resource, graph_id, client_state_hash, change_type,
	expires_at, auth, tokens, state, last_error, last_item_at, created_at, updated_at`

func feedArgs(f store.Feed) []any {
	return []any{f.ID, string(f.Kind), f.Owner, f.OwnerName, f.Shared, f.Target, f.Query, f.Resource, f.GraphID,
		blob(f.ClientStateHash), f.ChangeType, nullTime(f.ExpiresAt), f.Auth, blob(f.Tokens), f.State, f.LastError,
		nullTime(f.LastItemAt), f.CreatedAt, f.UpdatedAt}
}

// CreateFeed stores a new feed; store.ErrConflict if its id, or its Graph
// subscription id, is taken.
func (s *Store) CreateFeed(ctx context.Context, f store.Feed) error {
	if err := store.CheckFeed(f); err != nil {
		return err
	}
	return s.with(ctx, "create feed", func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, `INSERT INTO feeds (`+feedColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
			ON CONFLICT DO NOTHING`, feedArgs(f)...)
		if err != nil {
			return fmt.Errorf("postgres: create feed: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrConflict
		}
		return nil
	})
}

// UpdateFeed replaces a feed's record; store.ErrNotFound if absent,
// store.ErrConflict if its new Graph subscription id is another feed's.
func (s *Store) UpdateFeed(ctx context.Context, f store.Feed) error {
	if err := store.CheckFeed(f); err != nil {
		return err
	}
	return s.with(ctx, "update feed", func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, `UPDATE feeds SET kind = $2, owner = $3, owner_name = $4, shared = $5, target = $6,
			query = $7, resource = $8, graph_id = $9, client_state_hash = $10, change_type = $11, expires_at = $12,
			auth = $13, tokens = $14, state = $15, last_error = $16, last_item_at = $17, created_at = $18, updated_at = $19
			WHERE id = $1`, feedArgs(f)...)
		if pgCode(err) == pgUniqueViolation {
			return fmt.Errorf("%w: graph id %q belongs to another feed", store.ErrConflict, f.GraphID)
		}
		if err != nil {
			return fmt.Errorf("postgres: update feed: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		return nil
	})
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
		return store.Feed{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !store.UsableKey(key) {
		return store.Feed{}, store.ErrNotFound
	}
	feeds, err := s.queryFeeds(ctx, op, `SELECT `+feedColumns+` FROM feeds WHERE `+column+` = $1`, key)
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
		return nil, fmt.Errorf("postgres: list feeds: %w", err)
	}
	var where []string
	var args []any
	if f.Viewer != "" {
		if !store.UsableText(f.Viewer) {
			return nil, nil
		}
		args = append(args, f.Viewer)
		where = append(where, "(owner = $"+strconv.Itoa(len(args))+" OR shared)")
	}
	if f.Kind != "" {
		if !store.UsableText(string(f.Kind)) {
			return nil, nil
		}
		args = append(args, string(f.Kind))
		where = append(where, "kind = $"+strconv.Itoa(len(args)))
	}
	query := `SELECT ` + feedColumns + ` FROM feeds`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	return s.queryFeeds(ctx, "list feeds", query+" ORDER BY created_at, id", args...)
}

func (s *Store) queryFeeds(ctx context.Context, op, query string, args ...any) ([]store.Feed, error) {
	var out []store.Feed
	err := s.with(ctx, op, func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		defer rows.Close()
		for rows.Next() {
			var f store.Feed
			var kind string
			var expires, lastItem *time.Time
			if err := rows.Scan(&f.ID, &kind, &f.Owner, &f.OwnerName, &f.Shared, &f.Target, &f.Query, &f.Resource,
				&f.GraphID, &f.ClientStateHash, &f.ChangeType, &expires, &f.Auth, &f.Tokens, &f.State, &f.LastError,
				&lastItem, &f.CreatedAt, &f.UpdatedAt); err != nil {
				return fmt.Errorf("postgres: %s: %w", op, err)
			}
			f.Kind = store.FeedKind(kind)
			f.ClientStateHash, f.Tokens = emptyNil(f.ClientStateHash), emptyNil(f.Tokens)
			f.ExpiresAt, f.LastItemAt = fromNull(expires), fromNull(lastItem)
			f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
			out = append(out, f)
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

// DeleteFeed removes a feed and (by the foreign key's cascade) its
// checkpoint. Its notifications stay until retention removes them.
func (s *Store) DeleteFeed(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: delete feed: %w", err)
	}
	if !store.UsableKey(id) {
		return nil
	}
	return s.with(ctx, "delete feed", func(c *pgx.Conn) error {
		if _, err := c.Exec(ctx, `DELETE FROM feeds WHERE id = $1`, id); err != nil {
			return fmt.Errorf("postgres: delete feed: %w", err)
		}
		return nil
	})
}

// Checkpoint returns a feed's checkpoint; store.ErrNotFound before the
// first SaveCheckpoint.
func (s *Store) Checkpoint(ctx context.Context, feed string) (store.Checkpoint, error) {
	if err := ctx.Err(); err != nil {
		return store.Checkpoint{}, fmt.Errorf("postgres: checkpoint: %w", err)
	}
	if !store.UsableKey(feed) {
		return store.Checkpoint{}, store.ErrNotFound
	}
	c := store.Checkpoint{Feed: feed}
	err := s.with(ctx, "checkpoint", func(conn *pgx.Conn) error {
		err := conn.QueryRow(ctx, `SELECT at, ids, updated_at FROM checkpoints WHERE feed = $1`, feed).
			Scan(&c.At, &c.IDs, &c.UpdatedAt)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return store.ErrNotFound
		case err != nil:
			return fmt.Errorf("postgres: checkpoint: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.Checkpoint{}, err
	}
	if len(c.IDs) == 0 {
		c.IDs = nil
	}
	c.At, c.UpdatedAt = c.At.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

// SaveCheckpoint stores a feed's checkpoint, replacing the previous one;
// store.ErrNotFound if the feed does not exist.
func (s *Store) SaveCheckpoint(ctx context.Context, c store.Checkpoint) error {
	if err := store.CheckCheckpoint(c); err != nil {
		return err
	}
	ids := c.IDs
	if ids == nil {
		ids = []string{}
	}
	return s.with(ctx, "save checkpoint", func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, `INSERT INTO checkpoints (feed, at, ids, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (feed) DO UPDATE SET at = excluded.at, ids = excluded.ids, updated_at = excluded.updated_at`,
			c.Feed, c.At, ids, c.UpdatedAt)
		if pgCode(err) == pgForeignKeyViolation {
			return fmt.Errorf("%w: feed %q", store.ErrNotFound, c.Feed)
		}
		if err != nil {
			return fmt.Errorf("postgres: save checkpoint: %w", err)
		}
		return nil
	})
}
