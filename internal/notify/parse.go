package notify

import "errors"

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
