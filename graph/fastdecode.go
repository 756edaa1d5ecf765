package graph

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is a single-pass JSON decoder for the client's hottest path:
// pages of alerts_v2 alerts and incidents, whose polymorphic evidence is
// most of the bytes. encoding/json validates a document in full before
// decoding it, scans every value it hands to an UnmarshalJSON method again,
// and the evidence list then validates and decodes each entry once more:
// evidence bytes were read five or six times. Here every byte is read once.
//
// It is deliberately not a general JSON library. It decodes only into the
// types registered in fastPlans, and it gives up (errAbort) on anything it
// cannot reproduce exactly: invalid UTF-8, a key that matches a field only
// under Unicode case folding, a surrogate escape that is not a pair. The
// caller then decodes the document again with encoding/json from a zero
// value, so the result is always what encoding/json would produce, and an
// error is always encoding/json's own error. A differential fuzz test holds
// the two to the same output.

// Failure kinds of the fast decoder. errType is a value that does not fit
// its Go type (encoding/json would report an error too); errAbort is
// anything else, a syntax error included. Both make the caller fall back
// to encoding/json; errType inside an evidence entry only makes that entry
// fall back, as DecodeEvidence does.
var (
	errType  = errors.New("graph: fast decode: type mismatch")
	errAbort = errors.New("graph: fast decode: not handled")
)

// maxFastDepth matches encoding/json's nesting limit; deeper documents
// fall back to it (and get its error).
const maxFastDepth = 10000

type opKind uint8

const (
	opString opKind = iota
	opBool
	opInt
	opUint
	opFloat
	opStruct
	opPtr
	opSlice
	opMapAny // map[string]any
	opAny    // any
	opTime   // time.Time
	opUnmarshaler
	opEvidenceList
	opFallback // anything else: handed to encoding/json
)

// plan says how to decode into one Go type.
type plan struct {
	op   opKind
	typ  reflect.Type
	elem *plan // opPtr, opSlice
	// opStruct: the JSON-visible fields, and their indexes by exact and by
	// ASCII-folded name (encoding/json matches names without regard to
	// case, preferring an exact match).
	fields []fastField
	exact  map[string]int
	folded map[string]int
}

type fastField struct {
	name  string
	index []int
	plan  *plan
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType            = reflect.TypeFor[time.Time]()
	evidenceListType    = reflect.TypeFor[EvidenceList]()
)

// fastPlans maps the registered root types (as pointers, the way callers
// pass them) to their plans. It is built once at start-up and only read.
var fastPlans = buildPlans(
	reflect.TypeFor[*Page[Alert]](), reflect.TypeFor[*Alert](),
	reflect.TypeFor[*Page[Incident]](), reflect.TypeFor[*Incident](),
	reflect.TypeFor[*Page[AlertSummary]](), reflect.TypeFor[*Page[LegacyAlertSummary]](),
)

// evidenceKinds maps the modelled evidence types, by their name after
// "microsoft.graph.security." as Graph spells it, to a constructor and
// plan; basePlan decodes the shared members of an unknown type. Both are
// built once at start-up and only read.
var evidenceKinds, basePlan = buildEvidencePlans()

type evidenceKind struct {
	make func() Evidence
	plan *plan
}

func buildPlans(roots ...reflect.Type) map[reflect.Type]*plan {
	memo := map[reflect.Type]*plan{}
	out := make(map[reflect.Type]*plan, len(roots))
	for _, r := range roots {
		out[r] = planFor(r.Elem(), memo)
	}
	return out
}

func buildEvidencePlans() (map[string]evidenceKind, *plan) {
	memo := map[reflect.Type]*plan{}
	out := map[string]evidenceKind{}
	for _, name := range evidenceTypeNames {
		ev := newEvidence(name)
		out[strings.TrimPrefix(ev.TypeName(), evidenceNS)] = evidenceKind{
			make: func() Evidence { return newEvidence(name) },
			plan: planFor(reflect.TypeOf(ev).Elem(), memo),
		}
	}
	return out, planFor(reflect.TypeFor[EvidenceBase](), memo)
}

// lookupEvidence finds a modelled type by name: the exact spelling first
// (no allocation), then without regard to case, as newEvidence does.
func lookupEvidence(name string) (Evidence, *plan) {
	if k, ok := evidenceKinds[name]; ok {
		return k.make(), k.plan
	}
	ev := newEvidence(name)
	if ev == nil {
		return nil, nil
	}
	return ev, evidenceKinds[strings.TrimPrefix(ev.TypeName(), evidenceNS)].plan
}

// evidenceTypeNames lists the modelled evidence types as newEvidence
// knows them.
var evidenceTypeNames = [...]string{
	"userevidence", "deviceevidence", "fileevidence", "ipevidence", "urlevidence", "processevidence",
	"mailboxevidence", "analyzedmessageevidence", "registrykeyevidence", "registryvalueevidence",
	"mailclusterevidence", "cloudapplicationevidence", "oauthapplicationevidence", "securitygroupevidence",
	"malwareevidence", "networkconnectionevidence", "dnsevidence", "filehashevidence",
}

func planFor(t reflect.Type, memo map[reflect.Type]*plan) *plan {
	if p, ok := memo[t]; ok {
		return p
	}
	p := &plan{typ: t}
	memo[t] = p
	switch {
	case t == evidenceListType:
		p.op = opEvidenceList
		return p
	case t == timeType:
		p.op = opTime
		return p
	case t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(unmarshalerType):
		p.op = opUnmarshaler
		return p
	case t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(textUnmarshalerType):
		p.op = opFallback
		return p
	}
	switch t.Kind() {
	case reflect.String:
		p.op = opString
	case reflect.Bool:
		p.op = opBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.op = opInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		p.op = opUint
	case reflect.Float32, reflect.Float64:
		p.op = opFloat
	case reflect.Pointer:
		if t.Implements(unmarshalerType) && !reflect.PointerTo(t.Elem()).Implements(unmarshalerType) {
			p.op = opFallback // a pointer type with its own method: leave it to encoding/json
			break
		}
		p.op = opPtr
		p.elem = planFor(t.Elem(), memo)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			p.op = opFallback // base64
			break
		}
		p.op = opSlice
		p.elem = planFor(t.Elem(), memo)
	case reflect.Map:
		if t.Key().Kind() == reflect.String && t.Key() == reflect.TypeFor[string]() && t.Elem().Kind() == reflect.Interface && t.Elem().NumMethod() == 0 {
			p.op = opMapAny
		} else {
			p.op = opFallback
		}
	case reflect.Interface:
		if t.NumMethod() == 0 {
			p.op = opAny
		} else {
			p.op = opFallback
		}
	case reflect.Struct:
		p.op = opStruct
		if !structFields(p, t, memo) {
			p.op = opFallback
			p.fields, p.exact, p.folded = nil, nil, nil
		}
	default:
		p.op = opFallback
	}
	return p
}

// structFields collects the JSON-visible fields of t as encoding/json sees
// them: exported fields by their tag name (or Go name), fields of embedded
// structs promoted unless a shallower field has the name. It reports false
// for layouts it does not reproduce (embedded pointers, tag options that
// change decoding), which then go to encoding/json.
func structFields(p *plan, t reflect.Type, memo map[reflect.Type]*plan) bool {
	type cand struct {
		f     fastField
		depth int
	}
	byName := map[string]cand{}
	var order []string
	var walk func(t reflect.Type, index []int, depth int) bool
	walk = func(t reflect.Type, index []int, depth int) bool {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := cutComma(tag)
			if opts != "" && !onlyOmitOptions(opts) {
				return false
			}
			idx := append(append([]int(nil), index...), i)
			if sf.Anonymous && name == "" {
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					return false
				}
				if ft.Kind() == reflect.Struct {
					if !walk(ft, idx, depth+1) {
						return false
					}
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			c, seen := byName[name]
			switch {
			case !seen:
				order = append(order, name)
			case c.depth < depth:
				continue
			case c.depth == depth:
				return false // ambiguous: encoding/json drops both
			}
			byName[name] = cand{f: fastField{name: name, index: idx, plan: planFor(sf.Type, memo)}, depth: depth}
		}
		return true
	}
	if !walk(t, nil, 0) {
		return false
	}
	p.exact = make(map[string]int, len(order))
	p.folded = make(map[string]int, len(order))
	for _, n := range order {
		c := byName[n]
		if !isASCII(n) {
			return false
		}
		p.exact[n] = len(p.fields)
		if _, dup := p.folded[foldASCII(n)]; !dup {
			p.folded[foldASCII(n)] = len(p.fields)
		}
		p.fields = append(p.fields, c.f)
	}
	return true
}

func cutComma(s string) (string, string, bool) {
	if i := bytes.IndexByte([]byte(s), ','); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// onlyOmitOptions reports whether tag options only affect encoding.
func onlyOmitOptions(opts string) bool {
	for opts != "" {
		o, rest, _ := cutComma(opts)
		if o != "omitempty" && o != "omitzero" {
			return false
		}
		opts = rest
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// unmarshal decodes a response body into out: through the fast decoder
// when out's type is registered or is a pointer to a struct (a caller's own
// slim page type, such as a console that decodes only the columns it
// shows: a plan for it costs a few microseconds, far less than scanning a
// page twice), otherwise (or when the fast decoder gives up) with
// encoding/json.
func unmarshal(data []byte, out any) error {
	if p, ok := planOf(reflect.TypeOf(out)); ok {
		v := reflect.ValueOf(out).Elem()
		if decodeDocument(data, p, v) == nil {
			return nil
		}
		v.SetZero()
	}
	return json.Unmarshal(data, out)
}

// planOf returns the plan for decoding into t (a pointer): a registered
// one, or one built now for a pointer to any struct.
func planOf(t reflect.Type) (*plan, bool) {
	if p, ok := fastPlans[t]; ok {
		return p, true
	}
	if t != nil && t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
		return planFor(t.Elem(), map[reflect.Type]*plan{}), true
	}
	return nil, false
}

// decodeDocument decodes one whole JSON document into v.
func decodeDocument(data []byte, p *plan, v reflect.Value) error {
	d := fastDecoder{data: data}
	if err := d.value(p, v); err != nil {
		return err
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return errAbort
	}
	return nil
}

// fastDecoder reads one document.
type fastDecoder struct {
	data  []byte
	pos   int
	depth int
	buf   []byte // scratch for unescaping
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (d *fastDecoder) skipSpace() {
	for d.pos < len(d.data) && isSpace(d.data[d.pos]) {
		d.pos++
	}
}

// peek skips whitespace and returns the next byte (0 at the end).
func (d *fastDecoder) peek() byte {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

func (d *fastDecoder) literal(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return errAbort
	}
	d.pos += len(word)
	return nil
}

func (d *fastDecoder) enter() error {
	d.depth++
	if d.depth > maxFastDepth {
		return errAbort
	}
	return nil
}

// stringBytes reads a string token at d.pos (the opening quote) and
// returns its unescaped content. The result aliases the input or d.buf and
// is valid until the next call.
func (d *fastDecoder) stringBytes() ([]byte, error) {
	start := d.pos + 1
	i := start
	ascii := true
	data := d.data
	for i < len(data) {
		c := data[i]
		if !strSpecial[c] {
			i++
			continue
		}
		switch {
		case c == '"':
			s := data[start:i]
			if !ascii && !utf8.Valid(s) {
				return nil, errAbort // encoding/json substitutes U+FFFD; let it
			}
			d.pos = i + 1
			return s, nil
		case c == '\\':
			return d.unescape(start)
		case c < 0x20:
			return nil, errAbort
		}
		ascii = false // c >= utf8.RuneSelf
		i++
	}
	return nil, errAbort
}

// strSpecial marks the bytes that end the fast run inside a string: the
// closing quote, an escape, a control character, and any non-ASCII byte
// (which needs UTF-8 validation). Strings in Graph's answers are mostly
// plain ASCII, so the scan is one table lookup per byte.
var strSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// unescape decodes a string with escapes into d.buf, copying the runs
// between escapes whole (Windows paths in command lines are full of them).
func (d *fastDecoder) unescape(start int) ([]byte, error) {
	b := d.buf[:0]
	i := start
	for i < len(d.data) {
		run := i
		for i < len(d.data) && d.data[i] != '\\' && d.data[i] != '"' && d.data[i] >= 0x20 {
			i++
		}
		b = append(b, d.data[run:i]...)
		if i >= len(d.data) {
			break
		}
		switch c := d.data[i]; {
		case c == '"':
			d.buf = b
			if !utf8.Valid(b) {
				return nil, errAbort // encoding/json substitutes U+FFFD; let it
			}
			d.pos = i + 1
			return b, nil
		case c < 0x20:
			return nil, errAbort
		}
		if i+1 >= len(d.data) {
			return nil, errAbort
		}
		switch e := d.data[i+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
			i += 2
		case 'b':
			b = append(b, '\b')
			i += 2
		case 'f':
			b = append(b, '\f')
			i += 2
		case 'n':
			b = append(b, '\n')
			i += 2
		case 'r':
			b = append(b, '\r')
			i += 2
		case 't':
			b = append(b, '\t')
			i += 2
		case 'u':
			r, ok := hex4(d.data, i+2)
			if !ok {
				return nil, errAbort
			}
			i += 6
			if utf16.IsSurrogate(r) {
				// Only a well-formed pair is decoded here; encoding/json
				// replaces the rest with U+FFFD, and that is left to it.
				if i+6 > len(d.data) || d.data[i] != '\\' || d.data[i+1] != 'u' {
					return nil, errAbort
				}
				r2, ok := hex4(d.data, i+2)
				dec := utf16.DecodeRune(r, r2)
				if !ok || dec == utf8.RuneError {
					return nil, errAbort
				}
				r = dec
				i += 6
			}
			b = utf8.AppendRune(b, r)
		default:
			return nil, errAbort
		}
	}
	d.buf = b
	return nil, errAbort
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}

// number reads a number token and returns its text.
func (d *fastDecoder) number() ([]byte, error) {
	s, i := d.data, d.pos
	start := i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		return nil, errAbort
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return nil, errAbort
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return nil, errAbort
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	d.pos = i
	return s[start:i], nil
}

// skip reads over one value, checking its syntax, and returns its text.
func (d *fastDecoder) skip() ([]byte, error) {
	c := d.peek()
	start := d.pos
	switch {
	case c == '"':
		if _, err := d.stringBytes(); err != nil {
			return nil, err
		}
	case c == '{' || c == '[':
		if err := d.skipComposite(); err != nil {
			return nil, err
		}
	case c == 't':
		if err := d.literal("true"); err != nil {
			return nil, err
		}
	case c == 'f':
		if err := d.literal("false"); err != nil {
			return nil, err
		}
	case c == 'n':
		if err := d.literal("null"); err != nil {
			return nil, err
		}
	case c == '-' || ('0' <= c && c <= '9'):
		if _, err := d.number(); err != nil {
			return nil, err
		}
	default:
		return nil, errAbort
	}
	return d.data[start:d.pos], nil
}

func (d *fastDecoder) skipComposite() error {
	if err := d.enter(); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	if d.data[d.pos] == '[' {
		d.pos++
		if d.peek() == ']' {
			d.pos++
			return nil
		}
		for {
			if _, err := d.skip(); err != nil {
				return err
			}
			switch d.peek() {
			case ',':
				d.pos++
			case ']':
				d.pos++
				return nil
			default:
				return errAbort
			}
		}
	}
	d.pos++
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	for {
		if d.peek() != '"' {
			return errAbort
		}
		if _, err := d.stringBytes(); err != nil {
			return err
		}
		if d.peek() != ':' {
			return errAbort
		}
		d.pos++
		if _, err := d.skip(); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return errAbort
		}
	}
}

// value decodes the next value into v according to p.
func (d *fastDecoder) value(p *plan, v reflect.Value) error {
	c := d.peek()
	if c == 'n' {
		if err := d.literal("null"); err != nil {
			return err
		}
		switch p.op {
		case opPtr, opSlice, opMapAny, opAny:
			v.SetZero()
		case opUnmarshaler:
			return d.callUnmarshaler(v, []byte("null"))
		case opEvidenceList:
			v.SetZero()
		case opFallback:
			return d.fallback(v, []byte("null"))
		}
		return nil // null leaves other kinds alone
	}
	switch p.op {
	case opString:
		if c != '"' {
			return d.mismatch()
		}
		s, err := d.stringBytes()
		if err != nil {
			return err
		}
		v.SetString(string(s))
	case opBool:
		switch c {
		case 't':
			if err := d.literal("true"); err != nil {
				return err
			}
			v.SetBool(true)
		case 'f':
			if err := d.literal("false"); err != nil {
				return err
			}
			v.SetBool(false)
		default:
			return d.mismatch()
		}
	case opInt, opUint, opFloat:
		if c != '-' && (c < '0' || c > '9') {
			return d.mismatch()
		}
		num, err := d.number()
		if err != nil {
			return err
		}
		return setNumber(p.op, v, num)
	case opTime:
		if c != '"' {
			return d.mismatch()
		}
		start := d.pos
		if _, err := d.stringBytes(); err != nil {
			return err
		}
		if err := v.Addr().Interface().(*time.Time).UnmarshalJSON(d.data[start:d.pos]); err != nil {
			return errType
		}
	case opUnmarshaler:
		raw, err := d.skip()
		if err != nil {
			return err
		}
		return d.callUnmarshaler(v, raw)
	case opFallback:
		raw, err := d.skip()
		if err != nil {
			return err
		}
		return d.fallback(v, raw)
	case opPtr:
		if v.IsNil() {
			v.Set(reflect.New(p.typ.Elem()))
		}
		return d.value(p.elem, v.Elem())
	case opStruct:
		if c != '{' {
			return d.mismatch()
		}
		return d.object(p, v)
	case opSlice:
		if c != '[' {
			return d.mismatch()
		}
		return d.slice(p, v)
	case opMapAny:
		if c != '{' {
			return d.mismatch()
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(p.typ))
		}
		m, ok := v.Interface().(map[string]any)
		if !ok {
			return errAbort // a named map type: keep it simple
		}
		return d.objectInto(m)
	case opAny:
		x, err := d.anyValue()
		if err != nil {
			return err
		}
		if x == nil {
			v.SetZero()
		} else {
			v.Set(reflect.ValueOf(x))
		}
	case opEvidenceList:
		if c != '[' {
			return d.mismatch()
		}
		l, err := d.evidenceList()
		if err != nil {
			return err
		}
		*v.Addr().Interface().(*EvidenceList) = l
	default:
		return errAbort
	}
	return nil
}

// mismatch reads over a value of the wrong JSON kind. Its syntax must still
// be checked: a syntax error anywhere is the document's error, not a type
// error of one entry.
func (d *fastDecoder) mismatch() error {
	if _, err := d.skip(); err != nil {
		return err
	}
	return errType
}

func (d *fastDecoder) callUnmarshaler(v reflect.Value, raw []byte) error {
	u, ok := v.Addr().Interface().(json.Unmarshaler)
	if !ok {
		return errAbort
	}
	if err := u.UnmarshalJSON(raw); err != nil {
		return errType
	}
	return nil
}

// fallback decodes one value the fast decoder has no plan for with
// encoding/json, as it would have been decoded in place.
func (d *fastDecoder) fallback(v reflect.Value, raw []byte) error {
	if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
		return errType
	}
	return nil
}

func setNumber(op opKind, v reflect.Value, num []byte) error {
	switch op {
	case opInt:
		n, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil || v.OverflowInt(n) {
			return errType
		}
		v.SetInt(n)
	case opUint:
		n, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil || v.OverflowUint(n) {
			return errType
		}
		v.SetUint(n)
	default:
		f, err := strconv.ParseFloat(string(num), v.Type().Bits())
		if err != nil || v.OverflowFloat(f) {
			return errType
		}
		v.SetFloat(f)
	}
	return nil
}

// field finds the struct field for a key as encoding/json does: the exact
// name first, then without regard to ASCII case. A non-ASCII key that
// matches nothing exactly might still match under Unicode folding (the
// Kelvin sign folds to k); that is left to encoding/json.
func (p *plan) field(key []byte) (*fastField, error) {
	if i, ok := p.exact[string(key)]; ok {
		return &p.fields[i], nil
	}
	var arr [64]byte
	folded := arr[:0]
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return nil, errAbort
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		folded = append(folded, c)
	}
	if i, ok := p.folded[string(folded)]; ok {
		return &p.fields[i], nil
	}
	return nil, nil
}

// object decodes an object's members into the struct v.
func (d *fastDecoder) object(p *plan, v reflect.Value) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	d.pos++ // {
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	var typeErr error
	for {
		if d.peek() != '"' {
			return errAbort
		}
		key, err := d.stringBytes()
		if err != nil {
			return err
		}
		f, err := p.field(key)
		if err != nil {
			return err
		}
		if d.peek() != ':' {
			return errAbort
		}
		d.pos++
		if f == nil {
			if _, err := d.skip(); err != nil {
				return err
			}
		} else if err := d.value(f.plan, v.FieldByIndex(f.index)); err != nil {
			// Like encoding/json, finish reading the object after a type
			// error, so that a later syntax error still wins.
			if err != errType {
				return err
			}
			typeErr = err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return typeErr
		default:
			return errAbort
		}
	}
}

// slice decodes an array into the slice v, reusing its storage as
// encoding/json does; an empty array gives an empty, non-nil slice.
func (d *fastDecoder) slice(p *plan, v reflect.Value) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	d.pos++ // [
	i := 0
	var typeErr error
	if d.peek() != ']' {
		for {
			if i >= v.Cap() {
				v.Grow(1)
			}
			if i >= v.Len() {
				v.SetLen(i + 1)
			}
			if err := d.value(p.elem, v.Index(i)); err != nil {
				if err != errType {
					return err
				}
				typeErr = err
			}
			i++
			c := d.peek()
			if c == ',' {
				d.pos++
				continue
			}
			if c != ']' {
				return errAbort
			}
			break
		}
	}
	d.pos++ // ]
	switch {
	case i == 0:
		v.Set(reflect.MakeSlice(p.typ, 0, 0))
	case i < v.Len():
		v.SetLen(i)
	}
	return typeErr
}

// anyValue decodes a value as encoding/json does into an empty interface.
func (d *fastDecoder) anyValue() (any, error) {
	switch c := d.peek(); {
	case c == '"':
		s, err := d.stringBytes()
		if err != nil {
			return nil, err
		}
		return string(s), nil
	case c == '{':
		m := make(map[string]any)
		if err := d.objectInto(m); err != nil {
			return nil, err
		}
		return m, nil
	case c == '[':
		return d.arrayAny()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		num, err := d.number()
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(string(num), 64)
		if err != nil {
			return nil, errType
		}
		return f, nil
	}
	return nil, errAbort
}

func (d *fastDecoder) objectInto(m map[string]any) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	d.pos++ // {
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	var typeErr error
	for {
		if d.peek() != '"' {
			return errAbort
		}
		kb, err := d.stringBytes()
		if err != nil {
			return err
		}
		key := string(kb)
		if d.peek() != ':' {
			return errAbort
		}
		d.pos++
		x, err := d.anyValue()
		if err != nil {
			if err != errType {
				return err
			}
			typeErr = err
		} else {
			m[key] = x
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return typeErr
		default:
			return errAbort
		}
	}
}

func (d *fastDecoder) arrayAny() ([]any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	d.pos++ // [
	out := make([]any, 0)
	if d.peek() == ']' {
		d.pos++
		return out, nil
	}
	var typeErr error
	for {
		x, err := d.anyValue()
		if err != nil {
			if err != errType {
				return nil, err
			}
			typeErr = err
		}
		out = append(out, x)
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return out, typeErr
		default:
			return nil, errAbort
		}
	}
}

// evidenceList decodes an evidence array. Each entry is decoded by its
// @odata.type; an entry whose members do not fit its type is decoded again
// on its own by the encoding/json path of DecodeEvidence, which turns it
// into *UnknownEvidence with the exact error, so one odd entry never costs
// the list.
func (d *fastDecoder) evidenceList() (EvidenceList, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	d.pos++ // [
	out := EvidenceList{}
	if d.peek() == ']' {
		d.pos++
		return out, nil
	}
	for {
		ev, err := d.evidence()
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return out, nil
		default:
			return nil, errAbort
		}
	}
}

// odataTypeKey is how Graph writes the first member of every evidence entry.
var odataTypeKey = []byte(`"@odata.type"`)

// evidence decodes one entry.
func (d *fastDecoder) evidence() (Evidence, error) {
	start := d.pos
	if start >= len(d.data) {
		return nil, errAbort
	}
	if d.data[start] != '{' {
		raw, err := d.skip()
		if err != nil {
			return nil, err
		}
		return decodeEvidenceSlow(raw), nil
	}
	// The common layout: @odata.type first, as a plain string.
	t, typed := d.peekType()
	if !typed {
		raw, err := d.skip()
		if err != nil {
			return nil, err
		}
		t = peekODataType(raw)
		d.pos = start
	}
	ev, p := lookupEvidence(evidenceName(t))
	if ev == nil {
		raw, err := d.skip()
		if err != nil {
			return nil, err
		}
		return unknownEvidenceFast(t, raw), nil
	}
	err := d.object(p, reflect.ValueOf(ev).Elem())
	if err == nil {
		return ev, nil
	}
	if err != errType {
		return nil, err
	}
	// Read the entry again for its extent and let the encoding/json path
	// produce the exact result.
	d.pos = start
	raw, err := d.skip()
	if err != nil {
		return nil, err
	}
	return decodeEvidenceSlow(raw), nil
}

// peekType reads @odata.type when it is the object's first member and a
// string without escapes, without moving d.pos.
func (d *fastDecoder) peekType() (string, bool) {
	i := d.pos + 1
	for i < len(d.data) && isSpace(d.data[i]) {
		i++
	}
	if !bytes.HasPrefix(d.data[i:], odataTypeKey) {
		return "", false
	}
	i += len(odataTypeKey)
	for i < len(d.data) && isSpace(d.data[i]) {
		i++
	}
	if i >= len(d.data) || d.data[i] != ':' {
		return "", false
	}
	i++
	for i < len(d.data) && isSpace(d.data[i]) {
		i++
	}
	if i >= len(d.data) || d.data[i] != '"' {
		return "", false
	}
	end := bytes.IndexByte(d.data[i+1:], '"')
	if end < 0 {
		return "", false
	}
	s := d.data[i+1 : i+1+end]
	for _, c := range s {
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return "", false
		}
	}
	return string(s), true
}

// unknownEvidenceFast keeps an entry of a type this package does not
// model, with the shared members decoded best-effort, as unknownEvidence
// does.
func unknownEvidenceFast(t string, raw []byte) *UnknownEvidence {
	u := &UnknownEvidence{Raw: bytes.Clone(raw)}
	var base EvidenceBase
	if decodeDocument(raw, basePlan, reflect.ValueOf(&base).Elem()) == nil {
		u.EvidenceBase = base
	} else if base = (EvidenceBase{}); json.Unmarshal(raw, &base) == nil {
		u.EvidenceBase = base
	}
	u.ODataType = t
	return u
}
