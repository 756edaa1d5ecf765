package page

import (
	"cmp"
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

// KeepOr is the form's value when it has one, else the kept text of a form
// sent after the session ended (restored after sign-in), else "".
func (p *Page) KeepOr(value, name string) string {
	return cmp.Or(value, p.draft.Get(name))
}
