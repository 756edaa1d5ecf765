package store

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func journalItems() []Notification {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 123456000, time.UTC)
	return []Notification{
		{ID: "n1", Source: SourceWebhook, Feed: "f", Owner: "o", ChangeType: "updated", Resource: "security/alerts/a",
			ResourceID: "a", Raw: []byte(`{"id":"n1"}`), ReceivedAt: t0},
		{ID: "n2", Source: SourceWatch, Feed: "f", Shared: true, Title: "T", Changes: []byte(`{}`), Version: t0.Add(-time.Hour), ReceivedAt: t0},
	}
}

// TestAppendJournalEntry: appending to a buffer that holds something
// leaves it and adds what EncodeJournal returns, within the size told.
func TestAppendJournalEntry(t *testing.T) {
	items := journalItems()
	prefix := []byte("held")
	got := AppendJournalEntry(bytes.Clone(prefix), items)
	if want := append(bytes.Clone(prefix), EncodeJournal(items)...); !bytes.Equal(got, want) {
		t.Fatalf("AppendJournalEntry = %q, want %q", got, want)
	}
	if n, max := len(got)-len(prefix), JournalEntrySize(items); n > max {
		t.Errorf("entry of %d bytes, JournalEntrySize %d", n, max)
	}
}

func TestJournalRoundTrip(t *testing.T) {
	items := journalItems()
	got, err := DecodeJournal(EncodeJournal(items))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(items, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	enc := EncodeJournal(items)
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"other version", append([]byte{2}, enc[1:]...)},
		{"truncated", enc[:len(enc)-1]},
		{"trailing", append(bytes.Clone(enc), 0)},
		{"no items", []byte{journalVersion, 0}},
		{"huge count", []byte{journalVersion, 0xff, 0xff, 0x03}},
		{"invalid item", EncodeJournal([]Notification{{ID: "", Source: SourceWebhook, Feed: "f"}})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeJournal(tt.b); !errors.Is(err, ErrJournalEntry) {
				t.Errorf("DecodeJournal = %v, want ErrJournalEntry", err)
			}
		})
	}
}

// FuzzDecodeJournal: any bytes decode or fail without panicking, and what
// decodes encodes back to the same bytes.
func FuzzDecodeJournal(f *testing.F) {
	f.Add(EncodeJournal(journalItems()))
	f.Add([]byte{journalVersion, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := DecodeJournal(b)
		if err != nil {
			return
		}
		if again := EncodeJournal(items); !bytes.Equal(again, b) {
			// Varints have one shortest form; Encode writes it. A longer
			// form that decodes must still decode to the same items.
			back, err := DecodeJournal(again)
			if err != nil || !cmp.Equal(back, items) {
				t.Fatalf("re-encoding changed the items: %v", err)
			}
		}
	})
}

func BenchmarkEncodeJournal(b *testing.B) {
	items := journalItems()
	for b.Loop() {
		EncodeJournal(items)
	}
}
