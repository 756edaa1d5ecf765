// Package storetest is the conformance suite for store.Store: one set of
// tests that every implementation (SQLite, PostgreSQL) runs from its own
// tests, so that the console behaves the same whichever database it is
// given. Behaviour the interface leaves open is pinned down here, and the
// constants below are part of that contract.
//
// Beyond the interface's own comments, the suite requires:
//   - A session or login flow has expired when now >= ExpiresAt; Session,
//     TakeLoginFlow and TouchSession compare with the time they are given,
//     never the wall clock, and DeleteExpired removes exactly the records
//     that have expired at now.
//   - TouchSession of a session already expired at lastSeen fails with
//     store.ErrNotFound and does not revive it; UpdateSessionTokens and
//     TouchSession of an absent session fail with store.ErrNotFound.
//   - TakeLoginFlow of an expired flow consumes it and returns
//     store.ErrNotFound.
//   - Lookups by a key that could never have been stored (empty, too long,
//     not UTF-8, holding NUL) are store.ErrNotFound (or, for DeleteSession,
//     nil; for ListActivity, an empty list), never a database error.
//   - Creating a record with such a key, with any string that is not UTF-8
//     or holds NUL, or with a time outside years 1 to 9999 fails with an
//     error wrapping store.ErrInvalid (and no other sentinel), and stores
//     nothing. So does a key
//     longer than 64 KiB or a byte slice longer than 16 MiB (implementations
//     choose lower limits; 1 MiB must work).
//   - Activity ids increase in the order of recording; "newest first" is
//     that order. Limits of zero or less mean DefaultActivityLimit, limits
//     over MaxActivityLimit mean MaxActivityLimit.
//   - Times read back in UTC, within a millisecond of what was written
//     (both stores keep microseconds); AddActivity returns At as it reads
//     back. Empty byte slices read back as nil.
//   - Every method given a cancelled context fails with an error wrapping
//     context.Canceled, without waiting on the database.
//   - Limits count records unexpired at the new record's CreatedAt: a
//     client over Limits.PerClient loses its oldest records (by CreatedAt),
//     and a store holding Limits.Total records refuses with store.ErrLimit
//     and stores nothing. Records of other clients are untouched.
//   - ClaimForm of a key held by an unexpired record fails with
//     store.ErrConflict and returns that record unchanged; of several
//     concurrent claims of one key exactly one succeeds.
//   - AddActivity stores State "" as ActivityDone; UpdateActivity keeps the
//     request id and changes when given "" and nil.
//   - Close may be called more than once.
package storetest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graphsec/graphsec/internal/store"
)

// Limits every implementation applies to ListActivity and RecentActivity.
const (
	DefaultActivityLimit = store.DefaultActivityLimit
	MaxActivityLimit     = store.MaxActivityLimit
)

// Run runs the suite. open must return a new, empty store each time it is
// called, and arrange (with t.Cleanup) for it to be closed and its data
// dropped; the suite calls open once per subtest, so that subtests cannot
// see each other's records.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Ping", func(t *testing.T) {
		if err := open(t).Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("LoginFlows", func(t *testing.T) { testLoginFlows(t, open) })
	t.Run("DeleteExpired", func(t *testing.T) { testDeleteExpired(t, open) })
	t.Run("LoginFlowLimits", func(t *testing.T) { testFlowLimits(t, open) })
	t.Run("Roles", func(t *testing.T) { testRoles(t, open) })
	t.Run("FormSubmissions", func(t *testing.T) { testForms(t, open) })
	t.Run("Drafts", func(t *testing.T) { testDrafts(t, open) })
	t.Run("ActivityStates", func(t *testing.T) { testActivityStates(t, open) })
	t.Run("Activity", func(t *testing.T) { testActivity(t, open) })
	t.Run("Times", func(t *testing.T) { testTimes(t, open) })
	t.Run("InvalidInput", func(t *testing.T) { testInvalid(t, open) })
	t.Run("CancelledContext", func(t *testing.T) { testCancelled(t, open) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, open) })
	t.Run("Close", func(t *testing.T) { testClose(t, open) })
}

// base is an arbitrary instant away from the real present, in a zone that
// is not UTC and with nanoseconds, so that a store leaning on the wall
// clock, the local zone or full precision shows up.
var base = time.Date(2031, 3, 14, 15, 9, 26, 535897932, time.FixedZone("UTC+5:30", 5*3600+1800))

// at returns base moved by d.
func at(d time.Duration) time.Time { return base.Add(d) }

// cmpOpts compare records as the suite's contract allows: times within a
// millisecond, nil and empty byte slices alike (bytes.Equal, which is
// also far faster than cmp's element-wise walk over 1 MiB).
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool { return a.Sub(b).Abs() < time.Millisecond }),
	cmp.Comparer(bytes.Equal),
}

// pattern returns n bytes that include zeros and every other byte value,
// so that any text conversion or truncation at NUL shows.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/256)
	}
	return b
}

func newSession(id string) store.Session {
	return store.Session{
		ID:                id,
		UserID:            "6f1e3c2a-0d5b-4e8f-9a7c-1b2d3e4f5a6b",
		UserPrincipalName: "adele.vance@contoso.example",
		DisplayName:       "Adèle Vance 🛡",
		TenantID:          "9c1f0e2d-3b4a-5c6d-7e8f-0a1b2c3d4e5f",
		Tokens:            []byte("sealed\x00tokens\xff"),
		CSRFToken:         "csrf-" + id,
		CreatedAt:         at(0),
		LastSeenAt:        at(time.Minute),
		ExpiresAt:         at(time.Hour),
	}
}

func newFlow(state string) store.LoginFlow {
	return store.LoginFlow{
		State:     state,
		Binding:   "binding-" + state,
		Sealed:    []byte("\x00nonce\x00verifier\x00"),
		ReturnTo:  "/alerts?status=new&severity=high",
		CreatedAt: at(0),
		ExpiresAt: at(10 * time.Minute),
	}
}

func newActivity(resource, id string) store.Activity {
	return store.Activity{
		Resource:   resource,
		ResourceID: id,
		Action:     "update",
		ActorID:    "6f1e3c2a-0d5b-4e8f-9a7c-1b2d3e4f5a6b",
		ActorName:  "Adèle Vance",
		At:         at(0),
		RequestID:  "b8a1c0de-0000-4000-8000-000000000001",
		Changes:    []byte(`{"status":{"from":"new","to":"inProgress"}}`),
		State:      store.ActivityDone,
	}
}

func mustCreateSession(t *testing.T, s store.Store, sess store.Session) {
	t.Helper()
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatalf("CreateSession(%.40q): %v", sess.ID, err)
	}
}

func mustCreateFlow(t *testing.T, s store.Store, f store.LoginFlow) {
	t.Helper()
	if err := s.CreateLoginFlow(t.Context(), f, store.Limits{}); err != nil {
		t.Fatalf("CreateLoginFlow(%.40q): %v", f.State, err)
	}
}

func newForm(key, session string) store.FormSubmission {
	return store.FormSubmission{Key: key, Session: session, CreatedAt: at(0), ExpiresAt: at(time.Hour)}
}

func newDraft(id string) store.Draft {
	return store.Draft{ID: id, Client: "ip:192.0.2.1", ReturnTo: "/alerts/1?x=y", Sealed: []byte("\x00sealed text\xff"),
		CreatedAt: at(0), ExpiresAt: at(15 * time.Minute)}
}

func mustClaim(t *testing.T, s store.Store, f store.FormSubmission) {
	t.Helper()
	if _, err := s.ClaimForm(t.Context(), f, 0); err != nil {
		t.Fatalf("ClaimForm(%.40q): %v", f.Key, err)
	}
}

func mustPutDraft(t *testing.T, s store.Store, d store.Draft) {
	t.Helper()
	if err := s.PutDraft(t.Context(), d, store.Limits{}); err != nil {
		t.Fatalf("PutDraft(%.40q): %v", d.ID, err)
	}
}

func mustAdd(t *testing.T, s store.Store, a store.Activity) store.Activity {
	t.Helper()
	got, err := s.AddActivity(t.Context(), a)
	if err != nil {
		t.Fatalf("AddActivity: %v", err)
	}
	return got
}

// wantUTC fails unless every time is in UTC.
func wantUTC(t *testing.T, what string, times ...time.Time) {
	t.Helper()
	for i, tm := range times {
		if tm.Location() != time.UTC {
			t.Errorf("%s: time %d (%v) is in %v, want UTC", what, i, tm, tm.Location())
		}
	}
}

// wantSentinelFree fails unless err reports invalid input: it wraps
// store.ErrInvalid and is neither "not found" nor "conflict".
func wantSentinelFree(t *testing.T, what string, err error) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: no error, want one", what)
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		t.Errorf("%s: %v, want an error that is neither ErrNotFound nor ErrConflict", what, err)
	case !errors.Is(err, store.ErrInvalid):
		t.Errorf("%s: %v, want an error wrapping store.ErrInvalid", what, err)
	}
}

// badKeys are keys no store can hold; lookups by them find nothing.
var badKeys = []struct {
	name, key string
}{
	{"empty", ""},
	{"64KiB", strings.Repeat("k", 64<<10+1)},
	{"NUL", "abc\x00def"},
	{"invalid UTF-8", "abc\xffdef"},
}

func sessionByID(t *testing.T, s store.Store, id string, now time.Time) (store.Session, error) {
	t.Helper()
	got, err := s.Session(t.Context(), id, now)
	if err == nil {
		wantUTC(t, "Session", got.CreatedAt, got.LastSeenAt, got.ExpiresAt)
	}
	return got, err
}

func wantSession(t *testing.T, s store.Store, want store.Session, now time.Time) {
	t.Helper()
	got, err := sessionByID(t, s, want.ID, now)
	if err != nil {
		t.Fatalf("Session(%.40q): %v", want.ID, err)
	}
	if !bytes.Equal(got.Tokens, want.Tokens) {
		t.Errorf("Session(%.40q).Tokens: %d bytes, not the %d written", want.ID, len(got.Tokens), len(want.Tokens))
	}
	// Tokens compared above, without printing a megabyte on a mismatch.
	got.Tokens, want.Tokens = nil, nil
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("Session(%.40q) mismatch (-want +got):\n%s", want.ID, diff)
	}
}

func wantNoSession(t *testing.T, s store.Store, id string, now time.Time) {
	t.Helper()
	if _, err := sessionByID(t, s, id, now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Session(%.40q, %v): %v, want ErrNotFound", id, now, err)
	}
}
