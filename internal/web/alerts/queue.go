package alerts

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/queuefilter"
	"github.com/graphsec/graphsec/internal/web/page"
)

// alertRow is one line of the queue, every cell already text: a template
// range that calls functions per cell costs reflection per call, and the
// queue is the page analysts load most (see rows.go).
type alertRow struct {
	ID, Href, Title, Severity, Status, Classification, Source, SourceLabel, Category, AssignedTo string
	IncidentID, IncidentHref, Created, Updated                                                   string
}

// queueView is the queue page's data.
type queueView struct {
	F      filter
	Errors page.FieldErrors
	// Choices are the filters' options; Selected the values chosen.
	Choices     map[string][]page.Choice
	Selected    map[string]map[string]bool
	Tops        []int
	SortChoices []page.Choice
	Me          string

	Request       *page.RequestView
	CategoryLocal bool
	GraphPages    int
	Rows          []alertRow
	Count         *int64
	// From and To number the rows shown ("26–50"); Number is the page's.
	From, To, Number int
	// StaleLink is set when the page link was not one graphsec knows (it
	// shows the first page instead).
	StaleLink bool
	// Links: the first page, the previous and the next (empty when none),
	// and the column headers' sort links.
	FirstPage, PrevPage, NextPage    string
	SortCreatedLink, SortUpdatedLink string
}

// maxCategoryPages bounds how many Graph pages one view reads when
// graphsec filters category itself.
const maxCategoryPages = 5

// Queue is GET /alerts: the alerts_v2 queue with filters, counts, sort and
// paging, and the exact REST request shown. Graph's next links stay on the
// server: the page links carry page tokens (see page.PageTokens).
func (a *Pages) Queue(p *page.Page) error {
	p.Title = "Alerts"
	q := p.R.URL.Query()
	f, errs := a.choices.parseFilter(q)
	v := a.newQueueView(p, f, errs)
	if errs.Any() {
		// Nothing is sent to Graph: the form shows each mistake next to its
		// field, with everything else as entered.
		return p.Render(http.StatusBadRequest, "alerts/queue", v)
	}
	c, err := p.GraphFor(graph.AccessReadAlerts)
	if err != nil {
		return err
	}
	pager := p.Pager("/alerts", f.values())
	ref := pager.Ref
	v.StaleLink = pager.Stale
	ctx, sent := page.Record(p.R.Context())
	var pg *graph.Page[graph.AlertSummary]
	if ref.Link != "" {
		pg, _, err = c.Alerts.ListSummariesFrom(ctx, ref.Link)
	} else {
		pg, _, err = c.Alerts.ListSummaries(ctx, f.graphQuery(p.Me()))
	}
	v.Request = page.Shown("list", sent.First(""))
	v.Count = ref.Count
	tf := p.Times()
	for err == nil {
		v.GraphPages++
		if v.Count == nil {
			v.Count = pg.Count
		}
		for _, s := range pg.Value {
			if !queuefilter.Alerts(f).Keeps(s.Category) {
				continue
			}
			row := alertRow{
				ID: s.ID, Href: page.AlertHref(s.ID), Title: s.Title, Severity: string(s.Severity), Status: string(s.Status),
				Classification: string(s.Classification), Source: string(s.ServiceSource), SourceLabel: page.ServiceSourceLabel(s.ServiceSource),
				Category: s.Category, AssignedTo: s.AssignedTo, IncidentID: s.IncidentID,
				Created: tf.Time(s.CreatedDateTime, page.Minute), Updated: tf.Time(s.LastUpdateDateTime, page.Minute),
			}
			if row.Title == "" {
				row.Title = "(untitled)"
			}
			if s.IncidentID != "" {
				row.IncidentHref = page.IncidentHref(s.IncidentID)
			}
			v.Rows = append(v.Rows, row)
		}
		if f.Category == "" || len(v.Rows) >= f.Top || !pg.HasNext() || v.GraphPages >= maxCategoryPages {
			break
		}
		// The client pages on with the first page's headers.
		pg, _, err = pg.Next(ctx)
	}
	if err != nil {
		return err
	}
	v.Number, v.From, v.To = ref.Number, ref.Offset+1, ref.Offset+len(v.Rows)
	v.FirstPage, v.PrevPage = pager.First(), pager.Prev()
	v.NextPage = pager.Next(pg.NextLink, len(v.Rows), v.Count)
	return p.RenderSplit(http.StatusOK, "alerts/queue", v, func(b *bytes.Buffer) { writeAlertRows(b, v.Rows) })
}

func (a *Pages) newQueueView(p *page.Page, f filter, errs page.FieldErrors) queueView {
	c := a.choices
	v := queueView{
		F: f, Errors: errs, Me: p.Me(), CategoryLocal: f.Category != "", Tops: c.tops, SortChoices: c.sort,
		Choices: map[string][]page.Choice{"severity": c.severity, "status": c.status, "serviceSource": c.source,
			"classification": c.class, "determination": c.determ, "category": c.category},
		Selected: map[string]map[string]bool{"severity": set(f.Severity), "status": set(f.Status), "serviceSource": set(f.ServiceSource),
			"classification": set(f.Classification), "determination": set(f.Determination)},
	}
	if !slices.Contains(v.Tops, f.Top) {
		v.Tops = append(slices.Clone(v.Tops), f.Top)
		slices.Sort(v.Tops)
	}
	base := f.values()
	v.SortCreatedLink = sortLink(base, "createdDateTime", f.Sort)
	v.SortUpdatedLink = sortLink(base, "lastUpdateDateTime", f.Sort)
	return v
}

func set(vs []string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

func cloneValues(base url.Values) url.Values {
	v := url.Values{}
	for k, x := range base {
		v[k] = append([]string(nil), x...)
	}
	return v
}

// sortLink returns the link that sorts by prop, flipping the direction
// when the page is already sorted by it.
func sortLink(base url.Values, prop, current string) string {
	v := cloneValues(base)
	dir := "desc"
	if current == prop+" desc" {
		dir = "asc"
	}
	v.Set("sort", prop+" "+dir)
	return (&url.URL{Path: "/alerts", RawQuery: v.Encode()}).String()
}
