package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
)

// DefaultBaseURL is Microsoft Graph's global endpoint. The API version
// (/v1.0 or /beta) is part of each method's path, not of the base URL, so
// that an emulator on http://127.0.0.1:5001 is a drop-in base URL.
const DefaultBaseURL = "https://graph.microsoft.com"

// DefaultUserAgent is sent when Options.UserAgent is empty.
const DefaultUserAgent = "graphsec-graph/1"

const (
	defaultMaxBody      = 64 << 20
	defaultMaxErrorBody = 64 << 10
	defaultTimeout      = 60 * time.Second
)

// API version prefixes.
const (
	v1   = "/v1.0"
	beta = "/beta"
)

// Clock reports the current time. graphsec's internal/clock types satisfy
// it; it is declared here so programs outside the module can inject one.
type Clock interface {
	Now() time.Time
}

// Options configures a Client. Only Tokens is normally needed; the rest
// have defaults suited to Microsoft Graph.
type Options struct {
	// BaseURL is the scheme and host (and optional path prefix) of the
	// Graph endpoint, without the API version. Default DefaultBaseURL.
	// Tokens are sent to this origin only.
	BaseURL string
	// HTTPClient supplies the base transport (connection pool, proxy,
	// TLS). Its Timeout, Jar and CheckRedirect are not used: timeouts are
	// per request (Timeout below) and redirects stay on BaseURL's host.
	// Share one HTTPClient among the per-user clients of a console.
	HTTPClient *http.Client
	// Tokens authenticates every request. nil sends no Authorization
	// header (the base transport may add its own).
	Tokens TokenSource
	// UserAgent identifies the application. Default DefaultUserAgent.
	UserAgent string
	// Timeout bounds each HTTP request on the wire, from sending to
	// reading the whole body. Retry waits are not included (they are
	// bounded by Retry.MaxTotalWait). Default 60 s, or HTTPClient.Timeout
	// when that is set.
	Timeout time.Duration
	// MaxBodyBytes bounds a success body (default 64 MiB: a 1,000-alert
	// page with evidence is a few MiB). MaxErrorBodyBytes bounds an error
	// body (default 64 KiB).
	MaxBodyBytes      int64
	MaxErrorBodyBytes int64
	// Retry configures the retry layer.
	Retry RetryPolicy
	// Clock is the source of "now" (for HTTP-date Retry-After values).
	// Default the system clock.
	Clock Clock
	// Logger receives retries and token refreshes at Info level; never
	// tokens. Default: discard.
	Logger *slog.Logger
	// Limiter, when set, paces every attempt on the wire (see [Limiter]).
	Limiter Limiter
}

// Client talks to Microsoft Graph (or the emulator). Each API area is a
// service field. A Client is safe for concurrent use; it holds one token
// source, so a console builds one Client per signed-in user over a shared
// Options.HTTPClient.
type Client struct {
	base       *url.URL
	baseStr    string
	hc         *http.Client
	userAgent  string
	maxBody    int64
	maxErrBody int64
	clock      Clock

	Users           *UsersService
	Alerts          *AlertsService // alerts_v2 (microsoft.graph.security.alert)
	Incidents       *IncidentsService
	LegacyAlerts    *LegacyAlertsService // /security/alerts, retired by Microsoft in 2026
	SecureScores    *SecureScoresService
	ControlProfiles *ControlProfilesService
	SecurityActions *SecurityActionsService // beta
	Subscriptions   *SubscriptionsService
	Mail            *MailService
}

// New builds a Client. Its transport is, from the outside in: retries
// (429/503/504), authentication (bearer token, refresh after 401), then a
// layer that stamps each request with a fresh client-request-id and a
// timeout, over the base transport.
func New(opts Options) (*Client, error) {
	baseStr := opts.BaseURL
	if baseStr == "" {
		baseStr = DefaultBaseURL
	}
	base, err := url.Parse(baseStr)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" ||
		base.RawQuery != "" || base.Fragment != "" || base.User != nil {
		return nil, fmt.Errorf("%w: base URL %q must be an absolute http(s) URL without query, fragment or user info", ErrInvalidArgument, baseStr)
	}
	base.Path = strings.TrimRight(base.Path, "/")
	base.RawPath = ""
	c := &Client{
		base:       base,
		baseStr:    base.String(),
		userAgent:  opts.UserAgent,
		maxBody:    opts.MaxBodyBytes,
		maxErrBody: opts.MaxErrorBodyBytes,
		clock:      opts.Clock,
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.maxBody <= 0 {
		c.maxBody = defaultMaxBody
	}
	if c.maxErrBody <= 0 {
		c.maxErrBody = defaultMaxErrorBody
	}
	if c.clock == nil {
		c.clock = clock.System{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var rt http.RoundTripper = http.DefaultTransport
	timeout := opts.Timeout
	if opts.HTTPClient != nil {
		if opts.HTTPClient.Transport != nil {
			rt = opts.HTTPClient.Transport
		}
		if timeout <= 0 {
			timeout = opts.HTTPClient.Timeout
		}
	}
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	rt = &stampTransport{next: rt, timeout: timeout}
	if opts.Tokens != nil {
		at, err := NewAuthTransport(rt, opts.Tokens, c.baseStr, c.maxErrBody, log)
		if err != nil {
			return nil, err
		}
		rt = at
	}
	retry := NewRetryTransport(rt, opts.Retry, c.clock, log)
	retry.limiter = opts.Limiter
	rt = retry
	c.hc = &http.Client{Transport: rt, CheckRedirect: c.checkRedirect}

	c.Users = &UsersService{c}
	c.Alerts = &AlertsService{c}
	c.Incidents = &IncidentsService{c}
	c.LegacyAlerts = &LegacyAlertsService{c}
	c.SecureScores = &SecureScoresService{c}
	c.ControlProfiles = &ControlProfilesService{c}
	c.SecurityActions = &SecurityActionsService{c}
	c.Subscriptions = &SubscriptionsService{c}
	c.Mail = &MailService{c}
	return c, nil
}

// BaseURL returns the base URL the client sends to.
func (c *Client) BaseURL() string { return c.baseStr }

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("graph: stopped after 5 redirects")
	}
	if !c.sameOrigin(req.URL) {
		return fmt.Errorf("%w: redirect to %s://%s", ErrForeignHost, req.URL.Scheme, req.URL.Host)
	}
	return nil
}

func (c *Client) sameOrigin(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, c.base.Scheme) && strings.EqualFold(u.Host, c.base.Host)
}

// Request is an HTTP request as the client will send it, built without
// sending so a console can show it ("GET https://graph.microsoft.com/...").
// The transport adds Authorization, client-request-id and
// return-client-request-id.
type Request struct {
	Method string
	URL    string // absolute, exactly as sent
	Header http.Header
	Body   []byte // JSON (base64 MIME for SendMIME), nil for none
}

// String returns "METHOD URL".
func (r *Request) String() string { return r.Method + " " + r.URL }

// newRequest builds a request for path (which starts with the API version)
// and an encoded query. prefer values become Prefer headers.
func (c *Client) newRequest(method, path, query string, body any, prefer ...string) (*Request, error) {
	s := c.baseStr + path
	if query != "" {
		s += "?" + query
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	r := &Request{Method: method, URL: u.String(), Header: make(http.Header)}
	r.Header.Set("Accept", "application/json")
	r.Header.Set("User-Agent", c.userAgent)
	for _, p := range prefer {
		r.Header.Add("Prefer", p)
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("graph: encoding request body: %w", err)
		}
		r.Body = b
		r.Header.Set("Content-Type", "application/json")
	}
	return r, nil
}

// NewRequest builds a request for an endpoint this package has no method
// for. path starts with the API version ("/v1.0/security/alerts_v2");
// query is already encoded (see [Query.Encode]); body, if not nil, is sent
// as JSON.
func (c *Client) NewRequest(method, path, query string, body any) (*Request, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("%w: path %q must start with /", ErrInvalidArgument, path)
	}
	return c.newRequest(method, path, query, body)
}

// ExplorerURL returns a link that opens r in Graph Explorer, Microsoft's
// web tool (against the user's own tenant there): the request's path
// relative to the API version, exactly as sent (still percent-encoded, so
// that characters such as & in a value keep their meaning) and escaped as
// one query value, with the method and the version. It returns "" for a
// request that is not on the client's base URL.
func (c *Client) ExplorerURL(r *Request) string {
	u, err := url.Parse(r.URL)
	if err != nil || !c.sameOrigin(u) {
		return ""
	}
	rel, ok := strings.CutPrefix(u.EscapedPath(), c.base.EscapedPath())
	if !ok {
		return ""
	}
	version := ""
	for _, v := range []string{v1, beta} {
		if rest, ok := strings.CutPrefix(rel, v+"/"); ok {
			version, rel = strings.TrimPrefix(v, "/"), rest
			break
		}
	}
	if version == "" {
		return ""
	}
	if u.RawQuery != "" {
		rel += "?" + u.RawQuery
	}
	return "https://developer.microsoft.com/graph/graph-explorer?request=" + url.QueryEscape(rel) +
		"&method=" + url.QueryEscape(r.Method) + "&version=" + version
}

// Ping reports whether Graph can be reached at the base URL: it sends GET
// /v1.0/ and counts any answer below 500 as reachable, since Graph refuses
// an anonymous request with 401 and is answering all the same. It is for
// readiness checks: build the client without Tokens (the request is then
// anonymous) and with Retry.MaxAttempts 1, so that a check does not wait
// out a 503.
func (c *Client) Ping(ctx context.Context) error {
	r, err := c.newRequest(http.MethodGet, v1+"/", "", nil)
	if err != nil {
		return err
	}
	_, _, err = c.send(ctx, r)
	var ge *Error
	if errors.As(err, &ge) && ge.StatusCode < 500 {
		return nil
	}
	return err
}

// Response describes the HTTP answer to a call, successful or not.
type Response struct {
	StatusCode      int
	Header          http.Header
	Method          string
	URL             string // the URL of the answered request
	RequestID       string // Graph's request-id: quote it to Microsoft support
	ClientRequestID string // the client-request-id of the answered attempt
	Date            time.Time
	RetryAfter      time.Duration // Retry-After, when present
	// Warnings holds the per-provider failures of a legacy
	// /security/alerts answer (206 Partial Content); the body is still the
	// merged data of the providers that answered.
	Warnings []ProviderWarning
}

func (c *Client) newResponse(r *Request, resp *http.Response) *Response {
	m := &Response{
		StatusCode:      resp.StatusCode,
		Header:          resp.Header,
		Method:          r.Method,
		URL:             r.URL,
		RequestID:       resp.Header.Get("request-id"),
		ClientRequestID: responseClientRequestID(resp),
	}
	if resp.Request != nil && resp.Request.URL != nil {
		m.URL = resp.Request.URL.String()
	}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		m.Date = d
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.clock.Now()); ok {
		m.RetryAfter = d
	}
	if w := resp.Header.Values("Warning"); len(w) > 0 {
		m.Warnings = parseWarnings(w)
	}
	return m
}

// Do sends r and decodes a JSON success body into out (when out is not nil
// and the body is not empty). A non-2xx answer is returned as *Error along
// with the Response.
func (c *Client) Do(ctx context.Context, r *Request, out any) (*Response, error) {
	resp, _, err := c.call(ctx, r, out)
	return resp, err
}

// call is Do, also reporting whether out was filled.
func (c *Client) call(ctx context.Context, r *Request, out any) (*Response, bool, error) {
	resp, body, err := c.send(ctx, r)
	if err != nil {
		return resp, false, err
	}
	if out == nil || len(bytes.TrimSpace(body)) == 0 {
		return resp, false, nil
	}
	if err := c.decode(body, out); err != nil {
		return resp, false, &DecodeError{Method: r.Method, URL: resp.URL, RequestID: resp.RequestID, Snippet: snippet(body, 120), Err: err}
	}
	return resp, true, nil
}

var errEmptyBody = errors.New("empty body where a JSON object was expected")

// callEntity is call for methods whose success always carries a body.
func (c *Client) callEntity(ctx context.Context, r *Request, out any) (*Response, error) {
	resp, filled, err := c.call(ctx, r, out)
	if err == nil && !filled {
		err = &DecodeError{Method: r.Method, URL: resp.URL, RequestID: resp.RequestID, Err: errEmptyBody}
	}
	return resp, err
}

type requestObserverKey struct{}

type dryRunKey struct{}

// ErrDryRun is returned by every call made with a [DryRun] context.
var ErrDryRun = errors.New("graph: dry run: request not sent")

// WithRequestObserver returns a context whose calls hand each request to fn
// just before it is sent: method, URL, the headers the client sets and the
// JSON body, exactly as sent (the transport then adds Authorization and
// client-request-id). A console shows users the REST call of any method
// this way, a PATCH body included; next pages of a list are reported too.
func WithRequestObserver(ctx context.Context, fn func(*Request)) context.Context {
	return context.WithValue(ctx, requestObserverKey{}, fn)
}

// DryRun returns a context whose calls build their request, show it to any
// [WithRequestObserver] function and return ErrDryRun without sending
// anything: a preview of any method, not only lists.
func DryRun(ctx context.Context) context.Context {
	return context.WithValue(ctx, dryRunKey{}, true)
}

func (r *Request) clone() *Request {
	c := *r
	c.Header = r.Header.Clone()
	c.Body = bytes.Clone(r.Body)
	return &c
}

func (c *Client) send(ctx context.Context, r *Request) (*Response, []byte, error) {
	if fn, ok := ctx.Value(requestObserverKey{}).(func(*Request)); ok && fn != nil {
		fn(r.clone())
	}
	if ctx.Value(dryRunKey{}) != nil {
		return nil, nil, ErrDryRun
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	if r.Header != nil {
		hreq.Header = r.Header.Clone()
	}
	resp, err := c.hc.Do(hreq)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, nil, fmt.Errorf("graph: %s %s: %w", r.Method, stripQuery(r.URL), err)
	}
	defer func() { _ = resp.Body.Close() }()
	meta := c.newResponse(r, resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, truncated, _ := readLimited(resp.Body, c.maxErrBody, resp.ContentLength)
		e := parseError(resp.StatusCode, resp.Header, b, truncated, c.clock.Now())
		e.Method, e.URL = r.Method, meta.URL
		if e.ClientRequestID == "" {
			e.ClientRequestID = meta.ClientRequestID
		}
		return meta, nil, e
	}
	b, truncated, err := readLimited(resp.Body, c.maxBody, resp.ContentLength)
	if err != nil {
		return meta, nil, fmt.Errorf("graph: %s %s: reading response (request-id %s): %w", r.Method, stripQuery(meta.URL), meta.RequestID, err)
	}
	if truncated {
		return meta, nil, fmt.Errorf("%w: %s %s sent more than %d bytes (request-id %s)", ErrResponseTooLarge, r.Method, stripQuery(meta.URL), c.maxBody, meta.RequestID)
	}
	return meta, b, nil
}

// readLimited reads at most limit bytes; truncated reports that more
// followed. hint (a Content-Length, or <= 0) sizes the buffer up front, so
// a multi-megabyte page is read without repeated growth.
func readLimited(r io.Reader, limit, hint int64) (b []byte, truncated bool, err error) {
	lr := io.LimitReader(r, limit+1)
	if hint <= 0 {
		b, err = io.ReadAll(lr)
		if int64(len(b)) > limit {
			return b[:limit], true, err
		}
		return b, false, err
	}
	b = make([]byte, 0, min(hint, limit)+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, rerr := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if rerr != nil {
			if rerr != io.EOF {
				err = rerr
			}
			break
		}
	}
	if int64(len(b)) > limit {
		return b[:limit], true, err
	}
	return b, false, err
}

// IsAPIRequest reports whether r is addressed to Graph's API at baseURL:
// its host, under a version path (/v1.0 or /beta). A transport shared
// with the identity platform (which the emulator serves on the same host)
// uses it to count Graph's requests alone.
func IsAPIRequest(baseURL string, r *http.Request) bool {
	u, err := url.Parse(baseURL)
	if err != nil || !strings.EqualFold(u.Host, r.URL.Host) {
		return false
	}
	p, ok := strings.CutPrefix(r.URL.Path, strings.TrimRight(u.Path, "/"))
	if !ok {
		return false
	}
	for _, v := range []string{v1, beta} {
		if p == v || strings.HasPrefix(p, v+"/") {
			return true
		}
	}
	return false
}
