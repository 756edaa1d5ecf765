package graph

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// alertStore is a fake alerts_v2 collection that answers the cursor's
// queries the way Graph does: lastUpdateDateTime ge, ascending order, $top,
// and a $skip nextLink when more results exist.
type alertStore struct {
	mu       sync.Mutex
	alerts   map[string]time.Time // id → lastUpdateDateTime
	requests []string             // decoded $filter of each request
	fail     func(n int) int      // status to fail request n with (0: answer)
	maxTop   int                  // server-side page cap (0: none)
}

var geRe = regexp.MustCompile(`lastUpdateDateTime ge (\S+)`)

func (s *alertStore) set(id string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.alerts[id] = t
}

func (s *alertStore) handler(t *testing.T, env **testEnv) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		q := r.URL.Query()
		s.requests = append(s.requests, q.Get("$filter"))
		if s.fail != nil {
			if st := s.fail(len(s.requests)); st != 0 {
				w.Header().Set("Retry-After", "1")
				writeGraphError(w, r, st, "TooManyRequests", "throttled")
				return
			}
		}
		if ob := q.Get("$orderby"); ob != "lastUpdateDateTime asc" {
			t.Errorf("$orderby %q", ob)
		}
		var from time.Time
		if m := geRe.FindStringSubmatch(q.Get("$filter")); m != nil {
			var err error
			if from, err = time.Parse(time.RFC3339Nano, m[1]); err != nil {
				t.Errorf("bad literal %q", m[1])
			}
		}
		type item struct {
			id string
			t  time.Time
		}
		var items []item
		for id, at := range s.alerts {
			if !at.Before(from) {
				items = append(items, item{id, at})
			}
		}
		slices.SortFunc(items, func(a, b item) int {
			if c := a.t.Compare(b.t); c != 0 {
				return c
			}
			return cmp.Compare(a.id, b.id)
		})
		top, _ := strconv.Atoi(q.Get("$top"))
		if s.maxTop > 0 && top > s.maxTop {
			top = s.maxTop
		}
		skip, _ := strconv.Atoi(q.Get("$skip"))
		items = items[min(skip, len(items)):]
		var next string
		if top > 0 && len(items) > top {
			items = items[:top]
			nq := r.URL.Query()
			nq.Set("$skip", strconv.Itoa(skip+top))
			next = (*env).srv.URL + r.URL.Path + "?" + nq.Encode()
		}
		var out []string
		for _, it := range items {
			out = append(out, fmt.Sprintf(`{"id":%q,"status":"new","severity":"low","serviceSource":"microsoftDefenderForEndpoint","lastUpdateDateTime":%q,"evidence":[],"comments":[]}`,
				it.id, it.t.Format("2006-01-02T15:04:05.0000000Z")))
		}
		body := `{"value":[` + strings.Join(out, ",") + `]`
		if next != "" {
			nb, _ := json.Marshal(next)
			body += `,"@odata.nextLink":` + string(nb)
		}
		writeJSON(w, r, 200, body+"}")
	}
}

func newStore(t *testing.T, alerts map[string]time.Time, mods ...func(*Options)) (*alertStore, *testEnv) {
	s := &alertStore{alerts: alerts}
	var env *testEnv
	env = newEnv(t, s.handler(t, &env), mods...)
	return s, env
}

// at is a timestamp with Graph's 7-digit precision.
func at(sec int, frac int) time.Time {
	return time.Date(2026, 3, 1, 10, 0, sec, frac*100, time.UTC)
}

func pollAll(t *testing.T, c *AlertCursor) ([]string, error) {
	t.Helper()
	var got []string
	for a, err := range c.Poll(context.Background()) {
		if err != nil {
			return got, err
		}
		got = append(got, a.ID+"@"+a.LastUpdateDateTime.Format("05.0000000"))
	}
	return got, nil
}

func TestCursorSharedBoundaryTimestamp(t *testing.T) {
	// Six alerts, three of them sharing the timestamp where a page of 2
	// ends: a page-size-2 walk must deliver each exactly once.
	_, env := newStore(t, map[string]time.Time{
		"a": at(1, 1234567), "b": at(2, 0), "c": at(2, 0), "d": at(2, 0), "e": at(3, 0), "f": at(4, 5),
	})
	c, err := env.c.Alerts.NewCursor(CursorState{}, CursorOptions{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	got, err := pollAll(t, c)
	if err != nil {
		t.Fatal(err)
	}
	want := "a@01.1234567,b@02.0000000,c@02.0000000,d@02.0000000,e@03.0000000,f@04.0000005"
	if strings.Join(got, ",") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, ","), want)
	}
	if st := c.State(); !st.Since.Equal(at(4, 5)) || len(st.Seen) != 1 || st.Seen[0].ID != "f" {
		t.Errorf("state %+v", st)
	}
	// Nothing new: the next poll delivers nothing.
	if again, err := pollAll(t, c); err != nil || len(again) != 0 {
		t.Errorf("second poll %v %v", again, err)
	}
}

func TestCursorTimeBoundaryQueries(t *testing.T) {
	s, env := newStore(t, map[string]time.Time{"a": at(1, 0), "b": at(2, 0), "c": at(3, 0), "d": at(4, 0), "e": at(5, 0)})
	c, _ := env.c.Alerts.NewCursor(CursorState{Since: at(1, 0)}, CursorOptions{PageSize: 2, Filter: Eq("severity", String("low"))})
	got, err := pollAll(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Errorf("got %v", got)
	}
	wantReqs := []string{
		"lastUpdateDateTime ge 2026-03-01T10:00:01Z and severity eq 'low'",
		"lastUpdateDateTime ge 2026-03-01T10:00:02Z and severity eq 'low'",
		"lastUpdateDateTime ge 2026-03-01T10:00:03Z and severity eq 'low'",
		"lastUpdateDateTime ge 2026-03-01T10:00:04Z and severity eq 'low'",
	}
	if strings.Join(s.requests, "\n") != strings.Join(wantReqs, "\n") {
		t.Errorf("queries:\n%s", strings.Join(s.requests, "\n"))
	}
	for _, r := range s.requests {
		if strings.Contains(r, "$skip") {
			t.Errorf("time-boundary paging grew $skip: %s", r)
		}
	}
}

func TestCursorWholePageAtOneTimestamp(t *testing.T) {
	alerts := map[string]time.Time{"z": at(9, 0)}
	for i := range 5 {
		alerts[fmt.Sprintf("t%d", i)] = at(1, 0)
	}
	s, env := newStore(t, alerts)
	c, _ := env.c.Alerts.NewCursor(CursorState{}, CursorOptions{PageSize: 2})
	got, err := pollAll(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "t0@01.0000000,t1@01.0000000,t2@01.0000000,t3@01.0000000,t4@01.0000000,z@09.0000000" {
		t.Errorf("got %v (requests %q)", got, s.requests)
	}
}

func TestCursorResumeFromSavedState(t *testing.T) {
	s, env := newStore(t, map[string]time.Time{"a": at(1, 0), "b": at(2, 0), "c": at(2, 0)})
	c, _ := env.c.Alerts.NewCursor(CursorState{}, CursorOptions{PageSize: 2})
	if got, err := pollAll(t, c); err != nil || len(got) != 3 {
		t.Fatalf("%v %v", got, err)
	}
	saved, err := json.Marshal(c.State())
	if err != nil {
		t.Fatal(err)
	}
	// While "down": a new alert at the boundary timestamp, an update to an
	// old one, and a newer alert.
	s.set("d", at(2, 0))
	s.set("a", at(5, 0))
	s.set("e", at(6, 0))

	var st CursorState
	if err := json.Unmarshal(saved, &st); err != nil {
		t.Fatal(err)
	}
	c2, err := env.c.Alerts.NewCursor(st, CursorOptions{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	got, err := pollAll(t, c2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "d@02.0000000,a@05.0000000,e@06.0000000" {
		t.Errorf("after restart: %v", got)
	}
}

func TestCursorBreakRedeliversCurrentItem(t *testing.T) {
	_, env := newStore(t, map[string]time.Time{"a": at(1, 0), "b": at(2, 0), "c": at(3, 0)})
	c, _ := env.c.Alerts.NewCursor(CursorState{}, CursorOptions{})
	var first []string
	for a, err := range c.Poll(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		first = append(first, a.ID)
		if a.ID == "b" {
			break
		}
	}
	rest, err := pollAll(t, c)
	if err != nil || strings.Join(first, ",") != "a,b" || strings.Join(rest, ",") != "b@02.0000000,c@03.0000000" {
		t.Errorf("first %v rest %v err %v", first, rest, err)
	}
}

func TestCursorRecoversAfterThrottling(t *testing.T) {
	alerts := map[string]time.Time{}
	for i := range 7 {
		alerts[fmt.Sprintf("a%d", i)] = at(i, 0)
	}
	s, env := newStore(t, alerts, func(o *Options) { o.Retry.MaxAttempts = 2 })
	throttling := true
	s.fail = func(n int) int {
		// The second query of the poll is throttled beyond the retry budget.
		if throttling && n >= 2 {
			return 429
		}
		return 0
	}
	c, _ := env.c.Alerts.NewCursor(CursorState{}, CursorOptions{PageSize: 3})
	got, err := pollAll(t, c)
	if !errors.Is(err, ErrThrottled) {
		t.Fatalf("err = %v", err)
	}
	if len(got) != 3 {
		t.Fatalf("delivered %v before the throttle", got)
	}
	if w := env.sleep.recorded(); len(w) != 1 || w[0] != time.Second {
		t.Errorf("retry waits %v", w)
	}
	s.mu.Lock()
	throttling = false
	s.mu.Unlock()
	rest, err := pollAll(t, c)
	if err != nil {
		t.Fatal(err)
	}
	all := append(got, rest...)
	if len(all) != 7 {
		t.Errorf("after recovery: %v", all)
	}
	for i, id := range all {
		if !strings.HasPrefix(id, fmt.Sprintf("a%d@", i)) {
			t.Errorf("item %d is %s: gap or repeat", i, id)
		}
	}
}

func TestCursorServerCapsPageSize(t *testing.T) {
	alerts := map[string]time.Time{}
	for i := range 10 {
		alerts[fmt.Sprintf("a%02d", i)] = at(i, 0)
	}
	s, env := newStore(t, alerts)
	s.maxTop = 3
	c, _ := env.c.Alerts.NewCursor(CursorState{}, CursorOptions{PageSize: 100})
	got, err := pollAll(t, c)
	if err != nil || len(got) != 10 {
		t.Errorf("%v %v", got, err)
	}
}

func TestCursorOverlapCatchesLateItems(t *testing.T) {
	for _, overlap := range []time.Duration{0, 15 * time.Second} {
		t.Run(overlap.String(), func(t *testing.T) {
			s, env := newStore(t, map[string]time.Time{"a": at(10, 0), "b": at(20, 0), "c": at(30, 0)})
			c, _ := env.c.Alerts.NewCursor(CursorState{}, CursorOptions{Overlap: overlap})
			if got, err := pollAll(t, c); err != nil || len(got) != 3 {
				t.Fatalf("%v %v", got, err)
			}
			// An update that became visible late, stamped before the cursor.
			s.set("late", at(25, 0))
			got, err := pollAll(t, c)
			if err != nil {
				t.Fatal(err)
			}
			want := ""
			if overlap > 0 {
				want = "late@25.0000000"
			}
			if strings.Join(got, ",") != want {
				t.Errorf("got %v, want %q", got, want)
			}
			if overlap > 0 {
				if st := c.State(); len(st.Seen) != 3 { // b, late, c are inside the window
					t.Errorf("seen %+v", st.Seen)
				}
			}
		})
	}
}

func TestCursorMaxSeen(t *testing.T) {
	alerts := map[string]time.Time{}
	for i := range 6 {
		alerts[fmt.Sprintf("a%d", i)] = at(i, 0)
	}
	_, env := newStore(t, alerts)
	c, _ := env.c.Alerts.NewCursor(CursorState{}, CursorOptions{Overlap: time.Hour, MaxSeen: 2})
	if got, err := pollAll(t, c); err != nil || len(got) != 6 {
		t.Fatalf("%v %v", got, err)
	}
	st := c.State()
	if len(st.Seen) != 2 || st.Seen[0].ID != "a4" || st.Seen[1].ID != "a5" {
		t.Errorf("kept %+v", st.Seen)
	}
}

func TestCursorBusy(t *testing.T) {
	_, env := newStore(t, map[string]time.Time{"a": at(1, 0)})
	c, _ := env.c.Alerts.NewCursor(CursorState{}, CursorOptions{})
	for _, err := range c.Poll(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		_, err := pollAll(t, c)
		if !errors.Is(err, ErrCursorBusy) {
			t.Errorf("nested poll: %v", err)
		}
	}
	if _, err := pollAll(t, c); err != nil {
		t.Errorf("poll after the busy one: %v", err)
	}
}

func TestNewCursorValidation(t *testing.T) {
	c, _ := New(Options{})
	tests := []struct {
		name string
		st   CursorState
		opts CursorOptions
	}{
		{"negative overlap", CursorState{}, CursorOptions{Overlap: -time.Second}},
		{"bad filter", CursorState{}, CursorOptions{Filter: Eq("a b", Int(1))}},
		{"seen without id", CursorState{Seen: []CursorKey{{}}}, CursorOptions{}},
		{"too many seen", CursorState{Seen: []CursorKey{{ID: "a"}, {ID: "b"}}}, CursorOptions{MaxSeen: 1}},
	}
	for _, tt := range tests {
		if _, err := c.Alerts.NewCursor(tt.st, tt.opts); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	cur, err := c.Alerts.NewCursor(CursorState{Since: at(2, 1234567), Seen: []CursorKey{{ID: "a", LastUpdateDateTime: at(1, 0)}, {ID: "a", LastUpdateDateTime: at(2, 0)}}},
		CursorOptions{Overlap: time.Second, Filter: Eq("severity", String("high"))})
	if err != nil {
		t.Fatal(err)
	}
	if st := cur.State(); len(st.Seen) != 1 || !st.Seen[0].LastUpdateDateTime.Equal(at(2, 0)) {
		t.Errorf("duplicate keys not merged: %+v", st.Seen)
	}
	r, err := cur.PollRequest()
	if err != nil {
		t.Fatal(err)
	}
	want := "GET https://graph.microsoft.com/v1.0/security/alerts_v2?$filter=lastUpdateDateTime%20ge%202026-03-01T10:00:01.1234567Z%20and%20severity%20eq%20'high'&$orderby=lastUpdateDateTime%20asc&$top=500"
	if r.String() != want {
		t.Errorf("got  %s\nwant %s", r, want)
	}
}
