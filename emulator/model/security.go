package model

import "github.com/graphsec/graphsec/emulator/odata"

const securityNS = "microsoft.graph.security."

// namesOnlyEvidence are the evidence types the facts list by name only.
// They are declared with no properties of their own so that a stored alert
// can carry them (with the base properties) and a cast to them parses;
// clients must keep such evidence even when they do not understand it.
var namesOnlyEvidence = []string{
	"activeDirectoryDomainEvidence", "aiAgentEvidence", "amazonResourceEvidence", "azureResourceEvidence",
	"blobContainerEvidence", "blobEvidence", "cloudLogonRequestEvidence", "cloudLogonSessionEvidence",
	"containerEvidence", "containerImageEvidence", "containerRegistryEvidence", "gitHubOrganizationEvidence",
	"gitHubRepoEvidence", "gitHubUserEvidence", "googleCloudResourceEvidence", "hostLogonSessionEvidence",
	"ioTDeviceEvidence", "kubernetesClusterEvidence", "kubernetesControllerEvidence", "kubernetesNamespaceEvidence",
	"kubernetesPodEvidence", "kubernetesSecretEvidence", "kubernetesServiceAccountEvidence", "kubernetesServiceEvidence",
	"mailboxConfigurationEvidence", "nicEvidence", "sasTokenEvidence", "servicePrincipalEvidence",
	"submissionMailEvidence", "teamsMessageEvidence",
}

// NamesOnlyEvidence returns the short names of the evidence types declared
// without properties of their own (a fresh slice).
func NamesOnlyEvidence() []string { return append([]string(nil), namesOnlyEvidence...) }

// security declares alerts_v2, its evidence hierarchy, alertComment and
// incidents (§2, §3).
//
// alerts_v2 $filter (as the docs allow): assignedTo, classification,
// determination, createdDateTime, lastUpdateDateTime, severity,
// serviceSource, status, and evidence (lambdas with type casts). A filter
// on investigationState is refused, as the real service answers 400.
// alerts_v2 $orderby (the docs are silent; chosen here): id, title,
// severity, status, serviceSource, createdDateTime, lastUpdateDateTime
// (connectors poll with $orderby=lastUpdateDateTime asc),
// firstActivityDateTime, lastActivityDateTime and resolvedDateTime.
//
// incidents $filter (docs): assignedTo, classification, createdDateTime,
// determination, lastUpdateDateTime, severity, status. incidents $orderby
// (chosen): id, displayName, severity, status, priorityScore,
// createdDateTime, lastUpdateDateTime.
func (b *builder) security() {
	ns := securityNS
	ct := func(name string, props ...odata.Property) *odata.Type { return b.typ(ns+name, nil, props...) }

	comment := ct("alertComment", str("comment"), str("createdByDisplayName"), nn(dt("createdDateTime")))
	b.s.AlertComment = comment

	// Helper complex types.
	rae := ct("resourceAccessEvent", dt("accessDateTime"), str("accountId"), str("ipAddress"), str("resourceIdentifier"))
	userAccount := ct("userAccount",
		str("accountName"), guid("activeDirectoryObjectGuid"), str("azureAdUserId"), str("displayName"),
		str("domainName"), cxs("resourceAccessEvents", rae), str("tenantId"), str("userPrincipalName"), str("userSid"))
	fileDetails := ct("fileDetails",
		str("fileName"), str("filePath"), str("filePublisher"), integer("fileSize"), str("issuer"),
		str("md5"), str("sha1"), str("sha256"), str("sha256Ac"), str("signer"))
	emailSender := ct("emailSender", str("displayName"), str("domainName"), str("emailAddress"))
	loggedOnUser := ct("loggedOnUser", str("accountName"), str("domainName"))
	vmMetadata := ct("vmMetadata",
		nn(enum("cloudProvider", b.enum("security.vmCloudProvider"))), str("resourceId"), str("subscriptionId"), str("vmId"))
	geo := ct("geoLocation", str("city"), str("countryName"), dbl("latitude"), dbl("longitude"), str("state"))
	stream := ct("stream", str("name"))

	ev := ct("alertEvidence",
		nn(dt("createdDateTime")),
		strs("detailedRoles"),
		nn(enum("remediationStatus", b.enum("security.evidenceRemediationStatus"))),
		str("remediationStatusDetails"),
		nn(enums("roles", b.enum("security.evidenceRole"))),
		strs("tags"),
		nn(enum("verdict", b.enum("security.evidenceVerdict"))),
	)
	b.s.Evidence = ev
	derived := func(name string, props ...odata.Property) *odata.Type {
		b.s.EvidenceTypes = append(b.s.EvidenceTypes, ns+name)
		return b.typ(ns+name, ev, props...)
	}
	detectionStatus := b.enum("security.detectionStatus")

	derived("userEvidence", cx("stream", stream), cx("userAccount", userAccount))
	derived("deviceEvidence",
		str("azureAdDeviceId"), enum("defenderAvStatus", b.enum("security.defenderAvStatus")), str("deviceDnsName"),
		str("dnsDomain"), dt("firstSeenDateTime"), enum("healthStatus", b.enum("security.deviceHealthStatus")),
		str("hostName"), strs("ipInterfaces"), str("lastExternalIpAddress"), str("lastIpAddress"),
		cxs("loggedOnUsers", loggedOnUser), str("mdeDeviceId"), str("ntDomain"),
		enum("onboardingStatus", b.enum("security.onboardingStatus")), integer("osBuild"), str("osPlatform"),
		integer("rbacGroupId"), str("rbacGroupName"), cxs("resourceAccessEvents", rae),
		enum("riskScore", b.enum("security.deviceRiskScore")), str("version"), cx("vmMetadata", vmMetadata))
	fileEv := derived("fileEvidence", enum("detectionStatus", detectionStatus), cx("fileDetails", fileDetails), str("mdeDeviceId"))
	ipEv := derived("ipEvidence", str("countryLetterCode"), str("ipAddress"), cx("location", geo), cx("stream", stream))
	derived("urlEvidence", str("url"))
	procEv := derived("processEvidence",
		enum("detectionStatus", detectionStatus), cx("imageFile", fileDetails), str("mdeDeviceId"),
		dt("parentProcessCreationDateTime"), integer("parentProcessId"), cx("parentProcessImageFile", fileDetails),
		str("processCommandLine"), dt("processCreationDateTime"), integer("processId"), cx("userAccount", userAccount))
	derived("mailboxEvidence", str("displayName"), str("primaryAddress"), str("upn"), cx("userAccount", userAccount))
	derived("analyzedMessageEvidence",
		str("antiSpamDirection"), integer("attachmentsCount"), str("deliveryAction"), str("deliveryLocation"),
		str("internetMessageId"), str("language"), str("networkMessageId"), cx("p1Sender", emailSender),
		cx("p2Sender", emailSender), dt("receivedDateTime"), str("recipientEmailAddress"), str("senderIp"),
		str("subject"), strs("threatDetectionMethods"), strs("threats"), integer("urlCount"), strs("urls"), str("urn"))
	derived("registryKeyEvidence", str("registryHive"), str("registryKey"))
	derived("registryValueEvidence",
		str("mdeDeviceId"), str("registryHive"), str("registryKey"), str("registryValue"), str("registryValueName"),
		str("registryValueType"))
	derived("mailClusterEvidence",
		str("clusterBy"), str("clusterByValue"), integer("emailCount"), strs("networkMessageIds"), str("query"), str("urn"))
	derived("cloudApplicationEvidence",
		integer("appId"), str("displayName"), integer("instanceId"), str("instanceName"), integer("saasAppId"), cx("stream", stream))
	derived("oauthApplicationEvidence", str("appId"), str("displayName"), str("objectId"), str("publisher"))
	derived("securityGroupEvidence",
		guid("activeDirectoryObjectGuid"), str("displayName"), str("distinguishedName"), str("friendlyName"),
		str("securityGroupId"), str("sid"))
	derived("malwareEvidence", str("category"), cxs("files", fileEv), str("name"), cxs("processes", procEv))
	derived("networkConnectionEvidence",
		cx("destinationAddress", ipEv), integer("destinationPort"), enum("protocol", b.enum("security.protocolType")),
		cx("sourceAddress", ipEv), integer("sourcePort"))
	derived("dnsEvidence", cx("dnsServerIp", ipEv), str("domainName"), cx("hostIpAddress", ipEv), cxs("ipAddresses", ipEv))
	derived("fileHashEvidence", nn(enum("algorithm", b.enum("security.fileHashAlgorithm"))), str("value"))
	for _, n := range namesOnlyEvidence {
		derived(n)
	}

	severity := b.enum("security.alertSeverity")
	classification := b.enum("security.alertClassification")
	determination := b.enum("security.alertDetermination")

	alertProps := allow([]odata.Property{
		id(),
		str("actorDisplayName"),
		open("additionalData"),
		str("alertPolicyId"),
		str("alertWebUrl"),
		str("assignedTo"),
		strs("categories"),
		str("category"),
		enum("classification", classification),
		cxs("comments", comment),
		dt("createdDateTime"),
		open("customDetails"),
		str("description"),
		enum("detectionSource", b.enum("security.detectionSource")),
		str("detectorId"),
		enum("determination", determination),
		cxs("evidence", ev),
		dt("firstActivityDateTime"),
		str("incidentId"),
		str("incidentWebUrl"),
		enum("investigationState", b.enum("security.investigationState")),
		dt("lastActivityDateTime"),
		dt("lastUpdateDateTime"),
		strs("mitreTechniques"),
		str("productName"),
		str("providerAlertId"),
		str("recommendedActions"),
		dt("resolvedDateTime"),
		nn(enum("serviceSource", b.enum("security.serviceSource"))),
		nn(enum("severity", severity)),
		nn(enum("status", b.enum("security.alertStatus"))),
		strs("systemTags"),
		str("tenantId"),
		str("threatDisplayName"),
		str("threatFamilyName"),
		str("title"),
	},
		[]string{"assignedTo", "classification", "determination", "createdDateTime", "lastUpdateDateTime",
			"severity", "serviceSource", "status", "evidence"},
		[]string{"id", "title", "severity", "status", "serviceSource", "createdDateTime", "lastUpdateDateTime",
			"firstActivityDateTime", "lastActivityDateTime", "resolvedDateTime"})
	alert := ct("alert", alertProps...)
	b.s.Alert = alert

	incidentProps := allow([]odata.Property{
		id(),
		str("assignedTo"),
		enum("classification", classification),
		cxs("comments", comment),
		nn(dt("createdDateTime")),
		strs("customTags"),
		str("description"),
		enum("determination", determination),
		str("displayName"),
		str("incidentWebUrl"),
		str("lastModifiedBy"),
		nn(dt("lastUpdateDateTime")),
		integer("priorityScore"),
		str("redirectIncidentId"),
		str("resolvingComment"),
		nn(enum("severity", severity)),
		nn(enum("status", b.enum("security.incidentStatus"))),
		str("summary"),
		strs("systemTags"),
		str("tenantId"),
		nav(cxs("alerts", alert)),
	},
		[]string{"assignedTo", "classification", "createdDateTime", "determination", "lastUpdateDateTime", "severity", "status"},
		[]string{"id", "displayName", "severity", "status", "priorityScore", "createdDateTime", "lastUpdateDateTime"})
	b.s.Incident = ct("incident", incidentProps...)
}
