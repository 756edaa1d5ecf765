package sqlite

import (
	"testing"

	"github.com/graphsec/graphsec/internal/store/storetest"
)

func FuzzSessionRoundTrip(f *testing.F) {
	storetest.FuzzSessionRoundTrip(f, openFile(f, MemoryPath))
}

func FuzzActivityChanges(f *testing.F) {
	storetest.FuzzActivityChanges(f, openFile(f, MemoryPath))
}

func FuzzRolesRoundTrip(f *testing.F) {
	storetest.FuzzRolesRoundTrip(f, openFile(f, MemoryPath))
}
