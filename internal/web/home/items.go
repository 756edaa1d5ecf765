package home

import (
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/queuefilter"
	"github.com/graphsec/graphsec/internal/web/page"
)

// newItem is one line of a panel, its cells already text in the page's
// language.
func newItem(L *i18n.Printer, id, href, name string, sev, st i18n.EnumLabel, when time.Time) item {
	return item{
		ID: id, Href: href, Name: name, Severity: sev.Raw, SeverityLabel: sev.Text, Status: st.Raw, StatusLabel: st.Text,
		When: L.Rel(when), WhenISO: L.ISO(when), WhenLong: L.TimeLong(when),
	}
}

// alertPanel lists alerts of the queue view f, each linking to its page
// within that view (previous and next step through it).
func alertPanel(L *i18n.Printer, list []graph.AlertSummary, count *int64, f queuefilter.Alerts, ev *page.ErrorView) panel {
	back := f.Values()
	shown := page.CloneValues(back)
	shown.Del("status") // the queue's default, as its chips say
	p := panel{Count: count, Href: alertsLink(shown), Error: ev}
	for i := range list {
		a := &list[i]
		it := newItem(L, a.ID, page.ItemLink(page.AlertHref(a.ID), back, i, count), a.Title, L.Enum(a.Severity), L.Enum(a.Status), a.CreatedDateTime)
		if it.Name == "" {
			it.Name = L.T("alert.untitled")
		}
		p.Items = append(p.Items, it)
	}
	return p
}
