package sqlite

import "time"

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
