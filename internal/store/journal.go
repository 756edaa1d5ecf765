package store

import (
	"context"
	"encoding/binary"
	"errors"
	"time"
)

// Journal is the receiver's write-ahead log of accepted notifications.
//
// Storing a notification durably costs a row and its three indexes in
// notifications (the unique id, the receipt time, the feed); a POST from
// Graph holds up to 100 of them. The receiver instead appends each POST's
// accepted items as ONE journal entry (one row, no secondary index), which
// is durable when AppendJournal returns, and answers Graph then. An
// indexer (notify.GroupSink) moves entries into notifications afterwards,
// oldest first, de-duplicating by ID as AppendNotifications does, and
// removes them from the journal in the same transaction, so each entry is
// indexed exactly once, also across a crash.
//
// The journal holds only what the receiver accepted (right clientState,
// known subscription, valid item): nothing in it is shown until it is
// indexed, and what is indexed is what AppendNotifications would have
// stored.
type Journal interface {
	// AppendJournal stores each batch as one journal entry and then, when
	// index is positive, indexes up to index items as IndexJournal does
	// (the entries just appended included, when they are the oldest), all
	// in one transaction, durably: it returns once it is on disk, with
	// what IndexJournal would return. A batch must be valid for
	// AppendNotifications and hold at least one item. One transaction for
	// both is one flush to disk for both.
	AppendJournal(ctx context.Context, batches [][]Notification, index int) (stored []Notification, read int, err error)
	// IndexJournal moves the oldest journal entries, whole, into
	// notifications in one transaction: entries are taken in order while
	// their items total at most maxItems (but always at least one entry).
	// It returns the items stored (Seq assigned, in order; duplicates by
	// ID left out, as AppendNotifications leaves them out) and how many
	// items it read from the journal (stored and duplicates). An empty
	// journal returns nothing.
	IndexJournal(ctx context.Context, maxItems int) (stored []Notification, read int, err error)
	// JournalBacklog reports the items waiting in the journal.
	JournalBacklog(ctx context.Context) (int64, error)
	// JournalOldest reports when the oldest entry waiting in the journal
	// was received (the zero time when none waits): how far the live page
	// is behind what the receiver acknowledged.
	JournalOldest(ctx context.Context) (time.Time, error)
}

// Journal entries are stored encoded by EncodeJournal: a version byte,
// the item count, then each item's fields as length-prefixed bytes and
// varints. Both stores keep the encoding as an opaque BLOB, so that a
// journal entry costs one row whatever it holds.
const journalVersion = 1

// EncodeJournal encodes a batch as one journal entry. The items must be
// valid (CheckAppend).
func EncodeJournal(items []Notification) []byte {
	return AppendJournalEntry(make([]byte, 0, JournalEntrySize(items)), items)
}

// JournalEntrySize is the most bytes EncodeJournal writes for items.
func JournalEntrySize(items []Notification) int {
	size := 16
	for i := range items {
		n := &items[i]
		size += 64 + len(n.ID) + len(n.Source) + len(n.Feed) + len(n.Owner) + len(n.ChangeType) + len(n.LifecycleEvent) +
			len(n.Resource) + len(n.ResourceID) + len(n.Title) + len(n.Changes) + len(n.Raw)
	}
	return size
}

// AppendJournalEntry appends the journal entry of items to b: what
// EncodeJournal returns, into a buffer the caller reuses (the journal's
// single writer encodes every POST it stores, and a buffer per entry was
// a tenth of the receiver's garbage).
func AppendJournalEntry(b []byte, items []Notification) []byte {
	b = append(b, journalVersion)
	b = binary.AppendUvarint(b, uint64(len(items)))
	for i := range items {
		n := &items[i]
		for _, s := range [...]string{n.ID, string(n.Source), n.Feed, n.Owner, n.ChangeType, n.LifecycleEvent, n.Resource, n.ResourceID, n.Title} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
		for _, s := range [...][]byte{n.Changes, n.Raw} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
		shared := byte(0)
		if n.Shared {
			shared = 1
		}
		b = append(b, shared)
		b = binary.AppendVarint(b, journalTime(n.Version))
		b = binary.AppendVarint(b, journalTime(n.ReceivedAt))
	}
	return b
}

// journalTime is a time as microseconds since the Unix epoch, 0 for the
// zero time (both stores keep microseconds).
func journalTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// ErrJournalEntry is returned by DecodeJournal for bytes EncodeJournal
// did not write.
var ErrJournalEntry = errors.New("store: not a journal entry")

// DecodeJournal decodes a journal entry; the items are checked as
// AppendNotifications checks them. Their byte slices share b's memory.
func DecodeJournal(b []byte) ([]Notification, error) {
	if len(b) == 0 || b[0] != journalVersion {
		return nil, ErrJournalEntry
	}
	d := journalDecoder{b: b[1:]}
	count := d.uvarint()
	if d.err != nil || count == 0 || count > MaxAppendBatch || count > uint64(len(d.b)) {
		return nil, ErrJournalEntry
	}
	items := make([]Notification, count)
	for i := range items {
		n := &items[i]
		var source string
		for _, s := range [...]*string{&n.ID, &source, &n.Feed, &n.Owner, &n.ChangeType, &n.LifecycleEvent, &n.Resource, &n.ResourceID, &n.Title} {
			*s = string(d.bytes())
		}
		n.Source = Source(source)
		for _, s := range [...]*[]byte{&n.Changes, &n.Raw} {
			if v := d.bytes(); len(v) > 0 {
				*s = v[:len(v):len(v)]
			}
		}
		switch d.byte() {
		case 0:
		case 1:
			n.Shared = true
		default:
			d.fail()
		}
		n.Version, n.ReceivedAt = fromJournalTime(d.varint()), fromJournalTime(d.varint())
		if d.err != nil {
			return nil, d.err
		}
	}
	if len(d.b) != 0 {
		return nil, ErrJournalEntry
	}
	if err := CheckAppend(items); err != nil {
		return nil, errors.Join(ErrJournalEntry, err)
	}
	return items, nil
}

func fromJournalTime(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

type journalDecoder struct {
	b   []byte
	err error
}

func (d *journalDecoder) fail() { d.err, d.b = ErrJournalEntry, nil }

func (d *journalDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *journalDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *journalDecoder) bytes() []byte {
	l := d.uvarint()
	if d.err != nil || l > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:l]
	d.b = d.b[l:]
	return v
}

func (d *journalDecoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

// CheckJournal reports why batches cannot be journaled, or nil: each
// must hold between 1 and MaxAppendBatch valid items.
func CheckJournal(batches [][]Notification) error {
	for _, b := range batches {
		if len(b) == 0 {
			return invalid("journal entry", "no notifications")
		}
		if err := CheckAppend(b); err != nil {
			return err
		}
	}
	return nil
}

// JournalChunk bounds IndexJournal's maxItems (a larger one is capped):
// one indexing transaction holds the writer for about a millisecond per
// hundred items.
const JournalChunk = MaxAppendBatch
