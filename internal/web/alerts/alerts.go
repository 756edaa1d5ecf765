// Package alerts is the console's alerts_v2 pages: the queue (/alerts),
// an alert's page (/alerts/{id}) with its update and comment forms, and
// manage by id (/manage), the original sample's form.
//
// Files: queue.go and filter.go (the queue, its filters, chips, sort and
// paging), nav.go (an alert's way back to its queue view, previous and
// next), alert.go and evidence.go (an alert's page and its evidence
// cards), update.go (the triage pane's change and comment, shown in place),
// manage.go (/manage), choices.go (the forms' choices, from the graph
// package's enum members); templates/ holds the pages. Routes are in the
// shell's routes.go.
package alerts

import (
	"embed"

	"github.com/graphsec/graphsec/internal/web/page"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the feature's pages for the page kit ("alerts/queue",
// "alerts/alert", "alerts/manage").
func Templates() page.Templates { return page.Embedded("alerts", templateFS) }

// Deps are what the alerts pages need besides the page kit.
type Deps struct {
	// Activity is graphsec's activity log: changes are recorded there and
	// shown on the alert's page.
	Activity *page.ActivityLog
}

// Pages serves the alerts pages; its methods are page.Handlers.
type Pages struct {
	activity *page.ActivityLog
	choices  choices
	nav      page.QueueNav[filter]
}

// New returns the alerts pages.
func New(d Deps) *Pages {
	a := &Pages{activity: d.Activity, choices: newChoices()}
	a.nav = a.newNav()
	return a
}
