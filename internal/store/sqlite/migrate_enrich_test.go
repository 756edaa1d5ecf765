package sqlite

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// TestEnrichMigrationSkipsHistory: webhook items stored before the
// enrichment step are not looked up (a long history would hold the shared
// request budget at the first start); items stored after it are.
func TestEnrichMigrationSkipsHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	before := slices.IndexFunc(migrations, func(m store.Migration) bool { return strings.Contains(m.Name, "completed after they are stored") })
	if before < 0 {
		t.Fatal("no enrichment step")
	}
	if err := applyMigrations(t.Context(), db, clock.NewFake(epoch), migrations[:before]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), insertNotifications(1), appendNotificationArgs(nil, journalItem("old"))...); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s := openFile(t, path)
	if _, err := s.AppendNotifications(t.Context(), []store.Notification{journalItem("new")}); err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	rows, err := s.r.QueryContext(t.Context(), `SELECT id, enrich FROM notifications`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, state string
		rows.Scan(&id, &state)
		states[id] = state
	}
	rows.Close()
	if states["old"] != string(store.EnrichSkipped) || states["new"] != string(store.EnrichPending) {
		t.Errorf("enrichment states %q: want the old item skipped, the new one pending", states)
	}
}
