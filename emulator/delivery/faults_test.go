package delivery

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestFaultDuplicate(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{Duplicate: 1}})
	rc := newReceiver(t)
	h.subscribe(sub{url: rc.URL})
	for i := range 3 {
		h.created(alert("a" + itoa(uint64(i))))
		h.flush()
	}
	seen := map[any][]int{} // notification id -> POSTs it came in
	for p, post := range rc.got() {
		for _, it := range post.items {
			seen[it["id"]] = append(seen[it["id"]], p)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("%d distinct ids, want 3", len(seen))
	}
	for id, posts := range seen {
		if len(posts) != 2 || posts[0] == posts[1] {
			t.Errorf("id %v came in POSTs %v, want twice in different POSTs", id, posts)
		}
	}
	if st := h.d.Stats(); st.Duplicated != 3 || st.Delivered != 6 || st.Pending != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFaultReorderAndDelay(t *testing.T) {
	h := newHarness(t, Options{MaxBatch: 8, Faults: Faults{Reorder: 1, Delay: time.Minute}})
	rc := newReceiver(t)
	h.subscribe(sub{url: rc.URL})
	var want []any
	for i := range 20 {
		h.created(alert("a" + itoa(uint64(i))))
		want = append(want, "security/alerts/a"+itoa(uint64(i)))
	}
	h.advance(time.Minute - time.Second)
	if len(rc.got()) != 0 {
		t.Fatal("delayed notifications arrived early")
	}
	h.advance(time.Second)
	var got []any
	for _, p := range rc.got() {
		if len(p.items) > 8 {
			t.Errorf("a POST of %d with MaxBatch 8", len(p.items))
		}
		for _, it := range p.items {
			got = append(got, it["resource"])
		}
	}
	if slices.Equal(got, want) {
		t.Fatal("the reorder fault kept the order")
	}
	sorted := slices.Clone(got)
	slices.SortFunc(sorted, func(a, b any) int { return cmpStr(a.(string), b.(string)) })
	slices.SortFunc(want, func(a, b any) int { return cmpStr(a.(string), b.(string)) })
	if !slices.Equal(sorted, want) {
		t.Fatalf("received %v, want each of %v once", got, want)
	}
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestFaultsAreClamped(t *testing.T) {
	h := newHarness(t, Options{})
	h.d.SetFaults(Faults{Duplicate: 7, Reorder: math.NaN(), Delay: -time.Second})
	if f := h.d.Faults(); f.Duplicate != 1 || f.Reorder != 0 || f.Delay != 0 {
		t.Fatalf("faults %+v", f)
	}
	if j := (Faults{Delay: 1500 * time.Millisecond}).JSON(); j.Delay != "1.5s" {
		t.Fatalf("JSON %+v", j)
	}
}
