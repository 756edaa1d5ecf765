// Package idp is the emulated Microsoft identity platform (Entra ID v2.0
// endpoints) for one tenant. Spec-following clients (golang.org/x/oauth2
// with PKCE, go-oidc, MSAL-style and requests-oauthlib clients) work
// against it with only their base URLs changed.
//
// Routes, all served by Provider.ServeHTTP, where {tenant} is "common",
// "organizations", the tenant id or its domain (case-insensitive):
//
//	GET|POST /{tenant}/oauth2/v2.0/authorize   code flow, sign-in and consent pages
//	POST     /{tenant}/oauth2/v2.0/token       authorization_code, refresh_token, client_credentials
//	GET|POST /{tenant}/oauth2/v2.0/logout      ends the SSO session
//	*        /{tenant}/oauth2/v2.0/devicecode  listed by discovery; answers "not emulated"
//	GET|POST /{tenant}/adminconsent            v1 admin consent
//	GET|POST /{tenant}/v2.0/adminconsent       v2 admin consent
//	GET      /{tenant}/v2.0/.well-known/openid-configuration
//	GET      /{tenant}/.well-known/openid-configuration      (v1 issuer)
//	GET      /{tenant}/discovery/v2.0/keys, /{tenant}/discovery/keys
//	GET|POST /oidc/userinfo
//
// VerifyAccessToken is the Graph API's gate; IssueAppToken and
// IssueUserToken mint tokens for tests and tools exactly as the flows would.
//
// # Choices where Microsoft's documentation is silent
//
// Tenants. "consumers" is answered like an unknown tenant (AADSTS90002):
// personal Microsoft accounts are not emulated. AADSTS90002 is
// "invalid_request" at token and authorize and "invalid_tenant" on the
// discovery and key documents. The v2.0 admin consent endpoint refuses
// "common" with an error page (AADSTS9002313).
//
// Errors. Before client_id and redirect_uri are known to match a
// registration, authorize, admin consent and logout errors are HTML pages
// (HTTP 400; "needs an administrator" is 403), never redirects. After,
// they are redirects carrying error, error_description (AADSTS text plus
// the Trace ID, Correlation ID and Timestamp lines), error_uri and state.
// The token endpoint's JSON is Entra's shape; correlation_id echoes a
// client-request-id header that is a GUID; error_uri points at
// https://login.microsoftonline.com/error?code=N, Microsoft's own lookup.
// Malformed requests without a more specific code (repeated parameters,
// bad encoding, oversized bodies, unknown prompt or response_mode, PKCE
// method without challenge) are AADSTS9002313 "invalid_request". A token
// request that is not POST is AADSTS900561. invalid_client is HTTP 401,
// with WWW-Authenticate when Basic credentials were sent; an unknown
// client is 400 "unauthorized_client" (AADSTS700016).
//
// Authorize. Only response_type=code is supported; anything else is
// redirected as "unsupported_response_type" with AADSTS700054. A
// code_challenge without a method is "plain"; a challenge that is not 43
// to 128 characters of the verifier alphabet is AADSTS501491. prompt
// accepts login, select_account, consent, admin_consent (read as consent)
// and none (alone). prompt=none with a session for a different user than
// login_hint is login_required (AADSTS50058). Redirect URIs match exactly
// (case and query included). Query strings are limited to 16 KiB, form
// bodies to 64 KiB.
//
// Scopes. Graph permissions may be short or long; Graph's "/.default" is
// accepted by URI or by application id. A permission that is not in the
// emulator's catalog (tenant.LookupPermission) is refused with
// invalid_scope AADSTS70011, where Entra would accept a real permission
// the emulator does not know; a scope of another resource is
// invalid_resource AADSTS500011; "/.default" with explicit Graph
// permissions is AADSTS70011. At most 64 scopes and 4096 bytes. OIDC
// scopes never appear in scp: a request for OIDC scopes only gets an
// access token with an empty scp (usable at /oidc/userinfo). The scope
// parameter of a code redemption may add OIDC scopes to the code's grant
// (still subject to consent); its resource scopes are ignored (the code
// carries the grant). MSAL depends on it: its authorize URL names only the
// app's scopes and the redemption adds openid, offline_access and profile.
// The client credentials grant takes exactly Graph's "/.default", with OIDC
// scopes beside it ignored (MSAL sends them on every token request).
//
// Consent. A normal user can consent only to user-consentable permissions
// (tenant.Permission.AdminOnly false). Admin-only permissions never stop a
// normal user's sign-in: the consent page lists them as needing an
// administrator and the token simply lacks them, where Entra would show
// "Need admin approval". The console's admin-consent page relies on this.
// If only admin-only permissions are missing, a normal user sees no consent
// page, so prompt=none succeeds. A Global Administrator is shown the
// admin-only permissions and the "Consent on behalf of your organization"
// checkbox: ticked, the requested delegated permissions (OIDC scopes
// included) are granted tenant-wide; unticked, the administrator consents
// for themselves, admin-only permissions included. "/.default" at
// authorize means the app's registered delegated permissions; in a token
// it means every consented Graph permission. Consent is re-evaluated
// whenever a token is issued, so grants added or revoked after sign-in
// show in the next refresh.
//
// Admin consent. v1 grants every registered delegated and application
// permission; v2 grants its scope ("/.default" = every registered
// permission, application ones included; explicit scopes are delegated).
// The v2 success redirect lists the granted permissions as full URIs (OIDC
// scopes bare). Cancel on v2 returns admin_consent=True with
// error=consent_required and AADSTS65004, as Entra does; on v1
// error=permission_denied and "The admin canceled the request". A user who
// is not a Global Administrator gets a "Need admin approval" page offering
// another account or a return to the app: v2 error=consent_required with
// AADSTS90094, v1 error=permission_denied with the AADSTS90094 text. An
// Accept posted by such a user grants nothing. state is echoed when sent.
//
// Codes and tokens. Codes live 10 minutes and are kept one more hour so
// that reuse (AADSTS54005) and expiry (AADSTS70008) are told apart from an
// unknown code (AADSTS70000); at most 20,000 are kept. The first redemption
// attempt by the code's own client spends it, even if it fails (so a
// stolen code cannot be tried against verifiers). A code_verifier sent for
// a code obtained without PKCE is refused (AADSTS501481). Redemption with
// another redirect_uri or by another client is AADSTS70000. Access tokens
// have iat = nbf = issue time (Entra backdates them five minutes) and exp =
// iat + AccessTokenLifetime; expires_in and ext_expires_in equal the
// lifetime. ID tokens live one hour; name, preferred_username and oid need
// the profile scope and email (the user's mail) the email scope; there is
// no nonce in ID tokens from a refresh. sub is pairwise (a SHA-256 of
// tenant, user and client), stable across restarts; app-only tokens have
// sub = oid = the service principal id. wids holds the user's role
// template ids only (Entra also adds the default member role). client_info
// is returned when the token request has client_info=1, as MSAL sends.
//
// Refresh tokens are opaque AES-GCM sealed blobs under a random key per
// Provider: they do not survive a restart or Reset. Each is valid for
// RefreshTokenLifetime from its issue (AADSTS700082 after); redeeming one
// returns a new one and leaves the old one valid. A refresh may ask for a
// subset of the original scope (otherwise invalid_scope AADSTS70011); the
// new refresh token still carries the original grant. If the user no
// longer holds consent to offline_access for the app, refresh fails with
// invalid_grant AADSTS65001 and suberror consent_required.
//
// Client authentication. client_secret_post and client_secret_basic (RFC
// 6749 §2.3.1: the Basic credentials are form-urlencoded first, so a
// client that skips that step only works with secrets of unreserved
// characters). Both at once must agree, otherwise invalid_request.
// Secrets are compared in constant time. client_assertion (certificates)
// is not emulated: invalid_client AADSTS700027. A public client (no
// secret registered) must send none (AADSTS700025) and cannot use client
// credentials (AADSTS7000218).
//
// Verification. VerifyAccessToken checks, in order: JWT structure (else
// "CompactToken parsing failed with error code: 80049217"), RS256
// signature by the emulator's key ("Access token validation failure.
// Invalid signature."), audience (Graph's URI or app id), issuer and tid
// ("Access token validation failure. Invalid issuer."), then exp and nbf
// with ClockSkew (five minutes, as Microsoft's validation libraries
// default to; not-yet-valid is "Access token has expired or is not yet
// valid."). Tokens passing all but the lifetime check are cached (8,192
// entries, least recently used evicted); the lifetime is checked against
// the clock on every call.
//
// Browser state. The SSO session cookie is ESTSAUTH (HttpOnly,
// SameSite=Lax, Path=/, Secure when BaseURL is https), a random id mapped
// server-side to the user, for 24 hours; at most 10,000 sessions. A
// pending sign-in or consent is stored server-side for 30 minutes and
// bound to the browser by a second cookie, a random id with an HMAC under
// a per-provider key (so the provider recognises the ones it issued): a
// form posted without it is refused (AADSTS9002313), one posted after
// expiry is AADSTS50089.
//
// Anyone who can reach authorize makes a pending sign-in, so they are
// bounded so that a flood displaces only its own (flows.go): each belongs
// to its client and to the browser that started it (when the request
// carried an issued cookie) or else to the source address (an IPv6 /64).
// A browser keeps at most 32, an address 1,000: a new one over that
// evicts that browser's or address's oldest. A client keeps at most
// 5,000 and the provider 10,000: a new one over either evicts its own
// browser's or address's oldest, and when that has none it is refused
// with 429, Retry-After: 60 and AADSTS50196 (Entra's answer to a
// user-facing flood), never evicting someone else's. On loopback every
// request has the same address, so a browser on its first visit (no
// cookie yet) shares the address's 1,000 with a cookieless flood from the
// same machine; a browser that has the cookie does not.
//
// Sessions and codes keep a global least-recently-used bound. Making
// either takes a complete sign-in (a pending sign-in, then a form posted
// with its cookie), not one request. Losing a session to a flood costs
// its user one click (there is no password) and prompt=none answers
// login_required; a code is redeemed moments after it is issued, and the
// 20,000 codes after it would have to be issued first. Pages are html/template, embedded, with a restrictive
// Content-Security-Policy; form_post uses one inline script allowed by
// its hash and a visible submit button for browsers without JavaScript.
// With Options.PageHostAllowed the pages (authorize, admin consent,
// logout) refuse a request whose Host the embedder does not answer to
// with a 421 error page (AADSTS9002313): the emulator uses it against DNS
// rebinding, since choosing a user signs in without a password.
//
// Discovery. The documents carry Entra's fields verbatim, endpoints on
// BaseURL; the v1 document's issuer is https://sts.windows.net/{tid}/ but
// its endpoints are the v2.0 ones (the emulator speaks only v2.0). Only
// v2.0 keys carry the issuer field. kerberos_endpoint is listed but not
// served. Logout redirects to post_logout_redirect_uri only when it is
// registered for the app named by client_id or by the id_token_hint's
// audience; otherwise it shows a signed-out page. /oidc/userinfo needs a
// user's access token (an app token is 401) and returns sub, name,
// given_name, family_name and email.
package idp
