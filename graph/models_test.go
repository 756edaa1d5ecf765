package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDecodeAlertV2(t *testing.T) {
	var a Alert
	if err := json.Unmarshal([]byte(fixture(t, "alert_v2.json")), &a); err != nil {
		t.Fatal(err)
	}
	if a.ID != "da637551227677560813_-961444813" || a.IncidentID != "28282" || a.Status != AlertStatusNew ||
		a.Severity != AlertSeverityLow || a.ServiceSource != ServiceSourceMicrosoftDefenderForEndpoint ||
		a.DetectionSource != DetectionSourceAntivirus || a.InvestigationState != InvestigationStatePartiallyRemediated ||
		a.AssignedTo != "" || a.RecommendedActions == "" || len(a.MITRETechniques) != 1 {
		t.Errorf("alert fields: %+v", a)
	}
	if !a.LastUpdateDateTime.Equal(mustTime("2021-05-02T14:19:01.3266667Z")) || !a.ResolvedDateTime.IsZero() {
		t.Errorf("times: %v %v", a.LastUpdateDateTime, a.ResolvedDateTime)
	}
	if len(a.Comments) != 1 || a.Comments[0].CreatedByDisplayName != "secAdmin@contoso.com" {
		t.Errorf("comments: %+v", a.Comments)
	}
	if a.AdditionalData["key"] != "value" {
		t.Errorf("additionalData: %v", a.AdditionalData)
	}
	if len(a.Evidence) != 6 {
		t.Fatalf("%d evidence entries", len(a.Evidence))
	}
	dev, ok := a.Evidence[0].(*DeviceEvidence)
	if !ok || dev.DeviceDNSName != "tempDns" || *dev.OSBuild != 22424 || *dev.RBACGroupID != 75 || dev.HealthStatus != DeviceHealthStatusActive ||
		dev.RiskScore != DeviceRiskScoreMedium || dev.OnboardingStatus != OnboardingStatusOnboarded || dev.VMMetadata.CloudProvider != VMCloudProviderAzure ||
		dev.LoggedOnUsers[0].AccountName != "MyUser" || dev.Roles[0] != EvidenceRoleCompromised || dev.Common().DetailedRoles[0] != "Main device" {
		t.Errorf("device evidence: %#v", a.Evidence[0])
	}
	file, ok := a.Evidence[1].(*FileEvidence)
	if !ok || file.DetectionStatus != DetectionStatusDetected || *file.FileDetails.FileSize != 6136392 || file.FileDetails.FilePath != `C:\Program Files\temp` {
		t.Errorf("file evidence: %#v", a.Evidence[1])
	}
	proc, ok := a.Evidence[2].(*ProcessEvidence)
	if !ok || *proc.ProcessID != 4780 || proc.UserAccount.UserSID != "S-1-5-18" || proc.ParentProcessImageFile.FileName != "services.exe" {
		t.Errorf("process evidence: %#v", a.Evidence[2])
	}
	if rk, ok := a.Evidence[3].(*RegistryKeyEvidence); !ok || rk.RegistryHive != "HKEY_LOCAL_MACHINE" {
		t.Errorf("registry key evidence: %#v", a.Evidence[3])
	}
	if u, ok := a.Evidence[4].(*UserEvidence); !ok || u.UserAccount.UserPrincipalName != "alice@contoso.com" || u.Verdict != EvidenceVerdictSuspicious {
		t.Errorf("user evidence: %#v", a.Evidence[4])
	}
	unk, ok := a.Evidence[5].(*UnknownEvidence)
	if !ok || unk.TypeName() != "#microsoft.graph.security.kubernetesPodEvidence" || unk.Verdict != EvidenceVerdictMalicious || unk.Err != nil {
		t.Errorf("unknown evidence: %#v", a.Evidence[5])
	}
	for i, ev := range a.Evidence[:5] {
		if ev.TypeName() != ev.Common().ODataType {
			t.Errorf("evidence %d: TypeName %s, @odata.type %s", i, ev.TypeName(), ev.Common().ODataType)
		}
	}
}

// compactFixture is a fixture as Graph sends it: without insignificant
// whitespace (encoding/json compacts what it re-encodes).
func compactFixture(t testing.TB, name string) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(fixture(t, name))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAlertRoundTripKeepsUnknownEvidence(t *testing.T) {
	src := compactFixture(t, "alert_v2.json")
	var a Alert
	if err := json.Unmarshal(src, &a); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Evidence []json.RawMessage `json:"evidence"`
	}
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	var orig struct {
		Evidence []json.RawMessage `json:"evidence"`
	}
	_ = json.Unmarshal(src, &orig)
	if string(back.Evidence[5]) != string(orig.Evidence[5]) {
		t.Errorf("unknown evidence changed:\n%s\n%s", orig.Evidence[5], back.Evidence[5])
	}
	var again Alert
	if err := json.Unmarshal(out, &again); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, again, cmp.Comparer(func(x, y time.Time) bool { return x.Equal(y) })); d != "" {
		t.Errorf("round trip (-first +second):\n%s", d)
	}
}

func TestEvidenceTypes(t *testing.T) {
	tests := []struct {
		json  string
		check func(Evidence) bool
	}{
		{`{"@odata.type":"#microsoft.graph.security.ipEvidence","ipAddress":"1.2.3.4","countryLetterCode":"US","location":{"city":"Seattle","latitude":47.6,"longitude":-122.3},"stream":{"name":"s"}}`,
			func(e Evidence) bool {
				v, ok := e.(*IPEvidence)
				return ok && v.IPAddress == "1.2.3.4" && *v.Location.Latitude == 47.6
			}},
		{`{"@odata.type":"#microsoft.graph.security.urlEvidence","url":"https://evil.example/"}`,
			func(e Evidence) bool { v, ok := e.(*URLEvidence); return ok && v.URL == "https://evil.example/" }},
		{`{"@odata.type":"#microsoft.graph.security.mailboxEvidence","primaryAddress":"a@b.c","upn":"a@b.c","displayName":"A","userAccount":{"accountName":"a"}}`,
			func(e Evidence) bool {
				v, ok := e.(*MailboxEvidence)
				return ok && v.PrimaryAddress == "a@b.c" && v.UserAccount.AccountName == "a"
			}},
		{`{"@odata.type":"#microsoft.graph.security.analyzedMessageEvidence","subject":"hi","attachmentsCount":2,"urlCount":1,"urls":["u"],"p1Sender":{"emailAddress":"x@y"},"receivedDateTime":"2021-01-01T00:00:00Z","threats":["Phish"]}`,
			func(e Evidence) bool {
				v, ok := e.(*AnalyzedMessageEvidence)
				return ok && *v.AttachmentsCount == 2 && v.P1Sender.EmailAddress == "x@y" && !v.ReceivedDateTime.IsZero()
			}},
		{`{"@odata.type":"#microsoft.graph.security.registryValueEvidence","registryValueName":"Run","registryValueType":"String","registryHive":"HKEY_CURRENT_USER"}`,
			func(e Evidence) bool { v, ok := e.(*RegistryValueEvidence); return ok && v.RegistryValueName == "Run" }},
		{`{"@odata.type":"#microsoft.graph.security.mailClusterEvidence","emailCount":5,"networkMessageIds":["n"],"clusterBy":"Subject"}`,
			func(e Evidence) bool { v, ok := e.(*MailClusterEvidence); return ok && *v.EmailCount == 5 }},
		{`{"@odata.type":"#microsoft.graph.security.cloudApplicationEvidence","appId":11161,"displayName":"Office 365","instanceId":0,"saasAppId":11161}`,
			func(e Evidence) bool {
				v, ok := e.(*CloudApplicationEvidence)
				return ok && *v.AppID == 11161 && *v.InstanceID == 0
			}},
		{`{"@odata.type":"#microsoft.graph.security.oauthApplicationEvidence","appId":"guid","publisher":"Contoso"}`,
			func(e Evidence) bool { v, ok := e.(*OAuthApplicationEvidence); return ok && v.Publisher == "Contoso" }},
		{`{"@odata.type":"#microsoft.graph.security.securityGroupEvidence","securityGroupId":"g","sid":"S-1"}`,
			func(e Evidence) bool { v, ok := e.(*SecurityGroupEvidence); return ok && v.SID == "S-1" }},
		{`{"@odata.type":"#microsoft.graph.security.malwareEvidence","name":"Trojan","files":[{"fileDetails":{"fileName":"a.exe"}}],"processes":[{"processId":1}]}`,
			func(e Evidence) bool {
				v, ok := e.(*MalwareEvidence)
				return ok && v.Files[0].FileDetails.FileName == "a.exe" && *v.Processes[0].ProcessID == 1
			}},
		{`{"@odata.type":"#microsoft.graph.security.networkConnectionEvidence","destinationAddress":{"@odata.type":"#microsoft.graph.security.ipEvidence","ipAddress":"10.0.0.1"},"destinationPort":443,"protocol":"tcp","sourceAddress":{"ipAddress":"10.0.0.2"},"sourcePort":50000}`,
			func(e Evidence) bool {
				v, ok := e.(*NetworkConnectionEvidence)
				return ok && v.DestinationAddress.IPAddress == "10.0.0.1" && *v.DestinationPort == 443 && v.Protocol == ProtocolTypeTcp
			}},
		{`{"@odata.type":"#microsoft.graph.security.dnsEvidence","domainName":"evil.example","dnsServerIp":{"ipAddress":"8.8.8.8"},"ipAddresses":[{"ipAddress":"1.1.1.1"}]}`,
			func(e Evidence) bool {
				v, ok := e.(*DNSEvidence)
				return ok && v.DNSServerIP.IPAddress == "8.8.8.8" && v.IPAddresses[0].IPAddress == "1.1.1.1"
			}},
		{`{"@odata.type":"#microsoft.graph.security.fileHashEvidence","algorithm":"sha256","value":"ab"}`,
			func(e Evidence) bool {
				v, ok := e.(*FileHashEvidence)
				return ok && v.Algorithm == FileHashAlgorithmSha256
			}},
		// @odata.type not first: the nested ipEvidence must not decide the type.
		{`{"destinationAddress":{"@odata.type":"#microsoft.graph.security.ipEvidence","ipAddress":"10.0.0.1"},"@odata.type":"#microsoft.graph.security.networkConnectionEvidence"}`,
			func(e Evidence) bool { _, ok := e.(*NetworkConnectionEvidence); return ok }},
		// Case and missing '#' tolerated.
		{`{"@odata.type":"microsoft.graph.security.USEREVIDENCE","userAccount":{"accountName":"x"}}`,
			func(e Evidence) bool { v, ok := e.(*UserEvidence); return ok && v.UserAccount.AccountName == "x" }},
		// Escaped type name takes the slow path.
		{`{"@odata.type":"#microsoft.graph.security.url\u0045vidence","url":"u"}`,
			func(e Evidence) bool { _, ok := e.(*URLEvidence); return ok }},
		// A modelled type with a member of the wrong JSON type falls back, with the reason.
		{`{"@odata.type":"#microsoft.graph.security.deviceEvidence","osBuild":"not a number","verdict":"malicious"}`,
			func(e Evidence) bool {
				v, ok := e.(*UnknownEvidence)
				return ok && v.Err != nil && v.Verdict == EvidenceVerdictMalicious && v.TypeName() == "#microsoft.graph.security.deviceEvidence"
			}},
		// No type at all.
		{`{"verdict":"suspicious"}`,
			func(e Evidence) bool {
				v, ok := e.(*UnknownEvidence)
				return ok && v.TypeName() == "" && v.Verdict == EvidenceVerdictSuspicious
			}},
		// Not even an object.
		{`42`, func(e Evidence) bool { v, ok := e.(*UnknownEvidence); return ok && string(v.Raw) == "42" }},
	}
	for _, tt := range tests {
		t.Run(tt.json[:min(len(tt.json), 60)], func(t *testing.T) {
			if ev := DecodeEvidence([]byte(tt.json)); !tt.check(ev) {
				t.Errorf("decoded %#v", ev)
			}
		})
	}
}

func TestEvidenceListEncoding(t *testing.T) {
	l := EvidenceList{&URLEvidence{URL: "https://x"}, &UserEvidence{}, &UnknownEvidence{EvidenceBase: EvidenceBase{Verdict: "malicious"}}, nil}
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, b, `[{"@odata.type":"#microsoft.graph.security.urlEvidence","url":"https://x"},{"@odata.type":"#microsoft.graph.security.userEvidence"},{"verdict":"malicious"},null]`)
	if b, _ := json.Marshal(EvidenceList(nil)); string(b) != "[]" {
		t.Errorf("nil list: %s", b)
	}
	var back EvidenceList
	if err := json.Unmarshal([]byte(`null`), &back); err != nil || back != nil {
		t.Errorf("null: %v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"a":1}`), &back); err == nil {
		t.Error("an object decoded as an evidence list")
	}
}

func TestUnknownEnumValues(t *testing.T) {
	body := `{"id":"a","status":"awaitingTriage","severity":"CRITICAL","serviceSource":"microsoftSecurityForAI","detectionSource":"brandNewDetector",
	"classification":"TruePositive","determination":"compromisedUser","comments":[],
	"evidence":[{"@odata.type":"#microsoft.graph.security.fileEvidence","verdict":"quarantinedByMagic","remediationStatus":"Active","roles":["victim","Attacker"]}]}`
	var a Alert
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("an unknown enum value failed the decode: %v", err)
	}
	if a.Status != "awaitingTriage" || a.Status.IsKnown() {
		t.Errorf("status %q", a.Status)
	}
	if a.Severity != "CRITICAL" || a.ServiceSource != ServiceSourceMicrosoftSecurityForAI || a.DetectionSource != "brandNewDetector" {
		t.Errorf("enums %q %q %q", a.Severity, a.ServiceSource, a.DetectionSource)
	}
	if a.Classification != AlertClassificationTruePositive || !a.Classification.IsKnown() {
		t.Errorf("PascalCase not mapped: %q", a.Classification)
	}
	if a.Determination != "compromisedUser" {
		t.Errorf("determination %q", a.Determination)
	}
	f := a.Evidence[0].(*FileEvidence)
	if f.Verdict != "quarantinedByMagic" || f.RemediationStatus != EvidenceRemediationStatusActive ||
		len(f.Roles) != 2 || f.Roles[0] != "victim" || f.Roles[1] != EvidenceRoleAttacker {
		t.Errorf("evidence enums %+v", f.EvidenceBase)
	}
	out, _ := json.Marshal(a)
	if !strings.Contains(string(out), `"status":"awaitingTriage"`) || !strings.Contains(string(out), `"verdict":"quarantinedByMagic"`) {
		t.Errorf("unknown values not written back: %s", out)
	}
}

func TestDecodeEnumEdgeCases(t *testing.T) {
	tests := []struct {
		in   string
		want AlertStatus
	}{
		{`"new"`, AlertStatusNew},
		{`"NEW"`, AlertStatusNew},
		{`"in\u0050rogress"`, AlertStatusInProgress},
		{`"x\"y"`, `x"y`},
		{`null`, "keep"},
		{`7`, "7"},
		{`{"a":1}`, `{"a":1}`},
	}
	for _, tt := range tests {
		v := AlertStatus("keep")
		if err := json.Unmarshal([]byte(tt.in), &v); err != nil || v != tt.want {
			t.Errorf("%s → %q, %v; want %q", tt.in, v, err, tt.want)
		}
	}
}

func TestDecodeLegacyAlert(t *testing.T) {
	var a LegacyAlert
	if err := json.Unmarshal([]byte(fixture(t, "legacy_alert.json")), &a); err != nil {
		t.Fatal(err)
	}
	if a.Severity != LegacyAlertSeverityHigh || a.Status != LegacyAlertStatusNewAlert || a.Feedback != LegacyAlertFeedbackTruePositive ||
		*a.Confidence != 80 || a.VendorInformation.Provider != "Windows Defender ATP" || *a.VendorInformation.ProviderVersion != "3.0" ||
		a.VendorInformation.SubProvider != nil || !a.ClosedDateTime.IsZero() {
		t.Errorf("legacy alert: %+v", a)
	}
	if h := a.HostStates[0]; h.FQDN != "pc123.contoso.com" || !*h.IsAzureADJoined || *h.IsAzureADRegistered || h.IsHybridAzureDomainJoined != nil {
		t.Errorf("host state: %+v", h)
	}
	if u := a.UserStates[0]; u.EmailRole != EmailRoleRecipient || u.LogonType != LogonTypeRemoteInteractive ||
		u.UserAccountType != UserAccountSecurityTypeAdministrator || *u.IsVPN {
		t.Errorf("user state: %+v", u)
	}
	if p := a.Processes[0]; p.IntegrityLevel != ProcessIntegrityLevelSystem || *p.ProcessID != 1234 || p.FileHash.HashType != FileHashTypeMd5 {
		t.Errorf("process: %+v", p)
	}
	if n := a.NetworkConnections[0]; n.Direction != ConnectionDirectionOutbound || n.Protocol != SecurityNetworkProtocolTcp ||
		n.Status != ConnectionStatusSucceeded || n.DestinationPort != "445" {
		t.Errorf("connection: %+v", n)
	}
	if r := a.RegistryKeyStates[0]; r.Hive != RegistryHiveLocalMachineSoftware || r.Operation != RegistryOperationCreate || r.ValueType != RegistryValueTypeSz {
		t.Errorf("registry: %+v", r)
	}
	if a.SecurityResources[0].ResourceType != SecurityResourceTypeAttacked || a.Triggers[0].Value != "10.154.9.40" ||
		a.MalwareStates[0].Family != "WannaCry" || a.VulnerabilityStates[0].CVE != "CVE-2017-0144" ||
		a.CloudAppStates[0].DestinationServiceName != "Dropbox" || a.FileStates[0].FileHash.HashType != FileHashTypeSha256 ||
		a.HistoryStates[0].Status != LegacyAlertStatusNewAlert || a.InvestigationSecurityStates[0].Status != "running" ||
		a.MessageSecurityStates[0].DeliveryLocation != "Inbox" || a.URIClickSecurityStates[0].Verdict != "malicious" ||
		a.AlertDetections[0].Name != "ransom" || a.LastEventDateTime.IsZero() {
		t.Errorf("complex types: %+v", a)
	}
	// Open type: the undeclared riskScore survives and is written back.
	if string(a.AdditionalData["riskScore"]) != "null" || len(a.AdditionalData) != 1 {
		t.Errorf("AdditionalData = %v", a.AdditionalData)
	}
	out, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"riskScore":null`) {
		t.Errorf("undeclared member not written back: %s", out)
	}
	var back LegacyAlert
	if err := json.Unmarshal(out, &back); err != nil || back.ID != a.ID || len(back.AdditionalData) != 1 {
		t.Errorf("round trip: %v %+v", err, back)
	}
}

func TestOpenTypeEncoding(t *testing.T) {
	a := LegacyAlert{ID: "x", AdditionalData: map[string]json.RawMessage{"zeta": json.RawMessage(`1`), "alpha": nil, "ID": json.RawMessage(`"clash"`)}}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, b, `{"id":"x","azureTenantId":"","severity":"","status":"","title":"","alpha":null,"zeta":1}`)
	if !strings.HasSuffix(string(b), `"alpha":null,"zeta":1}`) {
		t.Errorf("extras not sorted: %s", b)
	}
	cs := ControlScore{AdditionalData: map[string]json.RawMessage{"count": json.RawMessage(`"1"`)}}
	if b, _ := json.Marshal(cs); string(b) != `{"count":"1"}` {
		t.Errorf("extras into an empty object: %s", b)
	}
	if err := json.Unmarshal([]byte(`[1]`), &a); err == nil {
		t.Error("an array decoded as an open type")
	}
}

func TestDecodeOtherResources(t *testing.T) {
	t.Run("incident", func(t *testing.T) {
		var in Incident
		if err := json.Unmarshal([]byte(fixture(t, "incident.json")), &in); err != nil {
			t.Fatal(err)
		}
		if in.ID != "2972395" || in.Status != IncidentStatusActive || in.Classification != AlertClassificationTruePositive ||
			in.Determination != AlertDeterminationMultiStagedAttack || *in.PriorityScore != 42 || in.CustomTags[0] != "Demo" || len(in.Comments) != 1 {
			t.Errorf("%+v", in)
		}
	})
	t.Run("secure score keeps open members", func(t *testing.T) {
		var s SecureScore
		if err := json.Unmarshal([]byte(fixture(t, "securescore.json")), &s); err != nil {
			t.Fatal(err)
		}
		if *s.CurrentScore != 48.5 || *s.MaxScore != 423 || *s.ActiveUserCount != 0 || s.EnabledServices[0] != "HasExchange" {
			t.Errorf("%+v", s)
		}
		if string(s.AdditionalData["riskLevel"]) != `"low"` {
			t.Errorf("secure score extras %v", s.AdditionalData)
		}
		cs := s.ControlScores[0]
		if cs.ControlName != "AdminMFA" || *cs.Score != 10 || string(cs.AdditionalData["scoreInPercentage"]) != "50.0" || len(cs.AdditionalData) != 4 {
			t.Errorf("control score %+v", cs)
		}
		if acs := s.AverageComparativeScores[0]; acs.Basis != "AllTenants" || string(acs.AdditionalData["identityScore"]) != "7.1" {
			t.Errorf("comparative %+v", acs)
		}
		out, _ := json.Marshal(s)
		for _, want := range []string{`"riskLevel":"low"`, `"scoreInPercentage":50.0`, `"identityScore":7.1`} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s missing from %s", want, out)
			}
		}
		var back SecureScore
		if err := json.Unmarshal(out, &back); err != nil || len(back.ControlScores[0].AdditionalData) != 4 {
			t.Errorf("round trip %v", err)
		}
	})
	t.Run("control profile", func(t *testing.T) {
		var p ControlProfile
		if err := json.Unmarshal([]byte(fixture(t, "controlprofile.json")), &p); err != nil {
			t.Fatal(err)
		}
		if p.Tier != "Defense in Depth" || *p.Rank != 37 || *p.Deprecated || p.ControlStateUpdates[0].State != ControlStateIgnored ||
			p.ComplianceInformation[0].CertificationControls[0].Name != "A.9.2" || p.Threats[0] != "Account Breach" {
			t.Errorf("%+v", p)
		}
	})
	t.Run("security action", func(t *testing.T) {
		var a SecurityAction
		if err := json.Unmarshal([]byte(fixture(t, "securityaction.json")), &a); err != nil {
			t.Fatal(err)
		}
		if a.Status != OperationStatusNotStarted || a.States[0].Status != OperationStatusRunning || a.Parameters[0].Value != "1.2.3.4" || a.ErrorInfo != nil {
			t.Errorf("%+v", a)
		}
	})
	t.Run("subscription", func(t *testing.T) {
		var s Subscription
		if err := json.Unmarshal([]byte(fixture(t, "subscription.json")), &s); err != nil {
			t.Fatal(err)
		}
		if s.Resource != "security/alerts?$filter=status eq 'NewAlert'" || s.ChangeType != "created,updated" || *s.IncludeResourceData ||
			!s.ExpirationDateTime.Equal(mustTime("2016-11-20T18:23:45.9356913Z")) || s.LatestSupportedTLSVersion != "v1_2" {
			t.Errorf("%+v", s)
		}
	})
	t.Run("user", func(t *testing.T) {
		var u User
		if err := json.Unmarshal([]byte(fixture(t, "user.json")), &u); err != nil {
			t.Fatal(err)
		}
		if u.DisplayName != "Adele Vance" || u.BusinessPhones[0] != "+1 425 555 0109" || u.ID != "87d349ed-44d7-43e1-9a83-5f2406dee5bd" {
			t.Errorf("%+v", u)
		}
	})
}

func TestDecodeChangeNotifications(t *testing.T) {
	c, err := DecodeChangeNotifications(strings.NewReader(fixture(t, "notifications.json")), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Value) != 2 {
		t.Fatalf("%d notifications", len(c.Value))
	}
	n := c.Value[0]
	if n.ChangeType != ChangeTypeUpdated || n.ClientState != "secretClientValue" || n.Resource != "security/alerts/abc" ||
		n.ResourceData["id"] != "abc" || n.SubscriptionExpirationDateTime.IsZero() {
		t.Errorf("%+v", n)
	}
	if c.Value[1].LifecycleEvent != LifecycleEventReauthorizationRequired {
		t.Errorf("lifecycle %+v", c.Value[1])
	}
	for _, bad := range []string{``, `[]`, `{"value":null}`, `{}`, `{"value":[1]}`, `nope`} {
		if _, err := DecodeChangeNotifications(strings.NewReader(bad), 0); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
	if _, err := DecodeChangeNotifications(strings.NewReader(`{"value":[]}`+strings.Repeat(" ", 100)), 50); !errors.Is(err, ErrResponseTooLarge) {
		t.Errorf("oversized: %v", err)
	}
}

func TestPatchBodies(t *testing.T) {
	tests := []struct {
		name string
		body any
		want string
	}{
		{"alert: unset fields omitted", AlertUpdate{Status: Some(AlertStatusInProgress)}, `{"status":"inProgress"}`},
		{"alert: unassign sends null", AlertUpdate{AssignedTo: Clear[string]()}, `{"assignedTo":null}`},
		{"alert: all fields", AlertUpdate{AssignedTo: Some("secAdmin@contoso.onmicrosoft.com"), Classification: Some(AlertClassificationTruePositive),
			Determination: Some(AlertDeterminationMalware), Status: Some(AlertStatusInProgress)},
			`{"assignedTo":"secAdmin@contoso.onmicrosoft.com","classification":"truePositive","determination":"malware","status":"inProgress"}`},
		{"incident: empty string and empty list are sent", IncidentUpdate{AssignedTo: Some(""), CustomTags: Some([]string{})}, `{"assignedTo":"","customTags":[]}`},
		{"legacy: vendorInformation always, nulls for the SDK's fields", LegacyAlertUpdate{Status: Some(LegacyAlertStatusResolved),
			ClosedDateTime: Some(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)), VendorInformation: SecurityVendorInformation{Provider: "IPC", Vendor: "Microsoft"}, ReturnRepresentation: true},
			`{"closedDateTime":"2026-03-01T12:00:00Z","status":"resolved","vendorInformation":{"provider":"IPC","providerVersion":null,"subProvider":null,"vendor":"Microsoft"}}`},
		{"legacy: clear closedDateTime", LegacyAlertUpdate{ClosedDateTime: Clear[time.Time](), Comments: Some([]string{"Closed in IPC"}),
			VendorInformation: SecurityVendorInformation{Provider: "IPC", Vendor: "Microsoft"}},
			`{"closedDateTime":null,"comments":["Closed in IPC"],"vendorInformation":{"provider":"IPC","providerVersion":null,"subProvider":null,"vendor":"Microsoft"}}`},
		{"control profile", ControlProfileUpdate{State: Some(ControlStateIgnored), Comment: Some(""), VendorInformation: SecurityVendorInformation{Provider: "SecureScore", Vendor: "Microsoft"}},
			`{"comment":"","state":"Ignored","vendorInformation":{"provider":"SecureScore","providerVersion":null,"subProvider":null,"vendor":"Microsoft"}}`},
		{"sendMail: saveToSentItems false is sent", SendMail{Message: Message{Subject: "s", ToRecipients: Recipients("a@b.c")}, SaveToSentItems: Some(false)},
			`{"message":{"subject":"s","toRecipients":[{"emailAddress":{"address":"a@b.c"}}]},"saveToSentItems":false}`},
		{"sendMail: unset saveToSentItems omitted", SendMail{Message: Message{ToRecipients: Recipients("a@b.c")}},
			`{"message":{"toRecipients":[{"emailAddress":{"address":"a@b.c"}}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
		})
	}
}

func TestOptional(t *testing.T) {
	var o Optional[bool]
	if !o.IsZero() || o.IsNull() {
		t.Error("zero Optional")
	}
	if b, _ := o.MarshalJSON(); string(b) != "null" {
		t.Errorf("unset marshals %s", b)
	}
	o = Some(false)
	if v, ok := o.Get(); v || !ok || o.IsZero() {
		t.Error("Some(false)")
	}
	var u AlertUpdate
	if err := json.Unmarshal([]byte(`{"assignedTo":null,"status":"resolved"}`), &u); err != nil {
		t.Fatal(err)
	}
	if !u.AssignedTo.IsNull() || u.Status != Some(AlertStatusResolved) || !u.Classification.IsZero() {
		t.Errorf("%+v", u)
	}
	if err := json.Unmarshal([]byte(`{"assignedTo":5}`), &u); err == nil {
		t.Error("a number decoded into Optional[string]")
	}
}

func TestMailHelpers(t *testing.T) {
	a := NewFileAttachment("a.txt", "text/plain", []byte("Hello World!"))
	b, _ := json.Marshal(a)
	if string(b) != `{"@odata.type":"#microsoft.graph.fileAttachment","name":"a.txt","contentType":"text/plain","contentBytes":"SGVsbG8gV29ybGQh"}` {
		t.Errorf("%s", b)
	}
	if TextBody("x").ContentType != BodyTypeText || HTMLBody("<b>x</b>").ContentType != BodyTypeHTML {
		t.Error("body helpers")
	}
}

func TestEvidenceListSplitting(t *testing.T) {
	in := ` [ {"@odata.type":"#microsoft.graph.security.urlEvidence","url":"a,]\"}\\"} , 42 , "s,[" , [1,[2,{"x":"]"}]], {} ] `
	var l EvidenceList
	if err := json.Unmarshal([]byte(in), &l); err != nil {
		t.Fatal(err)
	}
	if len(l) != 5 {
		t.Fatalf("%d entries", len(l))
	}
	if u, ok := l[0].(*URLEvidence); !ok || u.URL != `a,]"}\` {
		t.Errorf("first entry %#v", l[0])
	}
	wantRaw := []string{"", "42", `"s,["`, `[1,[2,{"x":"]"}]]`, "{}"}
	for i := 1; i < 5; i++ {
		if u, ok := l[i].(*UnknownEvidence); !ok || string(u.Raw) != wantRaw[i] {
			t.Errorf("entry %d: %#v", i, l[i])
		}
	}
	if err := json.Unmarshal([]byte(`[]`), &l); err != nil || l == nil || len(l) != 0 {
		t.Errorf("empty array: %v %#v", err, l)
	}
	for _, bad := range []string{`{}`, `"x"`, `1`, `true`} {
		var te *json.UnmarshalTypeError
		if err := l.UnmarshalJSON([]byte(bad)); !errors.As(err, &te) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	var se *json.SyntaxError
	if err := l.UnmarshalJSON([]byte(`[{"a":}]`)); !errors.As(err, &se) {
		t.Errorf("invalid JSON: %v", err)
	}
	if err := l.UnmarshalJSON([]byte(``)); err == nil {
		t.Error("empty input accepted")
	}
}

func TestEvidenceTypeNamesRoundTrip(t *testing.T) {
	names := []string{"userEvidence", "deviceEvidence", "fileEvidence", "ipEvidence", "urlEvidence", "processEvidence",
		"mailboxEvidence", "analyzedMessageEvidence", "registryKeyEvidence", "registryValueEvidence", "mailClusterEvidence",
		"cloudApplicationEvidence", "oauthApplicationEvidence", "securityGroupEvidence", "malwareEvidence",
		"networkConnectionEvidence", "dnsEvidence", "fileHashEvidence"}
	for _, n := range names {
		ev := newEvidence(n)
		if ev == nil || ev.TypeName() != "#microsoft.graph.security."+n {
			t.Errorf("%s: %#v", n, ev)
			continue
		}
		// Encoding fills @odata.type in, and decoding picks the same type.
		b, err := json.Marshal(EvidenceList{ev})
		if err != nil {
			t.Fatal(err)
		}
		var back EvidenceList
		if err := json.Unmarshal(b, &back); err != nil || back[0].TypeName() != ev.TypeName() || back[0].Common().ODataType != ev.TypeName() {
			t.Errorf("%s: %s → %#v (%v)", n, b, back, err)
		}
	}
}

// Graph's metadata names the join flags isAzureAdJoined/isAzureAdRegistered;
// older docs samples say isAzureAadJoined/isAzureAadRegistered. Both read.
func TestHostSecurityStateNames(t *testing.T) {
	tests := []struct {
		name, in           string
		joined, registered *bool
	}{
		{"metadata names", `{"isAzureAdJoined":true,"isAzureAdRegistered":false}`, boolPtr(true), boolPtr(false)},
		{"older docs names", `{"isAzureAadJoined":false,"isAzureAadRegistered":true}`, boolPtr(false), boolPtr(true)},
		{"metadata wins", `{"isAzureAdJoined":true,"isAzureAadJoined":false}`, boolPtr(true), nil},
		{"absent", `{"fqdn":"pc1"}`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h HostSecurityState
			if err := json.Unmarshal([]byte(tt.in), &h); err != nil {
				t.Fatal(err)
			}
			if !eqBoolPtr(h.IsAzureADJoined, tt.joined) || !eqBoolPtr(h.IsAzureADRegistered, tt.registered) {
				t.Fatalf("joined %v registered %v", h.IsAzureADJoined, h.IsAzureADRegistered)
			}
		})
	}
	b, _ := json.Marshal(HostSecurityState{IsAzureADJoined: boolPtr(true)})
	if string(b) != `{"isAzureAdJoined":true}` {
		t.Errorf("encoded %s", b)
	}
}

func boolPtr(b bool) *bool { return &b }

func eqBoolPtr(a, b *bool) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
