package alerts

import (
	"net/url"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/queuefilter"
	"github.com/graphsec/graphsec/internal/web/page"
)

// filter is the queue's query (see queuefilter.Alerts, which it is: the
// parsing, the Graph query and the query string live there, shared with
// the watcher, so that a saved watch asks Graph what the queue shows).
type filter queuefilter.Alerts

// parseFilter reads the queue's parameters. Every mistake is reported for
// its field (the form shows it there); the filter keeps the valid values.
// The sort order must be one the page offers.
func (c choices) parseFilter(q url.Values) (filter, page.FieldErrors) {
	qf, ferrs := queuefilter.ParseAlerts(q)
	f, errs := filter(qf), page.FieldErrors(ferrs)
	if !page.Has(c.sort, f.Sort) {
		errs.Add("sort", "%q is not a sort order graphsec offers.", page.Shorten(f.Sort, 64))
		f.Sort = ""
	}
	return f, errs
}

// graphQuery turns the filter into the OData query Graph receives. me is
// the signed-in user's UPN, for "assigned to me". category is not
// filterable on alerts_v2, so it is applied by graphsec to the pages Graph
// returns (see Queue).
func (f filter) graphQuery(me string) graph.Query { return queuefilter.Alerts(f).Query(me) }

// values re-encodes the filter as the page's query string (for sort links
// and page links).
func (f filter) values() url.Values { return queuefilter.Alerts(f).Values() }
