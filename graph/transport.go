package graph

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
)

// RetryPolicy configures the retry layer. The zero value is a sound default
// for an interactive console: up to 5 attempts, at most 2 minutes of waiting
// in total, exponential backoff from 1 s to 30 s when the service gives no
// Retry-After.
type RetryPolicy struct {
	// MaxAttempts counts every attempt, the first included; 1 disables
	// retries. 0 means 5.
	MaxAttempts int
	// MaxTotalWait caps the sum of waits for one call. A Retry-After that
	// would exceed it ends the retries at once (waiting less than the
	// service asked only earns another 429), and the caller gets the 429
	// with its RetryAfter. 0 means 2 minutes.
	MaxTotalWait time.Duration
	// BaseDelay and MaxDelay bound the backoff used without Retry-After.
	// 0 means 1 s and 30 s.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// OnRetry, if set, is told about each retry before its wait, so a UI
	// can show "retrying in 3 s". See also [WithRetryObserver].
	OnRetry func(RetryInfo)
	// Sleep waits d or until ctx ends; tests inject a fake. nil uses a
	// timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0, 1); nil uses math/rand/v2.
	Jitter func() float64
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.MaxTotalWait <= 0 {
		p.MaxTotalWait = 2 * time.Minute
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = time.Second
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = p.BaseDelay
	}
	if p.Sleep == nil {
		p.Sleep = sleepContext
	}
	if p.Jitter == nil {
		p.Jitter = mrand.Float64
	}
	return p
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RetryInfo describes a retry about to happen.
type RetryInfo struct {
	Attempt         int           // the attempt about to be made: 2 for the first retry
	Wait            time.Duration // how long the layer waits before it
	FromServer      bool          // Wait is the service's Retry-After
	StatusCode      int           // the status that caused the retry: 429, 503 or 504
	RequestID       string        // request-id of the failed attempt
	ClientRequestID string        // client-request-id of the failed attempt
	Method          string
	URL             string
}

type retryObserverKey struct{}

// WithRetryObserver returns a context whose calls report their retries to
// fn, in addition to [RetryPolicy.OnRetry]: a console serving many users
// from one client attaches the "retrying" indicator of the page that made
// the call.
func WithRetryObserver(ctx context.Context, fn func(RetryInfo)) context.Context {
	return context.WithValue(ctx, retryObserverKey{}, fn)
}

// RetryTransport retries throttled and unavailable answers (429, 503, 504).
// Idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) are retried on all
// three; other methods only after a 429, which Graph sends before doing any
// work. A request with a body is retried only if its GetBody can rewind it.
type RetryTransport struct {
	next    http.RoundTripper
	p       RetryPolicy
	clock   Clock
	log     *slog.Logger
	limiter Limiter // Options.Limiter, or nil
}

// NewRetryTransport wraps next. clk dates HTTP-date Retry-After values; log
// may be nil.
func NewRetryTransport(next http.RoundTripper, p RetryPolicy, clk Clock, log *slog.Logger) *RetryTransport {
	if clk == nil {
		clk = clock.System{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &RetryTransport{next: next, p: p.withDefaults(), clock: clk, log: log}
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

func retryableStatus(status int, method string) bool {
	switch status {
	case http.StatusTooManyRequests:
		return true
	case http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return idempotent(method)
	}
	return false
}

// RoundTrip implements http.RoundTripper.
func (t *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	hasBody := req.Body != nil && req.Body != http.NoBody
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			r = req.Clone(ctx)
			if hasBody {
				body, err := req.GetBody()
				if err != nil {
					return nil, fmt.Errorf("graph: rewinding request body for retry: %w", err)
				}
				r.Body = body
			}
		}
		if t.limiter != nil {
			if err := t.limiter.Wait(r); err != nil {
				closeBody(r)
				return nil, err
			}
		}
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		if t.limiter != nil {
			t.limiter.Observe(r, resp)
		}
		if attempt >= t.p.MaxAttempts || !retryableStatus(resp.StatusCode, req.Method) || (hasBody && req.GetBody == nil) {
			return resp, nil
		}
		wait, fromServer := t.delay(resp, attempt)
		if waited+wait > t.p.MaxTotalWait {
			return resp, nil
		}
		info := RetryInfo{
			Attempt:         attempt + 1,
			Wait:            wait,
			FromServer:      fromServer,
			StatusCode:      resp.StatusCode,
			RequestID:       resp.Header.Get("request-id"),
			ClientRequestID: responseClientRequestID(resp),
			Method:          req.Method,
			URL:             req.URL.String(),
		}
		drain(resp.Body)
		t.log.InfoContext(ctx, "graph: retrying", "method", info.Method, "path", req.URL.Path,
			"status", info.StatusCode, "wait", wait, "attempt", info.Attempt, "request_id", info.RequestID)
		if t.p.OnRetry != nil {
			t.p.OnRetry(info)
		}
		if fn, ok := ctx.Value(retryObserverKey{}).(func(RetryInfo)); ok && fn != nil {
			fn(info)
		}
		if err := t.p.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("graph: waiting %v to retry %s %s: %w", wait, req.Method, req.URL.Path, err)
		}
		waited += wait
	}
}

// delay is the wait before the next attempt: the service's Retry-After when
// present, else exponential backoff with jitter in [d/2, d).
func (t *RetryTransport) delay(resp *http.Response, failures int) (time.Duration, bool) {
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), t.clock.Now()); ok {
		return d, true
	}
	d := t.p.BaseDelay
	for i := 1; i < failures && d < t.p.MaxDelay; i++ {
		d *= 2
	}
	if d > t.p.MaxDelay {
		d = t.p.MaxDelay
	}
	half := d / 2
	return half + time.Duration(t.p.Jitter()*float64(d-half)), false
}

// drain reads a little of a discarded body so the connection can be reused,
// then closes it.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

func responseClientRequestID(resp *http.Response) string {
	if id := resp.Header.Get("client-request-id"); id != "" {
		return id
	}
	if resp.Request != nil {
		return resp.Request.Header.Get("client-request-id")
	}
	return ""
}

// AuthTransport adds the bearer token, and only for the client's own
// scheme and host: a redirect or a nextLink to anywhere else fails with
// ErrForeignHost instead of leaking the token. After a 401 whose code is
// InvalidAuthenticationToken it asks the token source for a refresh and
// tries once more; a second 401 is returned as is, so a bad token never
// loops.
type AuthTransport struct {
	next        http.RoundTripper
	src         TokenSource
	scheme      string
	host        string
	maxErrBody  int64
	log         *slog.Logger
	allowedHost string // "scheme://host", for messages
}

// NewAuthTransport wraps next. baseURL names the only origin that receives
// tokens. maxErrBody bounds how much of a 401 body is read to find its code
// (0 means 64 KiB). log may be nil.
func NewAuthTransport(next http.RoundTripper, src TokenSource, baseURL string, maxErrBody int64, log *slog.Logger) (*AuthTransport, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("%w: base URL %q is not absolute", ErrInvalidArgument, baseURL)
	}
	if maxErrBody <= 0 {
		maxErrBody = defaultMaxErrorBody
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &AuthTransport{
		next: next, src: src, maxErrBody: maxErrBody, log: log,
		scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Host),
		allowedHost: strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host),
	}, nil
}

func (t *AuthTransport) sameOrigin(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, t.scheme) && strings.EqualFold(u.Host, t.host)
}

// RoundTrip implements http.RoundTripper.
func (t *AuthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.sameOrigin(req.URL) {
		closeBody(req)
		return nil, fmt.Errorf("%w: %s://%s is not %s", ErrForeignHost, req.URL.Scheme, req.URL.Host, t.allowedHost)
	}
	ctx := req.Context()
	tok, err := t.src.Token(ctx)
	if err != nil {
		closeBody(req)
		return nil, &TokenError{Err: err}
	}
	r := req.Clone(ctx)
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	hasBody := req.Body != nil && req.Body != http.NoBody
	if hasBody && req.GetBody == nil {
		return resp, nil
	}
	if !t.invalidToken(resp) {
		return resp, nil
	}
	fresh, err := t.src.Refresh(ctx, tok)
	if err != nil {
		drain(resp.Body)
		return nil, &TokenError{Err: err}
	}
	if fresh == nil || fresh.AccessToken == tok.AccessToken {
		return resp, nil
	}
	drain(resp.Body)
	t.log.InfoContext(ctx, "graph: access token rejected; retrying with a refreshed token",
		"method", req.Method, "path", req.URL.Path, "request_id", resp.Header.Get("request-id"))
	r = req.Clone(ctx)
	if hasBody {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("graph: rewinding request body after token refresh: %w", err)
		}
		r.Body = body
	}
	r.Header.Set("Authorization", "Bearer "+fresh.AccessToken)
	return t.next.RoundTrip(r)
}

// invalidToken reads the start of a 401 body to find its code, then puts
// what it read back in front of the rest so the caller still sees the
// whole body.
func (t *AuthTransport) invalidToken(resp *http.Response) bool {
	head, err := io.ReadAll(io.LimitReader(resp.Body, t.maxErrBody))
	resp.Body = &replayBody{Reader: io.MultiReader(bytes.NewReader(head), resp.Body), closer: resp.Body}
	if err != nil {
		return false
	}
	var eb errorBody
	if json.Unmarshal(head, &eb) != nil || eb.Error == nil {
		return false
	}
	return strings.EqualFold(eb.Error.Code, "InvalidAuthenticationToken")
}

type replayBody struct {
	io.Reader
	closer io.Closer
}

func (b *replayBody) Close() error { return b.closer.Close() }

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// stampTransport is the innermost layer: it gives every request on the wire
// its own client-request-id (so each attempt of a retried call can be traced
// separately with Microsoft support) and its own timeout.
type stampTransport struct {
	next    http.RoundTripper
	timeout time.Duration
}

func (t *stampTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	r := req.Clone(ctx)
	r.Header.Set("client-request-id", newUUID())
	r.Header.Set("return-client-request-id", "true")
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		cancel()
		if errors.Is(err, context.DeadlineExceeded) && req.Context().Err() == nil {
			return nil, fmt.Errorf("graph: %s %s: no answer within %v: %w", req.Method, req.URL.Path, t.timeout, err)
		}
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody ends the attempt's timeout context when the body is closed:
// the context must live while the caller reads the body.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// newUUID returns a random (version 4) UUID from crypto/rand.
func newUUID() string {
	var u [16]byte
	_, _ = crand.Read(u[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
