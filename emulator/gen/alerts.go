package gen

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/graphsec/graphsec/emulator/model"
	"github.com/graphsec/graphsec/emulator/odata"
)

// catalog is the per-generator, read-only view of the detection
// catalogue: indexes and the []any values that alerts share (categories,
// MITRE techniques, tags), built once so 100,000 alerts do not each
// allocate them.
type catalog struct {
	byKey      map[string]int
	weights    []int
	chains     [][]int
	chainW     []int
	chainTags  [][]string
	categories [][]any
	mitre      [][]any
	tags       [][]any
	detectors  []string
	policies   []string
	encoded    []string
	byPlat     map[string][]*device
	sizes      map[string]int // evidence type -> number of keys it can hold
	types      map[string]any // evidence type -> its @odata.type value
	box        []detBox
	empty      []any
	roles      map[string][]any
	detailed   map[string][]any
}

func (g *Generator) catalog() *catalog {
	if g.cat != nil {
		return g.cat
	}
	c := &catalog{byKey: map[string]int{}, byPlat: map[string][]*device{}, empty: []any{},
		roles: map[string][]any{}, detailed: map[string][]any{}, sizes: map[string]int{}, types: map[string]any{}}
	schema := model.Graph()
	for _, name := range schema.EvidenceTypes {
		t, _ := schema.Evidence.Derived(name)
		short := strings.TrimPrefix(name, "microsoft.graph.security.")
		// Keys actually stored: the declared properties plus @odata.type,
		// less tags, remediationStatusDetails and one optional property
		// that are left out (the encoder writes absent ones as null or
		// []). Sizing to this keeps deviceEvidence in a 32-slot table.
		c.sizes[short] = max(len(t.Properties())-2, 6)
		c.types[short] = t.ODataType()
	}
	for i, d := range detections {
		c.byKey[d.key] = i
		c.weights = append(c.weights, d.weight)
		c.categories = append(c.categories, []any{d.category})
		c.mitre = append(c.mitre, toAny(d.mitre))
		c.tags = append(c.tags, toAny(d.tags))
		c.detectors = append(c.detectors, stableGUID("detector/"+d.key))
		c.policies = append(c.policies, stableGUID("policy/"+d.key))
		c.box = append(c.box, detBox{
			title: d.title, description: d.description, recommended: d.recommended, category: d.category,
			service: d.service, source: d.source, product: productNames[d.service],
			detector: c.detectors[i], policy: c.policies[i], threat: d.threat, family: d.family,
		})
	}
	for _, ch := range chains {
		idx := make([]int, len(ch.keys))
		for i, k := range ch.keys {
			idx[i] = c.byKey[k]
		}
		c.chains = append(c.chains, idx)
		c.chainW = append(c.chainW, ch.weight)
		c.chainTags = append(c.chainTags, ch.tags)
	}
	for _, s := range encodedScripts {
		u := utf16.Encode([]rune(s))
		b := make([]byte, 2*len(u))
		for i, v := range u {
			binary.LittleEndian.PutUint16(b[2*i:], v)
		}
		c.encoded = append(c.encoded, base64.StdEncoding.EncodeToString(b))
	}
	for _, p := range g.env.people {
		c.byPlat[platformOf(p.ws)] = append(c.byPlat[platformOf(p.ws)], p.ws)
	}
	for _, s := range g.env.servers {
		c.byPlat[platformOf(s)] = append(c.byPlat[platformOf(s)], s)
		if s.vm != nil && s.linux {
			c.byPlat[platLinuxSrv] = append(c.byPlat[platLinuxSrv], s)
		}
	}
	for _, r := range []string{"compromised", "attacked", "attacker", "source", "destination", "created", "loaded",
		"commandAndControl", "suspicious", "contextual", "policyViolator", "scanned", "edited", "added"} {
		c.roles[r] = []any{r}
	}
	for _, r := range []string{"Main device", "Referred in command line", "Destination device", "Clicked URL",
		"Source address", "Recipient", "Sign-in address", "Parent process", "Dropped file", "Accessed resource"} {
		c.detailed[r] = []any{r}
	}
	g.cat = c
	return c
}

// detBox holds a detection's constant strings already converted to any:
// storing a string in an Object otherwise allocates its interface header
// for every alert.
type detBox struct {
	title, description, recommended, category, service, source, product any
	detector, policy, threat, family                                    any
}

func platformOf(d *device) string {
	switch {
	case d.server && d.linux:
		return "linuxserver-any"
	case d.server:
		return "winserver-any"
	case d.linux:
		return platLinux
	case d.windows:
		return platWindows
	}
	return platMac
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// stableGUID derives a GUID from a name, the same in every tenant: a
// detector keeps its id whichever data set it appears in, as Microsoft's
// detectors do.
func stableGUID(name string) string {
	h := sha256.Sum256([]byte("graphsec/" + name))
	s := fmt.Sprintf("%x", h[:16])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// dotnetEpoch is 0001-01-01 in .NET ticks relative to the Unix epoch.
const dotnetEpoch = 621355968000000000

// alertID builds an id in the portal's form: a service prefix, the .NET
// ticks of the creation time, and a signed 32-bit suffix.
func (g *Generator) alertID(service string, created time.Time) string {
	prefix := idPrefixes[service]
	if prefix == "" {
		prefix = "da"
	}
	ticks := dotnetTicks(created)
	return g.uniqueID(func() string {
		return prefix + strconv.FormatInt(ticks, 10) + "_" + strconv.FormatInt(int64(int32(g.r.r.Uint32())), 10)
	})
}

// story is the world of one incident: who was attacked, on which
// machines, from where.
type story struct {
	victim    *person
	dev       *device
	server    *device
	dc        *device
	attacker  *extIP
	attacker2 *extIP
	oauth     *oauthApp
	group     *secGroup
	sender    int
	subject   int
	msgID     string
}

func (g *Generator) newStory(platform string) *story {
	e := g.env
	st := &story{}
	// Victims are mostly ordinary employees; admins are targeted too.
	pool := e.employees
	if len(pool) == 0 || g.r.chance(0.12) {
		pool = e.people
	}
	var fits []*person
	for _, p := range pool {
		if platform == "" || platformOf(p.ws) == platform || platform == platLinuxSrv {
			fits = append(fits, p)
		}
	}
	if len(fits) == 0 {
		fits = pool
	}
	st.victim = pick(g.r, fits)
	st.dev = st.victim.ws
	st.server = pick(g.r, e.servers[2:])
	if st.server.linux {
		st.server = e.servers[2+g.r.intn(4)] // a Windows member server
	}
	st.dc = pick(g.r, e.dcs)
	st.attacker = pick(g.r, e.attackers)
	for st.attacker2 == nil || st.attacker2 == st.attacker {
		st.attacker2 = pick(g.r, e.attackers)
	}
	st.oauth = pick(g.r, e.oauth)
	st.group = pick(g.r, e.groups)
	st.sender = g.r.intn(len(mailSenders))
	st.subject = g.r.intn(len(mailSubjects))
	st.msgID = g.r.guid()
	return st
}

// deviceFor returns the device an alert of platform p is about.
func (g *Generator) deviceFor(st *story, p string) *device {
	if p == "" || platformOf(st.dev) == p {
		return st.dev
	}
	c := g.catalog()
	if list := c.byPlat[p]; len(list) > 0 {
		return pick(g.r, list)
	}
	return st.dev
}

// triage is an alert's analyst-facing state.
type triage struct {
	status, classification, determination string
	assignedTo                            string
	investigation                         string
	created, updated, resolved            time.Time
	first, last                           time.Time
	comments                              []any
	autoRemediated                        bool
	// The process an alert is about, drawn once so that every evidence
	// naming it (processEvidence, malwareEvidence.processes) agrees.
	pid, ppid   int64
	parentStart time.Time
}

// Incident plan outcomes.
const (
	outActive = iota
	outResolved
	outAuto
)

var severityRank = map[string]int{"unknown": 0, "informational": 1, "low": 2, "medium": 3, "high": 4}

// alertsAndIncidents generates n alerts grouped into incidents. The first
// incidents walk every chain and then every detection once, so even a
// small data set shows every service source, category and evidence type;
// the rest are drawn at random by weight.
func (g *Generator) alertsAndIncidents(n int) ([]odata.Object, []odata.Object) {
	if n == 0 {
		return []odata.Object{}, []odata.Object{}
	}
	c := g.catalog()
	var plans [][]int
	var planTags [][]string
	covered := make([]bool, len(detections))
	for _, ci := range g.r.perm(len(c.chains)) {
		plans = append(plans, c.chains[ci])
		planTags = append(planTags, c.chainTags[ci])
		for _, d := range c.chains[ci] {
			covered[d] = true
		}
	}
	for _, di := range g.r.perm(len(detections)) {
		if !covered[di] {
			plans = append(plans, []int{di})
			planTags = append(planTags, nil)
		}
	}
	alerts := make([]odata.Object, 0, n)
	type inc struct {
		obj     odata.Object
		alerts  []odata.Object
		created time.Time
	}
	var incs []*inc
	for p := 0; len(alerts) < n; p++ {
		var seq []int
		var tags []string
		if p < len(plans) {
			seq, tags = plans[p], planTags[p]
		} else {
			seq, tags = g.drawSequence()
		}
		if rem := n - len(alerts); len(seq) > rem {
			seq = seq[:rem]
		}
		group := g.incidentAlerts(seq)
		obj := g.incidentObject(group, tags)
		incs = append(incs, &inc{obj: obj, alerts: group, created: obj["createdDateTime"].(odata.Time).Time})
		alerts = append(alerts, group...)
	}
	// Incident ids are numeric and grow with creation time, like the
	// portal's.
	slices.SortStableFunc(incs, func(a, b *inc) int { return a.created.Compare(b.created) })
	id := int64(g.r.between(20000, 90000))
	for _, in := range incs {
		id += int64(g.r.between(1, 23))
		sid := any(strconv.FormatInt(id, 10))
		url := any("https://security.microsoft.com/incidents/" + sid.(string) + "?tid=" + g.env.tenantID)
		in.obj["id"] = sid
		in.obj["incidentWebUrl"] = url
		for _, a := range in.alerts {
			a["incidentId"] = sid
			a["incidentWebUrl"] = url
		}
	}
	g.nextIncident = id + 1
	incidents := make([]odata.Object, len(incs))
	for i, in := range incs {
		incidents[i] = in.obj
	}
	sortNewestFirst(incidents, "createdDateTime")
	sortNewestFirst(alerts, "createdDateTime")
	return alerts, incidents
}

// drawSequence picks the detections of one incident: a single detection
// for about half of them, otherwise the first stages of a chain.
func (g *Generator) drawSequence() ([]int, []string) {
	c := g.catalog()
	k := 1 + g.r.weighted([]int{46, 22, 13, 9, 6, 4})
	if k == 1 {
		return []int{g.r.weighted(c.weights)}, nil
	}
	for {
		ci := g.r.weighted(c.chainW)
		ch := c.chains[ci]
		if len(ch) >= k {
			return ch[:k], c.chainTags[ci]
		}
		if g.r.chance(0.3) {
			// The same detection on several machines ("... on multiple endpoints").
			d := ch[len(ch)-1]
			seq := slices.Clone(ch)
			for len(seq) < k {
				seq = append(seq, d)
			}
			return seq, c.chainTags[ci]
		}
	}
}

// sortNewestFirst orders objects by a time property, newest first, ties
// broken by id (descending) so the order is total and deterministic. The
// keys are read once: comparing through map lookups dominated the cost of
// sorting 100,000 alerts.
func sortNewestFirst(objs []odata.Object, key string) {
	type sortKey struct {
		t  time.Time
		id string
		o  odata.Object
	}
	keys := make([]sortKey, len(objs))
	for i, o := range objs {
		t, _ := o[key].(odata.Time)
		id, _ := o["id"].(string)
		keys[i] = sortKey{t.Time, id, o}
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		if c := b.t.Compare(a.t); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	for i := range keys {
		objs[i] = keys[i].o
	}
}

// dotnetTicks is t in .NET ticks (100 ns since 0001-01-01), the number in
// the portal's alert ids. Unlike UnixNano it does not overflow after 2262.
func dotnetTicks(t time.Time) int64 {
	return t.Unix()*10_000_000 + int64(t.Nanosecond()/100) + dotnetEpoch
}

// incidentAlerts builds the alerts of one incident in chronological order,
// with times, triage and evidence consistent across them.
func (g *Generator) incidentAlerts(seq []int) []odata.Object {
	now := g.now
	platform := ""
	for _, di := range seq {
		if p := detections[di].platform; p != "" {
			platform = p
			break
		}
	}
	st := g.newStory(platform)

	// Times: the attack starts somewhere in the last 29 days and each
	// stage follows the previous one by minutes to hours.
	k := len(seq)
	tr := make([]triage, k)
	start := now.Add(-g.r.dur(20*time.Minute, 29*24*time.Hour))
	off := time.Duration(0)
	var lastCreated time.Time
	for j := range tr {
		if j > 0 {
			off += g.r.dur(2*time.Minute, 4*time.Hour)
		}
		tr[j].first = start.Add(off)
		tr[j].last = tr[j].first.Add(g.r.dur(0, 40*time.Minute))
		tr[j].created = tr[j].last.Add(g.r.dur(20*time.Second, 25*time.Minute))
		if tr[j].created.After(lastCreated) {
			lastCreated = tr[j].created
		}
	}
	if limit := now.Add(-g.r.dur(time.Minute, 12*time.Minute)); lastCreated.After(limit) {
		shift := lastCreated.Sub(limit)
		for j := range tr {
			tr[j].first, tr[j].last, tr[j].created = tr[j].first.Add(-shift), tr[j].last.Add(-shift), tr[j].created.Add(-shift)
		}
		lastCreated = limit
	}
	age := now.Sub(lastCreated)

	// Outcome: old incidents are mostly closed, recent ones mostly open.
	pResolved := 0.1
	switch {
	case age > 7*24*time.Hour:
		pResolved = 0.85
	case age > 48*time.Hour:
		pResolved = 0.6
	case age > 12*time.Hour:
		pResolved = 0.3
	}
	outcome := outActive
	if age > 15*time.Minute && g.r.chance(pResolved) {
		outcome = outResolved
		if g.r.chance(0.12) && allAIR(seq) {
			outcome = outAuto
		}
	}
	var assignee string
	analysts := g.env.analysts
	if outcome == outResolved || (age > 30*time.Minute && g.r.chance(0.5)) {
		assignee = pick(g.r, analysts).u.UserPrincipalName
	}
	classification, sharedDet := "unknown", ""
	if outcome == outResolved {
		switch g.r.weighted([]int{52, 24, 24}) {
		case 0:
			classification = "truePositive"
		case 1:
			classification = "informationalExpectedActivity"
			sharedDet = pick(g.r, []string{"securityTesting", "lineOfBusinessApplication", "confirmedActivity", "securityPersonnel"})
		default:
			classification = "falsePositive"
			sharedDet = pick(g.r, []string{"notMalicious", "notMalicious", "notEnoughDataToValidate", "other"})
		}
	}
	var resolveAt time.Time
	if outcome != outActive {
		resolveAt = lastCreated.Add(g.r.dur(10*time.Minute, min(age, 6*24*time.Hour)))
	}

	out := make([]odata.Object, k)
	for j, di := range seq {
		d := &detections[di]
		t := &tr[j]
		t.assignedTo = assignee
		switch outcome {
		case outResolved, outAuto:
			t.status = "resolved"
			t.resolved = minTime(resolveAt.Add(g.r.dur(0, 5*time.Second)), now)
			t.updated = t.resolved
			t.classification = classification
			switch {
			case classification == "truePositive":
				t.determination = d.determination
			case sharedDet != "":
				t.determination = sharedDet
			default:
				t.determination = "unknown"
			}
			t.autoRemediated = outcome == outAuto
		default:
			ageJ := now.Sub(t.created)
			if j < k-1 && ageJ > time.Hour && g.r.chance(0.15) {
				// An early stage closed on its own while the incident stays open.
				t.status, t.classification, t.determination = "resolved", "truePositive", d.determination
				t.resolved = t.created.Add(g.r.dur(5*time.Minute, ageJ))
				t.updated = t.resolved
				if t.assignedTo == "" {
					t.assignedTo = pick(g.r, analysts).u.UserPrincipalName
				}
			} else {
				t.classification, t.determination = "unknown", "unknown"
				if assignee != "" && g.r.chance(0.6) {
					t.status = "inProgress"
					t.updated = t.created.Add(g.r.dur(time.Minute, min(ageJ, 48*time.Hour)))
				} else {
					t.status = "new"
					t.updated = minTime(t.created.Add(g.r.dur(0, 2*time.Minute)), now)
				}
			}
		}
		t.investigation = g.investigationState(d, t)
		t.comments = g.alertComments(t)
		out[j] = g.buildAlert(di, st, t)
	}
	return out
}

// allAIR reports whether automated investigation covers every detection
// (endpoint and email alerts), so the incident may have closed itself.
func allAIR(seq []int) bool {
	for _, di := range seq {
		if s := detections[di].service; s != svcMDE && s != svcMDO {
			return false
		}
	}
	return true
}

func minTime(a, b time.Time) time.Time {
	if a.After(b) {
		return b
	}
	return a
}

func (g *Generator) investigationState(d *detection, t *triage) string {
	if d.service != svcMDE && d.service != svcMDO {
		return "unsupportedAlertType"
	}
	switch {
	case t.autoRemediated:
		return "successfullyRemediated"
	case t.status == "resolved" && t.classification == "truePositive":
		return pick(g.r, []string{"successfullyRemediated", "partiallyRemediated", "terminatedByUser", "successfullyRemediated"})
	case t.status == "resolved":
		return pick(g.r, []string{"benign", "benign", "terminatedBySystem"})
	case t.status == "inProgress":
		return pick(g.r, []string{"pendingApproval", "running", "partiallyRemediated"})
	}
	return pick(g.r, []string{"running", "queued", "pendingApproval", "partiallyInvestigated"})
}

// analystComments are what analysts write, by the alert's outcome. Some
// carry markup-like text, quotes, ampersands and Japanese, which every
// consumer must escape and render.
var analystComments = map[string][]string{
	"open": {
		"Device isolated; collecting an investigation package.",
		"Escalated to tier 2.",
		"調査中: 影響範囲を確認しています。",
		"Looks related to last week's phishing campaign, linking for context.",
		"Waiting for the user to call back before closing.",
		`User confirmed they clicked the link "to see the invoice".`,
	},
	"truePositive": {
		"Checked with the user: they did not recognise the sign-in. Password reset & sessions revoked.",
		"Hash added to the block list; no other devices affected.",
		"Mailbox rule removed and the user's manager informed.",
		`User confirmed they clicked the link "to see the invoice".`,
		"封じ込め完了。パスワードをリセットしました。",
	},
	"falsePositive": {
		"False positive: the scheduled task belongs to the <BackupAgent> service.",
		"Benign: the download was a signed vendor update.",
	},
	"informationalExpectedActivity": {
		"Red team exercise (ticket SEC-2231): expected activity.",
		"Known line-of-business tool; exclusion requested.",
		"Admin testing a new Conditional Access policy & break-glass account.",
	},
	"unknown": {"Closed without classification after the user left the company."},
}

// commentPool returns the comments that fit an alert's state.
func commentPool(status, classification string) []string {
	if status != "resolved" {
		return analystComments["open"]
	}
	if p, ok := analystComments[classification]; ok {
		return p
	}
	return analystComments["unknown"]
}

var resolvingComments = map[string][]string{
	"truePositive": {"Confirmed malicious. Contained, credentials reset, IOCs blocked.",
		"True positive: phishing → credential theft. User retrained; MFA re-registered."},
	"falsePositive": {"False positive after review; detection tuning requested.",
		"Benign: software update behaviour. Closing."},
	"informationalExpectedActivity": {"Expected activity (authorised test).", "Admin activity confirmed with the change ticket."},
	"unknown":                       {"Closed by automated investigation: threats remediated."},
}

func (g *Generator) alertComments(t *triage) []any {
	p := 0.05
	switch t.status {
	case "resolved":
		p = 0.35
	case "inProgress":
		p = 0.3
	}
	if t.autoRemediated || !g.r.chance(p) {
		return g.cat.empty
	}
	author := t.assignedTo
	if author == "" {
		author = pick(g.r, g.env.analysts).u.UserPrincipalName
	}
	n := g.r.between(1, 3)
	end := t.updated
	if !end.After(t.created) {
		end = t.created.Add(time.Second)
	}
	times := make([]time.Time, n)
	for i := range times {
		times[i] = t.created.Add(g.r.dur(0, end.Sub(t.created)))
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	out := make([]any, n)
	for i := range out {
		out[i] = odata.Object{"comment": pick(g.r, commentPool(t.status, t.classification)), "createdByDisplayName": author, "createdDateTime": at(times[i])}
	}
	return out
}

// buildAlert assembles one alerts_v2 alert. incidentId and
// incidentWebUrl are set by the caller once incident ids are known.
func (g *Generator) buildAlert(di int, st *story, t *triage) odata.Object {
	d := &detections[di]
	c := g.catalog()
	id := g.alertID(d.service, t.created)
	sev := pick(g.r, d.sev)
	a := make(odata.Object, 40)
	a["@odata.type"] = "#microsoft.graph.security.alert" // polymorphic entity: Graph always writes it
	a["id"] = id
	if d.service == svcMDE || d.service == svcXDR {
		a["providerAlertId"] = id
	} else {
		a["providerAlertId"] = g.r.guid()
	}
	b := &c.box[di]
	a["tenantId"] = g.env.tenantAny
	a["serviceSource"] = b.service
	a["detectionSource"] = b.source
	a["productName"] = b.product
	a["detectorId"] = b.detector
	if d.policy {
		a["alertPolicyId"] = b.policy
	}
	a["title"] = b.title
	a["description"] = b.description
	a["recommendedActions"] = b.recommended
	a["category"] = b.category
	a["categories"] = c.categories[di]
	a["mitreTechniques"] = c.mitre[di]
	a["systemTags"] = c.tags[di]
	a["severity"] = sev
	a["status"] = t.status
	a["classification"] = t.classification
	a["determination"] = t.determination
	a["investigationState"] = t.investigation
	if t.assignedTo != "" {
		a["assignedTo"] = t.assignedTo
	}
	a["alertWebUrl"] = "https://security.microsoft.com/alerts/" + id + "?tid=" + g.env.tenantID
	created := any(at(t.created)) // boxed once, shared with the evidence
	a["createdDateTime"] = created
	a["lastUpdateDateTime"] = at(t.updated)
	a["firstActivityDateTime"] = at(t.first)
	a["lastActivityDateTime"] = at(t.last)
	if t.status == "resolved" {
		a["resolvedDateTime"] = at(t.resolved)
	}
	a["comments"] = t.comments
	if d.threat != "" {
		a["threatDisplayName"] = b.threat
		a["threatFamilyName"] = b.family
	}
	if d.source == "customDetection" {
		a["customDetails"] = odata.Object{"RuleOwner": "SOC", "MatchCount": int64(g.r.between(1, 14))}
	}
	a["evidence"] = g.evidence(d, st, t, sev, created)
	return a
}

// evidence builds the typed evidence of an alert: the detection's slots,
// and rarely one more of a type a client may not know (it must keep it).
func (g *Generator) evidence(d *detection, st *story, t *triage, sev string, created any) []any {
	n := len(d.evidence)
	extra := g.r.chance(0.01) && n < 6
	if extra {
		n++
	}
	out := make([]any, 0, n)
	dev := g.deviceFor(st, d.platform)
	if slices.Contains(d.evidence, evServer) && !slices.Contains(d.evidence, evDevice) {
		dev = st.server // the activity ran on the server the attacker reached
	}
	for _, slot := range d.evidence {
		out = append(out, g.evidenceItem(slot, d, st, t, dev, created, sev))
	}
	if extra {
		out = append(out, g.evBase(pick(g.r, []string{"hostLogonSessionEvidence", "nicEvidence", "teamsMessageEvidence",
			"servicePrincipalEvidence", "mailboxConfigurationEvidence"}), created, "unknown", "none", "contextual", ""))
	}
	return out
}

// evBase starts an evidence object with the base properties.
func (g *Generator) evBase(typ string, created any, verdict, remediation, role, detailed string) odata.Object {
	c := g.catalog()
	o := make(odata.Object, c.sizes[typ])
	o["@odata.type"] = c.types[typ]
	o["createdDateTime"] = created
	o["verdict"] = verdict
	o["remediationStatus"] = remediation
	// roles is non-null, so it is stored even when empty; empty tags and
	// detailedRoles are left out, as the encoder writes them as [].
	if role == "" {
		o["roles"] = c.empty
	} else {
		o["roles"] = c.roles[role]
	}
	if detailed != "" {
		o["detailedRoles"] = c.detailed[detailed]
	}
	return o
}

// verdicts returns the verdict and remediation status for the alert's
// main artefacts (files, processes, URLs...).
func (g *Generator) verdicts(d *detection, t *triage) (string, string) {
	verdict := "malicious"
	switch {
	case t.status == "resolved" && t.classification == "falsePositive":
		verdict = "noThreatsFound"
	case t.status == "resolved" && t.classification == "informationalExpectedActivity":
		verdict = "suspicious"
	case t.status != "resolved" && d.source != "antivirus" && g.r.chance(0.4):
		verdict = "suspicious"
	}
	rem := "none"
	switch {
	case t.autoRemediated:
		rem = "remediated"
	case d.source == "antivirus":
		rem = pick(g.r, []string{"prevented", "remediated", "blocked"})
	case t.investigation == "pendingApproval":
		rem = "pendingApproval" // evolvable
	case t.status == "resolved" && t.classification == "truePositive" && g.r.chance(0.5):
		rem = "remediated"
	case t.status != "resolved" && g.r.chance(0.04):
		rem = pick(g.r, []string{"active", "unremediated"}) // evolvable
	}
	return verdict, rem
}

var severityToRisk = map[string]string{"high": "high", "medium": "medium", "low": "low", "informational": "informational"}

func (g *Generator) evidenceItem(slot ev, d *detection, st *story, t *triage, dev *device, created any, sev string) odata.Object {
	e := g.env
	verdict, rem := g.verdicts(d, t)
	switch slot {
	case evUser:
		o := g.evBase("userEvidence", created, "suspicious", "none", "compromised", "")
		o["userAccount"] = st.victim.account
		return o
	case evDevice, evServer, evDC:
		target, detailed := dev, "Main device"
		if slot == evServer {
			target, detailed = st.server, "Destination device"
		} else if slot == evDC {
			target, detailed = st.dc, "Destination device"
		}
		role := "compromised"
		if slot != evDevice {
			role = "attacked"
		}
		drem := "none"
		if rem == "active" || rem == "pendingApproval" {
			drem = rem
		}
		o := g.evBase("deviceEvidence", created, "suspicious", drem, role, detailed)
		g.deviceFields(o, target, sev)
		return o
	case evFile:
		f := e.file(g.r, d.file, st.victim)
		o := g.evBase("fileEvidence", created, verdict, rem, "created", "Dropped file")
		o["fileDetails"] = f.details
		o["detectionStatus"] = detectionStatus(d, rem)
		if d.platform != "" {
			o["mdeDeviceId"] = dev.mdeID
		}
		return o
	case evProcess:
		o := g.evBase("processEvidence", created, verdict, rem, "", "")
		g.processFields(o, d, st, t, dev)
		return o
	case evIP, evIP2:
		ip := st.attacker
		if slot == evIP2 {
			ip = st.attacker2
		}
		o := g.evBase("ipEvidence", created, verdict, "none", "attacker", "Sign-in address")
		ipFields(o, ip)
		return o
	case evURL:
		o := g.evBase("urlEvidence", created, verdict, rem, "", "Referred in command line")
		if d.url == "phish" || d.url == "smartscreen" {
			o["detailedRoles"] = g.cat.detailed["Clicked URL"]
		}
		o["url"] = pick(g.r, urlSets[d.url])
		return o
	case evMailbox:
		o := g.evBase("mailboxEvidence", created, "suspicious", "none", "destination", "Recipient")
		u := st.victim.u
		o["displayName"] = u.DisplayName
		o["primaryAddress"] = u.Mail
		o["upn"] = u.UserPrincipalName
		o["userAccount"] = st.victim.account
		return o
	case evMessage:
		o := g.evBase("analyzedMessageEvidence", created, verdict, rem, "", "")
		g.messageFields(o, d, st, t)
		return o
	case evRegKey:
		o := g.evBase("registryKeyEvidence", created, verdict, rem, "", "")
		o["registryHive"] = "HKEY_CURRENT_USER"
		o["registryKey"] = `Software\Microsoft\Windows\CurrentVersion\Run`
		return o
	case evRegValue:
		f := e.file(g.r, "persist", st.victim)
		o := g.evBase("registryValueEvidence", created, verdict, rem, "", "")
		o["mdeDeviceId"] = dev.mdeID
		o["registryHive"] = "HKEY_CURRENT_USER"
		o["registryKey"] = `Software\Microsoft\Windows\CurrentVersion\Run`
		o["registryValueName"] = "OneDrive Update Helper"
		o["registryValue"] = `"` + f.path + `\` + f.name + `" --silent`
		o["registryValueType"] = "String"
		return o
	case evCloudApp:
		app := cloudApps[d.app]
		o := g.evBase("cloudApplicationEvidence", created, "noThreatsFound", "none", "contextual", "Accessed resource")
		o["appId"] = app.id
		o["saasAppId"] = app.id
		o["displayName"] = app.name
		o["instanceId"] = int64(0)
		o["instanceName"] = app.name
		return o
	case evOAuth:
		o := g.evBase("oauthApplicationEvidence", created, verdict, rem, "", "")
		o["appId"] = st.oauth.appID
		o["displayName"] = st.oauth.name
		o["objectId"] = st.oauth.objectID
		o["publisher"] = st.oauth.publisher
		return o
	case evMalware:
		o := g.evBase("malwareEvidence", created, "malicious", rem, "", "")
		o["name"] = d.threat
		o["category"] = strings.SplitN(d.threat, ":", 2)[0]
		f := g.evidenceItem(evFile, d, st, t, dev, created, sev)
		o["files"] = []any{f}
		if d.proc != "" {
			o["processes"] = []any{g.evidenceItem(evProcess, d, st, t, dev, created, sev)}
		} else {
			o["processes"] = g.cat.empty
		}
		return o
	case evNetConn:
		o := g.evBase("networkConnectionEvidence", created, verdict, rem, "", "")
		src := g.evBase("ipEvidence", created, "unknown", "none", "source", "Source address")
		src["ipAddress"] = dev.ip
		dst := g.evBase("ipEvidence", created, verdict, "none", "commandAndControl", "")
		ipFields(dst, st.attacker)
		o["sourceAddress"] = src
		o["destinationAddress"] = dst
		o["sourcePort"] = int64(g.r.between(49152, 65535))
		o["destinationPort"] = int64(pick(g.r, []int{443, 443, 8443, 80}))
		o["protocol"] = "tcp"
		return o
	case evGroup:
		o := g.evBase("securityGroupEvidence", created, "suspicious", "none", "edited", "")
		o["activeDirectoryObjectGuid"] = st.group.guid
		o["displayName"] = st.group.name
		o["friendlyName"] = st.group.name
		o["distinguishedName"] = st.group.dn
		o["securityGroupId"] = st.group.guid
		o["sid"] = st.group.sid
		return o
	case evDNS:
		o := g.evBase("dnsEvidence", created, verdict, "none", "", "")
		server := g.evBase("ipEvidence", created, "unknown", "none", "contextual", "")
		server["ipAddress"] = st.dc.ip
		host := g.evBase("ipEvidence", created, "unknown", "none", "source", "")
		host["ipAddress"] = dev.ip
		resolved := g.evBase("ipEvidence", created, verdict, "none", "commandAndControl", "")
		ipFields(resolved, st.attacker)
		o["dnsServerIp"] = server
		o["hostIpAddress"] = host
		o["ipAddresses"] = []any{resolved}
		o["domainName"] = pick(g.r, []string{"cdn-updates.example", "telemetry-sync.test", "static-content-cache.example"})
		return o
	case evFileHash:
		f := e.file(g.r, d.file, st.victim)
		o := g.evBase("fileHashEvidence", created, verdict, rem, "", "")
		o["algorithm"] = "sha256"
		o["value"] = f.sha256
		return o
	case evMailCluster:
		s := mailSenders[st.sender]
		o := g.evBase("mailClusterEvidence", created, verdict, rem, "", "")
		n := g.r.between(2, 6)
		ids := make([]any, n)
		for i := range ids {
			ids[i] = g.r.guid()
		}
		domain := s.address[strings.IndexByte(s.address, '@')+1:]
		o["clusterBy"] = "Subject;P2SenderDomain"
		o["clusterByValue"] = mailSubjects[st.subject] + ";" + domain
		o["emailCount"] = int64(n)
		o["networkMessageIds"] = ids
		o["query"] = `(Subject:"` + mailSubjects[st.subject] + `") AND (P2SenderDomain:"` + domain + `")`
		o["urn"] = "urn:MailCluster:" + g.r.hex(32)
		return o
	case evAzureResource:
		return g.evBase("azureResourceEvidence", created, verdict, "none", "attacked", "")
	case evBlobContainer:
		return g.evBase("blobContainerEvidence", created, verdict, "none", "attacked", "")
	case evLogonSession:
		return g.evBase("cloudLogonSessionEvidence", created, "suspicious", "none", "contextual", "")
	}
	return g.evBase("userEvidence", created, "unknown", "none", "", "")
}

func detectionStatus(d *detection, rem string) string {
	switch {
	case rem == "prevented":
		return "prevented"
	case rem == "blocked":
		return "blocked"
	}
	return "detected"
}

func ipFields(o odata.Object, ip *extIP) {
	o["ipAddress"] = ip.ip
	o["countryLetterCode"] = ip.country
	o["location"] = ip.location
}

func (g *Generator) deviceFields(o odata.Object, d *device, sev string) {
	e := g.env
	o["azureAdDeviceId"] = d.aadID
	o["mdeDeviceId"] = d.mdeID
	o["deviceDnsName"] = d.fqdn
	o["hostName"] = d.host
	o["dnsDomain"] = e.adDomain
	o["firstSeenDateTime"] = d.firstSeen
	o["healthStatus"] = "active"
	o["onboardingStatus"] = "onboarded"
	o["osPlatform"] = d.osPlatform
	o["version"] = d.version
	if d.osBuild != 0 {
		o["osBuild"] = d.osBuild
	}
	if d.windows {
		o["ntDomain"] = e.netbios
		o["defenderAvStatus"] = "updated"
	} else {
		o["defenderAvStatus"] = "notSupported"
	}
	o["ipInterfaces"] = d.ipInterfaces
	o["lastIpAddress"] = d.ip
	o["lastExternalIpAddress"] = e.egress[0].ip
	if strings.HasPrefix(d.ip, "10.2.") {
		o["lastExternalIpAddress"] = e.egress[1].ip
	}
	if d.loggedOnShared != nil {
		o["loggedOnUsers"] = d.loggedOnShared
	}
	o["rbacGroupId"] = d.rbacGroupID
	o["rbacGroupName"] = d.rbacGroup
	o["riskScore"] = severityToRisk[sev]
	if d.vm != nil {
		o["vmMetadata"] = d.vm
	}
}

func (g *Generator) processFields(o odata.Object, d *detection, st *story, t *triage, dev *device) {
	e := g.env
	spec, ok := processSpecs[d.proc]
	if !ok {
		spec = processSpecs["encodedps"]
	}
	var image *fileInfo
	if spec.imageDropped {
		image = e.file(g.r, d.file, st.victim)
	} else {
		image = e.sysFiles[spec.image]
	}
	parent := e.sysFiles[spec.parent]
	cmd := spec.cmd
	if strings.Contains(cmd, "{") {
		var target string
		if d.file != "" {
			f := e.file(g.r, d.file, st.victim)
			sep := `\`
			if strings.HasPrefix(f.path, "/") {
				sep = "/"
			}
			target = f.path + sep + f.name
		}
		url := ""
		if d.url != "" {
			url = pick(g.r, urlSets[d.url])
		}
		if strings.Contains(cmd, "{enc}") {
			cmd = strings.ReplaceAll(cmd, "{enc}", pick(g.r, g.cat.encoded))
		}
		cmd = strings.ReplaceAll(strings.ReplaceAll(cmd, "{file}", target), "{url}", url)
	}
	o["imageFile"] = image.details
	o["parentProcessImageFile"] = parent.details
	o["processCommandLine"] = cmd
	if t.pid == 0 {
		t.pid, t.ppid = int64(g.r.between(400, 32000)), int64(g.r.between(400, 32000))
		t.parentStart = t.first.Add(-g.r.dur(time.Second, 3*time.Hour))
	}
	o["processId"] = t.pid
	o["parentProcessId"] = t.ppid
	o["processCreationDateTime"] = at(t.first)
	o["parentProcessCreationDateTime"] = at(t.parentStart)
	o["userAccount"] = st.victim.account
	o["mdeDeviceId"] = dev.mdeID
	o["detectionStatus"] = "detected"
}

func (g *Generator) messageFields(o odata.Object, d *detection, st *story, t *triage) {
	s := mailSenders[st.sender]
	domain := s.address[strings.IndexByte(s.address, '@')+1:]
	sender := odata.Object{"displayName": s.name, "domainName": domain, "emailAddress": s.address}
	o["antiSpamDirection"] = "Inbound"
	o["deliveryAction"] = "Delivered"
	o["deliveryLocation"] = "Inbox/folder"
	if d.key == "mdo.zapurl" || d.key == "mdo.zapfile" {
		o["deliveryLocation"] = "Quarantine"
	}
	if d.key == "xdr.bec" || d.key == "dlp.email" {
		// Outbound mail from the compromised (or careless) user.
		o["antiSpamDirection"] = "Outbound"
		u := st.victim.u
		sender = odata.Object{"displayName": u.DisplayName, "domainName": g.env.domain, "emailAddress": u.Mail}
		o["recipientEmailAddress"] = s.address
	} else {
		o["recipientEmailAddress"] = st.victim.u.Mail
	}
	o["p1Sender"] = sender
	o["p2Sender"] = sender
	o["internetMessageId"] = "<" + st.msgID[:18] + "@" + domain + ">"
	o["networkMessageId"] = st.msgID
	o["language"] = "en"
	subject := mailSubjects[st.subject]
	if strings.HasPrefix(subject, "【") {
		o["language"] = "ja"
	}
	o["subject"] = subject
	o["receivedDateTime"] = at(t.first)
	o["senderIp"] = st.attacker.ip
	var urls []any
	if d.url != "" {
		urls = []any{pick(g.r, urlSets[d.url])}
	} else {
		urls = g.cat.empty
	}
	o["urls"] = urls
	o["urlCount"] = int64(len(urls))
	attachments := int64(0)
	if d.file != "" {
		attachments = 1
	}
	o["attachmentsCount"] = attachments
	switch {
	case d.file != "":
		o["threats"] = []any{"Malware"}
		o["threatDetectionMethods"] = []any{"File detonation", "Antimalware protection"}
	case d.url != "":
		o["threats"] = []any{"Phish"}
		o["threatDetectionMethods"] = []any{"URL detonation reputation"}
	default:
		o["threats"] = g.cat.empty
		o["threatDetectionMethods"] = g.cat.empty
	}
	o["urn"] = "urn:MailEntity:" + strings.ReplaceAll(st.msgID, "-", "")
}
