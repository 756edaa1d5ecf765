package incidents

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/graphsec/graphsec/internal/web/page"
)

// Custom tags, as the manage pane changes them: the tags the form showed
// (customTagsShown), those left ticked (customTags), and new ones typed
// (newCustomTags, separated by commas). The change removes the unticked
// ones and adds the new ones to the incident's tags as Graph has them when
// the form arrives, so a tag someone else added meanwhile stays. Graph
// documents no limits; graphsec keeps tags short and few enough to read.

const (
	// maxTags bounds an incident's custom tags.
	maxTags = 20
	// maxTagLen bounds a tag, in characters.
	maxTagLen = 64
)

// tagChange is the tags part of a manage form.
type tagChange struct {
	// Given is set when the form had its tags part.
	Given bool
	Keep  []string
	Shown []string
	// New is what was typed, as typed.
	New string
}

func readTags(form map[string][]string) tagChange {
	t := tagChange{Keep: form["customTags"], Shown: form["customTagsShown"]}
	if v, ok := form["newCustomTags"]; ok {
		t.New = strings.Join(v, ",")
		t.Given = true
	}
	t.Given = t.Given || len(t.Shown) > 0
	return t
}

// parseNewTags splits what was typed into tags: trimmed, without empty
// ones or repeats, each one line of at most maxTagLen characters.
func parseNewTags(raw string) ([]string, error) {
	var out []string
	for part := range strings.SplitSeq(strings.ReplaceAll(raw, "、", ","), ",") {
		t := strings.TrimSpace(part)
		if t == "" || containsFold(out, t) {
			continue
		}
		if err := checkTag(t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// checkTag refuses a tag nobody could read or filter on.
func checkTag(t string) error {
	if err := page.CheckText(page.T("incidents.tag"), t, false); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(t); n > maxTagLen {
		return page.BadInput(page.T("incidents.tags.tooLong", "tag", page.Shorten(t, 40), "chars", n, "max", maxTagLen))
	}
	return nil
}

// apply is the incident's tags after the change: before without the tags
// unticked, with the new ones (a tag already there, in any case, is not
// added twice). It refuses more than maxTags.
func (t tagChange) apply(before []string) ([]string, error) {
	added, err := parseNewTags(t.New)
	if err != nil {
		return nil, err
	}
	out := slices.DeleteFunc(slices.Clone(before), func(x string) bool {
		return slices.Contains(t.Shown, x) && !slices.Contains(t.Keep, x)
	})
	for _, a := range added {
		if !containsFold(out, a) {
			out = append(out, a)
		}
	}
	if len(out) > maxTags && len(out) > len(before) {
		return nil, page.BadInput(page.T("incidents.tags.tooMany", "count", len(out), "max", maxTags))
	}
	return out, nil
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

// tagChoice is one of the incident's custom tags in the manage form: a
// box, ticked to keep it.
type tagChoice struct {
	Text string
	Keep bool
}
