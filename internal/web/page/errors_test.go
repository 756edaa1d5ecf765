package page

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/i18n"
)

func TestExplain(t *testing.T) {
	b, err := i18n.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	k := &Kit{o: Options{I18n: b}}
	L := b.Printer(i18n.English, nil)
	gerr := func(status int, code string) error {
		return &graph.Error{StatusCode: status, Code: code, Message: "Graph says no", RequestID: "req-1",
			Date: time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC), RetryAfter: 2 * time.Second}
	}
	tests := []struct {
		name    string
		err     error
		status  int
		heading string
		check   func(ErrorView) bool
	}{
		{"graph not found", gerr(404, "ResourceNotFound"), 404, "Not found", func(v ErrorView) bool {
			return v.GraphCode == "ResourceNotFound" && v.GraphRequestID == "req-1" && v.GraphDate.Equal(time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC))
		}},
		{"graph forbidden", gerr(403, "Forbidden"), 403, "Microsoft Graph refused the request", func(v ErrorView) bool { return v.ConsentLink }},
		{"graph unauthorized", gerr(401, "InvalidAuthenticationToken"), 401, "Your sign-in is no longer accepted", func(v ErrorView) bool { return v.SignInLink }},
		{"graph throttled", gerr(429, "TooManyRequests"), 429, "Microsoft Graph is throttling requests", func(v ErrorView) bool { return v.RetryAfter == 2*time.Second }},
		{"graph bad request", gerr(400, "BadRequest"), 400, "Microsoft Graph did not accept the request", nil},
		{"graph failed", gerr(500, "InternalServerError"), 502, "Microsoft Graph failed", nil},
		{"missing permission", &MissingPermission{Scopes: graph.ScopeFor(graph.AccessReadAlerts)}, 403, "This page needs a permission graphsec does not have",
			func(v ErrorView) bool {
				return strings.Join(v.Needed, " ") == "SecurityAlert.Read.All SecurityAlert.ReadWrite.All" && v.AdminConsentLink && v.ConsentLink
			}},
		{"bad input", BadInput(T("error.text.tooLong", "field", "top", "max", 5)), 400, "Please check what you entered", func(v ErrorView) bool { return v.Message == "top is too long (at most 5 characters)." }},
		{"reworded not found", Reword(fmt.Errorf("get: %w", gerr(404, "ResourceNotFound")), graph.ErrNotFound, T("error.backToAlerts"), T("error.invalid")), 404, "Back to alerts",
			func(v ErrorView) bool {
				return v.Message == "This value is not valid." && v.GraphCode == "ResourceNotFound"
			}},
		{"reword leaves others", Reword(gerr(403, "Forbidden"), graph.ErrNotFound, T("error.backToAlerts"), T("error.invalid")), 403, "Microsoft Graph refused the request", nil},
		{"client refused the input", fmt.Errorf("%w: alert id is empty", graph.ErrInvalidArgument), 400, "Please check what you entered",
			func(v ErrorView) bool {
				return strings.Contains(v.Message, "alert id is empty") && !strings.Contains(v.Message, "invalid argument")
			}},
		{"undecodable answer", &graph.DecodeError{Err: errors.New("bad")}, 502, "Microsoft Graph sent an unexpected answer", nil},
		{"foreign next link", fmt.Errorf("%w: x", graph.ErrForeignHost), 502, "Microsoft Graph sent an unexpected answer", nil},
		{"bad answer", BadAnswer(T("error.invalid"), nil), 502, "Microsoft Graph sent an unexpected answer", nil},
		{"unreachable", &url.Error{Op: "Get", URL: "x", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, 502, "Microsoft Graph cannot be reached", nil},
		{"token not renewed", &graph.TokenError{Err: errors.New("invalid_grant")}, 401, "Your sign-in is no longer accepted", func(v ErrorView) bool { return v.SignInLink }},
		{"sign-in error", &auth.ProviderError{Code: "access_denied"}, 400, "Sign-in failed", nil},
		{"identity unreachable", &auth.TokenError{Err: errors.New("x")}, 502, "The sign-in service did not answer", nil},
		{"own error with a graph cause", &Error{Heading: T("error.checkPermissions"), Cause: gerr(503, "ServiceUnavailable")}, 502, "Check permissions and consent",
			func(v ErrorView) bool { return v.GraphCode == "ServiceUnavailable" }},
		{"own error with its status", &Error{Status: http.StatusServiceUnavailable, Heading: T("error.sessionsDown.heading")}, 503, "graphsec cannot read its sessions", nil},
		{"anything else", errors.New("boom"), 500, "Something went wrong", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, v := k.Explain(L, tt.err)
			if status != tt.status || v.Status != tt.status || v.Heading != tt.heading || v.Message == "" {
				t.Fatalf("Explain = %d %+v, want %d %q", status, v, tt.status, tt.heading)
			}
			if tt.check != nil && !tt.check(v) {
				t.Fatalf("view %+v", v)
			}
		})
	}
}

func TestChecks(t *testing.T) {
	b, err := i18n.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	k := &Kit{o: Options{I18n: b}}
	L := b.Printer(i18n.English, nil)
	text := func(err error) string {
		if err == nil {
			return ""
		}
		_, v := k.Explain(L, err)
		return v.Message
	}
	for _, tt := range []struct {
		id   string
		want string
	}{{"", "Enter the alert ID"}, {" ", "Enter the alert ID"}, {strings.Repeat("a", 13), "longer than 12"}, {"..", "not a valid"},
		{"a\x01", "control characters"}, {"a\xff", "control characters"}, {"da637_-1", ""}} {
		err := CheckID(T("kind.alert"), tt.id, 12)
		if err != nil {
			_, v := k.Explain(L, err)
			err = errors.New(v.Message)
		}
		if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckID(%q) = %v, want %q", tt.id, err, tt.want)
		}
	}
	user := T("prop.assignedTo")
	if v, err := Text(user, "  a@b  ", 5); v != "a@b" || err != nil {
		t.Errorf("Text = %q %v", v, err)
	}
	if _, err := Text(user, "abcdef", 5); !strings.Contains(text(err), "Assigned to is too long (at most 5 characters)") {
		t.Errorf("Text too long: %v", err)
	}
	if err := CheckText(T("prop.comment"), "line\nnext\ttab", true); err != nil {
		t.Error(err)
	}
	if err := CheckText(T("prop.comment"), "a\nb", false); !strings.Contains(text(err), "Comment contains a control character") {
		t.Errorf("a newline in a one-line field: %v", err)
	}
	if got := Shorten("ééé", 3); got != "é…" {
		t.Errorf("Shorten = %q", got)
	}
	var fe FieldErrors
	if fe.Any() || !fe["x"].IsZero() {
		t.Fatal("zero FieldErrors has errors")
	}
	fe.Add("top", T("error.invalid"))
	fe.Add("top", T("error.checkInput"))
	if !fe.Check("user", nil) || fe.Check("user", BadInput(T("error.id.empty", "kind", T("kind.alert")))) || fe["top"].In(L) != "This value is not valid." ||
		fe["user"].In(L) != "Enter the alert ID." || !fe.Any() {
		t.Fatalf("FieldErrors %v", fe)
	}
	if got := T("error.id.empty", "kind", T("kind.alert")).In(b.Printer(i18n.Japanese, nil)); got != "アラート ID を入力してください。" {
		t.Errorf("a message with a message argument, in Japanese: %q", got)
	}
}
