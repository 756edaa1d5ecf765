package graph

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"slices"
)

// IncidentsService is /security/incidents.
type IncidentsService struct{ c *Client }

const incidentsPath = v1 + "/security/incidents"

// MaxIncidentTop is the largest $top Graph accepts on /security/incidents:
// above it the service answers 400 "The limit of '50' for Top query has
// been exceeded." The client sends at most this many per page for
// incidents (a larger Top is lowered to it, and All and Page.Next reach
// the rest through the service's next links), so that a page size chosen
// for alerts never fails on incidents.
const MaxIncidentTop = 50

// IncidentQuery is the query of an incident list. ExpandAlerts embeds each
// incident's alerts ($expand=alerts); it is off by default because large
// tenants have seen persistent 500s with it. Top above [MaxIncidentTop] is
// sent as MaxIncidentTop.
type IncidentQuery struct {
	Query
	ExpandAlerts bool
}

func (q IncidentQuery) query() Query {
	out := incidentTop(q.Query)
	if q.ExpandAlerts && !slices.Contains(out.Expand, "alerts") {
		out.Expand = append(slices.Clone(out.Expand), "alerts")
	}
	return out
}

// incidentTop lowers a $top above MaxIncidentTop to it. Graph's limit is
// reported for the incident list; the client applies it to an incident's
// alerts too, which the same service answers: if that path has the limit
// as well, a larger $top would fail the page, while the cost of a smaller
// one is an extra request for incidents of more than 50 alerts.
func incidentTop(q Query) Query {
	if q.Top > MaxIncidentTop {
		q.Top = MaxIncidentTop
	}
	return q
}

// ListRequest builds the request [IncidentsService.List] sends.
func (s *IncidentsService) ListRequest(q IncidentQuery) (*Request, error) {
	return s.c.listRequest(incidentsPath, q.query(), preferUnknownEnums)
}

// List returns the first page of incidents, at most [MaxIncidentTop].
// Filterable: assignedTo,
// classification, createdDateTime, determination, lastUpdateDateTime,
// severity, status.
//
// Docs: https://learn.microsoft.com/graph/api/security-list-incidents
func (s *IncidentsService) List(ctx context.Context, q IncidentQuery) (*Page[Incident], *Response, error) {
	r, err := s.ListRequest(q)
	return listPage[Incident](ctx, s.c, r, err)
}

// ListFrom fetches the page a next link points to, a link kept from an
// earlier page of incidents (a console keeps it between two requests of a
// user), with the headers List sends. The link must be on the client's
// origin and address the incidents collection ([ErrForeignHost] or
// [ErrInvalidArgument] otherwise): only its query is taken from it.
func (s *IncidentsService) ListFrom(ctx context.Context, nextLink string) (*Page[Incident], *Response, error) {
	r, err := s.c.resumeRequest(incidentsPath, nextLink, preferUnknownEnums)
	return listPage[Incident](ctx, s.c, r, err)
}

// All iterates over every incident matching q; limit > 0 stops after that
// many.
func (s *IncidentsService) All(ctx context.Context, q IncidentQuery, limit int) iter.Seq2[*Incident, error] {
	r, err := s.ListRequest(q)
	if err != nil {
		return errIter[Incident](err)
	}
	return iterate[Incident](ctx, s.c, r, limit)
}

// Get returns one incident.
//
// Docs: https://learn.microsoft.com/graph/api/security-incident-get
func (s *IncidentsService) Get(ctx context.Context, id string) (*Incident, *Response, error) {
	seg, err := pathSegment("incident id", id)
	if err != nil {
		return nil, nil, err
	}
	return getEntity[Incident](ctx, s.c, incidentsPath+"/"+seg, preferUnknownEnums)
}

// GetRaw is [IncidentsService.Get] that also returns Graph's JSON exactly
// as it came, for a raw view (see [AlertsService.GetRaw]).
func (s *IncidentsService) GetRaw(ctx context.Context, id string) (*Incident, []byte, *Response, error) {
	seg, err := pathSegment("incident id", id)
	if err != nil {
		return nil, nil, nil, err
	}
	return getRaw[Incident](ctx, s.c, incidentsPath+"/"+seg, preferUnknownEnums)
}

// Update changes an incident; the service answers 200 with the incident.
//
// Docs: https://learn.microsoft.com/graph/api/security-incident-update
func (s *IncidentsService) Update(ctx context.Context, id string, u IncidentUpdate) (*Incident, *Response, error) {
	seg, err := pathSegment("incident id", id)
	if err != nil {
		return nil, nil, err
	}
	if u.AssignedTo.IsZero() && u.Classification.IsZero() && u.CustomTags.IsZero() && u.Description.IsZero() &&
		u.Determination.IsZero() && u.ResolvingComment.IsZero() && u.Status.IsZero() && u.Summary.IsZero() {
		return nil, nil, fmt.Errorf("%w: incident update sets no field", ErrInvalidArgument)
	}
	r, err := s.c.newRequest(http.MethodPatch, incidentsPath+"/"+seg, "", u, preferUnknownEnums)
	if err != nil {
		return nil, nil, err
	}
	return sendEntity[Incident](ctx, s.c, r)
}

// AddComment appends a comment and returns the incident's whole comment
// list.
//
// Docs: https://learn.microsoft.com/graph/api/security-incident-post-comments
func (s *IncidentsService) AddComment(ctx context.Context, id, comment string) ([]AlertComment, *Response, error) {
	seg, err := pathSegment("incident id", id)
	if err != nil {
		return nil, nil, err
	}
	return s.c.postComment(ctx, incidentsPath+"/"+seg+"/comments", comment)
}

// ListAlertsRequest builds the request [IncidentsService.ListAlerts] sends.
func (s *IncidentsService) ListAlertsRequest(id string, q Query) (*Request, error) {
	seg, err := pathSegment("incident id", id)
	if err != nil {
		return nil, err
	}
	return s.c.listRequest(incidentsPath+"/"+seg+"/alerts", incidentTop(q), preferUnknownEnums)
}

// ListAlerts returns the first page of an incident's alerts (the alerts
// navigation property). Top above [MaxIncidentTop] is sent as
// MaxIncidentTop.
//
// Docs: https://learn.microsoft.com/graph/api/resources/security-incident
func (s *IncidentsService) ListAlerts(ctx context.Context, id string, q Query) (*Page[Alert], *Response, error) {
	r, err := s.ListAlertsRequest(id, q)
	return listPage[Alert](ctx, s.c, r, err)
}

// AllAlerts iterates over an incident's alerts; limit > 0 stops after that
// many.
func (s *IncidentsService) AllAlerts(ctx context.Context, id string, q Query, limit int) iter.Seq2[*Alert, error] {
	r, err := s.ListAlertsRequest(id, q)
	if err != nil {
		return errIter[Alert](err)
	}
	return iterate[Alert](ctx, s.c, r, limit)
}
