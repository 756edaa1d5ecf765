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
)

func TestExplain(t *testing.T) {
	k := &Kit{o: Options{Times: UTC{}}}
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
			return v.GraphCode == "ResourceNotFound" && v.GraphRequestID == "req-1" && v.GraphDate == "2026-11-27T09:30:00Z"
		}},
		{"graph forbidden", gerr(403, "Forbidden"), 403, "Microsoft Graph refused the request", func(v ErrorView) bool { return v.ConsentLink }},
		{"graph unauthorized", gerr(401, "InvalidAuthenticationToken"), 401, "Your sign-in is no longer accepted", func(v ErrorView) bool { return v.SignInLink }},
		{"graph throttled", gerr(429, "TooManyRequests"), 429, "Microsoft Graph is throttling requests", func(v ErrorView) bool { return v.RetryAfter == "2s" }},
		{"graph bad request", gerr(400, "BadRequest"), 400, "Microsoft Graph did not accept the request", nil},
		{"graph failed", gerr(500, "InternalServerError"), 502, "Microsoft Graph failed", nil},
		{"missing permission", &MissingPermission{Scopes: graph.ScopeFor(graph.AccessReadAlerts)}, 403, "This page needs a permission graphsec does not have",
			func(v ErrorView) bool {
				return v.Needed == "SecurityAlert.Read.All or SecurityAlert.ReadWrite.All" && v.AdminConsentLink && v.ConsentLink
			}},
		{"bad input", BadInput("top must be %d", 5), 400, "Please check what you entered", func(v ErrorView) bool { return v.Message == "top must be 5" }},
		{"reworded not found", Reword(fmt.Errorf("get: %w", gerr(404, "ResourceNotFound")), graph.ErrNotFound, "Alert not found", "No alert x."), 404, "Alert not found",
			func(v ErrorView) bool { return v.Message == "No alert x." && v.GraphCode == "ResourceNotFound" }},
		{"reword leaves others", Reword(gerr(403, "Forbidden"), graph.ErrNotFound, "Alert not found", "x"), 403, "Microsoft Graph refused the request", nil},
		{"client refused the input", fmt.Errorf("%w: alert id is empty", graph.ErrInvalidArgument), 400, "Please check what you entered",
			func(v ErrorView) bool {
				return strings.Contains(v.Message, "alert id is empty") && !strings.Contains(v.Message, "invalid argument")
			}},
		{"undecodable answer", &graph.DecodeError{Err: errors.New("bad")}, 502, "Microsoft Graph sent an unexpected answer", nil},
		{"foreign next link", fmt.Errorf("%w: x", graph.ErrForeignHost), 502, "Microsoft Graph sent an unexpected answer", nil},
		{"bad answer", BadAnswer("no vendorInformation", nil), 502, "Microsoft Graph sent an unexpected answer", nil},
		{"unreachable", &url.Error{Op: "Get", URL: "x", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, 502, "Microsoft Graph cannot be reached", nil},
		{"token not renewed", &graph.TokenError{Err: errors.New("invalid_grant")}, 401, "Your sign-in is no longer accepted", func(v ErrorView) bool { return v.SignInLink }},
		{"sign-in error", &auth.ProviderError{Code: "access_denied"}, 400, "Sign-in failed", nil},
		{"identity unreachable", &auth.TokenError{Err: errors.New("x")}, 502, "The sign-in service did not answer", nil},
		{"own error with a graph cause", &Error{Heading: "Updated, not read again", Cause: gerr(503, "ServiceUnavailable")}, 502, "Updated, not read again",
			func(v ErrorView) bool { return v.GraphCode == "ServiceUnavailable" }},
		{"own error with its status", &Error{Status: http.StatusServiceUnavailable, Heading: "Database down"}, 503, "Database down", nil},
		{"anything else", errors.New("boom"), 500, "Something went wrong", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, v := k.Explain(tt.err)
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
	for _, tt := range []struct {
		id   string
		want string
	}{{"", "Enter the alert id"}, {" ", "Enter the alert id"}, {strings.Repeat("a", 13), "longer than 12"}, {"..", "not a valid"},
		{"a\x01", "control characters"}, {"a\xff", "control characters"}, {"da637_-1", ""}} {
		err := CheckID("alert", tt.id, 12)
		if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckID(%q) = %v, want %q", tt.id, err, tt.want)
		}
	}
	if v, err := Text("user", "  a@b  ", 5); v != "a@b" || err != nil {
		t.Errorf("Text = %q %v", v, err)
	}
	if _, err := Text("user", "abcdef", 5); err == nil || !strings.Contains(err.Error(), "user is too long (at most 5 characters)") {
		t.Errorf("Text too long: %v", err)
	}
	if err := CheckText("The comment", "line\nnext\ttab", true); err != nil {
		t.Error(err)
	}
	if err := CheckText("The comment", "a\nb", false); err == nil {
		t.Error("a newline in a one-line field")
	}
	if got := Shorten("ééé", 3); got != "é…" {
		t.Errorf("Shorten = %q", got)
	}
	var fe FieldErrors
	if fe.Any() || fe["x"] != "" {
		t.Fatal("zero FieldErrors has errors")
	}
	fe.Add("top", "first %d", 1)
	fe.Add("top", "second")
	if !fe.Check("user", nil) || fe.Check("user", BadInput("bad user")) || fe["top"] != "first 1" || fe["user"] != "bad user" || !fe.Any() {
		t.Fatalf("FieldErrors %v", fe)
	}
}

func TestTimes(t *testing.T) {
	tf := UTC{}
	at := time.Date(2026, 11, 27, 14, 5, 9, 123456700, time.FixedZone("JST", 9*3600))
	for style, want := range map[TimeStyle]string{Minute: "2026-11-27 05:05 UTC", Second: "2026-11-27 05:05:09 UTC", Exact: "2026-11-27T05:05:09.1234567Z"} {
		if got := tf.Time(at, style); got != want {
			t.Errorf("style %d: %q, want %q", style, got, want)
		}
		if tf.Time(time.Time{}, style) != "" {
			t.Errorf("style %d: the zero time is not empty", style)
		}
	}
	for d, want := range map[time.Duration]string{0: "", 1500 * time.Microsecond: "2ms", 2345 * time.Millisecond: "2.3s", 10 * time.Millisecond: "10ms"} {
		if got := tf.Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
