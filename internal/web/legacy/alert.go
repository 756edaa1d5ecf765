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

// legacyItem is one entry of an evidence panel: a heading and its
// non-empty properties.
type legacyItem struct {
	Heading string
	Fields  []page.Field
}

// legacyPanel is one of the alert's state collections (userStates,
// hostStates...).
type legacyPanel struct {
	ID, Title, Property string
	Items               []legacyItem
}

// legacySource is a source material: a link only when it is https.
type legacySource struct {
	Text, Href string
}

type legacyAlertView struct {
	ID, Title, Description string
	Severity, Status       string
	Provider               string
	Props                  []page.Field
	RecommendedActions     []string
	Comments               []string
	Tags                   []string
	Sources                []legacySource
	Panels                 []legacyPanel
	History                []legacyItem
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
	v := legacyAlertView{
		ID: a.ID, Title: a.Title, Description: a.Description, Severity: string(a.Severity), Status: string(a.Status),
		Provider: a.Provider(), Props: legacyProps(a, tf), RecommendedActions: a.RecommendedActions,
		Comments: a.Comments, Tags: a.Tags, Sources: legacySources(a.SourceMaterials), Panels: legacyPanels(a, tf),
		History: legacyHistory(a.HistoryStates, tf), Partial: warnings(resp, tf),
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

// legacyFields builds a list of fields from name, value pairs, leaving out
// empty values so panels show only what the provider filled in.
func legacyFields(pairs ...string) []page.Field {
	out := make([]page.Field, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			out = append(out, page.Field{Name: pairs[i], Value: pairs[i+1]})
		}
	}
	return out
}

func legacyYesNo(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	default:
		return "no"
	}
}

func legacyInt32(n *int32) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(int(*n))
}

func legacyHash(h *graph.FileHash) string {
	if h == nil || h.HashValue == "" {
		return ""
	}
	if h.HashType != "" {
		return string(h.HashType) + ": " + h.HashValue
	}
	return h.HashValue
}

func legacyProps(a *graph.LegacyAlert, tf page.TimeFormatter) []page.Field {
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
	return legacyFields(
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
		"confidence", legacyInt32(a.Confidence),
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

// legacySources makes source materials links only when they are https
// URLs with a host: anything else (javascript:, http:, text) is shown as
// text, never as a link.
func legacySources(list []string) []legacySource {
	out := make([]legacySource, 0, len(list))
	for _, s := range list {
		src := legacySource{Text: s}
		if u, err := url.Parse(s); err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil {
			src.Href = u.String()
		}
		out = append(out, src)
	}
	return out
}

// legacyPanels turns the alert's state collections into panels, in the
// order an analyst reads them: who, where, what ran, what it touched.
func legacyPanels(a *graph.LegacyAlert, tf page.TimeFormatter) []legacyPanel {
	var panels []legacyPanel
	add := func(id, title, prop string, items []legacyItem) {
		if len(items) > 0 {
			panels = append(panels, legacyPanel{ID: id, Title: title, Property: prop, Items: items})
		}
	}
	var items []legacyItem
	for _, u := range a.UserStates {
		items = append(items, legacyItem{Heading: cmp.Or(u.UserPrincipalName, u.AccountName, u.AADUserID, "User"), Fields: legacyFields(
			"userPrincipalName", u.UserPrincipalName, "accountName", u.AccountName, "domainName", u.DomainName,
			"aadUserId", u.AADUserID, "onPremisesSecurityIdentifier", u.OnPremisesSecurityIdentifier,
			"userAccountType", string(u.UserAccountType), "emailRole", string(u.EmailRole),
			"logonDateTime", tf.Time(u.LogonDateTime, page.Exact), "logonType", string(u.LogonType), "logonIp", u.LogonIP,
			"logonLocation", u.LogonLocation, "logonId", u.LogonID, "isVpn", legacyYesNo(u.IsVPN), "riskScore", u.RiskScore)})
	}
	add("users", "Users", "userStates", items)
	items = nil
	for _, h := range a.HostStates {
		items = append(items, legacyItem{Heading: cmp.Or(h.FQDN, h.NetBIOSName, h.PrivateIPAddress, "Host"), Fields: legacyFields(
			"fqdn", h.FQDN, "netBiosName", h.NetBIOSName, "os", h.OS, "privateIpAddress", h.PrivateIPAddress,
			"publicIpAddress", h.PublicIPAddress, "isAzureAadJoined", legacyYesNo(h.IsAzureADJoined),
			"isAzureAadRegistered", legacyYesNo(h.IsAzureADRegistered), "isHybridAzureDomainJoined", legacyYesNo(h.IsHybridAzureDomainJoined),
			"riskScore", h.RiskScore)})
	}
	add("hosts", "Hosts", "hostStates", items)
	items = nil
	for _, f := range a.FileStates {
		items = append(items, legacyItem{Heading: cmp.Or(f.Name, f.Path, "File"), Fields: legacyFields(
			"name", f.Name, "path", f.Path, "fileHash", legacyHash(f.FileHash), "riskScore", f.RiskScore)})
	}
	add("files", "Files", "fileStates", items)
	items = nil
	for _, p := range a.Processes {
		items = append(items, legacyItem{Heading: cmp.Or(p.Name, p.Path, "Process"), Fields: legacyFields(
			"name", p.Name, "processId", legacyInt32(p.ProcessID), "path", p.Path, "commandLine", p.CommandLine,
			"accountName", p.AccountName, "createdDateTime", tf.Time(p.CreatedDateTime, page.Exact), "integrityLevel", string(p.IntegrityLevel),
			"isElevated", legacyYesNo(p.IsElevated), "fileHash", legacyHash(p.FileHash), "parentProcessName", p.ParentProcessName,
			"parentProcessId", legacyInt32(p.ParentProcessID), "parentProcessCreatedDateTime", tf.Time(p.ParentProcessCreatedDateTime, page.Exact))})
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
		items = append(items, legacyItem{Heading: heading, Fields: legacyFields(
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
		items = append(items, legacyItem{Heading: cmp.Or(m.Name, m.Family, "Malware"), Fields: legacyFields(
			"name", m.Name, "family", m.Family, "category", m.Category, "severity", m.Severity, "wasRunning", legacyYesNo(m.WasRunning))})
	}
	add("malware", "Malware", "malwareStates", items)
	items = nil
	for _, k := range a.RegistryKeyStates {
		items = append(items, legacyItem{Heading: cmp.Or(k.Key, k.ValueName, "Registry key"), Fields: legacyFields(
			"hive", string(k.Hive), "key", k.Key, "operation", string(k.Operation), "valueName", k.ValueName,
			"valueType", string(k.ValueType), "valueData", k.ValueData, "oldKey", k.OldKey, "oldValueName", k.OldValueName,
			"oldValueData", k.OldValueData, "processId", legacyInt32(k.ProcessID))})
	}
	add("registry", "Registry keys", "registryKeyStates", items)
	items = nil
	for _, c := range a.CloudAppStates {
		items = append(items, legacyItem{Heading: cmp.Or(c.DestinationServiceName, c.DestinationServiceIP, "Cloud app"), Fields: legacyFields(
			"destinationServiceName", c.DestinationServiceName, "destinationServiceIp", c.DestinationServiceIP, "riskScore", c.RiskScore)})
	}
	add("cloudapps", "Cloud applications", "cloudAppStates", items)
	items = nil
	for _, v := range a.VulnerabilityStates {
		items = append(items, legacyItem{Heading: cmp.Or(v.CVE, "Vulnerability"), Fields: legacyFields(
			"cve", v.CVE, "severity", v.Severity, "wasRunning", legacyYesNo(v.WasRunning))})
	}
	add("vulnerabilities", "Vulnerabilities", "vulnerabilityStates", items)
	items = nil
	for _, t := range a.Triggers {
		items = append(items, legacyItem{Heading: cmp.Or(t.Name, "Trigger"), Fields: legacyFields(
			"name", t.Name, "type", t.Type, "value", t.Value)})
	}
	add("triggers", "Triggers", "triggers", items)
	items = nil
	for _, r := range a.SecurityResources {
		items = append(items, legacyItem{Heading: cmp.Or(r.Resource, "Resource"), Fields: legacyFields(
			"resource", r.Resource, "resourceType", string(r.ResourceType))})
	}
	add("resources", "Security resources", "securityResources", items)
	return panels
}

// legacyHistory lists the provider's record of past changes, newest first.
func legacyHistory(hs []graph.AlertHistoryState, tf page.TimeFormatter) []legacyItem {
	out := make([]legacyItem, 0, len(hs))
	for i := len(hs) - 1; i >= 0; i-- {
		h := hs[i]
		out = append(out, legacyItem{Heading: cmp.Or(tf.Time(h.UpdatedDateTime, page.Exact), "Change"), Fields: legacyFields(
			"user", h.User, "status", string(h.Status), "feedback", string(h.Feedback), "assignedTo", h.AssignedTo,
			"comments", page.JoinList(h.Comments), "appId", h.AppID)})
	}
	return out
}
