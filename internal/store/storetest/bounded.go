package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graphsec/graphsec/internal/store"
)

// The records added for the console's hardening: bounded sign-ins, the
// user's directory roles, form submissions (one-time form tokens), drafts
// (form text kept across a sign-in) and activity states (intents).

func testFlowLimits(t *testing.T, open func(t *testing.T) store.Store) {
	flow := func(state, client string, created time.Duration) store.LoginFlow {
		f := newFlow(state)
		f.Client, f.CreatedAt, f.ExpiresAt = client, at(created), at(created+15*time.Minute)
		return f
	}
	create := func(t *testing.T, s store.Store, f store.LoginFlow, lim store.Limits) error {
		t.Helper()
		return s.CreateLoginFlow(t.Context(), f, lim)
	}
	present := func(t *testing.T, s store.Store, state string) bool {
		t.Helper()
		_, err := s.TakeLoginFlow(t.Context(), state, at(time.Second))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("TakeLoginFlow(%q): %v", state, err)
		}
		return err == nil
	}

	t.Run("PerClientEvictsOldest", func(t *testing.T) {
		s := open(t)
		lim := store.Limits{PerClient: 3, Total: 100}
		for i := range 5 {
			if err := create(t, s, flow(fmt.Sprintf("a%d", i), "ip:198.51.100.7", time.Duration(i)*time.Millisecond), lim); err != nil {
				t.Fatalf("flow %d: %v", i, err)
			}
		}
		if err := create(t, s, flow("other", "ip:198.51.100.8", 0), lim); err != nil {
			t.Fatalf("another client's flow: %v", err)
		}
		for i, want := range []bool{false, false, true, true, true} {
			if got := present(t, s, fmt.Sprintf("a%d", i)); got != want {
				t.Errorf("flow a%d present = %v, want %v", i, got, want)
			}
		}
		if !present(t, s, "other") {
			t.Error("another client's flow was evicted")
		}
	})

	t.Run("TotalRefuses", func(t *testing.T) {
		s := open(t)
		lim := store.Limits{PerClient: 2, Total: 4}
		for i := range 4 {
			if err := create(t, s, flow(fmt.Sprintf("t%d", i), fmt.Sprintf("ip:203.0.113.%d", i), 0), lim); err != nil {
				t.Fatalf("flow %d: %v", i, err)
			}
		}
		err := create(t, s, flow("over", "ip:203.0.113.99", 0), lim)
		if !errors.Is(err, store.ErrLimit) {
			t.Fatalf("flow over the total: %v, want ErrLimit", err)
		}
		if present(t, s, "over") {
			t.Error("the refused flow was stored")
		}
		// Once the others have expired, there is room again.
		later := flow("later", "ip:203.0.113.99", 16*time.Minute)
		if err := create(t, s, later, lim); err != nil {
			t.Errorf("flow after the others expired: %v", err)
		}
	})

	t.Run("NoLimits", func(t *testing.T) {
		s := open(t)
		for i := range 20 {
			if err := create(t, s, flow(fmt.Sprintf("n%d", i), "ip:192.0.2.1", 0), store.Limits{}); err != nil {
				t.Fatalf("flow %d: %v", i, err)
			}
		}
		got, err := s.TakeLoginFlow(t.Context(), "n0", at(time.Second))
		if err != nil || got.Client != "ip:192.0.2.1" {
			t.Fatalf("TakeLoginFlow = %+v, %v; want the flow with its client", got, err)
		}
	})

	t.Run("ConcurrentClient", func(t *testing.T) {
		s := open(t)
		lim := store.Limits{PerClient: 3, Total: 1000}
		var wg sync.WaitGroup
		for i := range 24 {
			wg.Go(func() {
				if err := s.CreateLoginFlow(t.Context(), flow(fmt.Sprintf("c%02d", i), "ip:198.51.100.1", time.Duration(i)*time.Microsecond), lim); err != nil {
					t.Errorf("flow %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		n := 0
		for i := range 24 {
			if present(t, s, fmt.Sprintf("c%02d", i)) {
				n++
			}
		}
		if n != lim.PerClient {
			t.Errorf("%d flows of one client remain, want %d", n, lim.PerClient)
		}
	})
}

func testRoles(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	tests := []struct {
		name  string
		roles []string
		known bool
	}{
		{"none known", nil, true},
		{"unknown", nil, false},
		{"two", []string{"5d6b6bb7-de71-4623-b4af-96380a352509", "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sess := newSession("roles " + tt.name)
			sess.DirectoryRoles, sess.RolesKnown = tt.roles, tt.known
			mustCreateSession(t, s, sess)
			wantSession(t, s, sess, at(0))
		})
	}
	for _, bad := range [][]string{{"with space"}, {""}, {"a\x00"}, slices.Repeat([]string{"r"}, store.MaxRoles+1)} {
		sess := newSession(fmt.Sprintf("bad roles %.20q", bad))
		sess.DirectoryRoles = bad
		wantSentinelFree(t, "CreateSession with bad roles", s.CreateSession(t.Context(), sess))
		wantNoSession(t, s, sess.ID, at(0))
	}
}

func testForms(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("ClaimOnceThenReplay", func(t *testing.T) {
		s := open(t)
		f := newForm("k1", "sess")
		if _, err := s.ClaimForm(t.Context(), f, 10); err != nil {
			t.Fatalf("ClaimForm: %v", err)
		}
		got, err := s.ClaimForm(t.Context(), f, 10)
		if !errors.Is(err, store.ErrConflict) || got.Key != "k1" || got.Done {
			t.Fatalf("second ClaimForm = %+v, %v; want the pending record and ErrConflict", got, err)
		}
		if err := s.FinishForm(t.Context(), "k1", 303, "/alerts/1#comments"); err != nil {
			t.Fatalf("FinishForm: %v", err)
		}
		got, err = s.ClaimForm(t.Context(), f, 10)
		want := f
		want.Done, want.Status, want.Location = true, 303, "/alerts/1#comments"
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("third ClaimForm: %v, want ErrConflict", err)
		}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("replayed record (-want +got):\n%s", diff)
		}
		wantUTC(t, "ClaimForm", got.CreatedAt, got.ExpiresAt)
		looked, err := s.FormSubmission(t.Context(), "k1", at(time.Minute))
		if err != nil {
			t.Fatalf("FormSubmission: %v", err)
		}
		if diff := cmp.Diff(want, looked, cmpOpts); diff != "" {
			t.Errorf("FormSubmission (-want +got):\n%s", diff)
		}
	})

	t.Run("Release", func(t *testing.T) {
		s := open(t)
		mustClaim(t, s, newForm("k", "sess"))
		if err := s.ReleaseForm(t.Context(), "k"); err != nil {
			t.Fatalf("ReleaseForm: %v", err)
		}
		if err := s.ReleaseForm(t.Context(), "k"); err != nil {
			t.Errorf("ReleaseForm of an absent claim: %v", err)
		}
		mustClaim(t, s, newForm("k", "sess"))
		if err := s.FinishForm(t.Context(), "absent", 200, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FinishForm of an absent claim: %v, want ErrNotFound", err)
		}
	})

	t.Run("ExpiredIsReplaced", func(t *testing.T) {
		s := open(t)
		old := newForm("k", "sess")
		mustClaim(t, s, old)
		if err := s.FinishForm(t.Context(), "k", 200, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FormSubmission(t.Context(), "k", at(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FormSubmission at expiry: %v, want ErrNotFound", err)
		}
		fresh := newForm("k", "sess")
		fresh.CreatedAt, fresh.ExpiresAt = at(time.Hour), at(2*time.Hour)
		if _, err := s.ClaimForm(t.Context(), fresh, 10); err != nil {
			t.Fatalf("ClaimForm over an expired record: %v", err)
		}
		got, err := s.FormSubmission(t.Context(), "k", at(time.Hour))
		if err != nil || got.Done {
			t.Errorf("after the new claim: %+v, %v; want a pending record", got, err)
		}
	})

	t.Run("PerSessionBound", func(t *testing.T) {
		s := open(t)
		for i := range 6 {
			f := newForm(fmt.Sprintf("k%d", i), "busy")
			f.CreatedAt = at(time.Duration(i) * time.Second)
			if _, err := s.ClaimForm(t.Context(), f, 4); err != nil {
				t.Fatalf("claim %d: %v", i, err)
			}
		}
		mustClaim(t, s, newForm("other", "quiet"))
		for i, want := range []bool{false, false, true, true, true, true} {
			_, err := s.FormSubmission(t.Context(), fmt.Sprintf("k%d", i), at(10*time.Second))
			if got := err == nil; got != want {
				t.Errorf("k%d kept = %v (%v), want %v", i, got, err, want)
			}
		}
		if _, err := s.FormSubmission(t.Context(), "other", at(0)); err != nil {
			t.Errorf("another session's record: %v", err)
		}
	})

	t.Run("ConcurrentClaims", func(t *testing.T) {
		s := open(t)
		wantOneWinner(t, "claims", store.ErrConflict, race(16, func(int) error {
			_, err := s.ClaimForm(t.Context(), newForm("double click", "sess"), 10)
			return err
		}))
	})

	t.Run("Invalid", func(t *testing.T) {
		s := open(t)
		for name, change := range map[string]func(*store.FormSubmission){
			"empty key":     func(f *store.FormSubmission) { f.Key = "" },
			"NUL in key":    func(f *store.FormSubmission) { f.Key = "k\x00" },
			"bad status":    func(f *store.FormSubmission) { f.Status = 1000 },
			"year 10000":    func(f *store.FormSubmission) { f.ExpiresAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
			"UTF-8 session": func(f *store.FormSubmission) { f.Session = "\xff" },
		} {
			f := newForm("bad", "sess")
			change(&f)
			_, err := s.ClaimForm(t.Context(), f, 0)
			wantSentinelFree(t, "ClaimForm "+name, err)
		}
		if _, err := s.FormSubmission(t.Context(), "bad", at(0)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused claim was stored: %v", err)
		}
		mustClaim(t, s, newForm("good", "sess"))
		wantSentinelFree(t, "FinishForm with a bad location", s.FinishForm(t.Context(), "good", 303, "/\x00"))
	})
}

func testDrafts(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("TakeOnce", func(t *testing.T) {
		s := open(t)
		d := newDraft("browser")
		d.Sealed = pattern(64 << 10)
		mustPutDraft(t, s, d)
		got, err := s.TakeDraft(t.Context(), "browser", at(time.Minute))
		if err != nil {
			t.Fatalf("TakeDraft: %v", err)
		}
		wantUTC(t, "TakeDraft", got.CreatedAt, got.ExpiresAt)
		if !bytes.Equal(got.Sealed, d.Sealed) {
			t.Errorf("Sealed: %d bytes, not the %d written", len(got.Sealed), len(d.Sealed))
		}
		got.Sealed, d.Sealed = nil, nil
		if diff := cmp.Diff(d, got, cmpOpts); diff != "" {
			t.Errorf("TakeDraft (-want +got):\n%s", diff)
		}
		if _, err := s.TakeDraft(t.Context(), "browser", at(time.Minute)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second TakeDraft: %v, want ErrNotFound", err)
		}
	})

	t.Run("Replace", func(t *testing.T) {
		s := open(t)
		mustPutDraft(t, s, newDraft("browser"))
		second := newDraft("browser")
		second.ReturnTo = "/manage"
		mustPutDraft(t, s, second)
		got, err := s.TakeDraft(t.Context(), "browser", at(0))
		if err != nil || got.ReturnTo != "/manage" {
			t.Fatalf("TakeDraft = %+v, %v; want the second draft", got, err)
		}
	})

	t.Run("Expired", func(t *testing.T) {
		s := open(t)
		mustPutDraft(t, s, newDraft("browser"))
		if _, err := s.TakeDraft(t.Context(), "browser", at(15*time.Minute)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("TakeDraft at expiry: %v, want ErrNotFound", err)
		}
		if _, err := s.TakeDraft(t.Context(), "browser", at(0)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TakeDraft after the expired attempt: %v, want ErrNotFound", err)
		}
	})

	t.Run("Limits", func(t *testing.T) {
		s := open(t)
		lim := store.Limits{PerClient: 2, Total: 3}
		put := func(id, client string, created time.Duration) error {
			d := newDraft(id)
			d.Client, d.CreatedAt, d.ExpiresAt = client, at(created), at(created+15*time.Minute)
			return s.PutDraft(t.Context(), d, lim)
		}
		for i, id := range []string{"a", "b", "c"} {
			if err := put(id, "ip:192.0.2.1", time.Duration(i)*time.Millisecond); err != nil {
				t.Fatalf("draft %s: %v", id, err)
			}
		}
		if _, err := s.TakeDraft(t.Context(), "a", at(time.Second)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the client's oldest draft was kept beyond PerClient: %v", err)
		}
		mustPutDraft(t, s, newDraft("a")) // put back, no limits: b, c, a
		if err := put("d", "ip:192.0.2.2", 0); !errors.Is(err, store.ErrLimit) {
			t.Errorf("draft over the total: %v, want ErrLimit", err)
		}
		// Replacing one's own draft is always possible.
		if err := put("c", "ip:192.0.2.1", time.Second); err != nil {
			t.Errorf("replacing a draft at the total: %v", err)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		s := open(t)
		for name, change := range map[string]func(*store.Draft){
			"empty id":          func(d *store.Draft) { d.ID = "" },
			"NUL in return URL": func(d *store.Draft) { d.ReturnTo = "/\x00" },
			"16MiB sealed":      func(d *store.Draft) { d.Sealed = make([]byte, 16<<20+1) },
		} {
			d := newDraft("bad")
			change(&d)
			wantSentinelFree(t, "PutDraft "+name, s.PutDraft(t.Context(), d, store.Limits{}))
		}
		if _, err := s.TakeDraft(t.Context(), "bad", at(0)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused draft was stored: %v", err)
		}
	})
}

func testActivityStates(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("DefaultDone", func(t *testing.T) {
		s := open(t)
		a := mustAdd(t, s, newActivity("alert", "1"))
		if a.State != store.ActivityDone {
			t.Errorf("AddActivity returned state %q, want done", a.State)
		}
		got, err := s.ListActivity(t.Context(), "alert", "1", 0)
		if err != nil || len(got) != 1 || got[0].State != store.ActivityDone {
			t.Fatalf("ListActivity = %+v, %v; want one done record", got, err)
		}
	})

	t.Run("PendingThenDone", func(t *testing.T) {
		s := open(t)
		intent := newActivity("alert", "1")
		intent.State, intent.RequestID = store.ActivityPending, ""
		intent.Changes = []byte(`{"comment":"asked"}`)
		a := mustAdd(t, s, intent)
		pending, err := s.PendingActivity(t.Context(), at(time.Second), 0)
		if err != nil || len(pending) != 1 || pending[0].ID != a.ID {
			t.Fatalf("PendingActivity = %+v, %v; want the intent", pending, err)
		}
		if err := s.UpdateActivity(t.Context(), a.ID, store.ActivityDone, "req-1", nil); err != nil {
			t.Fatalf("UpdateActivity: %v", err)
		}
		got, err := s.ListActivity(t.Context(), "alert", "1", 0)
		if err != nil || len(got) != 1 {
			t.Fatalf("ListActivity: %v", err)
		}
		if got[0].State != store.ActivityDone || got[0].RequestID != "req-1" || string(got[0].Changes) != `{"comment":"asked"}` {
			t.Errorf("after UpdateActivity: %+v", got[0])
		}
		if err := s.UpdateActivity(t.Context(), a.ID, store.ActivityFailed, "", []byte(`{"x":1}`)); err != nil {
			t.Fatal(err)
		}
		got, _ = s.ListActivity(t.Context(), "alert", "1", 0)
		if got[0].State != store.ActivityFailed || got[0].RequestID != "req-1" || string(got[0].Changes) != `{"x":1}` {
			t.Errorf("after the second UpdateActivity: %+v", got[0])
		}
		if pending, _ := s.PendingActivity(t.Context(), at(time.Hour), 0); len(pending) != 0 {
			t.Errorf("PendingActivity after the update: %d records", len(pending))
		}
	})

	t.Run("PendingOrderAndCutoff", func(t *testing.T) {
		s := open(t)
		var ids []int64
		for i, d := range []time.Duration{3 * time.Minute, time.Minute, 2 * time.Minute, 10 * time.Minute} {
			a := newActivity("alert", fmt.Sprint(i))
			a.State, a.At = store.ActivityPending, at(d)
			ids = append(ids, mustAdd(t, s, a).ID)
		}
		mustAdd(t, s, newActivity("alert", "done"))
		got, err := s.PendingActivity(t.Context(), at(5*time.Minute), 0)
		if err != nil {
			t.Fatal(err)
		}
		var order []int64
		for _, a := range got {
			order = append(order, a.ID)
		}
		if want := []int64{ids[1], ids[2], ids[0]}; !slices.Equal(order, want) {
			t.Errorf("PendingActivity order %v, want %v (oldest first, before the cutoff)", order, want)
		}
		if got, _ := s.PendingActivity(t.Context(), at(5*time.Minute), 1); len(got) != 1 || got[0].ID != ids[1] {
			t.Errorf("PendingActivity with limit 1: %+v", got)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		s := open(t)
		a := mustAdd(t, s, newActivity("alert", "1"))
		wantSentinelFree(t, "UpdateActivity to a bad state", s.UpdateActivity(t.Context(), a.ID, "maybe", "", nil))
		wantSentinelFree(t, "UpdateActivity to the empty state", s.UpdateActivity(t.Context(), a.ID, "", "", nil))
		bad := newActivity("alert", "2")
		bad.State = "maybe"
		_, err := s.AddActivity(t.Context(), bad)
		wantSentinelFree(t, "AddActivity with a bad state", err)
		if err := s.UpdateActivity(t.Context(), a.ID+1000, store.ActivityDone, "", nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdateActivity of an absent record: %v, want ErrNotFound", err)
		}
	})
}
