// # Feeds: subscriptions and watches
//
// Everything live comes through a feed (store.Feed): a Graph subscription
// graphsec keeps alive (kind subscription: legacy alerts, the only
// security resource with webhooks), or a saved query graphsec polls (kind
// watch: alerts_v2 and incidents, which have no webhooks, and legacy
// alerts where Graph cannot reach graphsec). The page engineer's API is
// Upkeep.Create, Renew, Delete, List and AuthFor for subscriptions,
// Watcher.CreateWatch, ListWatches, DeleteWatch, Stats, PollNow and
// AuthFor for watches; Upkeep.HandleLifecycle hands the upkeep a lifecycle
// event; Run on both, and Upkeep.FollowLifecycle, are the background work,
// which a console runs on the one replica that holds the lease
// (internal/lease): Graph may deliver a lifecycle notification to any
// replica, which stores it, and FollowLifecycle on the leader hears of
// every stored one through the stream's broker. A new leader calls
// Watcher.Reload, since checkpoints moved while another led.
//
// Feeds keep working when their creator signs out. A feed acts with
// graphsec's own app (app-only, client credentials: store.Feed.Auth
// "app") whenever the app holds the application permission its target
// needs (SecurityEvents.ReadWrite.All for subscriptions, SecurityAlert.*
// for alerts, SecurityIncident.* for incidents, SecurityEvents.* for
// legacy alerts): the roles claim of an app-only token says which it
// holds (asked at most every 10 minutes). Otherwise it acts with its
// creator's sign-in: the refresh token is sealed for the feed (AES-GCM
// with the session key, bound to the feed id) in store.Feed.Tokens,
// redeemed as needed and sealed again each time Entra rotates it ("delegated").
// AuthFor says which before a feed is created, and why, for the page.
//
// # Subscriptions
//
// Create takes the original sample's subscription form as a query string
// (provider, category, severity, status, hostFqdn, upn; values read
// without regard to case, e.g. High; at least one field) or one alert's
// id (alertId), and subscribes to security/alerts?$filter=… (the graph
// package's filter builder, in the sample's order of conditions) or
// security/alerts/{id}, changeType created,updated. Each subscription
// gets a fresh clientState of 32 random bytes (43 characters of base64url,
// within Graph's 128); graphsec keeps only its SHA-256
// (store.Feed.ClientStateHash), against which the receiver checks every
// notification. notificationUrl is {public URL}/listen and
// lifecycleNotificationUrl {public URL}/listen/lifecycle. The lifetime is
// Graph's maximum for security alerts, 43,200 minutes, less an hour (a
// clock running ahead of Graph's would otherwise ask for more than the
// maximum); should Graph answer 400 ExtensionError "can only be N minutes
// in the future", the subscription is asked again for N minutes less
// five. The record is stored before Graph is asked (state creating), so a
// notification racing Graph's answer finds its feed as soon as the id is
// stored; the receiver should answer 5xx to a subscription id it does
// not know yet, so that Graph delivers it again.
//
// Graph delivers only to public https. Against a real tenant, Create
// refuses a public URL that is not https or names a loopback, private,
// link-local or local-only host (localhost, 10/8, 192.168/16, 100.64/10,
// fd00::/8, single-label names, .local, .internal, .lan, .home.arpa,
// .corp, .test, .example, .invalid), with *NoPublicURLError: an
// explanation (a reverse proxy with a certificate, or a tunnel) and the
// filter normalised for Watcher.CreateWatch(TargetLegacyAlerts, …), which
// polls the same legacy filter on lastModifiedDateTime instead. A public
// name that does not reach graphsec cannot be told from one that does;
// Graph's validation handshake then fails and Create returns Graph's 400.
// Against the embedded emulator (UpkeepOptions.Emulator) loopback http is
// accepted: the emulator delivers to loopback http, its documented
// deviation from Graph.
//
// # Upkeep
//
// Nothing is kept in memory that a restart would lose: the feed's record
// (Graph's id, expiry, state, last error, sealed sign-in) and its
// checkpoint are in the store. Start, when a console starts, asks Graph
// about every subscription: one Graph no longer has (removed, or expired
// while the console was down) is recreated; one due is renewed; then each
// catches up. Check, every minute and whenever a lifecycle event arrives:
//
//   - renewal at three quarters of the lifetime (PATCH expirationDateTime
//     to a full lifetime from now; renewing also reauthorizes);
//   - reauthorizationRequired: POST /subscriptions/{id}/reauthorize, or a
//     renewal when one is due; a subscription that was paused catches up
//     afterwards (Graph paused deliveries, and changes made meanwhile were
//     never sent);
//   - subscriptionRemoved: a new Graph subscription for the same feed (new
//     id, new clientState; the feed id, its items and checkpoint stay),
//     then a catch-up;
//   - missed: a catch-up.
//
// When Graph refuses (403: an administrator revoked the consent) the feed
// is paused (Graph still has it) or failed (it is gone and recreating it
// was refused), with a message saying what to do; the Graph client is
// dropped so the next attempt has a fresh token (one minted before
// consent came back has no roles), and the attempt is repeated every 15
// minutes (Graph repeats reauthorizationRequired as often). Once it
// succeeds, the catch-up brings what changed during the outage. When a
// delegated feed's sign-in stops working (the user's refresh token was
// revoked or expired), the feed fails until its owner signs in and calls
// Renew with their session. Transient failures (throttling, 5xx, the
// network) leave the state alone and are retried at the next check.
// Delete deletes Graph's subscription and the record; if Graph refuses,
// the record goes anyway (Graph's subscription expires by itself and its
// notifications match no feed).
//
// The catch-up is a poll of the feed's legacy filter (the watcher's
// algorithm below), from the feed's last item (webhook or catch-up) or its
// checkpoint, whichever is later, less the overlap. It stores items of
// Source watch on the subscription's own feed, with ids
// {feed}:security/alerts/{id}@{lastModifiedDateTime}, and leaves out a
// version when a webhook item of the same alert on the feed was received
// at or after its lastModifiedDateTime (the webhook told of that change
// already). Webhooks carry no version to de-duplicate on, so a catch-up
// that stored a change whose webhook was still on its way would show it
// twice: a catch-up therefore leaves changes younger than Settle (30 s)
// unread and queues another catch-up for the next check, which leaves out
// those a webhook delivered meanwhile and stores the rest. A webhook
// later than Settle still adds a second item.
//
// # The watcher
//
// Each watch is polled on its own, every Interval (GRAPHSEC_WATCH_INTERVAL,
// 15 s: a change appears within about that long of becoming visible in
// Graph, well within a minute). Its query is the console's query string
// for the target (the /alerts queue's, built into Graph's $filter by the
// same code, internal/queuefilter; category, which alerts_v2 cannot
// filter, is applied to what Graph returns, as the queue does). A poll:
//
//   - reads windows: one query lastUpdateDateTime ge {from} (legacy:
//     lastModifiedDateTime), $orderby ascending, the watch's filter, pages
//     of 1,000 (incidents 50, legacy 500 per provider); the first starts
//     the overlap (GRAPHSEC_WATCH_OVERLAP, 10 minutes, no less) before the
//     checkpoint, and never before the watch was created;
//   - follows a window's next links only while its pages sit at one
//     timestamp (2,500 alerts resolved at one instant, pages of 1,000: the
//     filter cannot move past a timestamp they all share); otherwise the
//     next window starts at the last page's last timestamp. The query is
//     never changed while Graph pages through it, and no walk by next link
//     runs long: Graph's next links page by $skip, and an item already read
//     that changes during a long walk moves to the end of the order and
//     shifts the rest, so the walk would step over one item per change.
//     Legacy alerts are federated, $top applying per provider: the next
//     window starts at the earliest last timestamp among the providers
//     that filled their share (the legacy API refuses $skip above 500, so
//     more than 1,000 alerts of one provider at one timestamp cannot be
//     paged through: such a window keeps failing, visibly, in Stats);
//   - stores each page's new versions through the Sink, then moves the
//     checkpoint (store.Checkpoint: the latest timestamp read and the ids
//     read at exactly that timestamp) and saves it: only after the items
//     are stored. A failure (Graph after its retries, the store, a legacy
//     provider missing from a 206) ends the poll without moving the
//     checkpoint: the window is read again at the next poll, never
//     skipped;
//   - delivers each (id, version) once per feed, also across restarts:
//     the item id is {feed}:{resource}@{version} and the store drops an
//     id it holds; a bounded set of the versions each feed delivered
//     (50,000 objects, least recently seen forgotten) keeps the overlap's
//     re-reads from reaching the store at all. A version older than one
//     delivered is delivered too (an update made visible late overwrites a
//     later change with its earlier stamp: a change the feed has not shown).
//
// Items have the webhook items' shape: changeType created (the object's
// first version for the feed, when it was created after the feed's
// checkpoint or was never updated) or updated; resource
// security/alerts_v2/{id}, security/incidents/{id} or security/alerts/{id};
// Version its lastUpdateDateTime; Title; Changes {"property": {"from": x,
// "to": y}} over the key fields (title, severity, status, classification,
// determination, assignedTo, incidentId; for incidents displayName and
// redirectIncidentId) when the previous version is remembered (not after a
// restart or once forgotten); Raw a changeNotification whose
// subscriptionId is the feed and whose resourceData holds the id, type,
// version and key fields. Incidents and alerts are linked without $expand
// (which fails on large tenants): alert items carry incidentId, and an
// alert moved by a merge has an update saying where to. A merged incident
// (status redirected) points at the incident that lives on: its item's
// Resource is the end of the redirectIncidentId chain (read from the page,
// or one GET per hop, at most five).
//
// # Budget, throttling, page sizes
//
// Graph allows 150 requests a minute per app and tenant on the security
// API. One Budget (per tenant and app: a console has one of each) paces
// every background request to /security: watches, catch-ups, audits. It
// is a token bucket of GRAPHSEC_WATCH_BUDGET a minute (120, four fifths of
// Graph's limit, the rest left to analysts' own pages) holding a tenth of
// that, so that no minute sees more than 132. A 429 or 503 with
// Retry-After holds every paced request until then, for as long as Graph
// asks (the Graph client's retry layer caps at 24 hours; the budget does
// not); the client retries 429s, and 503s and 504s on reads, up to six
// attempts with its usual backoff. Graph's 400 for a page size above its
// limit ("The limit of '50' for Top query has been exceeded") lowers the
// target's page size for every watch and the window is read again.
//
// Within the default budget a 24-hour outage of 100,000 alert versions and
// 10,000 incident versions is caught up in 306 requests, 2.5 minutes of
// budget, no 429 (BenchmarkCatchUp24h; the README has the figures).
//
// # Audit, lag and gaps
//
// Every AuditEvery (GRAPHSEC_WATCH_AUDIT, an hour) each watch's open items
// (alerts not resolved; incidents neither resolved nor merged; legacy
// alerts not resolved) changed since the watch was created and before the
// part its polls still re-read are listed again, and each one's version
// compared with what the watch delivered: a missing one is delivered and
// counted as a gap (WatchStats.Gaps, a warning in the log). Stats also
// says how long ago the last successful poll started (Behind), how long
// after its version the last item was stored and the largest such lag
// (LastItemLag, MaxItemLag), the items, duplicates offered to the store,
// requests, errors and the page size in use. With Options.Metrics,
// /metrics has graphsec_watch_requests_total{target,result},
// graphsec_watch_lag_seconds{target} (how long ago the last successful
// poll of the target's least fresh watch began: a quiet watch's checkpoint
// stays at its last change while it is up to date, so now minus the
// checkpoint would be no lag), graphsec_subscription_renewals_total{action,result}
// (create, renew, reauthorize, recreate, catchup) and the clients' retries.
// store.Feed.LastItemAt is not kept up to date here (every write of a feed
// empties the receiver's feed cache): the newest item of a feed is
// ListNotifications{Feed: id, Limit: 1}.
package notify
