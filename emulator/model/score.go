package model

import "github.com/graphsec/graphsec/emulator/odata"

// score declares secure scores, control profiles (§4.1, §4.2) and the beta
// securityAction (§4.3). They reuse the legacy securityVendorInformation.
//
// These APIs document $filter but name no properties, so the choices are:
//   - secureScores: $filter on every declared property except the open
//     lists' extras; $orderby on createdDateTime and currentScore (the
//     service's own order is createdDateTime descending).
//   - secureScoreControlProfiles: $filter on every declared property;
//     $orderby on id, title, controlCategory, rank, maxScore and
//     lastModifiedDateTime.
//   - securityActions: $filter on every declared property; $orderby on
//     name, status, createdDateTime, lastActionDateTime, completedDateTime.
//
// Unlike the legacy alert, these types match property names exactly: the
// facts show no case-insensitive use of them.
func (b *builder) score() {
	vendor := b.s.Types[graphNS+"securityVendorInformation"]

	avg := b.typ(graphNS+"averageComparativeScore", nil, filterAll([]odata.Property{dbl("averageScore"), str("basis")})...)
	avg.Open = true
	cs := b.typ(graphNS+"controlScore", nil, filterAll([]odata.Property{
		str("controlCategory"), str("controlName"), str("description"), dbl("score")})...)
	cs.Open = true

	scoreProps := allow(filterAll([]odata.Property{
		id(),
		integer("activeUserCount"),
		cxs("averageComparativeScores", avg),
		nn(str("azureTenantId")),
		cxs("controlScores", cs),
		dt("createdDateTime"),
		dbl("currentScore"),
		strs("enabledServices"),
		integer("licensedUserCount"),
		dbl("maxScore"),
		cx("vendorInformation", vendor),
	}), nil, []string{"createdDateTime", "currentScore"})
	ss := b.typ(graphNS+"secureScore", nil, scoreProps...)
	ss.Open = true
	b.s.SecureScore = ss

	certControl := b.typ(graphNS+"certificationControl", nil, filterAll([]odata.Property{str("name"), str("url")})...)
	compliance := b.typ(graphNS+"complianceInformation", nil, filterAll([]odata.Property{
		cxs("certificationControls", certControl), str("certificationName")})...)
	stateUpdate := b.typ(graphNS+"secureScoreControlStateUpdate", nil, filterAll([]odata.Property{
		str("assignedTo"), str("comment"), str("state"), str("updatedBy"), dt("updatedDateTime")})...)
	b.s.ControlStateUpdate = stateUpdate

	profileProps := allow(filterAll([]odata.Property{
		id(),
		str("actionType"),
		str("actionUrl"),
		nn(str("azureTenantId")),
		cxs("complianceInformation", compliance),
		str("controlCategory"),
		cxs("controlStateUpdates", stateUpdate),
		boolean("deprecated"),
		str("implementationCost"),
		dt("lastModifiedDateTime"),
		dbl("maxScore"),
		integer("rank"),
		str("remediation"),
		str("remediationImpact"),
		str("service"),
		strs("threats"),
		str("tier"),
		str("title"),
		str("userImpact"),
		cx("vendorInformation", vendor),
	}), nil, []string{"id", "title", "controlCategory", "rank", "maxScore", "lastModifiedDateTime"})
	b.s.ControlProfile = b.typ(graphNS+"secureScoreControlProfile", nil, profileProps...)

	opStatus := b.enum("operationStatus")
	resultInfo := b.typ(graphNS+"resultInfo", nil, filterAll([]odata.Property{integer("code"), str("message"), integer("subcode")})...)
	kv := b.typ(graphNS+"keyValuePair", nil, filterAll([]odata.Property{str("name"), str("value")})...)
	actionState := b.typ(graphNS+"securityActionState", nil, filterAll([]odata.Property{
		str("appId"), enum("status", opStatus), dt("updatedDateTime"), str("user")})...)
	actionProps := allow(filterAll([]odata.Property{
		id(),
		str("actionReason"),
		str("appId"),
		str("azureTenantId"),
		str("clientContext"),
		dt("completedDateTime"),
		dt("createdDateTime"),
		cx("errorInfo", resultInfo),
		dt("lastActionDateTime"),
		str("name"),
		cxs("parameters", kv),
		cxs("states", actionState),
		enum("status", opStatus),
		str("user"),
		cx("vendorInformation", vendor),
	}), nil, []string{"name", "status", "createdDateTime", "lastActionDateTime", "completedDateTime"})
	b.s.SecurityAction = b.typ(graphNS+"securityAction", nil, actionProps...)
}
