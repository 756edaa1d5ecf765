package delivery

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/graphapi"
	"github.com/graphsec/graphsec/emulator/model"
	"github.com/graphsec/graphsec/emulator/odata"
)

// bits hands out small numbers from fuzz input (zeros once it runs out).
type bits struct {
	b []byte
	i int
}

func (s *bits) n(k int) int {
	if s.i >= len(s.b) || k <= 1 {
		s.i++
		return 0
	}
	v := int(s.b[s.i]) % k
	s.i++
	return v
}

func (s *bits) pick(list ...string) string { return list[s.n(len(list))] }

// Small vocabularies, so that random filters and random alerts meet.
var (
	fuzzSeverities = []string{"unknown", "informational", "low", "medium", "high"}
	fuzzStatuses   = []string{"unknown", "newAlert", "inProgress", "resolved"}
	fuzzProviders  = []string{"ASC", "MCAS", "IPC", "Azure Sentinel"}
	fuzzWords      = []string{"", "sign", "Sign-in", "malware", "x'y", "é"}
)

// filterExpr builds a legacy alert filter from the legacy grammar: enum
// and string comparisons (any case), in, string functions, numbers,
// null, lambdas over strings and complex collections, and/or/not.
func filterExpr(s *bits, depth int) string {
	if depth > 0 && s.n(3) == 0 {
		l, r := filterExpr(s, depth-1), filterExpr(s, depth-1)
		switch s.n(3) {
		case 0:
			return "(" + l + " and " + r + ")"
		case 1:
			return "(" + l + " or " + r + ")"
		default:
			return "not (" + l + ")"
		}
	}
	q := func(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }
	cmp := []string{"eq", "ne", "gt", "ge", "lt", "le"}
	switch s.n(10) {
	case 0:
		return s.pick("severity", "Severity") + " " + s.pick(cmp...) + " " + q(s.pick(fuzzSeverities...))
	case 1:
		return s.pick("status", "STATUS") + " " + s.pick("eq", "ne") + " " + q(s.pick(fuzzStatuses...))
	case 2:
		return "vendorInformation/" + s.pick("provider", "Provider") + " eq " + q(s.pick(fuzzProviders...))
	case 3:
		return s.pick("startswith", "endswith", "contains") + "(title, " + q(s.pick(fuzzWords...)) + ")"
	case 4:
		return "confidence " + s.pick(cmp...) + " " + strconv.Itoa(s.n(120)-10)
	case 5:
		return "assignedTo " + s.pick("eq", "ne") + " " + s.pick("null", q("analyst@contoso.com"))
	case 6:
		return "tags/" + s.pick("any", "all") + "(t: t eq " + q(s.pick(fuzzWords...)) + ")"
	case 7:
		return "hostStates/any(h: h/fqdn " + s.pick("eq", "ne") + " " + q(s.pick("pc1", "PC1.contoso.com", "")) + ")"
	case 8:
		return "severity in (" + q(s.pick(fuzzSeverities...)) + ", " + q(s.pick(fuzzSeverities...)) + ")"
	default:
		return "title eq " + q(s.pick(fuzzWords...))
	}
}

// fuzzAlert builds a legacy alert in stored form; properties may be
// missing, and title may be of a wrong kind (an int) to exercise the
// engine's tolerance.
func fuzzAlert(s *bits, id string) odata.Object {
	a := odata.Object{"id": id, "severity": s.pick(fuzzSeverities...), "status": s.pick(fuzzStatuses...)}
	if s.n(4) > 0 {
		a["vendorInformation"] = odata.Object{"provider": s.pick(fuzzProviders...), "vendor": "Microsoft"}
	}
	switch s.n(4) {
	case 0:
	case 1:
		a["title"] = int64(7)
	default:
		a["title"] = s.pick(fuzzWords...)
	}
	if s.n(2) == 0 {
		a["confidence"] = int64(s.n(101))
	}
	if s.n(2) == 0 {
		a["assignedTo"] = "analyst@contoso.com"
	}
	var tags []any
	for range s.n(3) {
		tags = append(tags, s.pick(fuzzWords...))
	}
	if tags != nil {
		a["tags"] = tags
	}
	var hosts []any
	for range s.n(3) {
		hosts = append(hosts, odata.Object{"fqdn": s.pick("pc1", "PC1.contoso.com", "srv")})
	}
	if hosts != nil {
		a["hostStates"] = hosts
	}
	return a
}

type okTransport struct{}

func (okTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusAccepted, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
}

// FuzzDeliveryDecision: for a random filter subscription (or a single
// alert one) and a random change to a random alert, a notification is
// queued exactly when the subscription asked for the change type and its
// filter matches the alert's new version; nothing panics.
func FuzzDeliveryDecision(f *testing.F) {
	f.Add([]byte{0, 4, 1, 2, 3}, []byte{4, 1, 1, 2, 0, 1}, []byte{4, 3, 1}, uint8(1), uint8(3))
	f.Add([]byte{0, 0, 1, 0, 0, 4, 1, 1}, []byte{2, 2, 0}, []byte{}, uint8(0), uint8(1))
	f.Add([]byte{0, 2, 0, 6, 0, 2, 7, 1, 1}, []byte{1, 1, 2, 2, 1, 1, 1, 2, 1, 0}, []byte{3, 3, 3, 3}, uint8(2), uint8(2))
	f.Add([]byte{9, 9, 9}, []byte{0}, []byte{255, 255}, uint8(7), uint8(255))
	legacy := model.Graph().LegacyAlert
	h := newHarness(f, Options{Client: &http.Client{Transport: okTransport{}}})
	now := h.clock.Now()

	f.Fuzz(func(t *testing.T, filterBits, oldBits, newBits []byte, kind, types uint8) {
		s := &bits{b: filterBits}
		expr := filterExpr(s, 3)
		q, err := odata.ParseQuery("$filter="+strings.ReplaceAll(expr, "%", "%25"), odata.Spec{Type: legacy, Allow: odata.OptFilter, Limits: odata.DefaultLimits()})
		if err != nil {
			// The grammar only makes valid filters; an error means the
			// generator or the engine disagree about the language.
			t.Fatalf("filter %q: %v", expr, err)
		}
		changeTypes := []string{"created", "updated", "deleted"}
		var wants []string
		for i, ct := range changeTypes {
			if types&(1<<i) != 0 {
				wants = append(wants, ct)
			}
		}
		if len(wants) == 0 {
			wants = []string{"updated"}
		}
		sub := graphapi.Subscription{
			ID: "fuzz-sub", ChangeTypes: wants, Filter: q.Filter, NotificationURL: "https://receiver.example/hook",
			ExpirationDateTime: now.Add(time.Hour), ApplicationID: testApp, TenantID: testTenant,
			CreatedDateTime: now, LastReauthorizedDateTime: now,
		}
		if kind&4 != 0 {
			sub.Filter, sub.AlertID = nil, "A-1"
		}
		old := fuzzAlert(&bits{b: oldBits}, "a-1")
		doc := fuzzAlert(&bits{b: newBits}, "a-1")
		typ := []change.Type{change.Created, change.Updated, change.Updated}[int(kind)%3]
		if typ == change.Created {
			old = nil
		}
		want := sub.Wants(string(typ)) && (sub.Filter == nil || q.Filter.Match(doc))

		h.subs.Put(sub)
		h.d.mu.Lock()
		before := h.d.nextID
		h.d.mu.Unlock()
		h.d.Publish(change.Event{Resource: change.LegacyAlerts, ID: "a-1", Type: typ, Doc: doc, Old: old, At: now})
		h.d.step(false)
		h.d.mu.Lock()
		queued := h.d.nextID - before
		h.d.mu.Unlock()
		if got := queued == 1; got != want || queued > 1 {
			t.Fatalf("filter %q, %s %v -> %v: %d notifications, want %v", expr, typ, old, doc, queued, want)
		}
	})
}

// FuzzPayload: whatever the ids and clientState hold (quotes, control
// characters, invalid UTF-8, slashes), a notification collection is valid
// JSON carrying them, and the resource path is the escaped id.
func FuzzPayload(f *testing.F) {
	f.Add("da637551227677560813_-961444813", "secret", "sub-1")
	f.Add(`a"b\c`, "\x00\u2028<script>", "é/../x")
	f.Add("\xff\xfe", "", "?#")
	now := time.Date(2026, 11, 20, 9, 30, 0, 123456789, time.UTC)
	f.Fuzz(func(t *testing.T, alertID, clientState, subID string) {
		s := &graphapi.Subscription{ID: subID, ClientState: clientState, TenantID: testTenant, ExpirationDateTime: now}
		items := []*item{
			{body: appendChange(nil, "n-1", s, "updated", alertID)},
			{body: appendLifecycle(nil, s, ReauthorizationRequired)},
		}
		raw := appendCollection(nil, items)
		var got struct {
			Value []map[string]any `json:"value"`
		}
		if err := json.Unmarshal(raw, &got); err != nil || len(got.Value) != 2 {
			t.Fatalf("invalid collection %q: %v", raw, err)
		}
		// Each byte of invalid UTF-8 becomes U+FFFD, as encoding/json does.
		valid := func(s string) string {
			var b strings.Builder
			for i := 0; i < len(s); {
				r, n := utf8.DecodeRuneInString(s[i:])
				if r == utf8.RuneError && n == 1 {
					b.WriteRune(utf8.RuneError)
				} else {
					b.WriteString(s[i : i+n])
				}
				i += n
			}
			return b.String()
		}
		n, l := got.Value[0], got.Value[1]
		if n["resource"] != "security/alerts/"+valid(url.PathEscape(alertID)) || n["subscriptionId"] != valid(subID) {
			t.Fatalf("notification %v", n)
		}
		rd, _ := n["resourceData"].(map[string]any)
		if rd["id"] != valid(alertID) {
			t.Fatalf("resourceData %v", rd)
		}
		want := any(valid(clientState))
		if clientState == "" {
			want = nil
		}
		if n["clientState"] != want || l["clientState"] != want || l["subscriptionExpirationDateTime"] != "2026-11-20T09:30:00.1234567Z" {
			t.Fatalf("clientState %v / %v, lifecycle %v", n["clientState"], l["clientState"], l)
		}
	})
}
