package i18n

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/graphsec/graphsec/internal/clock"
)

// Lang is a language the console speaks.
type Lang uint8

// The languages, in the order the language switch lists them. English is
// the default.
const (
	English Lang = iota
	Japanese
	numLangs
)

// langInfo is what the code (not the catalog) knows about a language.
type langInfo struct {
	tag  string // BCP 47, for <html lang> and Content-Language
	name string // the language's own name, for the switch
	xtag language.Tag
	// Go time layouts: a date, a compact date and time (tables), a long
	// one with seconds (detail pages, tooltips). The zone is appended.
	date, compact, long string
	// listSep joins the items of a list (Printer.Labels).
	listSep string
}

// info returns what the code knows about l (English for an unknown Lang).
// A function rather than a table, so that the package holds no variable.
func (l Lang) info() langInfo {
	switch l {
	case Japanese:
		return langInfo{tag: "ja", name: "日本語", xtag: language.Japanese, date: "2006/01/02", compact: "2006/01/02 15:04", long: "2006年1月2日 15:04:05", listSep: "、"}
	}
	return langInfo{tag: "en", name: "English", xtag: language.English, date: "2006-01-02", compact: "2006-01-02 15:04", long: "2006-01-02 15:04:05", listSep: ", "}
}

// Langs returns every language, English first.
func Langs() []Lang {
	out := make([]Lang, numLangs)
	for i := range out {
		out[i] = Lang(i)
	}
	return out
}

// Tag is the language's BCP 47 tag ("en", "ja"): the value of <html lang>,
// of the Content-Language header and of the language cookie.
func (l Lang) Tag() string { return l.info().tag }

// Name is the language's name in itself ("English", "日本語"), as a
// language switch shows it whatever the page's language.
func (l Lang) Name() string { return l.info().name }

// String returns the tag.
func (l Lang) String() string { return l.Tag() }

// ParseLang reads an explicit choice: a tag such as "ja", "JA" or "ja-JP"
// (the region is ignored). It reports false for anything else, including
// the empty string.
func ParseLang(s string) (Lang, bool) {
	if len(s) > 35 { // longer than any sensible tag
		return English, false
	}
	base := s
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		base = s[:i]
	}
	for l := range numLangs {
		if strings.EqualFold(base, l.Tag()) {
			return l, true
		}
	}
	return English, false
}

// CookieName is the cookie holding the language a user chose with the
// console's language switch.
const CookieName = "graphsec_lang"

// LangCookie is the cookie that remembers l for a year. secure should be
// true whenever the console is served over HTTPS.
func LangCookie(l Lang, secure bool) *http.Cookie {
	return &http.Cookie{
		Name: CookieName, Value: l.Tag(), Path: "/",
		MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	}
}

// Bundle holds every language's catalog, parsed once at start-up. It is
// immutable and safe for concurrent use; make one and pass it to whatever
// needs it.
type Bundle struct {
	cats  [numLangs]*catalog
	forms [numLangs]formSet
	nums  [numLangs]*message.Printer
	// groupSep is each language's digit-group separator as x/text
	// writes it, or "" to leave grouping to x/text (see appendInt).
	groupSep [numLangs]string
	matcher  language.Matcher
	clk      clock.Clock
}

//go:embed catalog/*.txt
var catalogFS embed.FS

// New returns the bundle of the catalogs built into the binary. clk is the
// clock relative times are measured against (nil: the system clock). An
// error means a catalog is malformed; it names file:line.
func New(clk clock.Clock) (*Bundle, error) {
	sub, err := fs.Sub(catalogFS, "catalog")
	if err != nil {
		return nil, err
	}
	return Load(sub, clk)
}

// Load is New with the catalogs read from fsys: one file per language,
// named by its tag ("en.txt", "ja.txt"). Besides each file's own checks,
// every catalog must have the same keys, with the same placeholders, as
// the English one.
func Load(fsys fs.FS, clk clock.Clock) (*Bundle, error) {
	if clk == nil {
		clk = clock.System{}
	}
	b := &Bundle{clk: clk}
	var errs []error
	tags := make([]language.Tag, numLangs)
	for l := range numLangs {
		info := l.info()
		tags[l] = info.xtag
		b.forms[l] = integerForms(info.xtag)
		b.nums[l] = message.NewPrinter(info.xtag)
		b.groupSep[l] = groupSeparator(b.nums[l])
		name := info.tag + ".txt"
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("i18n: catalog for %s: %w", info.name, err))
			continue
		}
		c, err := parseCatalog(name, src, b.forms[l])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		b.cats[l] = c
	}
	entries, _ := fs.ReadDir(fsys, ".")
	for _, e := range entries {
		if _, ok := ParseLang(strings.TrimSuffix(e.Name(), ".txt")); !ok || !strings.HasSuffix(e.Name(), ".txt") {
			errs = append(errs, fmt.Errorf("i18n: %s is not a catalog of a language the code knows (add the language to Lang.info first)", e.Name()))
		}
	}
	if len(errs) == 0 {
		for l := English + 1; l < numLangs; l++ {
			for _, d := range compareCatalogs(b.cats[English], b.cats[l]) {
				errs = append(errs, errors.New(d))
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("i18n: malformed catalog:\n%w", errors.Join(errs...))
	}
	b.matcher = language.NewMatcher(tags)
	return b, nil
}

// integerForms returns the plural forms a language uses for whole numbers,
// as CLDR (through x/text) defines them: English one and other, Japanese
// other only.
func integerForms(t language.Tag) formSet {
	var s formSet = 1 << plural.Other
	for i := range 1000 {
		s |= 1 << plural.Cardinal.MatchPlural(t, i, 0, 0, 0, 0)
	}
	return s
}

// maxAcceptLanguage bounds the Accept-Language header read; browsers send
// well under 200 bytes.
const maxAcceptLanguage = 512

// Negotiate picks the language of a response: an explicit choice (the
// language cookie's value) when it names a language the console has, else
// the best match for an Accept-Language header, else English.
func (b *Bundle) Negotiate(choice, acceptLanguage string) Lang {
	if l, ok := ParseLang(choice); ok {
		return l
	}
	if len(acceptLanguage) > maxAcceptLanguage {
		// Keep whole entries only: cut at the last comma before the limit.
		cut := strings.LastIndexByte(acceptLanguage[:maxAcceptLanguage], ',')
		if cut < 0 {
			return English
		}
		acceptLanguage = acceptLanguage[:cut]
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, conf := b.matcher.Match(tags...)
	if conf == language.No || i < 0 || i >= int(numLangs) {
		return English
	}
	return Lang(i)
}

// FromRequest negotiates the language of r from its language cookie and
// Accept-Language header. A response that depends on it should carry
// "Vary: Accept-Language, Cookie" and "Content-Language: <Lang.Tag>".
func (b *Bundle) FromRequest(r *http.Request) Lang {
	choice := ""
	if c, err := r.Cookie(CookieName); err == nil {
		choice = c.Value
	}
	return b.Negotiate(choice, r.Header.Get("Accept-Language"))
}

// Printer returns a printer for one language and time zone; loc nil means
// UTC. Make one per request: it is cheap, and safe for concurrent use.
func (b *Bundle) Printer(l Lang, loc *time.Location) *Printer {
	if l >= numLangs {
		l = English
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Printer{b: b, c: b.cats[l], lang: l, loc: loc}
}

// ForRequest is Printer(FromRequest(r), loc).
func (b *Bundle) ForRequest(r *http.Request, loc *time.Location) *Printer {
	return b.Printer(b.FromRequest(r), loc)
}

// Keys returns every message key, sorted (all catalogs have the same).
func (b *Bundle) Keys() []string { return sortedKeys(b.cats[English].msgs) }

// Has reports whether key is a message of the catalogs.
func (b *Bundle) Has(key string) bool { return b.cats[English].msgs[key] != nil }

// Args returns the placeholder names of a message, sorted, and whether it
// exists. A message with plural forms also needs the count, "n".
func (b *Bundle) Args(key string) (args []string, plural bool, ok bool) {
	for l := range numLangs {
		if m := b.cats[l].msgs[key]; m != nil {
			args = m.args
			plural = plural || m.plural
			ok = true
		}
	}
	return slices.Clone(args), plural, ok
}
