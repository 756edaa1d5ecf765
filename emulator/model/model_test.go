package model

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/odata"
)

// TestEnumMembers pins the enums member by member to graph-api-facts.md,
// copied here independently of enumTable so that an edit to either is
// caught.
func TestEnumMembers(t *testing.T) {
	u := odata.UnknownFutureValue
	want := map[string][]string{
		// Legacy: every member list is followed by unknownFutureValue.
		"alertStatus":             {"unknown", "newAlert", "inProgress", "resolved", "dismissed", u},
		"alertFeedback":           {"unknown", "truePositive", "falsePositive", "benignPositive", u},
		"alertSeverity":           {"unknown", "informational", "low", "medium", "high", u},
		"emailRole":               {"unknown", "sender", "recipient", u},
		"logonType":               {"unknown", "interactive", "remoteInteractive", "network", "batch", "service", u},
		"userAccountSecurityType": {"unknown", "standard", "power", "administrator", u},
		"connectionDirection":     {"unknown", "inbound", "outbound", u},
		"connectionStatus":        {"unknown", "attempted", "succeeded", "blocked", "failed", u},
		"processIntegrityLevel":   {"unknown", "untrusted", "low", "medium", "high", "system", u},
		"fileHashType":            {"unknown", "sha1", "sha256", "md5", "authenticodeHash256", "lsHash", "ctph", u},
		"registryHive":            {"unknown", "currentConfig", "currentUser", "localMachineSam", "localMachineSecurity", "localMachineSoftware", "localMachineSystem", "usersDefault", u},
		"registryOperation":       {"unknown", "create", "modify", "delete", u},
		"registryValueType":       {"unknown", "binary", "dword", "dwordLittleEndian", "dwordBigEndian", "expandSz", "link", "multiSz", "none", "qword", "qwordlittleEndian", "sz", u},
		"securityResourceType":    {"unknown", "attacked", "related", u},
		"securityNetworkProtocol": {"unknown", "ip", "icmp", "igmp", "ggp", "ipv4", "tcp", "pup", "udp", "idp", "ipv6", "ipv6RoutingHeader", "ipv6FragmentHeader", "ipSecEncapsulatingSecurityPayload", "ipSecAuthenticationHeader", "icmpV6", "ipv6NoNextHeader", "ipv6DestinationOptions", "nd", "raw", "ipx", "spx", "spxII", u},

		"security.alertStatus":         {"unknown", "new", "inProgress", "resolved", u},
		"security.alertSeverity":       {"unknown", "informational", "low", "medium", "high", u},
		"security.alertClassification": {"unknown", "falsePositive", "truePositive", "informationalExpectedActivity", u},
		"security.alertDetermination": {"unknown", "apt", "malware", "securityPersonnel", "securityTesting", "unwantedSoftware", "other",
			"multiStagedAttack", "compromisedAccount", "phishing", "maliciousUserActivity", "notMalicious", "notEnoughDataToValidate",
			"confirmedActivity", "lineOfBusinessApplication", u},
		"security.serviceSource": {"unknown", "microsoftDefenderForEndpoint", "microsoftDefenderForIdentity", "microsoftDefenderForCloudApps",
			"microsoftDefenderForOffice365", "microsoft365Defender", "azureAdIdentityProtection", "microsoftAppGovernance",
			"dataLossPrevention", u, "microsoftDefenderForCloud", "microsoftSentinel", "microsoftInsiderRiskManagement",
			"microsoftThreatIntelligence", "microsoftSecurityForAI"},
		"security.detectionSource": {"unknown", "microsoftDefenderForEndpoint", "antivirus", "smartScreen", "customTi",
			"microsoftDefenderForOffice365", "automatedInvestigation", "microsoftThreatExperts", "customDetection",
			"microsoftDefenderForIdentity", "cloudAppSecurity", "microsoft365Defender", "azureAdIdentityProtection", "manual",
			"microsoftDataLossPrevention", "appGovernancePolicy", "appGovernanceDetection", u,
			"microsoftDefenderForCloud", "microsoftDefenderForIoT", "microsoftDefenderForServers", "microsoftDefenderForStorage",
			"microsoftDefenderForDNS", "microsoftDefenderForDatabases", "microsoftDefenderForContainers", "microsoftDefenderForNetwork",
			"microsoftDefenderForAppService", "microsoftDefenderForKeyVault", "microsoftDefenderForResourceManager",
			"microsoftDefenderForApiManagement", "nrtAlerts", "scheduledAlerts", "microsoftDefenderThreatIntelligenceAnalytics",
			"builtInMl", "microsoftInsiderRiskManagement", "microsoftThreatIntelligence", "microsoftDefenderForAIServices",
			"securityCopilot", "microsoftSentinel"},
		"security.investigationState": {"unknown", "terminated", "successfullyRemediated", "benign", "failed", "partiallyRemediated",
			"running", "pendingApproval", "pendingResource", "queued", "innerFailure", "preexistingAlert", "unsupportedOs",
			"unsupportedAlertType", "suppressedAlert", "partiallyInvestigated", "terminatedByUser", "terminatedBySystem", u},
		"security.evidenceVerdict": {"unknown", "suspicious", "malicious", "noThreatsFound", u},
		"security.evidenceRemediationStatus": {"none", "remediated", "prevented", "blocked", "notFound", u,
			"active", "pendingApproval", "declined", "unremediated", "running", "partiallyRemediated"},
		"security.evidenceRole": {"unknown", "contextual", "scanned", "source", "destination", "created", "added", "compromised",
			"edited", "attacked", "attacker", "commandAndControl", "loaded", "suspicious", "policyViolator", u},
		"security.detectionStatus":    {"detected", "blocked", "prevented", u},
		"security.deviceHealthStatus": {"active", "inactive", "impairedCommunication", "noSensorData", "noSensorDataImpairedCommunication", "unknown", u},
		"security.onboardingStatus":   {"insufficientInfo", "onboarded", "canBeOnboarded", "unsupported", u},
		"security.defenderAvStatus":   {"notReporting", "disabled", "notUpdated", "updated", "unknown", "notSupported", u},
		"security.deviceRiskScore":    {"none", "informational", "low", "medium", "high", u},
		"security.vmCloudProvider":    {"unknown", "azure", u},
		"security.protocolType":       {"tcp", "udp", u},
		"security.fileHashAlgorithm":  {"unknown", "md5", "sha1", "sha256", "sha256ac", u},
		"security.incidentStatus":     {"active", "resolved", "inProgress", "redirected", u, "awaitingAction"},
		"operationStatus":             {"NotStarted", "Running", "Completed", "Failed"},
		"bodyType":                    {"text", "html"},
		"importance":                  {"low", "normal", "high"},
	}
	s := Graph()
	for key, members := range want {
		t.Run(key, func(t *testing.T) {
			e, ok := s.Enums[key]
			if !ok {
				t.Fatalf("enum %q missing", key)
			}
			if !slices.Equal(e.Members, members) {
				t.Fatalf("members\n got %q\nwant %q", e.Members, members)
			}
			qualified := "microsoft.graph." + key
			if e.Name != qualified {
				t.Errorf("Name = %q, want %q", e.Name, qualified)
			}
		})
	}
	if len(s.Enums) != len(enumTable) {
		t.Errorf("Enums holds %d, table has %d: a duplicate key", len(s.Enums), len(enumTable))
	}
	for k := range s.Enums {
		if _, ok := want[k]; !ok && k != "followupFlagStatus" {
			t.Errorf("enum %q is not pinned by this test", k)
		}
	}
}

// TestEnumsAgainstFactsFile reads the enum lists straight out of
// graph-api-facts.md (present in the shared checkout and beside CI's
// clone) and compares them with the schema, so that the facts and the
// schema cannot drift apart silently.
func TestEnumsAgainstFactsFile(t *testing.T) {
	const path = "../../../shared/reference/graph-api-facts.md"
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("facts file not available (%v); TestEnumMembers still pins the lists", err)
	}
	defer f.Close()
	parsed := parseFactsEnums(t, bufio.NewScanner(f))
	if len(parsed) < 35 {
		t.Fatalf("parsed only %d enums from the facts file: the parser no longer matches its layout", len(parsed))
	}
	s := Graph()
	for key, members := range parsed {
		e, ok := s.Enums[key]
		if !ok {
			t.Errorf("facts declare enum %q, the schema lacks it", key)
			continue
		}
		if !slices.Equal(e.Members, members) {
			t.Errorf("%s:\n schema %q\n facts  %q", key, e.Members, members)
		}
	}
}

var (
	bulletEnum   = regexp.MustCompile("^- `(\\w+)`: (.*)$")
	incidentEnum = regexp.MustCompile("^\\*\\*`(incidentStatus)`\\*\\*: (.*)$")
	ticked       = regexp.MustCompile("`([^`]+)`")
	paren        = regexp.MustCompile(`\([^)]*\)`)
)

func parseFactsEnums(t *testing.T, sc *bufio.Scanner) map[string][]string {
	t.Helper()
	known := map[string]bool{}
	for _, d := range enumTable {
		known[d.key] = true
	}
	out := map[string][]string{}
	section := ""
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			section = strings.Fields(line)[1]
			continue
		}
		m := bulletEnum.FindStringSubmatch(line)
		if m == nil {
			m = incidentEnum.FindStringSubmatch(line)
		}
		if m == nil {
			continue
		}
		key := m[1]
		if section == "2." || section == "3." {
			key = "security." + key
		}
		if !known[key] {
			continue // a complex type's field list, not an enum
		}
		text := paren.ReplaceAllString(m[2], "")
		sentences := strings.Split(text, ". ")
		var members []string
		for _, tk := range ticked.FindAllStringSubmatch(sentences[0], -1) {
			members = append(members, tk[1])
		}
		if section == "1." {
			members = append(members, odata.UnknownFutureValue)
		}
		for _, s := range sentences[1:] {
			if strings.HasPrefix(s, "Evolvable:") {
				for _, tk := range ticked.FindAllStringSubmatch(s, -1) {
					members = append(members, tk[1])
				}
			}
		}
		out[key] = members
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGraphIsShared(t *testing.T) {
	s, again := Graph(), Graph()
	if s != again {
		t.Fatal("Graph() built the schema twice")
	}
	for name, typ := range map[string]*odata.Type{
		"LegacyAlert": s.LegacyAlert, "Alert": s.Alert, "Evidence": s.Evidence, "AlertComment": s.AlertComment,
		"Incident": s.Incident, "SecureScore": s.SecureScore, "ControlProfile": s.ControlProfile,
		"ControlStateUpdate": s.ControlStateUpdate, "SecurityAction": s.SecurityAction, "User": s.User,
		"Message": s.Message, "Attachment": s.Attachment, "Subscription": s.Subscription,
	} {
		if typ == nil {
			t.Errorf("%s is nil", name)
			continue
		}
		if s.Types[typ.Name] != typ {
			t.Errorf("%s (%s) is not registered in Types", name, typ.Name)
		}
	}
}

func TestTypeNamesAndFlags(t *testing.T) {
	s := Graph()
	type check struct {
		typ                   *odata.Type
		name                  string
		open, caseInsensitive bool
		notNull               []string
		filter                []string
		noFilter              []string
		sort                  []string
	}
	checks := []check{
		{
			typ: s.LegacyAlert, name: "microsoft.graph.alert", open: true, caseInsensitive: true,
			notNull: []string{"id", "azureTenantId", "severity", "status"},
			filter: []string{"category", "vendorInformation", "status", "severity", "hostStates", "userStates",
				"assignedTo", "eventDateTime", "createdDateTime", "networkConnections", "title", "tags"},
			sort: []string{"eventDateTime", "createdDateTime", "lastModifiedDateTime", "severity", "status"},
		},
		{
			typ: s.Alert, name: "microsoft.graph.security.alert",
			notNull: []string{"id", "serviceSource", "severity", "status"},
			filter: []string{"assignedTo", "classification", "determination", "createdDateTime", "lastUpdateDateTime",
				"severity", "serviceSource", "status", "evidence"},
			noFilter: []string{"investigationState", "title", "additionalData", "comments", "detectionSource"},
			sort:     []string{"lastUpdateDateTime", "createdDateTime"},
		},
		{
			typ: s.Incident, name: "microsoft.graph.security.incident",
			notNull: []string{"id", "createdDateTime", "lastUpdateDateTime", "severity", "status"},
			filter: []string{"assignedTo", "classification", "createdDateTime", "determination", "lastUpdateDateTime",
				"severity", "status"},
			noFilter: []string{"displayName", "alerts", "customTags"},
			sort:     []string{"createdDateTime", "lastUpdateDateTime"},
		},
		{typ: s.AlertComment, name: "microsoft.graph.security.alertComment", notNull: []string{"createdDateTime"}},
		{typ: s.Evidence, name: "microsoft.graph.security.alertEvidence", notNull: []string{"createdDateTime", "remediationStatus", "roles", "verdict"}},
		{typ: s.SecureScore, name: "microsoft.graph.secureScore", open: true, notNull: []string{"id", "azureTenantId"},
			filter: []string{"createdDateTime", "currentScore"}, sort: []string{"createdDateTime"}},
		{typ: s.ControlProfile, name: "microsoft.graph.secureScoreControlProfile", notNull: []string{"id", "azureTenantId"},
			filter: []string{"controlCategory", "service"}, sort: []string{"rank"}},
		{typ: s.SecurityAction, name: "microsoft.graph.securityAction", notNull: []string{"id"},
			filter: []string{"name", "status"}, sort: []string{"createdDateTime"}},
		{typ: s.User, name: "microsoft.graph.user", notNull: []string{"id"}, sort: []string{"displayName", "userPrincipalName"}},
		{typ: s.Message, name: "microsoft.graph.message", notNull: []string{"id"}, noFilter: []string{"subject"}},
		{typ: s.Subscription, name: "microsoft.graph.subscription", notNull: []string{"id"}, noFilter: []string{"resource"}},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.typ.Name != c.name {
				t.Fatalf("Name = %q", c.typ.Name)
			}
			if c.typ.Open != c.open || c.typ.CaseInsensitive != c.caseInsensitive {
				t.Errorf("Open, CaseInsensitive = %v, %v; want %v, %v", c.typ.Open, c.typ.CaseInsensitive, c.open, c.caseInsensitive)
			}
			nn := map[string]bool{}
			for _, n := range c.notNull {
				nn[n] = true
			}
			for _, p := range c.typ.Properties() {
				if p.NotNull != nn[p.Name] {
					t.Errorf("%s: NotNull = %v", p.Name, p.NotNull)
				}
			}
			prop := func(n string) odata.Property {
				p, ok := c.typ.Property(n)
				if !ok {
					t.Fatalf("no property %q", n)
				}
				return p
			}
			for _, n := range c.filter {
				if !prop(n).Filter {
					t.Errorf("%s: not filterable", n)
				}
			}
			for _, n := range c.noFilter {
				if prop(n).Filter {
					t.Errorf("%s: filterable, the service does not allow it", n)
				}
			}
			for _, n := range c.sort {
				if !prop(n).Sort {
					t.Errorf("%s: not sortable", n)
				}
			}
		})
	}
}

func TestLegacyCaseInsensitive(t *testing.T) {
	s := Graph()
	p, ok := s.LegacyAlert.Property("Severity")
	if !ok || p.Name != "severity" {
		t.Fatalf("Severity -> %+v, %v", p, ok)
	}
	vi, _ := s.LegacyAlert.Property("vendorInformation")
	if q, ok := vi.Type.Property("Provider"); !ok || q.Name != "provider" || !q.Filter {
		t.Fatalf("vendorInformation/Provider -> %+v, %v", q, ok)
	}
	hs, _ := s.LegacyAlert.Property("hostStates")
	if q, ok := hs.Type.Property("fqdn"); !ok || !q.Filter {
		t.Fatalf("hostStates/fqdn -> %+v, %v", q, ok)
	}
	if _, ok := s.Alert.Property("Severity"); ok {
		t.Fatal("alerts_v2 matched Severity: it is case-sensitive")
	}
	if m, ok := p.Enum.Canonical("NewAlert"); ok {
		t.Fatalf("severity enum accepted NewAlert as %q", m)
	}
	st, _ := s.LegacyAlert.Property("status")
	if m, ok := st.Enum.Canonical("NewAlert"); !ok || m != "newAlert" {
		t.Fatalf("Canonical(NewAlert) = %q, %v", m, ok)
	}
}

func TestEvidenceHierarchy(t *testing.T) {
	s := Graph()
	named := []string{"userEvidence", "deviceEvidence", "fileEvidence", "ipEvidence", "urlEvidence", "processEvidence",
		"mailboxEvidence", "analyzedMessageEvidence", "registryKeyEvidence", "registryValueEvidence", "mailClusterEvidence",
		"cloudApplicationEvidence", "oauthApplicationEvidence", "securityGroupEvidence", "malwareEvidence",
		"networkConnectionEvidence", "dnsEvidence", "fileHashEvidence"}
	all := append(append([]string(nil), named...), NamesOnlyEvidence()...)
	if len(s.EvidenceTypes) != len(all) {
		t.Fatalf("EvidenceTypes has %d, want %d", len(s.EvidenceTypes), len(all))
	}
	base := len(s.Evidence.Properties())
	for i, n := range all {
		et := s.EvidenceType(n)
		if et == nil {
			t.Errorf("%s not registered", n)
			continue
		}
		if s.EvidenceTypes[i] != securityNS+n || et.Name != securityNS+n {
			t.Errorf("%s: name %q, list %q", n, et.Name, s.EvidenceTypes[i])
		}
		if !et.IsA(s.Evidence) || et.Base != s.Evidence {
			t.Errorf("%s does not derive from alertEvidence", n)
		}
		own := len(et.Properties()) - base
		if i < len(named) && own == 0 {
			t.Errorf("%s declares no properties", n)
		}
		if i >= len(named) && own != 0 {
			t.Errorf("names-only %s declares %d properties", n, own)
		}
	}
	if s.EvidenceType("alertEvidence") != nil || s.EvidenceType("nosuchEvidence") != nil {
		t.Error("EvidenceType found the base or an unknown type")
	}
	// Evidence is reachable through casts from the alert's property.
	ep, _ := s.Alert.Property("evidence")
	if d, ok := ep.Type.Derived("microsoft.graph.security.deviceEvidence"); !ok {
		t.Error("cast to deviceEvidence not found")
	} else if p, ok := d.Property("deviceDnsName"); !ok || p.Kind != odata.KindString {
		t.Errorf("deviceEvidence/deviceDnsName: %+v %v", p, ok)
	}
	ip, _ := s.Incident.Property("alerts")
	if ip.Type != s.Alert || !ip.Collection || !ip.Navigation {
		t.Error("incident.alerts is not a collection of alerts_v2 alerts")
	}
}

// TestDocsSamplesValidate checks documents shaped like the docs' samples
// against the schema: the spelling of every property in them must match.
func TestDocsSamplesValidate(t *testing.T) {
	s := Graph()
	now := odata.At(time.Date(2022, 10, 13, 7, 8, 30, 160676600, time.UTC))
	tests := []struct {
		name string
		typ  *odata.Type
		doc  odata.Object
	}{
		{"alert patch body", s.Alert, odata.Object{"id": "da637551227677560813_-961444813", "serviceSource": "microsoftDefenderForEndpoint",
			"severity": "medium", "status": "inProgress", "assignedTo": "secAdmin@contoso.onmicrosoft.com",
			"classification": "truePositive", "determination": "malware"}},
		{"alert evidence", s.Alert, odata.Object{"id": "x", "serviceSource": "microsoftSentinel", "severity": "high", "status": "new",
			"detectionSource": "scheduledAlerts",
			"evidence": []any{
				odata.Object{"@odata.type": "#microsoft.graph.security.userEvidence", "createdDateTime": now, "verdict": "suspicious",
					"remediationStatus": "none", "roles": []any{"compromised"}, "detailedRoles": []any{},
					"userAccount": odata.Object{"accountName": "a", "userPrincipalName": "a@b.example"}},
				odata.Object{"@odata.type": "#microsoft.graph.security.azureResourceEvidence", "createdDateTime": now,
					"verdict": "unknown", "remediationStatus": "none", "roles": []any{}},
			},
			"comments": []any{odata.Object{"comment": "test", "createdByDisplayName": "secAdmin@contoso.com", "createdDateTime": now}}}},
		{"incident", s.Incident, odata.Object{"id": "2972395", "createdDateTime": now, "lastUpdateDateTime": now,
			"severity": "high", "status": "awaitingAction", "customTags": []any{"Demo"}}},
		{"legacy alert open extra", s.LegacyAlert, odata.Object{"id": "x", "azureTenantId": "t", "severity": "high",
			"status": "newAlert", "vendorInformation": odata.Object{"provider": "IPC", "vendor": "Microsoft"},
			"someProviderExtension": "kept: the type is open"}},
		{"secure score open extras", s.SecureScore, odata.Object{"id": "t_2019-03-19", "azureTenantId": "t",
			"controlScores": []any{odata.Object{"controlCategory": "Identity", "controlName": "AdminMFA", "score": 25.0,
				"count": "1", "total": "2"}}}},
		{"security action", s.SecurityAction, odata.Object{"id": "a", "name": "BlockIp", "status": "NotStarted",
			"parameters": []any{odata.Object{"name": "IP", "value": "192.0.2.1"}}}},
		{"sendMail message", s.Message, odata.Object{"subject": "Meet for lunch?",
			"body":         odata.Object{"contentType": "text", "content": "The new cafeteria is open."},
			"toRecipients": []any{odata.Object{"emailAddress": odata.Object{"address": "fran@example.com", "name": "Fran"}}},
			"attachments": []any{odata.Object{"@odata.type": "#microsoft.graph.fileAttachment", "name": "attachment.txt",
				"contentType": "text/plain", "contentBytes": "SGVsbG8gV29ybGQh"}},
			"importance": "high", "internetMessageHeaders": []any{odata.Object{"name": "x-graphsec", "value": "1"}}}},
		{"subscription", s.Subscription, odata.Object{"id": "g", "resource": "security/alerts?$filter=status eq 'NewAlert'",
			"changeType": "created,updated", "notificationUrl": "https://example.com/listen", "expirationDateTime": now,
			"clientState": "s", "notificationContentType": "application/json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := odata.Validate(tt.doc, tt.typ); err != nil {
				t.Fatal(err)
			}
		})
	}
	bad := []struct {
		name string
		typ  *odata.Type
		doc  odata.Object
	}{
		{"v2 alert is not open", s.Alert, odata.Object{"id": "x", "serviceSource": "unknown", "severity": "low", "status": "new", "feedback": "x"}},
		{"v2 status is not legacy", s.Alert, odata.Object{"id": "x", "serviceSource": "unknown", "severity": "low", "status": "newAlert"}},
		{"names-only evidence has no extras", s.Alert, odata.Object{"id": "x", "serviceSource": "unknown", "severity": "low", "status": "new",
			"evidence": []any{odata.Object{"@odata.type": "#microsoft.graph.security.nicEvidence", "createdDateTime": now,
				"verdict": "unknown", "remediationStatus": "none", "roles": []any{}, "macAddress": "x"}}}},
		{"recommendedActions is one string", s.Alert, odata.Object{"id": "x", "serviceSource": "unknown", "severity": "low",
			"status": "new", "recommendedActions": []any{"a"}}},
		{"operationStatus is PascalCase", s.SecurityAction, odata.Object{"id": "a", "status": "notStarted"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if err := odata.Validate(tt.doc, tt.typ); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestUserDefaultPropertiesDeclared(t *testing.T) {
	s := Graph()
	names := UserDefaultProperties()
	if len(names) != 11 {
		t.Fatalf("%d default properties", len(names))
	}
	for _, n := range names {
		if _, ok := s.User.Property(n); !ok {
			t.Errorf("user lacks %s", n)
		}
	}
	names[0] = "changed"
	if UserDefaultProperties()[0] != "businessPhones" {
		t.Error("UserDefaultProperties shares its backing array")
	}
}

func BenchmarkGraph(b *testing.B) {
	for b.Loop() {
		_ = Graph()
	}
}
