package gen

// Choices this generator makes where Microsoft's documentation is silent.
// They are listed here so that the emulator's docs can repeat them and a
// test that depends on one can name it.
//
// Time
//   - Everything derives from Config.Now at 100 ns precision (odata.At).
//     alerts_v2 and legacy alerts are created within the 30 days before
//     Now; secure scores are the 90 days ending today, one entry per UTC
//     midnight (createdDateTime 00:00:00Z), newest first.
//   - An alerts_v2 alert's times hold firstActivityDateTime <=
//     lastActivityDateTime <= createdDateTime <= lastUpdateDateTime <= Now;
//     resolvedDateTime is present exactly when status is resolved and
//     lies between createdDateTime and lastUpdateDateTime. Legacy alerts
//     hold eventDateTime <= createdDateTime <= lastModifiedDateTime, and
//     closedDateTime is present exactly for resolved and dismissed ones.
//
// Identifiers
//   - alerts_v2 ids have the portal's shape: a two-letter service prefix,
//     the .NET ticks of createdDateTime and a signed 32-bit number
//     (da637551227677560813_-961444813). Prefixes: da Defender for
//     Endpoint, fa Office 365, aa Identity, ca Cloud Apps, ad Entra ID
//     Protection, ed Defender XDR, ra app governance, dl DLP, sn Sentinel,
//     dc Defender for Cloud, ir Insider Risk (only "da" is documented).
//     providerAlertId equals id for Defender for Endpoint and XDR alerts
//     (as in the docs' sample), a GUID otherwise. detectorId and
//     alertPolicyId are GUIDs derived from the detection's name, the same
//     in every data set.
//   - Incident ids are numeric strings that grow with createdDateTime,
//     starting between 20000 and 90000.
//   - Legacy ids per provider: Defender ATP like alerts_v2's "da" ids; ASC
//     reverse ticks + "_" + GUID; MCAS 24 hex digits; IPC 64 hex digits;
//     AATP and Sentinel GUIDs.
//   - Secure score ids are {tenantId}_{yyyy-MM-dd}; control profile ids
//     are Secure Score control names (AdminMFAV2, ...).
//
// alerts_v2 and incidents
//   - Unclassified alerts and incidents carry classification and
//     determination "unknown" (not null), so $filter on them finds them.
//   - Alerts and incidents carry @odata.type (#microsoft.graph.security.
//     alert / .incident); evidence always does, nested evidence included.
//   - An incident's severity, status, times, assignment, classification,
//     determination and displayName are derived from its alerts by the
//     rules documented on incidentCore; status is active while any alert
//     is unresolved, else resolved (inProgress, redirected and
//     awaitingAction are never generated).
//   - Lists are newest first by createdDateTime (incidents too), ties
//     broken by id, descending.
//   - comments[].createdByDisplayName holds the analyst's UPN, as the
//     docs' sample does.
//   - Evolvable members appear on purpose: serviceSource
//     microsoftSentinel, microsoftDefenderForCloud and
//     microsoftInsiderRiskManagement; detectionSource scheduledAlerts,
//     nrtAlerts and several microsoftDefenderFor*; remediationStatus
//     pendingApproval, active and unremediated; and, in about 1% of
//     alerts, one extra "names only" evidence type.
//   - customDetails (an open dictionary) is set for custom detections
//     only; additionalData is never set.
//   - Stored evidence leaves out collections that are always empty (tags,
//     resourceAccessEvents, an empty detailedRoles or loggedOnUsers): the
//     encoder writes absent collections as [], so the wire is the same
//     and 100,000 alerts take less memory. roles, being non-null, is
//     always stored. Alerts and legacy alerts store every collection.
//
// Legacy alerts
//   - vendorInformation: vendor Microsoft; providerVersion and
//     subProvider per provider (Defender ATP 1.0/MicrosoftDefenderATP, ASC
//     3.0/Detection, MCAS 0.1, IPC 2.0, AATP 2.0, Sentinel 1.0/Analytics).
//   - feedback is absent (null) until an analyst closes the alert.
//   - Every collection property is present, [] when empty.
//
// Secure score
//   - controlScores carry the open extras count and total as strings (as
//     the original sample shows them), scoreInPercentage as a number,
//     implementationStatus text and lastSynced as a DateTimeOffset.
//     Deprecated profiles get no control score and do not count towards
//     maxScore, which is the sum of the other profiles' maxScore;
//     currentScore is the sum of the day's control scores.
//   - averageComparativeScores has the bases AllTenants, TotalSeats and
//     IndustryTypes, with a few open extras.
//
// Security actions
//   - status is PascalCase; states record NotStarted, Running and the
//     outcome; completedDateTime is set for Completed and Failed; errorInfo
//     only for Failed. appId is one automation app per tenant.
//
// Content safety
//   - External addresses come only from the documentation ranges
//     192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24; internal ones from
//     10.0.0.0/8. Malicious URLs and mail domains are under .example or
//     .test. Hashes are random hex of the right lengths. Encoded
//     PowerShell decodes to commands that reference reserved domains.
//   - Some titles, comments, file names, tags and mail subjects contain
//     <, >, &, quotes and Japanese text; nothing contains a script
//     element or a javascript: URL.
