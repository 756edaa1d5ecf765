package storetest

import (
	"bytes"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graphsec/graphsec/internal/store"
)

func testActivity(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("AddAndList", func(t *testing.T) {
		s := open(t)
		var added []store.Activity
		var last int64
		for i := range 5 {
			a := vary(newActivity("alert", "da637"), i)
			got := mustAdd(t, s, a)
			if got.ID <= last {
				t.Errorf("activity %d got id %d, not above the previous %d", i, got.ID, last)
			}
			last = got.ID
			wantUTC(t, "AddActivity", got.At)
			want := a
			want.ID = got.ID
			if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
				t.Errorf("AddActivity returned (-want +got):\n%s", diff)
			}
			added = append(added, got)
		}
		list, err := s.ListActivity(t.Context(), "alert", "da637", 0)
		if err != nil {
			t.Fatalf("ListActivity: %v", err)
		}
		// Newest first, and exactly what AddActivity returned.
		want := make([]store.Activity, len(added))
		for i, a := range added {
			want[len(added)-1-i] = a
		}
		if diff := cmp.Diff(want, list); diff != "" {
			t.Errorf("ListActivity (-want +got):\n%s", diff)
		}
	})

	t.Run("NewestIsOrderOfRecording", func(t *testing.T) {
		s := open(t)
		// Recorded in an order that At contradicts.
		first := newActivity("incident", "42")
		first.At = at(time.Hour)
		second := newActivity("incident", "42")
		second.At = at(0)
		a1, a2 := mustAdd(t, s, first), mustAdd(t, s, second)
		list, err := s.ListActivity(t.Context(), "incident", "42", 0)
		if err != nil {
			t.Fatalf("ListActivity: %v", err)
		}
		if len(list) != 2 || list[0].ID != a2.ID || list[1].ID != a1.ID {
			t.Errorf("ListActivity ids = %v, want [%d %d]", ids(list), a2.ID, a1.ID)
		}
	})

	t.Run("Filter", func(t *testing.T) {
		s := open(t)
		records := []struct{ resource, id string }{
			{"alert", "a1"}, {"alert", "a2"}, {"incident", "a1"}, {"alert", "a1"},
			{"legacyAlert", "a1"}, {"alert", "A1"}, {"alert", "a1 "}, {"alert", "a"},
		}
		byKey := map[[2]string][]int64{}
		for _, r := range records {
			got := mustAdd(t, s, newActivity(r.resource, r.id))
			k := [2]string{r.resource, r.id}
			byKey[k] = append([]int64{got.ID}, byKey[k]...)
		}
		tests := []struct {
			name, resource, id string
		}{
			{"two records", "alert", "a1"},
			{"other id", "alert", "a2"},
			{"same id, other resource", "incident", "a1"},
			{"case differs", "alert", "A1"},
			{"trailing space", "alert", "a1 "},
			{"prefix is not a match", "alert", "a"},
			{"unknown id", "alert", "zzz"},
			{"unknown resource", "controlProfile", "a1"},
			{"empty resource", "", "a1"},
			{"empty id", "alert", ""},
			{"NUL", "alert", "a1\x00"},
			{"invalid UTF-8", "alert\xff", "a1"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				list, err := s.ListActivity(t.Context(), tt.resource, tt.id, 0)
				if err != nil {
					t.Fatalf("ListActivity: %v", err)
				}
				want := byKey[[2]string{tt.resource, tt.id}]
				if diff := cmp.Diff(want, ids(list), cmpOpts); diff != "" {
					t.Errorf("ListActivity(%q, %q) ids (-want +got):\n%s", tt.resource, tt.id, diff)
				}
				for _, a := range list {
					if a.Resource != tt.resource || a.ResourceID != tt.id {
						t.Errorf("ListActivity(%q, %q) returned a record of (%q, %q)", tt.resource, tt.id, a.Resource, a.ResourceID)
					}
				}
			})
		}
	})

	t.Run("Limit", func(t *testing.T) {
		s := open(t)
		const total = MaxActivityLimit + 5
		var all []int64 // newest first
		for i := range total {
			resource := "alert"
			if i%2 == 1 {
				resource = "incident"
			}
			a := mustAdd(t, s, newActivity(resource, "x"))
			all = append([]int64{a.ID}, all...)
		}
		var alerts []int64
		for i, id := range all {
			// all is newest first; the newest (index 0) is record total-1.
			if (total-1-i)%2 == 0 {
				alerts = append(alerts, id)
			}
		}
		tests := []struct {
			name  string
			limit int
			want  int
		}{
			{"one", 1, 1},
			{"three", 3, 3},
			{"zero means default", 0, DefaultActivityLimit},
			{"negative means default", -1, DefaultActivityLimit},
			{"most negative", math.MinInt, DefaultActivityLimit},
			{"max", MaxActivityLimit, MaxActivityLimit},
			{"over max is capped", MaxActivityLimit + 1, MaxActivityLimit},
			{"huge is capped", math.MaxInt, MaxActivityLimit},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				recent, err := s.RecentActivity(t.Context(), tt.limit)
				if err != nil {
					t.Fatalf("RecentActivity: %v", err)
				}
				if diff := cmp.Diff(all[:tt.want], ids(recent)); diff != "" {
					t.Errorf("RecentActivity(%d) ids (-want +got):\n%s", tt.limit, diff)
				}
				list, err := s.ListActivity(t.Context(), "alert", "x", tt.limit)
				if err != nil {
					t.Fatalf("ListActivity: %v", err)
				}
				want := alerts[:min(tt.want, len(alerts))]
				if diff := cmp.Diff(want, ids(list)); diff != "" {
					t.Errorf("ListActivity(%d) ids (-want +got):\n%s", tt.limit, diff)
				}
			})
		}
	})

	t.Run("ChangesRoundTrip", func(t *testing.T) {
		s := open(t)
		tests := []struct {
			name    string
			changes []byte
		}{
			{"field change", []byte(`{"status":{"from":"new","to":"resolved"}}`)},
			{"comment", []byte(`{"comment":"Escalated to Tier 2 — see INC-1234 ✓"}`)},
			{"odd spacing and key order kept", []byte("{ \"b\" :1,\n\t\"a\":{\"to\":null , \"from\":2.50} }")},
			{"escapes kept", []byte(`{"comment":"\u00e9\n\"quoted\"\\"}`)},
			{"zero and high bytes", []byte("\x00{\xff}\x00")},
			{"empty", []byte{}},
			{"nil", nil},
			{"1MiB", pattern(1 << 20)},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id := fmt.Sprint("changes-", i)
				a := newActivity("alert", id)
				a.Changes = tt.changes
				added := mustAdd(t, s, a)
				if !bytes.Equal(added.Changes, tt.changes) {
					t.Errorf("AddActivity returned Changes %.60q, want %.60q", added.Changes, tt.changes)
				}
				list, err := s.ListActivity(t.Context(), "alert", id, 1)
				if err != nil || len(list) != 1 {
					t.Fatalf("ListActivity: %d records, %v", len(list), err)
				}
				if !bytes.Equal(list[0].Changes, tt.changes) {
					t.Errorf("Changes read back as %.60q, want %.60q", list[0].Changes, tt.changes)
				}
				if len(tt.changes) == 0 && list[0].Changes != nil {
					t.Errorf("empty Changes read back as %#v, want nil", list[0].Changes)
				}
			})
		}
	})

	t.Run("RecentAcrossResources", func(t *testing.T) {
		s := open(t)
		if got, err := s.RecentActivity(t.Context(), 10); err != nil || len(got) != 0 {
			t.Fatalf("RecentActivity on an empty store: %d records, %v", len(got), err)
		}
		var want []store.Activity
		for i, r := range []string{"alert", "incident", "legacyAlert", "controlProfile", "alert"} {
			a := mustAdd(t, s, vary(newActivity(r, fmt.Sprint(i)), i))
			want = append([]store.Activity{a}, want...)
		}
		got, err := s.RecentActivity(t.Context(), 4)
		if err != nil {
			t.Fatalf("RecentActivity: %v", err)
		}
		if diff := cmp.Diff(want[:4], got); diff != "" {
			t.Errorf("RecentActivity(4) (-want +got):\n%s", diff)
		}
	})
}

// vary changes a by i so that records differ in every free field.
func vary(b store.Activity, i int) store.Activity {
	b.Action = []string{"update", "comment", "assign", "classify", "tag"}[i%5]
	b.ActorName = fmt.Sprintf("%s #%d", b.ActorName, i)
	b.At = b.At.Add(time.Duration(i) * 1500 * time.Microsecond)
	b.RequestID = fmt.Sprintf("%s-%d", b.RequestID, i)
	b.Changes = fmt.Appendf(nil, `{"comment":"note %d"}`, i)
	return b
}

func ids(list []store.Activity) []int64 {
	var out []int64
	for _, a := range list {
		out = append(out, a.ID)
	}
	return out
}
