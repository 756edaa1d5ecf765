package i18n

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/feature/plural"
)

// The catalog file format is described in the package documentation
// (doc.go). This file parses one catalog file into an immutable *catalog.
// It is hand-written rather than JSON or TOML so that a translator edits
// plain "key = text" lines, sections keep long runs of enum labels short,
// every error names file:line, and no dependency is needed.

// numForms is the number of CLDR plural forms; pattern slots are indexed
// by plural.Form (Other = 0, Zero, One, Two, Few, Many).
const numForms = 6

// formNames are the names written in a catalog ("key[one] = …"), indexed
// by plural.Form.
func formNames() [numForms]string {
	return [numForms]string{plural.Other: "other", plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many"}
}

func formName(f plural.Form) string {
	if int(f) < numForms {
		return formNames()[f]
	}
	return fmt.Sprintf("form%d", f)
}

func parseFormName(s string) (plural.Form, bool) {
	for f, n := range formNames() {
		if n == s {
			return plural.Form(f), true
		}
	}
	return plural.Other, false
}

// formSet is a set of plural forms, one bit per plural.Form.
type formSet uint8

func (s formSet) has(f plural.Form) bool { return s&(1<<f) != 0 }

func (s formSet) String() string {
	var names []string
	for f := plural.Form(0); f < numForms; f++ {
		if s.has(f) {
			names = append(names, formName(f))
		}
	}
	return strings.Join(names, ", ")
}

// part is a piece of a pattern: literal text, or a placeholder when arg is set.
type part struct {
	text string
	arg  string
}

// pattern is one parsed message text.
type pattern struct {
	parts []part
	// text is the whole message when it has no placeholder (static);
	// T returns it as is, without allocating.
	text   string
	static bool
	// size is the length of the literal text, a hint for rendering.
	size int
}

// entry is one message of a catalog.
type entry struct {
	key string
	pos string // file:line of its first line
	// forms holds the plain message in forms[plural.Other]; a plural
	// message (written key[one] = …) fills the forms the language uses.
	forms  [numForms]*pattern
	plural bool
	// args are the placeholder names used by any form, sorted.
	args []string
}

func (m *entry) hasArg(name string) bool {
	_, ok := slices.BinarySearch(m.args, name)
	return ok
}

// labelNS is one label namespace (the part of a key before its last dot,
// e.g. "enum.AlertStatus" or "category"): its values and their texts.
type labelNS struct {
	exact map[string]string
	fold  map[string]string // by lower-case value, for values sent in another case
}

// catalog is one language's messages, immutable once parsed.
type catalog struct {
	file string
	msgs map[string]*entry
	// labels indexes every static message by namespace and last key
	// segment, so that labels are found without building a key string.
	labels map[string]*labelNS
	// enums is labels restricted to "enum.<Type>", keyed by <Type>.
	enums map[string]*labelNS
}

// isLabelKey reports whether key is in a namespace of labels, whose
// messages must be static text.
func isLabelKey(key string) bool {
	ns, _, _ := strings.Cut(key, ".")
	switch ns {
	case "enum", nsCategory, nsLegacyCategory, nsScoreCategory, nsScoreValue, nsEvidenceType, nsEvidenceField, nsRole:
		return strings.Contains(key, ".")
	}
	return false
}

// parseError is one problem in a catalog file, with its position.
type parseError struct {
	pos string
	msg string
}

func (e parseError) Error() string { return e.pos + ": " + e.msg }

// maxErrors caps the problems reported for one file.
const maxErrors = 20

// parseCatalog parses one catalog file. file names it in errors; forms
// are the plural forms the language needs for whole numbers. Every problem
// found (up to maxErrors) is returned, each as "file:line: message".
func parseCatalog(file string, src []byte, forms formSet) (*catalog, error) {
	p := catalogParser{file: file, forms: forms, c: &catalog{file: file, msgs: map[string]*entry{}}}
	p.parse(src)
	p.check()
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	p.index()
	return p.c, nil
}

type catalogParser struct {
	file  string
	forms formSet
	c     *catalog
	errs  []error
	order []string // keys in file order, for stable error lists
}

func (p *catalogParser) errorf(line int, format string, args ...any) {
	p.errAt(fmt.Sprintf("%s:%d", p.file, line), format, args...)
}

func (p *catalogParser) errAt(pos, format string, args ...any) {
	if len(p.errs) == maxErrors {
		p.errs = append(p.errs, parseError{pos: p.file, msg: "too many errors"})
	}
	if len(p.errs) > maxErrors {
		return
	}
	p.errs = append(p.errs, parseError{pos: pos, msg: fmt.Sprintf(format, args...)})
}

func (p *catalogParser) parse(src []byte) {
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	section := ""
	for n, line := range bytes.Split(src, []byte("\n")) {
		lineNo := n + 1
		line = bytes.TrimSuffix(line, []byte("\r"))
		if !utf8.Valid(line) {
			p.errorf(lineNo, "not valid UTF-8")
			continue
		}
		s := strings.Trim(string(line), " \t")
		switch {
		case s == "" || s[0] == '#':
			continue
		case s[0] == '[':
			if !strings.HasSuffix(s, "]") {
				p.errorf(lineNo, "section header %q has no closing ]", s)
				continue
			}
			name := strings.Trim(s[1:len(s)-1], " \t")
			if name != "" && !validKey(name) {
				p.errorf(lineNo, "section name %q: use letters, digits, _ and - in dot-separated parts", name)
				continue
			}
			section = name
		default:
			p.parseEntry(lineNo, section, s)
		}
	}
}

// parseEntry parses "name = text" or "name[form] = text".
func (p *catalogParser) parseEntry(line int, section, s string) {
	eq := strings.IndexByte(s, '=')
	if eq < 0 {
		p.errorf(line, "expected \"key = text\", found %q", s)
		return
	}
	name := strings.TrimRight(s[:eq], " \t")
	text := strings.TrimLeft(s[eq+1:], " \t")
	formLabel := ""
	if i := strings.IndexByte(name, '['); i >= 0 {
		if !strings.HasSuffix(name, "]") {
			p.errorf(line, "plural form in %q has no closing ]", name)
			return
		}
		formLabel = strings.Trim(name[i+1:len(name)-1], " \t")
		name = strings.TrimRight(name[:i], " \t")
	}
	if !validKey(name) {
		p.errorf(line, "key %q: use letters, digits, _ and - in dot-separated parts", name)
		return
	}
	key := name
	if section != "" {
		key = section + "." + name
	}
	form := plural.Other
	if formLabel != "" {
		f, ok := parseFormName(formLabel)
		if !ok {
			p.errorf(line, "%s: unknown plural form %q (use zero, one, two, few, many or other)", key, formLabel)
			return
		}
		form = f
	}
	unescaped, err := unescape(text)
	if err != nil {
		p.errorf(line, "%s: %v", key, err)
		return
	}
	if unescaped == "" {
		p.errorf(line, "%s: empty message", key)
		return
	}
	pat, err := parsePattern(unescaped)
	if err != nil {
		p.errorf(line, "%s: %v", key, err)
		return
	}
	pos := fmt.Sprintf("%s:%d", p.file, line)
	m := p.c.msgs[key]
	if m == nil {
		m = &entry{key: key, pos: pos, plural: formLabel != ""}
		p.c.msgs[key] = m
		p.order = append(p.order, key)
	} else if m.plural != (formLabel != "") {
		p.errorf(line, "%s: written both with and without a plural form (first at %s)", key, m.pos)
		return
	} else if m.forms[form] != nil {
		if formLabel == "" {
			p.errorf(line, "%s: duplicate key (first at %s)", key, m.pos)
		} else {
			p.errorf(line, "%s[%s]: duplicate plural form (first at %s)", key, formLabel, m.pos)
		}
		return
	}
	m.forms[form] = pat
	for _, pt := range pat.parts {
		if pt.arg != "" && !m.hasArg(pt.arg) {
			m.args = append(m.args, pt.arg)
			slices.Sort(m.args)
		}
	}
}

// check validates whole messages once every line is read.
func (p *catalogParser) check() {
	for _, key := range p.order {
		m := p.c.msgs[key]
		if m.plural {
			var have formSet
			for f, pat := range m.forms {
				if pat != nil {
					have |= 1 << f
				}
			}
			if missing := p.forms &^ have; missing != 0 {
				p.errAt(m.pos, "%s: missing plural form(s) %s (this language needs %s)", key, missing, p.forms)
			}
			if extra := have &^ p.forms; extra != 0 {
				p.errAt(m.pos, "%s: plural form(s) %s are not used by this language (it needs %s)", key, extra, p.forms)
			}
		} else if m.hasArg(countArg) && p.forms != 1<<plural.Other {
			p.errAt(m.pos, "%s: uses {%s} (the count) but has no plural forms; write %s[one] = … and %s[other] = …", key, countArg, key, key)
		}
		if isLabelKey(key) && len(m.args) > 0 {
			p.errAt(m.pos, "%s: a label takes no placeholders", key)
		}
	}
}

// index builds the label lookups.
func (p *catalogParser) index() {
	c := p.c
	c.labels = map[string]*labelNS{}
	c.enums = map[string]*labelNS{}
	for key, m := range c.msgs {
		pat := m.forms[plural.Other]
		if m.plural || pat == nil || !pat.static {
			continue
		}
		i := strings.LastIndexByte(key, '.')
		if i < 0 {
			continue
		}
		ns, value := key[:i], key[i+1:]
		l := c.labels[ns]
		if l == nil {
			l = &labelNS{exact: map[string]string{}, fold: map[string]string{}}
			c.labels[ns] = l
			if t, ok := strings.CutPrefix(ns, "enum."); ok {
				c.enums[t] = l
			}
		}
		l.exact[value] = pat.text
		l.fold[strings.ToLower(value)] = pat.text
	}
}

// validKey reports whether k is dot-separated non-empty parts of ASCII
// letters, digits, '_' and '-'.
func validKey(k string) bool {
	if k == "" {
		return false
	}
	for part := range strings.SplitSeq(k, ".") {
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
				return false
			}
		}
	}
	return true
}

// unescape resolves \n and \\ in a message text; any other backslash is an
// error, so that a stray one is noticed rather than shown.
func unescape(s string) (string, error) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(s) {
			return "", errors.New(`a backslash ends the line (write \\ for a backslash)`)
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case '\\':
			b.WriteByte('\\')
		default:
			return "", fmt.Errorf(`unknown escape \%c (only \n and \\ exist)`, s[i])
		}
	}
	return b.String(), nil
}

// parsePattern splits a message text into literal parts and {name}
// placeholders; {{ and }} stand for literal braces.
func parsePattern(s string) (*pattern, error) {
	pat := &pattern{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			pat.parts = append(pat.parts, part{text: lit.String()})
			pat.size += lit.Len()
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '}':
			return nil, errors.New("a lone } (write }} for a brace)")
		case c == '{':
			end := strings.IndexByte(s[i+1:], '}')
			if end < 0 {
				return nil, errors.New("a { without its } (write {{ for a brace)")
			}
			name := s[i+1 : i+1+end]
			if !validArgName(name) {
				return nil, fmt.Errorf("placeholder {%s}: a name is a letter or _ followed by letters, digits or _", name)
			}
			flush()
			pat.parts = append(pat.parts, part{arg: name})
			i += end + 1
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	if len(pat.parts) == 0 {
		pat.static = true
	} else if len(pat.parts) == 1 && pat.parts[0].arg == "" {
		pat.static = true
		pat.text = pat.parts[0].text
	}
	return pat, nil
}

func validArgName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// compareCatalogs lists the differences between a reference catalog and
// another language's: keys only in one, and messages whose placeholders
// differ. Empty means the two can be used interchangeably.
func compareCatalogs(ref, other *catalog) []string {
	var out []string
	for _, key := range sortedKeys(ref.msgs) {
		m, o := ref.msgs[key], other.msgs[key]
		switch {
		case o == nil:
			out = append(out, fmt.Sprintf("%s: %s is missing (defined at %s)", other.file, key, m.pos))
		case !slices.Equal(m.args, o.args):
			out = append(out, fmt.Sprintf("%s: %s has placeholders {%s} but %s has {%s}", o.pos, key, strings.Join(o.args, "} {"), m.pos, strings.Join(m.args, "} {")))
		}
	}
	for _, key := range sortedKeys(other.msgs) {
		if ref.msgs[key] == nil {
			out = append(out, fmt.Sprintf("%s: %s is not in %s", other.msgs[key].pos, key, ref.file))
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
