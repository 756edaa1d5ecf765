package gen

import (
	"fmt"
	"math"
	"time"

	"github.com/graphsec/graphsec/emulator/odata"
)

// control is one secure score control profile and how the tenant has
// implemented it over the last 90 days.
type control struct {
	id, title, category, service string
	maxScore                     float64
	tier, actionType             string
	userImpact, cost             string
	threats                      []string
	intro, step                  string // remediation text, rendered with the portal link
	impact                       string // remediationImpact
	deprecated                   bool
	compliance                   []complianceRef
	// The implementation over the 90 days (day 0 is 89 days ago):
	// binary controls switch on at day `on` (-1: before the window,
	// 999: never); gradual ones move from `from` to `to` with noise.
	gradual  bool
	on       int
	from, to float64
	// perDevice counts devices rather than users for gradual controls.
	perDevice bool
	notes     []stateNote
}

type complianceRef struct {
	cert     string
	controls []string
}

type stateNote struct {
	state, comment string
	daysAgo        int
}

type portal struct{ name, url string }

var portals = map[string]portal{
	"AzureAD":    {"Microsoft Entra admin center", "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/ConditionalAccessBlade/~/Policies"},
	"MDO":        {"Microsoft Defender portal", "https://security.microsoft.com/threatpolicy"},
	"EXO":        {"Exchange admin center", "https://admin.exchange.microsoft.com/"},
	"SharePoint": {"SharePoint admin center", "https://admin.microsoft.com/sharepoint"},
	"MIP":        {"Microsoft Purview portal", "https://purview.microsoft.com/"},
	"Teams":      {"Teams admin center", "https://admin.teams.microsoft.com/"},
	"MDE":        {"Microsoft Intune admin center", "https://intune.microsoft.com/"},
	"Intune":     {"Microsoft Intune admin center", "https://intune.microsoft.com/#view/Microsoft_Intune_DeviceSettings/DevicesMenu/~/configuration"},
	"ASC":        {"Microsoft Defender for Cloud", "https://portal.azure.com/#view/Microsoft_Azure_Security/SecurityMenuBlade/~/0"},
}

var complianceURLs = map[string]string{
	"NIST 800-53 Rev. 5":                   "https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final",
	"ISO 27001:2022":                       "https://www.iso.org/standard/27001",
	"CIS Microsoft 365 Foundations v3.1.0": "https://www.cisecurity.org/benchmark/microsoft_365",
	"PCI DSS 4.0":                          "https://www.pcisecuritystandards.org/document_library/",
}

var (
	nistIA  = complianceRef{"NIST 800-53 Rev. 5", []string{"IA-2(1)", "IA-2(2)"}}
	nistAC  = complianceRef{"NIST 800-53 Rev. 5", []string{"AC-2", "AC-6(5)"}}
	nistSI  = complianceRef{"NIST 800-53 Rev. 5", []string{"SI-3", "SI-4"}}
	nistAU  = complianceRef{"NIST 800-53 Rev. 5", []string{"AU-2", "AU-12"}}
	isoAuth = complianceRef{"ISO 27001:2022", []string{"A.5.17", "A.8.5"}}
	isoMal  = complianceRef{"ISO 27001:2022", []string{"A.8.7"}}
	isoDLP  = complianceRef{"ISO 27001:2022", []string{"A.8.12"}}
	cisID   = complianceRef{"CIS Microsoft 365 Foundations v3.1.0", []string{"5.2.2.1", "5.2.2.2"}}
	cisMail = complianceRef{"CIS Microsoft 365 Foundations v3.1.0", []string{"2.1.1", "2.1.2"}}
	pciMFA  = complianceRef{"PCI DSS 4.0", []string{"8.4.2"}}
)

// controlCatalog is the fixed list of controls, in rank order. Ids follow
// Microsoft Secure Score's naming; texts are this emulator's own.
var controlCatalog = []control{
	{id: "AdminMFAV2", title: "Ensure multifactor authentication is enabled for all users in administrative roles", category: "Identity", service: "AzureAD",
		maxScore: 10, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"accountBreach", "elevationOfPrivilege"},
		intro: "Require multifactor authentication for every account that holds an administrative role.", step: "Create a policy for <b>Directory roles</b> and grant access with <b>Require multifactor authentication</b>.",
		impact: "Administrators are asked for a second factor at sign-in.", compliance: []complianceRef{nistIA, isoAuth, cisID, pciMFA},
		gradual: true, from: 0.6, to: 1.0},
	{id: "MFARegistrationV2", title: "Ensure all users can complete multifactor authentication", category: "Identity", service: "AzureAD",
		maxScore: 9, tier: "Core", actionType: "Config", userImpact: "Moderate", cost: "Moderate", threats: []string{"accountBreach", "passwordCracking", "phishingOrWhaling"},
		intro: "Users must register a second factor before they can be asked for it.", step: "Enable the <b>Multifactor authentication registration policy</b> for all users.",
		impact: "Users are prompted to register the Authenticator app at their next sign-in.", compliance: []complianceRef{nistIA, cisID},
		gradual: true, from: 0.42, to: 0.86},
	{id: "BlockLegacyAuthentication", title: "Enable Conditional Access policies to block legacy authentication", category: "Identity", service: "AzureAD",
		maxScore: 8, tier: "Core", actionType: "Config", userImpact: "Moderate", cost: "Moderate", threats: []string{"accountBreach", "passwordCracking"},
		intro: "Legacy protocols (POP, IMAP, SMTP AUTH) cannot do multifactor authentication and are the main target of password spray.", step: "Create a policy for <b>All users</b>, condition <b>Client apps: Other clients</b>, and select <b>Block access</b>.",
		impact: "Old mail clients that use basic authentication stop working.", compliance: []complianceRef{nistIA, cisID},
		on: 41},
	{id: "SigninRiskPolicy", title: "Turn on sign-in risk policy", category: "Identity", service: "AzureAD",
		maxScore: 7, tier: "Core", actionType: "Config", userImpact: "Moderate", cost: "Moderate", threats: []string{"accountBreach"},
		intro: "Challenge sign-ins that Identity Protection rates as risky.", step: "Create a policy with the condition <b>Sign-in risk: Medium and above</b> and require multifactor authentication.",
		impact: "Risky sign-ins are asked for a second factor.", compliance: []complianceRef{nistAC},
		on: 66},
	{id: "UserRiskPolicy", title: "Turn on user risk policy", category: "Identity", service: "AzureAD",
		maxScore: 7, tier: "Core", actionType: "Config", userImpact: "Moderate", cost: "Moderate", threats: []string{"accountBreach"},
		intro: "Force a secure password change when a user's credentials are likely compromised.", step: "Create a policy with the condition <b>User risk: High</b> and require a password change.",
		impact: "High-risk users must change their password at the next sign-in.", compliance: []complianceRef{nistAC},
		on: 999, notes: []stateNote{{"Default", "Waiting for Entra ID P2 licences (PO-7781).", 40}}},
	{id: "OneAdmin", title: "Designate more than one global admin", category: "Identity", service: "AzureAD",
		maxScore: 1, tier: "Core", actionType: "Review", userImpact: "Low", cost: "Low", threats: []string{"accountBreach"},
		intro: "A second global administrator keeps the tenant manageable if one account is lost.", step: "Assign the <b>Global Administrator</b> role to a second, cloud-only account.",
		impact: "None for users.", on: -1},
	{id: "RoleOverlap", title: "Use least privileged administrative roles", category: "Identity", service: "AzureAD",
		maxScore: 1, tier: "Core", actionType: "Review", userImpact: "Low", cost: "Low", threats: []string{"elevationOfPrivilege"},
		intro: "Give administrators the narrowest role that does their job.", step: "Review <b>Roles and administrators</b> and replace Global Administrator where a smaller role suffices.",
		impact: "None for users.", compliance: []complianceRef{nistAC}, on: -1},
	{id: "PWAgePolicyNew", title: "Ensure the 'Password expiration policy' is set to 'Set passwords to never expire (recommended)'", category: "Identity", service: "AzureAD",
		maxScore: 8, tier: "Core", actionType: "Config", userImpact: "Moderate", cost: "Low", threats: []string{"passwordCracking"},
		intro: "Forced periodic changes lead to weaker, predictable passwords.", step: "In <b>Settings &gt; Org settings &gt; Security &amp; privacy</b>, set passwords to never expire.",
		impact: "Users are no longer asked to change passwords every 90 days.", compliance: []complianceRef{isoAuth}, on: -1},
	{id: "SelfServicePasswordReset", title: "Enable self-service password reset", category: "Identity", service: "AzureAD",
		maxScore: 1, tier: "Core", actionType: "Config", userImpact: "Moderate", cost: "Low", threats: []string{"accountBreach"},
		intro: "Let users reset their own password after proving who they are.", step: "Under <b>Password reset</b>, set <b>Self service password reset enabled</b> to <b>All</b>.",
		impact: "Users register recovery methods.", on: 9},
	{id: "IntegratedApps", title: "Do not allow users to grant consent to unreliable applications", category: "Identity", service: "AzureAD",
		maxScore: 4, tier: "Core", actionType: "Config", userImpact: "Moderate", cost: "Low", threats: []string{"dataExfiltration", "accountBreach"},
		intro: "Illicit consent grants give attackers mailbox access without a password.", step: "Under <b>Enterprise applications &gt; Consent and permissions</b>, allow consent only for verified publishers.",
		impact: "Users must ask an administrator before consenting to unverified apps.", compliance: []complianceRef{cisID}, on: 52},
	{id: "mdo_safelinksforemail", title: "Ensure Safe Links for email is enabled", category: "Apps", service: "MDO",
		maxScore: 9, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"phishingOrWhaling"},
		intro: "Safe Links checks URLs at click time.", step: "Create a Safe Links policy that covers all recipients and rewrites URLs.",
		impact: "Links in email are wrapped.", compliance: []complianceRef{cisMail, isoMal}, on: -1},
	{id: "mdo_safeattachments", title: "Turn on Safe Attachments in block mode", category: "Apps", service: "MDO",
		maxScore: 8, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"phishingOrWhaling"},
		intro: "Safe Attachments detonates attachments before delivery.", step: "Create a Safe Attachments policy with the action <b>Block</b>.",
		impact: "Messages with attachments may arrive a few minutes later.", compliance: []complianceRef{isoMal}, on: -1},
	{id: "mdo_antiphishingpolicies", title: "Set the phishing email level threshold at 2 or higher", category: "Apps", service: "MDO",
		maxScore: 9, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"phishingOrWhaling", "spoofing"},
		intro: "A higher threshold treats more suspicious messages as phishing.", step: "Edit the anti-phishing policy and set <b>Phishing email threshold</b> to <b>2 - Aggressive</b>.",
		impact: "Slightly more legitimate messages may go to Junk.", compliance: []complianceRef{cisMail}, on: 29},
	{id: "mdo_autoforwardingmode", title: "Ensure all forms of mail forwarding are blocked and/or disabled", category: "Apps", service: "EXO",
		maxScore: 8, tier: "Core", actionType: "Config", userImpact: "Moderate", cost: "Low", threats: []string{"dataExfiltration"},
		intro: "Automatic forwarding to outside addresses is how attackers keep reading a mailbox.", step: "Set the outbound spam policy's <b>Automatic forwarding rules</b> to <b>Off</b>.",
		impact: "Users can no longer forward their mail outside automatically.", compliance: []complianceRef{cisMail},
		on: 999, notes: []stateNote{{"ThirdParty", "Forwarding is blocked at the mail gateway; see change CHG-1182.", 75}}},
	{id: "mdo_dkim", title: "Ensure that DKIM is enabled for all Exchange Online domains", category: "Apps", service: "EXO",
		maxScore: 5, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"spoofing"},
		intro: "DKIM signs outgoing mail so receivers can detect spoofing.", step: "Publish the two CNAME records and enable signing for each domain.",
		impact: "None for users.", compliance: []complianceRef{cisMail}, on: -1},
	{id: "mdo_commonattachmentsfilter", title: "Ensure the common attachment types filter is enabled", category: "Apps", service: "MDO",
		maxScore: 5, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"phishingOrWhaling"},
		intro: "Block file types that are rarely legitimate in mail (.iso, .js, .scr…).", step: "Turn on <b>Enable the common attachments filter</b> in the anti-malware policy.",
		impact: "Messages with such files are quarantined.", on: -1},
	{id: "exo_mailboxaudit", title: "Ensure mailbox auditing for all users is enabled", category: "Apps", service: "EXO",
		maxScore: 5, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"maliciousInsider"},
		intro: "Mailbox audit records who read or moved mail, which investigations need.", step: "Run <code>Set-OrganizationConfig -AuditDisabled $false</code>.",
		impact: "None for users.", compliance: []complianceRef{nistAU}, on: -1},
	{id: "meeting_restrictanonymousjoin_v1", title: "Ensure anonymous users can't join a meeting", category: "Apps", service: "Teams",
		maxScore: 1, tier: "Core", actionType: "Config", userImpact: "Moderate", cost: "Low", threats: []string{"dataExfiltration"},
		intro: "Anonymous participants are not identified.", step: "Turn off <b>Anonymous users can join a meeting</b> in the meeting policy.",
		impact: "External guests must sign in.", on: 72},
	{id: "scid_2010", title: "Turn on Microsoft Defender Antivirus PUA protection in block mode", category: "Device", service: "MDE",
		maxScore: 8, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"dataDeletion", "dataExfiltration"},
		intro: "Potentially unwanted applications slow devices and open doors to malware.", step: "In the antivirus profile, set <b>PUA protection</b> to <b>Block</b>.",
		impact: "Adware and bundled installers are blocked.", compliance: []complianceRef{nistSI, isoMal},
		gradual: true, from: 0.7, to: 0.96, perDevice: true},
	{id: "scid_2011", title: "Turn on tamper protection", category: "Device", service: "MDE",
		maxScore: 9, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"dataDeletion"},
		intro: "Tamper protection stops attackers from turning off Microsoft Defender.", step: "Turn on <b>Tamper protection</b> in <b>Settings &gt; Endpoints &gt; Advanced features</b>.",
		impact: "Local administrators cannot change antivirus settings.", compliance: []complianceRef{nistSI},
		gradual: true, from: 0.82, to: 1.0, perDevice: true},
	{id: "scid_91", title: "Block Win32 API calls from Office macros", category: "Device", service: "MDE",
		maxScore: 9, tier: "Core", actionType: "Config", userImpact: "Moderate", cost: "Moderate", threats: []string{"dataDeletion", "elevationOfPrivilege"},
		intro: "Macros that call Win32 APIs are a common malware dropper.", step: "Set the attack surface reduction rule <b>Block Win32 API calls from Office macros</b> to <b>Block</b>.",
		impact: "Some legacy macros stop working.", gradual: true, from: 0.1, to: 0.62, perDevice: true},
	{id: "scid_2500", title: "Turn on network protection in block mode", category: "Device", service: "MDE",
		maxScore: 8, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"dataExfiltration", "phishingOrWhaling"},
		intro: "Network protection blocks connections to malicious domains from any process.", step: "Set <b>Enable network protection</b> to <b>Enabled (block mode)</b>.",
		impact: "Connections to known-bad sites are blocked.", gradual: true, from: 0.5, to: 0.9, perDevice: true},
	{id: "scid_5095", title: "Encrypt all supported devices with BitLocker", category: "Device", service: "Intune",
		maxScore: 8, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Moderate", threats: []string{"dataExfiltration", "dataSpillage"},
		intro: "Lost or stolen devices must not expose data.", step: "Assign an endpoint security <b>Disk encryption</b> policy to all devices.",
		impact: "Devices encrypt their system drive in the background.", compliance: []complianceRef{isoDLP},
		gradual: true, from: 0.66, to: 0.93, perDevice: true},
	{id: "mip_sensitivitylabelspolicies", title: "Ensure Microsoft 365 sensitivity labels are created and published", category: "Data", service: "MIP",
		maxScore: 5, tier: "Core", actionType: "Config", userImpact: "Moderate", cost: "Moderate", threats: []string{"dataExfiltration", "dataSpillage"},
		intro: "Labels let users and policies know how sensitive a document is.", step: "Create labels and publish them to all users.",
		impact: "Users see a sensitivity bar in Office apps.", compliance: []complianceRef{isoDLP}, on: 20},
	{id: "mip_search_auditlog", title: "Ensure Microsoft 365 audit log search is enabled", category: "Data", service: "MIP",
		maxScore: 3, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"maliciousInsider"},
		intro: "Without the unified audit log, activity cannot be investigated.", step: "Select <b>Start recording user and admin activity</b>.",
		impact: "None for users.", compliance: []complianceRef{nistAU}, on: -1},
	{id: "dlp_datalossprevention", title: "Ensure DLP policies are enabled", category: "Data", service: "MIP",
		maxScore: 10, tier: "Core", actionType: "Config", userImpact: "Moderate", cost: "Moderate", threats: []string{"dataExfiltration", "dataSpillage"},
		intro: "Data loss prevention stops sensitive data from leaving by mail or sharing.", step: "Create a policy from the <b>Financial data</b> template and turn it on.",
		impact: "Users get policy tips when sharing sensitive data.", compliance: []complianceRef{isoDLP}, on: 34},
	{id: "exo_storageproviderrestricted", title: "Ensure additional storage providers are restricted in Outlook on the web", category: "Data", service: "EXO",
		maxScore: 2, tier: "Defense in Depth", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"dataExfiltration"},
		intro: "Third-party storage in Outlook on the web bypasses data controls.", step: "Run <code>Set-OwaMailboxPolicy -AdditionalStorageProvidersAvailable $false</code>.",
		impact: "Users cannot attach files from personal cloud storage.", on: 80},
	{id: "spo_idle_session_timeout", title: "Ensure idle session timeout is set to 3 hours or less for unmanaged devices", category: "Data", service: "SharePoint",
		maxScore: 2, tier: "Defense in Depth", actionType: "Config", userImpact: "Moderate", cost: "Low", threats: []string{"dataExfiltration"},
		intro: "Unattended sessions on shared devices expose files.", step: "Under <b>Access control &gt; Idle session sign-out</b>, sign users out after 3 hours.",
		impact: "Users on unmanaged devices sign in more often.", on: 999},
	{id: "CustomerLockBoxEnabled", title: "Turn on customer lockbox feature", category: "Data", service: "EXO",
		maxScore: 1, tier: "Advanced", actionType: "Config", userImpact: "Low", cost: "High", threats: []string{"dataExfiltration", "maliciousInsider"},
		intro: "Customer Lockbox requires your approval before Microsoft engineers access content.", step: "Turn on <b>Customer Lockbox</b> in <b>Settings &gt; Org settings &gt; Security &amp; privacy</b>.",
		impact: "Support cases that need content access wait for approval.", on: 999,
		notes: []stateNote{{"Ignored", "Risk accepted by the CISO: not licensed (E5 only).", 61}}},
	{id: "aad_admin_consent_workflow", title: "Ensure the admin consent workflow is enabled", category: "Identity", service: "AzureAD",
		maxScore: 1, tier: "Defense in Depth", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"elevationOfPrivilege"},
		intro: "Users can request apps they cannot consent to themselves.", step: "Turn on <b>Users can request admin consent to apps they are unable to consent to</b>.",
		impact: "Administrators receive consent requests.", on: 999,
		notes: []stateNote{{"Reviewed", "Planned for next quarter with the app catalogue.", 12}}},
	{id: "aad_password_protection", title: "Ensure custom banned passwords lists are used", category: "Identity", service: "AzureAD",
		maxScore: 1, tier: "Defense in Depth", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"passwordCracking"},
		intro: "Ban passwords built from the company's name and products.", step: "Under <b>Authentication methods &gt; Password protection</b>, add the custom list.",
		impact: "Users cannot pick banned passwords.", on: 70},
	{id: "asc_system_updates", title: "Apply system updates on your virtual machines", category: "Infrastructure", service: "ASC",
		maxScore: 6, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Moderate", threats: []string{"elevationOfPrivilege", "dataDeletion"},
		intro: "Missing security updates leave servers open to known exploits.", step: "Open the recommendation and select <b>Fix</b> for each machine.",
		impact: "Machines restart in their maintenance window.", compliance: []complianceRef{nistSI},
		gradual: true, from: 0.5, to: 0.83, perDevice: true},
	{id: "AdminMFA", title: "Require MFA for administrative roles", category: "Identity", service: "AzureAD",
		maxScore: 50, tier: "Core", actionType: "Config", userImpact: "Low", cost: "Low", threats: []string{"accountBreach"},
		intro: "This control was replaced by AdminMFAV2.", step: "See <b>AdminMFAV2</b>.",
		impact: "None.", deprecated: true, on: -1},
}

// fraction returns how far a control was implemented on day d (0 = 89
// days ago, 89 = today).
func (g *Generator) fraction(c *control, d int) float64 {
	if !c.gradual {
		if d >= c.on {
			return 1
		}
		return 0
	}
	// Each product is converted explicitly so the compiler cannot fuse it
	// into a multiply-add, whose different rounding on arm64 would break
	// byte-identical output across machines.
	trend := float64((c.to - c.from) * float64(d))
	noise := float64((g.r.r.Float64() - 0.5) * 0.04)
	f := c.from + trend/89 + noise
	return math.Max(0, math.Min(1, f))
}

func (g *Generator) vendorSecureScore() odata.Object {
	return odata.Object{"provider": "SecureScore", "vendor": "Microsoft"}
}

func (g *Generator) controlProfiles() []odata.Object {
	n := g.cfg.ControlProfiles
	out := make([]odata.Object, 0, n)
	for i := range controlCatalog[:n] {
		c := &controlCatalog[i]
		p := portals[c.service]
		o := odata.Object{
			"id":                 c.id,
			"azureTenantId":      g.env.tenantID,
			"title":              c.title,
			"controlCategory":    c.category,
			"service":            c.service,
			"maxScore":           c.maxScore,
			"rank":               int64(i + 1),
			"tier":               c.tier,
			"actionType":         c.actionType,
			"userImpact":         c.userImpact,
			"implementationCost": c.cost,
			"threats":            toAny(c.threats),
			"remediation": c.intro + "<br><br>1. Go to the <a href=\"" + p.url + "\" target=\"_blank\">" + p.name + "</a>.<br>2. " +
				c.step + "<br>3. Select <b>Save</b>.",
			"remediationImpact":    c.impact,
			"actionUrl":            p.url,
			"deprecated":           c.deprecated,
			"lastModifiedDateTime": at(g.now.Add(-time.Duration(g.r.between(20, 400)) * 24 * time.Hour).Truncate(time.Hour)),
			"vendorInformation":    g.vendorSecureScore(),
		}
		comp := make([]any, len(c.compliance))
		for j, ref := range c.compliance {
			ctl := make([]any, len(ref.controls))
			for k, name := range ref.controls {
				ctl[k] = odata.Object{"name": name, "url": complianceURLs[ref.cert]}
			}
			comp[j] = odata.Object{"certificationName": ref.cert, "certificationControls": ctl}
		}
		o["complianceInformation"] = comp
		updates := make([]any, len(c.notes))
		for j, nt := range c.notes {
			analyst := pick(g.r, g.env.analysts).u.UserPrincipalName
			updates[j] = odata.Object{"assignedTo": analyst, "comment": nt.comment, "state": nt.state, "updatedBy": analyst,
				"updatedDateTime": at(g.now.Add(-time.Duration(nt.daysAgo)*24*time.Hour - g.r.dur(0, 8*time.Hour)))}
		}
		o["controlStateUpdates"] = updates
		out = append(out, o)
	}
	return out
}

// secureScores builds exactly 90 daily entries, newest first. Each day's
// controlScores follow the controls' implementation, so currentScore is
// their sum and maxScore the sum of the (non-deprecated) profiles'
// maxScore: the trend rises as controls are switched on, with the noise of
// user and device coverage.
func (g *Generator) secureScores() []odata.Object {
	const days = 90
	e := g.env
	controls := controlCatalog[:g.cfg.ControlProfiles]
	var maxScore float64
	for i := range controls {
		if !controls[i].deprecated {
			maxScore += controls[i].maxScore
		}
	}
	licensed := max(len(e.people), 180+g.r.between(0, 220))
	devices := len(e.people) + len(e.servers) + g.r.between(20, 60)
	services := toAny([]string{"HasExchange", "HasSharePoint", "HasOD4B", "HasMDEP", "HasInTune", "HasCloudApp", "HasAzureADP2"})
	vendor := g.vendorSecureScore()
	today := g.now.Truncate(24 * time.Hour)
	out := make([]odata.Object, days)
	for d := 0; d < days; d++ {
		day := today.AddDate(0, 0, d-(days-1))
		scores := make([]any, 0, len(controls))
		var current float64
		for i := range controls {
			c := &controls[i]
			if c.deprecated {
				continue
			}
			f := g.fraction(c, d)
			total := 1
			if c.gradual {
				total = licensed
				if c.perDevice {
					total = devices
				}
			}
			count := int(math.Round(f * float64(total)))
			score := math.Round(c.maxScore*float64(count)/float64(total)*100) / 100
			current += score
			pct := math.Round(float64(count)/float64(total)*10000) / 100
			status := fmt.Sprintf("%d of %d covered", count, total)
			if !c.gradual {
				status = map[bool]string{true: "Completed", false: "To address"}[count == 1]
			}
			scores = append(scores, odata.Object{
				"controlCategory": c.category, "controlName": c.id, "description": c.title, "score": score,
				"count": fmt.Sprint(count), "total": fmt.Sprint(total), "scoreInPercentage": pct,
				"implementationStatus": status, "lastSynced": at(day.Add(-time.Duration(g.r.between(1, 5)) * time.Hour)),
			})
		}
		current = math.Round(current*100) / 100
		active := licensed - g.r.between(4, 22)
		out[days-1-d] = odata.Object{
			"id":                e.tenantID + "_" + day.Format("2006-01-02"),
			"azureTenantId":     e.tenantID,
			"createdDateTime":   at(day),
			"currentScore":      current,
			"maxScore":          maxScore,
			"licensedUserCount": int64(licensed),
			"activeUserCount":   int64(active),
			"enabledServices":   services,
			"vendorInformation": vendor,
			"controlScores":     scores,
			"averageComparativeScores": []any{
				odata.Object{"basis": "AllTenants", "averageScore": round2(maxScore * (0.41 + float64(0.0002*float64(d)))),
					"identityScore": round2(maxScore * 0.12), "dataScore": round2(maxScore * 0.05), "deviceScore": round2(maxScore * 0.11)},
				odata.Object{"basis": "TotalSeats", "averageScore": round2(maxScore * (0.45 + float64(0.0002*float64(d)))),
					"seatSizeRangeLowerValue": "100", "seatSizeRangeUpperValue": "500"},
				odata.Object{"basis": "IndustryTypes", "averageScore": round2(maxScore * (0.48 + float64(0.0001*float64(d)))),
					"industryName": "Transportation and Logistics"},
			},
		}
	}
	return out
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
