package graph

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps a Retry-After value: a header asking for more than a
// day is treated as a day, which no retry budget accepts anyway, instead of
// overflowing a Duration.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads a Retry-After header: delay-seconds, which Graph
// writes with fractions ("2.128"), or an HTTP-date, measured from now. A
// date in the past means "now". ok is false when the header is absent or
// unreadable, in which case the caller falls back to its own backoff.
// Values are capped at maxRetryAfter (see [ParseRetryAfter] for the
// uncapped value).
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	d, ok = ParseRetryAfter(v, now)
	return min(d, maxRetryAfter), ok
}

// ParseRetryAfter reads a Retry-After header value as the retry layer
// does (delay-seconds with fractions, or an HTTP-date measured from now; a
// past date means now), without the retry layer's 24-hour cap: a caller
// that paces many requests (a poller's request budget) honours whatever
// the service asks. The only bound is time.Duration's range. ok is false
// when v is empty or unreadable.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 64 {
		return 0, false
	}
	if c := v[0]; c >= '0' && c <= '9' || c == '.' {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil && math.IsInf(f, 1) {
			err = nil // out of range: "a very long time"
		}
		if err != nil || math.IsNaN(f) || f < 0 {
			return 0, false
		}
		if f >= float64(math.MaxInt64)/float64(time.Second) {
			return math.MaxInt64, true
		}
		return time.Duration(f * float64(time.Second)), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// ProviderWarning is one provider's failure inside a legacy /security/alerts
// answer: the federated API merges what the other providers returned (often
// with 206 Partial Content) and names each failing provider in a Warning
// header item, `199 - "{Vendor}/{Provider}/{StatusCode}/{LatencyInMs}"`.
type ProviderWarning struct {
	Code       int    // the warn-code, 199 in practice
	Agent      string // the warn-agent, "-" in practice
	Text       string // the quoted warn-text, unescaped
	Vendor     string // e.g. "Microsoft"; empty when Text is not in the four-part form
	Provider   string // e.g. "WDATP"
	StatusCode int    // the provider's HTTP status (504 for a timeout, 403 for no licence)
	Latency    time.Duration
}

// Limits on Warning parsing: the header is untrusted input.
const (
	maxWarnings     = 64
	maxWarningBytes = 16 << 10
)

// parseWarnings reads every Warning header line of a response (RFC 7234
// §5.5: comma-separated items of warn-code SP warn-agent SP quoted-string
// [SP quoted-date]). Items that do not parse are skipped rather than failing
// the response, whose body is still good data.
func parseWarnings(lines []string) []ProviderWarning {
	var out []ProviderWarning
	total := 0
	for _, line := range lines {
		total += len(line)
		if total > maxWarningBytes {
			break
		}
		p := warnParser{s: line}
		for len(out) < maxWarnings {
			w, ok, more := p.next()
			if ok {
				out = append(out, w)
			}
			if !more {
				break
			}
		}
	}
	return out
}

type warnParser struct {
	s string
	i int
}

func (p *warnParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// next parses one item. more reports whether a comma follows it; on a
// malformed item the parser skips to the next comma outside quotes.
func (p *warnParser) next() (w ProviderWarning, ok, more bool) {
	start := p.i
	ok = p.item(&w)
	if !ok {
		p.i = start
		p.skipItem()
	}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ',' {
		p.i++
		return w, ok, true
	}
	return w, ok, false
}

func (p *warnParser) skipItem() {
	inQuote := false
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case inQuote && c == '\\':
			p.i++
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			return
		}
		p.i++
	}
}

func (p *warnParser) item(w *ProviderWarning) bool {
	p.skipSpace()
	j := p.i
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	if j-p.i != 3 {
		return false
	}
	w.Code, _ = strconv.Atoi(p.s[p.i:j])
	if w.Code < 100 {
		return false
	}
	p.i = j
	if p.i >= len(p.s) || p.s[p.i] != ' ' {
		return false
	}
	p.skipSpace()
	j = p.i
	for j < len(p.s) && p.s[j] != ' ' && p.s[j] != '\t' && p.s[j] != ',' && p.s[j] != '"' {
		j++
	}
	if j == p.i {
		return false
	}
	w.Agent = p.s[p.i:j]
	p.i = j
	p.skipSpace()
	text, ok := p.quoted()
	if !ok {
		return false
	}
	w.Text = text
	// An optional quoted warn-date follows; it carries nothing we use.
	save := p.i
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '"' {
		if _, ok := p.quoted(); !ok {
			return false
		}
	} else {
		p.i = save
	}
	w.Vendor, w.Provider, w.StatusCode, w.Latency = splitWarnText(text)
	return true
}

func (p *warnParser) quoted() (string, bool) {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", false
	}
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '\\':
			if p.i+1 >= len(p.s) {
				return "", false
			}
			b.WriteByte(p.s[p.i+1])
			p.i += 2
			continue
		case '"':
			p.i++
			return b.String(), true
		}
		b.WriteByte(c)
		p.i++
	}
	return "", false
}

// splitWarnText splits "{Vendor}/{Provider}/{StatusCode}/{LatencyInMs}".
// Provider names contain spaces ("Windows Defender ATP") and could contain
// a slash, so the vendor is the first part and status and latency the last
// two; everything between is the provider.
func splitWarnText(text string) (vendor, provider string, status int, latency time.Duration) {
	parts := strings.Split(text, "/")
	if len(parts) < 4 {
		return "", "", 0, 0
	}
	n := len(parts)
	st, err1 := strconv.Atoi(strings.TrimSpace(parts[n-2]))
	ms, err2 := strconv.ParseInt(strings.TrimSpace(parts[n-1]), 10, 64)
	if err1 != nil || err2 != nil || st < 100 || st > 999 || ms < 0 || ms > math.MaxInt64/int64(time.Millisecond) {
		return "", "", 0, 0
	}
	return parts[0], strings.Join(parts[1:n-2], "/"), st, time.Duration(ms) * time.Millisecond
}
