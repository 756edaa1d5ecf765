package gen

import (
	"strconv"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/odata"
)

// Legacy alerts (microsoft.graph.alert) come from six federated
// providers, named by the keywords /security/alerts filters on.
type legacyProvider struct {
	name, version, sub string
	ids                func(g *Generator, created time.Time) string
}

const (
	provAATP = iota
	provASC
	provMCAS
	provIPC
	provSentinel
	provMDATP
)

// The providerVersion and subProvider values, and each provider's id
// shape, are this emulator's choice: the docs show them only in passing.
var legacyProviders = []legacyProvider{
	{"Azure Advanced Threat Protection", "2.0", "", func(g *Generator, _ time.Time) string { return g.r.guid() }},
	// ASC ids are reverse ticks and a GUID.
	{"ASC", "3.0", "Detection", func(g *Generator, t time.Time) string {
		return strconv.FormatInt(3155378975999999999-dotnetTicks(t), 10) + "_" + g.r.guid()
	}},
	// Cloud App Security ids are 24-hex object ids.
	{"MCAS", "0.1", "", func(g *Generator, _ time.Time) string { return g.r.hex(24) }},
	// Identity Protection risk event ids are 64 hex digits.
	{"IPC", "2.0", "", func(g *Generator, _ time.Time) string { return g.r.hex(64) }},
	{"Azure Sentinel", "1.0", "Analytics", func(g *Generator, _ time.Time) string { return g.r.guid() }},
	{"Microsoft Defender ATP", "1.0", "MicrosoftDefenderATP", func(g *Generator, t time.Time) string {
		return "da" + strconv.FormatInt(dotnetTicks(t), 10) + "_" + strconv.FormatInt(int64(int32(g.r.r.Uint32())), 10)
	}},
}

// Legacy state flags: which collections an alert of a category fills.
const (
	lfHost = 1 << iota
	lfServer
	lfFiles
	lfProc
	lfMalware
	lfNet
	lfNetIn
	lfReg
	lfCloud
	lfVuln
	lfTravel
)

type legacyCategory struct {
	name        string
	providers   []int
	title       string
	description string
	sev         []string
	flags       int
	weight      int
	family      string // malware family for malwareStates
	recommended []string
}

// legacyCategories are the 23 categories of the original sample's form,
// each with the providers that raise it.
var legacyCategories = []legacyCategory{
	{"abnormalLogin", []int{provIPC, provAATP, provSentinel}, "Abnormal login activity",
		"Sign-in behaviour for this account differs from its usual pattern of time, application and device.", []string{"medium", "low"}, 0, 5, "",
		[]string{"Confirm the sign-in with the user.", "Reset the password if it was not theirs."}},
	{"anomalousDataAccess", []int{provMCAS, provAATP}, "Anomalous data access",
		"The user accessed an unusual number of sensitive files compared with their baseline.", []string{"medium"}, lfCloud, 3, "",
		[]string{"Review the accessed files with the data owner."}},
	{"anonymousLogin", []int{provIPC, provMCAS}, "Sign-in from an anonymous IP address",
		"The sign-in came from an anonymizing proxy or a Tor exit node.", []string{"low", "medium"}, 0, 5, "",
		[]string{"Confirm the sign-in with the user.", "Require MFA for risky sign-ins."}},
	{"antimalwareActionTaken", []int{provASC, provMDATP}, "Antimalware action taken",
		"Antimalware removed or quarantined a threat on the machine.", []string{"low", "informational"}, lfHost | lfFiles | lfMalware, 6, "Wacatac",
		[]string{"No action needed if the threat was removed.", "Run a full scan."}},
	{"azBlackListLogin", []int{provIPC}, "Sign-in from a malicious IP address",
		"The sign-in came from an address known for attacks against Azure AD accounts.", []string{"medium"}, 0, 3, "",
		[]string{"Reset the password and revoke sessions."}},
	{"credentialLeakage", []int{provIPC}, "Leaked credentials",
		"The user's credentials were found in a public leak.", []string{"high"}, 0, 2, "",
		[]string{"Reset the password now."}},
	{"documentDeclassification", []int{provMCAS}, `Sensitivity label removed from "Board minutes <draft> & notes.docx"`,
		"A user downgraded or removed the sensitivity label of a confidential document.", []string{"medium"}, lfCloud | lfFiles, 2, "",
		[]string{"Ask the user why the label was removed.", "Restore the label."}},
	{"reconnaissance", []int{provAATP}, "Reconnaissance using directory services queries",
		"A computer enumerated users and groups through SAM-R and LDAP queries.", []string{"medium"}, lfHost, 4, "",
		[]string{"Investigate the source computer."}},
	{"exploit", []int{provASC, provMDATP, provAATP}, "Exploitation attempt of a known vulnerability",
		"A process showed behaviour consistent with exploiting a known vulnerability.", []string{"high"}, lfHost | lfProc | lfVuln | lfNet, 3, "",
		[]string{"Install the security update.", "Isolate the machine if the exploit succeeded."}},
	{"impossibleTravel", []int{provIPC, provMCAS}, "Impossible travel activity",
		"The user signed in from two locations too far apart for the time between the sign-ins.", []string{"medium"}, lfTravel, 5, "",
		[]string{"Confirm both sign-ins with the user."}},
	{"keyloggerTrojan", []int{provMDATP, provASC}, "Keylogger trojan detected",
		"A program that records keystrokes was found and registered to start automatically.", []string{"high"}, lfHost | lfFiles | lfProc | lfMalware | lfReg, 2, "Keylogger",
		[]string{"Isolate the machine.", "Reset every password typed on it."}},
	{"malware", []int{provMDATP, provASC}, "Malware detected",
		"A malicious file was detected on the machine.", []string{"high", "medium"}, lfHost | lfFiles | lfProc | lfMalware, 7, "Qakbot",
		[]string{"Quarantine the file.", "Find out how it arrived."}},
	{"ransomware", []int{provMDATP, provMCAS}, "Ransomware activity detected",
		"Files were encrypted in bulk and a ransom note was written.", []string{"high"}, lfHost | lfFiles | lfProc | lfMalware | lfNet, 2, "Filecoder",
		[]string{"Isolate the machine immediately.", "Restore from backup."}},
	{"rdpBruteforce", []int{provASC, provSentinel}, "Failed RDP brute force attack",
		"Many failed Remote Desktop sign-ins to the server came from the internet.", []string{"medium"}, lfHost | lfServer | lfNetIn, 4, "",
		[]string{"Close RDP to the internet.", "Use just-in-time VM access."}},
	{"reportCompromise", []int{provSentinel, provMDATP}, "User reported a compromised account",
		"A user reported through the helpdesk that their account may be compromised.", []string{"medium"}, 0, 2, "",
		[]string{"Reset the password and review recent activity."}},
	{"riskScore", []int{provIPC}, "User risk score elevated",
		"The user's risk level rose to high after several risky sign-ins.", []string{"low", "medium"}, 0, 3, "",
		[]string{"Require a secure password change."}},
	{"sensitiveFileExfiltration", []int{provMCAS}, "Sensitive file exfiltration",
		"Files labelled confidential were shared with or downloaded to an unmanaged location.", []string{"high"}, lfCloud | lfFiles, 2, "",
		[]string{"Remove external sharing.", "Review the user's recent downloads."}},
	{"suspiciousActivity", []int{provAATP, provASC, provMCAS, provIPC, provSentinel, provMDATP}, "Suspicious activity detected",
		"Activity that matches known attacker behaviour was observed.", []string{"medium", "low"}, lfHost, 6, "",
		[]string{"Investigate the activity."}},
	{"suspiciousDomain", []int{provMDATP, provSentinel}, "Communication with a suspicious domain",
		"The machine resolved and contacted a recently registered domain with a bad reputation.", []string{"medium"}, lfHost | lfNet, 4, "",
		[]string{"Block the domain.", "Find the process that made the connection."}},
	{"suspiciousPowerShell", []int{provMDATP, provASC}, "Suspicious PowerShell activity detected",
		"PowerShell ran an encoded command that downloads content from the internet.", []string{"medium", "high"}, lfHost | lfProc, 5, "",
		[]string{"Decode and review the command.", "Isolate the machine if malicious."}},
	{"threatIntelligence", []int{provSentinel, provASC, provMDATP}, "Threat intelligence match: connection to a known malicious IP",
		"The machine communicated with an address on a threat intelligence feed.", []string{"high", "medium"}, lfHost | lfNet, 4, "",
		[]string{"Block the address.", "Investigate the connecting process."}},
	{"unfamiliarLocation", []int{provIPC, provMCAS}, "Sign-in from an unfamiliar location",
		"The user signed in from a location not seen for them before.", []string{"low", "medium"}, 0, 6, "",
		[]string{"Confirm the sign-in with the user."}},
	{"updateRequired", []int{provASC}, "Security updates are missing on a virtual machine",
		"Critical security updates are missing on the machine.", []string{"low", "informational"}, lfHost | lfServer | lfVuln, 3, "",
		[]string{"Install the missing updates."}},
}

var malwareNames = map[string]struct{ name, category string }{
	"Wacatac":   {"Trojan:Win32/Wacatac.B!ml", "Trojan"},
	"Keylogger": {"TrojanSpy:Win32/Keylogger.BC", "TrojanSpy"},
	"Qakbot":    {"TrojanDownloader:O97M/Qakbot.RVB!MTB", "TrojanDownloader"},
	"Filecoder": {"Ransom:Win32/Filecoder.PA!MTB", "Ransom"},
}

var legacyCVEs = []string{"CVE-2023-23397", "CVE-2021-34527", "CVE-2022-30190", "CVE-2024-21413"}

// legacyAlerts generates n legacy alerts: every category once first, then
// at random by weight. Newest first.
func (g *Generator) legacyAlerts(n int) []odata.Object {
	out := make([]odata.Object, 0, n)
	order := g.r.perm(len(legacyCategories))
	weights := make([]int, len(legacyCategories))
	for i, c := range legacyCategories {
		weights[i] = c.weight
	}
	for i := 0; i < n; i++ {
		ci := g.r.weighted(weights)
		if i < len(order) {
			ci = order[i]
		}
		created := g.now.Add(-g.r.dur(5*time.Minute, 30*24*time.Hour-6*time.Hour))
		out = append(out, g.legacyAlert(ci, created, false))
	}
	sortNewestFirst(out, "createdDateTime")
	return out
}

// NewLegacyAlert returns a fresh legacy alert as a provider would post it
// at now: status newAlert, no feedback, eventDateTime shortly before now.
func (g *Generator) NewLegacyAlert(now time.Time) odata.Object {
	w := make([]int, len(legacyCategories))
	for i, c := range legacyCategories {
		w[i] = c.weight
	}
	return g.legacyAlert(g.r.weighted(w), now.UTC(), true)
}

func (g *Generator) legacyAlert(ci int, created time.Time, fresh bool) odata.Object {
	e := g.env
	c := &legacyCategories[ci]
	prov := pick(g.r, c.providers)
	pv := legacyProviders[prov]
	id := g.uniqueID(func() string { return pv.ids(g, created) })
	event := created.Add(-g.r.dur(time.Minute, 6*time.Hour))
	lastEvent := event.Add(g.r.dur(0, created.Sub(event)))
	now := g.now
	if fresh {
		now = created
	}
	age := now.Sub(created)

	status := "newAlert"
	if !fresh {
		pRes, pDis := 0.08, 0.0
		switch {
		case age > 7*24*time.Hour:
			pRes, pDis = 0.7, 0.06
		case age > 48*time.Hour:
			pRes, pDis = 0.45, 0.04
		}
		switch x := g.r.r.Float64(); {
		case x < pDis:
			status = "dismissed"
		case x < pDis+pRes && age > 15*time.Minute:
			status = "resolved"
		case x < pDis+pRes+0.15 && age > 5*time.Minute:
			status = "inProgress"
		}
	}
	modified := created
	a := make(odata.Object, 44)
	analyst := pick(g.r, e.analysts).u.UserPrincipalName
	switch status {
	case "inProgress":
		modified = created.Add(g.r.dur(time.Minute, min(age, 48*time.Hour)))
		a["assignedTo"] = analyst
	case "resolved", "dismissed":
		modified = created.Add(g.r.dur(10*time.Minute, max(10*time.Minute, min(age, 5*24*time.Hour))))
		modified = minTime(modified, now)
		a["closedDateTime"] = at(modified)
		if status == "dismissed" {
			a["feedback"] = pick(g.r, []string{"falsePositive", "benignPositive"})
		} else {
			a["feedback"] = pick(g.r, []string{"truePositive", "truePositive", "falsePositive", "benignPositive"})
		}
		if g.r.chance(0.9) {
			a["assignedTo"] = analyst
		}
	}
	pool := e.employees
	if len(pool) == 0 || g.r.chance(0.15) {
		pool = e.people
	}
	victim := pick(g.r, pool)
	host := victim.ws
	if c.flags&lfServer != 0 {
		host = pick(g.r, e.servers)
	}
	attacker := pick(g.r, e.attackers)

	a["id"] = id
	a["azureTenantId"] = e.tenantID
	a["category"] = c.name
	a["title"] = c.title
	a["description"] = c.description
	a["severity"] = pick(g.r, c.sev)
	a["status"] = status
	a["createdDateTime"] = at(created)
	a["eventDateTime"] = at(event)
	a["lastEventDateTime"] = at(lastEvent)
	a["lastModifiedDateTime"] = at(modified)
	if g.r.chance(0.8) {
		a["confidence"] = int64(g.r.between(30, 100))
	}
	vendor := odata.Object{"provider": pv.name, "providerVersion": pv.version, "vendor": "Microsoft"}
	if pv.sub != "" {
		vendor["subProvider"] = pv.sub
	}
	a["vendorInformation"] = vendor
	a["recommendedActions"] = toAny(c.recommended)
	a["sourceMaterials"] = []any{g.legacySourceLink(prov, id)}
	comments := []any{}
	if status == "resolved" && g.r.chance(0.4) {
		switch prov {
		case provIPC:
			comments = []any{"Closed in IPC"}
		case provMCAS:
			comments = []any{"Closed in MCAS"}
		}
	}
	a["comments"] = comments
	tags := []any{}
	if g.r.chance(0.06) {
		tags = []any{pick(g.r, []string{"Red team exercise", "VIP", "Escalated"})}
	}
	a["tags"] = tags
	for _, k := range []string{"alertDetections", "detectionIds", "incidentIds", "investigationSecurityStates",
		"messageSecurityStates", "uriClickSecurityStates", "cloudAppStates", "fileStates", "processes",
		"malwareStates", "networkConnections", "registryKeyStates", "vulnerabilityStates", "securityResources",
		"hostStates", "historyStates"} {
		a[k] = []any{}
	}
	if status != "newAlert" {
		h := odata.Object{"status": status, "updatedDateTime": at(modified), "user": analyst, "comments": comments}
		if s, ok := a["assignedTo"].(string); ok {
			h["assignedTo"] = s
		}
		if f, ok := a["feedback"].(string); ok {
			h["feedback"] = f
		}
		a["historyStates"] = []any{h}
	}

	// The user the alert is about, signing in from the attacker's address
	// for identity categories, or logged on to the host.
	us := odata.Object{
		"aadUserId": victim.u.ID, "accountName": victim.sam, "domainName": e.netbios, "emailRole": "unknown",
		"isVpn": false, "logonDateTime": at(event), "logonId": "0x" + g.r.hex(6),
		"onPremisesSecurityIdentifier": victim.sid, "userPrincipalName": victim.u.UserPrincipalName,
		"userAccountType": "standard",
	}
	if len(victim.u.Roles) > 0 {
		us["userAccountType"] = "administrator"
	}
	if c.flags&lfHost == 0 {
		us["logonIp"] = attacker.ip
		us["logonLocation"] = attacker.city + ", " + attacker.state + ", " + attacker.country
		us["logonType"] = "interactive"
		us["isVpn"] = attacker.anonymous
		us["riskScore"] = strconv.Itoa(g.r.between(40, 95))
	} else {
		us["logonIp"] = host.ip
		us["logonType"] = pick(g.r, []string{"interactive", "remoteInteractive", "network"})
	}
	userStates := []any{us}
	if c.flags&lfTravel != 0 {
		home := e.egress[0]
		if victim.u.PreferredLanguage == "ja-JP" {
			home = e.egress[1]
		}
		us2 := odata.Object{"aadUserId": victim.u.ID, "accountName": victim.sam, "userPrincipalName": victim.u.UserPrincipalName,
			"logonDateTime": at(event.Add(-g.r.dur(20*time.Minute, 2*time.Hour))), "logonIp": home.ip,
			"logonLocation": home.city + ", " + home.state + ", " + home.country, "logonType": "interactive", "emailRole": "unknown"}
		userStates = append([]any{us2}, userStates...)
	}
	a["userStates"] = userStates
	if c.flags&lfHost != 0 || prov == provAATP {
		hs := odata.Object{"fqdn": host.fqdn, "netBiosName": strings.ToUpper(host.host), "os": host.osName,
			"privateIpAddress": host.ip, "isAzureAdJoined": !host.server, "isAzureAdRegistered": false,
			"isHybridAzureDomainJoined": host.windows, "riskScore": pick(g.r, []string{"High", "Medium", "Low"})}
		if !host.server {
			hs["publicIpAddress"] = e.egress[0].ip
		}
		a["hostStates"] = []any{hs}
		a["triggers"] = []any{odata.Object{"name": "hostState.privateIpAddress", "type": "String", "value": host.ip}}
	} else {
		a["triggers"] = []any{odata.Object{"name": "userState.logonIp", "type": "String", "value": us["logonIp"]}}
	}
	if prov == provASC {
		sub := e.azureSub
		a["azureSubscriptionId"] = sub
		res := host.azureResource
		if res == "" {
			res = "/subscriptions/" + sub + "/resourceGroups/rg-hybrid/providers/Microsoft.HybridCompute/machines/" + host.host
		}
		a["securityResources"] = []any{odata.Object{"resource": res, "resourceType": "attacked"}}
	}

	var f *fileInfo
	if c.flags&(lfFiles|lfProc|lfMalware) != 0 {
		kind := map[string]string{"Wacatac": "wacatac", "Keylogger": "persist", "Qakbot": "maldoc", "Filecoder": "ransomnote"}[c.family]
		if c.flags&lfCloud != 0 {
			kind = "dlpdoc"
			if c.name == "documentDeclassification" {
				kind = "board"
			}
		}
		if kind == "" {
			kind = "invoice"
		}
		f = e.file(g.r, kind, victim)
	}
	if c.flags&lfFiles != 0 {
		a["fileStates"] = []any{odata.Object{"name": f.name, "path": f.path, "riskScore": "High",
			"fileHash": odata.Object{"hashType": "sha256", "hashValue": f.sha256}}}
	}
	if c.flags&lfProc != 0 {
		ps := e.sysFiles["powershell.exe"]
		cmd := "powershell.exe -NoProfile -WindowStyle Hidden -EncodedCommand " + pick(g.r, g.catalog().encoded)
		if c.flags&lfMalware != 0 {
			ps = f
			cmd = `"` + f.path + `\` + f.name + `"`
		}
		parent := e.sysFiles["explorer.exe"]
		a["processes"] = []any{odata.Object{
			"accountName": e.netbios + `\` + victim.sam, "commandLine": cmd, "createdDateTime": at(event),
			"fileHash": odata.Object{"hashType": "sha256", "hashValue": ps.sha256}, "integrityLevel": pick(g.r, []string{"medium", "high"}),
			"isElevated": g.r.chance(0.3), "name": ps.name, "path": ps.path, "processId": int64(g.r.between(400, 32000)),
			"parentProcessId": int64(g.r.between(400, 32000)), "parentProcessName": parent.name,
			"parentProcessCreatedDateTime": at(event.Add(-g.r.dur(time.Minute, 5*time.Hour))),
		}}
	}
	if c.flags&lfMalware != 0 {
		m := malwareNames[c.family]
		a["malwareStates"] = []any{odata.Object{"category": m.category, "family": c.family, "name": m.name,
			"severity": pick(g.r, []string{"Severe", "High"}), "wasRunning": g.r.chance(0.4)}}
	}
	if c.flags&(lfNet|lfNetIn) != 0 {
		nc := odata.Object{"protocol": "tcp", "riskScore": "High", "applicationName": "svchost.exe"}
		if c.flags&lfNetIn != 0 {
			nc["direction"], nc["status"] = "inbound", pick(g.r, []string{"failed", "blocked", "attempted"})
			nc["sourceAddress"], nc["sourcePort"] = attacker.ip, strconv.Itoa(g.r.between(1024, 65535))
			nc["sourceLocation"] = attacker.city + ", " + attacker.country
			nc["destinationAddress"], nc["destinationPort"] = host.ip, "3389"
		} else {
			domain := pick(g.r, []string{"cdn-updates.example", "telemetry-sync.test", "static-content-cache.example"})
			nc["direction"], nc["status"] = "outbound", pick(g.r, []string{"succeeded", "blocked"})
			nc["sourceAddress"], nc["sourcePort"] = host.ip, strconv.Itoa(g.r.between(49152, 65535))
			nc["destinationAddress"], nc["destinationPort"] = attacker.ip, "443"
			nc["destinationDomain"] = domain
			nc["destinationUrl"] = "https://" + domain + "/api/v2/beacon"
			nc["destinationLocation"] = attacker.city + ", " + attacker.country
			nc["natSourceAddress"] = e.egress[0].ip
			nc["applicationName"] = "powershell.exe"
		}
		a["networkConnections"] = []any{nc}
	}
	if c.flags&lfReg != 0 {
		a["registryKeyStates"] = []any{odata.Object{"hive": "currentUser", "key": `Software\Microsoft\Windows\CurrentVersion\Run`,
			"operation": "create", "processId": int64(g.r.between(400, 32000)), "valueName": "OneDrive Update Helper",
			"valueData": `"` + f.path + `\` + f.name + `"`, "valueType": "sz"}}
	}
	if c.flags&lfCloud != 0 {
		app := pick(g.r, []int{appSPO, appODB, appEXO})
		a["cloudAppStates"] = []any{odata.Object{"destinationServiceName": cloudApps[app].name, "riskScore": "Medium",
			"destinationServiceIp": attacker.ip}}
	}
	if c.flags&lfVuln != 0 {
		a["vulnerabilityStates"] = []any{odata.Object{"cve": pick(g.r, legacyCVEs), "severity": pick(g.r, []string{"Critical", "High"}),
			"wasRunning": c.name == "exploit"}}
	}
	return a
}

// legacySourceLink is the provider console link each legacy alert carries.
func (g *Generator) legacySourceLink(prov int, id string) string {
	label := strings.SplitN(g.env.domain, ".", 2)[0]
	switch prov {
	case provMDATP:
		return "https://securitycenter.windows.com/alert/" + id
	case provASC:
		return "https://portal.azure.com/#blade/Microsoft_Azure_Security/AlertBlade/alertId/" + id
	case provMCAS:
		return "https://" + label + ".portal.cloudappsecurity.com/#/alerts/" + id
	case provIPC:
		return "https://portal.azure.com/#blade/Microsoft_AAD_IAM/RiskySignInsBlade/riskEventId/" + id
	case provAATP:
		return "https://" + label + ".atp.azure.com/securityAlert/" + id
	}
	return "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Alert/" + id
}
