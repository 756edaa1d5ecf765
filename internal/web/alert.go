package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
)

// The alert detail page (/alerts/{id}) shows one alerts_v2 alert the way an
// analyst reads it: triage state first, then what happened (description,
// MITRE techniques, evidence), what was said (comments, graphsec's activity
// log), and Graph's JSON for anything the structured view leaves out.

// v2AlertReadScopes and v2AlertWriteScopes are alerts_v2's permissions
// (graph-api-facts §2).
var (
	v2AlertReadScopes  = []string{"SecurityAlert.Read.All", "SecurityAlert.ReadWrite.All"}
	v2AlertWriteScopes = []string{"SecurityAlert.ReadWrite.All"}
)

// v2MaxID bounds alert and incident ids taken from URLs and forms. Graph's
// ids are a few dozen characters; the graph client refuses more than 1,024
// bytes, and anything that long here is a mistake, not an id.
const v2MaxID = 512

// v2CheckID refuses ids that cannot name anything in Graph, so that they
// get a clear 400 rather than reaching the client (which would refuse them
// as an internal error).
func v2CheckID(kind, id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return badInput("Enter the %s id.", kind)
	case len(id) > v2MaxID:
		return badInput("That is not a valid %s id: it is longer than %d characters.", kind, v2MaxID)
	case id == "." || id == "..":
		return badInput("%q is not a valid %s id.", id, kind)
	case !utf8.ValidString(id) || strings.IndexFunc(id, unicode.IsControl) >= 0:
		return badInput("That is not a valid %s id: it contains control characters.", kind)
	}
	return nil
}

func v2AlertHref(id string) string    { return "/alerts/" + url.PathEscape(id) }
func v2IncidentHref(id string) string { return "/incidents/" + url.PathEscape(id) }

// v2FetchAlert reads one alert and keeps Graph's JSON exactly as it came,
// for the raw view: the typed graph.Alert drops members the client does not
// model, and the raw view is where an analyst looks for those. The request
// is the one AlertsService.Get sends (same path and Prefer header).
func v2FetchAlert(ctx context.Context, c *graph.Client, id string) (*graph.Alert, []byte, *graph.Request, error) {
	req, err := c.NewRequest(http.MethodGet, "/v1.0/security/alerts_v2/"+url.PathEscape(id), "", nil)
	if err != nil {
		return nil, nil, nil, badInput("That is not a valid alert id.")
	}
	req.Header.Add("Prefer", "include-unknown-enum-members")
	var raw json.RawMessage
	if _, err := c.Do(ctx, req, &raw); err != nil {
		return nil, nil, req, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil, req, v2BadAnswer("Graph answered with an empty body where the alert was expected.")
	}
	var a graph.Alert
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, nil, req, v2BadAnswer("Graph's answer is not an alert: " + err.Error())
	}
	return &a, raw, req, nil
}

// v2BadAnswer is Graph answering something graphsec cannot read: not the
// user's fault, and not graphsec's bug either.
func v2BadAnswer(msg string) error {
	return userError{status: http.StatusBadGateway, heading: "Microsoft Graph sent an unexpected answer", message: msg}
}

// v2Fail is p.fail with the not-found case worded for the resource the
// page is about ("Alert not found" rather than a generic "Not found"),
// keeping Graph's code, message and request-id.
func (s *Server) v2Fail(p *pageWriter, err error, kind, id string) {
	if !errors.Is(err, graph.ErrNotFound) {
		p.fail(err)
		return
	}
	status, v := s.explain(err)
	v.Heading = strings.ToUpper(kind[:1]) + kind[1:] + " not found"
	v.Message = fmt.Sprintf("Microsoft Graph has no %s with the id %q. Check the id (it may have been mistyped, or the %s belongs to another tenant), or go back to the list.", kind, id, kind)
	s.log.Info("page refused", "page", p.tmpl, "request_id", p.data.RequestID, "err", err)
	p.tmpl = "error"
	p.data.Title = v.Heading
	p.render(status, v)
}

// v2PortalURL returns u when it is an absolute https URL without
// credentials, and "" otherwise: alertWebUrl and incidentWebUrl come from
// the service, and only a plain https link to the Defender portal is worth
// a click (a javascript: or http: value is shown as nothing).
func v2PortalURL(u string) string {
	if u == "" || len(u) > 2048 {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" || p.Host == "" || p.User != nil || p.Opaque != "" {
		return ""
	}
	return p.String()
}

// v2Technique is one MITRE ATT&CK technique of an alert.
type v2Technique struct {
	ID  string
	URL string // empty when ID is not a valid technique id
}

// v2TechniqueURL builds the ATT&CK page of a technique from a validated id
// only (T1234 or T1234.001): the value comes from the alert, and a link
// built from anything else could point anywhere on the site or off it.
func v2TechniqueURL(id string) string {
	digits := func(s string, n int) bool {
		if len(s) != n {
			return false
		}
		for i := 0; i < n; i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	if len(id) < 5 || id[0] != 'T' {
		return ""
	}
	base, sub, hasSub := strings.Cut(id[1:], ".")
	if !digits(base, 4) || (hasSub && !digits(sub, 3)) {
		return ""
	}
	path := "T" + base
	if hasSub {
		path += "/" + sub
	}
	return "https://attack.mitre.org/techniques/" + path + "/"
}

// v2Option is one option of a select on the update forms.
type v2Option struct {
	Value, Label string
	Selected     bool
}

// v2OptGroup is a labelled group of options.
type v2OptGroup struct {
	Label   string
	Options []v2Option
}

// v2Options lists cs with selected preselected.
func v2Options(cs []choice, selected string) []v2Option {
	out := make([]v2Option, len(cs))
	for i, c := range cs {
		out[i] = v2Option{Value: c.Value, Label: c.Label, Selected: c.Value == selected}
	}
	return out
}

// v2DeterminationGroups lists the determinations grouped under the
// classification they explain, as the Defender portal offers them, so the
// choice fits the classification even without script.
func v2DeterminationGroups(selected string) []v2OptGroup {
	var groups []v2OptGroup
	for _, g := range v2DeterminationGroupOrder {
		og := v2OptGroup{Label: g.label}
		for _, d := range g.values {
			og.Options = append(og.Options, v2Option{Value: d, Label: label(determChoices, d), Selected: d == selected})
		}
		groups = append(groups, og)
	}
	return groups
}

// v2UpdateForm is the update form of an alert, preselected.
type v2UpdateForm struct {
	Action                                     string
	Status, Classification                     []v2Option
	Determination                              []v2OptGroup
	AssignedTo                                 string
	KeepStatus, KeepClassification, KeepDeterm string // current values the form does not offer
}

// newV2UpdateForm preselects the alert's current values. A value graphsec
// does not offer (a member Graph added later) is kept by the empty "leave
// as is" choice, so submitting the form never changes it by accident.
func newV2UpdateForm(a *graph.Alert) v2UpdateForm {
	f := v2UpdateForm{
		Action:         v2AlertHref(a.ID),
		Status:         v2Options(statusChoices, string(a.Status)),
		Classification: v2Options(classChoices, string(a.Classification)),
		Determination:  v2DeterminationGroups(string(a.Determination)),
		AssignedTo:     a.AssignedTo,
	}
	if !has(statusChoices, string(a.Status)) {
		f.KeepStatus = string(a.Status)
	}
	if !has(classChoices, string(a.Classification)) {
		f.KeepClassification = string(a.Classification)
	}
	if !has(determChoices, string(a.Determination)) {
		f.KeepDeterm = string(a.Determination)
	}
	return f
}

// v2Comment is one comment as the page shows it.
type v2Comment struct {
	Text, By string
	At       time.Time
}

// v2Comments orders comments oldest first, newest last (the order Graph
// appends them in; sorted again in case a service returns them otherwise).
func v2Comments(list []graph.AlertComment) []v2Comment {
	out := make([]v2Comment, len(list))
	for i, c := range list {
		out[i] = v2Comment{Text: c.Comment, By: c.CreatedByDisplayName, At: c.CreatedDateTime}
	}
	slices.SortStableFunc(out, func(a, b v2Comment) int { return a.At.Compare(b.At) })
	return out
}

// v2AlertView is the detail page's data.
type v2AlertView struct {
	A                                                          *graph.Alert
	SeverityLabel, StatusLabel, ClassLabel, DetermLabel        string
	SourceLabel                                                string
	Categories                                                 []string
	Techniques                                                 []v2Technique
	AlertWebURL, IncidentWebURL, IncidentHref                  string
	Evidence                                                   []v2EvidencePanel
	Comments                                                   []v2Comment
	Activity                                                   []activityEntry
	ActivityFailed                                             bool
	Request                                                    *restView
	RawJSON                                                    string
	Form                                                       v2UpdateForm
	CommentAction                                              string
	CommentMax                                                 int
	Me                                                         string
	Notice                                                     string
	ServiceSource, DetectionSource, ProductName, AlertPolicyID string
}

// v2PrettyJSON indents Graph's JSON for reading, keeping its member order
// and its escapes exactly; html/template escapes it for the page.
func v2PrettyJSON(raw []byte) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// newV2AlertView builds the page from the alert and Graph's JSON.
func (s *Server) newV2AlertView(ctx context.Context, sess *auth.Session, a *graph.Alert, raw []byte, req *graph.Request) v2AlertView {
	v := v2AlertView{
		A:             a,
		SeverityLabel: label(severityChoices, string(a.Severity)), StatusLabel: label(statusChoices, string(a.Status)),
		ClassLabel: label(classChoices, string(a.Classification)), DetermLabel: label(determChoices, string(a.Determination)),
		SourceLabel: label(sourceChoices, string(a.ServiceSource)), ServiceSource: string(a.ServiceSource),
		DetectionSource: string(a.DetectionSource), ProductName: a.ProductName, AlertPolicyID: a.AlertPolicyID,
		AlertWebURL: v2PortalURL(a.AlertWebURL), IncidentWebURL: v2PortalURL(a.IncidentWebURL),
		Evidence: v2EvidencePanels(a.Evidence), Comments: v2Comments(a.Comments),
		RawJSON: v2PrettyJSON(raw), Form: newV2UpdateForm(a), CommentAction: v2AlertHref(a.ID) + "/comments",
		CommentMax: v2MaxComment, Me: sess.UserPrincipalName,
	}
	if a.Classification == "" {
		v.ClassLabel = ""
	}
	if a.Determination == "" {
		v.DetermLabel = ""
	}
	if a.IncidentID != "" {
		v.IncidentHref = v2IncidentHref(a.IncidentID)
	}
	v.Categories = a.Categories
	if len(v.Categories) == 0 && a.Category != "" {
		v.Categories = []string{a.Category}
	}
	for _, t := range a.MITRETechniques {
		v.Techniques = append(v.Techniques, v2Technique{ID: t, URL: v2TechniqueURL(t)})
	}
	if req != nil {
		v.Request = &restView{ID: "get", Method: req.Method, URL: req.URL}
	}
	act, err := s.activity(ctx, "alert", a.ID)
	if err != nil {
		s.log.Error("read activity", "resource", "alert", "id", a.ID, "err", err)
		v.ActivityFailed = true
	}
	v.Activity = act
	return v
}

// alertPage is /alerts/{id}.
func (s *Server) alertPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
	id := r.PathValue("id")
	p := s.newPage(w, r, sess, "alert", "Alert", "alerts")
	if err := v2CheckID("alert", id); err != nil {
		p.fail(err)
		return
	}
	if !s.requireScope(w, r, sess, v2AlertReadScopes...) {
		return
	}
	c, ok := p.graph()
	if !ok {
		return
	}
	a, raw, req, err := v2FetchAlert(r.Context(), c, id)
	if err != nil {
		s.v2Fail(p, err, "alert", id)
		return
	}
	s.renderV2Alert(r.Context(), p, sess, a, raw, req, "")
}

// renderV2Alert renders the detail page with an optional notice.
func (s *Server) renderV2Alert(ctx context.Context, p *pageWriter, sess *auth.Session, a *graph.Alert, raw []byte, req *graph.Request, notice string) {
	v := s.newV2AlertView(ctx, sess, a, raw, req)
	v.Notice = notice
	p.tmpl = "alert"
	p.data.Title = cmp.Or(a.Title, "Alert "+a.ID)
	p.data.Nav = "alerts"
	p.render(http.StatusOK, v)
}

// v2EvidencePanel is one piece of evidence as a panel: a heading, the
// fields its type has, and what every evidence carries (roles, verdict,
// remediation).
type v2EvidencePanel struct {
	Kind     string // CSS modifier and sort key: user, device, file, ...
	Heading  string // "User", "Device", ...
	Name     string // the thing's main name (UPN, DNS name, file name...)
	Type     string // @odata.type as received
	Fields   []field
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

// v2KindOrder sorts panels the way an analyst scans them: who, which
// machine, what ran, where it talked to, then the rest.
var v2KindOrder = []string{"user", "mailbox", "device", "file", "process", "ip", "url", "dns", "network", "message",
	"cluster", "registry", "cloudapp", "oauthapp", "group", "malware", "hash", "other"}

// v2EvidencePanels turns an alert's evidence into panels, grouped by kind
// and otherwise in Graph's order.
func v2EvidencePanels(list graph.EvidenceList) []v2EvidencePanel {
	out := make([]v2EvidencePanel, 0, len(list))
	for _, e := range list {
		if e == nil {
			continue
		}
		out = append(out, v2EvidencePanelOf(e))
	}
	slices.SortStableFunc(out, func(a, b v2EvidencePanel) int {
		return cmp.Compare(slices.Index(v2KindOrder, a.Kind), slices.Index(v2KindOrder, b.Kind))
	})
	return out
}

// v2Fields collects label/value pairs, leaving out empty values.
type v2Fields []field

func (f *v2Fields) add(name, value string) {
	if value != "" {
		*f = append(*f, field{Name: name, Value: value})
	}
}

func v2Int(n *int64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(*n, 10)
}

func v2Int32(n *int32) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(int64(*n), 10)
}

func v2Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// v2Account names a user account the way Windows people read it
// (DOMAIN\account), with the UPN when there is one.
func v2Account(u *graph.UserAccount) string {
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

// v2File adds a file's details under prefix ("" or "Parent image ").
func (f *v2Fields) file(prefix string, d *graph.FileDetails) {
	if d == nil {
		return
	}
	f.add(prefix+"File name", d.FileName)
	f.add(prefix+"Path", d.FilePath)
	if d.FileSize != nil {
		f.add(prefix+"Size", v2Int(d.FileSize)+" bytes")
	}
	f.add(prefix+"SHA-256", d.SHA256)
	f.add(prefix+"SHA-1", d.SHA1)
	f.add(prefix+"MD5", d.MD5)
	f.add(prefix+"Signer", d.Signer)
	f.add(prefix+"Issuer", d.Issuer)
	f.add(prefix+"Publisher", d.FilePublisher)
}

func v2IP(ip *graph.IPEvidence) string {
	if ip == nil {
		return ""
	}
	return ip.IPAddress
}

func v2HostPort(ip *graph.IPEvidence, port *int32) string {
	a := v2IP(ip)
	if port == nil {
		return a
	}
	if strings.Contains(a, ":") {
		a = "[" + a + "]"
	}
	return a + ":" + v2Int32(port)
}

func v2Strings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// v2EvidencePanelOf builds the panel of one evidence entry.
func v2EvidencePanelOf(e graph.Evidence) v2EvidencePanel {
	b := e.Common()
	p := v2EvidencePanel{
		Type: b.ODataType, Roles: v2Strings(b.Roles), Detailed: b.DetailedRoles, Verdict: string(b.Verdict),
		Remedy: string(b.RemediationStatus), Details: b.RemediationStatusDetails, Tags: b.Tags, Created: b.CreatedDateTime,
	}
	if p.Type == "" {
		p.Type = e.TypeName()
	}
	var f v2Fields
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
			os = strings.TrimSpace(os + " build " + v2Int(x.OSBuild))
		}
		f.add("OS", os)
		f.add("Version", x.Version)
		f.add("Health", string(x.HealthStatus))
		f.add("Risk", string(x.RiskScore))
		f.add("Onboarding", string(x.OnboardingStatus))
		f.add("Antivirus", string(x.DefenderAvStatus))
		f.add("Last IP", x.LastIPAddress)
		f.add("Last external IP", x.LastExternalIPAddress)
		f.add("IP interfaces", joinList(x.IPInterfaces))
		var users []string
		for _, u := range x.LoggedOnUsers {
			n := u.AccountName
			if u.DomainName != "" {
				n = u.DomainName + `\` + n
			}
			users = append(users, n)
		}
		f.add("Logged-on users", joinList(users))
		f.add("First seen", v2Time(x.FirstSeenDateTime))
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
		f.add("Process id", v2Int(x.ProcessID))
		f.add("Started", v2Time(x.ProcessCreationDateTime))
		if x.ParentProcessImageFile != nil {
			f.add("Parent image", x.ParentProcessImageFile.FileName)
		}
		f.add("Parent process id", v2Int(x.ParentProcessID))
		f.add("Parent started", v2Time(x.ParentProcessCreationDateTime))
		f.add("User", v2Account(x.UserAccount))
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
		f.add("Account", v2Account(x.UserAccount))
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
		f.add("Received", v2Time(x.ReceivedDateTime))
		f.add("Sender IP", x.SenderIP)
		f.add("Direction", x.AntiSpamDirection)
		f.add("Delivery", strings.Trim(x.DeliveryAction+" / "+x.DeliveryLocation, " /"))
		f.add("Threats", joinList(x.Threats))
		f.add("Detection methods", joinList(x.ThreatDetectionMethods))
		f.add("URLs", cmp.Or(v2Int(x.URLCount), strconv.Itoa(len(x.URLs))))
		f.add("Attachments", v2Int(x.AttachmentsCount))
		f.add("Network message id", x.NetworkMessageID)
		f.add("Internet message id", x.InternetMessageID)
		f.add("Language", x.Language)
	case *graph.MailClusterEvidence:
		p.Kind, p.Heading, p.Name = "cluster", "Mail cluster", x.ClusterByValue
		f.add("Clustered by", x.ClusterBy)
		f.add("Value", x.ClusterByValue)
		f.add("Messages", v2Int(x.EmailCount))
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
		f.add("App id", v2Int(x.AppID))
		f.add("Instance", strings.TrimSpace(x.InstanceName+" "+v2Int(x.InstanceID)))
		f.add("SaaS app id", v2Int(x.SaaSAppID))
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
		f.add("Files", joinList(files))
		f.add("Processes", joinList(procs))
	case *graph.NetworkConnectionEvidence:
		p.Kind, p.Heading = "network", "Network connection"
		p.Name = strings.Trim(v2HostPort(x.SourceAddress, x.SourcePort)+" → "+v2HostPort(x.DestinationAddress, x.DestinationPort), " →")
		f.add("Source", v2HostPort(x.SourceAddress, x.SourcePort))
		f.add("Destination", v2HostPort(x.DestinationAddress, x.DestinationPort))
		f.add("Protocol", string(x.Protocol))
	case *graph.DNSEvidence:
		p.Kind, p.Heading, p.Name = "dns", "DNS resolution", x.DomainName
		f.add("Domain", x.DomainName)
		f.add("DNS server", v2IP(x.DNSServerIP))
		f.add("Host", v2IP(x.HostIPAddress))
		var ips []string
		for _, ip := range x.IPAddresses {
			ips = append(ips, ip.IPAddress)
		}
		f.add("Resolved to", joinList(ips))
	case *graph.FileHashEvidence:
		p.Kind, p.Heading, p.Name = "hash", "File hash", x.Value
		f.add("Algorithm", string(x.Algorithm))
		f.add("Value", x.Value)
	case *graph.UnknownEvidence:
		p.Kind, p.Heading, p.Generic = "other", v2TypeHeading(p.Type), true
		f = v2Flatten(x.Raw, x.Err == nil)
		if x.Err != nil {
			p.Note = "graphsec could not read this entry as its type says, so it shows every field as received."
		}
	default:
		// A type the graph package models but this page does not know
		// yet: still show everything it carries.
		p.Kind, p.Heading, p.Generic = "other", v2TypeHeading(p.Type), true
		if rawJSON, err := json.Marshal(e); err == nil {
			f = v2Flatten(rawJSON, true)
		}
	}
	p.Fields = f
	return p
}

// v2TypeHeading turns "#microsoft.graph.security.kubernetesPodEvidence"
// into "kubernetesPodEvidence".
func v2TypeHeading(t string) string {
	t = strings.TrimPrefix(t, "#")
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		t = t[i+1:]
	}
	return cmp.Or(t, "Evidence of an unnamed type")
}

// v2BaseMembers are the alertEvidence members every panel shows in its
// common part; the generic key/value list leaves them out.
var v2BaseMembers = []string{"@odata.type", "createdDateTime", "detailedRoles", "remediationStatus", "remediationStatusDetails", "roles", "tags", "verdict"}

// Bounds of the generic panel: an unknown evidence type is untrusted
// input of any shape.
const (
	v2FlatMaxFields = 200
	v2FlatMaxDepth  = 8
	v2FlatMaxValue  = 4096
)

// v2Flatten lists the members of a JSON object as key/value pairs
// (nested objects as a/b, arrays of objects as a[0]/b, arrays of scalars
// joined), sorted by key, bounded in count, depth and length. skipBase
// leaves out the members the panel shows anyway.
func v2Flatten(raw []byte, skipBase bool) []field {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		s := string(raw)
		if len(s) > v2FlatMaxValue {
			s = s[:v2FlatMaxValue] + "…"
		}
		return []field{{Name: "(raw)", Value: s}}
	}
	var out []field
	var walk func(prefix string, v any, depth int)
	walk = func(prefix string, v any, depth int) {
		if len(out) >= v2FlatMaxFields {
			return
		}
		if depth > v2FlatMaxDepth {
			out = append(out, field{Name: prefix, Value: "(nested too deeply to show)"})
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
				if depth == 0 && skipBase && slices.Contains(v2BaseMembers, k) {
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
					scalars = append(scalars, v2Scalar(item))
				}
			}
			if len(scalars) == len(x) {
				out = append(out, field{Name: prefix, Value: v2Cut(cmp.Or(joinList(scalars), "(none)"))})
				return
			}
			for i, item := range x {
				walk(prefix+"["+strconv.Itoa(i)+"]", item, depth+1)
			}
		default:
			out = append(out, field{Name: prefix, Value: v2Cut(v2Scalar(x))})
		}
	}
	walk("", root, 0)
	if len(out) >= v2FlatMaxFields {
		out = append(out[:v2FlatMaxFields], field{Name: "…", Value: "more fields in the raw JSON below"})
	}
	return out
}

func v2Scalar(v any) string {
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

func v2Cut(s string) string {
	if len(s) <= v2FlatMaxValue {
		return s
	}
	cut := v2FlatMaxValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
