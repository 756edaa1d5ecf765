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
	// secrets are the byte ranges of Raw holding clientState values
	// (every occurrence), left out of what is stored (AppendStoredRaw).
	secrets [][2]int
	Err     error
}

// redactedClientState replaces a clientState's value in stored JSON.
const redactedClientState = `"(not kept)"`

// AppendStoredRaw appends Raw without its clientState values to dst:
// graphsec keeps only the secret's hash (Feed.ClientStateHash), so the
// notification it stores must not carry the secret in clear either. It
// always copies, so that what is stored never shares the request body's
// memory (the receiver reuses body buffers).
func (in *Incoming) AppendStoredRaw(dst []byte) []byte {
	at := 0
	for _, sp := range in.secrets {
		dst = append(dst, in.Raw[at:sp[0]]...)
		dst = append(dst, redactedClientState...)
		at = sp[1]
	}
	return append(dst, in.Raw[at:]...)
}
