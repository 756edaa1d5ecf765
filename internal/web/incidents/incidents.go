// Package incidents is the console's incident pages: the incident queue
// (/incidents), an incident's page (/incidents/{id}) with its manage pane
// (status, classification and determination, assignment, custom tags, a
// comment: one form, POST /incidents/{id}, saved in place), its alerts
// and the users and devices their evidence names, and previous/next
// through the queue view it was opened from.
//
// Files: filter.go and queue.go (the queue, its filters, chips, sort and
// paging), nav.go (an incident's way back to its queue view, previous and
// next), incident.go and assets.go (an incident's page, its alerts and
// affected assets), update.go and tags.go (the manage pane's change and
// comment, shown in place), reconcile.go (pending changes settled from
// Graph); templates/ holds the pages. The queue and panes are built with
// the page kit, which the alert pages share. Routes are in the shell's
// routes.go.
package incidents

import (
	"embed"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/page"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the feature's pages for the page kit
// ("incidents/queue", "incidents/incident").
func Templates() page.Templates { return page.Embedded("incidents", templateFS) }

// Deps are what the incident pages need besides the page kit.
type Deps struct {
	// Activity is graphsec's activity log: changes are recorded there and
	// shown on the incident's page.
	Activity *page.ActivityLog
}

// Pages serves the incident pages; its methods are page.Handlers.
type Pages struct {
	activity *page.ActivityLog
	choices  choices
	nav      page.QueueNav[filter]
}

// New returns the incident pages.
func New(d Deps) *Pages {
	ps := &Pages{activity: d.Activity, choices: newChoices()}
	ps.nav = ps.newNav()
	return ps
}

// choices are the values the incident pages' filters and forms offer,
// built once from the graph package's enum members.
type choices struct {
	severity, class, determ []string
	// status is what the queue filters on; settable what a client may set
	// (Graph sets redirected when it merges incidents, and only Defender
	// Experts set awaitingAction).
	status, settable []string
	tops             []int
}

func newChoices() choices {
	return choices{
		severity: page.Severities(),
		class:    page.Strings(graph.AlertClassifications()),
		determ:   page.Strings(graph.AlertDeterminations()),
		// The portal's order: to work on, then closed.
		status: page.Strings([]graph.IncidentStatus{graph.IncidentStatusActive, graph.IncidentStatusInProgress, graph.IncidentStatusAwaitingAction,
			graph.IncidentStatusResolved, graph.IncidentStatusRedirected}),
		settable: page.Strings([]graph.IncidentStatus{graph.IncidentStatusActive, graph.IncidentStatusInProgress, graph.IncidentStatusResolved}),
		tops:     []int{10, 25, 50},
	}
}
