// Package graphapi serves the emulated Microsoft Graph: /v1.0 and /beta,
// users and mail, and the security API (legacy alerts, alerts_v2,
// incidents, secure score, control profiles, security actions). Every
// request is authenticated with a token from the emulated identity
// platform and authorised by its permissions, exactly as Graph does.
//
// # Choices where Microsoft's documentation is silent
//
// Not found. Unknown ids of security resources answer 404 with code
// ResourceNotFound and "The alert with id 'x' was not found." (the docs do
// not publish the code). Unknown path segments answer 400 "Resource not
// found for the segment 'x'.", as Graph does; a known path with another
// method answers 405 with Graph's error body and an Allow header.
//
// Page sizes. alerts_v2 (and an incident's alerts): 100 per page without
// $top, $top up to 2000. Incidents: $top up to 50, as Graph (above it, 400
// BadRequest "The limit of '50' for Top query has been exceeded. The value
// from the incoming request is '100'."; the code is the emulator's
// choice), and 50 per page without $top. Legacy alerts: $top per provider up to 1000 (also the default),
// $skip up to 500. Secure scores: all 90 by default. Control profiles:
// all. Security actions: 100. Users: 100, $top up to 999. Next links carry
// the request's options re-encoded canonically, with $skip advanced.
//
// Legacy alerts. The merged providers' answers are ordered by $orderby,
// or newest first. PATCH must carry vendorInformation whose provider and
// vendor match the alert's (400 otherwise; the service routes by it). Only
// assignedTo, closedDateTime, comments, feedback, status, tags and
// vendorInformation may be sent; anything else is a 400 naming it. New
// comments on IPC and MCAS alerts must be exactly "Closed in IPC" /
// "Closed in MCAS" (the docs' restriction, read as applying to the
// providers it names); other providers take free text (up to 100
// comments of 1000 characters), which the original sample relies on.
// Resolving sets closedDateTime when the client did not; every change
// appends a historyStates entry. A provider fault queued on the control
// plane makes the list answer 206 with a Warning for that provider and
// without its alerts.
//
// alerts_v2. PATCH takes status, classification, determination and
// assignedTo (null unassigns); it advances lastUpdateDateTime, sets
// resolvedDateTime on resolve and clears it on reopen. Comments are one
// alertComment object or a one-element array, at most 32 KiB; adding one
// also advances lastUpdateDateTime.
//
// Incidents. PATCH takes assignedTo, classification, determination,
// status (active, inProgress, resolved: redirected is set only by the
// service and awaitingAction only by Defender Experts), customTags and
// resolvingComment (description and summary are service-written). As in
// the Defender portal, assignment, classification and determination carry
// to every alert of the incident, resolving it resolves them and
// reactivating it reopens them as new. After any alert changes, the
// incident's severity is the highest of its alerts', it is resolved
// exactly when all of them are, and its lastUpdateDateTime moves on
// (comments on an alert included). A merged incident (status redirected,
// set only by the service) keeps its state, refuses PATCH with a 400
// naming the incident it was merged into, and takes no new alerts.
//
// Permissions. Delegated calls to /security also need a directory role,
// as Microsoft requires: Security Reader (or Global Reader) to read;
// Security Operator, Security Administrator or Global Administrator to
// change. The 403 says which role is missing. Security actions answer 403
// to delegated tokens and exist only on beta.
//
// Control profiles. PATCH state is one of Default, Ignored, ThirdParty,
// Reviewed (matched without regard to case); the appended
// controlStateUpdates entry keeps the previous entry's values for what the
// update leaves out.
//
// Security actions. An action is NotStarted when created, Running after
// 2 seconds and Completed after 10 (by the emulator's clock, so tests can
// step through). operationStatus has no "canceled", so a cancelled action
// ends Failed with errorInfo {code 499, "Canceled by the client."};
// cancelling a finished action is a 400.
//
// Mail. Bodies up to 4 MB (Graph's request limit), JSON or base64 MIME.
// Only #microsoft.graph.fileAttachment attachments. A delegated caller may
// send only as themselves (ErrorAccessDenied otherwise). No recipients, or
// an unparsable address, is ErrorInvalidRecipients. The mailbox keeps the
// last 1000 messages and 64 MiB, evicting the oldest first and counting
// the evictions (Mailbox.Stats); a message's stored size (text, addresses,
// headers, MIME, attachments; a MIME body shares the MIME text) may be 4
// MiB, which every request Graph accepts fits, and a larger one would be
// 413 ErrorMessageSizeExceeded.
//
// Subscriptions. /subscriptions serves the security alert change
// notifications Graph supports: resource security/alerts?$filter=... (the
// filter must compile against the legacy alert type; no other query option
// is accepted) or security/alerts/{id} (the alert must exist, else 404);
// the unfiltered collection, alerts_v2, incidents and every other resource
// answer 400 InvalidRequest. changeType is a subset of created, updated,
// deleted, matched without regard to case, written back lower-case, no
// member twice. notificationUrl and lifecycleNotificationUrl must be
// absolute https URLs without user information or fragment, at most 2048
// characters; the emulator also accepts http for loopback hosts
// (localhost, *.localhost, 127.0.0.0/8, ::1), so that a local receiver
// needs no certificate, and for IP literals in a --webhook-allow range.
// expirationDateTime is required, must be in the future (else 400
// InvalidRequest) and at most 43200 minutes ahead (else 400 ExtensionError
// "Subscription expiration can only be 43200 minutes in the future.").
// clientState is at most 128 characters (the docs' lower figure).
// includeResourceData true and notificationQueryOptions are refused (no
// rich notifications for alerts); latestSupportedTlsVersion is one of
// v1_0…v1_3, default v1_2; read-only members (id, applicationId,
// creatorId) and annotations in a create body are ignored, unknown members
// are a 400. Fields are checked before any handshake. The handshake posts
// to each URL (notification first, then lifecycle, each with its own
// token) with the token appended as ?validationToken= (or &… when the URL
// has a query), Content-Type text/plain; charset=utf-8, through the
// network guard (emulator/webhook: no private, link-local or metadata
// addresses, never the emulator itself), no redirects followed, and a
// 10-second limit (shortened by the webhook client's Timeout). It requires
// status 200 and a body equal to the decoded token byte for byte (a
// trailing newline fails), whatever the Content-Type: the real service
// does not check it, and Microsoft's Python (Flask) and Node (Express
// res.send) samples answer text/html. Failures answer 400 InvalidRequest
// with Graph's observed messages: another status (a redirect included)
// "Subscription validation request failed. HTTP status code is
// 'Forbidden'. Notification endpoint must respond with 200 OK to
// validation request." (the status as .NET names it), a body mismatch
// "... Response must exactly match validationToken query parameter.", no
// answer within the limit "Subscription validation request timed out.",
// no HTTP answer at all (refused, unknown host, TLS) "Subscription
// validation request failed. Must respond with 200 OK to this request.",
// and an address the guard refuses the emulator's own sentence naming the
// address and the rule. The token reads "Validation: Testing client
// application reachability for subscription Request-Id: <guid>": it holds
// spaces and a colon, so an endpoint echoing it still encoded fails.
// Every operation needs SecurityEvents.ReadWrite.All (delegated or
// application; Read.All is a 403) and, for delegated calls, a role that may
// read security data. Create, renew and reauthorize also need the app to
// hold that consent in the directory now (403 Forbidden otherwise): a
// token minted before an administrator revoked consent stays valid until
// it expires, but cannot authorize a subscription again. An app-only
// caller sees the subscriptions its app created in the tenant, a delegated
// caller those its app created for the signed-in user; anything else, an
// unknown id or an expired subscription is 404 ResourceNotFound. creatorId
// is the user, or the app's service principal. The list is never paged,
// takes no query options and returns clientState as null; create, get and
// renew return it. PATCH takes only expirationDateTime (same limits) and
// also counts as a reauthorization; POST .../reauthorize answers 204
// without changing the expiration. An app may hold 100 active
// subscriptions per tenant (403 ExtensionError beyond, as Graph's per-app
// quota for directory resources). Expired records are deleted by
// notification delivery (emulator/delivery) when it next looks at the
// clock, or by the next create; a control plane reset clears them all.
// Delivery of change and lifecycle notifications is emulator/delivery's.
//
// Throttling is off unless enabled (flag or control plane): a token bucket
// of N requests a minute per app and tenant on /security, answering 429
// TooManyRequests with a fractional Retry-After, Graph's throttling body.
//
// Compressed bodies. Microsoft's Kiota-based SDKs send every request body
// gzip-compressed (Content-Encoding: gzip) and Graph accepts it, so every
// write (PATCH, POST, sendMail's JSON and MIME forms) undoes gzip (also
// spelled x-gzip); identity is no coding. Up to 3 codings may be listed,
// applied in order ("gzip, gzip" is two layers); more is a 400. Any other
// coding is 415 UnsupportedMediaType naming it, with Accept-Encoding: gzip,
// identity. The 4 MB limit applies after decompression (413
// RequestEntityTooLarge "... once decompressed"); the compressed body is
// bounded to 4 MB as well. Damaged gzip (bad header, CRC or length, cut
// short) is 400 BadRequest saying the body is not valid gzip data.
// Graph's exact codes for these cases are not published.
//
// Tolerance. Path segments match without regard to case; OData key syntax
// users('x') works like users/x; a trailing slash is ignored.
package graphapi
