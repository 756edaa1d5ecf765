package odata

import (
	"strconv"
	"strings"
)

// Options is a set of system query options.
type Options uint16

// The system query options a Spec can allow.
const (
	OptFilter Options = 1 << iota
	OptOrderBy
	OptSelect
	OptTop
	OptSkip
	OptCount
	OptExpand
	OptSkipToken

	// OptAll allows every option above.
	OptAll = OptFilter | OptOrderBy | OptSelect | OptTop | OptSkip | OptCount | OptExpand | OptSkipToken
)

// optionInfo describes one supported option: its lower-case name without
// '$' and the name Microsoft's messages give it.
type optionInfo struct {
	opt   Options
	name  string
	title string
}

var supportedOptions = []optionInfo{
	{OptFilter, "filter", "Filter"},
	{OptOrderBy, "orderby", "OrderBy"},
	{OptSelect, "select", "Select"},
	{OptTop, "top", "Top"},
	{OptSkip, "skip", "Skip"},
	{OptCount, "count", "Count"},
	{OptExpand, "expand", "Expand"},
	{OptSkipToken, "skiptoken", "SkipToken"},
}

// otherSystemOptions are OData system options the emulator knows of but
// does not implement; with Spec.DollarOptional their bare names are read
// as system options too (and refused), as Graph beta would.
var otherSystemOptions = map[string]bool{
	"search": true, "format": true, "apply": true, "compute": true, "levels": true,
	"deltatoken": true, "index": true, "schemaversion": true, "id": true,
}

// Spec says which query options a resource accepts, and their limits.
type Spec struct {
	// Type is the resource's entity type.
	Type *Type
	// Allow lists the accepted options; any other option is a 400.
	Allow Options
	// DefaultTop is the page size when $top is absent; 0 returns all.
	DefaultTop int
	// MaxTop is the largest $top accepted; 0 means no limit.
	MaxTop int
	// MaxSkip is the largest $skip accepted; 0 means no limit.
	MaxSkip int
	// Expand lists the accepted $expand values (navigation properties).
	Expand []string
	// Limits bounds the parsing work; zero fields take their defaults.
	Limits Limits
	// DollarOptional reads system options given without '$' (top,
	// filter...), as Graph beta does.
	DollarOptional bool
}

// OrderKey is one $orderby key. Path is canonical: declared property
// names (and cast type names) joined by '/'.
type OrderKey struct {
	Path string
	Desc bool
}

// Query is a parsed and validated set of query options.
type Query struct {
	// Filter is the compiled $filter; nil matches everything.
	Filter *Filter
	// FilterText is $filter as sent (after decoding); "" when absent.
	FilterText string
	OrderBy    []OrderKey
	// Select lists canonical top-level property names; nil selects all.
	Select []string
	// Top is $top; HasTop tells whether it was given.
	Top    int
	HasTop bool
	Skip   int
	Count  bool
	// Expand lists canonical $expand values, in the order given.
	Expand []string
	// SkipToken is $skiptoken as sent (after decoding); opaque.
	SkipToken string

	defaultTop int
	keys       []sortKey
}

// sortKey is a compiled $orderby key: how to read it, and how to turn the
// stored value into something Compare orders correctly (an enum member
// into its declaration index, a DateTimeOffset string into a Time).
type sortKey struct {
	get  func(env []any) any
	norm func(v any) any
	desc bool
}

// PageSize is the number of items Run returns at most: $top when given,
// otherwise Spec.DefaultTop; 0 with ok == false means no limit.
func (q *Query) PageSize() (n int, ok bool) {
	if q.HasTop {
		return q.Top, true
	}
	return q.defaultTop, q.defaultTop > 0
}

// ParseQuery parses the raw query string of a request (without '?', but a
// leading one is tolerated) against spec. It accepts what clients send in
// practice: raw text as curl sends it ($filter=severity eq 'high'),
// percent-encoded text (%24filter=severity%20eq%20%27high%27), '+' for a
// space, and option names in any case. Parameters that are not system
// options (api-version) are ignored. Every error is an *Error naming the
// option at fault.
func ParseQuery(rawQuery string, spec Spec) (*Query, error) {
	lim := spec.Limits.withDefaults()
	if len(rawQuery) > lim.MaxQueryLength {
		return nil, badRequest("The query string is %d bytes long, more than the limit of %d.", len(rawQuery), lim.MaxQueryLength)
	}
	if spec.Type == nil {
		return nil, badRequest("The resource does not support query options.")
	}
	rawQuery = strings.TrimPrefix(rawQuery, "?")
	var seen Options
	values := make([]string, len(supportedOptions))
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(part, "=")
		name, ok := unescape(rawName)
		if !ok {
			return nil, badRequest("The query option name '%s' is not correctly percent-encoded.", echo(rawName))
		}
		lower := strings.ToLower(name)
		var bare string
		switch {
		case strings.HasPrefix(lower, "$"):
			bare = lower[1:]
		case spec.DollarOptional && (isSupportedName(lower) || otherSystemOptions[lower]):
			bare = lower
		default:
			continue // not a system option: api-version and the like
		}
		idx := -1
		for i, o := range supportedOptions {
			if o.name == bare {
				idx = i
				break
			}
		}
		if idx < 0 {
			return nil, badRequest("Query option '$%s' is not supported.", echo(strings.TrimPrefix(name, "$")))
		}
		info := supportedOptions[idx]
		if seen&info.opt != 0 {
			return nil, badRequest("Query option '$%s' was specified more than once, but it must be specified at most once.", info.name)
		}
		seen |= info.opt
		if spec.Allow&info.opt == 0 {
			return nil, badRequest("The query specified in the URI is not valid. Query option '%s' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.", info.title)
		}
		value, ok := unescape(rawValue)
		if !ok {
			return nil, badRequest("The value of query option '$%s' is not correctly percent-encoded.", info.name)
		}
		values[idx] = value
	}

	q := &Query{defaultTop: spec.DefaultTop}
	ci := spec.Type.CaseInsensitive
	var err error
	if v := values[0]; seen&OptFilter != 0 && strings.TrimSpace(v) != "" {
		if q.Filter, err = CompileLimits(v, spec.Type, lim); err != nil {
			return nil, err
		}
		q.FilterText = v
	}
	if v := values[1]; seen&OptOrderBy != 0 && strings.TrimSpace(v) != "" {
		if err := q.parseOrderBy(v, spec.Type, lim); err != nil {
			return nil, err
		}
	}
	if v := values[2]; seen&OptSelect != 0 && strings.TrimSpace(v) != "" {
		if q.Select, err = parseSelect(v, spec.Type, ci, lim); err != nil {
			return nil, err
		}
	}
	if seen&OptTop != 0 {
		if q.Top, err = parseNonNegative("top", "Top", values[3], spec.MaxTop); err != nil {
			return nil, err
		}
		q.HasTop = true
	}
	if seen&OptSkip != 0 {
		if q.Skip, err = parseNonNegative("skip", "Skip", values[4], spec.MaxSkip); err != nil {
			return nil, err
		}
	}
	if seen&OptCount != 0 {
		switch v := strings.TrimSpace(values[5]); {
		case strings.EqualFold(v, "true"):
			q.Count = true
		case strings.EqualFold(v, "false"):
		default:
			return nil, badRequest("'%s' is not a valid count option.", echo(values[5]))
		}
	}
	if v := values[6]; seen&OptExpand != 0 && strings.TrimSpace(v) != "" {
		if q.Expand, err = parseExpand(v, spec); err != nil {
			return nil, err
		}
	}
	q.SkipToken = values[7]
	return q, nil
}

func isSupportedName(s string) bool {
	for _, o := range supportedOptions {
		if o.name == s {
			return true
		}
	}
	return false
}

// unescape decodes a query component: '+' is a space and %XX a byte. Raw
// characters that should have been encoded (spaces, quotes) are accepted
// as they are; a '%' not followed by two hex digits is an error.
func unescape(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", false
			}
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b), true
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// parseNonNegative reads $top or $skip.
func parseNonNegative(name, title, raw string, limit int) (int, error) {
	s := strings.TrimSpace(raw)
	invalid := badRequest("Invalid value '%s' for $%s query option found. The $%s query option requires a non-negative integer value.", echo(raw), name, name)
	if s == "" {
		return 0, invalid
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, invalid
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || limit > 0 && n > limit {
		if limit > 0 {
			return 0, badRequest("The limit of '%d' for %s query has been exceeded. The value from the incoming request is '%s'.", limit, title, echo(s))
		}
		return 0, invalid
	}
	return n, nil
}

func (q *Query) parseOrderBy(v string, t *Type, lim Limits) error {
	clauses := strings.Split(v, ",")
	if len(clauses) > lim.MaxOrderBy {
		return badRequest("The number of clauses in $orderby query option exceeded the maximum number %d allowed.", lim.MaxOrderBy)
	}
	syntax := func() error {
		return badRequest("Invalid $orderby clause: Syntax error in '%s'.", echo(v))
	}
	for _, clause := range clauses {
		fields := strings.Fields(clause)
		if len(fields) == 0 || len(fields) > 2 {
			return syntax()
		}
		desc := false
		if len(fields) == 2 {
			switch strings.ToLower(fields[1]) {
			case "asc":
			case "desc":
				desc = true
			default:
				return syntax()
			}
		}
		path, ok := parseSimplePath(fields[0])
		if !ok {
			return syntax()
		}
		sc := &scope{root: t, ci: t.CaseInsensitive, slots: meterSlot + 1, maxSlots: meterSlot + 1, sort: true}
		e, err := sc.bindPath(path)
		if err != nil {
			return err
		}
		if !scalar(e.t) {
			return badRequest("The $orderby expression must evaluate to a single value of primitive type.")
		}
		canon := strings.Join(e.canon, "/")
		for _, k := range q.OrderBy {
			if k.Path == canon {
				return badRequest("Duplicate property named '%s' is not supported in '$orderby'.", canon)
			}
		}
		q.OrderBy = append(q.OrderBy, OrderKey{Path: canon, Desc: desc})
		q.keys = append(q.keys, sortKey{get: e.get, norm: sortNormalizer(e.t), desc: desc})
	}
	return nil
}

// parseSimplePath accepts name(/name)* where names are identifiers
// (qualified names for casts included) and nothing else.
func parseSimplePath(s string) (*Path, bool) {
	segs := strings.Split(s, "/")
	for _, seg := range segs {
		if seg == "" || !isIdentStart(seg[0]) || strings.EqualFold(seg, "$count") {
			return nil, false
		}
		for i := 1; i < len(seg); i++ {
			if !isIdentPart(seg[i]) {
				return nil, false
			}
		}
	}
	return &Path{Segments: segs}, true
}

func sortNormalizer(t vtype) func(any) any {
	switch t.kind {
	case KindEnum:
		index := enumIndex(t.enum)
		return func(v any) any {
			if i, ok := index(v); ok {
				return int64(i)
			}
			return v
		}
	case KindDateTime:
		return func(v any) any {
			if s, ok := v.(string); ok {
				if tm, err := ParseTime(s); err == nil {
					return tm
				}
			}
			return v
		}
	}
	return nil
}

func parseSelect(v string, t *Type, ci bool, lim Limits) ([]string, error) {
	items := strings.Split(v, ",")
	if len(items) > lim.MaxSelect {
		return nil, badRequest("The number of items in $select exceeded the maximum number %d allowed.", lim.MaxSelect)
	}
	var out []string
	for _, it := range items {
		it = strings.TrimSpace(it)
		switch {
		case it == "":
			continue
		case it == "*":
			return nil, nil
		case strings.Contains(it, "/"):
			return nil, badRequest("The query specified in the URI is not valid. $select of a property path ('%s') is not supported; select top-level properties.", echo(it))
		}
		name := it
		if p, ok := findProperty(t, it, ci); ok {
			name = p.Name
		} else if !t.Open || !validName(it) {
			return nil, notFound(it, vtype{kind: KindComplex, typ: t})
		}
		dup := false
		for _, o := range out {
			dup = dup || o == name
		}
		if !dup {
			out = append(out, name)
		}
	}
	return out, nil
}

// validName accepts the names an open type's dynamic property can have.
func validName(s string) bool {
	if s == "" || !isIdentStart(s[0]) || s[0] == '$' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentStart(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func parseExpand(v string, spec Spec) ([]string, error) {
	var out []string
	for it := range strings.SplitSeq(v, ",") {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		if strings.ContainsAny(it, "()") {
			return nil, badRequest("The query specified in the URI is not valid. Query options nested in $expand ('%s') are not supported.", echo(it))
		}
		var names []string
		if it == "*" {
			names = spec.Expand
		} else {
			found := ""
			for _, e := range spec.Expand {
				if strings.EqualFold(e, it) {
					found = e
					break
				}
			}
			if found == "" {
				if p, ok := findProperty(spec.Type, it, true); ok {
					return nil, badRequest("Property '%s' on type '%s' is not a navigation property or complex property. Only navigation properties can be expanded.", p.Name, spec.Type.Name)
				}
				return nil, notFound(it, vtype{kind: KindComplex, typ: spec.Type})
			}
			names = []string{found}
		}
		for _, n := range names {
			dup := false
			for _, o := range out {
				dup = dup || o == n
			}
			if !dup {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// RawQuery re-encodes the query's options canonically, with $skip and
// $skiptoken replaced by the arguments (omitted when zero/empty). The API
// layer builds @odata.nextLink from it, which must carry every original
// option.
func (q *Query) RawQuery(skip int, skipToken string) string {
	var b strings.Builder
	add := func(name, value string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(escapeValue(value))
	}
	if q.Filter != nil {
		add("$filter", q.FilterText)
	}
	if len(q.OrderBy) > 0 {
		parts := make([]string, len(q.OrderBy))
		for i, k := range q.OrderBy {
			parts[i] = k.Path
			if k.Desc {
				parts[i] += " desc"
			}
		}
		add("$orderby", strings.Join(parts, ","))
	}
	if q.Select != nil {
		add("$select", strings.Join(q.Select, ","))
	}
	if len(q.Expand) > 0 {
		add("$expand", strings.Join(q.Expand, ","))
	}
	if q.HasTop {
		add("$top", strconv.Itoa(q.Top))
	}
	if q.Count {
		add("$count", "true")
	}
	if skip > 0 {
		add("$skip", strconv.Itoa(skip))
	}
	if skipToken != "" {
		add("$skiptoken", skipToken)
	}
	return b.String()
}

// escapeValue percent-encodes a query value, leaving the characters that
// are safe and readable in a query (quotes, parentheses, slashes, colons,
// commas) as they are. Spaces become %20.
func escapeValue(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || strings.IndexByte("-._~'()*,:/@!$;", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
