package odata

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// tokenKind classifies a lexical token of $filter (and of $orderby paths).
type tokenKind uint8

const (
	tokEOF tokenKind = iota
	tokIdent
	tokString
	tokInt
	tokDecimal
	tokGuid
	tokDateTime
	tokOpen
	tokClose
	tokComma
	tokSlash
	tokColon
)

func (k tokenKind) String() string {
	switch k {
	case tokEOF:
		return "end of input"
	case tokIdent:
		return "identifier"
	case tokString:
		return "string"
	case tokInt:
		return "integer"
	case tokDecimal:
		return "decimal"
	case tokGuid:
		return "guid"
	case tokDateTime:
		return "datetime"
	case tokOpen:
		return "'('"
	case tokClose:
		return "')'"
	case tokComma:
		return "','"
	case tokSlash:
		return "'/'"
	case tokColon:
		return "':'"
	}
	return "token"
}

// token is one lexeme. Pos is the 0-based byte offset of its first byte and
// End the offset just after it (adjacency matters for enum literals such as
// ns.alertSeverity'high').
type token struct {
	kind  tokenKind
	pos   int
	end   int
	text  string // source text; for strings the unescaped value
	i     int64
	f     float64
	t     Time
	big   bool // an integer literal outside Int32, for Edm type names in messages
	float bool // a decimal literal written with an exponent or overflowing int64
}

// syntaxError reports a problem at byte offset pos of src. Positions in
// messages are 1-based, matching the brief's reference message
// ("Syntax error at position 12 in 'severity eq'.": the end of an
// 11-character filter).
func syntaxError(src string, pos int) *Error {
	return badRequest("Invalid filter clause: Syntax error at position %d in '%s'.", pos+1, echo(src))
}

// lex splits src into tokens. It allocates one slice and works in one pass;
// the caller has already bounded len(src).
func lex(src string) ([]token, error) {
	toks := make([]token, 0, len(src)/4+2)
	i := 0
	for {
		for i < len(src) && isSpace(src[i]) {
			i++
		}
		if i >= len(src) {
			toks = append(toks, token{kind: tokEOF, pos: len(src), end: len(src)})
			return toks, nil
		}
		c := src[i]
		start := i
		switch {
		case c == '(':
			toks = append(toks, token{kind: tokOpen, pos: i, end: i + 1, text: "("})
			i++
		case c == ')':
			toks = append(toks, token{kind: tokClose, pos: i, end: i + 1, text: ")"})
			i++
		case c == ',':
			toks = append(toks, token{kind: tokComma, pos: i, end: i + 1, text: ","})
			i++
		case c == '/':
			toks = append(toks, token{kind: tokSlash, pos: i, end: i + 1, text: "/"})
			i++
		case c == ':':
			toks = append(toks, token{kind: tokColon, pos: i, end: i + 1, text: ":"})
			i++
		case c == '\'':
			s, n, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokString, pos: start, end: n, text: s})
			i = n
		default:
			// A GUID may start with a letter, and both GUIDs and dates
			// start like numbers, so they are tried first.
			if n := matchGuid(src, i); n > 0 {
				toks = append(toks, token{kind: tokGuid, pos: start, end: n, text: strings.ToLower(src[i:n])})
				i = n
				continue
			}
			if isDigit(c) {
				if n, ok := matchDateTime(src, i); ok {
					t, err := parseFilterTime(src, i, n)
					if err != nil {
						return nil, err
					}
					toks = append(toks, token{kind: tokDateTime, pos: start, end: n, text: src[i:n], t: t})
					i = n
					continue
				}
			}
			if isDigit(c) || ((c == '-' || c == '+') && i+1 < len(src) && (isDigit(src[i+1]) || src[i+1] == '.')) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])) {
				tok, err := lexNumber(src, i)
				if err != nil {
					return nil, err
				}
				toks = append(toks, tok)
				i = tok.end
				continue
			}
			if isIdentStart(c) {
				n := i + 1
				for n < len(src) && isIdentPart(src[n]) {
					n++
				}
				toks = append(toks, token{kind: tokIdent, pos: start, end: n, text: src[i:n]})
				i = n
				continue
			}
			return nil, syntaxError(src, i)
		}
	}
}

// lexString reads a quoted literal whose opening quote is at src[i]; two
// quotes in a row stand for one quote character.
func lexString(src string, i int) (string, int, error) {
	var b strings.Builder
	j := i + 1
	from := j
	for j < len(src) {
		if src[j] == '\'' {
			if j+1 < len(src) && src[j+1] == '\'' {
				b.WriteString(src[from : j+1])
				j += 2
				from = j
				continue
			}
			if b.Len() == 0 {
				return src[from:j], j + 1, nil
			}
			b.WriteString(src[from:j])
			return b.String(), j + 1, nil
		}
		j++
	}
	return "", 0, badRequest("Invalid filter clause: There is an unterminated string literal at position %d in '%s'.", i+1, echo(src))
}

// lexNumber reads [+-]digits[.digits][(e|E)[+-]digits].
func lexNumber(src string, i int) (token, error) {
	start := i
	if src[i] == '+' || src[i] == '-' {
		i++
	}
	digits := 0
	for i < len(src) && isDigit(src[i]) {
		i++
		digits++
	}
	decimal := false
	if i < len(src) && src[i] == '.' {
		decimal = true
		i++
		frac := 0
		for i < len(src) && isDigit(src[i]) {
			i++
			frac++
		}
		if frac == 0 || digits == 0 && frac == 0 {
			return token{}, syntaxError(src, i)
		}
	}
	exp := false
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		exp = true
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		n := 0
		for i < len(src) && isDigit(src[i]) {
			i++
			n++
		}
		if n == 0 {
			return token{}, syntaxError(src, i)
		}
	}
	if i < len(src) && isIdentPart(src[i]) {
		return token{}, syntaxError(src, i)
	}
	text := src[start:i]
	tok := token{pos: start, end: i, text: text}
	if !decimal && !exp {
		if v, err := strconv.ParseInt(text, 10, 64); err == nil {
			tok.kind = tokInt
			tok.i = v
			tok.big = v > math.MaxInt32 || v < math.MinInt32
			return tok, nil
		}
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		// Only a range error is possible here: the text is well formed.
		return token{}, badRequest("Invalid filter clause: The number '%s' is out of range.", echo(text))
	}
	tok.kind = tokDecimal
	tok.f = v
	tok.float = exp || !decimal
	return tok, nil
}

// matchGuid returns the end of an unquoted 8-4-4-4-12 GUID at src[i:], or 0.
func matchGuid(src string, i int) int {
	const n = 36
	if len(src)-i < n {
		return 0
	}
	for k := 0; k < n; k++ {
		c := src[i+k]
		switch k {
		case 8, 13, 18, 23:
			if c != '-' {
				return 0
			}
		default:
			if !isHex(c) {
				return 0
			}
		}
	}
	if i+n < len(src) && isIdentPart(src[i+n]) {
		return 0
	}
	return i + n
}

// matchDateTime recognises yyyy-mm-dd, optionally followed by
// Thh:mm[:ss[.fffffff]] and a zone (Z or ±hh:mm). It reports the end of
// the longest such text; whether the values are in range is checked by
// parseFilterTime.
func matchDateTime(src string, i int) (int, bool) {
	digits := func(j, n int) bool {
		if j+n > len(src) {
			return false
		}
		for k := j; k < j+n; k++ {
			if !isDigit(src[k]) {
				return false
			}
		}
		return true
	}
	if !digits(i, 4) || !at(src, i+4, '-') || !digits(i+5, 2) || !at(src, i+7, '-') || !digits(i+8, 2) {
		return 0, false
	}
	j := i + 10
	if !at(src, j, 'T') {
		if j < len(src) && isIdentPart(src[j]) {
			return 0, false
		}
		return j, true
	}
	j++
	if !digits(j, 2) || !at(src, j+2, ':') || !digits(j+3, 2) {
		// "2021-01-02T" followed by garbage: still a (bad) datetime, so
		// the error names it rather than the digits before it.
		return endOfWord(src, j), true
	}
	j += 5
	if at(src, j, ':') && digits(j+1, 2) {
		j += 3
		if at(src, j, '.') && digits(j+1, 1) {
			j++
			for j < len(src) && isDigit(src[j]) {
				j++
			}
		}
	}
	switch {
	case at(src, j, 'Z') || at(src, j, 'z'):
		j++
	case (at(src, j, '+') || at(src, j, '-')) && digits(j+1, 2) && at(src, j+3, ':') && digits(j+4, 2):
		j += 6
	}
	if j < len(src) && (isIdentPart(src[j]) || src[j] == ':' || src[j] == '+' || src[j] == '-') {
		return endOfWord(src, j), true
	}
	return j, true
}

func endOfWord(src string, j int) int {
	for j < len(src) && !isSpace(src[j]) && src[j] != ')' && src[j] != ',' {
		j++
	}
	return j
}

// parseFilterTime converts a lexed DateTimeOffset or date. A DateTimeOffset
// needs an offset in OData, so "2021-01-02T12:00:00" (no zone) is refused.
func parseFilterTime(src string, i, n int) (Time, error) {
	text := src[i:n]
	if len(text) == 10 {
		if v, err := time.Parse("2006-01-02", text); err == nil {
			return At(v), nil
		}
	} else {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
			if v, err := time.Parse(layout, text); err == nil {
				return At(v), nil
			}
		}
	}
	return Time{}, badRequest("Invalid filter clause: The DateTimeOffset text '%s' should be in format 'yyyy-mm-ddThh:mm:ss('.'s+)?(zzzzzz)?' and each field value is within valid range.", echo(text))
}

func at(s string, i int, c byte) bool { return i < len(s) && s[i] == c }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
func isIdentStart(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$'
}

// isIdentPart includes '.', so that a qualified type name used as a cast
// (microsoft.graph.security.userEvidence) is one token.
func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '.' }

// describe is used by tests and error paths to show a token.
func (t token) String() string { return fmt.Sprintf("%s %q@%d", t.kind, t.text, t.pos) }
