package emulator

import (
	"net/http"
	"time"

	"github.com/graphsec/graphsec/emulator/delivery"
	"github.com/graphsec/graphsec/emulator/graphapi"
)

// This file is the control plane of change-notification delivery:
// subscriptions as the service keeps them, the recent POSTs, the
// delivery faults, and the service-side removal of a subscription.

func (e *Emulator) deliveryRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /_emulator/subscriptions", e.ctlSubscriptions)
	mux.HandleFunc("POST /_emulator/subscriptions/{id}/remove", e.ctlRemoveSubscription)
	mux.HandleFunc("GET /_emulator/deliveries", e.ctlDeliveries)
	mux.HandleFunc("GET /_emulator/deliveries/faults", e.ctlDeliveryFaults)
	mux.HandleFunc("POST /_emulator/deliveries/faults", e.ctlSetDeliveryFaults)
}

// SubscriptionView is a subscription as the control plane shows it: the
// whole record, the real clientState included (Graph never lists it), and
// delivery's statistics.
type SubscriptionView struct {
	ID                       string                     `json:"id"`
	Resource                 string                     `json:"resource"`
	ChangeType               string                     `json:"changeType"`
	NotificationURL          string                     `json:"notificationUrl"`
	LifecycleNotificationURL string                     `json:"lifecycleNotificationUrl,omitempty"`
	ClientState              string                     `json:"clientState"`
	ExpirationDateTime       time.Time                  `json:"expirationDateTime"`
	Expired                  bool                       `json:"expired"`
	ApplicationID            string                     `json:"applicationId"`
	TenantID                 string                     `json:"tenantId"`
	CreatorID                string                     `json:"creatorId"`
	Delegated                bool                       `json:"delegated"`
	CreatedDateTime          time.Time                  `json:"createdDateTime"`
	LastReauthorizedDateTime time.Time                  `json:"lastReauthorizedDateTime"`
	Delivery                 delivery.SubscriptionStats `json:"delivery"`
}

func (e *Emulator) subscriptionView(s graphapi.Subscription, now time.Time) SubscriptionView {
	return SubscriptionView{
		ID: s.ID, Resource: s.Resource, ChangeType: s.ChangeType(), NotificationURL: s.NotificationURL,
		LifecycleNotificationURL: s.LifecycleNotificationURL, ClientState: s.ClientState,
		ExpirationDateTime: s.ExpirationDateTime.UTC(), Expired: s.Expired(now),
		ApplicationID: s.ApplicationID, TenantID: s.TenantID, CreatorID: s.CreatorID, Delegated: s.Delegated,
		CreatedDateTime: s.CreatedDateTime.UTC(), LastReauthorizedDateTime: s.LastReauthorizedDateTime.UTC(),
		Delivery: e.deliver.Subscription(s),
	}
}

func (e *Emulator) subscriptionViews() []SubscriptionView {
	now := e.clock.Now()
	all := e.subs.All()
	out := make([]SubscriptionView, 0, len(all))
	for _, s := range all {
		out = append(out, e.subscriptionView(s, now))
	}
	return out
}

// ctlSubscriptions lists every subscription the service holds, whoever
// created it, with its real clientState and delivery statistics.
func (e *Emulator) ctlSubscriptions(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]any{"value": e.subscriptionViews()})
}

// ctlRemoveSubscription removes a subscription as the service would: its
// lifecycleNotificationUrl gets subscriptionRemoved, then it is gone.
func (e *Emulator) ctlRemoveSubscription(w http.ResponseWriter, r *http.Request) {
	s, ok := e.deliver.Remove(r.PathValue("id"))
	if !ok {
		ctlError(w, http.StatusNotFound, "no active subscription %q", r.PathValue("id"))
		return
	}
	ctlJSON(w, http.StatusOK, e.subscriptionView(s, e.clock.Now()))
}

func (e *Emulator) recentDeliveries(n int) []delivery.Attempt {
	list := e.deliver.Attempts()
	if n > 0 && len(list) > n {
		list = list[:n]
	}
	return list
}

// ctlDeliveries shows the recent POSTs to notification and lifecycle URLs
// (newest first; URLs without their query) and delivery's counters.
func (e *Emulator) ctlDeliveries(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]any{"stats": e.deliver.Stats(), "value": e.recentDeliveries(0)})
}

func (e *Emulator) ctlDeliveryFaults(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, e.deliver.Faults().JSON())
}

// maxDeliveryDelay bounds the delay fault.
const maxDeliveryDelay = 24 * time.Hour

// ctlSetDeliveryFaults changes the delivery faults; members left out keep
// their value: {"duplicate": 0.1, "reorder": 0.5, "delay": "2s"}.
func (e *Emulator) ctlSetDeliveryFaults(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Duplicate *float64 `json:"duplicate"`
		Reorder   *float64 `json:"reorder"`
		Delay     *string  `json:"delay"`
	}
	if !readBody(w, r, &body) {
		return
	}
	f := e.deliver.Faults()
	for _, v := range []struct {
		in  *float64
		out *float64
	}{{body.Duplicate, &f.Duplicate}, {body.Reorder, &f.Reorder}} {
		if v.in == nil {
			continue
		}
		if !(*v.in >= 0 && *v.in <= 1) {
			ctlError(w, http.StatusBadRequest, "duplicate and reorder are shares between 0 and 1")
			return
		}
		*v.out = *v.in
	}
	if body.Delay != nil {
		d, err := time.ParseDuration(*body.Delay)
		if err != nil || d < 0 || d > maxDeliveryDelay {
			ctlError(w, http.StatusBadRequest, "delay must be a duration between 0s and %v", maxDeliveryDelay)
			return
		}
		f.Delay = d
	}
	e.deliver.SetFaults(f)
	e.ctlDeliveryFaults(w, r)
}
