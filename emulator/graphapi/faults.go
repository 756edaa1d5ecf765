package graphapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault is a failure the control plane queues so that clients can be
// tested against the ways Graph misbehaves: throttling storms, 5xx,
// latency, and legacy providers failing behind the federation (206).
type Fault struct {
	// Method limits the fault to one HTTP method; empty matches any.
	Method string `json:"method,omitempty"`
	// Path is a prefix of the path after the version, e.g.
	// "/security/alerts_v2"; matched without regard to case. Empty matches all.
	Path string `json:"path,omitempty"`
	// Status is the HTTP status to answer with (0: no failure, only Delay).
	Status int `json:"status,omitempty"`
	// Code and Message fill the error body; defaults follow the status.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// RetryAfter is sent verbatim as the Retry-After header ("2", "2.128").
	RetryAfter string `json:"retryAfter,omitempty"`
	// Delay is added before answering (or before serving normally).
	Delay Duration `json:"delay,omitempty"`
	// Count is how many requests the fault applies to; 0 means every request
	// until the faults are cleared.
	Count int `json:"count,omitempty"`
	// Provider makes one legacy alert provider fail: /security/alerts then
	// answers 206 with a Warning for it and without its alerts. Status is the
	// provider's status in the Warning (default 503).
	Provider string `json:"provider,omitempty"`
}

// Duration is a time.Duration written as a Go duration string in JSON
// ("1.5s"); a bare number is read as milliseconds.
type Duration time.Duration

// MarshalJSON writes d as "1.5s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

// UnmarshalJSON reads "1.5s" or a number of milliseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if v, err := time.ParseDuration(s); err == nil {
		*d = Duration(v)
		return nil
	}
	var ms float64
	if _, err := fmt.Sscanf(s, "%g", &ms); err == nil {
		*d = Duration(time.Duration(ms * float64(time.Millisecond)))
		return nil
	}
	return fmt.Errorf("invalid duration %q", s)
}

// Faults is the queue of pending faults. It is safe for concurrent use.
type Faults struct {
	mu    sync.Mutex
	queue []*Fault
}

// NewFaults returns an empty queue.
func NewFaults() *Faults { return &Faults{} }

// Add queues a fault after checking it makes sense.
func (f *Faults) Add(x Fault) error {
	if x.Status != 0 && (x.Status < 200 || x.Status > 599) {
		return fmt.Errorf("status %d is not an HTTP status", x.Status)
	}
	if x.Count < 0 {
		return fmt.Errorf("count must not be negative")
	}
	if x.Delay < 0 || time.Duration(x.Delay) > 2*time.Minute {
		return fmt.Errorf("delay must be between 0 and 2m")
	}
	if x.Status == 0 && x.Delay == 0 && x.Provider == "" {
		return fmt.Errorf("a fault needs a status, a delay or a provider")
	}
	x.Path = strings.ToLower(x.Path)
	x.Method = strings.ToUpper(x.Method)
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queue) >= 1000 {
		return fmt.Errorf("too many queued faults (1000)")
	}
	f.queue = append(f.queue, &x)
	return nil
}

// List returns the queued faults.
func (f *Faults) List() []Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Fault, 0, len(f.queue))
	for _, x := range f.queue {
		out = append(out, *x)
	}
	return out
}

// Clear removes every queued fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	f.queue = nil
	f.mu.Unlock()
}

// take finds the first fault matching the request and uses it up.
func (f *Faults) take(method, path string, provider bool) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, x := range f.queue {
		if (x.Provider != "") != provider || (x.Method != "" && x.Method != method) || !strings.HasPrefix(path, x.Path) {
			continue
		}
		got := *x
		if x.Count > 0 {
			x.Count--
			if x.Count == 0 {
				f.queue = append(f.queue[:i], f.queue[i+1:]...)
			}
		}
		return got, true
	}
	return Fault{}, false
}

// apply delays or fails a request as a queued fault says.
func (f *Faults) apply(ctx context.Context, method, path string) error {
	x, ok := f.take(method, path, false)
	if !ok {
		return nil
	}
	if x.Delay > 0 {
		t := time.NewTimer(time.Duration(x.Delay))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if x.Status == 0 || x.Status < 400 {
		return nil
	}
	code, msg := x.Code, x.Message
	if code == "" {
		code, msg = defaultError(x.Status)
	} else if msg == "" {
		_, msg = defaultError(x.Status)
	}
	e := errorf(x.Status, code, "%s", msg)
	if x.Status == http.StatusTooManyRequests && x.Code == "" {
		e = throttled("")
	}
	if x.RetryAfter != "" {
		e.header = http.Header{"Retry-After": {x.RetryAfter}}
	}
	return e
}

// providerFailures returns the legacy providers that fail for this request,
// with the status each reports.
func (f *Faults) providerFailures(path string) map[string]int {
	var out map[string]int
	for {
		x, ok := f.take("GET", path, true)
		if !ok {
			return out
		}
		if out == nil {
			out = map[string]int{}
		}
		st := x.Status
		if st == 0 {
			st = http.StatusServiceUnavailable
		}
		out[strings.ToLower(x.Provider)] = st
		if x.Count == 0 {
			// A standing provider fault: take would return it forever.
			return out
		}
	}
}

// defaultError gives the code and message Graph uses for a status.
func defaultError(status int) (string, string) {
	switch status {
	case http.StatusTooManyRequests:
		return "TooManyRequests", "Please retry again later."
	case http.StatusServiceUnavailable:
		return "serviceNotAvailable", "The service is temporarily unavailable. Please retry later."
	case http.StatusGatewayTimeout:
		return "GatewayTimeout", "The gateway did not receive a timely response from the upstream server."
	case http.StatusInternalServerError:
		return "InternalServerError", "An internal server error occurred."
	case http.StatusBadGateway:
		return "BadGateway", "The server received an invalid response from the upstream server."
	case http.StatusUnauthorized:
		return "InvalidAuthenticationToken", "Access token validation failure."
	case http.StatusForbidden:
		return "Forbidden", "Access is denied."
	case http.StatusNotFound:
		return "ResourceNotFound", "The resource was not found."
	}
	return "BadRequest", http.StatusText(status)
}
