package graph

import (
	"context"
	"fmt"
	"iter"
	"net/http"
)

// SecureScoresService is /security/secureScores: one score per day, 90
// days kept, newest first.
type SecureScoresService struct{ c *Client }

const secureScoresPath = v1 + "/security/secureScores"

// ListRequest builds the request [SecureScoresService.List] sends.
func (s *SecureScoresService) ListRequest(q Query) (*Request, error) {
	return s.c.listRequest(secureScoresPath, q)
}

// List returns the first page of daily scores; Top n means "the last n
// days".
//
// Docs: https://learn.microsoft.com/graph/api/security-list-securescores
func (s *SecureScoresService) List(ctx context.Context, q Query) (*Page[SecureScore], *Response, error) {
	r, err := s.ListRequest(q)
	return listPage[SecureScore](ctx, s.c, r, err)
}

// All iterates over the daily scores; limit > 0 stops after that many.
func (s *SecureScoresService) All(ctx context.Context, q Query, limit int) iter.Seq2[*SecureScore, error] {
	r, err := s.ListRequest(q)
	if err != nil {
		return errIter[SecureScore](err)
	}
	return iterate[SecureScore](ctx, s.c, r, limit)
}

// ListDays returns the first page of daily scores as a trend reads them
// (Top n: the last n days): each day's numbers decoded, the rest of it
// (control scores, comparisons, ...) kept as Graph sent it and decoded
// only for the days that need it ([SecureScoreDay.Full]). A 90-day list
// carries about 3,000 control scores, most of which a trend never reads.
//
// Docs: https://learn.microsoft.com/graph/api/security-list-securescores
func (s *SecureScoresService) ListDays(ctx context.Context, q Query) (*Page[SecureScoreDay], *Response, error) {
	r, err := s.ListRequest(q)
	return listPage[SecureScoreDay](ctx, s.c, r, err)
}

// Get returns one day's score; ids are "{azureTenantId}_{yyyy-MM-dd}".
//
// Docs: https://learn.microsoft.com/graph/api/securescore-get
func (s *SecureScoresService) Get(ctx context.Context, id string) (*SecureScore, *Response, error) {
	seg, err := pathSegment("secure score id", id)
	if err != nil {
		return nil, nil, err
	}
	return getEntity[SecureScore](ctx, s.c, secureScoresPath+"/"+seg)
}

// Latest returns the most recent score ($top=1). A tenant without any
// score yields an error matching ErrNotFound.
//
// Docs: https://learn.microsoft.com/graph/api/security-list-securescores
func (s *SecureScoresService) Latest(ctx context.Context) (*SecureScore, *Response, error) {
	p, resp, err := s.List(ctx, Query{Top: 1})
	if err != nil {
		return nil, resp, err
	}
	if len(p.Value) == 0 {
		return nil, resp, fmt.Errorf("%w: the tenant has no secure score yet", ErrNotFound)
	}
	return &p.Value[0], resp, nil
}

// ControlProfilesService is /security/secureScoreControlProfiles.
type ControlProfilesService struct{ c *Client }

const controlProfilesPath = v1 + "/security/secureScoreControlProfiles"

// ListRequest builds the request [ControlProfilesService.List] sends.
func (s *ControlProfilesService) ListRequest(q Query) (*Request, error) {
	return s.c.listRequest(controlProfilesPath, q)
}

// List returns the first page of control profiles.
//
// Docs: https://learn.microsoft.com/graph/api/security-list-securescorecontrolprofiles
func (s *ControlProfilesService) List(ctx context.Context, q Query) (*Page[ControlProfile], *Response, error) {
	r, err := s.ListRequest(q)
	return listPage[ControlProfile](ctx, s.c, r, err)
}

// All iterates over the control profiles; limit > 0 stops after that many.
func (s *ControlProfilesService) All(ctx context.Context, q Query, limit int) iter.Seq2[*ControlProfile, error] {
	r, err := s.ListRequest(q)
	if err != nil {
		return errIter[ControlProfile](err)
	}
	return iterate[ControlProfile](ctx, s.c, r, limit)
}

// Get returns one control profile; ids are control names such as
// "NonOwnerAccess".
//
// Docs: https://learn.microsoft.com/graph/api/securescorecontrolprofile-get
func (s *ControlProfilesService) Get(ctx context.Context, id string) (*ControlProfile, *Response, error) {
	seg, err := pathSegment("control profile id", id)
	if err != nil {
		return nil, nil, err
	}
	return getEntity[ControlProfile](ctx, s.c, controlProfilesPath+"/"+seg)
}

// Update sets the tenant's state, assignee or comment on a control. The
// service answers 204 (nil profile), or 200 with the profile when
// u.ReturnRepresentation is set. u.VendorInformation is required.
//
// Docs: https://learn.microsoft.com/graph/api/securescorecontrolprofile-update
func (s *ControlProfilesService) Update(ctx context.Context, id string, u ControlProfileUpdate) (*ControlProfile, *Response, error) {
	seg, err := pathSegment("control profile id", id)
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
	r, err := s.c.newRequest(http.MethodPatch, controlProfilesPath+"/"+seg, "", u, prefer...)
	if err != nil {
		return nil, nil, err
	}
	return updateMaybeRepresentation[ControlProfile](ctx, s.c, r)
}
