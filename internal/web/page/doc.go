// Package page is the console's page kit: what every page of every
// feature is built with, so that a feature package holds only its own
// handlers, views and templates.
//
//   - Rendering ([Kit], [Page.Render]): templates are parsed once, at
//     start-up, from the shell's layout, this package's shared partials and
//     each feature's embedded files (a broken template fails [New]). A page
//     sends nothing before its outcome is known, so its status is the
//     outcome's: it waits out short throttling (the shell's retry budget),
//     and longer throttling is a 429 with Retry-After that reloads itself
//     (a GET) or offers to send the form again (a POST).
//   - Handlers ([Handler]) take a [*Page] and return an error; [Kit.Page],
//     [Kit.Form] and [Kit.Public] adapt them to http.Handler, loading the
//     session, checking a form's CSRF token and claiming its one-time token
//     (formtoken.go: a form sent twice is applied once), keeping a form's
//     text when its session has ended (restored after sign-in, [Drafts]),
//     signing the user out with the reason when Microsoft no longer accepts
//     the sign-in ([SignInPage]), and showing a returned error.
//   - The activity log's intents ([ActivityLog.Begin]): a change is
//     recorded before it is sent and settled from Graph's answer, or later
//     by the [Reconciler].
//   - One error → view mapper ([Kit.Explain]): Graph's errors with code,
//     message and request-id, throttling, missing permissions with the
//     admin-consent link, not found, bad input ([Error], [BadInput]),
//     answers graphsec cannot read, network failures; each with its HTTP
//     status, never a 500 for input a user or Graph got wrong.
//   - Checks of what users send: ids ([CheckID]), text ([CheckText],
//     [Text]), and [FieldErrors] for forms that report a mistake next to its
//     field.
//   - Choices for selects and checkboxes built from the graph package's
//     enum members ([EnumChoices]), with their labels (labels.go: the one
//     place that names enum members for people).
//   - One time formatter ([TimeFormatter], [UTC]): every time and duration
//     a page shows goes through it, so that the i18n package can take
//     formatting over per language.
//   - Page tokens ([PageTokens]): the only thing a "next page" link
//     carries; Graph's next links stay on the server, per session.
//   - Shared views: the REST request shown ([RequestView]), before/after
//     comparisons ([CompareFields], [CompareView]), the activity log
//     ([ActivityLog]), comments, and links between features ([AlertHref],
//     [IncidentHref], [LegacyAlertHref]).
package page
