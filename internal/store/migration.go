package store

import (
	"errors"
	"fmt"
)

// ErrSchemaTooNew means the database records a migration this build does
// not know: it was written by a newer graphsec, and an older one must not
// guess at tables it does not understand.
var ErrSchemaTooNew = errors.New("store: database schema is newer than this graphsec")

// Migration is one step of an implementation's schema history. Steps are
// append-only: a released step is never edited, a change is a new step,
// because a database records only the versions it has applied, not their
// text.
type Migration struct {
	Version int64
	Name    string
	Stmts   []string
}

// CheckMigrations guards a list of steps: versions must run 1, 2, 3, ...
// so that "unknown version" can only mean "newer build".
func CheckMigrations(steps []Migration) error {
	if len(steps) == 0 {
		return errors.New("store: no migrations")
	}
	for i, m := range steps {
		if m.Version != int64(i+1) {
			return fmt.Errorf("store: migration %d has version %d, want %d", i, m.Version, i+1)
		}
		if len(m.Stmts) == 0 {
			return fmt.Errorf("store: migration %d has no statements", m.Version)
		}
	}
	return nil
}

// Pending returns the steps a database that has applied the given versions
// still needs, in order; ErrSchemaTooNew when it records a version steps
// does not have.
func Pending(steps []Migration, applied []int64) ([]Migration, error) {
	if err := CheckMigrations(steps); err != nil {
		return nil, err
	}
	latest := steps[len(steps)-1].Version
	done := make(map[int64]bool, len(applied))
	for _, v := range applied {
		if v < 1 || v > latest {
			return nil, fmt.Errorf("%w: it records migration %d; this build knows migrations 1 to %d", ErrSchemaTooNew, v, latest)
		}
		done[v] = true
	}
	var out []Migration
	for _, m := range steps {
		if !done[m.Version] {
			out = append(out, m)
		}
	}
	return out, nil
}
