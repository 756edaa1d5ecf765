package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// The receiver's journal in files.
//
// A journal row in SQLite costs its B-tree insert, the WAL frames of its
// pages (a 5 KiB entry spans two overflow pages) with their checksums, and
// the checkpoint that copies those pages into the database again: on the
// receiver's path that was most of the writer's time, and the writer is
// what acknowledges Graph. A file database's journal therefore lives in
// append-only segment files next to it (<database>.journal/), where an
// entry costs its bytes, once, and the same flush:
//
//   - AppendJournal writes the entries at the end of the current segment
//     and calls fsync before it returns, so an acknowledged entry is on
//     disk as a journal row was. A new segment is created every
//     segmentSize bytes, and its directory flushed so that it survives a
//     power cut.
//   - IndexJournal reads entries from the cursor, stores their items in
//     notifications and moves the cursor (a row of journal_cursor) in the
//     same SQLite transaction: an entry is indexed once, also across a
//     crash. Segments wholly behind the cursor are deleted.
//   - Each record is [length u32][items u32][received µs i64][CRC-32C u32]
//     and the EncodeJournal bytes. Opening scans the records after the
//     cursor; a crash in the middle of a write leaves a torn last record,
//     which was never acknowledged, and is cut off. Any other damage fails
//     Open, naming the file, rather than drop acknowledged notifications.
//   - One process at a time: the directory is locked (flock). A second
//     process on the same database, an in-memory database or a platform
//     without flock keeps the journal in the notification_journal table,
//     and entries left there (by such a process, or by a graphsec before
//     this one) are indexed before the files' ones.
//   - Retention (DeleteNotificationsBefore) moves the cursor past leading
//     entries received before the cut-off, as it deletes old table rows.

// segmentSize is the size beyond which AppendJournal starts a new segment;
// a segment is deleted once the cursor has left it (and at most one is
// being written).
const segmentSize = 64 << 20

// recordHeader is the size of a record's header.
const recordHeader = 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// position is a place in the journal: a segment's number and an offset in
// it.
type position struct {
	seg uint64
	off int64
}

type fileJournal struct {
	dir     string
	lock    io.Closer
	segSize int64 // segmentSize, but for tests

	// mu guards the write end; appends hold it. Indexing and retention
	// hold idx instead (and mu only to read the write end), so that an
	// append never waits for an index transaction.
	mu   sync.Mutex
	w    *os.File // the last segment, written at wend
	wend position
	buf  []byte // the records being appended, reused (mu)
	idx  sync.Mutex
	cur  position // the cursor, as journal_cursor holds it (idx)
	// table is the number of items in notification_journal, indexed
	// before the files' entries (idx).
	table   int64
	backlog atomic.Int64 // items after the cursor, in files and table
}

// end returns the write end: everything before it is on disk (append
// moves it only after its flush), and the reader goes no further.
func (j *fileJournal) end() position {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.wend
}

// errJournalLocked is returned by openFileJournal when another process
// holds the directory.
var errJournalLocked = errors.New("journal directory locked by another process")

func segmentName(seg uint64) string { return fmt.Sprintf("%016d.seg", seg) }

// openFileJournal opens (creating) dir, locks it, scans the records after
// the cursor stored in db and returns the journal, its write end opened.
func openFileJournal(ctx context.Context, dir string, w *sql.DB, segSize int64) (*fileJournal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	j := &fileJournal{dir: dir, lock: lock, segSize: segSize}
	if err := j.load(ctx, w); err != nil {
		lock.Close()
		if j.w != nil {
			j.w.Close()
		}
		return nil, err
	}
	return j, nil
}

// load reads the cursor and the table's backlog, deletes segments behind
// the cursor, counts the items after it (cutting a torn last record) and
// opens the last segment for appending.
func (j *fileJournal) load(ctx context.Context, w *sql.DB) error {
	if err := w.QueryRowContext(ctx, `SELECT segment, offset FROM journal_cursor WHERE id = 1`).Scan(&j.cur.seg, &j.cur.off); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err := w.QueryRowContext(ctx, `SELECT coalesce(sum(items), 0) FROM notification_journal`).Scan(&j.table); err != nil {
		return err
	}
	segs, err := j.segments()
	if err != nil {
		return err
	}
	var items int64
	for i, seg := range segs {
		if seg < j.cur.seg {
			if err := os.Remove(filepath.Join(j.dir, segmentName(seg))); err != nil {
				return err
			}
			continue
		}
		from := int64(0)
		if seg == j.cur.seg {
			from = j.cur.off
		}
		n, end, err := j.scan(seg, from, i == len(segs)-1)
		if err != nil {
			return err
		}
		items += n
		j.wend = position{seg, end}
	}
	if j.wend.seg == 0 {
		j.wend = position{max(j.cur.seg, 1), 0}
		if j.cur.seg == j.wend.seg {
			j.wend.off = j.cur.off
		}
		if j.w, err = j.create(j.wend.seg); err != nil {
			return err
		}
	} else if j.w, err = os.OpenFile(filepath.Join(j.dir, segmentName(j.wend.seg)), os.O_WRONLY, 0o600); err != nil {
		return err
	}
	j.backlog.Store(items + j.table)
	return nil
}

// segments lists the segment numbers in dir, in order.
func (j *fileJournal) segments() ([]uint64, error) {
	entries, err := os.ReadDir(j.dir)
	if err != nil {
		return nil, err
	}
	var segs []uint64
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".seg")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(name, 10, 64); err == nil && n > 0 {
			segs = append(segs, n)
		}
	}
	slices.Sort(segs)
	return segs, nil
}

// scan counts the items of the records of seg from offset from and
// returns where they end. In the last segment a torn or damaged record is
// where a write was cut: the file is truncated there. Elsewhere it is an
// error.
func (j *fileJournal) scan(seg uint64, from int64, last bool) (items, end int64, err error) {
	f, r, err := j.openSegment(seg, from, -1, os.O_RDWR)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	for {
		rec, err := r.next()
		if errors.Is(err, io.EOF) {
			return items, r.off, nil
		}
		if err != nil {
			if !last {
				return 0, 0, fmt.Errorf("journal %s: offset %d: %w", f.Name(), r.off, err)
			}
			if err := f.Truncate(r.off); err != nil {
				return 0, 0, err
			}
			return items, r.off, f.Sync()
		}
		items += int64(rec.items)
	}
}

// openSegment opens segment seg (with flag) at offset off, and a reader
// of its records up to limit, or to the file's end when limit < 0.
func (j *fileJournal) openSegment(seg uint64, off, limit int64, flag int) (*os.File, *recordReader, error) {
	f, err := os.OpenFile(filepath.Join(j.dir, segmentName(seg)), flag, 0)
	if err != nil {
		return nil, nil, err
	}
	if limit < 0 {
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		limit = fi.Size()
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, newRecordReader(f, off, limit), nil
}

// create makes segment seg and flushes the directory, so that the new
// name survives a power cut with the data later written to it.
func (j *fileJournal) create(seg uint64) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(j.dir, segmentName(seg)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syncDir(j.dir); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// append writes the batches as records at the write end, starting a new
// segment when the current one is full, and returns once they are on
// disk. A failed write or flush leaves the end where it was: the next
// record overwrites what it left.
func (j *fileJournal) append(batches [][]store.Notification) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	buf, n := encodeRecords(j.buf[:0], batches)
	if cap(buf) <= maxKeptBuffer {
		j.buf = buf
	}
	if j.wend.off > 0 && j.wend.off+int64(len(buf)) > j.segSize {
		f, err := j.create(j.wend.seg + 1)
		if err != nil {
			return err
		}
		j.w.Close() // flushed with its last append
		j.w, j.wend = f, position{j.wend.seg + 1, 0}
	}
	if _, err := j.w.WriteAt(buf, j.wend.off); err != nil {
		return err
	}
	if err := j.w.Sync(); err != nil {
		return err
	}
	j.wend.off += int64(len(buf))
	j.backlog.Add(int64(n))
	return nil
}

// maxKeptBuffer bounds the encoding buffer an append keeps for the next:
// a rare huge append does not pin its memory.
const maxKeptBuffer = 1 << 20

// encodeRecords appends batches to dst as records, and counts their
// items.
func encodeRecords(dst []byte, batches [][]store.Notification) ([]byte, int) {
	size, n := 0, 0
	for _, b := range batches {
		size += recordHeader + store.JournalEntrySize(b)
		n += len(b)
	}
	dst = slices.Grow(dst, size)
	for _, b := range batches {
		at := len(dst)
		dst = append(dst, make([]byte, recordHeader)...)
		dst = store.AppendJournalEntry(dst, b)
		p := dst[at+recordHeader:]
		hdr := dst[at : at+recordHeader]
		binary.LittleEndian.PutUint32(hdr[0:], uint32(len(p)))
		binary.LittleEndian.PutUint32(hdr[4:], uint32(len(b)))
		binary.LittleEndian.PutUint64(hdr[8:], uint64(toDB(b[0].ReceivedAt)))
		binary.LittleEndian.PutUint32(hdr[16:], crc32.Checksum(p, castagnoli))
	}
	return dst, n
}

// record is one journal record as read.
type record struct {
	items    int
	received int64
	payload  []byte
}

// recordReader reads records from a segment, counting its offset; limit
// is where the segment's written records end (its size, or the write
// end), beyond which nothing is read: a damaged length cannot make it
// allocate more than the file holds.
type recordReader struct {
	r     *bufio.Reader
	off   int64
	limit int64
	hdr   [recordHeader]byte
}

func newRecordReader(r io.Reader, off, limit int64) *recordReader {
	// A buffer no larger than what is left to read: indexing a quiet
	// receiver's one entry reads a few kilobytes, not 64 KiB.
	size := int(min(max(limit-off, 4<<10), 64<<10))
	return &recordReader{r: bufio.NewReaderSize(r, size), off: off, limit: limit}
}

// errTorn is a record cut short or failing its checksum.
var errTorn = errors.New("torn or damaged journal record")

// next reads the next record and checks its checksum; io.EOF at the end.
func (rr *recordReader) next() (record, error) {
	if rr.off >= rr.limit {
		return record{}, io.EOF
	}
	if _, err := io.ReadFull(rr.r, rr.hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return record{}, io.EOF
		}
		return record{}, errTorn
	}
	size := binary.LittleEndian.Uint32(rr.hdr[0:])
	rec := record{items: int(binary.LittleEndian.Uint32(rr.hdr[4:])), received: int64(binary.LittleEndian.Uint64(rr.hdr[8:]))}
	sum := binary.LittleEndian.Uint32(rr.hdr[16:])
	if size == 0 || rr.off+recordHeader+int64(size) > rr.limit || rec.items == 0 || rec.items > store.MaxAppendBatch {
		return record{}, errTorn
	}
	payload := make([]byte, size)
	if _, err := io.ReadFull(rr.r, payload); err != nil {
		return record{}, errTorn
	}
	if crc32.Checksum(payload, castagnoli) != sum {
		return record{}, errTorn
	}
	rec.payload = payload
	rr.off += recordHeader + int64(size)
	return rec, nil
}

// read returns the records from the cursor, whole, while their items
// total at most maxItems (at least one record), with the position after
// them; before, when not zero, also stops at the first record received at
// or after it (retention reads headers that way). Nothing waiting: no
// records.
func (j *fileJournal) read(maxItems int, before int64) ([]record, position, error) {
	wend := j.end()
	pos := j.cur
	if pos.seg == 0 {
		pos = position{1, 0}
	}
	var out []record
	for pos.seg < wend.seg || (pos.seg == wend.seg && pos.off < wend.off) {
		limit := int64(-1) // an earlier segment: to its end
		if pos.seg == wend.seg {
			limit = wend.off
		}
		var full bool
		var err error
		if out, pos, full, err = j.readSegment(out, pos, limit, maxItems, before); err != nil {
			return nil, pos, err
		}
		if full || pos.seg == wend.seg {
			break
		}
		pos = position{pos.seg + 1, 0}
	}
	return out, pos, nil
}

// readSegment appends to out the records of pos's segment from pos, up
// to limit, while read's conditions hold, and returns the position after
// them; full when a condition stopped it.
func (j *fileJournal) readSegment(out []record, pos position, limit int64, maxItems int, before int64) ([]record, position, bool, error) {
	f, rr, err := j.openSegment(pos.seg, pos.off, limit, os.O_RDONLY)
	if err != nil {
		return nil, pos, false, err
	}
	defer f.Close()
	total := 0
	for _, r := range out {
		total += r.items
	}
	for {
		if len(out) > 0 && total >= maxItems {
			return out, pos, true, nil
		}
		rec, err := rr.next()
		if errors.Is(err, io.EOF) {
			return out, pos, false, nil
		}
		if err != nil {
			return nil, pos, false, fmt.Errorf("journal %s: offset %d: %w", f.Name(), rr.off, err)
		}
		if (before != 0 && rec.received >= before) || (len(out) > 0 && total+rec.items > maxItems) {
			return out, pos, true, nil
		}
		out, total = append(out, rec), total+rec.items
		pos.off = rr.off
	}
}

// oldest returns the receipt time of the first record at the cursor (ok
// false when none waits).
func (j *fileJournal) oldest() (received int64, ok bool, err error) {
	j.idx.Lock()
	defer j.idx.Unlock()
	recs, _, err := j.read(1, 0)
	if err != nil || len(recs) == 0 {
		return 0, false, err
	}
	return recs[0].received, true, nil
}

// moved records the cursor after a committed transaction moved it, and
// deletes the segments it has left. The caller holds idx.
func (j *fileJournal) moved(to position, items int) {
	from := j.cur
	j.cur = to
	j.backlog.Add(-int64(items))
	for seg := max(from.seg, 1); seg < to.seg; seg++ {
		os.Remove(filepath.Join(j.dir, segmentName(seg)))
	}
}

const setCursor = `INSERT INTO journal_cursor (id, segment, offset) VALUES (1, ?, ?)
	ON CONFLICT (id) DO UPDATE SET segment = excluded.segment, offset = excluded.offset`

// indexFiles indexes entries from the files within tx; the caller commits
// and then calls moved with the returned position.
func (s *Store) indexFiles(ctx context.Context, tx *sql.Tx, maxItems int) ([]store.Notification, int, position, error) {
	j := s.files
	recs, to, err := j.read(maxItems, 0)
	if err != nil || len(recs) == 0 {
		return nil, 0, to, err
	}
	var items []store.Notification
	for _, rec := range recs {
		entry, err := store.DecodeJournal(rec.payload)
		if err == nil && len(entry) != rec.items {
			err = store.ErrJournalEntry
		}
		if err != nil {
			return nil, 0, to, fmt.Errorf("sqlite: index journal: %w", err)
		}
		items = append(items, entry...)
	}
	stored, err := s.insertNotifications(ctx, tx, items)
	if err != nil {
		return nil, 0, to, fmt.Errorf("sqlite: index journal: %w", err)
	}
	if _, err := tx.ExecContext(ctx, setCursor, to.seg, to.off); err != nil {
		return nil, 0, to, fmt.Errorf("sqlite: index journal: %w", err)
	}
	return stored, len(items), to, nil
}

// dropFilesBefore moves the cursor past the leading entries received
// before t and returns how many items they held.
func (s *Store) dropFilesBefore(ctx context.Context, t time.Time) (int64, error) {
	j := s.files
	j.idx.Lock()
	defer j.idx.Unlock()
	var dropped int64
	for {
		recs, to, err := j.read(store.JournalChunk, toDB(t))
		if err != nil || len(recs) == 0 {
			return dropped, err
		}
		n := 0
		for _, r := range recs {
			n += r.items
		}
		if _, err := s.w.ExecContext(ctx, setCursor, to.seg, to.off); err != nil {
			return dropped, fmt.Errorf("sqlite: delete journal: %w", err)
		}
		j.moved(to, n)
		dropped += int64(n)
	}
}

// close closes the write end and releases the directory.
func (j *fileJournal) close() error {
	j.idx.Lock()
	defer j.idx.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	return errors.Join(j.w.Close(), j.lock.Close())
}
