package postgres

import (
	"testing"

	"github.com/graphsec/graphsec/internal/store/storetest"
)

// The fuzz targets skip without GRAPHSEC_TEST_POSTGRES, like the suite.

func FuzzSessionRoundTrip(f *testing.F) {
	dsn, _ := freshSchema(f)
	storetest.FuzzSessionRoundTrip(f, openStore(f, dsn))
}

func FuzzActivityChanges(f *testing.F) {
	dsn, _ := freshSchema(f)
	storetest.FuzzActivityChanges(f, openStore(f, dsn))
}

func FuzzRolesRoundTrip(f *testing.F) {
	dsn, _ := freshSchema(f)
	storetest.FuzzRolesRoundTrip(f, openStore(f, dsn))
}
