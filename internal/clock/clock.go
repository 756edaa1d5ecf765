// Package clock gives every time-dependent part of graphsec an injected
// source of "now", so that token expiry, subscription expiry and throttling
// windows can be tested with exact values instead of sleeps.
package clock

import (
	"sync"
	"time"
)

// Clock reports the current time.
type Clock interface {
	Now() time.Time
}

// System is the wall clock.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// Func adapts a function to Clock.
type Func func() time.Time

// Now calls f.
func (f Func) Now() time.Time { return f() }

// Adjustable follows a base clock shifted by an offset that can be moved at
// run time. The emulator uses it so that a test (or its control plane) can
// jump hours ahead while time keeps flowing, which is what expiry logic on
// the other side of the wire sees in real life.
type Adjustable struct {
	base Clock

	mu     sync.RWMutex
	offset time.Duration
}

// NewAdjustable returns a clock that follows base with no offset.
func NewAdjustable(base Clock) *Adjustable {
	if base == nil {
		base = System{}
	}
	return &Adjustable{base: base}
}

// Now returns the base time plus the current offset.
func (a *Adjustable) Now() time.Time {
	a.mu.RLock()
	off := a.offset
	a.mu.RUnlock()
	return a.base.Now().Add(off)
}

// Advance moves the clock forward by d (or backward when d is negative).
func (a *Adjustable) Advance(d time.Duration) {
	a.mu.Lock()
	a.offset += d
	a.mu.Unlock()
}

// Set moves the clock so that Now reports t at this instant.
func (a *Adjustable) Set(t time.Time) {
	a.mu.Lock()
	a.offset = t.Sub(a.base.Now())
	a.mu.Unlock()
}

// Offset reports how far the clock is from its base.
func (a *Adjustable) Offset() time.Duration {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.offset
}

// Fake is a clock that only moves when told to. For tests.
type Fake struct {
	mu sync.Mutex
	t  time.Time
}

// NewFake returns a clock stopped at t.
func NewFake(t time.Time) *Fake { return &Fake{t: t} }

// Now returns the stopped time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

// Advance moves the clock by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// Set stops the clock at t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.t = t
	f.mu.Unlock()
}
