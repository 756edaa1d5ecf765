package sqlite

import (
	"database/sql"
	"time"
)

// What is common to both stores (limits, validation) is in package store;
// these helpers are about this database's own types.

// blob gives the driver a non-nil slice: it binds a nil []byte as NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// emptyNil reads an empty BLOB back as nil, as the PostgreSQL store does.
func emptyNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func toDB(t time.Time) int64 { return t.UnixMicro() }

func fromDB(us int64) time.Time { return time.UnixMicro(us).UTC() }

// stored is t as it reads back from the database.
func stored(t time.Time) time.Time { return fromDB(toDB(t)) }

// toNullDB stores the zero time, which the live records use for "not
// known", as NULL; fromNullDB reads NULL back as the zero time.
func toNullDB(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return toDB(t)
}

func fromNullDB(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromDB(v.Int64)
}

// storedOrZero is stored for a nullable time.
func storedOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return stored(t)
}
