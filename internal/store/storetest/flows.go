package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graphsec/graphsec/internal/store"
)

func testLoginFlows(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("TakeOnce", func(t *testing.T) {
		s := open(t)
		tests := []struct {
			name string
			flow store.LoginFlow
		}{
			{"typical", newFlow("typical")},
			{"bare", store.LoginFlow{State: "bare", CreatedAt: at(0), ExpiresAt: at(time.Minute)}},
			{"1MiB sealed", func() store.LoginFlow {
				f := newFlow("large")
				f.Sealed = pattern(1 << 20)
				return f
			}()},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				mustCreateFlow(t, s, tt.flow)
				got, err := s.TakeLoginFlow(t.Context(), tt.flow.State, at(time.Second))
				if err != nil {
					t.Fatalf("TakeLoginFlow: %v", err)
				}
				wantUTC(t, "TakeLoginFlow", got.CreatedAt, got.ExpiresAt)
				if !bytes.Equal(got.Sealed, tt.flow.Sealed) {
					t.Errorf("Sealed: %d bytes, not the %d written", len(got.Sealed), len(tt.flow.Sealed))
				}
				want := tt.flow
				got.Sealed, want.Sealed = nil, nil
				if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
					t.Errorf("TakeLoginFlow mismatch (-want +got):\n%s", diff)
				}
				if _, err := s.TakeLoginFlow(t.Context(), tt.flow.State, at(time.Second)); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("second TakeLoginFlow: %v, want ErrNotFound", err)
				}
			})
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := open(t)
		mustCreateFlow(t, s, newFlow("present"))
		tests := []struct{ name, state string }{
			{"absent", "absent"},
			{"other case", "PRESENT"},
		}
		for _, k := range badKeys {
			tests = append(tests, struct{ name, state string }{"bad key " + k.name, k.key})
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := s.TakeLoginFlow(t.Context(), tt.state, at(0)); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("TakeLoginFlow(%.40q): %v, want ErrNotFound", tt.state, err)
				}
			})
		}
		if _, err := s.TakeLoginFlow(t.Context(), "present", at(0)); err != nil {
			t.Errorf("TakeLoginFlow(present) after the misses: %v", err)
		}
	})

	t.Run("Expired", func(t *testing.T) {
		s := open(t)
		tests := []struct {
			name string
			now  time.Time
		}{
			{"at expiry", at(10 * time.Minute)},
			{"after", at(11 * time.Minute)},
			{"in 2300", time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := newFlow("expired " + tt.name)
				mustCreateFlow(t, s, f)
				if _, err := s.TakeLoginFlow(t.Context(), f.State, tt.now); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("TakeLoginFlow of an expired flow: %v, want ErrNotFound", err)
				}
				// The attempt consumed it.
				if _, err := s.TakeLoginFlow(t.Context(), f.State, at(0)); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("TakeLoginFlow after the expired attempt: %v, want ErrNotFound", err)
				}
			})
		}
		// Only the caller's now counts: a flow dated 2001 is live in 2000.
		old := newFlow("old")
		old.CreatedAt = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
		old.ExpiresAt = old.CreatedAt.Add(time.Minute)
		mustCreateFlow(t, s, old)
		if _, err := s.TakeLoginFlow(t.Context(), old.State, old.CreatedAt); err != nil {
			t.Errorf("TakeLoginFlow at its own creation in 2001: %v", err)
		}
	})

	t.Run("CreateConflict", func(t *testing.T) {
		s := open(t)
		first := newFlow("dup")
		mustCreateFlow(t, s, first)
		second := newFlow("dup")
		second.Binding = "another browser"
		if err := s.CreateLoginFlow(t.Context(), second, store.Limits{}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second CreateLoginFlow: %v, want ErrConflict", err)
		}
		got, err := s.TakeLoginFlow(t.Context(), "dup", at(0))
		if err != nil {
			t.Fatalf("TakeLoginFlow: %v", err)
		}
		if got.Binding != first.Binding {
			t.Errorf("Binding = %q, want the first flow's %q", got.Binding, first.Binding)
		}
		// Taken, the state can be used again.
		mustCreateFlow(t, s, second)
	})

	t.Run("ConcurrentTake", func(t *testing.T) {
		s := open(t)
		const rounds, takers = 5, 16
		for r := range rounds {
			state := fmt.Sprintf("race-%d", r)
			mustCreateFlow(t, s, newFlow(state))
			wantOneWinner(t, fmt.Sprintf("round %d: takers", r), store.ErrNotFound, race(takers, func(int) error {
				_, err := s.TakeLoginFlow(t.Context(), state, at(0))
				return err
			}))
		}
	})
}
