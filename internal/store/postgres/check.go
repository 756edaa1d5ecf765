package postgres

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on what the store accepts. Values come, directly or not, from
// browsers and from Graph, so every one is bounded before it reaches the
// database; the SQLite store has the same limits so that a value one
// accepts the other does too.
const (
	// MaxKeyBytes bounds Session.ID and LoginFlow.State (hashes and random
	// states are far shorter).
	MaxKeyBytes = 1 << 10
	// MaxTextBytes bounds every other string (names, ids, URLs).
	MaxTextBytes = 8 << 10
	// MaxBlobBytes bounds Session.Tokens, LoginFlow.Sealed and
	// Activity.Changes.
	MaxBlobBytes = 8 << 20

	// DefaultActivityLimit is what ListActivity and RecentActivity use for
	// a limit of zero or less: one screenful.
	DefaultActivityLimit = 50
	// MaxActivityLimit caps a larger limit.
	MaxActivityLimit = 1000
)

// Times outside years 1 to 9999 are refused: timestamptz reaches further
// (4713 BC to 294276 AD) but SQLite's microseconds since the epoch do not,
// so both stores agree on one range every caller can reach.
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// invalid builds the error for a value the store refuses.
func invalid(field, format string, args ...any) error {
	return fmt.Errorf("postgres: %s: "+format, append([]any{field}, args...)...)
}

// checkText refuses strings that are too long, not UTF-8, or hold NUL:
// PostgreSQL's text type rejects the last two, and refusing them here too
// keeps the two stores interchangeable.
func checkText(field, s string, limit int, required bool) error {
	switch {
	case required && s == "":
		return invalid(field, "empty")
	case len(s) > limit:
		return invalid(field, "%d bytes, over the limit of %d", len(s), limit)
	case !utf8.ValidString(s):
		return invalid(field, "not valid UTF-8")
	case strings.IndexByte(s, 0) >= 0:
		return invalid(field, "contains a NUL byte")
	}
	return nil
}

func checkBlob(field string, b []byte) error {
	if len(b) > MaxBlobBytes {
		return invalid(field, "%d bytes, over the limit of %d", len(b), MaxBlobBytes)
	}
	return nil
}

func checkTime(field string, t time.Time) error {
	if t.Before(minTime) || !t.Before(maxTime) {
		return invalid(field, "%v is outside years 1 to 9999", t)
	}
	return nil
}

// usableKey reports whether a key could name a stored record; lookups of
// one that could not are simply not found.
func usableKey(k string) bool {
	return checkText("key", k, MaxKeyBytes, true) == nil
}

// usableText is usableKey for other strings.
func usableText(s string) bool {
	return checkText("text", s, MaxTextBytes, true) == nil
}

// blob gives the driver a non-nil slice: it sends a nil []byte as NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// emptyNil reads an empty bytea back as nil, as the SQLite store does.
func emptyNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// stored is t as it reads back from a timestamptz: pgx sends whole
// microseconds (truncating), and this store returns UTC.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func activityLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultActivityLimit
	case n > MaxActivityLimit:
		return MaxActivityLimit
	}
	return n
}
