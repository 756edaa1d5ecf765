// Package delivery sends Microsoft Graph change notifications and
// lifecycle notifications for the emulator's legacy security alert
// subscriptions, the way graph-api-facts.md §5.4–5.6 describes the real
// service: batched changeNotificationCollection POSTs, a 3-second limit,
// retries for 4 hours, slow-endpoint throttling, and reauthorizationRequired
// and subscriptionRemoved lifecycle events.
//
// A Delivery is a change.Sink: the store calls Publish with every committed
// change, under its write lock, so Publish only appends the event to a
// bounded backlog and returns. A loop matches events against the live
// subscriptions and queues encoded notifications per notification URL;
// senders post them. Nothing a receiver does (hang, fail, answer slowly)
// can slow a Graph request down.
//
// Time is the emulator's adjustable clock: retries, the retry window,
// throttling windows, delays, expiry and the lifecycle cadence all follow
// it, and it is looked at every 100 ms of real time (Options.Poll) and at
// once when the control plane moves it (Kick). Moving the clock five
// hours makes the retries due, and the next failure past the window
// drops them, without waiting five real hours. Latency (the 3-second
// limit, the 2900 ms slow threshold) is real time, measured with an
// injectable stopwatch.
//
// # What is notified
//
// Only changes to legacy alerts (change.LegacyAlerts): Graph offers no
// subscriptions on alerts_v2 or incidents. A change reaches a subscription
// when Matches says so: the subscription has not expired, its changeType
// names the change's type (created for a new alert, updated for a
// change, deleted for a deletion), and its resource covers the alert's
// new version: security/alerts/{id} by id, security/alerts?$filter=... by
// the subscription's compiled filter (odata.Filter.Match, with the legacy
// type's case-insensitive property names, exactly as the list evaluates
// it). Graph evaluates the filter on the new version, so an update that
// takes an alert out of the filter is not notified, and an update that
// brings one into it is notified as "updated" (not "created"). Every
// origin counts: a client's own PATCH is notified like a provider's
// change.
//
// # Payload
//
// Each notification carries id (unique per emulator run, GUID-shaped:
// receivers de-duplicate on it), subscriptionId,
// subscriptionExpirationDateTime, tenantId, clientState (null when the
// subscription has none), changeType, resource security/alerts/{id} and
// resourceData {"@odata.type":"#Microsoft.Graph.alert","@odata.id":
// "security/alerts/{id}","id":"{id}"}. The docs publish no alert sample;
// the @odata.type is the public entity type in the casing of Graph's
// other notification samples (ResourceDataType). Lifecycle notifications
// carry subscriptionId, subscriptionExpirationDateTime, tenantId,
// clientState and lifecycleEvent, no id and no resource data, as the
// docs' sample. POSTs go to the URL as registered, its query string kept,
// with Content-Type application/json; charset=utf-8; no validationTokens
// (those come only with rich notifications, which alerts do not offer).
//
// # Batching and order
//
// Notifications are queued per URL (query included): subscriptions that
// share a URL share its queue and its POSTs, and a lifecycleNotificationUrl
// equal to a notificationUrl shares them too, though one POST never mixes
// change and lifecycle notifications. A POST carries up to 100
// notifications (MaxBatch; Graph publishes no figure). One sender per URL
// at a time keeps the order of commits; while a POST is in flight,
// what arrives waits and goes in the next one, so batches form by
// themselves under load and a quiet endpoint gets each change at once.
// Across URLs at most 8 POSTs run at a time (Workers).
//
// # Failures and retries
//
// An answer other than 2xx within 3 seconds (timeout, refused connection,
// a 3xx, which is never followed) fails the POST. Its notifications are
// retried together, in front of everything queued after them (order is
// kept), after 10 s, 1 min, 5 min, 15 min, 30 min and then every hour;
// the last attempt is at exactly 4 hours after the first, and if that
// fails they are dropped (retriesExhausted). The schedule is the
// emulator's: Graph documents only "several times over up to 4 hours". An
// overdue retry (the clock jumped) is attempted once before being
// dropped. An address the network guard refuses is dropped at once
// (refused): it cannot become reachable by waiting.
//
// # Slow endpoints
//
// As documented (§5.5): a response slower than 2900 ms (or a timeout)
// counts as slow; counts are kept per URL per 10-minute window (emulated
// time) starting at the window's first POST. Once a window holds 100
// POSTs, a slow share of 10 % throttles the URL (every notification waits
// 10 minutes after being queued, and a failed POST is retried after 10
// minutes), 15 % drops its notifications (queued ones and new ones,
// slowEndpoint) until the window is flushed, when the URL starts again
// as normal. The emulator counts POSTs, not notifications within them,
// and uses the shared senders rather than Graph's dedicated workers.
//
// # Lifecycle
//
// reauthorizationRequired before expiry follows the documented
// pseudo-code applied to the subscription's remaining lifetime (the
// emulator does not keep the creating token): with q a quarter of the
// time left, nothing while q > 180 minutes (more than 12 hours left);
// while 60 < q <= 180 minutes a notification, and the next q/2 later;
// while q <= 60 minutes (the pseudo-code leaves exactly 60 in no branch)
// one every 15 minutes until expiry. None comes within 15 minutes of the
// subscription's creation or renewal, and a renewal restarts the
// cadence; reauthorizing without renewing does not silence it (it does
// not move the expiry). Notifications keep flowing meanwhile.
//
// Consent. When the tenant directory shows that the app lost consent for
// SecurityEvents.ReadWrite.All (the control plane's POST /_emulator/consent
// {"granted":false}; the tenant-wide application grant for app-only
// subscriptions, the user's consented scopes for delegated ones), the
// subscription is paused at once (the docs let notifications flow "for a
// while"; the emulator chooses no while: the permission is gone) and
// reauthorizationRequired is sent, then again every 15 minutes. Changes
// while paused are lost (paused), as documented. A reauthorize or renewal
// after the revocation resumes delivery; the API accepts those only once
// consent is granted again. If consent is still revoked an hour
// (ConsentGrace) after the revocation, the service removes the
// subscription.
//
// subscriptionRemoved is sent when the service removes a subscription
// (the control plane's POST /_emulator/subscriptions/{id}/remove, or the
// consent grace period running out); the subscription is then deleted and
// its queued change notifications dropped (subscriptionGone). Graph
// documents subscriptionRemoved only for Outlook and Teams resources; the
// emulator sends it for alerts too, so that receivers' handling can be
// tested. Subscriptions without a lifecycleNotificationUrl simply stop.
// Expired subscriptions stop receiving at once and are deleted from the
// store at the next look (no lifecycle event: Graph sends none).
//
// # Bounded memory
//
// A dead receiver cannot make the emulator grow: at most 50,000 changes
// wait to be matched (backlogFull), 5,000 notifications per URL
// (queueFullUrl) and 50,000 in all (queueFullTotal) wait to be sent;
// beyond a cap the newest notification is dropped, so what is queued
// keeps its order. The recent-attempts log keeps 500 entries. Endpoints
// no subscription uses are forgotten once their queue is empty. Every drop
// is counted by reason (Stats.Dropped), per URL and per subscription.
//
// # Faults
//
// Options.Faults (and SetFaults, the control plane, the CLI's
// --delivery-* flags) make delivery misbehave as the real service may:
// Duplicate sends that share of delivered notifications again, same id,
// in a later POST; Reorder shuffles that share of POSTs together with the
// notifications queued behind them, so they arrive out of order within
// and across POSTs; Delay holds every notification until that long
// (emulated time) after its change before it may be sent. Receivers must cope with the first two.
package delivery
