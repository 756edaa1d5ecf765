package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"time"
)

// SubscriptionsService is /subscriptions (change-notification webhooks).
type SubscriptionsService struct{ c *Client }

const subscriptionsPath = v1 + "/subscriptions"

// MaxAlertSubscriptionLifetime is the longest expiration Graph accepts for a
// security alert subscription (43,200 minutes).
const MaxAlertSubscriptionLifetime = 43200 * time.Minute

// Create subscribes; Graph first validates NotificationURL (and
// LifecycleNotificationURL) with a validationToken request and answers 400
// if that fails, 201 with the subscription otherwise. Resource,
// ChangeType, NotificationURL and ExpirationDateTime are required;
// read-only fields of s are ignored.
//
// Docs: https://learn.microsoft.com/graph/api/subscription-post-subscriptions
func (s *SubscriptionsService) Create(ctx context.Context, sub Subscription) (*Subscription, *Response, error) {
	if sub.Resource == "" || sub.ChangeType == "" || sub.NotificationURL == "" || sub.ExpirationDateTime.IsZero() {
		return nil, nil, fmt.Errorf("%w: resource, changeType, notificationUrl and expirationDateTime are required", ErrInvalidArgument)
	}
	body := sub
	body.ID, body.ApplicationID, body.CreatorID = "", "", ""
	body.ExpirationDateTime = body.ExpirationDateTime.UTC()
	r, err := s.c.newRequest(http.MethodPost, subscriptionsPath, "", body)
	if err != nil {
		return nil, nil, err
	}
	return sendEntity[Subscription](ctx, s.c, r)
}

// Get returns one subscription.
//
// Docs: https://learn.microsoft.com/graph/api/subscription-get
func (s *SubscriptionsService) Get(ctx context.Context, id string) (*Subscription, *Response, error) {
	seg, err := pathSegment("subscription id", id)
	if err != nil {
		return nil, nil, err
	}
	return getEntity[Subscription](ctx, s.c, subscriptionsPath+"/"+seg)
}

// List returns the first page of the caller's subscriptions. ClientState
// is always empty here (Graph returns null): keep your own copy.
//
// Docs: https://learn.microsoft.com/graph/api/subscription-list
func (s *SubscriptionsService) List(ctx context.Context) (*Page[Subscription], *Response, error) {
	r, err := s.c.newRequest(http.MethodGet, subscriptionsPath, "", nil)
	return listPage[Subscription](ctx, s.c, r, err)
}

// All iterates over the caller's subscriptions; limit > 0 stops after that
// many.
func (s *SubscriptionsService) All(ctx context.Context, limit int) iter.Seq2[*Subscription, error] {
	r, err := s.c.newRequest(http.MethodGet, subscriptionsPath, "", nil)
	if err != nil {
		return errIter[Subscription](err)
	}
	return iterate[Subscription](ctx, s.c, r, limit)
}

// Renew moves a subscription's expiration (which also reauthorizes it);
// the service answers 200 with the subscription.
//
// Docs: https://learn.microsoft.com/graph/api/subscription-update
func (s *SubscriptionsService) Renew(ctx context.Context, id string, expiration time.Time) (*Subscription, *Response, error) {
	seg, err := pathSegment("subscription id", id)
	if err != nil {
		return nil, nil, err
	}
	if expiration.IsZero() {
		return nil, nil, fmt.Errorf("%w: expiration is required", ErrInvalidArgument)
	}
	body := struct {
		ExpirationDateTime time.Time `json:"expirationDateTime"`
	}{expiration.UTC()}
	r, err := s.c.newRequest(http.MethodPatch, subscriptionsPath+"/"+seg, "", body)
	if err != nil {
		return nil, nil, err
	}
	return sendEntity[Subscription](ctx, s.c, r)
}

// Delete removes a subscription (204).
//
// Docs: https://learn.microsoft.com/graph/api/subscription-delete
func (s *SubscriptionsService) Delete(ctx context.Context, id string) (*Response, error) {
	seg, err := pathSegment("subscription id", id)
	if err != nil {
		return nil, err
	}
	r, err := s.c.newRequest(http.MethodDelete, subscriptionsPath+"/"+seg, "", nil)
	if err != nil {
		return nil, err
	}
	return s.c.Do(ctx, r, nil)
}

// Reauthorize answers a reauthorizationRequired lifecycle event without
// changing the expiration (204).
//
// Docs: https://learn.microsoft.com/graph/api/subscription-reauthorize
func (s *SubscriptionsService) Reauthorize(ctx context.Context, id string) (*Response, error) {
	seg, err := pathSegment("subscription id", id)
	if err != nil {
		return nil, err
	}
	r, err := s.c.newRequest(http.MethodPost, subscriptionsPath+"/"+seg+"/reauthorize", "", nil)
	if err != nil {
		return nil, err
	}
	return s.c.Do(ctx, r, nil)
}

// MaxNotificationBody is the default limit of [DecodeChangeNotifications].
const MaxNotificationBody = 4 << 20

// DecodeChangeNotifications reads a changeNotificationCollection POSTed to
// a notification URL, reading at most max bytes (MaxNotificationBody when
// max <= 0). The body is untrusted: anything but a JSON object with a value
// array is an error, and clientState must still be checked by the caller.
func DecodeChangeNotifications(r io.Reader, max int64) (*ChangeNotificationCollection, error) {
	if max <= 0 {
		max = MaxNotificationBody
	}
	b, truncated, err := readLimited(r, max, 0)
	if err != nil {
		return nil, fmt.Errorf("graph: reading notifications: %w", err)
	}
	if truncated {
		return nil, fmt.Errorf("%w: notification body over %d bytes", ErrResponseTooLarge, max)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("%w: notification body is not a JSON object", ErrInvalidArgument)
	}
	var c ChangeNotificationCollection
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%w: notification body: %v", ErrInvalidArgument, err)
	}
	if c.Value == nil {
		return nil, fmt.Errorf("%w: notification body has no value array", ErrInvalidArgument)
	}
	return &c, nil
}
