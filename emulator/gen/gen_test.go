package gen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/model"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/emulator/tenant"
)

var testNow = time.Date(2026, 11, 27, 9, 30, 15, 123456789, time.UTC)

var testSeeds = []int64{1, 2, 42, -7, 20261127}

func mustGenerate(t testing.TB, c Config) Dataset {
	t.Helper()
	if c.Now.IsZero() {
		c.Now = testNow
	}
	ds, err := Generate(c)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", c, err)
	}
	return ds
}

func str(o odata.Object, k string) string { s, _ := o[k].(string); return s }

func tm(t testing.TB, o odata.Object, k string) time.Time {
	t.Helper()
	v, ok := o[k].(odata.Time)
	if !ok {
		t.Fatalf("%s: %T is not odata.Time (id %v)", k, o[k], o["id"])
	}
	return v.Time
}

func list(o odata.Object, k string) []any { l, _ := o[k].([]any); return l }

// walkStrings calls f for every string in v, recursively.
func walkStrings(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case []any:
		for _, e := range x {
			walkStrings(e, f)
		}
	case odata.Object:
		for k, e := range x {
			f(k)
			walkStrings(e, f)
		}
	}
}

func TestEveryObjectValidates(t *testing.T) {
	s := model.Graph()
	for _, seed := range testSeeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			ds := mustGenerate(t, Config{Seed: seed})
			sets := []struct {
				name string
				objs []odata.Object
				typ  *odata.Type
			}{
				{"LegacyAlerts", ds.LegacyAlerts, s.LegacyAlert},
				{"Alerts", ds.Alerts, s.Alert},
				{"Incidents", ds.Incidents, s.Incident},
				{"SecureScores", ds.SecureScores, s.SecureScore},
				{"ControlProfiles", ds.ControlProfiles, s.ControlProfile},
				{"SecurityActions", ds.SecurityActions, s.SecurityAction},
			}
			for _, set := range sets {
				if len(set.objs) == 0 {
					t.Errorf("%s is empty", set.name)
				}
				for i, o := range set.objs {
					if err := odata.Validate(o, set.typ); err != nil {
						t.Fatalf("%s[%d] (%v): %v", set.name, i, o["id"], err)
					}
				}
			}
			for _, u := range ds.Users {
				if err := odata.Validate(UserObject(u), s.User); err != nil {
					t.Fatalf("user %s: %v", u.UserPrincipalName, err)
				}
			}
		})
	}
}

func TestSizesHonourConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want [6]int // users, legacy, alerts, profiles, actions, scores
	}{
		{"defaults", Config{}, [6]int{DefaultUsers, DefaultLegacyAlerts, DefaultAlerts, ControlCatalogSize(), DefaultSecurityActions, 90}},
		{"small", Config{Users: 8, LegacyAlerts: 30, Alerts: 57, ControlProfiles: 25, SecurityActions: 3}, [6]int{8, 30, 57, 25, 3, 90}},
		{"one each", Config{Users: MinUsers, LegacyAlerts: 1, Alerts: 1, SecurityActions: 1}, [6]int{8, 1, 1, ControlCatalogSize(), 1, 90}},
		{"none", Config{LegacyAlerts: None, Alerts: None, SecurityActions: None}, [6]int{DefaultUsers, 0, 0, ControlCatalogSize(), 0, 90}},
		{"many users", Config{Users: 300, Alerts: 50}, [6]int{300, DefaultLegacyAlerts, 50, ControlCatalogSize(), DefaultSecurityActions, 90}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := mustGenerate(t, tt.cfg)
			got := [6]int{len(ds.Users), len(ds.LegacyAlerts), len(ds.Alerts), len(ds.ControlProfiles), len(ds.SecurityActions), len(ds.SecureScores)}
			if got != tt.want {
				t.Fatalf("sizes = %v, want %v", got, tt.want)
			}
			if (len(ds.Alerts) == 0) != (len(ds.Incidents) == 0) {
				t.Fatalf("%d alerts but %d incidents", len(ds.Alerts), len(ds.Incidents))
			}
			for _, c := range [][]odata.Object{ds.Alerts, ds.Incidents, ds.LegacyAlerts, ds.SecurityActions} {
				if c == nil {
					t.Fatal("nil collection: an empty one must be non-nil")
				}
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string
	}{
		{"no now", Config{Now: time.Time{}}, "Now"},
		{"too few users", Config{Now: testNow, Users: 7}, "Users"},
		{"too many users", Config{Now: testNow, Users: MaxUsers + 1}, "Users"},
		{"negative users", Config{Now: testNow, Users: None}, "Users"},
		{"negative alerts", Config{Now: testNow, Alerts: -2}, "Alerts"},
		{"too many alerts", Config{Now: testNow, Alerts: MaxAlerts + 1}, "Alerts"},
		{"too many legacy", Config{Now: testNow, LegacyAlerts: MaxLegacyAlerts + 1}, "LegacyAlerts"},
		{"too few profiles", Config{Now: testNow, ControlProfiles: 24}, "ControlProfiles"},
		{"too many profiles", Config{Now: testNow, ControlProfiles: ControlCatalogSize() + 1}, "ControlProfiles"},
		{"no profiles", Config{Now: testNow, ControlProfiles: None}, "ControlProfiles"},
		{"too many actions", Config{Now: testNow, SecurityActions: MaxSecurityActions + 1}, "SecurityActions"},
		{"bad tenant id", Config{Now: testNow, TenantID: "tenant-1"}, "TenantID"},
		{"bad domain", Config{Now: testNow, Domain: "not a domain"}, "Domain"},
		{"domain without dot", Config{Now: testNow, Domain: "localhost"}, "Domain"},
		{"control chars in name", Config{Now: testNow, TenantName: "evil\nname"}, "TenantName"},
		{"long name", Config{Now: testNow, TenantName: strings.Repeat("x", 300)}, "TenantName"},
		{"year out of range", Config{Now: time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)}, "Now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(tt.cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("New = %v, %v; want a *ConfigError", g, err)
			}
			if ce.Field != tt.field || !strings.Contains(err.Error(), "Config."+tt.field) {
				t.Fatalf("error %q names field %q, want %q", err, ce.Field, tt.field)
			}
			if _, err := Generate(tt.cfg); !errors.As(err, &ce) {
				t.Fatalf("Generate: %v", err)
			}
		})
	}
}

func TestConfigDefaultsAndInputs(t *testing.T) {
	g, err := New(Config{Seed: 3, Now: testNow, TenantID: "3F9D6A7E-52C1-4B8E-9A0D-7C2E41B5F8A6", Domain: "Graphsec-Demo.onmicrosoft.com", TenantName: "graphsec Demo"})
	if err != nil {
		t.Fatal(err)
	}
	c := g.Config()
	if c.TenantID != "3f9d6a7e-52c1-4b8e-9a0d-7c2e41b5f8a6" || c.Domain != "graphsec-demo.onmicrosoft.com" {
		t.Fatalf("tenant not normalised: %q %q", c.TenantID, c.Domain)
	}
	ds := g.Dataset()
	for _, u := range ds.Users {
		if !strings.HasSuffix(u.UserPrincipalName, "@graphsec-demo.onmicrosoft.com") {
			t.Fatalf("UPN %q not in the tenant's domain", u.UserPrincipalName)
		}
	}
	for _, a := range ds.Alerts {
		if str(a, "tenantId") != c.TenantID || !strings.HasSuffix(str(a, "alertWebUrl"), "?tid="+c.TenantID) {
			t.Fatalf("alert %s: tenant %q, url %q", str(a, "id"), str(a, "tenantId"), str(a, "alertWebUrl"))
		}
	}
	d, err := New(Config{Seed: 3, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	dc := d.Config()
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(dc.TenantID) {
		t.Errorf("derived tenant id %q is not a v4 GUID", dc.TenantID)
	}
	if dc.Domain != "harborlinefreight.onmicrosoft.com" || dc.TenantName != DefaultTenantName {
		t.Errorf("derived domain %q, name %q", dc.Domain, dc.TenantName)
	}
	if dc.Users != DefaultUsers || dc.Alerts != DefaultAlerts || dc.ControlProfiles != ControlCatalogSize() {
		t.Errorf("defaults not applied: %+v", dc)
	}
}

func TestDeterminism(t *testing.T) {
	enc := func(ds Dataset) []byte {
		b, err := json.Marshal(ds)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, seed := range testSeeds[:3] {
		cfg := Config{Seed: seed, Now: testNow, Alerts: 150, LegacyAlerts: 60}
		a, b := enc(mustGenerate(t, cfg)), enc(mustGenerate(t, cfg))
		if !bytes.Equal(a, b) {
			t.Fatalf("seed %d: two runs differ", seed)
		}
		cfg.Seed++
		if c := enc(mustGenerate(t, cfg)); bytes.Equal(a, c) {
			t.Fatalf("seed %d and %d give the same data", seed, seed+1)
		}
	}
	// The generators continue the same stream after the dataset.
	g1, _ := New(Config{Seed: 5, Now: testNow, Alerts: 20})
	g2, _ := New(Config{Seed: 5, Now: testNow, Alerts: 20})
	later := testNow.Add(time.Hour)
	for i := 0; i < 5; i++ {
		x, _ := json.Marshal([]odata.Object{g1.NewAlert(later, ""), g1.NewLegacyAlert(later)})
		y, _ := json.Marshal([]odata.Object{g2.NewAlert(later, ""), g2.NewLegacyAlert(later)})
		if !bytes.Equal(x, y) {
			t.Fatalf("fresh object %d differs between identical generators", i)
		}
	}
	// A different Now moves every time but keeps the tenant.
	other := mustGenerate(t, Config{Seed: 5, Now: testNow.Add(48 * time.Hour), Alerts: 20})
	same := mustGenerate(t, Config{Seed: 5, Now: testNow, Alerts: 20})
	if other.Users[0].ID != same.Users[0].ID {
		t.Error("Now changed the users")
	}
}

func TestDatasetReturnsCopies(t *testing.T) {
	g, err := New(Config{Seed: 9, Now: testNow, Alerts: 30})
	if err != nil {
		t.Fatal(err)
	}
	d1 := g.Dataset()
	first := d1.Alerts[0]
	d1.Alerts[0] = nil
	d1.Users[0].Roles = append(d1.Users[0].Roles[:0], "changed")
	d2 := g.Dataset()
	if d2.Alerts[0] == nil || str(d2.Alerts[0], "id") != str(first, "id") {
		t.Fatal("Dataset shares its slices")
	}
	if slices.Contains(d2.Users[0].Roles, "changed") {
		t.Fatal("Dataset shares user roles")
	}
}

func TestUsers(t *testing.T) {
	for _, n := range []int{8, 12, 40} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ds := mustGenerate(t, Config{Seed: int64(n), Users: n, Alerts: 300})
			roles := map[string]int{}
			ids, upns := map[string]bool{}, map[string]bool{}
			ja := 0
			upnRE := regexp.MustCompile(`^[a-z]+\.[a-z]+[0-9]*@harborlinefreight\.onmicrosoft\.com$`)
			for _, u := range ds.Users {
				if len(u.Roles) == 0 {
					roles[""]++
				}
				for _, r := range u.Roles {
					roles[r]++
				}
				if ids[u.ID] || upns[u.UserPrincipalName] {
					t.Fatalf("duplicate user %s", u.UserPrincipalName)
				}
				ids[u.ID], upns[u.UserPrincipalName] = true, true
				if !upnRE.MatchString(u.UserPrincipalName) {
					t.Errorf("UPN %q is not first.last@domain", u.UserPrincipalName)
				}
				if u.Mail != u.UserPrincipalName || u.DisplayName == "" || u.JobTitle == "" || len(u.BusinessPhones) != 1 || u.OfficeLocation == "" {
					t.Errorf("incomplete profile: %+v", u)
				}
				if u.PreferredLanguage == "ja-JP" {
					ja++
				}
			}
			if roles[tenant.RoleGlobalAdministrator] != 1 {
				t.Errorf("%d global administrators", roles[tenant.RoleGlobalAdministrator])
			}
			if roles[tenant.RoleSecurityAdministrator] < 1 || roles[tenant.RoleSecurityOperator] < 1 || roles[tenant.RoleSecurityReader] < 1 {
				t.Errorf("missing security roles: %v", roles)
			}
			if roles[""] < 3 {
				t.Errorf("only %d ordinary employees", roles[""])
			}
			if wantJa := map[bool]int{true: 2, false: 1}[n >= 10]; ja != wantJa {
				t.Errorf("%d ja-JP users, want %d", ja, wantJa)
			}
			// Ordinary employees appear in alerts.
			seen := map[string]bool{}
			for _, a := range ds.Alerts {
				for _, e := range list(a, "evidence") {
					if ua, ok := e.(odata.Object)["userAccount"].(odata.Object); ok {
						seen[str(ua, "userPrincipalName")] = true
					}
				}
			}
			for _, u := range ds.Users {
				if len(u.Roles) == 0 && seen[u.UserPrincipalName] {
					return
				}
			}
			t.Error("no ordinary employee appears in any alert's evidence")
		})
	}
}

// byIncident groups alerts by incidentId.
func byIncident(alerts []odata.Object) map[string][]odata.Object {
	m := map[string][]odata.Object{}
	for _, a := range alerts {
		m[str(a, "incidentId")] = append(m[str(a, "incidentId")], a)
	}
	return m
}

func TestIncidentInvariants(t *testing.T) {
	for _, seed := range testSeeds {
		ds := mustGenerate(t, Config{Seed: seed})
		checkIncidents(t, ds)
	}
}

func checkIncidents(t *testing.T, ds Dataset) {
	t.Helper()
	groups := byIncident(ds.Alerts)
	if len(groups) != len(ds.Incidents) {
		t.Fatalf("%d incident ids on alerts, %d incidents", len(groups), len(ds.Incidents))
	}
	sizes := map[int]int{}
	var prev time.Time
	for i, inc := range ds.Incidents {
		id := str(inc, "id")
		if _, err := strconv.ParseUint(id, 10, 63); err != nil {
			t.Fatalf("incident id %q is not numeric", id)
		}
		if _, ok := inc["alerts"]; ok {
			t.Fatalf("incident %s embeds alerts", id)
		}
		if str(inc, "@odata.type") != "#microsoft.graph.security.incident" {
			t.Fatalf("incident %s: @odata.type %q", id, str(inc, "@odata.type"))
		}
		alerts := groups[id]
		sizes[len(alerts)]++
		if len(alerts) < 1 || len(alerts) > 6 {
			t.Fatalf("incident %s has %d alerts", id, len(alerts))
		}
		created := tm(t, inc, "createdDateTime")
		if i > 0 && created.After(prev) {
			t.Fatalf("incidents not newest first at %d", i)
		}
		prev = created
		want := incidentCore(alerts, time.Time{})
		for _, k := range []string{"severity", "status", "classification", "determination", "assignedTo", "displayName", "createdDateTime", "lastUpdateDateTime"} {
			if inc[k] != want[k] {
				t.Fatalf("incident %s: %s = %v, derived from its alerts %v", id, k, inc[k], want[k])
			}
		}
		// The rules themselves, stated independently of incidentCore.
		maxSev, anyOpen := 0, false
		var earliest, latest time.Time
		for _, a := range alerts {
			maxSev = max(maxSev, severityRank[str(a, "severity")])
			anyOpen = anyOpen || str(a, "status") != "resolved"
			c, u := tm(t, a, "createdDateTime"), tm(t, a, "lastUpdateDateTime")
			if earliest.IsZero() || c.Before(earliest) {
				earliest = c
			}
			if u.After(latest) {
				latest = u
			}
			if str(a, "assignedTo") != "" && str(inc, "assignedTo") == "" {
				t.Fatalf("incident %s unassigned although alert %s is assigned", id, str(a, "id"))
			}
		}
		if severityRank[str(inc, "severity")] != maxSev {
			t.Fatalf("incident %s severity %s is not its alerts' highest", id, str(inc, "severity"))
		}
		if wantStatus := map[bool]string{true: "active", false: "resolved"}[anyOpen]; str(inc, "status") != wantStatus {
			t.Fatalf("incident %s status %s, want %s", id, str(inc, "status"), wantStatus)
		}
		if !created.Equal(earliest) || !tm(t, inc, "lastUpdateDateTime").Equal(latest) {
			t.Fatalf("incident %s times do not match its alerts", id)
		}
		if want := "https://security.microsoft.com/incidents/" + id + "?tid=" + str(inc, "tenantId"); str(inc, "incidentWebUrl") != want {
			t.Fatalf("incidentWebUrl %q", str(inc, "incidentWebUrl"))
		}
		if str(inc, "status") == "resolved" && str(inc, "classification") == "truePositive" && str(inc, "determination") == "unknown" {
			t.Fatalf("incident %s: true positive without determination", id)
		}
		if str(inc, "displayName") == "" {
			t.Fatalf("incident %s has no name", id)
		}
	}
	if sizes[1] == 0 || sizes[2] == 0 || sizes[3]+sizes[4]+sizes[5]+sizes[6] == 0 {
		t.Errorf("incident sizes are not varied: %v", sizes)
	}
}

func TestIncidentNames(t *testing.T) {
	ds := mustGenerate(t, Config{Seed: 1})
	var multi, endpoint, user, sources bool
	for _, inc := range ds.Incidents {
		n := str(inc, "displayName")
		multi = multi || strings.HasPrefix(n, "Multi-stage incident involving ") && strings.Contains(n, " & ")
		endpoint = endpoint || strings.HasSuffix(n, " on one endpoint") || strings.HasSuffix(n, " on multiple endpoints")
		user = user || strings.HasSuffix(n, " involving one user")
		sources = sources || strings.HasSuffix(n, " reported by multiple sources")
	}
	if !multi || !endpoint || !user || !sources {
		t.Fatalf("name shapes missing: multi-stage %v, endpoint %v, user %v, sources %v", multi, endpoint, user, sources)
	}
	one := []odata.Object{{"title": "'Wacatac' malware was prevented", "category": "Malware", "serviceSource": svcMDE,
		"evidence": []any{odata.Object{"@odata.type": "#microsoft.graph.security.deviceEvidence", "hostName": "wks-1"}}}}
	if got := incidentName(one); got != "'Wacatac' malware was prevented on one endpoint" {
		t.Errorf("single alert: %q", got)
	}
	two := append(one, odata.Object{"title": "Suspicious PowerShell command line", "category": "Execution", "serviceSource": svcMDO,
		"evidence": []any{odata.Object{"@odata.type": "#microsoft.graph.security.deviceEvidence", "hostName": "wks-2"}}})
	if got := incidentName(two); got != "Multi-stage incident involving Malware & Execution on multiple endpoints reported by multiple sources" {
		t.Errorf("two alerts: %q", got)
	}
	if got := categoryName("SomeNewTactic"); got != "Some new tactic" {
		t.Errorf("categoryName = %q", got)
	}
}

func TestAlertInvariants(t *testing.T) {
	for _, seed := range testSeeds {
		ds := mustGenerate(t, Config{Seed: seed})
		resolved, classified := checkAlerts(t, ds.Alerts, testNow)
		if resolved == 0 || float64(classified) < 0.75*float64(resolved) {
			t.Errorf("seed %d: %d of %d resolved alerts classified", seed, classified, resolved)
		}
	}
}

var (
	idRE    = regexp.MustCompile(`^[a-z]{2}[0-9]{18}_-?[0-9]{1,10}$`)
	mitreRE = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
)

// checkAlerts checks every alert's own invariants and returns how many
// are resolved and how many of those are classified.
func checkAlerts(t *testing.T, alerts []odata.Object, now time.Time) (resolved, classified int) {
	t.Helper()
	ids := map[string]bool{}
	var prev time.Time
	for i, a := range alerts {
		id := str(a, "id")
		if ids[id] {
			t.Fatalf("duplicate alert id %s", id)
		}
		if str(a, "@odata.type") != "#microsoft.graph.security.alert" {
			t.Fatalf("alert %s: @odata.type %q", id, str(a, "@odata.type"))
		}
		ids[id] = true
		if !idRE.MatchString(id) {
			t.Fatalf("alert id %q is not in the portal's shape", id)
		}
		created, updated := tm(t, a, "createdDateTime"), tm(t, a, "lastUpdateDateTime")
		first, last := tm(t, a, "firstActivityDateTime"), tm(t, a, "lastActivityDateTime")
		if i > 0 && created.After(prev) {
			t.Fatalf("alerts not newest first at %d", i)
		}
		prev = created
		if first.After(last) || last.After(created) || created.After(updated) {
			t.Fatalf("alert %s: first %v last %v created %v updated %v", id, first, last, created, updated)
		}
		if created.Before(now.Add(-30*24*time.Hour)) || updated.After(now) {
			t.Fatalf("alert %s outside the last 30 days: %v .. %v", id, created, updated)
		}
		for _, x := range []time.Time{created, updated, first, last} {
			if x.Nanosecond()%100 != 0 || x.Location() != time.UTC {
				t.Fatalf("alert %s: time %v is not UTC at 100 ns", id, x)
			}
		}
		st := str(a, "status")
		_, hasResolved := a["resolvedDateTime"]
		if hasResolved != (st == "resolved") {
			t.Fatalf("alert %s: status %s, resolvedDateTime present %v", id, st, hasResolved)
		}
		if st == "resolved" {
			resolved++
			if str(a, "classification") != "unknown" {
				classified++
			}
			if r := tm(t, a, "resolvedDateTime"); r.Before(created) || r.After(updated) {
				t.Fatalf("alert %s resolved at %v", id, r)
			}
		} else if str(a, "classification") != "unknown" {
			t.Fatalf("open alert %s is classified %s", id, str(a, "classification"))
		}
		if str(a, "classification") == "truePositive" && str(a, "determination") == "unknown" {
			t.Fatalf("alert %s: true positive without determination", id)
		}
		if str(a, "alertWebUrl") != "https://security.microsoft.com/alerts/"+id+"?tid="+str(a, "tenantId") {
			t.Fatalf("alertWebUrl %q", str(a, "alertWebUrl"))
		}
		if !strings.HasPrefix(str(a, "incidentWebUrl"), "https://security.microsoft.com/incidents/"+str(a, "incidentId")+"?tid=") {
			t.Fatalf("incidentWebUrl %q", str(a, "incidentWebUrl"))
		}
		for _, k := range []string{"title", "description", "productName", "detectorId", "providerAlertId", "category", "recommendedActions", "detectionSource", "investigationState", "incidentId"} {
			if str(a, k) == "" {
				t.Fatalf("alert %s lacks %s", id, k)
			}
		}
		ev := list(a, "evidence")
		if len(ev) < 1 || len(ev) > 6 {
			t.Fatalf("alert %s has %d evidence", id, len(ev))
		}
		for _, e := range ev {
			if str(e.(odata.Object), "@odata.type") == "" {
				t.Fatalf("alert %s: evidence without @odata.type", id)
			}
		}
		for _, c := range list(a, "comments") {
			ct := tm(t, c.(odata.Object), "createdDateTime")
			if ct.Before(created) || ct.After(updated) {
				t.Fatalf("alert %s: comment at %v outside %v..%v", id, ct, created, updated)
			}
		}
		for _, m := range list(a, "mitreTechniques") {
			if !mitreRE.MatchString(m.(string)) {
				t.Fatalf("alert %s: MITRE technique %q", id, m)
			}
		}
		if str(a, "category") == "Malware" && (str(a, "threatDisplayName") == "" || str(a, "threatFamilyName") == "") {
			t.Fatalf("malware alert %s without threat names", id)
		}
	}
	return resolved, classified
}

func TestCoverage(t *testing.T) {
	for _, seed := range testSeeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			ds := mustGenerate(t, Config{Seed: seed})
			s := model.Graph()
			services, sources, categories, evidence := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
			statuses, severities := map[string]int{}, map[string]int{}
			assigned, commented, tagged, evolvableRemediation := 0, 0, 0, 0
			for _, a := range ds.Alerts {
				services[str(a, "serviceSource")]++
				sources[str(a, "detectionSource")]++
				categories[str(a, "category")]++
				statuses[str(a, "status")]++
				severities[str(a, "severity")]++
				if str(a, "assignedTo") != "" {
					assigned++
				}
				if len(list(a, "comments")) > 0 {
					commented++
				}
				if len(list(a, "systemTags")) > 0 {
					tagged++
				}
				for _, e := range list(a, "evidence") {
					o := e.(odata.Object)
					evidence[strings.TrimPrefix(str(o, "@odata.type"), "#microsoft.graph.security.")]++
					if p, _ := s.Evidence.Property("remediationStatus"); p.Enum.Evolvable(str(o, "remediationStatus")) {
						evolvableRemediation++
					}
				}
			}
			if len(services) < 6 {
				t.Errorf("%d service sources: %v", len(services), services)
			}
			ss, _ := s.Alert.Property("serviceSource")
			ds_, _ := s.Alert.Property("detectionSource")
			evolvableSvc, evolvableDet := 0, 0
			for k, n := range services {
				if ss.Enum.Evolvable(k) {
					evolvableSvc += n
				}
			}
			for k, n := range sources {
				if ds_.Enum.Evolvable(k) {
					evolvableDet += n
				}
			}
			if evolvableSvc == 0 || evolvableDet == 0 || evolvableSvc > len(ds.Alerts)/5 {
				t.Errorf("evolvable service sources %d, detection sources %d of %d alerts", evolvableSvc, evolvableDet, len(ds.Alerts))
			}
			for _, want := range []string{svcSentinel, svcCloud} {
				if services[want] == 0 {
					t.Errorf("no %s alerts", want)
				}
			}
			if sources["scheduledAlerts"] == 0 {
				t.Error("no scheduledAlerts detection source")
			}
			for _, c := range []string{"InitialAccess", "Execution", "CredentialAccess", "DefenseEvasion", "LateralMovement", "Exfiltration", "CommandAndControl", "Persistence", "Malware"} {
				if categories[c] == 0 {
					t.Errorf("no %s alerts", c)
				}
			}
			for _, e := range []string{"userEvidence", "deviceEvidence", "fileEvidence", "ipEvidence", "urlEvidence", "processEvidence",
				"mailboxEvidence", "analyzedMessageEvidence", "registryKeyEvidence", "registryValueEvidence", "cloudApplicationEvidence",
				"oauthApplicationEvidence", "malwareEvidence", "networkConnectionEvidence"} {
				if evidence[e] == 0 {
					t.Errorf("no %s", e)
				}
			}
			namesOnly := 0
			for _, n := range model.NamesOnlyEvidence() {
				namesOnly += evidence[n]
			}
			total := 0
			for _, n := range evidence {
				total += n
			}
			if namesOnly == 0 || namesOnly > total/20 {
				t.Errorf("names-only evidence %d of %d: want some, rarely", namesOnly, total)
			}
			if evolvableRemediation == 0 {
				t.Error("no evidence with an evolvable remediationStatus")
			}
			for _, st := range []string{"new", "inProgress", "resolved"} {
				if statuses[st] == 0 {
					t.Errorf("no %s alerts", st)
				}
			}
			for _, sv := range []string{"informational", "low", "medium", "high"} {
				if severities[sv] == 0 {
					t.Errorf("no %s alerts", sv)
				}
			}
			if assigned == 0 || assigned == len(ds.Alerts) || commented == 0 || commented > len(ds.Alerts)/2 || tagged == 0 {
				t.Errorf("assigned %d, commented %d, tagged %d of %d", assigned, commented, tagged, len(ds.Alerts))
			}
		})
	}
}

func TestHostileAndSafeText(t *testing.T) {
	ds := mustGenerate(t, Config{Seed: 1})
	var lt, gt, amp, quote, nonASCII bool
	check := func(s string) {
		lt = lt || strings.Contains(s, "<")
		gt = gt || strings.Contains(s, ">")
		amp = amp || strings.Contains(s, "&")
		quote = quote || strings.ContainsAny(s, `"'`)
		nonASCII = nonASCII || strings.ContainsFunc(s, func(r rune) bool { return r > 0x7f })
	}
	var titles, comments int
	for _, a := range ds.Alerts {
		check(str(a, "title"))
		for _, c := range list(a, "comments") {
			check(str(c.(odata.Object), "comment"))
			comments++
		}
		titles++
	}
	if !lt || !gt || !amp || !quote || !nonASCII {
		t.Errorf("titles/comments lack hostile characters: < %v > %v & %v quotes %v non-ASCII %v", lt, gt, amp, quote, nonASCII)
	}
	// A small fraction, not most of them.
	hostile := 0
	for _, a := range ds.Alerts {
		if strings.ContainsAny(str(a, "title"), "<>&") {
			hostile++
		}
	}
	if hostile == 0 || hostile > titles/10 {
		t.Errorf("%d of %d titles carry <, > or &", hostile, titles)
	}
	// No script payloads anywhere in default data; external addresses only
	// from the documentation ranges; URLs only on reserved domains.
	ipRE := regexp.MustCompile(`\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b`)
	urlRE := regexp.MustCompile(`https?://([^/"'\s?#]+)`)
	allowedHosts := regexp.MustCompile(`(\.example|\.test|microsoft\.com|windows\.com|azure\.com|cloudappsecurity\.com|nist\.gov|iso\.org|cisecurity\.org|pcisecuritystandards\.org)$`)
	var all, security []any
	for _, c := range [][]odata.Object{ds.Alerts, ds.Incidents, ds.LegacyAlerts, ds.SecurityActions} {
		for _, o := range c {
			security = append(security, o)
		}
	}
	all = append(all, security...)
	for _, c := range [][]odata.Object{ds.SecureScores, ds.ControlProfiles} {
		for _, o := range c {
			all = append(all, o)
		}
	}
	walkStrings(all, func(s string) {
		if strings.Contains(strings.ToLower(s), "<script") || strings.Contains(strings.ToLower(s), "javascript:") {
			t.Errorf("script payload in %q", s)
		}
		for _, m := range urlRE.FindAllStringSubmatch(s, -1) {
			if !allowedHosts.MatchString(m[1]) {
				t.Errorf("URL host %q is not reserved or Microsoft's (in %q)", m[1], s)
			}
		}
	})
	// Compliance control names such as CIS "5.2.2.1" look like addresses,
	// so addresses are checked in the security data only.
	walkStrings(security, func(s string) {
		for _, m := range ipRE.FindAllStringSubmatch(s, -1) {
			ip := m[0]
			if !strings.HasPrefix(ip, "10.") && !strings.HasPrefix(ip, "192.0.2.") && !strings.HasPrefix(ip, "198.51.100.") && !strings.HasPrefix(ip, "203.0.113.") {
				t.Errorf("address %s outside 10/8 and the documentation ranges (in %q)", ip, s)
			}
		}
	})
}

var hashRE = map[string]*regexp.Regexp{
	"md5":    regexp.MustCompile(`^[0-9a-f]{32}$`),
	"sha1":   regexp.MustCompile(`^[0-9a-f]{40}$`),
	"sha256": regexp.MustCompile(`^[0-9a-f]{64}$`),
}

func TestFleetArtefacts(t *testing.T) {
	ds := mustGenerate(t, Config{Seed: 2, Users: 8})
	hosts, platforms, procs := map[string]bool{}, map[string]bool{}, ""
	files := 0
	var visit func(o odata.Object)
	visit = func(o odata.Object) {
		switch str(o, "@odata.type") {
		case "#microsoft.graph.security.deviceEvidence":
			hosts[str(o, "hostName")] = true
			platforms[str(o, "osPlatform")] = true
			if !strings.HasPrefix(str(o, "lastIpAddress"), "10.") {
				t.Errorf("device %s has address %s", str(o, "hostName"), str(o, "lastIpAddress"))
			}
		case "#microsoft.graph.security.processEvidence":
			procs += str(o, "processCommandLine") + "\n"
		}
		if fd, ok := o["fileDetails"].(odata.Object); ok {
			files++
			for k, re := range hashRE {
				if !re.MatchString(str(fd, k)) {
					t.Errorf("file %s: %s %q", str(fd, "fileName"), k, str(fd, k))
				}
			}
		}
		for _, v := range o {
			switch x := v.(type) {
			case odata.Object:
				visit(x)
			case []any:
				for _, e := range x {
					if eo, ok := e.(odata.Object); ok {
						visit(eo)
					}
				}
			}
		}
	}
	for _, a := range ds.Alerts {
		visit(a)
	}
	wksRE := regexp.MustCompile(`^(wks|mac|lnx)-[a-z]+-[0-9]{4}$`)
	workstations, servers := 0, 0
	for h := range hosts {
		switch {
		case wksRE.MatchString(h):
			workstations++
		case strings.HasPrefix(h, "srv-"):
			servers++
		default:
			t.Errorf("host name %q", h)
		}
	}
	if workstations < 3 || servers < 2 {
		t.Errorf("%d workstations, %d servers in evidence", workstations, servers)
	}
	for _, p := range []string{"Windows11", "macOS", "Linux"} {
		if !platforms[p] {
			t.Errorf("no %s device in evidence (have %v)", p, platforms)
		}
	}
	if !platforms["WindowsServer2022"] && !platforms["WindowsServer2019"] {
		t.Error("no Windows server in evidence")
	}
	for _, want := range []string{"-EncodedCommand ", "rundll32.exe", "certutil.exe -urlcache", "sekurlsa::logonpasswords"} {
		if !strings.Contains(procs, want) {
			t.Errorf("no process command line with %q", want)
		}
	}
	if files == 0 {
		t.Error("no file details")
	}
	// A process named twice in one alert (malware evidence and process
	// evidence) is the same process.
	for _, a := range ds.Alerts {
		pids := map[string]int64{}
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case odata.Object:
				if str(x, "@odata.type") == "#microsoft.graph.security.processEvidence" {
					cmd := str(x, "processCommandLine")
					if p, ok := pids[cmd]; ok && p != x["processId"].(int64) {
						t.Fatalf("alert %s: %q has process ids %d and %d", str(a, "id"), cmd, p, x["processId"])
					}
					pids[cmd] = x["processId"].(int64)
				}
				for _, e := range x {
					walk(e)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			}
		}
		walk(a["evidence"])
	}
}

func TestLegacyAlerts(t *testing.T) {
	for _, seed := range testSeeds {
		ds := mustGenerate(t, Config{Seed: seed})
		cats, providers, statuses := map[string]int{}, map[string]int{}, map[string]int{}
		var prev time.Time
		ids := map[string]bool{}
		withStates := map[string]int{}
		for i, a := range ds.LegacyAlerts {
			id := str(a, "id")
			if ids[id] {
				t.Fatalf("duplicate legacy id %s", id)
			}
			ids[id] = true
			cats[str(a, "category")]++
			statuses[str(a, "status")]++
			v := a["vendorInformation"].(odata.Object)
			providers[str(v, "provider")]++
			if str(v, "vendor") != "Microsoft" || str(v, "providerVersion") == "" {
				t.Fatalf("vendorInformation %v", v)
			}
			ev, cr, mod := tm(t, a, "eventDateTime"), tm(t, a, "createdDateTime"), tm(t, a, "lastModifiedDateTime")
			if ev.After(cr) || cr.After(mod) || mod.After(testNow) {
				t.Fatalf("legacy %s: event %v created %v modified %v", id, ev, cr, mod)
			}
			if cr.Before(testNow.Add(-30 * 24 * time.Hour)) {
				t.Fatalf("legacy %s created %v, more than 30 days ago", id, cr)
			}
			if i > 0 && cr.After(prev) {
				t.Fatalf("legacy alerts not newest first at %d", i)
			}
			prev = cr
			st := str(a, "status")
			_, closed := a["closedDateTime"]
			if closed != (st == "resolved" || st == "dismissed") {
				t.Fatalf("legacy %s: status %s, closedDateTime %v", id, st, closed)
			}
			for _, c := range list(a, "comments") {
				if c != "Closed in IPC" && c != "Closed in MCAS" {
					t.Fatalf("legacy %s: comment %q is not an allowed value", id, c)
				}
			}
			if str(a, "azureTenantId") == "" || str(a, "title") == "" || len(list(a, "userStates")) == 0 || len(list(a, "sourceMaterials")) == 0 {
				t.Fatalf("legacy %s incomplete", id)
			}
			for _, k := range []string{"hostStates", "fileStates", "networkConnections", "processes", "malwareStates", "registryKeyStates", "triggers", "cloudAppStates", "vulnerabilityStates"} {
				if l, ok := a[k].([]any); !ok {
					t.Fatalf("legacy %s: %s is %T, want a collection ([] when empty)", id, k, a[k])
				} else if len(l) > 0 {
					withStates[k]++
				}
			}
		}
		if len(cats) != 23 {
			t.Errorf("seed %d: %d of the 23 categories", seed, len(cats))
		}
		for _, c := range []string{"abnormalLogin", "anomalousDataAccess", "anonymousLogin", "antimalwareActionTaken", "azBlackListLogin",
			"credentialLeakage", "documentDeclassification", "reconnaissance", "exploit", "impossibleTravel", "keyloggerTrojan", "malware",
			"ransomware", "rdpBruteforce", "reportCompromise", "riskScore", "sensitiveFileExfiltration", "suspiciousActivity",
			"suspiciousDomain", "suspiciousPowerShell", "threatIntelligence", "unfamiliarLocation", "updateRequired"} {
			if cats[c] == 0 {
				t.Errorf("seed %d: no %s alert", seed, c)
			}
		}
		for _, p := range []string{"Azure Advanced Threat Protection", "ASC", "MCAS", "IPC", "Azure Sentinel", "Microsoft Defender ATP"} {
			if providers[p] == 0 {
				t.Errorf("seed %d: no alert from provider %s", seed, p)
			}
		}
		if len(providers) != 6 {
			t.Errorf("seed %d: providers %v", seed, providers)
		}
		for _, s := range []string{"newAlert", "inProgress", "resolved", "dismissed"} {
			if statuses[s] == 0 {
				t.Errorf("seed %d: no %s alert", seed, s)
			}
		}
		if statuses["dismissed"] > len(ds.LegacyAlerts)/10 {
			t.Errorf("seed %d: %d dismissed: should be a few", seed, statuses["dismissed"])
		}
		for _, k := range []string{"hostStates", "fileStates", "networkConnections", "processes", "malwareStates", "registryKeyStates", "triggers"} {
			if withStates[k] == 0 {
				t.Errorf("seed %d: no alert with %s", seed, k)
			}
		}
	}
}

func TestLegacyCategoriesFitProviders(t *testing.T) {
	ds := mustGenerate(t, Config{Seed: 11, LegacyAlerts: 2000})
	allowed := map[string]map[string]bool{}
	for _, c := range legacyCategories {
		allowed[c.name] = map[string]bool{}
		for _, p := range c.providers {
			allowed[c.name][legacyProviders[p].name] = true
		}
	}
	for _, a := range ds.LegacyAlerts {
		p := str(a["vendorInformation"].(odata.Object), "provider")
		if !allowed[str(a, "category")][p] {
			t.Fatalf("category %s from provider %s", str(a, "category"), p)
		}
	}
}

func TestSecureScores(t *testing.T) {
	for _, n := range []int{25, ControlCatalogSize()} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ds := mustGenerate(t, Config{Seed: 4, ControlProfiles: n, Alerts: 10})
			profiles := map[string]odata.Object{}
			var maxScore float64
			for _, p := range ds.ControlProfiles {
				profiles[str(p, "id")] = p
				if !p["deprecated"].(bool) {
					maxScore += p["maxScore"].(float64)
				}
			}
			if len(ds.SecureScores) != 90 {
				t.Fatalf("%d secure scores", len(ds.SecureScores))
			}
			tenantID := str(ds.SecureScores[0], "azureTenantId")
			day := testNow.Truncate(24 * time.Hour)
			var first10, last10 float64
			for i, s := range ds.SecureScores {
				want := day.AddDate(0, 0, -i)
				if c := tm(t, s, "createdDateTime"); !c.Equal(want) {
					t.Fatalf("entry %d created %v, want %v", i, c, want)
				}
				if id := str(s, "id"); id != tenantID+"_"+want.Format("2006-01-02") {
					t.Fatalf("entry %d id %q", i, id)
				}
				if s["maxScore"].(float64) != maxScore {
					t.Fatalf("entry %d maxScore %v, profiles sum to %v", i, s["maxScore"], maxScore)
				}
				var sum float64
				for _, c := range list(s, "controlScores") {
					cs := c.(odata.Object)
					p, ok := profiles[str(cs, "controlName")]
					if !ok {
						t.Fatalf("controlScore for unknown profile %q", str(cs, "controlName"))
					}
					if cs["score"].(float64) > p["maxScore"].(float64) || cs["score"].(float64) < 0 {
						t.Fatalf("%s scores %v of %v", str(cs, "controlName"), cs["score"], p["maxScore"])
					}
					if str(cs, "controlCategory") != str(p, "controlCategory") {
						t.Fatalf("%s category mismatch", str(cs, "controlName"))
					}
					for _, k := range []string{"count", "total", "implementationStatus"} {
						if str(cs, k) == "" {
							t.Fatalf("controlScore lacks %s", k)
						}
					}
					sum += cs["score"].(float64)
				}
				if d := sum - s["currentScore"].(float64); d > 0.01 || d < -0.01 {
					t.Fatalf("entry %d: currentScore %v, controls sum to %v", i, s["currentScore"], sum)
				}
				if s["activeUserCount"].(int64) > s["licensedUserCount"].(int64) {
					t.Fatal("more active than licensed users")
				}
				bases := []string{}
				for _, a := range list(s, "averageComparativeScores") {
					bases = append(bases, str(a.(odata.Object), "basis"))
				}
				if !slices.Equal(bases, []string{"AllTenants", "TotalSeats", "IndustryTypes"}) {
					t.Fatalf("bases %v", bases)
				}
				if !slices.Contains(list(s, "enabledServices"), any("HasExchange")) {
					t.Fatal("enabledServices lacks HasExchange")
				}
				if i < 10 {
					last10 += s["currentScore"].(float64)
				} else if i >= 80 {
					first10 += s["currentScore"].(float64)
				}
			}
			if last10 <= first10*1.05 {
				t.Errorf("no upward trend: first 10 days %v, last 10 days %v", first10, last10)
			}
		})
	}
}

func TestControlProfiles(t *testing.T) {
	ds := mustGenerate(t, Config{Seed: 6, Alerts: 10})
	if len(ds.ControlProfiles) < 25 {
		t.Fatalf("%d profiles", len(ds.ControlProfiles))
	}
	ids, categories := map[string]bool{}, map[string]bool{}
	updates, compliance := 0, 0
	for _, p := range ds.ControlProfiles {
		id := str(p, "id")
		if ids[id] || !regexp.MustCompile(`^[A-Za-z0-9_]+$`).MatchString(id) {
			t.Fatalf("profile id %q", id)
		}
		ids[id] = true
		categories[str(p, "controlCategory")] = true
		r := str(p, "remediation")
		if !strings.Contains(r, "<a href=") || !strings.Contains(r, "<br>") {
			t.Errorf("%s remediation lacks markup: %q", id, r)
		}
		for _, k := range []string{"title", "service", "tier", "actionType", "userImpact", "implementationCost", "actionUrl", "remediationImpact", "azureTenantId"} {
			if str(p, k) == "" {
				t.Errorf("%s lacks %s", id, k)
			}
		}
		if len(list(p, "threats")) == 0 {
			t.Errorf("%s has no threats", id)
		}
		updates += len(list(p, "controlStateUpdates"))
		compliance += len(list(p, "complianceInformation"))
		for _, u := range list(p, "controlStateUpdates") {
			st := str(u.(odata.Object), "state")
			if !slices.Contains([]string{"Default", "Ignored", "ThirdParty", "Reviewed"}, st) {
				t.Errorf("%s: state %q", id, st)
			}
		}
	}
	for _, c := range []string{"Identity", "Data", "Device", "Apps", "Infrastructure"} {
		if !categories[c] {
			t.Errorf("no %s control", c)
		}
	}
	for _, want := range []string{"AdminMFAV2", "MFARegistrationV2", "BlockLegacyAuthentication"} {
		if !ids[want] {
			t.Errorf("no %s profile", want)
		}
	}
	if updates == 0 || compliance == 0 {
		t.Errorf("%d state updates, %d compliance entries", updates, compliance)
	}
}

func TestSecurityActions(t *testing.T) {
	ds := mustGenerate(t, Config{Seed: 8, SecurityActions: 40})
	names, statuses := map[string]int{}, map[string]int{}
	order := map[string]int{"NotStarted": 0, "Running": 1, "Completed": 2, "Failed": 2}
	for _, a := range ds.SecurityActions {
		names[str(a, "name")]++
		st := str(a, "status")
		statuses[st]++
		if len(list(a, "parameters")) == 0 || str(a, "user") == "" || str(a, "appId") == "" {
			t.Fatalf("action %s incomplete", str(a, "id"))
		}
		states := list(a, "states")
		last := states[len(states)-1].(odata.Object)
		if str(last, "status") != st {
			t.Fatalf("action %s: last state %s, status %s", str(a, "id"), str(last, "status"), st)
		}
		prev := -1
		var prevT time.Time
		for _, s := range states {
			so := s.(odata.Object)
			if order[str(so, "status")] <= prev || tm(t, so, "updatedDateTime").Before(prevT) {
				t.Fatalf("action %s: states out of order", str(a, "id"))
			}
			prev, prevT = order[str(so, "status")], tm(t, so, "updatedDateTime")
		}
		_, done := a["completedDateTime"]
		if done != (st == "Completed" || st == "Failed") {
			t.Fatalf("action %s: status %s, completedDateTime %v", str(a, "id"), st, done)
		}
		if _, e := a["errorInfo"]; e != (st == "Failed") {
			t.Fatalf("action %s: status %s, errorInfo %v", str(a, "id"), st, e)
		}
	}
	for _, n := range []string{"BlockIp", "AllowIp", "BlockFile", "AllowFile", "BlockUrl"} {
		if names[n] == 0 {
			t.Errorf("no %s action", n)
		}
	}
	if statuses["Completed"] == 0 || statuses["Failed"] == 0 {
		t.Errorf("statuses %v", statuses)
	}
}

func TestFreshObjects(t *testing.T) {
	s := model.Graph()
	g, err := New(Config{Seed: 12, Now: testNow, Alerts: 80})
	if err != nil {
		t.Fatal(err)
	}
	ds := g.Dataset()
	later := testNow.Add(90 * time.Minute)

	t.Run("NewAlert joins an incident", func(t *testing.T) {
		inc := str(ds.Incidents[0], "id")
		for i := 0; i < 200; i++ {
			a := g.NewAlert(later, inc)
			if err := odata.Validate(a, s.Alert); err != nil {
				t.Fatal(err)
			}
			if str(a, "incidentId") != inc || str(a, "status") != "new" || str(a, "classification") != "unknown" {
				t.Fatalf("fresh alert: incident %s status %s classification %s", str(a, "incidentId"), str(a, "status"), str(a, "classification"))
			}
			if !tm(t, a, "createdDateTime").Equal(at(later).Time) || !tm(t, a, "lastUpdateDateTime").Equal(at(later).Time) {
				t.Fatal("fresh alert not created at now")
			}
			if _, ok := a["resolvedDateTime"]; ok {
				t.Fatal("fresh alert resolved")
			}
			checkAlerts(t, []odata.Object{a}, later)
		}
	})
	t.Run("NewAlert opens an incident", func(t *testing.T) {
		a1, a2 := g.NewAlert(later, ""), g.NewAlert(later, "")
		if str(a1, "incidentId") == "" || str(a1, "incidentId") == str(a2, "incidentId") {
			t.Fatalf("allocated incident ids %q, %q", str(a1, "incidentId"), str(a2, "incidentId"))
		}
		for _, in := range ds.Incidents {
			if str(in, "id") == str(a1, "incidentId") {
				t.Fatal("allocated an existing incident id")
			}
		}
		inc := g.NewIncident(later, []odata.Object{a1})
		if err := odata.Validate(inc, s.Incident); err != nil {
			t.Fatal(err)
		}
		if str(inc, "id") != str(a1, "incidentId") || str(inc, "status") != "active" || str(inc, "severity") != str(a1, "severity") {
			t.Fatalf("incident %v for alert %v", inc, a1)
		}
	})
	t.Run("NewIncident agrees with generated incidents", func(t *testing.T) {
		groups := byIncident(ds.Alerts)
		for _, want := range ds.Incidents {
			got := g.NewIncident(later, groups[str(want, "id")])
			if err := odata.Validate(got, s.Incident); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"id", "severity", "status", "classification", "determination", "assignedTo", "displayName", "createdDateTime", "lastUpdateDateTime", "incidentWebUrl"} {
				if got[k] != want[k] {
					t.Fatalf("incident %s: %s = %v, generated %v", str(want, "id"), k, got[k], want[k])
				}
			}
		}
	})
	t.Run("NewIncident without alerts", func(t *testing.T) {
		inc := g.NewIncident(later, nil)
		if err := odata.Validate(inc, s.Incident); err != nil {
			t.Fatal(err)
		}
		if str(inc, "status") != "active" || str(inc, "id") == "" || !tm(t, inc, "createdDateTime").Equal(at(later).Time) {
			t.Fatalf("empty incident %v", inc)
		}
	})
	t.Run("NewLegacyAlert", func(t *testing.T) {
		seen := map[string]bool{}
		for i := 0; i < 200; i++ {
			a := g.NewLegacyAlert(later)
			if err := odata.Validate(a, s.LegacyAlert); err != nil {
				t.Fatal(err)
			}
			if str(a, "status") != "newAlert" || !tm(t, a, "createdDateTime").Equal(at(later).Time) || tm(t, a, "eventDateTime").After(at(later).Time) {
				t.Fatalf("fresh legacy alert %v", a)
			}
			if _, ok := a["feedback"]; ok {
				t.Fatal("fresh legacy alert has feedback")
			}
			seen[str(a, "id")] = true
		}
		if len(seen) != 200 {
			t.Fatal("duplicate fresh legacy ids")
		}
	})
}

func TestIncidentCoreRules(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	alert := func(sev, status, class, det, who string, created, updated int) odata.Object {
		a := odata.Object{"severity": sev, "status": status, "classification": class, "determination": det,
			"createdDateTime": at(t0.Add(time.Duration(created) * time.Minute)), "lastUpdateDateTime": at(t0.Add(time.Duration(updated) * time.Minute))}
		if who != "" {
			a["assignedTo"] = who
		}
		return a
	}
	tests := []struct {
		name                          string
		alerts                        []odata.Object
		sev, status, class, det, whom string
	}{
		{"agreeing true positives", []odata.Object{alert("low", "resolved", "truePositive", "malware", "a", 0, 10), alert("high", "resolved", "truePositive", "malware", "a", 5, 20)},
			"high", "resolved", "truePositive", "malware", "a"},
		{"multi-stage", []odata.Object{alert("medium", "resolved", "truePositive", "phishing", "a", 0, 10), alert("medium", "resolved", "truePositive", "malware", "b", 5, 30)},
			"medium", "resolved", "truePositive", "multiStagedAttack", "b"},
		{"one open", []odata.Object{alert("informational", "resolved", "falsePositive", "notMalicious", "", 0, 10), alert("low", "new", "unknown", "unknown", "", 5, 5)},
			"low", "active", "unknown", "unknown", ""},
		{"missing classification", []odata.Object{alert("medium", "inProgress", "", "", "c", 0, 1)},
			"medium", "active", "unknown", "unknown", "c"},
		{"unknown severity member", []odata.Object{alert("unknownFutureValue", "new", "unknown", "unknown", "", 0, 0)},
			"informational", "active", "unknown", "unknown", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := incidentCore(tt.alerts, t0)
			got := []string{str(o, "severity"), str(o, "status"), str(o, "classification"), str(o, "determination"), str(o, "assignedTo")}
			want := []string{tt.sev, tt.status, tt.class, tt.det, tt.whom}
			if !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

func TestLargeDatasetKeepsInvariants(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 20,000 alerts")
	}
	ds := mustGenerate(t, Config{Seed: 77, Alerts: 20000, LegacyAlerts: 2000})
	checkAlerts(t, ds.Alerts, testNow)
	checkIncidents(t, ds)
	s := model.Graph()
	for i := 0; i < len(ds.Alerts); i += 97 {
		if err := odata.Validate(ds.Alerts[i], s.Alert); err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzNew(f *testing.F) {
	f.Add(int64(1), 12, 40, 20, 25, 3, "", "")
	f.Add(int64(-5), 8, 1, 1, 0, 0, "3f9d6a7e-52c1-4b8e-9a0d-7c2e41b5f8a6", "a.example")
	f.Add(int64(0), 7, -1, -1, 24, -1, "x", "bad domain")
	f.Add(int64(99), 2001, 5, 5, 40, 10001, "", "UPPER.Example")
	s := model.Graph()
	f.Fuzz(func(t *testing.T, seed int64, users, alerts, legacy, profiles, actions int, tenantID, domain string) {
		// Keep each run small: the sizes' bounds are tested elsewhere.
		clamp := func(v, hi int) int {
			if v > hi {
				return hi
			}
			return v
		}
		cfg := Config{Seed: seed, Now: testNow, Users: clamp(users, 60), Alerts: clamp(alerts, 60), LegacyAlerts: clamp(legacy, 60),
			ControlProfiles: profiles, SecurityActions: clamp(actions, 20), TenantID: tenantID, Domain: domain}
		g, err := New(cfg)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *ConfigError", err)
			}
			return
		}
		ds := g.Dataset()
		for _, a := range ds.Alerts {
			if err := odata.Validate(a, s.Alert); err != nil {
				t.Fatal(err)
			}
		}
		for _, a := range ds.LegacyAlerts {
			if err := odata.Validate(a, s.LegacyAlert); err != nil {
				t.Fatal(err)
			}
		}
		if err := odata.Validate(g.NewAlert(testNow, ""), s.Alert); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkGenerate100kAlerts(b *testing.B) {
	cfg := Config{Seed: 1, Now: testNow, Alerts: 100_000}
	for b.Loop() {
		if _, err := Generate(cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/alert")
}

func BenchmarkGenerateDefault(b *testing.B) {
	cfg := Config{Seed: 1, Now: testNow}
	for b.Loop() {
		if _, err := Generate(cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewAlert(b *testing.B) {
	g, err := New(Config{Seed: 1, Now: testNow, Alerts: 100})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_ = g.NewAlert(testNow, "1")
	}
}
