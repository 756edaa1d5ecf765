package graph

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"strings"
)

// LegacyAlertsService is the legacy /security/alerts API (microsoft.graph.alert),
// kept for tenants and tools that still read it; Microsoft retired it in
// 2026 in favour of alerts_v2 and incidents. It is federated over
// providers: $top applies per provider, and when a provider fails the
// answer is 206 Partial Content with per-provider Warning items, surfaced
// as [Response.Warnings].
type LegacyAlertsService struct{ c *Client }

const legacyAlertsPath = v1 + "/security/alerts"

// Service limits of the legacy list.
const (
	LegacyMaxTop  = 1000
	LegacyMaxSkip = 500
)

// LegacyAlertQuery mirrors the alert query form of Microsoft's original
// Graph Security sample: each set field adds one condition, joined with
// and, in the sample's order. Filter adds any further condition.
type LegacyAlertQuery struct {
	// TopPerProvider is $top, which the federated API applies to each
	// provider: a page can hold TopPerProvider × providers alerts.
	TopPerProvider int
	Category       string              // category eq '...'
	Provider       string              // vendorInformation/provider eq '...' (e.g. "ASC", "IPC", "MCAS")
	Status         LegacyAlertStatus   // status eq '...'
	Severity       LegacyAlertSeverity // severity eq '...'
	HostFQDN       string              // hostStates/any(a:a/fqdn eq '...')
	UPN            string              // userStates/any(a:a/userPrincipalName eq '...')
	AssignedTo     string              // assignedTo eq '...' (the sample's "assigned to me")
	Filter         Expr

	OrderBy []string
	Select  []string
	Skip    int
	Count   bool
}

// Query converts q into OData options, checking the service's limits
// ($top ≤ 1000, $skip ≤ 500) so the caller gets a clear error instead of a
// 400.
func (q LegacyAlertQuery) Query() (Query, error) {
	if q.TopPerProvider < 0 || q.TopPerProvider > LegacyMaxTop {
		return Query{}, fmt.Errorf("%w: $top must be between 1 and %d", ErrInvalidArgument, LegacyMaxTop)
	}
	if q.Skip < 0 || q.Skip > LegacyMaxSkip {
		return Query{}, fmt.Errorf("%w: $skip must be between 0 and %d", ErrInvalidArgument, LegacyMaxSkip)
	}
	var parts []Expr
	if q.Category != "" {
		parts = append(parts, Eq("category", String(q.Category)))
	}
	if q.Provider != "" {
		parts = append(parts, Eq("vendorInformation/provider", String(q.Provider)))
	}
	if q.Status != "" {
		parts = append(parts, Eq("status", Enum(q.Status)))
	}
	if q.Severity != "" {
		parts = append(parts, Eq("severity", Enum(q.Severity)))
	}
	if q.HostFQDN != "" {
		parts = append(parts, Any("hostStates", "a", Eq("a/fqdn", String(q.HostFQDN))))
	}
	if q.UPN != "" {
		parts = append(parts, Any("userStates", "a", Eq("a/userPrincipalName", String(q.UPN))))
	}
	if q.AssignedTo != "" {
		parts = append(parts, Eq("assignedTo", String(q.AssignedTo)))
	}
	parts = append(parts, q.Filter)
	f := And(parts...)
	if err := f.Err(); err != nil {
		return Query{}, err
	}
	return Query{Filter: f, OrderBy: q.OrderBy, Select: q.Select, Top: q.TopPerProvider, Skip: q.Skip, Count: q.Count}, nil
}

// ListRequest builds the request [LegacyAlertsService.List] sends; a
// console shows its String() as "the REST query", as the sample did.
func (s *LegacyAlertsService) ListRequest(q LegacyAlertQuery) (*Request, error) {
	oq, err := q.Query()
	if err != nil {
		return nil, err
	}
	return s.c.listRequest(legacyAlertsPath, oq)
}

// List returns the first page of legacy alerts. A 206 answer is a success:
// the page holds what the healthy providers returned and Response.Warnings
// names the others.
//
// Docs: https://learn.microsoft.com/graph/api/alert-list
func (s *LegacyAlertsService) List(ctx context.Context, q LegacyAlertQuery) (*Page[LegacyAlert], *Response, error) {
	r, err := s.ListRequest(q)
	return listPage[LegacyAlert](ctx, s.c, r, err)
}

// ListSummaries is [LegacyAlertsService.List] decoding only the members
// of [LegacyAlertSummary]. It sends the same request.
func (s *LegacyAlertsService) ListSummaries(ctx context.Context, q LegacyAlertQuery) (*Page[LegacyAlertSummary], *Response, error) {
	r, err := s.ListRequest(q)
	return listPage[LegacyAlertSummary](ctx, s.c, r, err)
}

// ListFrom fetches the page a next link kept from an earlier page of
// legacy alerts points to, with the headers List sends. As for
// [AlertsService.ListFrom], the link must be on the client's origin and
// address the legacy alerts collection; only its query is taken from it.
func (s *LegacyAlertsService) ListFrom(ctx context.Context, nextLink string) (*Page[LegacyAlert], *Response, error) {
	r, err := s.c.resumeRequest(legacyAlertsPath, nextLink)
	return listPage[LegacyAlert](ctx, s.c, r, err)
}

// ListSummariesFrom is [LegacyAlertsService.ListFrom] decoding only the
// members of [LegacyAlertSummary].
func (s *LegacyAlertsService) ListSummariesFrom(ctx context.Context, nextLink string) (*Page[LegacyAlertSummary], *Response, error) {
	r, err := s.c.resumeRequest(legacyAlertsPath, nextLink)
	return listPage[LegacyAlertSummary](ctx, s.c, r, err)
}

// All iterates over every legacy alert matching q; limit > 0 stops after
// that many. Provider warnings are not reported by the iterator; use List
// and Page.Next to see them.
func (s *LegacyAlertsService) All(ctx context.Context, q LegacyAlertQuery, limit int) iter.Seq2[*LegacyAlert, error] {
	r, err := s.ListRequest(q)
	if err != nil {
		return errIter[LegacyAlert](err)
	}
	return iterate[LegacyAlert](ctx, s.c, r, limit)
}

// Get returns one legacy alert (206 with Warning when some provider
// failed but another had the alert).
//
// Docs: https://learn.microsoft.com/graph/api/alert-get
func (s *LegacyAlertsService) Get(ctx context.Context, id string) (*LegacyAlert, *Response, error) {
	seg, err := pathSegment("alert id", id)
	if err != nil {
		return nil, nil, err
	}
	return getEntity[LegacyAlert](ctx, s.c, legacyAlertsPath+"/"+seg)
}

// Update patches a legacy alert. The service answers 204 (the returned
// alert is nil), or 200 with the alert when u.ReturnRepresentation is set.
// u.VendorInformation must name the provider and vendor.
//
// Docs: https://learn.microsoft.com/graph/api/alert-update
func (s *LegacyAlertsService) Update(ctx context.Context, id string, u LegacyAlertUpdate) (*LegacyAlert, *Response, error) {
	seg, err := pathSegment("alert id", id)
	if err != nil {
		return nil, nil, err
	}
	if u.VendorInformation.Provider == "" || u.VendorInformation.Vendor == "" {
		return nil, nil, fmt.Errorf("%w: vendorInformation.provider and .vendor are required", ErrInvalidArgument)
	}
	var prefer []string
	if u.ReturnRepresentation {
		prefer = append(prefer, preferRepresentation)
	}
	r, err := s.c.newRequest(http.MethodPatch, legacyAlertsPath+"/"+seg, "", u, prefer...)
	if err != nil {
		return nil, nil, err
	}
	return updateMaybeRepresentation[LegacyAlert](ctx, s.c, r)
}

// updateMaybeRepresentation sends a PATCH answered either 204 (nil entity)
// or 200 with the entity.
func updateMaybeRepresentation[T any](ctx context.Context, c *Client, r *Request) (*T, *Response, error) {
	v := new(T)
	resp, filled, err := c.call(ctx, r, v)
	if err != nil {
		return nil, resp, err
	}
	if !filled {
		return nil, resp, nil
	}
	return v, resp, nil
}

// SubscriptionResource returns the collection q filters as the resource
// of a change-notification subscription: security/alerts?$filter=…, the
// filter text as Graph's documentation writes it (spaces kept), with only
// the characters that would end or change a query value (%, &, #, +)
// percent-encoded. Graph's subscriptions take $filter alone, so q's page
// options are not part of it. A query without a condition is refused:
// Graph does not notify on the unfiltered collection.
func (q LegacyAlertQuery) SubscriptionResource() (string, error) {
	oq, err := q.Query()
	if err != nil {
		return "", err
	}
	f := oq.Filter.String()
	if f == "" {
		return "", fmt.Errorf("%w: a legacy alert subscription needs at least one condition (Graph refuses the unfiltered collection)", ErrInvalidArgument)
	}
	if len(f) > maxQueryValue {
		return "", fmt.Errorf("%w: $filter longer than %d bytes", ErrInvalidArgument, maxQueryValue)
	}
	return "security/alerts?$filter=" + subscriptionFilterEscaper.Replace(f), nil
}

var subscriptionFilterEscaper = strings.NewReplacer("%", "%25", "&", "%26", "#", "%23", "+", "%2B")

// LegacyAlertResource returns security/alerts/{id}, the resource of a
// subscription to one legacy alert (the id escaped as one path segment).
func LegacyAlertResource(id string) (string, error) {
	seg, err := pathSegment("alert id", id)
	if err != nil {
		return "", err
	}
	return "security/alerts/" + seg, nil
}
