package model

import "github.com/graphsec/graphsec/emulator/odata"

const graphNS = "microsoft.graph."

// legacy declares microsoft.graph.alert and its complex types (§1).
//
// The legacy API was federated and permissive: the original sample sends
// "Severity eq 'High'" and "Status eq 'NewAlert'". So the alert and all of
// its complex types match property names case-insensitively, and $filter
// is allowed on every property (nested paths included, e.g.
// hostStates/any(h: h/fqdn eq '...') and vendorInformation/provider).
//
// $orderby is allowed on (the docs are silent; chosen here): id, title,
// category, severity, status, confidence, eventDateTime, createdDateTime,
// lastModifiedDateTime, lastEventDateTime and closedDateTime.
//
// NotNull follows the facts' "non-null" marks: azureTenantId, severity and
// status (and id). Properties the facts call only "Required" (title,
// createdDateTime, eventDateTime, vendorInformation) stay nullable in the
// schema; the write paths enforce what a request must carry.
func (b *builder) legacy() {
	ci := func(t *odata.Type) *odata.Type { t.CaseInsensitive = true; return t }
	ct := func(name string, props ...odata.Property) *odata.Type {
		return ci(b.typ(graphNS+name, nil, filterAll(props)...))
	}

	vendor := ct("securityVendorInformation", str("provider"), str("providerVersion"), str("subProvider"), str("vendor"))
	fileHash := ct("fileHash", enum("hashType", b.enum("fileHashType")), str("hashValue"))
	userState := ct("userSecurityState",
		str("aadUserId"), str("accountName"), str("domainName"), enum("emailRole", b.enum("emailRole")),
		boolean("isVpn"), dt("logonDateTime"), str("logonId"), str("logonIp"), str("logonLocation"),
		enum("logonType", b.enum("logonType")), str("onPremisesSecurityIdentifier"), str("riskScore"),
		enum("userAccountType", b.enum("userAccountSecurityType")), str("userPrincipalName"))
	hostState := ct("hostSecurityState",
		str("fqdn"), boolean("isAzureAdJoined"), boolean("isAzureAdRegistered"), boolean("isHybridAzureDomainJoined"),
		str("netBiosName"), str("os"), str("privateIpAddress"), str("publicIpAddress"), str("riskScore"))
	fileState := ct("fileSecurityState", cx("fileHash", fileHash), str("name"), str("path"), str("riskScore"))
	netConn := ct("networkConnection",
		str("applicationName"), str("destinationAddress"), str("destinationDomain"), str("destinationLocation"),
		str("destinationPort"), str("destinationUrl"), enum("direction", b.enum("connectionDirection")),
		dt("domainRegisteredDateTime"), str("localDnsName"), str("natDestinationAddress"), str("natDestinationPort"),
		str("natSourceAddress"), str("natSourcePort"), enum("protocol", b.enum("securityNetworkProtocol")),
		str("riskScore"), str("sourceAddress"), str("sourceLocation"), str("sourcePort"),
		enum("status", b.enum("connectionStatus")), str("urlParameters"))
	process := ct("process",
		str("accountName"), str("commandLine"), dt("createdDateTime"), cx("fileHash", fileHash),
		enum("integrityLevel", b.enum("processIntegrityLevel")), boolean("isElevated"), str("name"),
		dt("parentProcessCreatedDateTime"), integer("parentProcessId"), str("parentProcessName"), str("path"),
		integer("processId"))
	cloudApp := ct("cloudAppSecurityState", str("destinationServiceIp"), str("destinationServiceName"), str("riskScore"))
	malware := ct("malwareState", str("category"), str("family"), str("name"), str("severity"), boolean("wasRunning"))
	registry := ct("registryKeyState",
		enum("hive", b.enum("registryHive")), str("key"), str("oldKey"), str("oldValueData"), str("oldValueName"),
		enum("operation", b.enum("registryOperation")), integer("processId"), str("valueData"), str("valueName"),
		enum("valueType", b.enum("registryValueType")))
	vuln := ct("vulnerabilityState", str("cve"), str("severity"), boolean("wasRunning"))
	resource := ct("securityResource", nn(str("resource")), enum("resourceType", b.enum("securityResourceType")))
	trigger := ct("alertTrigger", str("name"), str("type"), str("value"))
	detection := ct("alertDetection", str("detectionType"), str("method"), str("name"))
	history := ct("alertHistoryState",
		str("appId"), str("assignedTo"), strs("comments"), enum("feedback", b.enum("alertFeedback")),
		enum("status", b.enum("alertStatus")), dt("updatedDateTime"), str("user"))
	investigation := ct("investigationSecurityState", str("name"), str("status"))
	message := ct("messageSecurityState",
		str("connectingIP"), str("deliveryAction"), str("deliveryLocation"), str("directionality"),
		str("internetMessageId"), str("messageFingerprint"), dt("messageReceivedDateTime"), str("messageSubject"),
		str("networkMessageId"))
	uriClick := ct("uriClickSecurityState",
		str("clickAction"), dt("clickDateTime"), str("id"), str("sourceId"), str("uriDomain"), str("verdict"))

	props := filterAll([]odata.Property{
		id(),
		str("activityGroupName"),
		cxs("alertDetections", detection),
		str("assignedTo"),
		str("azureSubscriptionId"),
		nn(str("azureTenantId")),
		str("category"),
		dt("closedDateTime"),
		cxs("cloudAppStates", cloudApp),
		strs("comments"),
		integer("confidence"),
		dt("createdDateTime"),
		str("description"),
		strs("detectionIds"),
		dt("eventDateTime"),
		enum("feedback", b.enum("alertFeedback")),
		cxs("fileStates", fileState),
		cxs("historyStates", history),
		cxs("hostStates", hostState),
		strs("incidentIds"),
		cxs("investigationSecurityStates", investigation),
		dt("lastEventDateTime"),
		dt("lastModifiedDateTime"),
		cxs("malwareStates", malware),
		cxs("messageSecurityStates", message),
		cxs("networkConnections", netConn),
		cxs("processes", process),
		strs("recommendedActions"),
		cxs("registryKeyStates", registry),
		cxs("securityResources", resource),
		nn(enum("severity", b.enum("alertSeverity"))),
		strs("sourceMaterials"),
		nn(enum("status", b.enum("alertStatus"))),
		strs("tags"),
		str("title"),
		cxs("triggers", trigger),
		cxs("uriClickSecurityStates", uriClick),
		cxs("userStates", userState),
		cx("vendorInformation", vendor),
		cxs("vulnerabilityStates", vuln),
	})
	allow(props, nil, []string{"id", "title", "category", "severity", "status", "confidence", "eventDateTime",
		"createdDateTime", "lastModifiedDateTime", "lastEventDateTime", "closedDateTime"})
	alert := ci(b.typ(graphNS+"alert", nil, props...))
	alert.Open = true
	b.s.LegacyAlert = alert
}
