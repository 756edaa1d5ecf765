package queuefilter

import (
	"slices"
	"testing"
)

// The incident queue's own fields: the search and the tags are applied
// locally (no $filter, no $count), the dates and the sort reach Graph,
// the page size never exceeds Graph's 50, and everything round-trips
// through the query string.
func TestIncidentQueueFilter(t *testing.T) {
	f := Incidents{Severity: []string{"high"}, Status: DefaultIncidentStatuses(), CreatedFrom: "2026-11-01", UpdatedTo: "2026-11-30", Top: 100}
	q := f.Query("me@contoso.com")
	if got, want := q.Filter.String(), "severity eq 'high' and status in ('active','inProgress') and createdDateTime ge 2026-11-01T00:00:00Z and lastUpdateDateTime lt 2026-12-01T00:00:00Z"; got != want {
		t.Errorf("Filter = %q, want %q", got, want)
	}
	if q.Top != 50 || !q.Count || !slices.Equal(q.OrderBy, []string{DefaultIncidentSort}) {
		t.Errorf("query %+v: want $top=50, $count, the default order", q.Query)
	}
	f.Sort, f.Top = "severity asc", 0
	if q := f.Query(""); q.Top != DefaultTop || !slices.Equal(q.OrderBy, []string{"severity asc"}) {
		t.Errorf("query %+v", q.Query)
	}

	local := Incidents{Q: "multi stage", CustomTags: []string{"vip"}, SystemTags: []string{"Ransomware", "BEC"}}
	if !local.Local() || local.Query("").Count || local.Query("").Filter.String() != "" {
		t.Errorf("a local filter reaches Graph: %+v", local.Query(""))
	}
	for _, tt := range []struct {
		id, name       string
		custom, system []string
		keep           bool
	}{
		{"1", "Multi-stage incident", []string{"VIP"}, []string{"BEC"}, true},
		{"2", "Multi-stage incident", []string{"Finance"}, []string{"BEC"}, false},
		{"3", "Multi-stage incident", []string{"VIP"}, nil, false},
		{"4", "Phishing", []string{"VIP"}, []string{"Ransomware"}, false},
	} {
		if got := local.Keeps(tt.id, tt.name, tt.custom, tt.system); got != tt.keep {
			t.Errorf("Keeps(%s %q %v %v) = %v", tt.id, tt.name, tt.custom, tt.system, got)
		}
	}
	if !(Incidents{Q: "42"}).Keeps("42", "Anything", nil, nil) {
		t.Error("the search as the incident's id does not keep it")
	}

	v := Incidents{CustomTags: []string{"VIP", "東京オフィス"}, SystemTags: []string{"BEC"}, Q: "x", UpdatedFrom: "2026-11-02", Sort: "id asc", Top: 10}.Values()
	if !slices.Equal(v["customTags"], []string{"VIP", "東京オフィス"}) || v.Get("systemTags") != "BEC" || v.Get("q") != "x" ||
		v.Get("updatedFrom") != "2026-11-02" || v.Get("sort") != "id asc" || v.Get("top") != "10" {
		t.Errorf("Values = %v", v)
	}
	for _, s := range []string{"id asc", "displayName desc", "priorityScore desc", "lastUpdateDateTime asc"} {
		if !ValidIncidentSort(s) {
			t.Errorf("%q is refused", s)
		}
	}
	for _, s := range []string{"title asc", "severity", "assignedTo desc", "severity up"} {
		if ValidIncidentSort(s) {
			t.Errorf("%q is accepted", s)
		}
	}
}
