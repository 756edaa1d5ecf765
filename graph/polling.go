package graph

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// Limiter paces a client's requests on the wire: a request budget shared
// by background pollers, for instance, so that together they stay under
// Graph's per-app throttling limit. Set it in [Options.Limiter].
//
// Wait is called before every attempt, retries included, outside the
// attempt's timeout (a long wait for budget does not time the request
// out); an error ends the call with that error. Observe is called with
// every answer (before the retry layer looks at it), so the limiter can
// read a 429's Retry-After and hold every request it paces, not only the
// one that was throttled. Neither may keep or read the response body.
type Limiter interface {
	Wait(req *http.Request) error
	Observe(req *http.Request, resp *http.Response)
}

// decode decodes a success body into out.
func (c *Client) decode(data []byte, out any) error { return json.Unmarshal(data, out) }

// TopLimit reports the largest $top the service accepts, when err is its
// refusal of a larger one: a 400 whose message reads as Graph's "The limit
// of '50' for Top query has been exceeded. The value from the incoming
// request is '100'." (incidents answer this above 50). A poller lowers its
// page size to the limit and asks again, instead of failing forever on a
// limit it did not know.
func TopLimit(err error) (int, bool) {
	var ge *Error
	if !errors.As(err, &ge) || ge.StatusCode != http.StatusBadRequest {
		return 0, false
	}
	const prefix, suffix = "The limit of '", "' for Top query has been exceeded"
	_, rest, ok := strings.Cut(ge.Message, prefix)
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, suffix)
	if !ok || len(num) > 9 || strings.Trim(num, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}
