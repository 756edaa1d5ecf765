package postgres

import "time"

// What is common to both stores (limits, validation) is in package store;
// these helpers are about this database's own types.

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
