package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// MaxItemsPerPost bounds the notifications of one POST. Graph batches at
// most 100 (the emulator too); a body of a thousand tiny items is not
// Graph.
const MaxItemsPerPost = 1000

// Errors of ParseCollection: the whole POST is refused.
var (
	// ErrMalformed: the body is not a changeNotificationCollection.
	ErrMalformed = errors.New("notify: not a changeNotificationCollection")
	// ErrTooManyItems: more than MaxItemsPerPost notifications.
	ErrTooManyItems = errors.New("notify: too many notifications in one POST")
)

// Incoming is one changeNotification as the receiver reads it: the
// fields it needs, and the item's JSON as Graph sent it. Err is set when
// this item (not the whole POST) is unusable.
type Incoming struct {
	ID                             string
	SubscriptionID                 string
	ClientState                    string
	ChangeType                     string
	LifecycleEvent                 string
	Resource                       string
	ResourceDataID                 string
	SubscriptionExpirationDateTime string
	TenantID                       string
	Raw                            []byte
	Err                            error
}

// wireNotification is the JSON of one changeNotification (graph-api-facts
// §5.4), the fields the receiver uses. Nulls decode as "".
type wireNotification struct {
	ID                             string `json:"id"`
	SubscriptionID                 string `json:"subscriptionId"`
	ClientState                    string `json:"clientState"`
	ChangeType                     string `json:"changeType"`
	LifecycleEvent                 string `json:"lifecycleEvent"`
	Resource                       string `json:"resource"`
	SubscriptionExpirationDateTime string `json:"subscriptionExpirationDateTime"`
	TenantID                       string `json:"tenantId"`
	ResourceData                   *struct {
		ID string `json:"id"`
	} `json:"resourceData"`
}

// ParseCollection reads a changeNotificationCollection: a JSON object
// whose "value" is an array of objects. Anything else is ErrMalformed
// (the receiver answers 400); more than MaxItemsPerPost items is
// ErrTooManyItems (413). An item that is an object but not a usable
// notification (no subscriptionId, a field of the wrong type) comes back
// with Err set, so that one bad item does not refuse its neighbours. The
// items' Raw slices share body's memory.
func ParseCollection(body []byte) ([]Incoming, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, fmt.Errorf("%w: the body is not a JSON object", ErrMalformed)
	}
	var c struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if c.Value == nil {
		return nil, fmt.Errorf("%w: no value array", ErrMalformed)
	}
	if len(c.Value) > MaxItemsPerPost {
		return nil, fmt.Errorf("%w: %d, at most %d", ErrTooManyItems, len(c.Value), MaxItemsPerPost)
	}
	out := make([]Incoming, len(c.Value))
	for i, raw := range c.Value {
		in := &out[i]
		in.Raw = raw
		if len(raw) == 0 || raw[0] != '{' {
			in.Err = errors.New("not a JSON object")
			continue
		}
		var w wireNotification
		if err := json.Unmarshal(raw, &w); err != nil {
			in.Err = err
			continue
		}
		in.ID, in.SubscriptionID, in.ClientState = w.ID, w.SubscriptionID, w.ClientState
		in.ChangeType, in.LifecycleEvent, in.Resource = w.ChangeType, w.LifecycleEvent, w.Resource
		in.SubscriptionExpirationDateTime, in.TenantID = w.SubscriptionExpirationDateTime, w.TenantID
		if w.ResourceData != nil {
			in.ResourceDataID = w.ResourceData.ID
		}
		switch {
		case in.SubscriptionID == "":
			in.Err = errors.New("no subscriptionId")
		case in.LifecycleEvent == "" && in.ChangeType == "":
			in.Err = errors.New("neither changeType nor lifecycleEvent")
		}
	}
	return out, nil
}
