package gen

import (
	"fmt"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/emulator/tenant"
)

// env is the tenant the security data is about: its people, their
// devices, the servers, the outside addresses attackers come from, and
// the files and apps that show up in evidence. It is generated first, so
// every alert refers to the same small world and a filter on a user or a
// host finds a believable history.
type env struct {
	tenantID  string
	tenantAny any    // tenantID, boxed once for the many objects that carry it
	domain    string // e.g. harborline.onmicrosoft.com
	adDomain  string // internal DNS domain, e.g. harborline.corp
	netbios   string // e.g. HARBORLINE
	domainSID string // S-1-5-21-x-y-z

	people    []*person
	analysts  []*person // hold a role that can triage (GA, Security Administrator/Operator)
	employees []*person // no directory role: the usual victims
	servers   []*device
	dcs       []*device
	attackers []*extIP
	egress    []*extIP // the company's own public addresses
	soarApp   string   // app id of the automation that raises security actions
	azureSub  string   // the Azure subscription of the cloud servers
	oauth     []*oauthApp
	groups    []*secGroup

	sysFiles map[string]*fileInfo  // system binaries by name
	files    map[fileKey]*fileInfo // dropped/related files by kind and owner
	hosts    map[string]bool       // host names in use
}

type person struct {
	idx     int
	u       tenant.User
	sam     string // sAMAccountName
	sid     string
	dept    *dept
	ws      *device      // primary workstation
	account odata.Object // shared security.userAccount
}

type dept struct {
	code, name string
	titles     []string
}

type device struct {
	host, fqdn     string
	osPlatform     string // deviceEvidence.osPlatform
	osName         string // legacy hostState.os
	version        string
	osBuild        int64
	mdeID, aadID   string
	ip             string
	rbacGroup      string
	rbacGroupID    int64
	firstSeen      odata.Time
	windows, linux bool
	server         bool
	vm             odata.Object // shared vmMetadata for Azure VMs, else nil
	azureResource  string
	ipInterfaces   []any
	owner          *person
	loggedOnShared []any // shared loggedOnUser list for workstations
}

type extIP struct {
	ip, country, countryName, city, state string
	lat, lon                              float64
	location                              odata.Object // shared geoLocation
	anonymous                             bool         // VPN/Tor exit, for the anonymous-IP detections
}

type oauthApp struct{ appID, objectID, name, publisher string }

type secGroup struct{ guid, name, dn, sid string }

type fileInfo struct {
	name, path                string
	publisher, signer, issuer string
	size                      int64
	md5, sha1, sha256         string
	details                   odata.Object // shared security.fileDetails
}

type fileKey struct {
	kind  string
	owner int
}

var depts = []*dept{
	{"fin", "Finance", []string{"Accountant", "Financial Controller", "Payroll Specialist", "Accounts Payable Clerk"}},
	{"hr", "Human Resources", []string{"HR Business Partner", "Recruiter", "People Operations Specialist"}},
	{"sales", "Sales", []string{"Account Executive", "Sales Manager", "Customer Success Manager"}},
	{"eng", "Engineering", []string{"Software Engineer", "Site Reliability Engineer", "Data Engineer"}},
	{"mkt", "Marketing", []string{"Marketing Specialist", "Content Strategist"}},
	{"ops", "Operations", []string{"Logistics Coordinator", "Dispatch Planner", "Warehouse Supervisor"}},
	{"legal", "Legal", []string{"Paralegal", "Contracts Manager"}},
}

var (
	deptIT  = &dept{"it", "Information Technology", []string{"IT Director"}}
	deptSec = &dept{"sec", "Security Operations", []string{"Security Engineer", "SOC Lead", "SOC Analyst", "Security Analyst"}}
	deptGRC = &dept{"grc", "Risk and Compliance", []string{"Compliance Auditor", "Risk Analyst", "Internal Auditor"}}
)

// Invented names; none is a person from Microsoft's demo tenants. A few
// carry an apostrophe or accents, which UPNs drop but display names keep.
var (
	givenNames = []string{"Amara", "Bastian", "Camila", "Darius", "Elena", "Farid", "Greta", "Hugo", "Inès", "Jonas",
		"Kaveh", "Leila", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Samir", "Tamsin", "Ulrich",
		"Valentina", "Wendell", "Ximena", "Yusuf", "Zofia", "Anders", "Beatriz", "Cormac", "Dalia", "Emeka",
		"Freya", "Gideon", "Hana", "Idris", "Julia", "Kofi", "Lucía", "Magnus", "Noor", "Orla", "Pavel",
		"Rafael", "Sunniva", "Tobias", "Vera", "Wilhelmina", "Yara"}
	surnames = []string{"Okafor", "Lindqvist", "Moreau", "Castellanos", "Haddad", "Novak", "Brennan", "Achterberg",
		"Ferreira", "Kowalczyk", "Mensah", "Rahimi", "Oyelaran", "Sørensen", "Valdez", "Whitaker", "Petrov",
		"Iqbal", "Delacroix", "Eriksen", "Gallagher", "Halvorsen", "Ivanova", "Jaramillo", "Karlsson",
		"Lombardi", "Nwosu", "O'Connell", "Pereira", "Quispe", "Rossi", "Szabo", "Umarov", "Vasquez",
		"Whitfield", "Yilmaz", "Zielinski", "Abernathy", "Björk", "Cruz", "Dimitrov", "Esposito", "Fontaine",
		"García"}
	// Japanese staff: romanised for the UPN, written in kanji where the
	// directory shows the name.
	jaNames = []struct{ given, family, givenJa, familyJa string }{
		{"Haruto", "Kobayashi", "陽翔", "小林"},
		{"Yui", "Nakamura", "結衣", "中村"},
		{"Sota", "Watanabe", "蒼太", "渡辺"},
		{"Aoi", "Yamamoto", "葵", "山本"},
		{"Ren", "Inoue", "蓮", "井上"},
		{"Hina", "Kimura", "陽菜", "木村"},
	}
)

var asciiFold = strings.NewReplacer("è", "e", "é", "e", "í", "i", "ó", "o", "ú", "u", "á", "a", "ø", "o", "ö", "o",
	"å", "a", "ä", "a", "ü", "u", "ñ", "n", "ç", "c", "'", "", " ", "")

// upnPart lower-cases and folds a name to the ASCII an UPN uses.
func upnPart(s string) string { return asciiFold.Replace(strings.ToLower(s)) }

func newEnv(c Config, r rng) *env {
	e := &env{
		tenantID:  c.TenantID,
		tenantAny: c.TenantID,
		domain:    c.Domain,
		sysFiles:  map[string]*fileInfo{},
		files:     map[fileKey]*fileInfo{},
		hosts:     map[string]bool{},
	}
	label := strings.SplitN(c.Domain, ".", 2)[0]
	e.adDomain = label + ".corp"
	nb := strings.ToUpper(strings.ReplaceAll(label, "-", ""))
	e.netbios = truncate(nb, 15)
	e.domainSID = fmt.Sprintf("S-1-5-21-%d-%d-%d", r.between(1000000000, 2147483646), r.between(1000000000, 2147483646), r.between(1000000000, 2147483646))
	e.soarApp = r.guid()
	e.makePeople(c, r)
	e.ensurePlatforms()
	e.makeServers(c, r)
	e.makeIPs()
	e.makeApps(r)
	for _, f := range systemBinaries {
		e.sysFiles[f.name] = e.newFile(r, f.name, f.path, f.size, true)
	}
	return e
}

// roleSlots decides the directory roles for n users: one Global
// Administrator, a handful of analysts, some readers, the rest ordinary
// employees who appear in alerts.
func roleSlots(n int) []string {
	analysts := max(2, n/5)
	readers := max(1, n/6)
	out := make([]string, n)
	out[0] = tenant.RoleGlobalAdministrator
	for i := 1; i <= analysts; i++ {
		if i%2 == 1 {
			out[i] = tenant.RoleSecurityAdministrator
		} else {
			out[i] = tenant.RoleSecurityOperator
		}
	}
	for i := analysts + 1; i <= analysts+readers; i++ {
		out[i] = tenant.RoleSecurityReader
	}
	return out
}

func (e *env) makePeople(c Config, r rng) {
	roles := roleSlots(c.Users)
	// Two users (one for small tenants) work from the Tokyo office.
	jaSlots := map[int]bool{c.Users - 3: true}
	if c.Users >= 10 {
		jaSlots[c.Users/2] = true
	}
	jaOrder := r.perm(len(jaNames))
	jaNext := 0
	used := map[string]bool{}
	deptOrder := r.perm(len(depts))
	empIdx := 0
	for i := 0; i < c.Users; i++ {
		var given, family, display, givenShown, familyShown string
		ja := jaSlots[i] && jaNext < len(jaNames)
		if ja {
			n := jaNames[jaOrder[jaNext]]
			jaNext++
			given, family = n.given, n.family
			givenShown, familyShown = n.given, n.family
			display = n.given + " " + n.family
			if jaNext == 1 {
				// The directory shows this one in Japanese.
				givenShown, familyShown = n.givenJa, n.familyJa
				display = n.familyJa + " " + n.givenJa
			}
		} else {
			given, family = pick(r, givenNames), pick(r, surnames)
			givenShown, familyShown = given, family
			display = given + " " + family
		}
		local := upnPart(given) + "." + upnPart(family)
		for n := 2; used[local]; n++ {
			local = fmt.Sprintf("%s.%s%d", upnPart(given), upnPart(family), n)
		}
		used[local] = true
		upn := local + "@" + c.Domain

		p := &person{idx: i}
		role := roles[i]
		var d *dept
		var title string
		switch role {
		case tenant.RoleGlobalAdministrator:
			d, title = deptIT, "IT Director"
		case tenant.RoleSecurityAdministrator:
			d, title = deptSec, pick(r, []string{"Security Engineer", "SOC Lead"})
		case tenant.RoleSecurityOperator:
			d, title = deptSec, pick(r, []string{"SOC Analyst", "Security Analyst"})
		case tenant.RoleSecurityReader:
			d, title = deptGRC, pick(r, deptGRC.titles)
		default:
			d = depts[deptOrder[empIdx%len(depts)]]
			empIdx++
			title = pick(r, d.titles)
		}
		p.dept = d
		lang, office := "en-US", pick(r, []string{"HQ 2/214", "HQ 3/318", "HQ 4/410", "Warehouse B/12", "Remote"})
		phone := fmt.Sprintf("+1 206 555 01%02d", i%100)
		if ja {
			lang, office = "ja-JP", "Tokyo 8F"
			phone = fmt.Sprintf("+81 3 5550 01%02d", i%100)
		}
		u := tenant.User{
			ID: r.guid(), UserPrincipalName: upn, DisplayName: display, GivenName: givenShown, Surname: familyShown,
			JobTitle: title, Mail: upn, OfficeLocation: office, PreferredLanguage: lang,
			BusinessPhones: []string{phone},
		}
		if r.chance(0.6) {
			u.MobilePhone = fmt.Sprintf("+1 206 555 01%02d", (i*37+11)%100)
		}
		if role != "" {
			u.Roles = []string{role}
		}
		p.u = u
		p.sam = truncate(upnPart(given)[:1]+upnPart(family), 20)
		p.sid = fmt.Sprintf("%s-%d", e.domainSID, 1104+i)
		p.account = odata.Object{
			"accountName":          p.sam,
			"azureAdUserId":        u.ID,
			"displayName":          display,
			"domainName":           e.netbios,
			"resourceAccessEvents": []any{},
			"tenantId":             e.tenantID,
			"userPrincipalName":    upn,
			"userSid":              p.sid,
		}
		p.ws = e.newWorkstation(c, r, p, ja)
		e.people = append(e.people, p)
		switch role {
		case tenant.RoleGlobalAdministrator, tenant.RoleSecurityAdministrator, tenant.RoleSecurityOperator:
			e.analysts = append(e.analysts, p)
		case "":
			e.employees = append(e.employees, p)
		}
	}
}

// ensurePlatforms gives at least one employee a Mac and one a Linux
// workstation, so that the macOS and Linux detections have a machine to be
// about even in the smallest tenant. The converted workstations are the
// last Windows ones in the list, which keeps the choice deterministic.
func (e *env) ensurePlatforms() {
	has := func(p string) bool {
		for _, x := range e.people {
			if platformOf(x.ws) == p {
				return true
			}
		}
		return false
	}
	for _, want := range []string{platMac, platLinux} {
		if has(want) {
			continue
		}
		for i := len(e.employees) - 1; i >= 0; i-- {
			d := e.employees[i].ws
			prefix := "mac"
			if want == platLinux {
				prefix = "lnx"
			}
			host := prefix + d.host[3:]
			if platformOf(d) != platWindows || e.hosts[host] {
				continue
			}
			d.windows, d.osBuild = false, 0
			if want == platLinux {
				d.linux = true
				d.osPlatform, d.osName, d.version = "Linux", "Ubuntu 24.04", "24.04"
			} else {
				d.osPlatform, d.osName, d.version = "macOS", "macOS 14", "14.6"
			}
			delete(e.hosts, d.host)
			d.host = host
			d.fqdn = d.host + "." + e.adDomain
			e.hosts[d.host] = true
			break
		}
	}
}

func (e *env) newWorkstation(c Config, r rng, p *person, ja bool) *device {
	d := &device{owner: p, windows: true}
	kind := r.intn(100)
	prefix := "wks"
	switch {
	case p.dept.code == "eng" && kind < 25:
		prefix, d.windows, d.linux = "lnx", false, true
		d.osPlatform, d.osName, d.version = "Linux", "Ubuntu 24.04", "24.04"
	case (p.dept.code == "mkt" || p.dept.code == "eng" || p.dept.code == "sales") && kind < 45:
		prefix, d.windows = "mac", false
		d.osPlatform, d.osName, d.version = "macOS", "macOS 14", "14.6"
	case kind < 80:
		d.osPlatform, d.osName, d.version, d.osBuild = "Windows11", "Windows 11", "23H2", 22631
	default:
		d.osPlatform, d.osName, d.version, d.osBuild = "Windows10", "Windows 10", "22H2", 19045
	}
	for d.host == "" || e.hosts[d.host] {
		d.host = fmt.Sprintf("%s-%s-%04d", prefix, p.dept.code, r.between(1, 9999))
	}
	e.hosts[d.host] = true
	d.fqdn = d.host + "." + e.adDomain
	site := 1
	if ja {
		site = 2
	}
	d.ip = fmt.Sprintf("10.%d.%d.%d", site, 10+deptIndex(p.dept), r.between(20, 250))
	d.rbacGroup = "Workstations - " + p.dept.name
	d.rbacGroupID = int64(100 + deptIndex(p.dept))
	e.fillDevice(c, r, d)
	d.loggedOnShared = []any{odata.Object{"accountName": p.sam, "domainName": e.netbios}}
	return d
}

func deptIndex(d *dept) int {
	for i, x := range depts {
		if x == d {
			return i
		}
	}
	switch d {
	case deptIT:
		return len(depts)
	case deptSec:
		return len(depts) + 1
	}
	return len(depts) + 2
}

func (e *env) fillDevice(c Config, r rng, d *device) {
	d.mdeID = r.hex(40)
	d.aadID = r.guid()
	d.firstSeen = at(c.Now.Add(-time.Duration(r.between(120, 900)) * 24 * time.Hour).Add(r.dur(0, 24*time.Hour)))
	d.ipInterfaces = []any{d.ip}
}

// serverSpecs is the server estate: domain controllers, file and database
// servers, a Linux web tier in Azure.
var serverSpecs = []struct {
	host, platform, os, version string
	build                       int64
	ip                          string
	group                       string
	groupID                     int64
	azure, linux, dc            bool
}{
	{"srv-dc-01", "WindowsServer2022", "Windows Server 2022", "21H2", 20348, "10.10.0.10", "Tier 0 servers", 10, false, false, true},
	{"srv-dc-02", "WindowsServer2022", "Windows Server 2022", "21H2", 20348, "10.10.0.11", "Tier 0 servers", 10, false, false, true},
	{"srv-file-01", "WindowsServer2019", "Windows Server 2019", "1809", 17763, "10.10.0.21", "Servers", 11, false, false, false},
	{"srv-sql-01", "WindowsServer2022", "Windows Server 2022", "21H2", 20348, "10.20.1.15", "Servers", 11, true, false, false},
	{"srv-app-03", "WindowsServer2019", "Windows Server 2019", "1809", 17763, "10.10.0.33", "Servers", 11, false, false, false},
	{"srv-rds-01", "WindowsServer2022", "Windows Server 2022", "21H2", 20348, "10.10.0.40", "Servers", 11, false, false, false},
	{"srv-web-01", "Linux", "Ubuntu 22.04", "22.04", 0, "10.20.1.30", "Linux servers", 12, true, true, false},
	{"srv-build-01", "Linux", "Ubuntu 22.04", "22.04", 0, "10.10.0.52", "Linux servers", 12, false, true, false},
}

func (e *env) makeServers(c Config, r rng) {
	sub := r.guid()
	e.azureSub = sub
	for _, s := range serverSpecs {
		d := &device{host: s.host, fqdn: s.host + "." + e.adDomain, osPlatform: s.platform, osName: s.os,
			version: s.version, osBuild: s.build, ip: s.ip, rbacGroup: s.group, rbacGroupID: s.groupID,
			windows: !s.linux, linux: s.linux, server: true}
		e.fillDevice(c, r, d)
		if s.azure {
			d.azureResource = fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-prod-westeurope/providers/Microsoft.Compute/virtualMachines/%s", sub, s.host)
			d.vm = odata.Object{"cloudProvider": "azure", "resourceId": d.azureResource, "subscriptionId": sub, "vmId": r.guid()}
		}
		e.servers = append(e.servers, d)
		if s.dc {
			e.dcs = append(e.dcs, d)
		}
	}
}

// attackerIPs are all in the documentation ranges (RFC 5737), so nothing
// generated here is a real address.
var attackerIPs = []extIP{
	{ip: "192.0.2.14", country: "NL", countryName: "Netherlands", city: "Amsterdam", state: "North Holland", lat: 52.3676, lon: 4.9041},
	{ip: "192.0.2.77", country: "RO", countryName: "Romania", city: "Bucharest", state: "Bucharest", lat: 44.4268, lon: 26.1025},
	{ip: "192.0.2.201", country: "BR", countryName: "Brazil", city: "São Paulo", state: "São Paulo", lat: -23.5505, lon: -46.6333},
	{ip: "198.51.100.23", country: "VN", countryName: "Vietnam", city: "Hanoi", state: "Hanoi", lat: 21.0278, lon: 105.8342},
	{ip: "198.51.100.58", country: "US", countryName: "United States", city: "Ashburn", state: "Virginia", lat: 39.0438, lon: -77.4874, anonymous: true},
	{ip: "198.51.100.142", country: "DE", countryName: "Germany", city: "Frankfurt am Main", state: "Hesse", lat: 50.1109, lon: 8.6821},
	{ip: "198.51.100.199", country: "SG", countryName: "Singapore", city: "Singapore", state: "Singapore", lat: 1.3521, lon: 103.8198},
	{ip: "203.0.113.9", country: "NG", countryName: "Nigeria", city: "Lagos", state: "Lagos", lat: 6.5244, lon: 3.3792},
	{ip: "203.0.113.45", country: "RU", countryName: "Russia", city: "Moscow", state: "Moscow", lat: 55.7558, lon: 37.6173},
	{ip: "203.0.113.88", country: "JP", countryName: "Japan", city: "Ōsaka", state: "大阪府", lat: 34.6937, lon: 135.5023},
	{ip: "203.0.113.130", country: "UA", countryName: "Ukraine", city: "Kyiv", state: "Kyiv", lat: 50.4501, lon: 30.5234},
	{ip: "203.0.113.177", country: "CN", countryName: "China", city: "Shenzhen", state: "Guangdong", lat: 22.5431, lon: 114.0579},
	{ip: "203.0.113.222", country: "IR", countryName: "Iran", city: "Tehran", state: "Tehran", lat: 35.6892, lon: 51.389},
	{ip: "192.0.2.150", country: "GB", countryName: "United Kingdom", city: "London", state: "England", lat: 51.5072, lon: -0.1276, anonymous: true},
	{ip: "198.51.100.250", country: "CA", countryName: "Canada", city: "Montréal", state: "Quebec", lat: 45.5019, lon: -73.5674},
	{ip: "192.0.2.99", country: "FR", countryName: "France", city: "Paris", state: "Île-de-France", lat: 48.8566, lon: 2.3522},
	{ip: "203.0.113.61", country: "IN", countryName: "India", city: "Mumbai", state: "Maharashtra", lat: 19.076, lon: 72.8777},
	{ip: "198.51.100.7", country: "US", countryName: "United States", city: "Dallas", state: "Texas", lat: 32.7767, lon: -96.797, anonymous: true},
}

var egressIPs = []extIP{
	{ip: "198.51.100.10", country: "US", countryName: "United States", city: "Seattle", state: "Washington", lat: 47.6062, lon: -122.3321},
	{ip: "203.0.113.10", country: "JP", countryName: "Japan", city: "東京", state: "東京都", lat: 35.6762, lon: 139.6503},
}

func (e *env) makeIPs() {
	mk := func(src []extIP) []*extIP {
		out := make([]*extIP, len(src))
		for i := range src {
			x := src[i]
			x.location = odata.Object{"city": x.city, "countryName": x.countryName, "latitude": x.lat, "longitude": x.lon, "state": x.state}
			out[i] = &x
		}
		return out
	}
	e.attackers = mk(attackerIPs)
	e.egress = mk(egressIPs)
}

func (e *env) makeApps(r rng) {
	for _, a := range []struct{ name, publisher string }{
		{"Invoice Sync Connector", "Unverified"},
		{"MailMerge Pro", "mailmerge-tools.example"},
		{"Calendar Assistant Plus", "Unverified"},
		{"DocuFlow e-Sign", "docuflow.test"},
	} {
		e.oauth = append(e.oauth, &oauthApp{appID: r.guid(), objectID: r.guid(), name: a.name, publisher: a.publisher})
	}
	dc := "DC=" + strings.ReplaceAll(e.adDomain, ".", ",DC=")
	for _, g := range []struct {
		name string
		rid  int
	}{{"Domain Admins", 512}, {"Enterprise Admins", 519}, {"Backup Operators", 551}} {
		e.groups = append(e.groups, &secGroup{guid: r.guid(), name: g.name, dn: "CN=" + g.name + ",CN=Users," + dc,
			sid: fmt.Sprintf("%s-%d", e.domainSID, g.rid)})
	}
}

// systemBinaries are the signed binaries attackers live off; their hashes
// are drawn once per tenant, as every machine has the same build.
var systemBinaries = []struct {
	name, path string
	size       int64
}{
	{"powershell.exe", `C:\Windows\System32\WindowsPowerShell\v1.0`, 450560},
	{"rundll32.exe", `C:\Windows\System32`, 71680},
	{"certutil.exe", `C:\Windows\System32`, 1651712},
	{"cmd.exe", `C:\Windows\System32`, 323584},
	{"explorer.exe", `C:\Windows`, 5479632},
	{"WINWORD.EXE", `C:\Program Files\Microsoft Office\root\Office16`, 1638800},
	{"OUTLOOK.EXE", `C:\Program Files\Microsoft Office\root\Office16`, 43212688},
	{"services.exe", `C:\Windows\System32`, 738304},
	{"lsass.exe", `C:\Windows\System32`, 59456},
	{"WmiPrvSE.exe", `C:\Windows\System32\wbem`, 520192},
	{"schtasks.exe", `C:\Windows\System32`, 235520},
	{"msedge.exe", `C:\Program Files (x86)\Microsoft\Edge\Application`, 3950528},
	{"bash", "/usr/bin", 1396520},
	{"zsh", "/bin", 1361200},
}

func (e *env) newFile(r rng, name, path string, size int64, signed bool) *fileInfo {
	f := &fileInfo{name: name, path: path, size: size, md5: r.hex(32), sha1: r.hex(40), sha256: r.hex(64)}
	d := odata.Object{"fileName": name, "filePath": path, "fileSize": size, "md5": f.md5, "sha1": f.sha1, "sha256": f.sha256}
	if signed {
		if strings.HasPrefix(path, "/") {
			f.publisher, f.signer = "Canonical Ltd.", "Canonical Ltd."
		} else {
			f.publisher, f.signer, f.issuer = "Microsoft Corporation", "Microsoft Windows", "Microsoft Windows Production PCA 2011"
			d["issuer"] = f.issuer
		}
		d["filePublisher"] = f.publisher
		d["signer"] = f.signer
	}
	f.details = d
	return f
}

// file returns the file of a kind (see droppedFiles) as it exists for one
// owner, created on first use and then shared by every alert about it.
func (e *env) file(r rng, kind string, owner *person) *fileInfo {
	k := fileKey{kind, owner.idx}
	if f, ok := e.files[k]; ok {
		return f
	}
	spec, ok := droppedFiles[kind]
	if !ok {
		spec = droppedFiles["payload"]
	}
	path := strings.ReplaceAll(spec.path, "{user}", owner.sam)
	f := e.newFile(r, spec.name, path, int64(r.between(spec.minSize, spec.maxSize)), false)
	e.files[k] = f
	return f
}

type droppedFile struct {
	name, path       string
	minSize, maxSize int
}

// droppedFiles are the suspicious files alerts find, by kind. Paths keep
// the owner's profile folder; a few names are non-ASCII or look like a
// mimikatz build, as real incidents' do.
var droppedFiles = map[string]droppedFile{
	"mimikatz":   {"kiwi_x64.exe", `C:\Users\Public\Libraries`, 1250000, 1360000},
	"invoice":    {"Invoice_4471.pdf.exe", `C:\Users\{user}\Downloads`, 380000, 920000},
	"dll":        {"msupd.dll", `C:\Users\Public\Libraries`, 210000, 480000},
	"persist":    {"odupd.exe", `C:\Users\{user}\AppData\Roaming\Microsoft`, 150000, 300000},
	"ransomnote": {"README_RESTORE_FILES.txt", `C:\Users\{user}\Documents`, 1800, 2600},
	"maldoc":     {"見積書_2026.xlsm", `C:\Users\{user}\Downloads`, 48000, 120000},
	"payload":    {"p.txt", `C:\Users\Public`, 20000, 90000},
	"wacatac":    {"setup_crack_v2.exe", `C:\Users\{user}\Downloads`, 2400000, 6100000},
	"dlpdoc":     {"Q3 payroll & bonuses.xlsx", `https://sharepoint.example/sites/Finance/Shared Documents`, 64000, 240000},
	"plist":      {"com.apple.softwareupdate.agent.plist", `/Users/{user}/Library/LaunchAgents`, 600, 1200},
	"shell":      {".x11-unix.sh", "/tmp", 800, 4000},
	"vmdropper":  {"kworker-update", "/var/tmp", 900000, 2100000},
	"board":      {"Board minutes <draft> & notes.docx", `https://sharepoint.example/sites/Board/Shared Documents`, 30000, 90000},
	"export":     {"customer_export_full.csv", `C:\Users\{user}\OneDrive\Exports`, 4000000, 28000000},
}

// tenantUsers returns the directory's users in a stable order.
func (e *env) tenantUsers() []tenant.User {
	out := make([]tenant.User, len(e.people))
	for i, p := range e.people {
		out[i] = p.u
	}
	return out
}

// UserObject is the stored form of a directory user: the default
// properties /me returns, with empty ones left out (null). Its keys match
// emulator/model's user type.
func UserObject(u tenant.User) odata.Object {
	o := odata.Object{"id": u.ID, "businessPhones": []any{}}
	phones := make([]any, len(u.BusinessPhones))
	for i, p := range u.BusinessPhones {
		phones[i] = p
	}
	o["businessPhones"] = phones
	for k, v := range map[string]string{
		"displayName": u.DisplayName, "givenName": u.GivenName, "jobTitle": u.JobTitle, "mail": u.Mail,
		"mobilePhone": u.MobilePhone, "officeLocation": u.OfficeLocation, "preferredLanguage": u.PreferredLanguage,
		"surname": u.Surname, "userPrincipalName": u.UserPrincipalName,
	} {
		if v != "" {
			o[k] = v
		}
	}
	return o
}
