package page

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
)

// Triage: what an analyst sets on an alert or an incident (status,
// classification and determination, the assignee, a comment), as the
// Defender portal's "Manage alert" and "Manage incident" panes offer it.
// Alerts and incidents share the classification and determination
// enums, so they share the way the panes group them, check them and show
// what a change did.

// TriageForm is the fields a triage pane's form shares: preselected with
// the item's values, or with what the user submitted when Graph refused
// it (see the "triagefields" and "commentfield" partials).
type TriageForm struct {
	Action string
	Status []Choice
	// Triage is the classification select: each classification with the
	// determinations that explain it, as the Defender portal groups them.
	Triage []ChoiceGroup
	// KeepStatus and KeepTriage name the item's current values when the
	// form does not offer them (the first, "keep" option), so saving never
	// changes them by accident.
	KeepStatus, KeepTriage string
	AssignedTo, Comment    string
	CommentMax             int
	Me                     string
	// From, I and N carry the queue view through the post (ListRef.Carry).
	From, I, N string
}

// TriageChange is what a triage form (or a manage page) asks for: the
// fields named after the properties, as typed. Empty fields leave the
// property as it is; Comment is kept as typed.
type TriageChange struct {
	Status, Classification, Determination, AssignedTo, Comment string
	AssignToMe, Unassign                                       bool
}

// Empty reports a change that asks for no property.
func (ch TriageChange) Empty() bool {
	return ch.Status == "" && ch.Classification == "" && ch.Determination == "" && ch.AssignedTo == "" && !ch.AssignToMe && !ch.Unassign
}

// ReadTriageChange reads a triage form. The triage pane sends
// classification and determination as one value ("truePositive:malware"),
// and its assignee field as it stands (assign=exact: an emptied field
// unassigns).
func ReadTriageChange(form url.Values) TriageChange {
	ch := TriageChange{
		Status:         strings.TrimSpace(form.Get("status")),
		Classification: strings.TrimSpace(form.Get("classification")),
		Determination:  strings.TrimSpace(form.Get("determination")),
		AssignedTo:     strings.TrimSpace(form.Get("assignedTo")),
		Comment:        form.Get("comment"),
		AssignToMe:     form.Get("assignToMe") != "",
		Unassign:       form.Get("unassign") != "",
	}
	if t := strings.TrimSpace(form.Get("triage")); t != "" {
		ch.Classification, ch.Determination = SplitTriage(t)
	}
	if form.Get("assign") == "exact" && form.Has("assignedTo") && ch.AssignedTo == "" && !ch.AssignToMe {
		ch.Unassign = true
	}
	return ch
}

// Check refuses a status not in statuses, a classification or
// determination graphsec does not offer (so unknownFutureValue and typos
// are refused before Graph sees them), an assignee that is not one line of
// text, and both "Assign to me" and "Unassign".
func (ch TriageChange) Check(statuses []string) error {
	for _, e := range []struct {
		field   Msg
		v       string
		allowed []string
	}{{T("field.status"), ch.Status, statuses}, {T("field.classification"), ch.Classification, Strings(graph.AlertClassifications())},
		{T("field.determination"), ch.Determination, Strings(graph.AlertDeterminations())}} {
		if err := CheckEnum(e.field, e.v, e.allowed); err != nil {
			return err
		}
	}
	if _, err := Text(T("field.assignedTo"), ch.AssignedTo, MaxText); err != nil {
		return err
	}
	if ch.AssignToMe && ch.Unassign {
		return BadInput(T("triage.assignAndUnassign"))
	}
	return nil
}

// Assignment is the assignedTo a change sends, given the item's assignee
// before and the user's principal name: unset when it stays, cleared to
// unassign. "Assign to me" wins over the typed assignee (the button is
// what was pressed), and "Unassign" over the text field. noUPN is the
// message when the user's principal name is not known.
func (ch TriageChange) Assignment(before, me string, noUPN Msg) (graph.Optional[string], error) {
	switch {
	case ch.Unassign:
		if before != "" {
			return graph.Clear[string](), nil
		}
	case ch.AssignToMe:
		if me == "" {
			return graph.Optional[string]{}, BadInput(noUPN)
		}
		if me != before {
			return graph.Some(me), nil
		}
	case ch.AssignedTo != "" && ch.AssignedTo != before:
		return graph.Some(ch.AssignedTo), nil
	}
	return graph.Optional[string]{}, nil
}

// Triage is the classification and determination a change sends (each
// unset when it stays), checked to fit together with what stays.
func (ch TriageChange) Triage(cl graph.AlertClassification, d graph.AlertDetermination) (graph.Optional[graph.AlertClassification], graph.Optional[graph.AlertDetermination], error) {
	var oc graph.Optional[graph.AlertClassification]
	var od graph.Optional[graph.AlertDetermination]
	if ch.Classification != "" && ch.Classification != string(cl) {
		oc, cl = graph.Some(graph.AlertClassification(ch.Classification)), graph.AlertClassification(ch.Classification)
	}
	if ch.Determination != "" && ch.Determination != string(d) {
		od, d = graph.Some(graph.AlertDetermination(ch.Determination)), graph.AlertDetermination(ch.Determination)
	}
	if oc.IsZero() && od.IsZero() {
		return oc, od, nil
	}
	return oc, od, CheckTriage(cl, d)
}

// Severities are the severities a queue filters on, most severe first;
// nobody looks for the "unknown" severity.
func Severities() []string {
	sev := graph.AlertSeverities()
	slices.Reverse(sev)
	return Strings(Without(sev, graph.AlertSeverityUnknown))
}

// DescribeTriage labels recorded values of an alert's or an incident's
// properties for the activity log, S being its status type.
func DescribeTriage[S ~string](L *i18n.Printer) Describe {
	return func(prop, raw string) string {
		switch prop {
		case "status":
			return L.Label(S(raw))
		case "severity":
			return L.Label(graph.AlertSeverity(raw))
		case "classification":
			return L.Label(graph.AlertClassification(raw))
		case "determination":
			return L.Label(graph.AlertDetermination(raw))
		}
		return ""
	}
}

// DetermGroup is the determinations that explain one classification.
type DetermGroup struct {
	Class  graph.AlertClassification // "" for the group that fits any
	Values []graph.AlertDetermination
}

// DeterminationGroups pairs determinations with the classification they
// explain, as the Defender portal offers them (Graph gives the members;
// the pairing is the portal's). "other" and "unknown" fit any
// classification.
func DeterminationGroups() []DetermGroup {
	return []DetermGroup{
		{graph.AlertClassificationTruePositive, []graph.AlertDetermination{
			graph.AlertDeterminationMultiStagedAttack, graph.AlertDeterminationMaliciousUserActivity, graph.AlertDeterminationCompromisedAccount,
			graph.AlertDeterminationMalware, graph.AlertDeterminationPhishing, graph.AlertDeterminationUnwantedSoftware, graph.AlertDeterminationApt}},
		{graph.AlertClassificationInformationalExpectedActivity, []graph.AlertDetermination{
			graph.AlertDeterminationSecurityTesting, graph.AlertDeterminationLineOfBusinessApplication, graph.AlertDeterminationConfirmedActivity,
			graph.AlertDeterminationSecurityPersonnel}},
		{graph.AlertClassificationFalsePositive, []graph.AlertDetermination{
			graph.AlertDeterminationNotMalicious, graph.AlertDeterminationNotEnoughDataToValidate}},
		{"", []graph.AlertDetermination{graph.AlertDeterminationOther, graph.AlertDeterminationUnknown}},
	}
}

// DeterminationOptions lists the determinations grouped under the
// classification they explain, so the choice fits the classification even
// without script (the manage page's select).
func DeterminationOptions(L *i18n.Printer, selected string) []ChoiceGroup {
	gs := DeterminationGroups()
	groups := make([]ChoiceGroup, 0, len(gs))
	for _, g := range gs {
		label := L.T("triage.anyClassification")
		if g.Class != "" {
			label = L.Label(g.Class)
		}
		groups = append(groups, ChoiceGroup{Label: label, Choices: EnumChoices(L, g.Values, selected)})
	}
	return groups
}

// TriageSep joins a classification and a determination in the value of
// the triage pane's one select ("truePositive:malware").
const TriageSep = ":"

// TriageValue is the select's value of a classification and a
// determination.
func TriageValue(cl graph.AlertClassification, d graph.AlertDetermination) string {
	return string(cl) + TriageSep + string(d)
}

// TriageOptions is the triage pane's classification select as the
// Defender portal's: "Not set", then each classification with the
// determinations that explain it (and "Other"), one choice each.
func TriageOptions(L *i18n.Printer, selected string) []ChoiceGroup {
	unknown := TriageValue(graph.AlertClassificationUnknown, graph.AlertDeterminationUnknown)
	groups := []ChoiceGroup{{Choices: []Choice{{Value: unknown, Label: L.Label(graph.AlertClassificationUnknown), Selected: selected == unknown}}}}
	for _, g := range DeterminationGroups() {
		if g.Class == "" {
			continue
		}
		dets := append(slices.Clone(g.Values), graph.AlertDeterminationOther)
		cs := make([]Choice, len(dets))
		for i, d := range dets {
			v := TriageValue(g.Class, d)
			// The closed select shows the option alone: it names both.
			cs[i] = Choice{Value: v, Label: L.T("triage.pair", "classification", g.Class, "determination", d), Selected: v == selected}
		}
		groups = append(groups, ChoiceGroup{Label: L.Label(g.Class), Choices: cs})
	}
	return groups
}

// GroupsHave reports whether v is one of the groups' values.
func GroupsHave(gs []ChoiceGroup, v string) bool {
	for _, g := range gs {
		if Has(g.Choices, v) {
			return true
		}
	}
	return false
}

// SplitTriage reads the select's value into a classification and a
// determination.
func SplitTriage(v string) (classification, determination string) {
	classification, determination, _ = strings.Cut(strings.TrimSpace(v), TriageSep)
	return classification, determination
}

// DeterminationFits reports whether determination d explains
// classification cl. A classification graphsec does not know (a member
// Graph added later) is not second-guessed.
func DeterminationFits(cl, d string) bool {
	if d == "" || d == string(graph.AlertDeterminationUnknown) || !slices.Contains(graph.AlertClassifications(), graph.AlertClassification(cl)) {
		return true
	}
	if cl == string(graph.AlertClassificationUnknown) {
		return false
	}
	if d == string(graph.AlertDeterminationOther) {
		return true
	}
	for _, g := range DeterminationGroups() {
		if string(g.Class) == cl {
			return slices.Contains(g.Values, graph.AlertDetermination(d))
		}
	}
	return false
}

// FittingDeterminations lists the determinations that fit cl, for the
// message that explains a mismatch.
func FittingDeterminations(cl string) []graph.AlertDetermination {
	var out []graph.AlertDetermination
	for _, g := range DeterminationGroups() {
		if string(g.Class) != cl && g.Class != "" {
			continue
		}
		for _, d := range g.Values {
			if cl == string(graph.AlertClassificationUnknown) && d != graph.AlertDeterminationUnknown {
				continue
			}
			out = append(out, d)
		}
	}
	return out
}

// CheckTriage refuses a determination that does not explain the
// classification it comes with (the values after the change: what was set,
// else what was there).
func CheckTriage(cl graph.AlertClassification, d graph.AlertDetermination) error {
	if DeterminationFits(string(cl), string(d)) {
		return nil
	}
	return BadInput(T("triage.doesNotFit", "determination", d, "classification", cl, "fitting", labelList(FittingDeterminations(string(cl)))))
}

// labelList is a list of enum members as a message argument: each
// labelled in the page's language when the message is rendered.
type labelList []graph.AlertDetermination

func (l labelList) In(L *i18n.Printer) string { return L.Labels([]graph.AlertDetermination(l)) }

// CheckEnum refuses a value graphsec does not offer for field (so
// unknownFutureValue and typos are refused before Graph sees them); ""
// (leave as is) passes.
func CheckEnum(field Msg, v string, allowed []string) error {
	if v == "" || slices.Contains(allowed, v) {
		return nil
	}
	return BadInput(T("triage.badValue", "value", Shorten(v, 64), "field", field, "allowed", strings.Join(allowed, ", ")))
}

// MaxComment bounds a comment, in characters after trimming. Graph
// documents no limit; 10,000 characters is far beyond any note an analyst
// writes and keeps the item readable. (The graph client's own limit is
// 32 KiB, checked too, so long non-ASCII text gets the same clear refusal.)
const MaxComment = 10000

// ParseComment trims a comment, normalises browser line ends and checks
// its length.
func ParseComment(raw string) (string, error) {
	text := strings.TrimSpace(strings.ReplaceAll(raw, "\r\n", "\n"))
	if err := CheckText(T("prop.comment"), text, true); err != nil {
		return "", err
	}
	n := utf8.RuneCountInString(text)
	switch {
	case n == 0:
		return "", BadInput(T("triage.emptyComment"))
	case n > MaxComment || len(text) > 32<<10:
		return "", BadInput(T("triage.longComment", "chars", n, "max", MaxComment))
	}
	return text, nil
}

// Sent is one request a change sent, with Graph's answer: What names it
// ("update", "comment").
type Sent struct {
	What      string
	Request   *RequestView
	Status    int
	RequestID string
}

// Changed is what a change did, shown once in the triage pane of the page
// it redirects to (SetFlash, "changed" partial): the fields that changed
// (before and after), the comment added, the requests sent; or that
// nothing needed changing. Heading and NothingKey are the catalog keys of
// its heading ("Alert updated") and of the message when nothing changed.
type Changed struct {
	Heading, NothingKey string
	Rows                []CompareRow
	Comment             string
	Sent                []Sent
	Nothing             bool
}

// CommentOnly reports a post of a comment box alone (POST …/comments, or a
// form with no triage field): an empty comment is then a mistake.
func CommentOnly(form url.Values) bool {
	return form.Has("comment") && !form.Has("status") && !form.Has("triage")
}

// TriagePost is a triage pane's post (an alert's, an incident's): what
// the feature does at each step, which ApplyTriage runs in order.
type TriagePost struct {
	// Href is the item's page (where the result is kept for); Back the
	// page the post redirects to (Href with its queue view).
	Href, Back string
	// Comment is the comment as typed; CommentOnly marks a post of the
	// comment box alone.
	Comment     string
	CommentOnly bool
	// Result is the Changed to fill, its keys set.
	Result *Changed
	// Check refuses what the form got wrong, before anything is read.
	Check func() error
	// Update reads the item and sends what differs: the rows that changed
	// and the request sent, or no request (nil) when nothing differs.
	Update func() ([]CompareRow, *Sent, error)
	// AddComment posts the comment.
	AddComment func(text string) (Sent, error)
	// Refuse shows the item's page with err in the pane and the form as
	// typed; fl is what the post did before it failed (nil: nothing).
	Refuse func(err error, fl *Changed) error
	// Show shows the item's page with fl, for when the page has begun (it
	// waited out throttling) and a redirect can no longer be sent.
	Show func(fl *Changed) error
}

// ApplyTriage runs a triage pane's post: the form's checks and the
// comment's, the update (only what differs), the comment; then it
// redirects to the item's page, which shows what changed, before and
// after (post/redirect/get). A refusal at any step is the feature's
// Refuse, with what the post did so far.
func (p *Page) ApplyTriage(t TriagePost) error {
	if err := t.Check(); err != nil {
		return t.Refuse(err, nil)
	}
	var comment string
	if strings.TrimSpace(t.Comment) != "" || t.CommentOnly {
		var err error
		if comment, err = ParseComment(t.Comment); err != nil {
			return t.Refuse(err, nil)
		}
	}
	fl := t.Result
	rows, sent, err := t.Update()
	if err != nil {
		return t.Refuse(err, nil)
	}
	fl.Nothing = sent == nil && comment == ""
	if sent != nil {
		fl.Rows, fl.Sent = rows, append(fl.Sent, *sent)
	}
	if comment != "" {
		s, err := t.AddComment(comment)
		if err != nil {
			// The update (if any) went through; the page says so, and why
			// the comment did not, keeping it for another try.
			return t.Refuse(err, fl)
		}
		fl.Comment, fl.Sent = comment, append(fl.Sent, s)
	}
	if p.Started() {
		return t.Show(fl)
	}
	return p.Redirect(WithParam(t.Back, "done", p.SetFlash(t.Href, fl)), http.StatusSeeOther)
}

// KeepOr is the form's value when it has one, else the kept text of a form
// sent after the session ended (restored after sign-in), else "".
func (p *Page) KeepOr(value, name string) string {
	return cmp.Or(value, p.draft.Get(name))
}
