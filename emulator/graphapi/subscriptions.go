package graphapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/emulator/webhook"
)

// Limits of /subscriptions. The lifetime and clientState length are
// Microsoft's (graph-api-facts.md §5.1); the rest are the emulator's
// choices where the docs are silent.
const (
	// MaxAlertSubscriptionLifetime is the longest expiration Graph accepts
	// for a security alert subscription.
	MaxAlertSubscriptionLifetime = 43200 * time.Minute
	// ValidationTimeout is how long Graph waits for a notification
	// endpoint to answer the validation request.
	ValidationTimeout = 10 * time.Second

	maxClientState = 128
	maxURLLength   = 2048
	maxResourceLen = 8192
	// maxSubscriptionsPerApp bounds the active subscriptions of one app in
	// one tenant, as Graph's per-app+tenant quota does for directory
	// resources (none is published for security alerts).
	maxSubscriptionsPerApp = 100
	// maxSubscriptionRecords bounds the store, expired records included.
	maxSubscriptionRecords = 10000
	// maxValidationAnswer bounds how much of a validation answer is read.
	maxValidationAnswer = 64 << 10
)

// The messages Graph is observed to answer a failed handshake with
// (graph-api-facts.md §5.2, §5.3). A status other than 200 gets the
// status's name inserted after the first sentence, as observed for 403.
const (
	msgValidationFailed  = "Subscription validation request failed."
	msgValidationStatus  = "Notification endpoint must respond with 200 OK to validation request."
	msgValidationMatch   = "Subscription validation request failed. Response must exactly match validationToken query parameter."
	msgValidationTimeout = "Subscription validation request timed out."
	// msgValidationNoAnswer is for an endpoint that gave no HTTP answer at
	// all (refused connection, unknown host, TLS failure).
	msgValidationNoAnswer = "Subscription validation request failed. Must respond with 200 OK to this request."
)

// Subscription is a change-notification subscription as the emulator
// keeps it: the full record, including what Graph never shows again (the
// real clientState) and who created it, so that notification delivery can
// be built on it. Values returned by Subscriptions are copies.
type Subscription struct {
	ID string
	// Resource is as the client sent it; AlertID or Filter say what it
	// covers.
	Resource string
	// AlertID is set for a security/alerts/{id} subscription.
	AlertID string
	// Filter is the compiled $filter of a security/alerts?$filter=...
	// subscription, bound to the legacy alert type. It is safe for
	// concurrent use.
	Filter *odata.Filter
	// ChangeTypes are the canonical members of changeType, in the order sent.
	ChangeTypes               []string
	NotificationURL           string
	LifecycleNotificationURL  string
	ClientState               string
	ExpirationDateTime        time.Time
	LatestSupportedTLSVersion string
	NotificationURLAppID      string
	EncryptionCertificate     string
	EncryptionCertificateID   string
	ApplicationID             string
	TenantID                  string
	CreatorID                 string // the user (delegated) or the app's service principal
	Delegated                 bool   // created with a delegated token
	CreatedDateTime           time.Time
	LastReauthorizedDateTime  time.Time // creation, reauthorize or renewal
}

// ChangeType is the changeType property as Graph writes it.
func (s Subscription) ChangeType() string { return strings.Join(s.ChangeTypes, ",") }

// Expired reports whether the subscription has ended at now.
func (s Subscription) Expired(now time.Time) bool { return !now.Before(s.ExpirationDateTime) }

// Covers reports whether a legacy alert (in stored form) is within the
// subscription's resource.
func (s Subscription) Covers(alert odata.Object) bool {
	if s.AlertID != "" {
		return strings.EqualFold(idOf(alert), s.AlertID)
	}
	return s.Filter != nil && s.Filter.Match(alert)
}

// Wants reports whether the subscription asked for a change type.
func (s Subscription) Wants(changeType string) bool {
	return slices.Contains(s.ChangeTypes, strings.ToLower(changeType))
}

// Subscriptions is the emulator's subscription store. It is safe for
// concurrent use.
type Subscriptions struct {
	mu   sync.Mutex
	byID map[string]*Subscription
	// gen counts changes, so that notification delivery can keep a
	// snapshot and reload it only when something changed.
	gen uint64
}

// Generation increases with every change to the store (create, renew,
// reauthorize, delete, removal, clear). Equal generations mean equal
// contents.
func (s *Subscriptions) Generation() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
}

// Put stores a subscription as given, replacing one with the same id,
// without any of the API's checks or its handshake. It is for tests and
// tools that need a subscription without a receiver answering the
// handshake; clients go through POST /subscriptions.
func (s *Subscriptions) Put(x Subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID[strings.ToLower(x.ID)] = &x
	s.gen++
}

// Remove deletes a subscription as the service would (not a client's
// DELETE): it returns the removed record, expired or not.
func (s *Subscriptions) Remove(id string) (Subscription, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := strings.ToLower(id)
	x, ok := s.byID[k]
	if !ok {
		return Subscription{}, false
	}
	delete(s.byID, k)
	s.gen++
	return *x, true
}

// RemoveExpired deletes the subscriptions expired at now and returns
// them: expired subscriptions receive nothing and are invisible through
// the API, and delivery sweeps them so that they disappear.
func (s *Subscriptions) RemoveExpired(now time.Time) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Subscription
	for k, x := range s.byID {
		if x.Expired(now) {
			out = append(out, *x)
			delete(s.byID, k)
		}
	}
	if len(out) > 0 {
		s.gen++
	}
	return out
}

// NewSubscriptions returns an empty store.
func NewSubscriptions() *Subscriptions {
	return &Subscriptions{byID: map[string]*Subscription{}}
}

// Get returns a subscription by id, expired or not.
func (s *Subscriptions) Get(id string) (Subscription, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.byID[strings.ToLower(id)]
	if !ok {
		return Subscription{}, false
	}
	return *x, true
}

// Active returns the subscriptions that have not expired at now, oldest
// first.
func (s *Subscriptions) Active(now time.Time) []Subscription {
	return s.matching(func(x *Subscription) bool { return !x.Expired(now) })
}

// All returns every stored subscription, expired ones included, oldest
// first (the control plane's view).
func (s *Subscriptions) All() []Subscription {
	return s.matching(func(*Subscription) bool { return true })
}

// Clear forgets every subscription (control plane reset).
func (s *Subscriptions) Clear() {
	s.mu.Lock()
	s.byID = map[string]*Subscription{}
	s.gen++
	s.mu.Unlock()
}

func (s *Subscriptions) matching(keep func(*Subscription) bool) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Subscription
	for _, x := range s.byID {
		if keep(x) {
			out = append(out, *x)
		}
	}
	slices.SortFunc(out, func(a, b Subscription) int {
		if c := a.CreatedDateTime.Compare(b.CreatedDateTime); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// add stores a new subscription unless the app's quota is used up. Records
// expired at now are dropped first: they are invisible through the API and
// can receive nothing.
func (s *Subscriptions) add(x Subscription, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	active := 0
	for id, old := range s.byID {
		if old.Expired(now) {
			delete(s.byID, id)
			s.gen++
			continue
		}
		if old.ApplicationID == x.ApplicationID && old.TenantID == x.TenantID {
			active++
		}
	}
	if active >= maxSubscriptionsPerApp {
		return errorf(http.StatusForbidden, "ExtensionError",
			"Operation: Create; Exception: [Status Code: Forbidden; Reason: The application has reached its limit of %d active subscriptions in this tenant.]", maxSubscriptionsPerApp)
	}
	if len(s.byID) >= maxSubscriptionRecords {
		return errorf(http.StatusForbidden, "ExtensionError", "The emulator holds %d subscriptions, its limit.", maxSubscriptionRecords)
	}
	s.byID[strings.ToLower(x.ID)] = &x
	s.gen++
	return nil
}

// update applies fn to a subscription the caller may see; a missing,
// expired or foreign one is a 404.
func (s *Subscriptions) update(id string, visible func(*Subscription) bool, now time.Time, fn func(*Subscription) error) (Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.byID[strings.ToLower(id)]
	if !ok || x.Expired(now) || !visible(x) {
		return Subscription{}, subscriptionNotFound(id)
	}
	next := *x
	if err := fn(&next); err != nil {
		return Subscription{}, err
	}
	*x = next
	s.gen++
	return next, nil
}

// get returns a subscription the caller may see; a missing, expired or
// foreign one is a 404.
func (s *Subscriptions) get(id string, visible func(*Subscription) bool, now time.Time) (Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.byID[strings.ToLower(id)]
	if !ok || x.Expired(now) || !visible(x) {
		return Subscription{}, subscriptionNotFound(id)
	}
	return *x, nil
}

func (s *Subscriptions) remove(id string, visible func(*Subscription) bool, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := strings.ToLower(id)
	x, ok := s.byID[k]
	if !ok || x.Expired(now) || !visible(x) {
		return subscriptionNotFound(id)
	}
	delete(s.byID, k)
	s.gen++
	return nil
}

func subscriptionNotFound(id string) *apiError {
	return errorf(http.StatusNotFound, "ResourceNotFound", "The subscription with id '%s' was not found.", echoID(id))
}

// echoID shortens a client-supplied id for an error message.
func echoID(id string) string {
	if len(id) > 128 {
		id = id[:128]
		for len(id) > 0 && !utf8.ValidString(id) {
			id = id[:len(id)-1]
		}
		return id + "..."
	}
	return id
}

func invalidRequest(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "InvalidRequest", format, args...)
}

// requireSubscriptions checks the permission for security alert
// subscriptions: SecurityEvents.ReadWrite.All, delegated or application
// (Read.All is not enough), and for a delegated caller a directory role
// that may read security data.
func (c *call) requireSubscriptions() error {
	const perm = "SecurityEvents.ReadWrite.All"
	if !c.who.has(perm) {
		return c.missingPermission([]string{perm})
	}
	if u := c.who.user; u != nil && !u.CanReadSecurity() {
		return errorf(http.StatusForbidden, "Forbidden", "The signed-in user does not hold a directory role that allows reading security data. Required: Security Reader or a security administrator role.")
	}
	return nil
}

// requireConsent checks, for the operations that (re)authorize a
// subscription (create, renew, reauthorize), that the app still holds
// consent for SecurityEvents.ReadWrite.All in the directory now: an access
// token minted before an administrator revoked the consent stays valid
// until it expires, but it cannot authorize a subscription again (the
// lifecycle notification docs: "Renewing may fail if the app is no longer
// authorized"). The message is the emulator's own.
func (c *call) requireConsent() error {
	const perm = "SecurityEvents.ReadWrite.All"
	cl := c.who.claims
	var held []string
	if c.who.appOnly() {
		held = c.api.dir.AdminGrant(cl.AppID).Application
	} else {
		held = c.api.dir.ConsentedScopes(cl.AppID, cl.ObjectID)
	}
	if slices.ContainsFunc(held, func(h string) bool { return strings.EqualFold(h, perm) }) {
		return nil
	}
	return errorf(http.StatusForbidden, "Forbidden",
		"The application no longer holds consent for %s in this tenant: an administrator must grant it again before the subscription can be authorized.", perm)
}

// ownedBy says which subscriptions a caller sees: an app-only caller those
// its app created in its tenant (for itself or any user), a delegated
// caller those its app created for the signed-in user.
func (c *call) ownedBy() func(*Subscription) bool {
	cl := c.who.claims
	if c.who.appOnly() {
		return func(x *Subscription) bool {
			return strings.EqualFold(x.ApplicationID, cl.AppID) && strings.EqualFold(x.TenantID, cl.TenantID)
		}
	}
	return func(x *Subscription) bool {
		return strings.EqualFold(x.ApplicationID, cl.AppID) && strings.EqualFold(x.TenantID, cl.TenantID) &&
			x.Delegated && strings.EqualFold(x.CreatorID, cl.ObjectID)
	}
}

// subscriptionProps are the properties a create body may carry (the v1.0
// CSDL, plus notificationContentType seen in samples). Read-only ones are
// accepted and ignored, as Graph ignores them.
var subscriptionProps = map[string]string{
	"resource": "resource", "changetype": "changeType", "notificationurl": "notificationUrl",
	"expirationdatetime": "expirationDateTime", "clientstate": "clientState",
	"lifecyclenotificationurl": "lifecycleNotificationUrl", "includeresourcedata": "includeResourceData",
	"encryptioncertificate": "encryptionCertificate", "encryptioncertificateid": "encryptionCertificateId",
	"latestsupportedtlsversion": "latestSupportedTlsVersion", "notificationqueryoptions": "notificationQueryOptions",
	"notificationurlappid": "notificationUrlAppId", "notificationcontenttype": "notificationContentType",
	"id": "id", "applicationid": "applicationId", "creatorid": "creatorId",
}

// subscriptionBody reads a JSON object whose members are subscription
// properties, keyed by their canonical names. Annotations (@odata.type) are
// dropped; unknown members are a 400 as on Graph.
func (c *call) subscriptionBody() (map[string]any, error) {
	var raw map[string]any
	if err := c.readJSON(&raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, badRequest("The request body must be a JSON object.")
	}
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		if strings.HasPrefix(k, "@") {
			continue
		}
		name, ok := subscriptionProps[strings.ToLower(k)]
		if !ok {
			return nil, badRequest("Invalid request: The property '%s' does not exist on type 'microsoft.graph.subscription'. Make sure to only use property names that are defined by the type.", echoID(k))
		}
		if _, dup := out[name]; dup {
			return nil, badRequest("The property '%s' appears more than once.", name)
		}
		out[name] = v
	}
	return out, nil
}

// stringProp reads an optional string property; null and absent are "".
func stringProp(body map[string]any, name string) (string, error) {
	switch v := body[name].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		return "", badRequest("Cannot convert the literal '%s' to the expected type 'Edm.String' for property '%s'.", literalOf(v), name)
	}
}

func literalOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 64 {
		return "…"
	}
	return string(b)
}

// parseExpiration checks expirationDateTime: present, a DateTimeOffset, in
// the future and at most 43200 minutes ahead.
func parseExpiration(body map[string]any, now time.Time, op string) (time.Time, error) {
	v, present := body["expirationDateTime"]
	if !present || v == nil {
		return time.Time{}, invalidRequest("expirationDateTime is a required property for subscription %s.", op)
	}
	s, ok := v.(string)
	if !ok {
		return time.Time{}, badRequest("Cannot convert the literal '%s' to the expected type 'Edm.DateTimeOffset'.", literalOf(v))
	}
	t, err := odata.ParseTime(s)
	if err != nil {
		return time.Time{}, badRequest("Cannot convert the literal '%s' to the expected type 'Edm.DateTimeOffset'.", echoID(s))
	}
	if !t.After(now) {
		return time.Time{}, invalidRequest("Subscription expiration must be in the future; expirationDateTime %s has passed.", t.String())
	}
	if t.Sub(now) > MaxAlertSubscriptionLifetime {
		return time.Time{}, errorf(http.StatusBadRequest, "ExtensionError", "Subscription expiration can only be %d minutes in the future.", int(MaxAlertSubscriptionLifetime/time.Minute))
	}
	return t.Time, nil
}

// parseChangeType checks a comma-separated subset of created, updated,
// deleted; members match without regard to case and may not repeat.
func parseChangeType(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, invalidRequest("changeType is a required property for subscription creation.")
	}
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		m := strings.ToLower(strings.TrimSpace(part))
		switch m {
		case "created", "updated", "deleted":
		default:
			return nil, invalidRequest("changeType '%s' is not valid: use a comma-separated list of created, updated and deleted.", echoID(s))
		}
		if slices.Contains(out, m) {
			return nil, invalidRequest("changeType '%s' names '%s' more than once.", echoID(s), m)
		}
		out = append(out, m)
	}
	return out, nil
}

// checkNotificationURL requires an absolute https URL. http is accepted
// where the network guard says plain HTTP stays local: loopback hosts
// (where the emulator itself runs, so a local receiver needs no
// certificate) and IP literals inside a --webhook-allow range.
func (a *API) checkNotificationURL(name, s string) error {
	if len(s) > maxURLLength {
		return invalidRequest("%s is longer than %d characters.", name, maxURLLength)
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return invalidRequest("%s '%s' is not an absolute URL.", name, echoID(s))
	}
	if u.User != nil || u.Fragment != "" || strings.Contains(s, "#") {
		return invalidRequest("%s must not carry user information or a fragment.", name)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if a.guard.AllowsPlainHTTP(u.Hostname()) {
			return nil
		}
		return invalidRequest("%s must use https; the emulator accepts http only for loopback hosts (localhost, 127.0.0.0/8, ::1) and addresses in a --webhook-allow range.", name)
	}
	return invalidRequest("%s must use https.", name)
}

// parseResource accepts the security alert resources Graph supports
// change notifications for: a filtered collection
// (security/alerts?$filter=..., the filter compiled against the legacy
// alert type) or one alert (security/alerts/{id}, which must exist). An
// unfiltered security/alerts is refused, as on Graph.
func (a *API) parseResource(res string) (alertID string, f *odata.Filter, err error) {
	if strings.TrimSpace(res) == "" {
		return "", nil, invalidRequest("resource is a required property for subscription creation.")
	}
	if len(res) > maxResourceLen {
		return "", nil, invalidRequest("resource is longer than %d characters.", maxResourceLen)
	}
	path, query, hasQuery := strings.Cut(strings.TrimPrefix(strings.TrimSpace(res), "/"), "?")
	segs := strings.Split(strings.TrimSuffix(path, "/"), "/")
	if len(segs) < 2 || !strings.EqualFold(segs[0], "security") || !strings.EqualFold(segs[1], "alerts") || len(segs) > 3 {
		return "", nil, invalidRequest("Resource '%s' is not supported for change notifications here: use security/alerts?$filter=... or security/alerts/{id}.", echoID(res))
	}
	if len(segs) == 3 {
		if hasQuery {
			return "", nil, invalidRequest("A subscription to one alert (security/alerts/{id}) takes no query options.")
		}
		id, uerr := url.PathUnescape(segs[2])
		if uerr != nil || id == "" {
			return "", nil, invalidRequest("Resource '%s' does not name a valid alert id.", echoID(res))
		}
		a.store.mu.RLock()
		doc, _, ok := a.store.legacy.get(id)
		a.store.mu.RUnlock()
		if !ok {
			return "", nil, notFound("alert", echoID(id))
		}
		return idOf(doc), nil, nil
	}
	q, err := odata.ParseQuery(query, odata.Spec{Type: a.schema.LegacyAlert, Allow: odata.OptFilter, Limits: odata.DefaultLimits()})
	if err != nil {
		return "", nil, err
	}
	if q.Filter == nil {
		return "", nil, invalidRequest("Subscriptions to security/alerts must be filtered (security/alerts?$filter=...) or name one alert (security/alerts/{id}); the unfiltered collection is not supported.")
	}
	return "", q.Filter, nil
}

func (a *API) createSubscription(c *call) error {
	if err := c.requireSubscriptions(); err != nil {
		return err
	}
	if err := c.requireConsent(); err != nil {
		return err
	}
	body, err := c.subscriptionBody()
	if err != nil {
		return err
	}
	var str = map[string]string{}
	for _, name := range []string{"resource", "changeType", "notificationUrl", "clientState", "lifecycleNotificationUrl",
		"encryptionCertificate", "encryptionCertificateId", "latestSupportedTlsVersion", "notificationQueryOptions",
		"notificationUrlAppId", "notificationContentType"} {
		if str[name], err = stringProp(body, name); err != nil {
			return err
		}
	}
	sub := Subscription{
		ID: newGUID(), Resource: str["resource"], ClientState: str["clientState"],
		NotificationURL: str["notificationUrl"], LifecycleNotificationURL: str["lifecycleNotificationUrl"],
		NotificationURLAppID: str["notificationUrlAppId"], EncryptionCertificate: str["encryptionCertificate"],
		EncryptionCertificateID: str["encryptionCertificateId"],
		ApplicationID:           c.who.claims.AppID, TenantID: c.who.claims.TenantID, CreatorID: c.who.claims.ObjectID,
		Delegated: !c.who.appOnly(), CreatedDateTime: c.now, LastReauthorizedDateTime: c.now,
	}
	if sub.AlertID, sub.Filter, err = a.parseResource(sub.Resource); err != nil {
		return err
	}
	if sub.ChangeTypes, err = parseChangeType(str["changeType"]); err != nil {
		return err
	}
	if sub.NotificationURL == "" {
		return invalidRequest("notificationUrl is a required property for subscription creation.")
	}
	if err := a.checkNotificationURL("notificationUrl", sub.NotificationURL); err != nil {
		return err
	}
	if sub.LifecycleNotificationURL != "" {
		if err := a.checkNotificationURL("lifecycleNotificationUrl", sub.LifecycleNotificationURL); err != nil {
			return err
		}
	}
	if sub.ExpirationDateTime, err = parseExpiration(body, c.now, "creation"); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(sub.ClientState); n > maxClientState {
		return invalidRequest("clientState is %d characters long; the maximum is %d.", n, maxClientState)
	}
	switch v := body["includeResourceData"].(type) {
	case nil, bool:
		if v == true {
			return invalidRequest("Rich notifications (includeResourceData) are not supported for security alert subscriptions.")
		}
	default:
		return badRequest("Cannot convert the literal '%s' to the expected type 'Edm.Boolean' for property 'includeResourceData'.", literalOf(v))
	}
	if str["notificationQueryOptions"] != "" {
		return invalidRequest("notificationQueryOptions is supported only for Universal Print resources.")
	}
	if sub.LatestSupportedTLSVersion, err = tlsVersion(str["latestSupportedTlsVersion"]); err != nil {
		return err
	}
	// The handshake runs without any lock held: it waits on the network.
	if err := a.validateEndpoint(c.r.Context(), sub.NotificationURL); err != nil {
		return err
	}
	if sub.LifecycleNotificationURL != "" {
		if err := a.validateEndpoint(c.r.Context(), sub.LifecycleNotificationURL); err != nil {
			return err
		}
	}
	if err := a.subs.add(sub, c.now); err != nil {
		return err
	}
	a.log.Info("subscription created", "id", sub.ID, "resource", sub.Resource, "app", sub.ApplicationID, "expires", sub.ExpirationDateTime)
	c.writeSubscription(http.StatusCreated, sub)
	return nil
}

// tlsVersion checks latestSupportedTlsVersion (default v1_2).
func tlsVersion(s string) (string, error) {
	if s == "" {
		return "v1_2", nil
	}
	for _, v := range []string{"v1_0", "v1_1", "v1_2", "v1_3"} {
		if strings.EqualFold(s, v) {
			return v, nil
		}
	}
	return "", invalidRequest("latestSupportedTlsVersion '%s' is not one of v1_0, v1_1, v1_2, v1_3.", echoID(s))
}

// validationToken is the opaque token of one handshake. It contains spaces
// and a colon, so an endpoint that echoes it still URL-encoded fails, as
// it would on Graph; the random part makes every token unique.
func validationToken() string {
	return "Validation: Testing client application reachability for subscription Request-Id: " + newGUID()
}

// validateEndpoint performs the validation handshake (graph-api-facts.md
// §5.3): POST {url}?validationToken=..., Content-Type text/plain, through
// the network guard, without following redirects, and the endpoint must
// answer 200 with the decoded token as its body, byte for byte, within 10
// seconds. The answer's Content-Type is not checked: the real service
// enforces only status and body, and Microsoft's own samples answer
// text/html (Flask returning the token, Express res.send).
func (a *API) validateEndpoint(ctx context.Context, endpoint string) error {
	token := validationToken()
	target := endpoint
	switch {
	case strings.HasSuffix(target, "?"):
	case strings.Contains(target, "?"):
		target += "&"
	default:
		target += "?"
	}
	target += "validationToken=" + url.QueryEscape(token)

	ctx, cancel := context.WithTimeout(ctx, ValidationTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, http.NoBody)
	if err != nil {
		return invalidRequest("%s", msgValidationNoAnswer)
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	req.Header.Set("User-Agent", UserAgent)
	client := *a.webhooks
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	client.Jar = nil

	fail := func(msg string, cause error) error {
		a.log.Info("subscription validation failed", "url", stripQuery(endpoint), "reason", msg, "err", cause)
		return invalidRequest("%s", msg)
	}
	resp, err := client.Do(req)
	if err != nil {
		var refused *webhook.RefusedError
		switch {
		case errors.As(err, &refused):
			// The guard's refusal is the emulator's own rule (Graph reaches
			// any public endpoint), so the message says what to change.
			return fail(fmt.Sprintf("%s The emulator does not send requests to %s: %s.", msgValidationFailed, refused.Target(), refused.Reason), err)
		case isTimeout(err):
			return fail(msgValidationTimeout, err)
		}
		return fail(msgValidationNoAnswer, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, maxValidationAnswer+1))
	if err != nil {
		if isTimeout(err) {
			return fail(msgValidationTimeout, err)
		}
		return fail(msgValidationNoAnswer, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fail(msgValidationFailed+" HTTP status code is '"+statusName(resp.StatusCode)+"'. "+msgValidationStatus, fmt.Errorf("status %d", resp.StatusCode))
	}
	if !bytes.Equal(got, []byte(token)) {
		return fail(msgValidationMatch, errors.New("body differs from the token"))
	}
	return nil
}

// UserAgent is sent with every request to a subscriber.
const UserAgent = "graphsec-emulator (Microsoft Graph change notifications)"

// statusName is an HTTP status as .NET's HttpStatusCode names it, which is
// how Graph's message spells it ('Forbidden', 'NotFound',
// 'InternalServerError'); a status without a name is its number.
func statusName(code int) string {
	text := http.StatusText(code)
	if text == "" {
		return strconv.Itoa(code)
	}
	var b strings.Builder
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '-' || r == '\'' }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// stripQuery leaves the query (which may carry a secret) out of logs.
func stripQuery(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}

func (a *API) getSubscription(c *call) error {
	if err := c.requireSubscriptions(); err != nil {
		return err
	}
	sub, err := a.subs.get(c.r.PathValue("id"), c.ownedBy(), c.now)
	if err != nil {
		return err
	}
	c.writeSubscription(http.StatusOK, sub)
	return nil
}

func (a *API) listSubscriptions(c *call) error {
	if err := c.requireSubscriptions(); err != nil {
		return err
	}
	for part := range strings.SplitSeq(c.r.URL.RawQuery, "&") {
		if name, _, _ := strings.Cut(part, "="); strings.HasPrefix(name, "$") || strings.HasPrefix(strings.ToLower(name), "%24") {
			return badRequest("The query option '%s' is not supported for subscriptions.", echoID(name))
		}
	}
	visible := c.ownedBy()
	subs := a.subs.matching(func(x *Subscription) bool { return !x.Expired(c.now) && visible(x) })
	buf := make([]byte, 0, 256+512*len(subs))
	buf = append(buf, `{"@odata.context":`...)
	buf = appendJSONString(buf, c.contextURL("subscriptions"))
	buf = append(buf, `,"value":[`...)
	for i, s := range subs {
		if i > 0 {
			buf = append(buf, ',')
		}
		// Graph never returns clientState in a list: the app keeps its own copy.
		buf = append(buf, '{')
		buf = appendSubscriptionMembers(buf, s, false)
		buf = append(buf, '}')
	}
	buf = append(buf, "]}"...)
	c.writeJSON(http.StatusOK, buf)
	return nil
}

func (a *API) renewSubscription(c *call) error {
	if err := c.requireSubscriptions(); err != nil {
		return err
	}
	if err := c.requireConsent(); err != nil {
		return err
	}
	body, err := c.subscriptionBody()
	if err != nil {
		return err
	}
	for k := range body {
		if k != "expirationDateTime" {
			return badRequest("Property '%s' cannot be updated. Updatable properties: expirationDateTime.", k)
		}
	}
	exp, err := parseExpiration(body, c.now, "renewal")
	if err != nil {
		return err
	}
	sub, err := a.subs.update(c.r.PathValue("id"), c.ownedBy(), c.now, func(x *Subscription) error {
		x.ExpirationDateTime = exp
		x.LastReauthorizedDateTime = c.now
		return nil
	})
	if err != nil {
		return err
	}
	c.writeSubscription(http.StatusOK, sub)
	return nil
}

func (a *API) deleteSubscription(c *call) error {
	if err := c.requireSubscriptions(); err != nil {
		return err
	}
	if err := a.subs.remove(c.r.PathValue("id"), c.ownedBy(), c.now); err != nil {
		return err
	}
	c.writeEmpty(http.StatusNoContent)
	return nil
}

func (a *API) reauthorizeSubscription(c *call) error {
	if err := c.requireSubscriptions(); err != nil {
		return err
	}
	if err := c.requireConsent(); err != nil {
		return err
	}
	_, err := a.subs.update(c.r.PathValue("id"), c.ownedBy(), c.now, func(x *Subscription) error {
		x.LastReauthorizedDateTime = c.now
		return nil
	})
	if err != nil {
		return err
	}
	c.writeEmpty(http.StatusNoContent)
	return nil
}

// writeSubscription answers with one subscription, clientState included
// (Graph returns it to its creator on create, get and renew).
func (c *call) writeSubscription(status int, s Subscription) {
	buf := make([]byte, 0, 1024)
	buf = append(buf, `{"@odata.context":`...)
	buf = appendJSONString(buf, c.contextURL("subscriptions/$entity"))
	buf = append(buf, ',')
	buf = appendSubscriptionMembers(buf, s, true)
	c.writeJSON(status, append(buf, '}'))
}

// appendSubscriptionMembers writes a subscription's members as Graph does:
// every CSDL property, null where unset, without the braces.
func appendSubscriptionMembers(buf []byte, s Subscription, withClientState bool) []byte {
	nullable := func(b []byte, v string) []byte {
		if v == "" {
			return append(b, "null"...)
		}
		return appendJSONString(b, v)
	}
	buf = append(buf, `"id":`...)
	buf = appendJSONString(buf, s.ID)
	buf = append(buf, `,"resource":`...)
	buf = appendJSONString(buf, s.Resource)
	buf = append(buf, `,"applicationId":`...)
	buf = appendJSONString(buf, s.ApplicationID)
	buf = append(buf, `,"changeType":`...)
	buf = appendJSONString(buf, s.ChangeType())
	buf = append(buf, `,"clientState":`...)
	if withClientState {
		buf = nullable(buf, s.ClientState)
	} else {
		buf = append(buf, "null"...)
	}
	buf = append(buf, `,"notificationUrl":`...)
	buf = appendJSONString(buf, s.NotificationURL)
	buf = append(buf, `,"notificationQueryOptions":null,"lifecycleNotificationUrl":`...)
	buf = nullable(buf, s.LifecycleNotificationURL)
	buf = append(buf, `,"expirationDateTime":`...)
	buf = appendJSONString(buf, odata.At(s.ExpirationDateTime).String())
	buf = append(buf, `,"creatorId":`...)
	buf = appendJSONString(buf, s.CreatorID)
	buf = append(buf, `,"includeResourceData":false,"latestSupportedTlsVersion":`...)
	buf = appendJSONString(buf, s.LatestSupportedTLSVersion)
	buf = append(buf, `,"encryptionCertificate":`...)
	buf = nullable(buf, s.EncryptionCertificate)
	buf = append(buf, `,"encryptionCertificateId":`...)
	buf = nullable(buf, s.EncryptionCertificateID)
	buf = append(buf, `,"notificationUrlAppId":`...)
	return nullable(buf, s.NotificationURLAppID)
}
