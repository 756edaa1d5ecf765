package legacy

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/graphsec/graphsec/graph"
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
	Severity, Status       string
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
	p.Title = "Legacy alert"
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
	tf := p.Times()
	v := alertView{
		ID: a.ID, Title: a.Title, Description: a.Description, Severity: string(a.Severity), Status: string(a.Status),
		Provider: a.Provider(), Props: props(a, tf), RecommendedActions: a.RecommendedActions,
		Comments: a.Comments, Tags: a.Tags, Sources: sources(a.SourceMaterials), Panels: panels(a, tf),
		History: history(a.HistoryStates, tf), Partial: warnings(resp, tf),
		Manage: l.newManageView(p, manageForm{ID: a.ID}, a),
	}
	if raw, err := json.MarshalIndent(a, "", "  "); err == nil {
		v.RawJSON = string(raw)
	}
	v.Activity, err = l.activity.List(p.R.Context(), activityResource, a.ID)
	v.ActivityError = err != nil
	if a.Title != "" {
		p.Title = a.Title
	}
	return p.Render(http.StatusOK, "legacy/alert", v)
}

// checkID refuses ids no provider issues, before any call. Path
// separators are refused too: escaped or not, a server or proxy that
// cleans "..%2F..%2Fme" would address another resource (Go's ServeMux
// answers it with a redirect to Graph's /me).
func checkID(id string) error {
	if err := page.CheckID("legacy alert", id, 1024); err != nil {
		return err
	}
	if strings.ContainsAny(id, `/\?#`) {
		return page.BadInput("An alert id cannot contain /, \\, ? or #.")
	}
	return nil
}

// notFound says what an unknown id means for the legacy API (which, once
// retired, knows no id at all).
func notFound(err error) error {
	return page.Reword(err, graph.ErrNotFound, "No legacy alert with this id",
		"Microsoft Graph has no legacy alert with this id. Check the id, or go back to the list. Since the legacy API was retired (2026), it knows no alert at all: alerts now live in Alerts (alerts_v2).")
}

// fieldsOf builds a list of fields from name, value pairs, leaving out
// empty values so panels show only what the provider filled in.
func fieldsOf(pairs ...string) []page.Field {
	out := make([]page.Field, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			out = append(out, page.Field{Name: pairs[i], Value: pairs[i+1]})
		}
	}
	return out
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

func props(a *graph.LegacyAlert, tf page.TimeFormatter) []page.Field {
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
		"category", a.Category,
		"severity", string(a.Severity),
		"status", string(a.Status),
		"feedback", string(a.Feedback),
		"assignedTo", a.AssignedTo,
		"provider", vi.Provider,
		"vendor", vi.Vendor,
		"providerVersion", deref(vi.ProviderVersion),
		"subProvider", deref(vi.SubProvider),
		"confidence", int32Text(a.Confidence),
		"activityGroupName", a.ActivityGroupName,
		"createdDateTime", tf.Time(a.CreatedDateTime, page.Exact),
		"eventDateTime", tf.Time(a.EventDateTime, page.Exact),
		"lastEventDateTime", tf.Time(a.LastEventDateTime, page.Exact),
		"lastModifiedDateTime", tf.Time(a.LastModifiedDateTime, page.Exact),
		"closedDateTime", tf.Time(a.ClosedDateTime, page.Exact),
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
func panels(a *graph.LegacyAlert, tf page.TimeFormatter) []panel {
	var out []panel
	add := func(id, title, prop string, items []item) {
		if len(items) > 0 {
			out = append(out, panel{ID: id, Title: title, Property: prop, Items: items})
		}
	}
	var items []item
	for _, u := range a.UserStates {
		items = append(items, item{Heading: cmp.Or(u.UserPrincipalName, u.AccountName, u.AADUserID, "User"), Fields: fieldsOf(
			"userPrincipalName", u.UserPrincipalName, "accountName", u.AccountName, "domainName", u.DomainName,
			"aadUserId", u.AADUserID, "onPremisesSecurityIdentifier", u.OnPremisesSecurityIdentifier,
			"userAccountType", string(u.UserAccountType), "emailRole", string(u.EmailRole),
			"logonDateTime", tf.Time(u.LogonDateTime, page.Exact), "logonType", string(u.LogonType), "logonIp", u.LogonIP,
			"logonLocation", u.LogonLocation, "logonId", u.LogonID, "isVpn", yesNo(u.IsVPN), "riskScore", u.RiskScore)})
	}
	add("users", "Users", "userStates", items)
	items = nil
	for _, h := range a.HostStates {
		items = append(items, item{Heading: cmp.Or(h.FQDN, h.NetBIOSName, h.PrivateIPAddress, "Host"), Fields: fieldsOf(
			"fqdn", h.FQDN, "netBiosName", h.NetBIOSName, "os", h.OS, "privateIpAddress", h.PrivateIPAddress,
			"publicIpAddress", h.PublicIPAddress, "isAzureAdJoined", yesNo(h.IsAzureADJoined),
			"isAzureAdRegistered", yesNo(h.IsAzureADRegistered), "isHybridAzureDomainJoined", yesNo(h.IsHybridAzureDomainJoined),
			"riskScore", h.RiskScore)})
	}
	add("hosts", "Hosts", "hostStates", items)
	items = nil
	for _, f := range a.FileStates {
		items = append(items, item{Heading: cmp.Or(f.Name, f.Path, "File"), Fields: fieldsOf(
			"name", f.Name, "path", f.Path, "fileHash", hashText(f.FileHash), "riskScore", f.RiskScore)})
	}
	add("files", "Files", "fileStates", items)
	items = nil
	for _, p := range a.Processes {
		items = append(items, item{Heading: cmp.Or(p.Name, p.Path, "Process"), Fields: fieldsOf(
			"name", p.Name, "processId", int32Text(p.ProcessID), "path", p.Path, "commandLine", p.CommandLine,
			"accountName", p.AccountName, "createdDateTime", tf.Time(p.CreatedDateTime, page.Exact), "integrityLevel", string(p.IntegrityLevel),
			"isElevated", yesNo(p.IsElevated), "fileHash", hashText(p.FileHash), "parentProcessName", p.ParentProcessName,
			"parentProcessId", int32Text(p.ParentProcessID), "parentProcessCreatedDateTime", tf.Time(p.ParentProcessCreatedDateTime, page.Exact))})
	}
	add("processes", "Processes", "processes", items)
	items = nil
	for _, n := range a.NetworkConnections {
		src := strings.Trim(n.SourceAddress+":"+n.SourcePort, ":")
		dst := cmp.Or(n.DestinationDomain, n.DestinationAddress, n.DestinationURL)
		if n.DestinationPort != "" && dst != "" {
			dst += ":" + n.DestinationPort
		}
		heading := "Connection"
		if src != "" || dst != "" {
			heading = cmp.Or(src, "?") + " → " + cmp.Or(dst, "?")
		}
		items = append(items, item{Heading: heading, Fields: fieldsOf(
			"direction", string(n.Direction), "protocol", string(n.Protocol), "status", string(n.Status),
			"sourceAddress", n.SourceAddress, "sourcePort", n.SourcePort, "sourceLocation", n.SourceLocation,
			"destinationAddress", n.DestinationAddress, "destinationPort", n.DestinationPort, "destinationDomain", n.DestinationDomain,
			"destinationUrl", n.DestinationURL, "destinationLocation", n.DestinationLocation, "urlParameters", n.URLParameters,
			"applicationName", n.ApplicationName, "localDnsName", n.LocalDNSName,
			"natSourceAddress", n.NATSourceAddress, "natSourcePort", n.NATSourcePort,
			"natDestinationAddress", n.NATDestinationAddress, "natDestinationPort", n.NATDestinationPort,
			"domainRegisteredDateTime", tf.Time(n.DomainRegisteredDateTime, page.Exact), "riskScore", n.RiskScore)})
	}
	add("network", "Network connections", "networkConnections", items)
	items = nil
	for _, m := range a.MalwareStates {
		items = append(items, item{Heading: cmp.Or(m.Name, m.Family, "Malware"), Fields: fieldsOf(
			"name", m.Name, "family", m.Family, "category", m.Category, "severity", m.Severity, "wasRunning", yesNo(m.WasRunning))})
	}
	add("malware", "Malware", "malwareStates", items)
	items = nil
	for _, k := range a.RegistryKeyStates {
		items = append(items, item{Heading: cmp.Or(k.Key, k.ValueName, "Registry key"), Fields: fieldsOf(
			"hive", string(k.Hive), "key", k.Key, "operation", string(k.Operation), "valueName", k.ValueName,
			"valueType", string(k.ValueType), "valueData", k.ValueData, "oldKey", k.OldKey, "oldValueName", k.OldValueName,
			"oldValueData", k.OldValueData, "processId", int32Text(k.ProcessID))})
	}
	add("registry", "Registry keys", "registryKeyStates", items)
	items = nil
	for _, c := range a.CloudAppStates {
		items = append(items, item{Heading: cmp.Or(c.DestinationServiceName, c.DestinationServiceIP, "Cloud app"), Fields: fieldsOf(
			"destinationServiceName", c.DestinationServiceName, "destinationServiceIp", c.DestinationServiceIP, "riskScore", c.RiskScore)})
	}
	add("cloudapps", "Cloud applications", "cloudAppStates", items)
	items = nil
	for _, v := range a.VulnerabilityStates {
		items = append(items, item{Heading: cmp.Or(v.CVE, "Vulnerability"), Fields: fieldsOf(
			"cve", v.CVE, "severity", v.Severity, "wasRunning", yesNo(v.WasRunning))})
	}
	add("vulnerabilities", "Vulnerabilities", "vulnerabilityStates", items)
	items = nil
	for _, t := range a.Triggers {
		items = append(items, item{Heading: cmp.Or(t.Name, "Trigger"), Fields: fieldsOf(
			"name", t.Name, "type", t.Type, "value", t.Value)})
	}
	add("triggers", "Triggers", "triggers", items)
	items = nil
	for _, r := range a.SecurityResources {
		items = append(items, item{Heading: cmp.Or(r.Resource, "Resource"), Fields: fieldsOf(
			"resource", r.Resource, "resourceType", string(r.ResourceType))})
	}
	add("resources", "Security resources", "securityResources", items)
	return out
}

// history lists the provider's record of past changes, newest first.
func history(hs []graph.AlertHistoryState, tf page.TimeFormatter) []item {
	out := make([]item, 0, len(hs))
	for i := len(hs) - 1; i >= 0; i-- {
		h := hs[i]
		out = append(out, item{Heading: cmp.Or(tf.Time(h.UpdatedDateTime, page.Exact), "Change"), Fields: fieldsOf(
			"user", h.User, "status", string(h.Status), "feedback", string(h.Feedback), "assignedTo", h.AssignedTo,
			"comments", page.JoinList(h.Comments), "appId", h.AppID)})
	}
	return out
}
