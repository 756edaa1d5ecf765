package graph

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Expr is an OData $filter expression under construction. Builders never
// fail on the spot; an invalid piece (a malformed GUID, a property path with
// a quote in it) is carried along and reported by [Expr.Err] and by every
// method that would send the expression. The zero Expr is "no filter".
type Expr struct {
	s    string
	kind exprKind
	err  error
}

type exprKind uint8

const (
	kindNone exprKind = iota
	kindAtom          // comparison, function call, lambda, not(...)
	kindAnd
	kindOr
	kindRaw // caller-written text: always parenthesised when combined
)

// String returns the expression text (before URL encoding).
func (e Expr) String() string { return e.s }

// Err reports the first problem found while building e.
func (e Expr) Err() error { return e.err }

// IsZero reports whether e is empty.
func (e Expr) IsZero() bool { return e.kind == kindNone && e.err == nil }

func errExpr(format string, args ...any) Expr {
	return Expr{kind: kindAtom, err: fmt.Errorf("%w: $filter: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))}
}

// Value is a literal in a $filter expression.
type Value struct {
	s   string
	err error
}

// String returns the literal as written in the filter.
func (v Value) String() string { return v.s }

// String is a string literal: single-quoted, with each ' doubled.
func String(s string) Value { return Value{s: "'" + strings.ReplaceAll(s, "'", "''") + "'"} }

// Enum is an enum member; OData writes enums as quoted strings in Graph
// filters (severity eq 'high').
func Enum[T ~string](v T) Value { return String(string(v)) }

// GUID is an unquoted GUID literal. s must be 8-4-4-4-12 hex digits.
func GUID(s string) Value {
	if !isGUID(s) {
		return Value{err: fmt.Errorf("%q is not a GUID", s)}
	}
	return Value{s: strings.ToLower(s)}
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// filterTimeLayout writes DateTimeOffset literals the way Graph writes
// timestamps: UTC, up to seven fractional digits (trailing zeros dropped),
// Z. Seven digits keep an alerts_v2 lastUpdateDateTime exact, which the
// cursor relies on.
const filterTimeLayout = "2006-01-02T15:04:05.9999999Z"

// DateTime is an unquoted DateTimeOffset literal, in UTC, truncated to
// 100 ns (Graph's precision).
func DateTime(t time.Time) Value {
	return Value{s: t.UTC().Truncate(100 * time.Nanosecond).Format(filterTimeLayout)}
}

// Date is an unquoted date literal (2006-01-02) of t's calendar day in UTC.
func Date(t time.Time) Value { return Value{s: t.UTC().Format(time.DateOnly)} }

// Bool is true or false.
func Bool(b bool) Value { return Value{s: strconv.FormatBool(b)} }

// Int is an integer literal.
func Int(n int64) Value { return Value{s: strconv.FormatInt(n, 10)} }

// Float is a decimal literal. NaN and infinities have no OData literal here.
func Float(f float64) Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{err: fmt.Errorf("%v has no $filter literal", f)}
	}
	return Value{s: strconv.FormatFloat(f, 'g', -1, 64)}
}

// Null is the null literal.
func Null() Value { return Value{s: "null"} }

// maxPathLen bounds a property path.
const maxPathLen = 512

// checkPath validates a property path: segments separated by '/', each an
// identifier, a qualified type name for a cast
// (microsoft.graph.security.userEvidence) or $count. Anything else could
// break out of the expression, so it is refused.
func checkPath(p string) error {
	if p == "" || len(p) > maxPathLen {
		return fmt.Errorf("property path %q is empty or too long", p)
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "$count" {
			continue
		}
		if seg == "" {
			return fmt.Errorf("property path %q has an empty segment", p)
		}
		for part := range strings.SplitSeq(seg, ".") {
			if !isIdent(part) {
				return fmt.Errorf("property path %q: %q is not an identifier", p, seg)
			}
		}
	}
	return nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// Path joins property path segments with '/'.
func Path(segments ...string) string { return strings.Join(segments, "/") }

// EvidencePath is the path to a property of one evidence type inside an
// evidence lambda: EvidencePath("e", "userEvidence", "userAccount/userPrincipalName")
// is e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName.
func EvidencePath(variable, evidenceType, path string) string {
	return variable + "/microsoft.graph.security." + evidenceType + "/" + path
}

// Filters on an alerts_v2 alert's evidence: the alerts that involve one
// user, device, IP address or file. Each is evidence/any(…) with a cast to
// the evidence type that holds the value, as Graph's documentation writes
// it; they are what the console's pivots (a user, device, IP or file on an
// alert's page leads to the queue filtered on it) send.

// EvidenceUser is an alert with user evidence of that user principal name.
func EvidenceUser(upn string) Expr {
	return Any("evidence", "e", Eq(EvidencePath("e", "userEvidence", "userAccount/userPrincipalName"), String(upn)))
}

// EvidenceDevice is an alert with device evidence of that DNS name.
func EvidenceDevice(dnsName string) Expr {
	return Any("evidence", "e", Eq(EvidencePath("e", "deviceEvidence", "deviceDnsName"), String(dnsName)))
}

// EvidenceIP is an alert with IP evidence of that address.
func EvidenceIP(address string) Expr {
	return Any("evidence", "e", Eq(EvidencePath("e", "ipEvidence", "ipAddress"), String(address)))
}

// EvidenceFileSHA256 is an alert with a file, or a process whose image
// file, has that SHA-256.
func EvidenceFileSHA256(sha256 string) Expr {
	return Any("evidence", "e", Or(
		Eq(EvidencePath("e", "fileEvidence", "fileDetails/sha256"), String(sha256)),
		Eq(EvidencePath("e", "processEvidence", "imageFile/sha256"), String(sha256)),
	))
}

func compare(op, path string, v Value) Expr {
	if err := checkPath(path); err != nil {
		return errExpr("%v", err)
	}
	if v.err != nil {
		return errExpr("%s %s: %v", path, op, v.err)
	}
	if v.s == "" {
		return errExpr("%s %s: missing value", path, op)
	}
	return Expr{s: path + " " + op + " " + v.s, kind: kindAtom}
}

// Eq is path eq v.
func Eq(path string, v Value) Expr { return compare("eq", path, v) }

// Ne is path ne v.
func Ne(path string, v Value) Expr { return compare("ne", path, v) }

// Gt is path gt v.
func Gt(path string, v Value) Expr { return compare("gt", path, v) }

// Ge is path ge v.
func Ge(path string, v Value) Expr { return compare("ge", path, v) }

// Lt is path lt v.
func Lt(path string, v Value) Expr { return compare("lt", path, v) }

// Le is path le v.
func Le(path string, v Value) Expr { return compare("le", path, v) }

// In is path in (v1, v2, ...).
func In(path string, vs ...Value) Expr {
	if err := checkPath(path); err != nil {
		return errExpr("%v", err)
	}
	if len(vs) == 0 {
		return errExpr("%s in (): no values", path)
	}
	var b strings.Builder
	b.WriteString(path)
	b.WriteString(" in (")
	for i, v := range vs {
		if v.err != nil {
			return errExpr("%s in: %v", path, v.err)
		}
		if v.s == "" {
			return errExpr("%s in: missing value", path)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(v.s)
	}
	b.WriteByte(')')
	return Expr{s: b.String(), kind: kindAtom}
}

func function(name, path, arg string) Expr {
	if err := checkPath(path); err != nil {
		return errExpr("%v", err)
	}
	return Expr{s: name + "(" + path + "," + String(arg).s + ")", kind: kindAtom}
}

// StartsWith is startswith(path,'prefix').
func StartsWith(path, prefix string) Expr { return function("startswith", path, prefix) }

// EndsWith is endswith(path,'suffix').
func EndsWith(path, suffix string) Expr { return function("endswith", path, suffix) }

// Contains is contains(path,'s').
func Contains(path, s string) Expr { return function("contains", path, s) }

func combine(kind exprKind, op string, es []Expr) Expr {
	var parts []string
	for _, e := range es {
		if e.err != nil {
			return e
		}
		switch {
		case e.kind == kindNone:
			continue
		case e.kind == kindAtom || e.kind == kind:
			parts = append(parts, e.s)
		default:
			parts = append(parts, "("+e.s+")")
		}
	}
	switch len(parts) {
	case 0:
		return Expr{}
	case 1:
		// A single operand keeps its own kind, so it is parenthesised
		// correctly if combined again.
		for _, e := range es {
			if e.kind != kindNone {
				return e
			}
		}
	}
	return Expr{s: strings.Join(parts, " "+op+" "), kind: kind}
}

// And joins expressions with and; empty ones are skipped.
func And(es ...Expr) Expr { return combine(kindAnd, "and", es) }

// Or joins expressions with or; empty ones are skipped.
func Or(es ...Expr) Expr { return combine(kindOr, "or", es) }

// Not negates e, written not(e) as in Graph's documentation.
func Not(e Expr) Expr {
	if e.err != nil {
		return e
	}
	if e.kind == kindNone {
		return errExpr("not of an empty expression")
	}
	return Expr{s: "not(" + e.s + ")", kind: kindAtom}
}

func lambda(op, collection, variable string, body Expr) Expr {
	if err := checkPath(collection); err != nil {
		return errExpr("%v", err)
	}
	if !isIdent(variable) {
		return errExpr("lambda variable %q is not an identifier", variable)
	}
	if body.err != nil {
		return body
	}
	if body.kind == kindNone {
		return errExpr("%s/%s with an empty body", collection, op)
	}
	return Expr{s: collection + "/" + op + "(" + variable + ": " + body.s + ")", kind: kindAtom}
}

// Any is collection/any(variable: body). Inside body, refer to the element
// as variable (tags/any(t: t eq 'x')) or its properties as variable/prop;
// for evidence, cast with [EvidencePath].
func Any(collection, variable string, body Expr) Expr {
	return lambda("any", collection, variable, body)
}

// All is collection/all(variable: body). Graph documents all as
// unsupported on most resources; it is here for those that accept it.
func All(collection, variable string, body Expr) Expr {
	return lambda("all", collection, variable, body)
}

// Raw is filter text written by the caller (a console's free-text filter
// box). It is sent as is, parenthesised when combined with And or Or.
func Raw(s string) Expr {
	s = strings.TrimSpace(s)
	if s == "" {
		return Expr{}
	}
	if len(s) > maxQueryValue {
		return errExpr("raw filter longer than %d bytes", maxQueryValue)
	}
	return Expr{s: s, kind: kindRaw}
}

// maxQueryValue bounds any single query option.
const maxQueryValue = 8 << 10

// Query holds the OData options of a list call. The zero Query lists with
// the service's defaults.
type Query struct {
	Filter  Expr
	OrderBy []string // "lastUpdateDateTime desc", "severity"
	Select  []string
	Expand  []string // e.g. "alerts"
	Top     int      // 0: the service's default page size
	Skip    int
	Count   bool // $count=true: the first page carries @odata.count
}

var errNegative = errors.New("must not be negative")

// Encode returns the query string, options in a fixed order, values
// percent-encoded (space as %20, the $ of option names and the OData
// punctuation ' ( ) , : / left readable, as Graph Explorer shows them).
func (q Query) Encode() (string, error) {
	var parts []string
	add := func(k, v string) { parts = append(parts, k+"="+escapeQueryValue(v)) }
	if err := q.Filter.Err(); err != nil {
		return "", err
	}
	if s := q.Filter.String(); s != "" {
		if len(s) > maxQueryValue {
			return "", fmt.Errorf("%w: $filter longer than %d bytes", ErrInvalidArgument, maxQueryValue)
		}
		add("$filter", s)
	}
	if len(q.OrderBy) > 0 {
		for _, o := range q.OrderBy {
			p, dir, _ := strings.Cut(strings.TrimSpace(o), " ")
			dir = strings.TrimSpace(dir)
			if err := checkPath(p); err != nil {
				return "", fmt.Errorf("%w: $orderby: %v", ErrInvalidArgument, err)
			}
			if dir != "" && dir != "asc" && dir != "desc" {
				return "", fmt.Errorf("%w: $orderby %q: direction must be asc or desc", ErrInvalidArgument, o)
			}
		}
		add("$orderby", strings.Join(q.OrderBy, ","))
	}
	if len(q.Select) > 0 {
		for _, p := range q.Select {
			if err := checkPath(p); err != nil {
				return "", fmt.Errorf("%w: $select: %v", ErrInvalidArgument, err)
			}
		}
		add("$select", strings.Join(q.Select, ","))
	}
	if len(q.Expand) > 0 {
		s := strings.Join(q.Expand, ",")
		if len(s) > maxQueryValue || strings.ContainsAny(s, "&#") {
			return "", fmt.Errorf("%w: $expand %q", ErrInvalidArgument, s)
		}
		add("$expand", s)
	}
	if q.Top < 0 {
		return "", fmt.Errorf("%w: $top %w", ErrInvalidArgument, errNegative)
	}
	if q.Top > 0 {
		add("$top", strconv.Itoa(q.Top))
	}
	if q.Skip < 0 {
		return "", fmt.Errorf("%w: $skip %w", ErrInvalidArgument, errNegative)
	}
	if q.Skip > 0 {
		add("$skip", strconv.Itoa(q.Skip))
	}
	if q.Count {
		add("$count", "true")
	}
	return strings.Join(parts, "&"), nil
}

// escapeQueryValue percent-encodes a query value. It keeps RFC 3986's
// unreserved characters and the sub-delimiters OData expressions are made
// of, and encodes everything a query parser would misread: space, &, =, +,
// #, %, ; (which Go's parser rejects) and non-ASCII bytes.
func escapeQueryValue(s string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
			continue
		}
		switch c {
		case '-', '.', '_', '~', '\'', '(', ')', '*', ',', ':', '/', '@', '!', '$':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&15])
		}
	}
	return b.String()
}

// maxIDLen bounds an id or user principal name placed in a path.
const maxIDLen = 1024

// pathSegment escapes an id for use as one path segment, so that '/', '?'
// and '#' (common in UPNs) cannot change which resource is addressed. "."
// and ".." are refused: a server normalising the path would move up a level.
func pathSegment(what, id string) (string, error) {
	if id == "" || id == "." || id == ".." || len(id) > maxIDLen {
		return "", fmt.Errorf("%w: %s %q", ErrInvalidArgument, what, id)
	}
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < 0x20 || c == 0x7f {
			return "", fmt.Errorf("%w: %s contains a control character", ErrInvalidArgument, what)
		}
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
			continue
		}
		switch c {
		case '-', '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', '=', ':', '@':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&15])
		}
	}
	return b.String(), nil
}
