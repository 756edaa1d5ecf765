package notify

import (
	"encoding/json"
	"errors"
	"fmt"
)

// A single-pass reader of a changeNotificationCollection.
//
// encoding/json reads a POST twice (the collection into raw items, then
// each item into a struct), and each pass validates the bytes again: it
// was a fifth of the receiver's CPU under load. This scanner validates
// the body once, as RFC 8259 JSON (what encoding/json accepts: the same
// grammar, nesting at most 10,000 deep, invalid UTF-8 allowed), and picks
// out the fields the receiver uses as it goes. Keys match exactly (Graph
// spells them one way), the last occurrence of a key wins, and null is
// the empty string. Strings that hold escapes or non-ASCII bytes are
// decoded by encoding/json, so they read exactly as it would read them.
// A differential fuzz test (FuzzParseCollectionMatchesEncodingJSON) holds
// it to a reference built on encoding/json.

const maxDepth = 10000

// minNotificationBytes sizes ParseCollection's items (see there).
const minNotificationBytes = 300

var errSyntax = errors.New("invalid JSON")

type scanner struct {
	b     []byte
	i     int
	depth int
	// last is each field's last plain value: a POST's items mostly share
	// their subscriptionId, clientState, changeType and tenantId, so
	// they share one string each instead of a copy per item.
	last [nFields]string
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) expect(c byte) error {
	s.ws()
	if s.peek() != c {
		return fmt.Errorf("%w: expected %q at offset %d", errSyntax, c, s.i)
	}
	s.i++
	return nil
}

// str reads a string token (the cursor on its opening quote) and returns
// its bytes, quotes included, and whether it is plain (ASCII without
// escapes: its content is its value).
func (s *scanner) str() (tok []byte, plain bool, err error) {
	start := s.i
	s.i++ // the quote
	plain = true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start:s.i], plain, nil
		case c < 0x20:
			return nil, false, fmt.Errorf("%w: control character in a string at offset %d", errSyntax, s.i)
		case c == '\\':
			plain = false
			s.i++
			if s.i >= len(s.b) {
				return nil, false, fmt.Errorf("%w: unterminated escape", errSyntax)
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if s.i+4 >= len(s.b) {
					return nil, false, fmt.Errorf("%w: short \\u escape", errSyntax)
				}
				for _, h := range s.b[s.i+1 : s.i+5] {
					if !isHex(h) {
						return nil, false, fmt.Errorf("%w: bad \\u escape at offset %d", errSyntax, s.i)
					}
				}
				s.i += 5
			default:
				return nil, false, fmt.Errorf("%w: bad escape at offset %d", errSyntax, s.i)
			}
		case c >= 0x80:
			plain = false
			s.i++
		default:
			s.i++
		}
	}
	return nil, false, fmt.Errorf("%w: unterminated string", errSyntax)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// text is a string token's value.
func text(tok []byte, plain bool) string {
	if plain {
		return string(tok[1 : len(tok)-1])
	}
	var v string
	if err := json.Unmarshal(tok, &v); err != nil {
		return "" // str validated it: not reached
	}
	return v
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (s *scanner) number() error {
	start := s.i
	if s.peek() == '-' {
		s.i++
	}
	switch {
	case s.peek() == '0':
		s.i++
	case '1' <= s.peek() && s.peek() <= '9':
		for isDigit(s.peek()) {
			s.i++
		}
	default:
		return fmt.Errorf("%w: bad number at offset %d", errSyntax, start)
	}
	if s.peek() == '.' {
		s.i++
		if !isDigit(s.peek()) {
			return fmt.Errorf("%w: bad number at offset %d", errSyntax, start)
		}
		for isDigit(s.peek()) {
			s.i++
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		if !isDigit(s.peek()) {
			return fmt.Errorf("%w: bad number at offset %d", errSyntax, start)
		}
		for isDigit(s.peek()) {
			s.i++
		}
	}
	return nil
}

func (s *scanner) literal(lit string) error {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return fmt.Errorf("%w: bad literal at offset %d", errSyntax, s.i)
	}
	s.i += len(lit)
	return nil
}

// skip reads any value, validating it.
func (s *scanner) skip() error {
	s.ws()
	switch c := s.peek(); {
	case c == '"':
		_, _, err := s.str()
		return err
	case c == '{':
		return s.object(func(string) error { return s.skip() })
	case c == '[':
		return s.array(func() error { return s.skip() })
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || isDigit(c):
		return s.number()
	}
	return fmt.Errorf("%w: unexpected %q at offset %d", errSyntax, s.peek(), s.i)
}

// object reads an object (the cursor before its brace), calling member
// for each key with the cursor before the value; member must read it.
func (s *scanner) object(member func(key string) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.depth++; s.depth > maxDepth {
		return fmt.Errorf("%w: nested too deep", errSyntax)
	}
	defer func() { s.depth-- }()
	s.ws()
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		s.ws()
		if s.peek() != '"' {
			return fmt.Errorf("%w: expected a key at offset %d", errSyntax, s.i)
		}
		tok, plain, err := s.str()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := member(text(tok, plain)); err != nil {
			return err
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return fmt.Errorf("%w: expected , or } at offset %d", errSyntax, s.i)
		}
	}
}

// array reads an array, calling elem with the cursor before each element.
func (s *scanner) array(elem func() error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.depth++; s.depth > maxDepth {
		return fmt.Errorf("%w: nested too deep", errSyntax)
	}
	defer func() { s.depth-- }()
	s.ws()
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return fmt.Errorf("%w: expected , or ] at offset %d", errSyntax, s.i)
		}
	}
}

// stringField reads a value meant to be a string: its value, "" for
// null, or an error for any other type (the value is still read).
func (s *scanner) stringField(name string, f int) (string, error, error) {
	s.ws()
	switch s.peek() {
	case '"':
		tok, plain, err := s.str()
		if err != nil {
			return "", nil, err
		}
		if plain && string(tok[1:len(tok)-1]) == s.last[f] {
			return s.last[f], nil, nil
		}
		v := text(tok, plain)
		if plain {
			s.last[f] = v
		}
		return v, nil, nil
	case 'n':
		return "", nil, s.literal("null")
	}
	if err := s.skip(); err != nil {
		return "", nil, err
	}
	return "", fmt.Errorf("%s is not a string", name), nil
}

// The fields of a notification the receiver reads, by position.
const (
	fID = iota
	fSubscriptionID
	fClientState
	fChangeType
	fLifecycleEvent
	fResource
	fExpiry
	fTenantID
	fResourceData
	fResourceDataID
	nFields
)

// field returns where key's value goes, or nil.
func field(in *Incoming, key string) (*string, int) {
	switch key {
	case "id":
		return &in.ID, fID
	case "subscriptionId":
		return &in.SubscriptionID, fSubscriptionID
	case "clientState":
		return &in.ClientState, fClientState
	case "changeType":
		return &in.ChangeType, fChangeType
	case "lifecycleEvent":
		return &in.LifecycleEvent, fLifecycleEvent
	case "resource":
		return &in.Resource, fResource
	case "subscriptionExpirationDateTime":
		return &in.SubscriptionExpirationDateTime, fExpiry
	case "tenantId":
		return &in.TenantID, fTenantID
	}
	return nil, 0
}

// notification reads one changeNotification object into in: the last
// occurrence of each field decides its value, or its type error.
func (s *scanner) notification(in *Incoming) error {
	var typeErrs [nFields]error
	err := s.object(func(key string) error {
		if dst, f := field(in, key); dst != nil {
			s.ws()
			from := s.i
			v, typeErr, err := s.stringField(key, f)
			*dst, typeErrs[f] = v, typeErr
			if f == fClientState && err == nil {
				in.secrets = append(in.secrets, [2]int{from, s.i})
			}
			return err
		}
		if key != "resourceData" {
			return s.skip()
		}
		in.ResourceDataID, typeErrs[fResourceData], typeErrs[fResourceDataID] = "", nil, nil
		s.ws()
		switch s.peek() {
		case 'n':
			return s.literal("null")
		case '{':
			return s.object(func(k string) error {
				if k != "id" {
					return s.skip()
				}
				v, typeErr, err := s.stringField("resourceData.id", fResourceDataID)
				in.ResourceDataID, typeErrs[fResourceDataID] = v, typeErr
				return err
			})
		}
		typeErrs[fResourceData] = errors.New("resourceData is not an object")
		return s.skip()
	})
	if err != nil {
		return err
	}
	for _, e := range typeErrs {
		if e != nil {
			in.Err = e
			return nil
		}
	}
	switch {
	case in.SubscriptionID == "":
		in.Err = errors.New("no subscriptionId")
	case in.LifecycleEvent == "" && in.ChangeType == "":
		in.Err = errors.New("neither changeType nor lifecycleEvent")
	}
	return nil
}

// ParseCollection reads a changeNotificationCollection: a JSON object
// whose "value" is an array of objects. Anything else is ErrMalformed
// (the receiver answers 400); more than MaxItemsPerPost items is
// ErrTooManyItems (413). An item that is an object but not a usable
// notification (no subscriptionId, a field of the wrong type) comes back
// with Err set, so that one bad item does not refuse its neighbours. The
// items' Raw slices share body's memory.
func ParseCollection(body []byte) ([]Incoming, error) {
	s := &scanner{b: body}
	s.ws()
	if s.peek() != '{' {
		return nil, fmt.Errorf("%w: the body is not a JSON object", ErrMalformed)
	}
	var items []Incoming
	found, count := false, 0
	err := s.object(func(key string) error {
		if key != "value" {
			return s.skip()
		}
		s.ws()
		switch s.peek() {
		case '[':
		case 'n':
			items, found, count = nil, false, 0
			return s.literal("null")
		default:
			items, found, count = nil, false, 0
			return s.skip()
		}
		if items == nil {
			// Sized once, by an estimate: a notification as Graph sends
			// it (ids, subscription, resource, expiry, tenant) takes at
			// least minNotificationBytes. Counting them exactly cost more
			// than the slots this overestimates.
			items = make([]Incoming, 0, min(len(body)/minNotificationBytes+1, MaxItemsPerPost))
		}
		items, found, count = items[:0], true, 0
		return s.array(func() error {
			s.ws()
			start := s.i
			count++
			var in Incoming
			var err error
			if s.peek() == '{' {
				err = s.notification(&in)
			} else {
				in.Err = errors.New("not a JSON object")
				err = s.skip()
			}
			if err != nil {
				return err
			}
			if count <= MaxItemsPerPost {
				in.Raw = body[start:s.i]
				for k := range in.secrets {
					in.secrets[k][0] -= start
					in.secrets[k][1] -= start
				}
				items = append(items, in)
			}
			return nil
		})
	})
	if err == nil {
		if s.ws(); s.i != len(s.b) {
			err = fmt.Errorf("%w: data after the object at offset %d", errSyntax, s.i)
		}
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	case !found:
		return nil, fmt.Errorf("%w: no value array", ErrMalformed)
	case count > MaxItemsPerPost:
		return nil, fmt.Errorf("%w: %d, at most %d", ErrTooManyItems, count, MaxItemsPerPost)
	}
	if items == nil {
		items = []Incoming{}
	}
	return items, nil
}
