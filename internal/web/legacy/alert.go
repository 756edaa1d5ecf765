package legacy

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// item is one entry of an evidence panel: a heading and its
// non-empty properties.
type item struct {
	Heading string
	Fields  []page.Field
}

// panel is one of the alert's state collections (userStates,
// hostStates...).
type panel struct {
	ID, Title, Property string
	Items               []item
}

// source is a source material: a link only when it is https.
type source struct {
	Text, Href string
}

type alertView struct {
	ID, Title, Description string
	Severity, Status       i18n.EnumLabel
	Provider               string
	Props                  []page.Field
	RecommendedActions     []string
	Comments               []string
	Tags                   []string
	Sources                []source
	Panels                 []panel
	History                []item
	Activity               []page.ActivityEntry
	ActivityError          bool
	RawJSON                string
	Partial                []warning
	Manage                 manageView
}

// Alert is GET /legacy/alerts/{id}: the alert's properties, its state
// collections as panels, what analysts did to it in graphsec, the raw
// JSON, and the form to manage it.
func (l *Pages) Alert(p *page.Page) error {
	id := p.R.PathValue("id")
	p.Title = p.L.T("kind.legacyAlert")
	if err := checkID(id); err != nil {
		return err
	}
	c, err := p.GraphFor(graph.AccessReadSecurityEvents)
	if err != nil {
		return err
	}
	a, resp, err := c.LegacyAlerts.Get(p.R.Context(), id)
	if err != nil {
		return notFound(err)
	}
	L := p.L
	v := alertView{
		ID: a.ID, Title: a.Title, Description: a.Description, Severity: L.Enum(a.Severity), Status: L.Enum(a.Status),
		Provider: a.Provider(), Props: props(L, a), RecommendedActions: a.RecommendedActions,
		Comments: a.Comments, Tags: a.Tags, Sources: sources(a.SourceMaterials), Panels: panels(L, a),
		History: history(L, a.HistoryStates), Partial: warnings(resp),
		Manage: l.newManageView(p, manageForm{ID: a.ID}, a),
	}
	if raw, err := json.MarshalIndent(a, "", "  "); err == nil {
		v.RawJSON = string(raw)
	}
	v.Activity, err = l.activity.List(p.R.Context(), activityResource, a.ID, describe(L))
	v.ActivityError = err != nil
	if a.Title != "" {
		p.Title = a.Title
	}
	return p.Render(http.StatusOK, "legacy/alert", v)
}

// describe labels recorded values of a legacy alert's properties.
func describe(L *i18n.Printer) page.Describe {
	return func(prop, raw string) string {
		switch prop {
		case "status":
			return L.Label(graph.LegacyAlertStatus(raw))
		case "severity":
			return L.Label(graph.LegacyAlertSeverity(raw))
		case "feedback":
			return L.Label(graph.LegacyAlertFeedback(raw))
		case "category":
			return L.LegacyCategory(raw).Text
		}
		return ""
	}
}

// checkID refuses ids no provider issues, before any call. Path
// separators are refused too: escaped or not, a server or proxy that
// cleans "..%2F..%2Fme" would address another resource (Go's ServeMux
// answers it with a redirect to Graph's /me).
func checkID(id string) error {
	if err := page.CheckID(page.T("kind.legacyAlert"), id, 1024); err != nil {
		return err
	}
	if strings.ContainsAny(id, `/\?#`) {
		return page.BadInput(page.T("legacy.badIDChars"))
	}
	return nil
}

// notFound says what an unknown id means for the legacy API (which, once
// retired, knows no id at all).
func notFound(err error) error {
	return page.Reword(err, graph.ErrNotFound, page.T("legacy.notFound.heading"), page.T("legacy.notFound.message"))
}

// fieldsOf builds a list of fields from property, value pairs, leaving
// out empty values so panels show only what the provider filled in. A
// value is a string, or a page.Field already labelled (an enum member, a
// time).
func fieldsOf(pairs ...any) []page.Field {
	out := make([]page.Field, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		prop, _ := pairs[i].(string)
		switch v := pairs[i+1].(type) {
		case string:
			if v != "" {
				out = append(out, page.Field{Prop: prop, Raw: v})
			}
		case page.Field:
			if v.Raw != "" {
				v.Prop = prop
				out = append(out, v)
			}
		}
	}
	return out
}

// enum is an enum member as a field: labelled, its raw value on hover.
func enum(L *i18n.Printer, v any) page.Field {
	l := L.Enum(v)
	return page.Field{Raw: l.Raw, Text: l.Text}
}

// when is a time as a field: Graph's value, shown to the second.
func when(L *i18n.Printer, t time.Time) page.Field {
	if t.IsZero() {
		return page.Field{}
	}
	return page.Field{Raw: t.UTC().Format(time.RFC3339Nano), Text: L.TimeLong(t)}
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	default:
		return "no"
	}
}

func int32Text(n *int32) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(int(*n))
}

func hashText(h *graph.FileHash) string {
	if h == nil || h.HashValue == "" {
		return ""
	}
	if h.HashType != "" {
		return string(h.HashType) + ": " + h.HashValue
	}
	return h.HashValue
}

func props(L *i18n.Printer, a *graph.LegacyAlert) []page.Field {
	vi := a.VendorInformation
	if vi == nil {
		vi = &graph.SecurityVendorInformation{}
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return fieldsOf(
		"id", a.ID,
		"category", page.Field{Raw: a.Category, Text: L.LegacyCategory(a.Category).Text},
		"severity", enum(L, a.Severity),
		"status", enum(L, a.Status),
		"feedback", enum(L, a.Feedback),
		"assignedTo", a.AssignedTo,
		"provider", vi.Provider,
		"vendor", vi.Vendor,
		"providerVersion", deref(vi.ProviderVersion),
		"subProvider", deref(vi.SubProvider),
		"confidence", int32Text(a.Confidence),
		"activityGroupName", a.ActivityGroupName,
		"createdDateTime", when(L, a.CreatedDateTime),
		"eventDateTime", when(L, a.EventDateTime),
		"lastEventDateTime", when(L, a.LastEventDateTime),
		"lastModifiedDateTime", when(L, a.LastModifiedDateTime),
		"closedDateTime", when(L, a.ClosedDateTime),
		"azureTenantId", a.AzureTenantID,
		"azureSubscriptionId", a.AzureSubscriptionID,
		"incidentIds", page.JoinList(a.IncidentIDs),
		"detectionIds", page.JoinList(a.DetectionIDs),
	)
}

// sources makes source materials links only when they are https
// URLs with a host: anything else (javascript:, http:, text) is shown as
// text, never as a link.
func sources(list []string) []source {
	out := make([]source, 0, len(list))
	for _, s := range list {
		src := source{Text: s}
		if u, err := url.Parse(s); err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil {
			src.Href = u.String()
		}
		out = append(out, src)
	}
	return out
}

// panels turns the alert's state collections into panels, in the
// order an analyst reads them: who, where, what ran, what it touched.
func panels(L *i18n.Printer, a *graph.LegacyAlert) []panel {
	var out []panel
	add := func(id, title, prop string, items []item) {
		if len(items) > 0 {
			out = append(out, panel{ID: id, Title: title, Property: prop, Items: items})
		}
	}
	var items []item
	for _, u := range a.UserStates {
		items = append(items, item{Heading: cmp.Or(u.UserPrincipalName, u.AccountName, u.AADUserID, "—"), Fields: fieldsOf(
			"userPrincipalName", u.UserPrincipalName, "accountName", u.AccountName, "domainName", u.DomainName,
			"aadUserId", u.AADUserID, "onPremisesSecurityIdentifier", u.OnPremisesSecurityIdentifier,
			"userAccountType", enum(L, u.UserAccountType), "emailRole", enum(L, u.EmailRole),
			"logonDateTime", when(L, u.LogonDateTime), "logonType", enum(L, u.LogonType), "logonIp", u.LogonIP,
			"logonLocation", u.LogonLocation, "logonId", u.LogonID, "isVpn", yesNo(u.IsVPN), "riskScore", u.RiskScore)})
	}
	add("users", "legacy.panel.users", "userStates", items)
	items = nil
	for _, h := range a.HostStates {
		items = append(items, item{Heading: cmp.Or(h.FQDN, h.NetBIOSName, h.PrivateIPAddress, "—"), Fields: fieldsOf(
			"fqdn", h.FQDN, "netBiosName", h.NetBIOSName, "os", h.OS, "privateIpAddress", h.PrivateIPAddress,
			"publicIpAddress", h.PublicIPAddress, "isAzureAdJoined", yesNo(h.IsAzureADJoined),
			"isAzureAdRegistered", yesNo(h.IsAzureADRegistered), "isHybridAzureDomainJoined", yesNo(h.IsHybridAzureDomainJoined),
			"riskScore", h.RiskScore)})
	}
	add("hosts", "legacy.panel.hosts", "hostStates", items)
	items = nil
	for _, f := range a.FileStates {
		items = append(items, item{Heading: cmp.Or(f.Name, f.Path, "—"), Fields: fieldsOf(
			"name", f.Name, "path", f.Path, "fileHash", hashText(f.FileHash), "riskScore", f.RiskScore)})
	}
	add("files", "legacy.panel.files", "fileStates", items)
	items = nil
	for _, p := range a.Processes {
		items = append(items, item{Heading: cmp.Or(p.Name, p.Path, "—"), Fields: fieldsOf(
			"name", p.Name, "processId", int32Text(p.ProcessID), "path", p.Path, "commandLine", p.CommandLine,
			"accountName", p.AccountName, "createdDateTime", when(L, p.CreatedDateTime), "integrityLevel", enum(L, p.IntegrityLevel),
			"isElevated", yesNo(p.IsElevated), "fileHash", hashText(p.FileHash), "parentProcessName", p.ParentProcessName,
			"parentProcessId", int32Text(p.ParentProcessID), "parentProcessCreatedDateTime", when(L, p.ParentProcessCreatedDateTime))})
	}
	add("processes", "legacy.panel.processes", "processes", items)
	items = nil
	for _, n := range a.NetworkConnections {
		src := strings.Trim(n.SourceAddress+":"+n.SourcePort, ":")
		dst := cmp.Or(n.DestinationDomain, n.DestinationAddress, n.DestinationURL)
		if n.DestinationPort != "" && dst != "" {
			dst += ":" + n.DestinationPort
		}
		heading := "—"
		if src != "" || dst != "" {
			heading = cmp.Or(src, "?") + " → " + cmp.Or(dst, "?")
		}
		items = append(items, item{Heading: heading, Fields: fieldsOf(
			"direction", enum(L, n.Direction), "protocol", enum(L, n.Protocol), "status", enum(L, n.Status),
			"sourceAddress", n.SourceAddress, "sourcePort", n.SourcePort, "sourceLocation", n.SourceLocation,
			"destinationAddress", n.DestinationAddress, "destinationPort", n.DestinationPort, "destinationDomain", n.DestinationDomain,
			"destinationUrl", n.DestinationURL, "destinationLocation", n.DestinationLocation, "urlParameters", n.URLParameters,
			"applicationName", n.ApplicationName, "localDnsName", n.LocalDNSName,
			"natSourceAddress", n.NATSourceAddress, "natSourcePort", n.NATSourcePort,
			"natDestinationAddress", n.NATDestinationAddress, "natDestinationPort", n.NATDestinationPort,
			"domainRegisteredDateTime", when(L, n.DomainRegisteredDateTime), "riskScore", n.RiskScore)})
	}
	add("network", "legacy.panel.network", "networkConnections", items)
	items = nil
	for _, m := range a.MalwareStates {
		items = append(items, item{Heading: cmp.Or(m.Name, m.Family, "—"), Fields: fieldsOf(
			"name", m.Name, "family", m.Family, "category", m.Category, "severity", m.Severity, "wasRunning", yesNo(m.WasRunning))})
	}
	add("malware", "legacy.panel.malware", "malwareStates", items)
	items = nil
	for _, k := range a.RegistryKeyStates {
		items = append(items, item{Heading: cmp.Or(k.Key, k.ValueName, "—"), Fields: fieldsOf(
			"hive", enum(L, k.Hive), "key", k.Key, "operation", enum(L, k.Operation), "valueName", k.ValueName,
			"valueType", enum(L, k.ValueType), "valueData", k.ValueData, "oldKey", k.OldKey, "oldValueName", k.OldValueName,
			"oldValueData", k.OldValueData, "processId", int32Text(k.ProcessID))})
	}
	add("registry", "legacy.panel.registry", "registryKeyStates", items)
	items = nil
	for _, c := range a.CloudAppStates {
		items = append(items, item{Heading: cmp.Or(c.DestinationServiceName, c.DestinationServiceIP, "—"), Fields: fieldsOf(
			"destinationServiceName", c.DestinationServiceName, "destinationServiceIp", c.DestinationServiceIP, "riskScore", c.RiskScore)})
	}
	add("cloudapps", "legacy.panel.cloudApps", "cloudAppStates", items)
	items = nil
	for _, v := range a.VulnerabilityStates {
		items = append(items, item{Heading: cmp.Or(v.CVE, "—"), Fields: fieldsOf(
			"cve", v.CVE, "severity", v.Severity, "wasRunning", yesNo(v.WasRunning))})
	}
	add("vulnerabilities", "legacy.panel.vulnerabilities", "vulnerabilityStates", items)
	items = nil
	for _, t := range a.Triggers {
		items = append(items, item{Heading: cmp.Or(t.Name, "—"), Fields: fieldsOf(
			"name", t.Name, "type", t.Type, "value", t.Value)})
	}
	add("triggers", "legacy.panel.triggers", "triggers", items)
	items = nil
	for _, r := range a.SecurityResources {
		items = append(items, item{Heading: cmp.Or(r.Resource, "—"), Fields: fieldsOf(
			"resource", r.Resource, "resourceType", enum(L, r.ResourceType))})
	}
	add("resources", "legacy.panel.resources", "securityResources", items)
	return out
}

// history lists the provider's record of past changes, newest first.
func history(L *i18n.Printer, hs []graph.AlertHistoryState) []item {
	out := make([]item, 0, len(hs))
	for i := len(hs) - 1; i >= 0; i-- {
		h := hs[i]
		out = append(out, item{Heading: when(L, h.UpdatedDateTime).Text, Fields: fieldsOf(
			"user", h.User, "status", enum(L, h.Status), "feedback", enum(L, h.Feedback), "assignedTo", h.AssignedTo,
			"comments", page.JoinList(h.Comments), "appId", h.AppID)})
	}
	return out
}
