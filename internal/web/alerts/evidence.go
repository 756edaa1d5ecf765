package alerts

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/page"
)

// An alert's evidence as panels: a typed panel for each evidence type the
// graph package models, and a generic one (every member as received) for
// any other, so that what a newer Graph sends is still shown.

// evidencePanel is one piece of evidence as a panel: a heading, the
// fields its type has, and what every evidence carries (roles, verdict,
// remediation).
type evidencePanel struct {
	Kind     string // CSS modifier and sort key: user, device, file, ...
	Heading  string // "User", "Device", ...
	Name     string // the thing's main name (UPN, DNS name, file name...)
	Type     string // @odata.type as received
	Fields   []page.Field
	Generic  bool
	Note     string
	Roles    []string
	Detailed []string
	Verdict  string
	Remedy   string
	Details  string
	Tags     []string
	Created  time.Time
}

// kindRank sorts panels the way an analyst scans them: who, which
// machine, what ran, where it talked to, then the rest.
func kindRank(kind string) int {
	return slices.Index([]string{"user", "mailbox", "device", "file", "process", "ip", "url", "dns", "network", "message",
		"cluster", "registry", "cloudapp", "oauthapp", "group", "malware", "hash", "other"}, kind)
}

// evidencePanels turns an alert's evidence into panels, grouped by kind
// and otherwise in Graph's order.
func evidencePanels(list graph.EvidenceList, tf page.TimeFormatter) []evidencePanel {
	out := make([]evidencePanel, 0, len(list))
	for _, e := range list {
		if e == nil {
			continue
		}
		out = append(out, evidencePanelOf(e, tf))
	}
	slices.SortStableFunc(out, func(a, b evidencePanel) int {
		return cmp.Compare(kindRank(a.Kind), kindRank(b.Kind))
	})
	return out
}

// panelFields collects label/value pairs, leaving out empty values.
type panelFields struct {
	list []page.Field
	tf   page.TimeFormatter
}

func (f *panelFields) add(name, value string) {
	if value != "" {
		f.list = append(f.list, page.Field{Name: name, Value: value})
	}
}

// time adds a time, to the second.
func (f *panelFields) time(name string, t time.Time) { f.add(name, f.tf.Time(t, page.Second)) }

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

// file adds a file's details under prefix ("" or "Parent image ").
func (f *panelFields) file(prefix string, d *graph.FileDetails) {
	if d == nil {
		return
	}
	f.add(prefix+"File name", d.FileName)
	f.add(prefix+"Path", d.FilePath)
	if d.FileSize != nil {
		f.add(prefix+"Size", intText(d.FileSize)+" bytes")
	}
	f.add(prefix+"SHA-256", d.SHA256)
	f.add(prefix+"SHA-1", d.SHA1)
	f.add(prefix+"MD5", d.MD5)
	f.add(prefix+"Signer", d.Signer)
	f.add(prefix+"Issuer", d.Issuer)
	f.add(prefix+"Publisher", d.FilePublisher)
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

func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// evidencePanelOf builds the panel of one evidence entry.
func evidencePanelOf(e graph.Evidence, tf page.TimeFormatter) evidencePanel {
	b := e.Common()
	p := evidencePanel{
		Type: b.ODataType, Roles: stringsOf(b.Roles), Detailed: b.DetailedRoles, Verdict: string(b.Verdict),
		Remedy: string(b.RemediationStatus), Details: b.RemediationStatusDetails, Tags: b.Tags, Created: b.CreatedDateTime,
	}
	if p.Type == "" {
		p.Type = e.TypeName()
	}
	f := panelFields{tf: tf}
	switch x := e.(type) {
	case *graph.UserEvidence:
		p.Kind, p.Heading = "user", "User"
		if u := x.UserAccount; u != nil {
			p.Name = cmp.Or(u.UserPrincipalName, u.DisplayName, u.AccountName)
			f.add("UPN", u.UserPrincipalName)
			f.add("Display name", u.DisplayName)
			f.add("Account", u.AccountName)
			f.add("Domain", u.DomainName)
			f.add("SID", u.UserSID)
			f.add("Entra object id", u.AzureADUserID)
			f.add("AD object GUID", u.ActiveDirectoryObjectGUID)
		}
		if x.Stream != nil {
			f.add("Stream", x.Stream.Name)
		}
	case *graph.DeviceEvidence:
		p.Kind, p.Heading = "device", "Device"
		p.Name = cmp.Or(x.DeviceDNSName, x.HostName, x.MDEDeviceID)
		f.add("DNS name", x.DeviceDNSName)
		f.add("Host name", x.HostName)
		os := x.OSPlatform
		if x.OSBuild != nil {
			os = strings.TrimSpace(os + " build " + intText(x.OSBuild))
		}
		f.add("OS", os)
		f.add("Version", x.Version)
		f.add("Health", string(x.HealthStatus))
		f.add("Risk", string(x.RiskScore))
		f.add("Onboarding", string(x.OnboardingStatus))
		f.add("Antivirus", string(x.DefenderAvStatus))
		f.add("Last IP", x.LastIPAddress)
		f.add("Last external IP", x.LastExternalIPAddress)
		f.add("IP interfaces", page.JoinList(x.IPInterfaces))
		var users []string
		for _, u := range x.LoggedOnUsers {
			n := u.AccountName
			if u.DomainName != "" {
				n = u.DomainName + `\` + n
			}
			users = append(users, n)
		}
		f.add("Logged-on users", page.JoinList(users))
		f.time("First seen", x.FirstSeenDateTime)
		f.add("Defender device id", x.MDEDeviceID)
		f.add("Entra device id", x.AzureADDeviceID)
		f.add("Domain", cmp.Or(x.DNSDomain, x.NTDomain))
		f.add("Device group", x.RBACGroupName)
		if vm := x.VMMetadata; vm != nil {
			f.add("Virtual machine", strings.TrimSpace(string(vm.CloudProvider)+" "+vm.VMID))
		}
	case *graph.FileEvidence:
		p.Kind, p.Heading = "file", "File"
		if x.FileDetails != nil {
			p.Name = x.FileDetails.FileName
		}
		f.file("", x.FileDetails)
		f.add("Detection", string(x.DetectionStatus))
		f.add("Defender device id", x.MDEDeviceID)
	case *graph.ProcessEvidence:
		p.Kind, p.Heading = "process", "Process"
		if x.ImageFile != nil {
			p.Name = x.ImageFile.FileName
			img := x.ImageFile.FileName
			if dir := strings.TrimRight(x.ImageFile.FilePath, `\/`); dir != "" {
				img = dir + `\` + img
			}
			f.add("Image", img)
			f.add("Image SHA-256", x.ImageFile.SHA256)
		}
		f.add("Command line", x.ProcessCommandLine)
		f.add("Process id", intText(x.ProcessID))
		f.time("Started", x.ProcessCreationDateTime)
		if x.ParentProcessImageFile != nil {
			f.add("Parent image", x.ParentProcessImageFile.FileName)
		}
		f.add("Parent process id", intText(x.ParentProcessID))
		f.time("Parent started", x.ParentProcessCreationDateTime)
		f.add("User", accountText(x.UserAccount))
		f.add("Detection", string(x.DetectionStatus))
		f.add("Defender device id", x.MDEDeviceID)
	case *graph.IPEvidence:
		p.Kind, p.Heading, p.Name = "ip", "IP address", x.IPAddress
		f.add("Address", x.IPAddress)
		f.add("Country", x.CountryLetterCode)
		if l := x.Location; l != nil {
			var parts []string
			for _, s := range []string{l.City, l.State, l.CountryName} {
				if s != "" {
					parts = append(parts, s)
				}
			}
			f.add("Location", strings.Join(parts, ", "))
			if l.Latitude != nil && l.Longitude != nil {
				f.add("Coordinates", strconv.FormatFloat(*l.Latitude, 'f', -1, 64)+", "+strconv.FormatFloat(*l.Longitude, 'f', -1, 64))
			}
		}
		if x.Stream != nil {
			f.add("Stream", x.Stream.Name)
		}
	case *graph.URLEvidence:
		// Shown as text, never as a link: it is evidence of an attack.
		p.Kind, p.Heading, p.Name = "url", "URL", x.URL
		f.add("URL", x.URL)
	case *graph.MailboxEvidence:
		p.Kind, p.Heading = "mailbox", "Mailbox"
		p.Name = cmp.Or(x.PrimaryAddress, x.UPN, x.DisplayName)
		f.add("Display name", x.DisplayName)
		f.add("Address", x.PrimaryAddress)
		f.add("UPN", x.UPN)
		f.add("Account", accountText(x.UserAccount))
	case *graph.AnalyzedMessageEvidence:
		p.Kind, p.Heading, p.Name = "message", "Email message", x.Subject
		f.add("Subject", x.Subject)
		if s := x.P1Sender; s != nil {
			f.add("Sender (P1)", cmp.Or(s.EmailAddress, s.DisplayName))
		}
		if s := x.P2Sender; s != nil {
			f.add("Sender (P2)", cmp.Or(s.EmailAddress, s.DisplayName))
		}
		f.add("Recipient", x.RecipientEmailAddress)
		f.time("Received", x.ReceivedDateTime)
		f.add("Sender IP", x.SenderIP)
		f.add("Direction", x.AntiSpamDirection)
		f.add("Delivery", strings.Trim(x.DeliveryAction+" / "+x.DeliveryLocation, " /"))
		f.add("Threats", page.JoinList(x.Threats))
		f.add("Detection methods", page.JoinList(x.ThreatDetectionMethods))
		f.add("URLs", cmp.Or(intText(x.URLCount), strconv.Itoa(len(x.URLs))))
		f.add("Attachments", intText(x.AttachmentsCount))
		f.add("Network message id", x.NetworkMessageID)
		f.add("Internet message id", x.InternetMessageID)
		f.add("Language", x.Language)
	case *graph.MailClusterEvidence:
		p.Kind, p.Heading, p.Name = "cluster", "Mail cluster", x.ClusterByValue
		f.add("Clustered by", x.ClusterBy)
		f.add("Value", x.ClusterByValue)
		f.add("Messages", intText(x.EmailCount))
		f.add("Query", x.Query)
	case *graph.RegistryKeyEvidence:
		p.Kind, p.Heading, p.Name = "registry", "Registry key", x.RegistryKey
		f.add("Hive", x.RegistryHive)
		f.add("Key", x.RegistryKey)
	case *graph.RegistryValueEvidence:
		p.Kind, p.Heading, p.Name = "registry", "Registry value", x.RegistryValueName
		f.add("Hive", x.RegistryHive)
		f.add("Key", x.RegistryKey)
		f.add("Value name", x.RegistryValueName)
		f.add("Type", x.RegistryValueType)
		f.add("Data", x.RegistryValue)
		f.add("Defender device id", x.MDEDeviceID)
	case *graph.CloudApplicationEvidence:
		p.Kind, p.Heading, p.Name = "cloudapp", "Cloud app", x.DisplayName
		f.add("Name", x.DisplayName)
		f.add("App id", intText(x.AppID))
		f.add("Instance", strings.TrimSpace(x.InstanceName+" "+intText(x.InstanceID)))
		f.add("SaaS app id", intText(x.SaaSAppID))
	case *graph.OAuthApplicationEvidence:
		p.Kind, p.Heading, p.Name = "oauthapp", "OAuth app", x.DisplayName
		f.add("Name", x.DisplayName)
		f.add("App id", x.AppID)
		f.add("Object id", x.ObjectID)
		f.add("Publisher", x.Publisher)
	case *graph.SecurityGroupEvidence:
		p.Kind, p.Heading, p.Name = "group", "Security group", cmp.Or(x.DisplayName, x.FriendlyName)
		f.add("Name", x.DisplayName)
		f.add("Friendly name", x.FriendlyName)
		f.add("Distinguished name", x.DistinguishedName)
		f.add("SID", x.SID)
		f.add("Group id", x.SecurityGroupID)
	case *graph.MalwareEvidence:
		p.Kind, p.Heading, p.Name = "malware", "Malware", x.Name
		f.add("Name", x.Name)
		f.add("Category", x.Category)
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
		f.add("Files", page.JoinList(files))
		f.add("Processes", page.JoinList(procs))
	case *graph.NetworkConnectionEvidence:
		p.Kind, p.Heading = "network", "Network connection"
		p.Name = strings.Trim(hostPort(x.SourceAddress, x.SourcePort)+" → "+hostPort(x.DestinationAddress, x.DestinationPort), " →")
		f.add("Source", hostPort(x.SourceAddress, x.SourcePort))
		f.add("Destination", hostPort(x.DestinationAddress, x.DestinationPort))
		f.add("Protocol", string(x.Protocol))
	case *graph.DNSEvidence:
		p.Kind, p.Heading, p.Name = "dns", "DNS resolution", x.DomainName
		f.add("Domain", x.DomainName)
		f.add("DNS server", ipText(x.DNSServerIP))
		f.add("Host", ipText(x.HostIPAddress))
		var ips []string
		for _, ip := range x.IPAddresses {
			ips = append(ips, ip.IPAddress)
		}
		f.add("Resolved to", page.JoinList(ips))
	case *graph.FileHashEvidence:
		p.Kind, p.Heading, p.Name = "hash", "File hash", x.Value
		f.add("Algorithm", string(x.Algorithm))
		f.add("Value", x.Value)
	case *graph.UnknownEvidence:
		p.Kind, p.Heading, p.Generic = "other", typeHeading(p.Type), true
		f.list = flatten(x.Raw, x.Err == nil)
		if x.Err != nil {
			p.Note = "graphsec could not read this entry as its type says, so it shows every field as received."
		}
	default:
		// A type the graph package models but this page does not know
		// yet: still show everything it carries.
		p.Kind, p.Heading, p.Generic = "other", typeHeading(p.Type), true
		if rawJSON, err := json.Marshal(e); err == nil {
			f.list = flatten(rawJSON, true)
		}
	}
	p.Fields = f.list
	return p
}

// typeHeading turns "#microsoft.graph.security.kubernetesPodEvidence"
// into "kubernetesPodEvidence".
func typeHeading(t string) string {
	t = strings.TrimPrefix(t, "#")
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		t = t[i+1:]
	}
	return cmp.Or(t, "Evidence of an unnamed type")
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
func flatten(raw []byte, skipBase bool) []page.Field {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		s := string(raw)
		if len(s) > flatMaxValue {
			s = s[:flatMaxValue] + "…"
		}
		return []page.Field{{Name: "(raw)", Value: s}}
	}
	var out []page.Field
	var walk func(prefix string, v any, depth int)
	walk = func(prefix string, v any, depth int) {
		if len(out) >= flatMaxFields {
			return
		}
		if depth > flatMaxDepth {
			out = append(out, page.Field{Name: prefix, Value: "(nested too deeply to show)"})
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
				out = append(out, page.Field{Name: prefix, Value: cut(cmp.Or(page.JoinList(scalars), "(none)"))})
				return
			}
			for i, item := range x {
				walk(prefix+"["+strconv.Itoa(i)+"]", item, depth+1)
			}
		default:
			out = append(out, page.Field{Name: prefix, Value: cut(scalarText(x))})
		}
	}
	walk("", root, 0)
	if len(out) >= flatMaxFields {
		out = append(out[:flatMaxFields], page.Field{Name: "…", Value: "more fields in the raw JSON below"})
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
