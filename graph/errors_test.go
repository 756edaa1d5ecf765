package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseError(t *testing.T) {
	hdr := http.Header{"Request-Id": {"hdr-req"}, "Client-Request-Id": {"hdr-client"}}
	tests := []struct {
		name      string
		status    int
		header    http.Header
		body      string
		truncated bool
		want      Error
		sentinel  error
	}{
		{"innerError spelling", 401, hdr,
			`{"error":{"code":"InvalidAuthenticationToken","message":"Access token is empty.","innerError":{"date":"2020-09-11T11:21:34","request-id":"4f00c76f-d4dc-465e-889a-d81dfa04969f","client-request-id":"4f00c76f-d4dc-465e-889a-d81dfa04969e"}}}`,
			false, Error{StatusCode: 401, Code: "InvalidAuthenticationToken", Message: "Access token is empty.",
				RequestID: "4f00c76f-d4dc-465e-889a-d81dfa04969f", ClientRequestID: "4f00c76f-d4dc-465e-889a-d81dfa04969e",
				Date: time.Date(2020, 9, 11, 11, 21, 34, 0, time.UTC)}, ErrUnauthorized},
		{"innererror spelling", 404, hdr,
			`{"error":{"code":"itemNotFound","message":"Not found","innererror":{"code":"AlertNotFound","date":"2021-01-02T03:04:05","request-id":"r2"}}}`,
			false, Error{StatusCode: 404, Code: "itemNotFound", Message: "Not found", InnerCode: "AlertNotFound", RequestID: "r2",
				ClientRequestID: "hdr-client", Date: time.Date(2021, 1, 2, 3, 4, 5, 0, time.UTC)}, ErrNotFound},
		{"nested innererror code", 400, nil,
			`{"error":{"code":"BadRequest","message":"bad","innerError":{"innerError":{"code":"deep"}}}}`,
			false, Error{StatusCode: 400, Code: "BadRequest", Message: "bad", InnerCode: "deep"}, ErrBadRequest},
		{"RFC 3339 inner date", 403, nil,
			`{"error":{"code":"Forbidden","message":"Missing application roles.","innerError":{"date":"2021-01-02T03:04:05.5Z"}}}`,
			false, Error{StatusCode: 403, Code: "Forbidden", Message: "Missing application roles.",
				Date: time.Date(2021, 1, 2, 3, 4, 5, 5e8, time.UTC)}, ErrForbidden},
		{"non-JSON body", 502, hdr, "<html><body>Bad gateway\n</body></html>", false,
			Error{StatusCode: 502, Message: "unexpected error body: <html><body>Bad gateway </body></html>", RequestID: "hdr-req", ClientRequestID: "hdr-client"}, nil},
		{"JSON without error member", 500, nil, `{"message":"oops"}`, false,
			Error{StatusCode: 500, Message: `unexpected error body: {"message":"oops"}`}, nil},
		{"empty body", 404, hdr, "", false, Error{StatusCode: 404, RequestID: "hdr-req", ClientRequestID: "hdr-client"}, ErrNotFound},
		{"oversized body", 400, nil, `{"error":{"code":"BadRequest","message":"` + strings.Repeat("x", 300), true,
			Error{StatusCode: 400, Message: `error body larger than 341 bytes: {"error":{"code":"BadRequest","message":"` + strings.Repeat("x", 200-41) + "…"}, ErrBadRequest},
		{"throttled by code", 503, http.Header{"Retry-After": {"2.5"}},
			`{"error":{"code":"activityLimitReached","message":"slow"}}`, false,
			Error{StatusCode: 503, Code: "activityLimitReached", Message: "slow", RetryAfter: 2500 * time.Millisecond}, ErrThrottled},
		{"control characters replaced", 500, nil, "bad\x00\x01body", false,
			Error{StatusCode: 500, Message: "unexpected error body: bad??body"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			got := parseError(tt.status, h, []byte(tt.body), tt.truncated, testNow)
			if *got != tt.want {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
			for _, s := range []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrThrottled} {
				if is := errors.Is(got, s); is != (s == tt.sentinel) {
					t.Errorf("errors.Is(%v) = %v", s, is)
				}
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{StatusCode: 404, Code: "itemNotFound", Message: "gone", RequestID: "r1", Method: "GET",
		URL: "https://graph.microsoft.com/v1.0/users/a?$filter=secret"}
	want := "graph: GET https://graph.microsoft.com/v1.0/users/a: 404 itemNotFound: gone (request-id r1)"
	if e.Error() != want {
		t.Errorf("got %q", e.Error())
	}
	if got := (&Error{StatusCode: 503}).Error(); got != "graph: 503 Service Unavailable" {
		t.Errorf("got %q", got)
	}
	if !e.HasCode("ITEMNOTFOUND") || e.HasCode("notFound") {
		t.Error("HasCode is not a case-insensitive equality")
	}
	wrapped := fmt.Errorf("loading: %w", e)
	if ErrorCode(wrapped) != "itemNotFound" || ErrorCode(errors.New("x")) != "" {
		t.Error("ErrorCode")
	}
	de := &DecodeError{Method: "GET", URL: "https://h/v1.0/x?y", RequestID: "r", Err: errors.New("bad")}
	if de.Error() != "graph: GET https://h/v1.0/x: decoding response: bad (request-id r)" || errors.Unwrap(de).Error() != "bad" {
		t.Errorf("DecodeError: %q", de.Error())
	}
}

func TestResponseBodies(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		check   func(t *testing.T, err error)
		maxBody int64
	}{
		{"malformed JSON", 200, `{"id": "x",`, func(t *testing.T, err error) {
			var de *DecodeError
			if !errors.As(err, &de) || !strings.HasPrefix(de.RequestID, "req-") || de.Snippet != `{"id": "x",` {
				t.Errorf("err = %#v", err)
			}
		}, 0},
		{"wrong JSON type", 200, `[1,2]`, func(t *testing.T, err error) {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Errorf("err = %v", err)
			}
		}, 0},
		{"empty success body", 200, ``, func(t *testing.T, err error) {
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, errEmptyBody) {
				t.Errorf("err = %v", err)
			}
		}, 0},
		{"oversized success body", 200, `{"id":"` + strings.Repeat("a", 2000) + `"}`, func(t *testing.T, err error) {
			if !errors.Is(err, ErrResponseTooLarge) || !strings.Contains(err.Error(), "request-id req-") {
				t.Errorf("err = %v", err)
			}
		}, 1000},
		{"oversized error body", 400, `{"error":{"code":"BadRequest","message":"` + strings.Repeat("m", 200<<10) + `"}}`, func(t *testing.T, err error) {
			var ge *Error
			if !errors.As(err, &ge) || ge.StatusCode != 400 || !strings.HasPrefix(ge.Message, "error body larger than 65536 bytes") ||
				!strings.HasPrefix(ge.RequestID, "req-") {
				t.Errorf("err = %v", err)
			}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, r, tt.status, tt.body) },
				func(o *Options) { o.MaxBodyBytes = tt.maxBody })
			_, _, err := env.c.Users.Me(context.Background())
			tt.check(t, err)
		})
	}
}

func TestTokenErrorText(t *testing.T) {
	e := &TokenError{Err: errors.New("invalid_grant")}
	if e.Error() != "graph: obtaining an access token: invalid_grant" || !errors.Is(e, ErrUnauthorized) || errors.Unwrap(e) == nil {
		t.Errorf("%v", e)
	}
}
