//go:build !unix

package sqlite

import "io"

// lockDir: without flock the journal stays in its table.
func lockDir(string) (io.Closer, error) { return nil, errJournalLocked }
