package sqlite

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/storetest"
)

// The journal's files (journalfile.go), beyond the conformance suite that
// runs on them (TestConformanceFile): what survives a restart, a torn
// write, damage, rotation, and a second process.

func journalItem(id string) store.Notification {
	return store.Notification{
		ID: id, Source: store.SourceWebhook, Feed: "feed-1", Owner: "owner", ChangeType: "updated",
		Resource: "security/alerts/" + id, ResourceID: id, Raw: []byte(`{"id":"` + id + `"}`), ReceivedAt: epoch,
	}
}

func journalBatch(prefix string, n int) []store.Notification {
	b := make([]store.Notification, n)
	for i := range b {
		b[i] = journalItem(fmt.Sprintf("%s-%d", prefix, i))
	}
	return b
}

func backlogOf(t *testing.T, s *Store) int64 {
	t.Helper()
	n, err := s.JournalBacklog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func indexAll(t *testing.T, s *Store) []string {
	t.Helper()
	var ids []string
	for {
		stored, read, err := s.IndexJournal(t.Context(), 1000)
		if err != nil {
			t.Fatalf("IndexJournal: %v", err)
		}
		if read == 0 {
			return ids
		}
		for _, n := range stored {
			ids = append(ids, n.ID)
		}
	}
}

func TestJournalFilesUsed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	s := openFile(t, path)
	if s.files == nil {
		t.Fatal("a file database keeps its journal in the table")
	}
	if _, _, err := s.AppendJournal(t.Context(), [][]store.Notification{journalBatch("a", 3)}, 0); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := s.r.QueryRow(`SELECT count(*) FROM notification_journal`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("journal table rows = %d, %v; want 0 (the entry is in files)", rows, err)
	}
	segs, _ := filepath.Glob(filepath.Join(path+".journal", "*.seg"))
	if len(segs) != 1 {
		t.Errorf("segments %v", segs)
	}
	if mem := openFile(t, MemoryPath); mem.files != nil {
		t.Error("an in-memory database has journal files")
	}
	if tbl := openFile(t, filepath.Join(t.TempDir(), "t.db"), WithTableJournal()); tbl.files != nil {
		t.Error("WithTableJournal has journal files")
	}
}

// TestJournalFilesRestart: entries appended and partly indexed before a
// close are there after it, each indexed once.
func TestJournalFilesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a", "b", "c"} {
		if _, _, err := s.AppendJournal(t.Context(), [][]store.Notification{journalBatch(p, 4)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, read, err := s.IndexJournal(t.Context(), 4); err != nil || read != 4 {
		t.Fatalf("IndexJournal(4) read %d, %v", read, err)
	}
	s.Close()

	s = openFile(t, path)
	if n := backlogOf(t, s); n != 8 {
		t.Errorf("backlog after reopening = %d, want 8", n)
	}
	if ids := indexAll(t, s); len(ids) != 8 || ids[0] != "b-0" || ids[7] != "c-3" {
		t.Errorf("indexed after reopening %v", ids)
	}
	if got := storetest.StoredIDs(t, s); len(got) != 12 {
		t.Errorf("stored %d ids, want 12", len(got))
	}
}

// TestJournalFilesTornTail: a crash in the middle of a write leaves part
// of a record at the end of the last segment. It was never acknowledged:
// opening cuts it off and keeps everything before.
func TestJournalFilesTornTail(t *testing.T) {
	for _, tail := range []struct {
		name  string
		bytes func(record []byte) []byte
	}{
		{"half a header", func(r []byte) []byte { return r[:recordHeader/2] }},
		{"header only", func(r []byte) []byte { return r[:recordHeader] }},
		{"cut payload", func(r []byte) []byte { return r[:len(r)-3] }},
		{"bad checksum", func(r []byte) []byte {
			c := bytes.Clone(r)
			c[len(c)-1] ^= 0xff
			return c
		}},
		{"zeros", func(r []byte) []byte { return make([]byte, 4096) }},
	} {
		t.Run(tail.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "g.db")
			s, err := Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.AppendJournal(t.Context(), [][]store.Notification{journalBatch("ok", 2)}, 0); err != nil {
				t.Fatal(err)
			}
			seg := filepath.Join(path+".journal", segmentName(s.files.wend.seg))
			s.Close()
			record, _ := encodeRecords(nil, [][]store.Notification{journalBatch("torn", 3)})
			f, err := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.Write(tail.bytes(record))
			f.Close()
			before, _ := os.Stat(seg)

			s = openFile(t, path)
			if n := backlogOf(t, s); n != 2 {
				t.Errorf("backlog = %d, want the 2 items before the torn record", n)
			}
			if after, _ := os.Stat(seg); after.Size() >= before.Size() {
				t.Errorf("segment %d bytes after opening, %d before: the torn record is still there", after.Size(), before.Size())
			}
			if _, _, err := s.AppendJournal(t.Context(), [][]store.Notification{journalBatch("next", 1)}, 0); err != nil {
				t.Fatal(err)
			}
			if ids := indexAll(t, s); !slices.Equal(ids, []string{"ok-0", "ok-1", "next-0"}) {
				t.Errorf("indexed %v", ids)
			}
		})
	}
}

// TestJournalFilesRotation: segments are started as they fill and
// deleted once indexing has left them; damage in a segment that is not
// the last fails Open, naming the file, rather than drop what Graph was
// told is stored.
func TestJournalFilesRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	s, err := Open(t.Context(), path, withSegmentSize(2048))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, _, err := s.AppendJournal(t.Context(), [][]store.Notification{journalBatch(fmt.Sprint("r", i), 5)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	segs, _ := filepath.Glob(filepath.Join(path+".journal", "*.seg"))
	if len(segs) < 3 {
		t.Fatalf("%d segments for 20 entries of ~600 bytes in 2 KiB segments", len(segs))
	}
	if _, read, err := s.IndexJournal(t.Context(), 40); err != nil || read != 40 {
		t.Fatalf("IndexJournal(40) read %d, %v", read, err)
	}
	left, _ := filepath.Glob(filepath.Join(path+".journal", "*.seg"))
	if len(left) >= len(segs) || left[0] == segs[0] {
		t.Errorf("segments after indexing half: %d of %d, first %s", len(left), len(segs), filepath.Base(left[0]))
	}
	s.Close()

	// Damage a segment still to be read that is not the last.
	if len(left) < 3 {
		t.Fatalf("segments left %v", left)
	}
	damaged := left[len(left)-2]
	data, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-1] ^= 0xff
	if err := os.WriteFile(damaged, data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), path, withSegmentSize(2048))
	if err == nil || !strings.Contains(err.Error(), filepath.Base(damaged)) {
		t.Fatalf("Open with a damaged segment: %v; want an error naming %s", err, filepath.Base(damaged))
	}
	data[len(data)-1] ^= 0xff
	os.WriteFile(damaged, data, 0o600)
	s = openFile(t, path, withSegmentSize(2048))
	if ids := indexAll(t, s); len(ids) != 60 {
		t.Errorf("indexed %d after reopening, want the other 60", len(ids))
	}
	if rest, _ := filepath.Glob(filepath.Join(path+".journal", "*.seg")); len(rest) != 1 {
		t.Errorf("segments once all is indexed: %v, want only the one being written", rest)
	}
}

// TestJournalFilesSecondProcess: a second Store on the same file (another
// process, as far as the lock is concerned) journals into the table, and
// whoever holds the files indexes those rows first when it opens.
func TestJournalFilesSecondProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	first, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	second := openFile(t, path)
	if second.files != nil {
		t.Fatal("two Stores hold the journal's files")
	}
	if _, _, err := second.AppendJournal(t.Context(), [][]store.Notification{journalBatch("table", 2)}, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := first.AppendJournal(t.Context(), [][]store.Notification{journalBatch("files", 2)}, 0); err != nil {
		t.Fatal(err)
	}
	first.Close()
	// second still runs; a new Store on the file gets the files (the
	// lock went with first) and both backlogs.
	again := openFile(t, path)
	if again.files == nil {
		t.Fatal("the lock was not released by Close")
	}
	if n := backlogOf(t, again); n != 4 {
		t.Errorf("backlog = %d, want 2 in the table and 2 in files", n)
	}
	if ids := indexAll(t, again); !slices.Equal(ids, []string{"table-0", "table-1", "files-0", "files-1"}) {
		t.Errorf("indexed %v, want the table's entries first", ids)
	}
}

// FuzzJournalSegment: whatever the last segment holds, the scan at open
// neither panics nor fails; it cuts the file to the records it counted,
// which read back whole, their payloads decoding or failing cleanly.
func FuzzJournalSegment(f *testing.F) {
	good, _ := encodeRecords(nil, [][]store.Notification{journalBatch("f", 2)})
	f.Add(good)
	f.Add(append(bytes.Clone(good), good[:10]...))
	f.Add([]byte{})
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, data []byte) {
		j := &fileJournal{dir: t.TempDir(), segSize: segmentSize}
		seg := filepath.Join(j.dir, segmentName(1))
		if err := os.WriteFile(seg, data, 0o600); err != nil {
			t.Fatal(err)
		}
		items, end, err := j.scan(1, 0, true)
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		if fi, _ := os.Stat(seg); fi.Size() != end {
			t.Fatalf("segment is %d bytes after the scan, records end at %d", fi.Size(), end)
		}
		j.cur, j.wend = position{1, 0}, position{1, end}
		recs, to, err := j.read(store.MaxAppendBatch*10, 0)
		if err != nil || to != j.wend {
			t.Fatalf("read: %v, up to %v of %v", err, to, j.wend)
		}
		var n int64
		for _, r := range recs {
			n += int64(r.items)
			store.DecodeJournal(r.payload)
		}
		if n != items {
			t.Errorf("scan counted %d items, read %d", items, n)
		}
	})
}
