package odata

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// testSchema is a synthetic but realistic slice of Graph's security
// schema: alerts_v2 with enums (one with evolvable members), times, GUIDs,
// numbers, a polymorphic evidence collection whose derived types hold
// nested objects and collections, an open dictionary, an incident with a
// navigation property, and the legacy alert (open, case-insensitive).
type testSchema struct {
	alert, evidence, userEvidence, deviceEvidence, fileEvidence *Type
	userAccount, loggedOnUser, fileDetails, comment, vendor     *Type
	incident, legacy, hostState                                 *Type
	severity, status, source, verdict, role, remediation        *Enum
}

const ns = "microsoft.graph.security."

func newTestSchema() *testSchema {
	s := &testSchema{}
	s.severity = NewEnum(ns+"alertSeverity", "unknown", "informational", "low", "medium", "high", UnknownFutureValue)
	s.status = NewEnum(ns+"alertStatus", "unknown", "new", "inProgress", "resolved", UnknownFutureValue)
	s.source = NewEnum(ns+"serviceSource", "unknown", "microsoftDefenderForEndpoint", "microsoftDefenderForIdentity",
		"microsoftDefenderForOffice365", UnknownFutureValue, "microsoftDefenderForCloud", "microsoftSentinel")
	s.verdict = NewEnum(ns+"evidenceVerdict", "unknown", "suspicious", "malicious", "noThreatsFound", UnknownFutureValue)
	s.role = NewEnum(ns+"evidenceRole", "unknown", "contextual", "scanned", "source", "destination", "compromised", "attacker", UnknownFutureValue)
	s.remediation = NewEnum(ns+"evidenceRemediationStatus", "none", "remediated", "prevented", "blocked", "notFound", UnknownFutureValue, "active", "pendingApproval")
	classification := NewEnum(ns+"alertClassification", "unknown", "falsePositive", "truePositive", "informationalExpectedActivity", UnknownFutureValue)
	investigation := NewEnum(ns+"investigationState", "unknown", "terminated", "benign", "running", UnknownFutureValue)

	s.comment = NewType(ns+"alertComment", nil,
		Property{Name: "comment", Kind: KindString},
		Property{Name: "createdByDisplayName", Kind: KindString},
		Property{Name: "createdDateTime", Kind: KindDateTime, NotNull: true},
	)
	s.vendor = NewType("microsoft.graph.securityVendorInformation", nil,
		Property{Name: "provider", Kind: KindString},
		Property{Name: "providerVersion", Kind: KindString},
		Property{Name: "subProvider", Kind: KindString},
		Property{Name: "vendor", Kind: KindString},
	)
	s.userAccount = NewType(ns+"userAccount", nil,
		Property{Name: "accountName", Kind: KindString},
		Property{Name: "activeDirectoryObjectGuid", Kind: KindGuid},
		Property{Name: "azureAdUserId", Kind: KindString},
		Property{Name: "displayName", Kind: KindString},
		Property{Name: "userPrincipalName", Kind: KindString},
	)
	s.loggedOnUser = NewType(ns+"loggedOnUser", nil,
		Property{Name: "accountName", Kind: KindString},
		Property{Name: "domainName", Kind: KindString},
	)
	s.fileDetails = NewType(ns+"fileDetails", nil,
		Property{Name: "fileName", Kind: KindString},
		Property{Name: "fileSize", Kind: KindInt},
		Property{Name: "sha256", Kind: KindString},
	)
	s.evidence = NewType(ns+"alertEvidence", nil,
		Property{Name: "createdDateTime", Kind: KindDateTime, NotNull: true},
		Property{Name: "detailedRoles", Kind: KindString, Collection: true},
		Property{Name: "remediationStatus", Kind: KindEnum, Enum: s.remediation, NotNull: true},
		Property{Name: "roles", Kind: KindEnum, Enum: s.role, Collection: true, NotNull: true},
		Property{Name: "tags", Kind: KindString, Collection: true},
		Property{Name: "verdict", Kind: KindEnum, Enum: s.verdict, NotNull: true},
	)
	s.userEvidence = NewType(ns+"userEvidence", s.evidence,
		Property{Name: "userAccount", Kind: KindComplex, Type: s.userAccount},
	)
	s.deviceEvidence = NewType(ns+"deviceEvidence", s.evidence,
		Property{Name: "deviceDnsName", Kind: KindString},
		Property{Name: "ipInterfaces", Kind: KindString, Collection: true},
		Property{Name: "loggedOnUsers", Kind: KindComplex, Type: s.loggedOnUser, Collection: true},
		Property{Name: "osBuild", Kind: KindInt},
	)
	s.fileEvidence = NewType(ns+"fileEvidence", s.evidence,
		Property{Name: "fileDetails", Kind: KindComplex, Type: s.fileDetails},
	)
	s.alert = NewType(ns+"alert", nil,
		Property{Name: "id", Kind: KindString, NotNull: true, Filter: true, Sort: true},
		Property{Name: "additionalData", Kind: KindOpen, Filter: true},
		Property{Name: "assignedTo", Kind: KindString, Filter: true, Sort: true},
		Property{Name: "classification", Kind: KindEnum, Enum: classification, Filter: true},
		Property{Name: "comments", Kind: KindComplex, Type: s.comment, Collection: true},
		Property{Name: "confidence", Kind: KindDouble, Filter: true, Sort: true},
		Property{Name: "createdDateTime", Kind: KindDateTime, Filter: true, Sort: true},
		Property{Name: "evidence", Kind: KindComplex, Type: s.evidence, Collection: true, Filter: true},
		Property{Name: "investigationState", Kind: KindEnum, Enum: investigation},
		Property{Name: "isTest", Kind: KindBool, Filter: true},
		Property{Name: "lastUpdateDateTime", Kind: KindDateTime, Filter: true, Sort: true},
		Property{Name: "priorityScore", Kind: KindInt, Filter: true, Sort: true},
		Property{Name: "serviceSource", Kind: KindEnum, Enum: s.source, NotNull: true, Filter: true, Sort: true},
		Property{Name: "severity", Kind: KindEnum, Enum: s.severity, NotNull: true, Filter: true, Sort: true},
		Property{Name: "status", Kind: KindEnum, Enum: s.status, NotNull: true, Filter: true, Sort: true},
		Property{Name: "systemTags", Kind: KindString, Collection: true, Filter: true},
		Property{Name: "tenantId", Kind: KindGuid, Filter: true},
		Property{Name: "title", Kind: KindString, Sort: true},
		Property{Name: "vendorInformation", Kind: KindComplex, Type: s.vendor, Filter: true, Sort: true},
	)
	s.incident = NewType(ns+"incident", nil,
		Property{Name: "id", Kind: KindString, NotNull: true, Filter: true, Sort: true},
		Property{Name: "displayName", Kind: KindString, Sort: true},
		Property{Name: "severity", Kind: KindEnum, Enum: s.severity, NotNull: true, Filter: true},
		Property{Name: "alerts", Kind: KindComplex, Type: s.alert, Collection: true, Navigation: true},
	)
	legacySev := NewEnum("microsoft.graph.alertSeverity", "unknown", "informational", "low", "medium", "high", UnknownFutureValue)
	legacyStatus := NewEnum("microsoft.graph.alertStatus", "unknown", "newAlert", "inProgress", "resolved", "dismissed", UnknownFutureValue)
	s.hostState = NewType("microsoft.graph.hostSecurityState", nil,
		Property{Name: "fqdn", Kind: KindString},
		Property{Name: "isAzureAadJoined", Kind: KindBool},
	)
	s.legacy = NewType("microsoft.graph.alert", nil,
		Property{Name: "id", Kind: KindString, NotNull: true, Filter: true, Sort: true},
		Property{Name: "category", Kind: KindString, Filter: true, Sort: true},
		Property{Name: "eventDateTime", Kind: KindDateTime, Filter: true, Sort: true},
		Property{Name: "hostStates", Kind: KindComplex, Type: s.hostState, Collection: true, Filter: true},
		Property{Name: "severity", Kind: KindEnum, Enum: legacySev, NotNull: true, Filter: true, Sort: true},
		Property{Name: "status", Kind: KindEnum, Enum: legacyStatus, NotNull: true, Filter: true, Sort: true},
		Property{Name: "title", Kind: KindString, Filter: true, Sort: true},
		Property{Name: "vendorInformation", Kind: KindComplex, Type: s.vendor, Filter: true, Sort: true},
	)
	s.legacy.Open = true
	s.legacy.CaseInsensitive = true
	return s
}

var upnNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj"}

// genAlerts builds n deterministic alerts with 3–5 evidence items each, in
// the default order of alerts_v2 (most recent first).
func (s *testSchema) genAlerts(n int, seed uint64) []Object {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	docs := make([]Object, n)
	for i := range docs {
		created := base.Add(-time.Duration(i)*time.Minute - time.Duration(r.IntN(59))*time.Second)
		sev := s.severity.Members[r.IntN(5)]
		doc := Object{
			"id":                 fmt.Sprintf("da63755122767756%04d_%d", i%10000, i),
			"title":              fmt.Sprintf("Suspicious activity %d", r.IntN(50)),
			"severity":           sev,
			"status":             s.status.Members[r.IntN(4)],
			"serviceSource":      s.source.Members[r.IntN(len(s.source.Members))],
			"createdDateTime":    At(created),
			"lastUpdateDateTime": At(created.Add(time.Duration(r.IntN(3600)) * time.Second)),
			"priorityScore":      int64(r.IntN(100)),
			"confidence":         float64(r.IntN(1000)) / 10,
			"tenantId":           "4b2462a4-bbee-495a-a0e1-f23ae524cc9c",
			"systemTags":         []any{},
		}
		if r.IntN(3) == 0 {
			doc["assignedTo"] = upnNames[r.IntN(len(upnNames))] + "@contoso.com"
		}
		if r.IntN(4) == 0 {
			doc["systemTags"] = []any{"Defender Experts"}
		}
		if r.IntN(5) == 0 {
			doc["isTest"] = r.IntN(2) == 0
		}
		nev := 3 + r.IntN(3)
		ev := make([]any, nev)
		for j := range ev {
			common := Object{
				"createdDateTime":   At(created),
				"remediationStatus": s.remediation.Members[r.IntN(len(s.remediation.Members))],
				"roles":             []any{s.role.Members[r.IntN(7)]},
				"verdict":           s.verdict.Members[r.IntN(4)],
				"tags":              []any{},
				"detailedRoles":     []any{},
			}
			switch r.IntN(3) {
			case 0:
				common["@odata.type"] = "#" + ns + "userEvidence"
				u := upnNames[r.IntN(len(upnNames))]
				common["userAccount"] = Object{"accountName": u, "userPrincipalName": u + "@contoso.com", "displayName": u}
			case 1:
				common["@odata.type"] = "#" + ns + "deviceEvidence"
				common["deviceDnsName"] = fmt.Sprintf("pc%03d.contoso.com", r.IntN(300))
				common["osBuild"] = int64(19041 + r.IntN(5))
				common["ipInterfaces"] = []any{fmt.Sprintf("10.0.%d.%d", r.IntN(255), r.IntN(255))}
				common["loggedOnUsers"] = []any{Object{"accountName": upnNames[r.IntN(len(upnNames))], "domainName": "CONTOSO"}}
			default:
				common["@odata.type"] = "#" + ns + "fileEvidence"
				common["fileDetails"] = Object{"fileName": fmt.Sprintf("mal%d.exe", r.IntN(40)), "fileSize": int64(r.IntN(1 << 20))}
			}
			ev[j] = common
		}
		doc["evidence"] = ev
		docs[i] = doc
	}
	return docs
}
