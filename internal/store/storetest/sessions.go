package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

func testSessions(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := open(t)
		tests := []struct {
			name string
			sess store.Session
		}{
			{"typical", newSession("typical")},
			{"empty optional fields", store.Session{
				ID: "bare", CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: at(time.Hour),
			}},
			{"1MiB tokens", func() store.Session {
				sess := newSession("large")
				sess.Tokens = pattern(1 << 20)
				return sess
			}()},
			{"tokens all zero bytes", func() store.Session {
				sess := newSession("zeros")
				sess.Tokens = make([]byte, 4096)
				return sess
			}()},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				mustCreateSession(t, s, tt.sess)
				wantSession(t, s, tt.sess, at(0))
			})
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		s := open(t)
		sess := newSession("expiry")
		sess.ExpiresAt = at(time.Hour)
		mustCreateSession(t, s, sess)
		tests := []struct {
			name  string
			id    string
			now   time.Time
			found bool
		}{
			{"long before", sess.ID, at(-24 * 365 * time.Hour), true},
			{"just before", sess.ID, at(time.Hour - time.Millisecond), true},
			{"at expiry", sess.ID, at(time.Hour), false},
			{"after", sess.ID, at(2 * time.Hour), false},
			// Far from the wall clock in both directions: only now counts.
			{"in 2300", sess.ID, time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), false},
			{"in 2001", sess.ID, time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), true},
			{"unknown id", "no-such-session", at(0), false},
			{"other case", "EXPIRY", at(0), false},
		}
		for _, k := range badKeys {
			tests = append(tests, struct {
				name  string
				id    string
				now   time.Time
				found bool
			}{"bad key " + k.name, k.key, at(0), false})
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.found {
					wantSession(t, s, sess, tt.now)
				} else {
					wantNoSession(t, s, tt.id, tt.now)
				}
			})
		}
	})

	t.Run("CreateConflict", func(t *testing.T) {
		s := open(t)
		first := newSession("dup")
		mustCreateSession(t, s, first)
		second := newSession("dup")
		second.UserID = "someone-else"
		second.Tokens = []byte("other")
		second.ExpiresAt = at(48 * time.Hour)
		if err := s.CreateSession(t.Context(), second); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second CreateSession: %v, want ErrConflict", err)
		}
		// An existing session, even an expired one, keeps its id.
		wantSession(t, s, first, at(0))
		if err := s.CreateSession(t.Context(), second); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("third CreateSession: %v, want ErrConflict", err)
		}
	})

	t.Run("UpdateTokens", func(t *testing.T) {
		s := open(t)
		sess := newSession("upd")
		mustCreateSession(t, s, sess)
		tests := []struct {
			name   string
			tokens []byte
		}{
			{"replace", []byte("refreshed\x00tokens")},
			{"1MiB", pattern(1 << 20)},
			{"empty", []byte{}},
			{"nil", nil},
			{"back to small", []byte("x")},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := s.UpdateSessionTokens(t.Context(), sess.ID, tt.tokens); err != nil {
					t.Fatalf("UpdateSessionTokens: %v", err)
				}
				sess.Tokens = tt.tokens
				wantSession(t, s, sess, at(0))
			})
		}
		t.Run("absent", func(t *testing.T) {
			if err := s.UpdateSessionTokens(t.Context(), "absent", []byte("x")); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("UpdateSessionTokens(absent): %v, want ErrNotFound", err)
			}
			for _, k := range badKeys {
				if err := s.UpdateSessionTokens(t.Context(), k.key, []byte("x")); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("UpdateSessionTokens(%s): %v, want ErrNotFound", k.name, err)
				}
			}
		})
	})

	t.Run("Touch", func(t *testing.T) {
		s := open(t)
		sess := newSession("touch")
		sess.ExpiresAt = at(time.Hour)
		mustCreateSession(t, s, sess)

		// Used at 59m, extended to 2h: alive at 90m, the old expiry passed.
		if err := s.TouchSession(t.Context(), sess.ID, at(59*time.Minute), at(2*time.Hour)); err != nil {
			t.Fatalf("TouchSession: %v", err)
		}
		sess.LastSeenAt, sess.ExpiresAt = at(59*time.Minute), at(2*time.Hour)
		wantSession(t, s, sess, at(90*time.Minute))
		wantNoSession(t, s, sess.ID, at(2*time.Hour))

		tests := []struct {
			name               string
			id                 string
			lastSeen, expireAt time.Time
		}{
			{"absent", "absent", at(0), at(time.Hour)},
			{"expired at lastSeen", sess.ID, at(2 * time.Hour), at(3 * time.Hour)},
			{"long expired", sess.ID, at(72 * time.Hour), at(73 * time.Hour)},
		}
		for _, k := range badKeys {
			tests = append(tests, struct {
				name               string
				id                 string
				lastSeen, expireAt time.Time
			}{"bad key " + k.name, k.key, at(0), at(time.Hour)})
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.TouchSession(t.Context(), tt.id, tt.lastSeen, tt.expireAt)
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("TouchSession: %v, want ErrNotFound", err)
				}
			})
		}
		// The refused touches did not revive it.
		wantNoSession(t, s, sess.ID, at(2*time.Hour+time.Minute))
		wantSession(t, s, sess, at(90*time.Minute))
	})

	t.Run("Delete", func(t *testing.T) {
		s := open(t)
		keep, gone := newSession("keep"), newSession("gone")
		mustCreateSession(t, s, keep)
		mustCreateSession(t, s, gone)
		tests := []struct {
			name string
			id   string
		}{
			{"present", gone.ID},
			{"again", gone.ID},
			{"never existed", "never"},
		}
		for _, k := range badKeys {
			tests = append(tests, struct{ name, id string }{"bad key " + k.name, k.key})
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := s.DeleteSession(t.Context(), tt.id); err != nil {
					t.Fatalf("DeleteSession: %v", err)
				}
				wantNoSession(t, s, gone.ID, at(0))
				wantSession(t, s, keep, at(0))
			})
		}
		// The id is free again.
		mustCreateSession(t, s, gone)
		wantSession(t, s, gone, at(0))
	})
}

func testDeleteExpired(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Empty", func(t *testing.T) {
		n, err := open(t).DeleteExpired(t.Context(), at(0))
		if err != nil || n != 0 {
			t.Errorf("DeleteExpired on an empty store = %d, %v; want 0, nil", n, err)
		}
	})
	t.Run("OnlyExpired", func(t *testing.T) {
		s := open(t)
		now := at(time.Hour)
		expiries := []struct {
			name    string
			expires time.Time
			expired bool
		}{
			{"long ago", at(-time.Hour), true},
			{"just before", now.Add(-time.Millisecond), true},
			{"exactly now", now, true},
			{"just after", now.Add(time.Millisecond), false},
			{"tomorrow", now.Add(24 * time.Hour), false},
		}
		var want int64
		for _, e := range expiries {
			sess := newSession("s " + e.name)
			sess.ExpiresAt = e.expires
			mustCreateSession(t, s, sess)
			f := newFlow("f " + e.name)
			f.ExpiresAt = e.expires
			mustCreateFlow(t, s, f)
			u := newForm("u "+e.name, "session")
			u.ExpiresAt = e.expires
			mustClaim(t, s, u)
			d := newDraft("d " + e.name)
			// A client of its own: putting a draft deletes its client's
			// expired ones.
			d.Client, d.ExpiresAt = "client "+e.name, e.expires
			mustPutDraft(t, s, d)
			if e.expired {
				want += 4
			}
		}
		mustAdd(t, s, newActivity("alert", "untouched"))

		n, err := s.DeleteExpired(t.Context(), now)
		if err != nil {
			t.Fatalf("DeleteExpired: %v", err)
		}
		if n != want {
			t.Errorf("DeleteExpired = %d, want %d", n, want)
		}
		for _, e := range expiries {
			t.Run(e.name, func(t *testing.T) {
				// Looked up with an early now, so that only presence counts.
				_, serr := s.Session(t.Context(), "s "+e.name, at(-48*time.Hour))
				_, ferr := s.TakeLoginFlow(t.Context(), "f "+e.name, at(-48*time.Hour))
				_, uerr := s.FormSubmission(t.Context(), "u "+e.name, at(-48*time.Hour))
				_, derr := s.TakeDraft(t.Context(), "d "+e.name, at(-48*time.Hour))
				for what, err := range map[string]error{"session": serr, "login flow": ferr, "form submission": uerr, "draft": derr} {
					switch {
					case e.expired && !errors.Is(err, store.ErrNotFound):
						t.Errorf("expired %s still there (err %v)", what, err)
					case !e.expired && err != nil:
						t.Errorf("live %s: %v", what, err)
					}
				}
			})
		}
		if got, err := s.RecentActivity(t.Context(), 0); err != nil || len(got) != 1 {
			t.Errorf("activity after DeleteExpired: %d records, %v; want 1, nil", len(got), err)
		}
		n, err = s.DeleteExpired(t.Context(), now)
		if err != nil || n != 0 {
			t.Errorf("second DeleteExpired = %d, %v; want 0, nil", n, err)
		}
	})
}
