package clock

import (
	"testing"
	"time"
)

func TestAdjustable(t *testing.T) {
	base := NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	a := NewAdjustable(base)
	if got := a.Now(); !got.Equal(base.Now()) {
		t.Fatalf("Now = %v, want base %v", got, base.Now())
	}
	a.Advance(90 * time.Minute)
	if got, want := a.Now(), base.Now().Add(90*time.Minute); !got.Equal(want) {
		t.Fatalf("after Advance: %v, want %v", got, want)
	}
	base.Advance(time.Second)
	if got, want := a.Now(), base.Now().Add(90*time.Minute); !got.Equal(want) {
		t.Fatalf("base moved: %v, want %v", got, want)
	}
	target := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	a.Set(target)
	if got := a.Now(); !got.Equal(target) {
		t.Fatalf("after Set: %v, want %v", got, target)
	}
	if a.Offset() != target.Sub(base.Now()) {
		t.Fatalf("Offset = %v", a.Offset())
	}
}

func TestFuncAndSystem(t *testing.T) {
	fixed := time.Unix(42, 0)
	if got := Func(func() time.Time { return fixed }).Now(); !got.Equal(fixed) {
		t.Fatalf("Func.Now = %v", got)
	}
	before := time.Now()
	if got := (System{}).Now(); got.Before(before) {
		t.Fatalf("System.Now went backwards: %v < %v", got, before)
	}
}
