package alerts

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// An alert's evidence as panels: a typed panel for each evidence type the
// graph package models, and a generic one (every member as received) for
// any other, so that what a newer Graph sends is still shown.

// evidencePanel is one piece of evidence as a card: its type, its main
// name (with a pivot to the queue filtered on it, and a copy button where
// it is an identifier), the fields its type has, and what every evidence
// carries (roles, verdict, remediation).
type evidencePanel struct {
	Kind     string         // CSS modifier and sort key: user, device, file, ...
	Heading  i18n.EnumLabel // "User", "Device", ...
	Name     evField        // the thing's main name (UPN, DNS name, file name...)
	Type     string         // @odata.type as received
	Fields   []evField
	Generic  bool
	Note     string
	Roles    string // labelled; RolesRaw as Graph sent them, on hover
	RolesRaw string
	Detailed []string
	Verdict  i18n.EnumLabel
	Remedy   i18n.EnumLabel
	Details  string
	Tags     []string
	Created  time.Time
}

// evField is one line of an evidence card: its label, its value, the raw
// value on hover (an enum member), and how it is shown: Code for
// identifiers, hashes and command lines (monospace, broken anywhere, a
// copy button), Href for a pivot to the queue filtered on the value.
type evField struct {
	Label, Value, Raw string
	Code              bool
	Href              string
}

// kindRank sorts panels the way an analyst scans them: who, which
// machine, what ran, where it talked to, then the rest.
func kindRank(kind string) int {
	return slices.Index([]string{"user", "mailbox", "device", "file", "process", "ip", "url", "dns", "network", "message",
		"cluster", "registry", "cloudapp", "oauthapp", "group", "malware", "hash", "other"}, kind)
}

// evidencePanels turns an alert's evidence into cards, grouped by kind
// and otherwise in Graph's order.
func evidencePanels(L *i18n.Printer, list graph.EvidenceList) []evidencePanel {
	out := make([]evidencePanel, 0, len(list))
	for _, e := range list {
		if e == nil {
			continue
		}
		out = append(out, evidencePanelOf(L, e))
	}
	slices.SortStableFunc(out, func(a, b evidencePanel) int {
		return cmp.Compare(kindRank(a.Kind), kindRank(b.Kind))
	})
	return out
}

// pivot links the queue filtered on one evidence value, in every status:
// an analyst pivots to see an entity's history.
func pivot(param, value string) string {
	if value == "" {
		return ""
	}
	return link(url.Values{param: {value}, "status": {""}})
}

// panelFields collects the fields of a card, leaving out empty values.
// Labels are the catalogs' names of the evidence members.
type panelFields struct {
	L    *i18n.Printer
	list []evField
}

// add adds a member by its JSON name.
func (f *panelFields) add(member, value string) { f.addLabel(f.L.Field(member).Text, value, false, "") }

// code adds an identifier, a hash or a command line.
func (f *panelFields) code(member, value string) { f.addLabel(f.L.Field(member).Text, value, true, "") }

// pivotTo adds a value that leads to the queue filtered on it.
func (f *panelFields) pivotTo(member, value, param string, code bool) {
	f.addLabel(f.L.Field(member).Text, value, code, pivot(param, value))
}

func (f *panelFields) addLabel(label, value string, code bool, href string) {
	if value != "" {
		f.list = append(f.list, evField{Label: label, Value: value, Code: code, Href: href})
	}
}

// enum adds an enum member, labelled, with its raw value on hover.
func (f *panelFields) enum(member string, v any) {
	l := f.L.Enum(v)
	if l.Raw != "" {
		f.list = append(f.list, evField{Label: f.L.Field(member).Text, Value: l.Text, Raw: l.Raw})
	}
}

// time adds a time, to the second in the page's zone.
func (f *panelFields) time(member string, t time.Time) { f.add(member, f.L.TimeLong(t)) }

func intText(n *int64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(*n, 10)
}

func int32Text(n *int32) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(int64(*n), 10)
}

// accountText names a user account the way Windows people read it
// (DOMAIN\account), with the UPN when there is one.
func accountText(u *graph.UserAccount) string {
	if u == nil {
		return ""
	}
	name := u.AccountName
	if u.DomainName != "" && name != "" {
		name = u.DomainName + `\` + name
	}
	switch {
	case u.UserPrincipalName != "" && name != "":
		return name + " (" + u.UserPrincipalName + ")"
	case u.UserPrincipalName != "":
		return u.UserPrincipalName
	}
	return cmp.Or(name, u.DisplayName)
}

// file adds a file's details; its SHA-256 leads to the queue filtered on
// it.
func (f *panelFields) file(d *graph.FileDetails) {
	if d == nil {
		return
	}
	f.add("fileName", d.FileName)
	f.code("filePath", d.FilePath)
	if d.FileSize != nil {
		f.add("fileSize", f.L.T("evidence.bytes", "n", *d.FileSize))
	}
	f.pivotTo("sha256", d.SHA256, "sha256", true)
	f.code("sha1", d.SHA1)
	f.code("md5", d.MD5)
	f.add("signer", d.Signer)
	f.add("issuer", d.Issuer)
	f.add("filePublisher", d.FilePublisher)
}

func ipText(ip *graph.IPEvidence) string {
	if ip == nil {
		return ""
	}
	return ip.IPAddress
}

func hostPort(ip *graph.IPEvidence, port *int32) string {
	a := ipText(ip)
	if port == nil {
		return a
	}
	if strings.Contains(a, ":") {
		a = "[" + a + "]"
	}
	return a + ":" + int32Text(port)
}

// named sets the card's main name: shown in its heading, with a pivot and
// a copy button where it is an identifier.
func (p *evidencePanel) named(value string, code bool, href string) {
	p.Name = evField{Value: value, Code: code, Href: href}
}

// evidencePanelOf builds the card of one evidence entry.
func evidencePanelOf(L *i18n.Printer, e graph.Evidence) evidencePanel {
	b := e.Common()
	p := evidencePanel{
		Type: b.ODataType, Roles: L.Labels(b.Roles), RolesRaw: strings.Join(page.Strings(b.Roles), ", "), Detailed: b.DetailedRoles, Verdict: L.Enum(b.Verdict),
		Remedy: L.Enum(b.RemediationStatus), Details: b.RemediationStatusDetails, Tags: b.Tags, Created: b.CreatedDateTime,
	}
	if p.Type == "" {
		p.Type = e.TypeName()
	}
	p.Heading = L.EvidenceType(p.Type)
	f := panelFields{L: L}
	switch x := e.(type) {
	case *graph.UserEvidence:
		p.Kind = "user"
		if u := x.UserAccount; u != nil {
			p.named(cmp.Or(u.UserPrincipalName, u.DisplayName, u.AccountName), u.UserPrincipalName != "", pivot("user", u.UserPrincipalName))
			f.pivotTo("userPrincipalName", u.UserPrincipalName, "user", true)
			f.add("displayName", u.DisplayName)
			f.add("accountName", u.AccountName)
			f.add("domainName", u.DomainName)
			f.code("userSid", u.UserSID)
			f.code("azureAdUserId", u.AzureADUserID)
			f.code("activeDirectoryObjectGuid", u.ActiveDirectoryObjectGUID)
		}
		if x.Stream != nil {
			f.add("stream", x.Stream.Name)
		}
	case *graph.DeviceEvidence:
		p.Kind = "device"
		p.named(cmp.Or(x.DeviceDNSName, x.HostName, x.MDEDeviceID), x.DeviceDNSName != "", pivot("device", x.DeviceDNSName))
		f.pivotTo("deviceDnsName", x.DeviceDNSName, "device", true)
		f.add("hostName", x.HostName)
		os := x.OSPlatform
		if x.OSBuild != nil {
			os = strings.TrimSpace(os + " " + L.T("evidence.build", "build", intText(x.OSBuild)))
		}
		f.add("osPlatform", os)
		f.add("version", x.Version)
		f.enum("healthStatus", x.HealthStatus)
		f.enum("riskScore", x.RiskScore)
		f.enum("onboardingStatus", x.OnboardingStatus)
		f.enum("defenderAvStatus", x.DefenderAvStatus)
		f.pivotTo("lastIpAddress", x.LastIPAddress, "ip", true)
		f.pivotTo("lastExternalIpAddress", x.LastExternalIPAddress, "ip", true)
		f.code("ipInterfaces", page.JoinList(x.IPInterfaces))
		var users []string
		for _, u := range x.LoggedOnUsers {
			n := u.AccountName
			if u.DomainName != "" {
				n = u.DomainName + `\` + n
			}
			users = append(users, n)
		}
		f.add("loggedOnUsers", page.JoinList(users))
		f.time("firstSeenDateTime", x.FirstSeenDateTime)
		f.code("mdeDeviceId", x.MDEDeviceID)
		f.code("azureAdDeviceId", x.AzureADDeviceID)
		f.add("dnsDomain", cmp.Or(x.DNSDomain, x.NTDomain))
		f.add("rbacGroupName", x.RBACGroupName)
		if vm := x.VMMetadata; vm != nil {
			f.code("vmMetadata", strings.TrimSpace(string(vm.CloudProvider)+" "+vm.VMID))
		}
	case *graph.FileEvidence:
		p.Kind = "file"
		if d := x.FileDetails; d != nil {
			p.named(d.FileName, false, pivot("sha256", d.SHA256))
		}
		f.file(x.FileDetails)
		f.enum("detectionStatus", x.DetectionStatus)
		f.code("mdeDeviceId", x.MDEDeviceID)
	case *graph.ProcessEvidence:
		p.Kind = "process"
		if x.ImageFile != nil {
			p.named(x.ImageFile.FileName, false, pivot("sha256", x.ImageFile.SHA256))
			img := x.ImageFile.FileName
			if dir := strings.TrimRight(x.ImageFile.FilePath, `\/`); dir != "" {
				img = dir + `\` + img
			}
			f.code("imageFile", img)
			f.addLabel(L.T("evidence.imageSha256"), x.ImageFile.SHA256, true, pivot("sha256", x.ImageFile.SHA256))
		}
		f.code("processCommandLine", x.ProcessCommandLine)
		f.code("processId", intText(x.ProcessID))
		f.time("processCreationDateTime", x.ProcessCreationDateTime)
		if x.ParentProcessImageFile != nil {
			f.add("parentProcessImageFile", x.ParentProcessImageFile.FileName)
		}
		f.code("parentProcessId", intText(x.ParentProcessID))
		f.time("parentProcessCreationDateTime", x.ParentProcessCreationDateTime)
		f.add("userAccount", accountText(x.UserAccount))
		f.enum("detectionStatus", x.DetectionStatus)
		f.code("mdeDeviceId", x.MDEDeviceID)
	case *graph.IPEvidence:
		p.Kind = "ip"
		p.named(x.IPAddress, true, pivot("ip", x.IPAddress))
		f.pivotTo("ipAddress", x.IPAddress, "ip", true)
		f.add("countryLetterCode", x.CountryLetterCode)
		if l := x.Location; l != nil {
			var parts []string
			for _, s := range []string{l.City, l.State, l.CountryName} {
				if s != "" {
					parts = append(parts, s)
				}
			}
			f.add("location", strings.Join(parts, ", "))
			if l.Latitude != nil && l.Longitude != nil {
				f.addLabel(L.T("evidence.coordinates"), strconv.FormatFloat(*l.Latitude, 'f', -1, 64)+", "+strconv.FormatFloat(*l.Longitude, 'f', -1, 64), false, "")
			}
		}
		if x.Stream != nil {
			f.add("stream", x.Stream.Name)
		}
	case *graph.URLEvidence:
		// Shown as text, never as a link: it is evidence of an attack.
		p.Kind = "url"
		p.named(x.URL, true, "")
		f.code("url", x.URL)
	case *graph.MailboxEvidence:
		p.Kind = "mailbox"
		p.named(cmp.Or(x.PrimaryAddress, x.UPN, x.DisplayName), false, pivot("user", x.UPN))
		f.add("displayName", x.DisplayName)
		f.code("primaryAddress", x.PrimaryAddress)
		f.pivotTo("upn", x.UPN, "user", true)
		f.add("userAccount", accountText(x.UserAccount))
	case *graph.AnalyzedMessageEvidence:
		p.Kind = "message"
		p.named(x.Subject, false, "")
		f.add("subject", x.Subject)
		if s := x.P1Sender; s != nil {
			f.code("p1Sender", cmp.Or(s.EmailAddress, s.DisplayName))
		}
		if s := x.P2Sender; s != nil {
			f.code("p2Sender", cmp.Or(s.EmailAddress, s.DisplayName))
		}
		f.code("recipientEmailAddress", x.RecipientEmailAddress)
		f.time("receivedDateTime", x.ReceivedDateTime)
		f.pivotTo("senderIp", x.SenderIP, "ip", true)
		f.add("antiSpamDirection", x.AntiSpamDirection)
		f.add("deliveryAction", x.DeliveryAction)
		f.add("deliveryLocation", x.DeliveryLocation)
		f.add("threats", page.JoinList(x.Threats))
		f.add("threatDetectionMethods", page.JoinList(x.ThreatDetectionMethods))
		f.add("urlCount", cmp.Or(intText(x.URLCount), strconv.Itoa(len(x.URLs))))
		f.add("attachmentsCount", intText(x.AttachmentsCount))
		f.code("networkMessageId", x.NetworkMessageID)
		f.code("internetMessageId", x.InternetMessageID)
		f.add("language", x.Language)
	case *graph.MailClusterEvidence:
		p.Kind = "cluster"
		p.named(x.ClusterByValue, false, "")
		f.add("clusterBy", x.ClusterBy)
		f.add("clusterByValue", x.ClusterByValue)
		f.add("emailCount", intText(x.EmailCount))
		f.code("query", x.Query)
	case *graph.RegistryKeyEvidence:
		p.Kind = "registry"
		p.named(x.RegistryKey, true, "")
		f.add("registryHive", x.RegistryHive)
		f.code("registryKey", x.RegistryKey)
	case *graph.RegistryValueEvidence:
		p.Kind = "registry"
		p.named(x.RegistryValueName, true, "")
		f.add("registryHive", x.RegistryHive)
		f.code("registryKey", x.RegistryKey)
		f.code("registryValueName", x.RegistryValueName)
		f.add("registryValueType", x.RegistryValueType)
		f.code("registryValue", x.RegistryValue)
		f.code("mdeDeviceId", x.MDEDeviceID)
	case *graph.CloudApplicationEvidence:
		p.Kind = "cloudapp"
		p.named(x.DisplayName, false, "")
		f.add("displayName", x.DisplayName)
		f.code("appId", intText(x.AppID))
		f.add("instanceName", strings.TrimSpace(x.InstanceName+" "+intText(x.InstanceID)))
		f.code("saasAppId", intText(x.SaaSAppID))
	case *graph.OAuthApplicationEvidence:
		p.Kind = "oauthapp"
		p.named(x.DisplayName, false, "")
		f.add("displayName", x.DisplayName)
		f.code("appId", x.AppID)
		f.code("objectId", x.ObjectID)
		f.add("publisher", x.Publisher)
	case *graph.SecurityGroupEvidence:
		p.Kind = "group"
		p.named(cmp.Or(x.DisplayName, x.FriendlyName), false, "")
		f.add("displayName", x.DisplayName)
		f.add("friendlyName", x.FriendlyName)
		f.code("distinguishedName", x.DistinguishedName)
		f.code("sid", x.SID)
		f.code("securityGroupId", x.SecurityGroupID)
	case *graph.MalwareEvidence:
		p.Kind = "malware"
		p.named(x.Name, false, "")
		f.add("name", x.Name)
		f.add("category", x.Category)
		var files, procs []string
		for _, fe := range x.Files {
			if fe.FileDetails != nil {
				files = append(files, fe.FileDetails.FileName)
			}
		}
		for _, pe := range x.Processes {
			if pe.ImageFile != nil {
				procs = append(procs, pe.ImageFile.FileName)
			}
		}
		f.add("files", page.JoinList(files))
		f.add("processes", page.JoinList(procs))
	case *graph.NetworkConnectionEvidence:
		p.Kind = "network"
		p.named(strings.Trim(hostPort(x.SourceAddress, x.SourcePort)+" → "+hostPort(x.DestinationAddress, x.DestinationPort), " →"), true, "")
		f.addLabel(L.Field("sourceAddress").Text, hostPort(x.SourceAddress, x.SourcePort), true, pivot("ip", ipText(x.SourceAddress)))
		f.addLabel(L.Field("destinationAddress").Text, hostPort(x.DestinationAddress, x.DestinationPort), true, pivot("ip", ipText(x.DestinationAddress)))
		f.enum("protocol", x.Protocol)
	case *graph.DNSEvidence:
		p.Kind = "dns"
		p.named(x.DomainName, true, "")
		f.code("domainName", x.DomainName)
		f.pivotTo("dnsServerIp", ipText(x.DNSServerIP), "ip", true)
		f.pivotTo("hostIpAddress", ipText(x.HostIPAddress), "ip", true)
		var ips []string
		for _, ip := range x.IPAddresses {
			ips = append(ips, ip.IPAddress)
		}
		f.code("ipAddresses", page.JoinList(ips))
	case *graph.FileHashEvidence:
		p.Kind = "hash"
		p.named(x.Value, true, "")
		f.enum("algorithm", x.Algorithm)
		f.code("value", x.Value)
	case *graph.UnknownEvidence:
		p.Kind, p.Generic = "other", true
		f.list = flatten(x.Raw, x.Err == nil)
		if x.Err != nil {
			p.Note = L.T("evidence.unreadable")
		}
	default:
		// A type the graph package models but this page does not know
		// yet: still show everything it carries.
		p.Kind, p.Generic = "other", true
		if rawJSON, err := json.Marshal(e); err == nil {
			f.list = flatten(rawJSON, true)
		}
	}
	p.Fields = f.list
	return p
}

// isBaseMember reports the alertEvidence members every panel shows in its
// common part; the generic key/value list leaves them out.
func isBaseMember(name string) bool {
	switch name {
	case "@odata.type", "createdDateTime", "detailedRoles", "remediationStatus", "remediationStatusDetails", "roles", "tags", "verdict":
		return true
	}
	return false
}

// Bounds of the generic panel: an unknown evidence type is untrusted
// input of any shape.
const (
	flatMaxFields = 200
	flatMaxDepth  = 8
	flatMaxValue  = 4096
)

// flatten lists the members of a JSON object as key/value pairs
// (nested objects as a/b, arrays of objects as a[0]/b, arrays of scalars
// joined), sorted by key, bounded in count, depth and length. skipBase
// leaves out the members the panel shows anyway.
func flatten(raw []byte, skipBase bool) []evField {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		s := string(raw)
		if len(s) > flatMaxValue {
			s = s[:flatMaxValue] + "…"
		}
		return []evField{{Label: "(raw)", Value: s, Code: true}}
	}
	var out []evField
	var walk func(prefix string, v any, depth int)
	walk = func(prefix string, v any, depth int) {
		if len(out) >= flatMaxFields {
			return
		}
		if depth > flatMaxDepth {
			out = append(out, evField{Label: prefix, Value: "…"})
			return
		}
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if depth == 0 && skipBase && isBaseMember(k) {
					continue
				}
				name := k
				if prefix != "" {
					name = prefix + "/" + k
				}
				walk(name, x[k], depth+1)
			}
		case []any:
			scalars := make([]string, 0, len(x))
			for _, item := range x {
				switch item.(type) {
				case map[string]any, []any:
				default:
					scalars = append(scalars, scalarText(item))
				}
			}
			if len(scalars) == len(x) {
				out = append(out, evField{Label: prefix, Value: cut(cmp.Or(page.JoinList(scalars), "—"))})
				return
			}
			for i, item := range x {
				walk(prefix+"["+strconv.Itoa(i)+"]", item, depth+1)
			}
		default:
			out = append(out, evField{Label: prefix, Value: cut(scalarText(x))})
		}
	}
	walk("", root, 0)
	if len(out) >= flatMaxFields {
		out = append(out[:flatMaxFields], evField{Label: "…", Value: "…"})
	}
	return out
}

func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

func cut(s string) string {
	if len(s) <= flatMaxValue {
		return s
	}
	cut := flatMaxValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
