package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

func testTimes(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	end := time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	tests := []struct {
		name string
		t    time.Time
	}{
		{"non-UTC zone with nanoseconds", base},
		{"UTC", time.Date(2026, 7, 1, 12, 0, 0, 123456789, time.UTC)},
		{"west of UTC", time.Date(2026, 11, 1, 1, 30, 0, 999999999, time.FixedZone("UTC-8", -8*3600))},
		{"millisecond boundary", time.Date(2026, 1, 1, 0, 0, 0, 999_500_000, time.UTC)},
		{"Unix epoch", time.Unix(0, 0)},
		{"just before the epoch", time.Unix(0, -1)},
		{"leap day", time.Date(2028, 2, 29, 23, 59, 59, 1_000_000, time.UTC)},
		{"year 1 (zero time)", time.Time{}},
		{"year 9999", end.Add(-time.Hour)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprint("times-", i)
			sess := store.Session{ID: id, CreatedAt: tt.t, LastSeenAt: tt.t, ExpiresAt: end}
			mustCreateSession(t, s, sess)
			wantSession(t, s, sess, tt.t)

			flow := store.LoginFlow{State: id, CreatedAt: tt.t, ExpiresAt: end}
			mustCreateFlow(t, s, flow)
			f, err := s.TakeLoginFlow(t.Context(), id, tt.t)
			if err != nil {
				t.Fatalf("TakeLoginFlow: %v", err)
			}
			wantUTC(t, "TakeLoginFlow", f.CreatedAt, f.ExpiresAt)
			if d := f.CreatedAt.Sub(tt.t).Abs(); d >= time.Millisecond {
				t.Errorf("flow CreatedAt %v, %v from %v", f.CreatedAt, d, tt.t)
			}

			a := newActivity("alert", id)
			a.At = tt.t
			added := mustAdd(t, s, a)
			list, err := s.ListActivity(t.Context(), "alert", id, 1)
			if err != nil || len(list) != 1 {
				t.Fatalf("ListActivity: %d records, %v", len(list), err)
			}
			wantUTC(t, "AddActivity", added.At)
			wantUTC(t, "ListActivity", list[0].At)
			if d := list[0].At.Sub(tt.t).Abs(); d >= time.Millisecond {
				t.Errorf("activity At %v, %v from %v", list[0].At, d, tt.t)
			}
			if !list[0].At.Equal(added.At) {
				t.Errorf("AddActivity returned At %v, but it reads back as %v", added.At, list[0].At)
			}
		})
	}
}

func testInvalid(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	longKey := strings.Repeat("k", 64<<10+1)
	hugeBlob := make([]byte, 16<<20+1)
	year10000 := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	yearMinus1 := time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)

	sessionCases := []struct {
		name   string
		change func(*store.Session)
	}{
		{"empty id", func(x *store.Session) { x.ID = "" }},
		{"64KiB id", func(x *store.Session) { x.ID = longKey }},
		{"NUL in id", func(x *store.Session) { x.ID = "a\x00b" }},
		{"invalid UTF-8 id", func(x *store.Session) { x.ID = "a\xffb" }},
		{"invalid UTF-8 display name", func(x *store.Session) { x.DisplayName = "Ad\xe8le" }},
		{"NUL in user principal name", func(x *store.Session) { x.UserPrincipalName = "adele\x00@contoso" }},
		{"64KiB CSRF token", func(x *store.Session) { x.CSRFToken = longKey }},
		{"16MiB tokens", func(x *store.Session) { x.Tokens = hugeBlob }},
		{"year 10000", func(x *store.Session) { x.ExpiresAt = year10000 }},
		{"year -1", func(x *store.Session) { x.CreatedAt = yearMinus1 }},
	}
	for _, tt := range sessionCases {
		t.Run("CreateSession "+tt.name, func(t *testing.T) {
			sess := newSession("bad session")
			tt.change(&sess)
			wantSentinelFree(t, "CreateSession", s.CreateSession(t.Context(), sess))
			wantNoSession(t, s, "bad session", at(0))
		})
	}

	good := newSession("good")
	mustCreateSession(t, s, good)
	t.Run("UpdateSessionTokens 16MiB", func(t *testing.T) {
		wantSentinelFree(t, "UpdateSessionTokens", s.UpdateSessionTokens(t.Context(), good.ID, hugeBlob))
		wantSession(t, s, good, at(0))
	})
	t.Run("TouchSession year 10000", func(t *testing.T) {
		wantSentinelFree(t, "TouchSession", s.TouchSession(t.Context(), good.ID, at(0), year10000))
		wantSession(t, s, good, at(0))
	})

	flowCases := []struct {
		name   string
		change func(*store.LoginFlow)
	}{
		{"empty state", func(f *store.LoginFlow) { f.State = "" }},
		{"64KiB state", func(f *store.LoginFlow) { f.State = longKey }},
		{"NUL in state", func(f *store.LoginFlow) { f.State = "s\x00" }},
		{"NUL in binding", func(f *store.LoginFlow) { f.Binding = "b\x00" }},
		{"invalid UTF-8 return URL", func(f *store.LoginFlow) { f.ReturnTo = "/alerts/\xc3" }},
		{"64KiB return URL", func(f *store.LoginFlow) { f.ReturnTo = "/" + longKey }},
		{"16MiB sealed", func(f *store.LoginFlow) { f.Sealed = hugeBlob }},
		{"year 10000", func(f *store.LoginFlow) { f.ExpiresAt = year10000 }},
	}
	for _, tt := range flowCases {
		t.Run("CreateLoginFlow "+tt.name, func(t *testing.T) {
			f := newFlow("bad flow")
			tt.change(&f)
			wantSentinelFree(t, "CreateLoginFlow", s.CreateLoginFlow(t.Context(), f, store.Limits{}))
			if _, err := s.TakeLoginFlow(t.Context(), "bad flow", at(0)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("TakeLoginFlow after a refused create: %v, want ErrNotFound", err)
			}
		})
	}

	activityCases := []struct {
		name   string
		change func(*store.Activity)
	}{
		{"empty resource", func(a *store.Activity) { a.Resource = "" }},
		{"empty resource id", func(a *store.Activity) { a.ResourceID = "" }},
		{"empty action", func(a *store.Activity) { a.Action = "" }},
		{"NUL in actor name", func(a *store.Activity) { a.ActorName = "Ad\x00le" }},
		{"invalid UTF-8 request id", func(a *store.Activity) { a.RequestID = "\xfe\xff" }},
		{"64KiB resource id", func(a *store.Activity) { a.ResourceID = longKey }},
		{"16MiB changes", func(a *store.Activity) { a.Changes = hugeBlob }},
		{"year 10000", func(a *store.Activity) { a.At = year10000 }},
	}
	for _, tt := range activityCases {
		t.Run("AddActivity "+tt.name, func(t *testing.T) {
			a := newActivity("alert", "bad")
			tt.change(&a)
			_, err := s.AddActivity(t.Context(), a)
			wantSentinelFree(t, "AddActivity", err)
			if got, err := s.RecentActivity(t.Context(), 0); err != nil || len(got) != 0 {
				t.Errorf("RecentActivity after a refused add: %d records, %v; want none", len(got), err)
			}
		})
	}
}

// race calls fn(0) to fn(n-1) at once, each on its own goroutine, and
// returns their errors.
func race(n int, fn func(i int) error) []error {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// wantOneWinner fails unless exactly one of errs is nil and every other
// one is loser.
func wantOneWinner(t *testing.T, who string, loser error, errs []error) {
	t.Helper()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, loser):
			t.Errorf("%s %d: %v, want nil or %v", who, i, err, loser)
		}
	}
	if wins != 1 {
		t.Errorf("%d of %d %s succeeded, want exactly 1", wins, len(errs), who)
	}
}

// testCancelled calls every method with a context that is already done.
// Each must fail with the context's error, without touching the data.
func testCancelled(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	sess, flow := newSession("live"), newFlow("live")
	mustCreateSession(t, s, sess)
	mustCreateFlow(t, s, flow)
	live := mustAdd(t, s, newActivity("alert", "live"))
	mustClaim(t, s, newForm("live", "sess"))
	mustPutDraft(t, s, newDraft("live"))

	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Ping", func(ctx context.Context) error { return s.Ping(ctx) }},
		{"CreateSession", func(ctx context.Context) error { return s.CreateSession(ctx, newSession("new")) }},
		{"Session", func(ctx context.Context) error { _, err := s.Session(ctx, sess.ID, at(0)); return err }},
		{"UpdateSessionTokens", func(ctx context.Context) error { return s.UpdateSessionTokens(ctx, sess.ID, []byte("changed")) }},
		{"TouchSession", func(ctx context.Context) error { return s.TouchSession(ctx, sess.ID, at(0), at(time.Minute)) }},
		{"DeleteSession", func(ctx context.Context) error { return s.DeleteSession(ctx, sess.ID) }},
		{"CreateLoginFlow", func(ctx context.Context) error { return s.CreateLoginFlow(ctx, newFlow("new"), store.Limits{}) }},
		{"TakeLoginFlow", func(ctx context.Context) error { _, err := s.TakeLoginFlow(ctx, flow.State, at(0)); return err }},
		{"DeleteExpired", func(ctx context.Context) error { _, err := s.DeleteExpired(ctx, at(1000*time.Hour)); return err }},
		{"AddActivity", func(ctx context.Context) error { _, err := s.AddActivity(ctx, newActivity("alert", "new")); return err }},
		{"ListActivity", func(ctx context.Context) error { _, err := s.ListActivity(ctx, "alert", "live", 0); return err }},
		{"RecentActivity", func(ctx context.Context) error { _, err := s.RecentActivity(ctx, 0); return err }},
		{"UpdateActivity", func(ctx context.Context) error {
			return s.UpdateActivity(ctx, live.ID, store.ActivityFailed, "", nil)
		}},
		{"PendingActivity", func(ctx context.Context) error { _, err := s.PendingActivity(ctx, at(time.Hour), 0); return err }},
		{"ClaimForm", func(ctx context.Context) error { _, err := s.ClaimForm(ctx, newForm("new", "sess"), 0); return err }},
		{"FinishForm", func(ctx context.Context) error { return s.FinishForm(ctx, "live", 200, "") }},
		{"ReleaseForm", func(ctx context.Context) error { return s.ReleaseForm(ctx, "live") }},
		{"FormSubmission", func(ctx context.Context) error { _, err := s.FormSubmission(ctx, "live", at(0)); return err }},
		{"PutDraft", func(ctx context.Context) error { return s.PutDraft(ctx, newDraft("new"), store.Limits{}) }},
		{"TakeDraft", func(ctx context.Context) error { _, err := s.TakeDraft(ctx, "live", at(0)); return err }},
	}
	contexts := []struct {
		name string
		ctx  func(t *testing.T) context.Context
		want error
	}{
		{"cancelled", func(t *testing.T) context.Context {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			return ctx
		}, context.Canceled},
		{"deadline passed", func(t *testing.T) context.Context {
			ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
			t.Cleanup(cancel)
			return ctx
		}, context.DeadlineExceeded},
	}
	for _, c := range contexts {
		for _, tt := range calls {
			t.Run(c.name+"/"+tt.name, func(t *testing.T) {
				done := make(chan error, 1)
				go func() { done <- tt.call(c.ctx(t)) }()
				// A generous bound that only a hang (waiting on the database
				// instead of the context) can exceed.
				select {
				case err := <-done:
					if !errors.Is(err, c.want) {
						t.Errorf("%s: %v, want an error wrapping %v", tt.name, err, c.want)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("%s with a done context did not return within 10s", tt.name)
				}
			})
		}
	}
	t.Run("data untouched", func(t *testing.T) {
		wantSession(t, s, sess, at(0))
		wantNoSession(t, s, "new", at(0))
		if _, err := s.TakeLoginFlow(t.Context(), flow.State, at(0)); err != nil {
			t.Errorf("TakeLoginFlow: %v", err)
		}
		if got, err := s.RecentActivity(t.Context(), 0); err != nil || len(got) != 1 || got[0].State != store.ActivityDone {
			t.Errorf("RecentActivity: %+v, %v; want 1 done record", got, err)
		}
		if f, err := s.FormSubmission(t.Context(), "live", at(0)); err != nil || f.Done {
			t.Errorf("FormSubmission: %+v, %v; want the pending claim", f, err)
		}
		if _, err := s.FormSubmission(t.Context(), "new", at(0)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FormSubmission(new): %v, want ErrNotFound", err)
		}
		if _, err := s.TakeDraft(t.Context(), "live", at(0)); err != nil {
			t.Errorf("TakeDraft: %v", err)
		}
		if _, err := s.TakeDraft(t.Context(), "new", at(0)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TakeDraft(new): %v, want ErrNotFound", err)
		}
	})
}

func testConcurrency(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("CreateSameSession", func(t *testing.T) {
		s := open(t)
		wantOneWinner(t, "creators", store.ErrConflict, race(16, func(i int) error {
			sess := newSession("contended")
			sess.UserID = fmt.Sprint("user-", i)
			return s.CreateSession(t.Context(), sess)
		}))
	})

	t.Run("WritersAndReaders", func(t *testing.T) {
		s := open(t)
		const writers, rounds, readers = 8, 20, 4
		var (
			wg   sync.WaitGroup
			stop = make(chan struct{})
			rwg  sync.WaitGroup
		)
		for w := range writers {
			wg.Go(func() {
				ctx := t.Context()
				resource := fmt.Sprint("writer-", w)
				for r := range rounds {
					id := fmt.Sprintf("w%d-r%d", w, r)
					sess := newSession(id)
					if err := s.CreateSession(ctx, sess); err != nil {
						t.Errorf("CreateSession: %v", err)
						return
					}
					if _, err := s.Session(ctx, id, at(0)); err != nil {
						t.Errorf("Session: %v", err)
						return
					}
					if err := s.TouchSession(ctx, id, at(time.Minute), at(2*time.Hour)); err != nil {
						t.Errorf("TouchSession: %v", err)
						return
					}
					if err := s.UpdateSessionTokens(ctx, id, []byte(id)); err != nil {
						t.Errorf("UpdateSessionTokens: %v", err)
						return
					}
					if err := s.CreateLoginFlow(ctx, newFlow(id), store.Limits{}); err != nil {
						t.Errorf("CreateLoginFlow: %v", err)
						return
					}
					if _, err := s.TakeLoginFlow(ctx, id, at(0)); err != nil {
						t.Errorf("TakeLoginFlow: %v", err)
						return
					}
					if _, err := s.AddActivity(ctx, newActivity(resource, "x")); err != nil {
						t.Errorf("AddActivity: %v", err)
						return
					}
					if r%4 == 3 {
						if err := s.DeleteSession(ctx, id); err != nil {
							t.Errorf("DeleteSession: %v", err)
							return
						}
					}
				}
				list, err := s.ListActivity(ctx, resource, "x", 0)
				if err != nil || len(list) != rounds {
					t.Errorf("ListActivity(%s): %d records, %v; want %d", resource, len(list), err, rounds)
				}
			})
		}
		for range readers {
			rwg.Go(func() {
				ctx := t.Context()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := s.RecentActivity(ctx, 20); err != nil {
						t.Errorf("RecentActivity: %v", err)
						return
					}
					_, err := s.Session(ctx, fmt.Sprintf("w%d-r%d", i%writers, i%rounds), at(0))
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						t.Errorf("Session: %v", err)
						return
					}
					if _, err := s.DeleteExpired(ctx, at(0)); err != nil {
						t.Errorf("DeleteExpired: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(stop)
		rwg.Wait()

		all, err := s.RecentActivity(t.Context(), MaxActivityLimit)
		if err != nil {
			t.Fatalf("RecentActivity: %v", err)
		}
		if len(all) != writers*rounds {
			t.Errorf("%d activity records, want %d", len(all), writers*rounds)
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID >= all[i-1].ID {
				t.Errorf("ids not strictly decreasing at %d: %d then %d", i, all[i-1].ID, all[i].ID)
			}
		}
		// Sessions deleted in round 3, 7, ...; the rest alive, touched.
		for w := range writers {
			for r := range rounds {
				id := fmt.Sprintf("w%d-r%d", w, r)
				got, err := s.Session(t.Context(), id, at(90*time.Minute))
				switch {
				case r%4 == 3 && !errors.Is(err, store.ErrNotFound):
					t.Errorf("deleted session %s: %v, want ErrNotFound", id, err)
				case r%4 != 3 && err != nil:
					t.Errorf("session %s: %v", id, err)
				case r%4 != 3 && string(got.Tokens) != id:
					t.Errorf("session %s tokens %q, want %q", id, got.Tokens, id)
				}
			}
		}
	})
}

func testClose(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	mustCreateSession(t, s, newSession("x"))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping after Close: no error")
	}
	if _, err := s.Session(t.Context(), "x", at(0)); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Session after Close: %v, want an error other than ErrNotFound", err)
	}
	if err := s.CreateSession(t.Context(), newSession("y")); err == nil {
		t.Error("CreateSession after Close: no error")
	}
	// A second Close must not panic or hang; its result is not specified.
	_ = s.Close()
}
