package graphapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/odata"
)

// contentType is what Graph sends with every JSON body. Clients that check
// the media type must accept the parameters.
const contentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

// call is the per-request state every handler needs: who is calling, which
// API version, what the client prefers, and the ids echoed in headers and
// error bodies.
type call struct {
	w   http.ResponseWriter
	r   *http.Request
	api *API

	version         string // "v1.0" or "beta"
	requestID       string
	clientRequestID string
	now             time.Time
	who             *principal

	includeUnknownEnums  bool
	returnRepresentation bool
}

// newGUID returns a random (v4) GUID in the 8-4-4-4-12 form Graph uses for
// request ids.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// parsePrefer reads every Prefer header (they may repeat, and each may hold
// a comma-separated list) into the two preferences Graph honours here.
func parsePrefer(h http.Header) (includeUnknown, representation bool) {
	for _, v := range h.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			switch strings.ToLower(strings.TrimSpace(p)) {
			case "include-unknown-enum-members":
				includeUnknown = true
			case "return=representation":
				representation = true
			}
		}
	}
	return includeUnknown, representation
}

// apiError is an error that becomes a Graph error body.
type apiError struct {
	status  int
	code    string
	message string
	header  http.Header       // extra response headers, e.g. Retry-After
	inner   map[string]string // extra innerError members
}

func (e *apiError) Error() string { return e.message }

// HTTPStatus is the status the error is answered with.
func (e *apiError) HTTPStatus() int { return e.status }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "BadRequest", format, args...)
}

// throttled is the 429 Graph sends, with the extra innerError members of
// its throttling body.
func throttled(retryAfter string) *apiError {
	e := errorf(http.StatusTooManyRequests, "TooManyRequests", "Please retry again later.")
	e.inner = map[string]string{"code": "429", "message": "Please retry after", "status": "429"}
	if retryAfter != "" {
		e.header = http.Header{"Retry-After": {retryAfter}}
	}
	return e
}

func notFound(kind, id string) *apiError {
	return errorf(http.StatusNotFound, "ResourceNotFound", "The %s with id '%s' was not found.", kind, id)
}

// fail writes err as a Graph error body. An *odata.Error is a 400 with the
// message the query engine produced; anything unexpected is a 500 whose
// details stay in the log.
func (c *call) fail(err error) {
	var ae *apiError
	var qe *odata.Error
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The client went away while a query ran, which stopped it: no
		// one reads this answer, and nothing is wrong with the emulator.
		c.api.log.Info("graph request abandoned by the client", "request_id", c.requestID, "path", c.r.URL.Path, "err", err)
		ae = errorf(http.StatusServiceUnavailable, "serviceNotAvailable", "The request was cancelled before it completed.")
	case errors.As(err, &qe):
		ae = &apiError{status: http.StatusBadRequest, code: qe.Code, message: qe.Message}
		if ae.code == "" {
			ae.code = "BadRequest"
		}
		if errors.Is(err, odata.ErrWorkLimit) {
			c.api.log.Warn("graph query over its work limit", "request_id", c.requestID, "path", c.r.URL.Path, "query", truncateLog(c.r.URL.RawQuery))
		}
	default:
		c.api.log.Error("graph request failed", "request_id", c.requestID, "path", c.r.URL.Path, "err", err)
		ae = errorf(http.StatusInternalServerError, "InternalServerError", "An internal server error occurred.")
	}
	for k, vs := range ae.header {
		for _, v := range vs {
			c.w.Header().Add(k, v)
		}
	}
	c.writeError(ae.status, ae.code, ae.message, ae.inner)
}

// writeError writes Graph's error envelope, members in the order Graph
// writes them. extraInner adds members to innerError (the throttling body
// carries code, message and status there).
func (c *call) writeError(status int, code, message string, extraInner map[string]string) {
	b := make([]byte, 0, 256)
	b = append(b, `{"error":{"code":`...)
	b = appendJSONString(b, code)
	b = append(b, `,"message":`...)
	b = appendJSONString(b, message)
	b = append(b, `,"innerError":{"date":`...)
	b = appendJSONString(b, c.now.UTC().Format("2006-01-02T15:04:05"))
	b = append(b, `,"request-id":`...)
	b = appendJSONString(b, c.requestID)
	b = append(b, `,"client-request-id":`...)
	b = appendJSONString(b, c.clientRequestID)
	for _, k := range slices.Sorted(maps.Keys(extraInner)) {
		b = append(b, ',')
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, extraInner[k])
	}
	b = append(b, "}}}"...)
	c.w.Header().Set("Content-Type", contentType)
	c.w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	c.w.WriteHeader(status)
	_, _ = c.w.Write(b)
}

// contextURL is the @odata.context value for a path inside $metadata.
func (c *call) contextURL(fragment string) string {
	return c.api.baseURL + "/" + c.version + "/$metadata#" + fragment
}

func (c *call) encodeOptions(sel []string) odata.EncodeOptions {
	return odata.EncodeOptions{Select: sel, IncludeUnknownEnumMembers: c.includeUnknownEnums}
}

// writeEntity writes one object with its @odata.context first, as Graph
// does.
func (c *call) writeEntity(status int, context string, doc odata.Object, t *odata.Type, sel []string) {
	buf := make([]byte, 0, 4096)
	buf = append(buf, `{"@odata.context":`...)
	buf = appendJSONString(buf, context)
	obj := odata.AppendObject(nil, doc, t, c.encodeOptions(sel))
	if len(obj) > 2 {
		buf = append(buf, ',')
		buf = append(buf, obj[1:]...)
	} else {
		buf = append(buf, '}')
	}
	c.writeJSON(status, buf)
}

// page is one page of a collection response.
type page struct {
	context  string
	count    int
	hasCount bool
	nextLink string
	items    []odata.Object
	t        *odata.Type
	sel      []string
}

// writeCollection writes a collection envelope: context, count, next link,
// then the values, in the order Graph writes them.
func (c *call) writeCollection(status int, p page) {
	buf := c.api.buffer()
	defer c.api.recycle(buf)
	buf = append(buf, `{"@odata.context":`...)
	buf = appendJSONString(buf, p.context)
	if p.hasCount {
		buf = append(buf, `,"@odata.count":`...)
		buf = strconv.AppendInt(buf, int64(p.count), 10)
	}
	if p.nextLink != "" {
		buf = append(buf, `,"@odata.nextLink":`...)
		buf = appendJSONString(buf, p.nextLink)
	}
	buf = append(buf, `,"value":[`...)
	opt := c.encodeOptions(p.sel)
	for i, it := range p.items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = odata.AppendObject(buf, it, p.t, opt)
	}
	buf = append(buf, "]}"...)
	c.writeJSON(status, buf)
}

// maxPooledBuffer is the largest response buffer kept for reuse: a rare
// huge page should not pin its memory.
const maxPooledBuffer = 4 << 20

// buffer returns an empty buffer for a response body. Pages of alerts
// run to hundreds of kilobytes; growing a fresh buffer to that size on
// every request (allocating, zeroing and copying each time) cost more
// than encoding some of the alerts.
func (a *API) buffer() []byte {
	if b, ok := a.bufs.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, 64<<10)
}

// recycle returns a buffer once its response has been written.
func (a *API) recycle(b []byte) {
	if cap(b) <= maxPooledBuffer {
		a.bufs.Put(&b)
	}
}

func (c *call) writeJSON(status int, body []byte) {
	h := c.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if c.includeUnknownEnums {
		h.Set("Preference-Applied", "include-unknown-enum-members")
	}
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

// writeEmpty answers with a status and no body (204 on PATCH, 202 on sendMail).
func (c *call) writeEmpty(status int) {
	c.w.Header().Del("Content-Type")
	c.w.WriteHeader(status)
}

// readJSON decodes a bounded JSON request body into v.
func (c *call) readJSON(v any) error {
	ct := c.r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/json") {
		return errorf(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "The content type '%s' is not supported. Use application/json.", ct)
	}
	body, err := c.readBody()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("Empty Payload. JSON content expected.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return badRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
	}
	if dec.More() {
		return badRequest("Unable to read JSON request payload: unexpected data after the JSON value.")
	}
	return nil
}

// appendJSONString appends s as a JSON string literal. Unlike
// json.Marshal it leaves &, < and > alone, as Graph does in its links.
func appendJSONString(buf []byte, s string) []byte {
	var w bytes.Buffer
	enc := json.NewEncoder(&w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return append(buf, bytes.TrimSuffix(w.Bytes(), []byte("\n"))...)
}

// remarshal converts a decoded JSON value into a typed struct.
func remarshal(from any, to any) error {
	b, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, to)
}

// truncateLog shortens client text for a log line.
func truncateLog(s string) string {
	const max = 512
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
