package web

import (
	"context"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
)

// panickyStore panics when pinged, in place of a database driver that
// does.
type panickyStore struct {
	Store
	pings int
}

func (p *panickyStore) Ping(context.Context) error {
	p.pings++
	panic("driver bug")
}

// TestReadinessAfterAPanic: a check that panics must not leave /readyz
// waiting for an answer that never comes: the next call checks again.
func TestReadinessAfterAPanic(t *testing.T) {
	st := &panickyStore{}
	s := &Server{o: Options{Store: st, Clock: clock.NewFake(time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)), ReadyCache: time.Minute}}
	for i := range 2 {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("call %d: the check's panic did not reach the caller", i)
				}
			}()
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			_, _, err := s.readiness(ctx)
			t.Fatalf("call %d returned (%v) instead of panicking", i, err)
		}()
	}
	if st.pings != 2 {
		t.Errorf("%d checks ran, want 2 (the second call must check again, not wait)", st.pings)
	}
	if s.ready.running != nil || !s.ready.at.IsZero() {
		t.Error("the panicked check left its state behind")
	}
}
