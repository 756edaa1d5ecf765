package open

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/internal/store/pgtest"
	"github.com/graphsec/graphsec/internal/store/postgres"
	"github.com/graphsec/graphsec/internal/store/sqlite"
)

func TestIsPostgres(t *testing.T) {
	tests := []struct {
		db   string
		want bool
	}{
		{"graphsec.db", false},
		{"/var/lib/graphsec/g.db", false},
		{":memory:", false},
		{"postgres://u@db/graphsec", true},
		{"postgresql://u@db/graphsec", true},
		{"POSTGRES://u@db/graphsec", true},
		{"postgres.db", false},
		{"./postgres://x", false},
	}
	for _, tt := range tests {
		t.Run(tt.db, func(t *testing.T) {
			if got := IsPostgres(tt.db); got != tt.want {
				t.Errorf("IsPostgres(%q) = %v, want %v", tt.db, got, tt.want)
			}
		})
	}
}

func TestOpenSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	st, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, ok := st.(*sqlite.Store); !ok {
		t.Errorf("Open(%q) is a %T, want *sqlite.Store", path, st)
	}
	if err := st.Ping(t.Context()); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("no database file: %v", err)
	}
}

func TestOpenPostgres(t *testing.T) {
	dsn, _ := pgtest.Fresh(t)
	st, err := Open(t.Context(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, ok := st.(*postgres.Store); !ok {
		t.Errorf("Open(GRAPHSEC_TEST_POSTGRES) is a %T, want *postgres.Store", st)
	}
	if err := st.Ping(t.Context()); err != nil {
		t.Error(err)
	}
}

func TestOpenPostgresUnreachable(t *testing.T) {
	// Port 1 on loopback refuses at once; the error must not show the
	// password.
	_, err := Open(t.Context(), "postgres://u:hunter2@127.0.0.1:1/g?sslmode=disable&connect_timeout=5", Options{})
	if err == nil {
		t.Fatal("Open succeeded")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error shows the password: %v", err)
	}
}
