package store

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrInvalid wraps every refusal of a value an implementation cannot store
// (too long, not UTF-8, a NUL byte, a time out of range): the caller's
// mistake, not the database's.
var ErrInvalid = errors.New("store: invalid value")

// Limits on what a store accepts. Values come, directly or not, from
// browsers and from Graph, so every one is bounded before it reaches a
// database; both implementations apply the same limits, so that a value one
// accepts the other does too.
const (
	// MaxKeyBytes bounds Session.ID and LoginFlow.State (hashes and random
	// states are far shorter).
	MaxKeyBytes = 1 << 10
	// MaxTextBytes bounds every other string (names, ids, URLs).
	MaxTextBytes = 8 << 10
	// MaxBlobBytes bounds Session.Tokens, LoginFlow.Sealed and
	// Activity.Changes.
	MaxBlobBytes = 8 << 20
	// DefaultActivityLimit is what ListActivity and RecentActivity use for
	// a limit of zero or less: one screenful.
	DefaultActivityLimit = 50
	// MaxActivityLimit caps a larger limit.
	MaxActivityLimit = 1000
)

// Times outside years 1 to 9999 are refused: SQLite's microseconds since
// the epoch overflow past year ±292277 and PostgreSQL's range ends
// elsewhere, so both stores agree on one range every caller can reach.
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}

// checkText refuses strings that are too long, not UTF-8, or hold NUL:
// PostgreSQL's text type rejects the last two, and refusing them for SQLite
// too keeps the stores interchangeable.
func checkText(field, s string, limit int, required bool) error {
	switch {
	case required && s == "":
		return invalid(field, "empty")
	case len(s) > limit:
		return invalid(field, "%d bytes, over the limit of %d", len(s), limit)
	case !utf8.ValidString(s):
		return invalid(field, "not valid UTF-8")
	case strings.IndexByte(s, 0) >= 0:
		return invalid(field, "contains a NUL byte")
	}
	return nil
}

func checkBlob(field string, b []byte) error {
	if len(b) > MaxBlobBytes {
		return invalid(field, "%d bytes, over the limit of %d", len(b), MaxBlobBytes)
	}
	return nil
}

func checkTime(field string, t time.Time) error {
	if t.Before(minTime) || !t.Before(maxTime) {
		return invalid(field, "%v is outside years 1 to 9999", t)
	}
	return nil
}

// CheckSession reports why s cannot be stored, or nil.
func CheckSession(s Session) error {
	return errors.Join(
		checkText("session id", s.ID, MaxKeyBytes, true),
		checkText("session user id", s.UserID, MaxTextBytes, false),
		checkText("session user principal name", s.UserPrincipalName, MaxTextBytes, false),
		checkText("session display name", s.DisplayName, MaxTextBytes, false),
		checkText("session tenant id", s.TenantID, MaxTextBytes, false),
		checkText("session CSRF token", s.CSRFToken, MaxTextBytes, false),
		checkRoles(s.DirectoryRoles),
		checkBlob("session tokens", s.Tokens),
		checkTime("session created at", s.CreatedAt),
		checkTime("session last seen at", s.LastSeenAt),
		checkTime("session expires at", s.ExpiresAt),
	)
}

// CheckLoginFlow reports why f cannot be stored, or nil.
func CheckLoginFlow(f LoginFlow) error {
	return errors.Join(
		checkText("login flow state", f.State, MaxKeyBytes, true),
		checkText("login flow binding", f.Binding, MaxTextBytes, false),
		checkText("login flow return URL", f.ReturnTo, MaxTextBytes, false),
		checkText("login flow client", f.Client, MaxTextBytes, false),
		checkBlob("login flow sealed data", f.Sealed),
		checkTime("login flow created at", f.CreatedAt),
		checkTime("login flow expires at", f.ExpiresAt),
	)
}

// CheckActivity reports why a cannot be stored, or nil.
func CheckActivity(a Activity) error {
	return errors.Join(
		checkText("activity resource", a.Resource, MaxTextBytes, true),
		checkText("activity resource id", a.ResourceID, MaxTextBytes, true),
		checkText("activity action", a.Action, MaxTextBytes, true),
		checkText("activity actor id", a.ActorID, MaxTextBytes, false),
		checkText("activity actor name", a.ActorName, MaxTextBytes, false),
		checkText("activity request id", a.RequestID, MaxTextBytes, false),
		checkBlob("activity changes", a.Changes),
		checkTime("activity at", a.At),
		checkState(a.State, true),
	)
}

// MaxRoles bounds Session.DirectoryRoles (Entra has about a hundred
// built-in roles).
const MaxRoles = 256

// checkRoles refuses role ids that could not be stored as one
// space-separated list.
func checkRoles(roles []string) error {
	if len(roles) > MaxRoles {
		return invalid("session directory roles", "%d roles, over the limit of %d", len(roles), MaxRoles)
	}
	for _, r := range roles {
		if err := checkText("session directory role", r, 256, true); err != nil {
			return err
		}
		if strings.ContainsFunc(r, unicode.IsSpace) {
			return invalid("session directory role", "%q holds white space", r)
		}
	}
	return nil
}

// checkState accepts the Activity states (and, where emptyOK, "" for done).
func checkState(state string, emptyOK bool) error {
	switch state {
	case ActivityDone, ActivityPending, ActivityFailed, ActivityUnknown:
		return nil
	case "":
		if emptyOK {
			return nil
		}
	}
	return invalid("activity state", "%q is not one of done, pending, failed, unknown", state)
}

// CheckActivityState reports why state cannot be stored by UpdateActivity.
func CheckActivityState(state string) error { return checkState(state, false) }

// ActivityState is state with "" read as ActivityDone.
func ActivityState(state string) string {
	if state == "" {
		return ActivityDone
	}
	return state
}

// CheckFormSubmission reports why f cannot be stored, or nil.
func CheckFormSubmission(f FormSubmission) error {
	return errors.Join(
		checkText("form submission key", f.Key, MaxKeyBytes, true),
		checkText("form submission session", f.Session, MaxTextBytes, false),
		checkText("form submission location", f.Location, MaxTextBytes, false),
		checkStatus(f.Status),
		checkTime("form submission created at", f.CreatedAt),
		checkTime("form submission expires at", f.ExpiresAt),
	)
}

func checkStatus(status int) error {
	if status < 0 || status > 999 {
		return invalid("form submission status", "%d is not an HTTP status", status)
	}
	return nil
}

// CheckFormOutcome reports why a FinishForm outcome cannot be stored.
func CheckFormOutcome(status int, location string) error {
	return errors.Join(checkStatus(status), checkText("form submission location", location, MaxTextBytes, false))
}

// CheckDraft reports why d cannot be stored, or nil.
func CheckDraft(d Draft) error {
	return errors.Join(
		checkText("draft id", d.ID, MaxKeyBytes, true),
		checkText("draft client", d.Client, MaxTextBytes, false),
		checkText("draft return URL", d.ReturnTo, MaxTextBytes, false),
		checkBlob("draft sealed data", d.Sealed),
		checkTime("draft created at", d.CreatedAt),
		checkTime("draft expires at", d.ExpiresAt),
	)
}

// CheckToken reports why t cannot be stored, or nil.
func CheckToken(t Token) error {
	return errors.Join(
		checkText("token id", t.ID, MaxKeyBytes, true),
		checkText("token kind", t.Kind, MaxTextBytes, true),
		checkText("token session", t.Session, MaxTextBytes, false),
		checkBlob("token value", t.Value),
		checkTime("token created at", t.CreatedAt),
		checkTime("token expires at", t.ExpiresAt),
	)
}

// JoinRoles and SplitRoles convert Session.DirectoryRoles to and from the
// one text column both stores keep them in.
func JoinRoles(roles []string) string { return strings.Join(roles, " ") }

// SplitRoles is JoinRoles reversed (nil for none).
func SplitRoles(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// CheckBlob reports whether b can be stored.
func CheckBlob(field string, b []byte) error { return checkBlob(field, b) }

// CheckTime reports whether t can be stored (for query arguments such as
// "now").
func CheckTime(field string, t time.Time) error { return checkTime(field, t) }

// UsableKey reports whether a key could name a stored record; looking up
// one that could not is simply "not found".
func UsableKey(k string) bool { return checkText("key", k, MaxKeyBytes, true) == nil }

// UsableText is UsableKey for other strings.
func UsableText(s string) bool { return checkText("text", s, MaxTextBytes, true) == nil }

// ActivityLimit applies DefaultActivityLimit and MaxActivityLimit.
func ActivityLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultActivityLimit
	case n > MaxActivityLimit:
		return MaxActivityLimit
	}
	return n
}
