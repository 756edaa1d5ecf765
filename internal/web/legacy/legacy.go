// Package legacy is the console's pages for the legacy alerts API
// (/security/alerts, microsoft.graph.alert), the way Microsoft's original
// Graph Security sample served them, so that an analyst who knew it finds
// the same form, query and table: the query page (/legacy/alerts), an
// alert's page (/legacy/alerts/{id}) with the sample's "Manage alerts"
// form, and manage by id (/legacy/manage). Microsoft retired the API in
// 2026: afterwards it answers with no data, and the pages say so and point
// to /alerts (alerts_v2) instead of showing an empty table.
//
// Files: query.go (the query page and its filter), providers.go (the
// provider list of the form, cached per user), alert.go (an alert's page
// and its panels), manage.go (the update), templates/ (the pages).
package legacy

import (
	"embed"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/queuefilter"
	"github.com/graphsec/graphsec/internal/web/page"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the feature's pages for the page kit ("legacy/alerts",
// "legacy/alert", "legacy/manage").
func Templates() page.Templates { return page.Embedded("legacy", templateFS) }

// Deps are what the legacy pages need besides the page kit.
type Deps struct {
	Activity *page.ActivityLog
	// Clock times the provider list's cache.
	Clock clock.Clock
}

// Pages serves the legacy pages; its methods are page.Handlers.
type Pages struct {
	activity  *page.ActivityLog
	providers *providerCache
	choices   choices
}

// New returns the legacy pages, with an empty provider cache.
func New(d Deps) *Pages {
	return &Pages{activity: d.Activity, providers: newProviderCache(d.Clock), choices: newChoices()}
}

// activityResource is a legacy alert's kind in the activity log.
const activityResource = "legacyAlert"

// choices are the forms' options. Status and severity come from the graph
// package's enum members; the query form writes them as the original
// sample did (NewAlert, High), which Graph reads without regard to case.
// Labels are the page's, in its language.
type choices struct {
	tops                      []int
	categories                []string
	statuses, severities      []string // the query form's spelling
	updateStatuses, feedbacks []string // Graph's spelling
}

func newChoices() choices {
	sev := page.Without(graph.LegacyAlertSeverities(), graph.LegacyAlertSeverityUnknown, graph.LegacyAlertSeverityInformational)
	statuses := page.Without(graph.LegacyAlertStatuses(), graph.LegacyAlertStatusUnknown, graph.LegacyAlertStatusDismissed)
	c := choices{
		tops: []int{1, 5, 10, 20},
		// The 23 categories of the original sample's form, in its order
		// (shared with the subscription form's parser).
		categories:     queuefilter.LegacyCategories(),
		updateStatuses: page.Strings(statuses),
		feedbacks:      page.Strings(graph.LegacyAlertFeedbacks()),
	}
	// The sample listed severities from high to low.
	for i := len(sev) - 1; i >= 0; i-- {
		c.severities = append(c.severities, sampleSpelling(sev[i]))
	}
	for _, s := range statuses {
		c.statuses = append(c.statuses, sampleSpelling(s))
	}
	return c
}

// labelled returns values (enum members of type T, in any spelling) as
// choices labelled in L's language.
func labelled[T ~string](L *i18n.Printer, values []string, selected string) []page.Choice {
	out := make([]page.Choice, len(values))
	for i, v := range values {
		out[i] = page.Choice{Value: v, Label: L.Label(T(v)), Selected: v == selected}
	}
	return out
}

// sampleSpelling writes an enum member as the original sample's form did:
// newAlert as NewAlert.
func sampleSpelling[T ~string](v T) string {
	s := string(v)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
