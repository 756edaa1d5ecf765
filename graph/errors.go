package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Sentinels for errors.Is. A *Error matches by HTTP status:
//
//	400 → ErrBadRequest
//	401 → ErrUnauthorized (also any failure to obtain a token: *TokenError)
//	403 → ErrForbidden
//	404 → ErrNotFound
//	429 → ErrThrottled (also a code of TooManyRequests or activityLimitReached
//	      under any status, compared case-insensitively)
//
// Callers branch on these and on [Error.HasCode], never on messages, which
// Graph words differently across workloads.
var (
	ErrBadRequest   = errors.New("graph: bad request")
	ErrUnauthorized = errors.New("graph: unauthorized")
	ErrForbidden    = errors.New("graph: forbidden")
	ErrNotFound     = errors.New("graph: not found")
	ErrThrottled    = errors.New("graph: throttled")

	// ErrInvalidArgument marks a call rejected before anything was sent.
	ErrInvalidArgument = errors.New("graph: invalid argument")
	// ErrForeignHost marks a URL (a nextLink or a redirect) on a host other
	// than the client's base URL: credentials are never sent there.
	ErrForeignHost = errors.New("graph: refusing to send credentials to a different host")
	// ErrNextLinkLoop marks a nextLink the iterator already followed.
	ErrNextLinkLoop = errors.New("graph: @odata.nextLink loop")
	// ErrResponseTooLarge marks a body over the client's size limit.
	ErrResponseTooLarge = errors.New("graph: response body too large")
)

// Error is a non-2xx answer from Graph. Code and the inner code come from
// the body when it is Graph's JSON error; RequestID, ClientRequestID and Date
// come from innerError, falling back to the response headers, so that a
// console can show the request-id that Microsoft support asks for even when
// a proxy answered with HTML.
type Error struct {
	StatusCode      int
	Code            string // error.code, e.g. "InvalidAuthenticationToken"
	Message         string // error.message, or a summary of a non-JSON body
	InnerCode       string // innerError.code (e.g. "429"), or a nested innererror's code
	RequestID       string
	ClientRequestID string
	Date            time.Time     // innerError.date (no zone on the wire; read as UTC)
	RetryAfter      time.Duration // from the Retry-After header, 0 when absent
	Method          string
	URL             string // the request URL, for display
}

// Error describes the failure without the URL's query (which may carry user
// names) but with the request-id.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("graph: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		path := e.URL
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		b.WriteString(path)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d", e.StatusCode)
	if e.Code != "" {
		b.WriteByte(' ')
		b.WriteString(e.Code)
	} else if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request-id ")
		b.WriteString(e.RequestID)
		b.WriteByte(')')
	}
	return b.String()
}

// Is maps the error onto the package sentinels (see [ErrNotFound]).
func (e *Error) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrThrottled:
		return e.StatusCode == http.StatusTooManyRequests ||
			e.HasCode("TooManyRequests") || e.HasCode("activityLimitReached")
	}
	return false
}

// HasCode compares the Graph error code case-insensitively: the service
// writes the same code in camelCase and PascalCase.
func (e *Error) HasCode(code string) bool { return strings.EqualFold(e.Code, code) }

// ErrorCode returns the Graph error code of err when it is (or wraps) a
// *Error, and "" otherwise.
func ErrorCode(err error) string {
	var ge *Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return ""
}

// TokenError reports that no access token could be obtained (or refreshed
// after a 401). It matches ErrUnauthorized, so a console treats it like an
// expired sign-in. Its text is the token source's error, which never holds
// the token itself.
type TokenError struct {
	Err error
}

func (e *TokenError) Error() string { return "graph: obtaining an access token: " + e.Err.Error() }

// Unwrap returns the token source's error.
func (e *TokenError) Unwrap() error { return e.Err }

// Is matches ErrUnauthorized.
func (e *TokenError) Is(target error) bool { return target == ErrUnauthorized }

// DecodeError reports a 2xx body that is not the JSON the method expects.
type DecodeError struct {
	Method    string
	URL       string
	RequestID string
	Snippet   string // the start of the body, printable characters only
	Err       error
}

func (e *DecodeError) Error() string {
	s := fmt.Sprintf("graph: %s %s: decoding response: %v", e.Method, stripQuery(e.URL), e.Err)
	if e.RequestID != "" {
		s += " (request-id " + e.RequestID + ")"
	}
	return s
}

// Unwrap returns the JSON error.
func (e *DecodeError) Unwrap() error { return e.Err }

func stripQuery(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// errorBody is Graph's error envelope. encoding/json matches member names
// case-insensitively, so the one innerError field also reads the schema's
// "innererror" spelling.
type errorBody struct {
	Error *struct {
		Code       string          `json:"code"`
		Message    string          `json:"message"`
		InnerError *innerErrorBody `json:"innerError"`
	} `json:"error"`
}

type innerErrorBody struct {
	Code            string          `json:"code"`
	Date            string          `json:"date"`
	RequestID       string          `json:"request-id"`
	ClientRequestID string          `json:"client-request-id"`
	InnerError      *innerErrorBody `json:"innerError"`
}

// maxInnerDepth bounds how far nested innererror objects are searched.
const maxInnerDepth = 8

// parseError builds an *Error from a non-2xx response. body holds at most
// the client's error-body limit; truncated says whether there was more. It
// never fails: whatever the body is, the caller gets status, request-id and
// a readable message.
func parseError(status int, h http.Header, body []byte, truncated bool, now time.Time) *Error {
	e := &Error{
		StatusCode:      status,
		RequestID:       h.Get("request-id"),
		ClientRequestID: h.Get("client-request-id"),
	}
	if d, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
		e.RetryAfter = d
	}
	var eb errorBody
	if !truncated && json.Unmarshal(body, &eb) == nil && eb.Error != nil {
		e.Code = eb.Error.Code
		e.Message = eb.Error.Message
		if ie := eb.Error.InnerError; ie != nil {
			e.InnerCode = ie.Code
			if ie.RequestID != "" {
				e.RequestID = ie.RequestID
			}
			if ie.ClientRequestID != "" {
				e.ClientRequestID = ie.ClientRequestID
			}
			e.Date = parseInnerDate(ie.Date)
			for n, in := 0, ie.InnerError; in != nil && n < maxInnerDepth; n, in = n+1, in.InnerError {
				if e.InnerCode == "" {
					e.InnerCode = in.Code
				}
			}
		}
		return e
	}
	switch {
	case truncated:
		e.Message = fmt.Sprintf("error body larger than %d bytes: %s", len(body), snippet(body, 200))
	case len(bytes.TrimSpace(body)) == 0:
		e.Message = ""
	default:
		e.Message = "unexpected error body: " + snippet(body, 200)
	}
	return e
}

// parseInnerDate reads innerError.date, which Graph writes without a zone
// and without fractions ("2020-09-11T11:21:34"); RFC 3339 is accepted too.
func parseInnerDate(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", time.RFC3339Nano} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// snippet returns at most n runes of b with control characters and invalid
// UTF-8 replaced, so it is safe to log and display.
func snippet(b []byte, n int) string {
	var sb strings.Builder
	count := 0
	for len(b) > 0 && count < n {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		switch {
		case r == utf8.RuneError && size <= 1:
			r = '?'
		case r == '\n' || r == '\r' || r == '\t':
			r = ' '
		case !unicode.IsPrint(r):
			r = '?'
		}
		sb.WriteRune(r)
		count++
	}
	s := strings.TrimSpace(sb.String())
	if len(b) > 0 {
		s += "…"
	}
	return s
}
