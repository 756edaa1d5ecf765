package incidents_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// patchIncident changes an incident through Graph, as another analyst
// would.
func patchIncident(t *testing.T, h *webtest.Harness, id string, u graph.IncidentUpdate) {
	t.Helper()
	if _, _, err := h.GraphAs(h.UPN(h.User("Security Operator"))).Incidents.Update(context.Background(), id, u); err != nil {
		t.Fatal(err)
	}
}

// tags is a custom tags update.
func tags(list ...string) graph.IncidentUpdate {
	return graph.IncidentUpdate{CustomTags: graph.Some(list)}
}

// v2CommentIncident adds a comment to an incident through Graph, as
// another analyst (in the Defender portal) would.
func v2CommentIncident(t *testing.T, h *webtest.Harness, incident, upn, text string) {
	t.Helper()
	if _, _, err := h.GraphAs(upn).Incidents.AddComment(context.Background(), incident, text); err != nil {
		t.Fatal(err)
	}
}

// stored returns a property of an incident as the emulator holds it.
func stored(t *testing.T, h *webtest.Harness, id, prop string) string {
	t.Helper()
	doc, ok := h.Emu.Store().Incident(id)
	if !ok {
		t.Fatalf("incident %s is gone", id)
	}
	v, ok := doc[prop]
	if !ok || v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// queueTable is the incident queue's table, or "".
func queueTable(body string) string {
	i := strings.Index(body, `id="incidents">`)
	if i < 0 {
		return ""
	}
	return body[i : i+strings.Index(body[i:], "</table>")]
}

// incidentIDs lists the incident ids the queue's rows link, in order.
func incidentIDs(body string) []string {
	var out []string
	for _, part := range strings.Split(queueTable(body), `class="title" href="/incidents/`)[1:] {
		out = append(out, part[:strings.IndexAny(part, `?"`)])
	}
	return out
}

// graphQuery is the query of the last list request the console sent to
// Graph's incidents, decoded.
func graphQuery(t *testing.T, h *webtest.Harness) url.Values {
	t.Helper()
	reqs := h.Graph.Requests("/security/incidents")
	if len(reqs) == 0 {
		t.Fatal("no incident list was sent to Graph")
	}
	return reqs[len(reqs)-1].Query()
}

var checkedTag = regexp.MustCompile(`<input type="checkbox" name="customTags" value="([^"]*)" checked>`)

// formAsShown is the manage form of the incident page p as a browser sends
// it untouched: its hidden fields and the tag boxes ticked.
func formAsShown(t *testing.T, p *emutest.Page, action string) url.Values {
	t.Helper()
	form := webtest.FormFields(t, p, action)
	for _, m := range checkedTag.FindAllStringSubmatch(p.Body, -1) {
		form.Add("customTags", html.UnescapeString(m[1]))
	}
	return form
}
