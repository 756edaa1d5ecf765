package odata

import (
	"math/rand/v2"
	"testing"
	"time"
)

// appendTime must write exactly what time.Format writes with wireLayout.
func TestAppendTimeMatchesFormat(t *testing.T) {
	check := func(tm time.Time) {
		t.Helper()
		v := At(tm)
		if got, want := string(appendTime(nil, v)), v.UTC().Format(wireLayout); got != want {
			t.Fatalf("appendTime(%v) = %s, want %s", tm, got, want)
		}
	}
	for _, tm := range []time.Time{
		{}, time.Unix(0, 0), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 27, 3, 4, 5, 100, time.FixedZone("x", -7*3600)),
	} {
		check(tm)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		check(time.Unix(r.Int64N(1<<36)-1<<35, r.Int64N(1e9)))
	}
}

func FuzzAppendTime(f *testing.F) {
	f.Add(int64(0), int64(0))
	f.Add(int64(253402300799), int64(999999999))
	f.Fuzz(func(t *testing.T, sec, nsec int64) {
		v := At(time.Unix(sec, nsec))
		if got, want := string(appendTime(nil, v)), v.UTC().Format(wireLayout); got != want {
			t.Fatalf("appendTime = %s, want %s", got, want)
		}
	})
}
