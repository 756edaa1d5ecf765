package queuefilter

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/graphsec/graphsec/graph"
)

func TestParseAlerts(t *testing.T) {
	tests := []struct {
		name       string
		query      string
		wantFilter string
		wantErrs   map[string]string // field → part of its message
	}{
		{"empty: the queue's default statuses", "", "status in ('new','inProgress')", nil},
		{"any status", "status=", "", nil},
		{"queue filter", "severity=high&status=new&assignedToMe=1", "severity eq 'high' and status eq 'new' and assignedTo eq 'me@contoso.com'", nil},
		{"ip and file", "status=&ip=10.0.0.5&sha256=abc", "evidence/any(e: e/microsoft.graph.security.ipEvidence/ipAddress eq '10.0.0.5') and evidence/any(e: e/microsoft.graph.security.fileEvidence/fileDetails/sha256 eq 'abc' or e/microsoft.graph.security.processEvidence/imageFile/sha256 eq 'abc')", nil},
		{"repeated and comma-separated", "status=&severity=high,medium&severity=low,high", "severity in ('high','medium','low')", nil},
		{"evidence and dates", "status=&device=pc1&user=a@b.c&updatedFrom=2026-11-01&updatedTo=2026-11-02",
			"evidence/any(e: e/microsoft.graph.security.deviceEvidence/deviceDnsName eq 'pc1') and evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'a@b.c') and lastUpdateDateTime ge 2026-11-01T00:00:00Z and lastUpdateDateTime lt 2026-11-03T00:00:00Z", nil},
		{"category and search are graphsec's", "status=&category=Malware&q=powershell", "", nil},
		{"unknown severity", "severity=high,bogus", "severity eq 'high'", map[string]string{"severity": `"bogus" is not a severity`}},
		{"sort", "sort=name+desc", "", map[string]string{"sort": "not a sort order"}},
		{"unknown status member", "status=unknown", "", map[string]string{"status": "is not a status"}},
		{"bad dates", "createdFrom=2026-13-01&updatedFrom=2026-11-05&updatedTo=2026-11-01", "", map[string]string{
			"createdFrom": "Enter a date", "updatedTo": `This is before "updatedFrom"`}},
		{"control character", "device=a%01b", "", map[string]string{"device": "control character"}},
		{"too long", "user=" + strings.Repeat("u", 300), "", map[string]string{"user": "too long"}},
		{"top", "top=0", "", map[string]string{"top": "from 1 to 1000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			f, errs := ParseAlerts(q)
			if len(errs) != len(tt.wantErrs) {
				t.Errorf("errors %v, want %v", errs, tt.wantErrs)
			}
			for k, want := range tt.wantErrs {
				if !strings.Contains(errs[k], want) {
					t.Errorf("error for %s = %q, want it to contain %q", k, errs[k], want)
				}
			}
			if len(errs) > 0 {
				return
			}
			if got := f.Filter("me@contoso.com").String(); got != tt.wantFilter {
				t.Errorf("Filter = %q\nwant     %q", got, tt.wantFilter)
			}
		})
	}
}

func TestAlertsKeepsAndQuery(t *testing.T) {
	f, _ := ParseAlerts(url.Values{"category": {"malware"}, "top": {"50"}, "sort": {"createdDateTime desc"}})
	if !f.Keeps("a1", "x", "Malware") || f.Keeps("a1", "x", "Execution") || !(Alerts{}).Keeps("a1", "x", "anything") {
		t.Error("Keeps does not compare category without regard to case")
	}
	s := Alerts{Q: "Suspicious PowerShell"}
	if !s.Keeps("a1", "Suspicious encoded PowerShell command", "") || s.Keeps("a1", "Suspicious sign-in", "") ||
		!(Alerts{Q: "da63_1"}).Keeps("da63_1", "anything", "") {
		t.Error("Keeps does not search the title's words, or the id")
	}
	q := f.Query("")
	if q.Top != 50 || q.Count || !cmp.Equal(q.OrderBy, []string{"createdDateTime desc"}) {
		t.Errorf("Query = %+v: $count must be off when graphsec filters category", q)
	}
}

func TestParseIncidents(t *testing.T) {
	q, _ := url.ParseQuery("severity=high&status=active,inProgress&assignedTo=bob")
	f, errs := ParseIncidents(q)
	if errs != nil {
		t.Fatal(errs)
	}
	if got, want := f.Filter("").String(), "severity eq 'high' and status in ('active','inProgress') and assignedTo eq 'bob'"; got != want {
		t.Errorf("Filter = %q, want %q", got, want)
	}
	if _, errs := ParseIncidents(url.Values{"status": {"new"}}); !strings.Contains(errs["status"], "is not a status of incidents") {
		t.Errorf("an alert status on incidents: %v", errs)
	}
}

func TestParseLegacy(t *testing.T) {
	tests := []struct {
		name         string
		query        string
		want         Legacy
		wantResource string
		wantErr      string // field
	}{
		{"the sample's spelling", "severity=High&status=NewAlert&provider=ASC", Legacy{Provider: "ASC", Severity: graph.LegacyAlertSeverityHigh, Status: graph.LegacyAlertStatusNewAlert},
			"security/alerts?$filter=vendorInformation/provider eq 'ASC' and status eq 'newAlert' and severity eq 'high'", ""},
		{"category any case", "category=MALWARE", Legacy{Category: "malware"}, "security/alerts?$filter=category eq 'malware'", ""},
		{"host and user", "hostFqdn=pc1.contoso.com&upn=a@contoso.com", Legacy{HostFQDN: "pc1.contoso.com", UPN: "a@contoso.com"},
			"security/alerts?$filter=hostStates/any(a: a/fqdn eq 'pc1.contoso.com') and userStates/any(a: a/userPrincipalName eq 'a@contoso.com')", ""},
		{"one alert", "alertId=abc/1", Legacy{AlertID: "abc/1"}, "security/alerts/abc%2F1", ""},
		{"nothing", "top=5", Legacy{}, "", "form"},
		{"id and filter", "alertId=x&severity=high", Legacy{}, "", "form"},
		{"unknown severity", "severity=Critical", Legacy{}, "", "severity"},
		{"unknown member", "status=unknown", Legacy{}, "", "status"},
		{"unknown category", "category=phishy", Legacy{}, "", "category"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			f, errs := ParseLegacy(q)
			if tt.wantErr != "" {
				if errs[tt.wantErr] == "" {
					t.Errorf("no error for %s: %v", tt.wantErr, errs)
				}
				return
			}
			if errs != nil {
				t.Fatal(errs)
			}
			if f != tt.want {
				t.Errorf("ParseLegacy = %+v, want %+v", f, tt.want)
			}
			if res, err := f.Resource(); err != nil || res != tt.wantResource {
				t.Errorf("Resource = %q, %v; want %q", res, err, tt.wantResource)
			}
		})
	}
}

// roundTrip checks what every parser promises: it never panics, a filter
// without mistakes builds without error, and its query string reads back
// as the same filter.
func FuzzParseAlerts(f *testing.F) {
	for _, s := range []string{"", "severity=high&status=new&assignedToMe=1", "severity=high,low&device=a'b&user=%00",
		"createdFrom=2026-01-01&createdTo=2025-01-01", "top=1000&sort=createdDateTime%20desc&category=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		a, errs := ParseAlerts(q)
		if len(errs) > 0 {
			return
		}
		if err := a.Filter("me").Err(); err != nil {
			t.Fatalf("%q: filter error %v", raw, err)
		}
		back, errs := ParseAlerts(a.Values())
		if len(errs) > 0 || !cmp.Equal(a, back, cmpopts.EquateEmpty()) {
			t.Fatalf("%q: round trip %+v → %v → %+v (%v)", raw, a, a.Values(), back, errs)
		}
	})
}

func FuzzParseLegacy(f *testing.F) {
	for _, s := range []string{"severity=High", "alertId=x", "provider=ASC&upn=a%27b", "category=MALWARE&status=newalert"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		l, errs := ParseLegacy(q)
		if len(errs) > 0 {
			return
		}
		if _, err := l.Resource(); err != nil && l.AlertID == "" {
			t.Fatalf("%q: resource error %v", raw, err)
		}
		if err := l.Filter().Err(); err != nil {
			t.Fatalf("%q: filter error %v", raw, err)
		}
		back, errs := ParseLegacy(l.Values())
		if len(errs) > 0 || back != l {
			t.Fatalf("%q: round trip %+v → %+v (%v)", raw, l, back, errs)
		}
	})
}

func FuzzParseIncidents(f *testing.F) {
	f.Add("severity=high&status=active&assignedToMe=1")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		i, errs := ParseIncidents(q)
		if len(errs) > 0 {
			return
		}
		if err := i.Filter("me").Err(); err != nil {
			t.Fatalf("%q: filter error %v", raw, err)
		}
		back, errs := ParseIncidents(i.Values())
		if len(errs) > 0 || !cmp.Equal(i, back, cmpopts.EquateEmpty()) {
			t.Fatalf("%q: round trip %+v → %+v", raw, i, back)
		}
	})
}
