package page

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/store"
)

//go:embed templates/*.html
var kitTemplates embed.FS

// Sessions loads the signed-in user of a request, and ends a session
// whose sign-in is over (auth.Manager).
type Sessions interface {
	Session(ctx context.Context, r *http.Request) (*auth.Session, error)
	Logout(ctx context.Context, w http.ResponseWriter, r *http.Request)
}

// GraphFactory returns a Graph client acting for sess during ctx. onRetry,
// when not nil, hears about every retry (the page shows "retrying").
type GraphFactory func(ctx context.Context, sess *auth.Session, onRetry func(graph.RetryInfo)) (*graph.Client, error)

// Templates is a feature's set of page templates: every *.html file at the
// root of FS is one page, named Set + "/" + its name without .html
// ("alerts/queue"), which defines "content".
type Templates struct {
	Set string
	FS  fs.FS
}

// Embedded returns the templates of a feature embedded under
// "templates/" in fsys (//go:embed templates/*.html) as the set named set.
func Embedded(set string, fsys fs.FS) Templates {
	sub, err := fs.Sub(fsys, "templates")
	if err != nil {
		sub = fsys // fs.Sub fails only on an invalid name
	}
	return Templates{Set: set, FS: sub}
}

// EmulatorInfo describes the embedded emulator the layout links to.
type EmulatorInfo struct {
	URL string
}

// Options wire a Kit to its dependencies.
type Options struct {
	// Layout holds layout.html, the shell's: it defines "top" and
	// "bottom", which wrap every page.
	Layout fs.FS
	// Pages are the features' templates (and the shell's own pages).
	Pages []Templates
	// Funcs are added to the template functions (the shell's "static").
	Funcs template.FuncMap
	// Sessions and Graph are required by Kit.Page and Kit.Form.
	Sessions Sessions
	Graph    GraphFactory
	// I18n holds the message catalogs: every page is written in the
	// language its reader negotiated (default: the built-in catalogs).
	I18n *i18n.Bundle
	// TokenStore keeps page tokens and flashes (in the database, so that
	// every replica resolves them); nil: lists link no next page and
	// changes show no summary after their redirect.
	TokenStore store.Tokens
	// Tokens keeps the page tokens of paged lists (default: the default
	// TokenOptions in TokenStore).
	Tokens *PageTokens
	Clock  clock.Clock
	Logger *slog.Logger
	// Emulator, when set, is linked from every page, and pages know they
	// run against it (layoutData.Demo).
	Emulator *EmulatorInfo
	// Forms records the forms each session sent, so that a form sent twice
	// is applied once (formtoken.go); nil leaves forms unprotected.
	Forms FormStore
	// Drafts keeps the text of a form sent after its session ended, for
	// after the next sign-in; nil drops it.
	Drafts Drafts
	// FormWait is how long a form sent again waits for the first
	// submission's outcome (default DefaultFormWait).
	FormWait time.Duration
	// Live says the live-alerts pages are mounted: the navigation lists
	// them and the queues offer "Watch this view" (layoutData.Live).
	Live bool
}

// Kit renders pages and runs handlers. It is built once, at start-up.
type Kit struct {
	o       Options
	log     *slog.Logger
	pages   map[string]*template.Template
	flashes *Tokens[*Changed]
}

// The kit's own pages: the error page (data: [ErrorView]) and the page
// that shows the result of a change (data: [CompareView]).
const (
	errorPage   = "page/error"
	ComparePage = "page/compare"
)

// New parses every template. A template that does not parse, or a page
// that defines no "content", fails here rather than on a user's request.
func New(o Options) (*Kit, error) {
	if o.Layout == nil {
		return nil, errors.New("page: Options.Layout is required")
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.I18n == nil {
		b, err := i18n.New(o.Clock)
		if err != nil {
			return nil, err
		}
		o.I18n = b
	}
	if o.Tokens == nil {
		o.Tokens = NewPageTokens(o.TokenStore, o.Clock, TokenOptions{})
	}
	if o.FormWait <= 0 {
		o.FormWait = DefaultFormWait
	}
	k := &Kit{o: o, log: o.Logger, flashes: NewTokens[*Changed](o.TokenStore, "flash", o.Clock, TokenOptions{TTL: flashTTL, PerSession: flashesPerSession})}
	var err error
	k.pages, err = parsePages(k.funcs(), o.Layout, append([]Templates{Embedded("page", kitTemplates)}, o.Pages...))
	if err != nil {
		return nil, err
	}
	for _, name := range []string{errorPage, ComparePage, SignInPage, ResubmittedPage, noAccessPage} {
		if k.pages[name] == nil {
			return nil, fmt.Errorf("page: the kit's page %s is missing", name)
		}
	}
	return k, nil
}

// Templates returns every page's template set by name ("alerts/queue"),
// for tests that check the messages they use (i18n.Bundle.CheckTemplate).
func (k *Kit) Templates() map[string]*template.Template { return maps.Clone(k.pages) }

// I18n is the kit's message bundle.
func (k *Kit) I18n() *i18n.Bundle { return k.o.I18n }

// With is the data of a partial that needs the page's printer:
// {{template "comments" (pass $.L .Comments)}} gives it .L and .V.
type With struct {
	L *i18n.Printer
	V any
}

// funcs are the template helpers. None of them returns template.HTML:
// every value a page shows is escaped by html/template.
func (k *Kit) funcs() template.FuncMap {
	f := template.FuncMap{
		"pass": func(L *i18n.Printer, v any) With { return With{L: L, V: v} },
		"join": strings.Join,
		// pathEscape makes an id one path segment: html/template normalises
		// URLs but leaves ? and # alone, which would cut an id short.
		"pathEscape": url.PathEscape,
		// field picks a field's mistake for the "fielderror" partial.
		"field": func(L *i18n.Printer, errs FieldErrors, name string) fieldError {
			return fieldError{Name: name, Message: errs[name].In(L)}
		},
		// formToken is a new one-time form token (the "formguard" partial).
		"formToken": k.newFormToken,
		"query": func(base string, v url.Values) string {
			if len(v) == 0 {
				return base
			}
			return base + "?" + v.Encode()
		},
	}
	maps.Copy(f, k.o.Funcs)
	return f
}

// parsePages builds one template set per page: the layout, the kit's
// partials and the page's own file, so that each page defines "content"
// without clashing with another's.
func parsePages(funcs template.FuncMap, layout fs.FS, sets []Templates) (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(layout, "layout.html")
	if err != nil {
		return nil, fmt.Errorf("page: layout template: %w", err)
	}
	if base, err = base.ParseFS(kitTemplates, "templates/partials.html"); err != nil {
		return nil, fmt.Errorf("page: partials: %w", err)
	}
	for _, name := range []string{"top", "bottom"} {
		if base.Lookup(name) == nil {
			return nil, fmt.Errorf("page: the layout defines no %q", name)
		}
	}
	pages := map[string]*template.Template{}
	for _, set := range sets {
		files, err := fs.Glob(set.FS, "*.html")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			name := set.Set + "/" + strings.TrimSuffix(path.Base(f), ".html")
			if set.Set == "page" && name == "page/partials" {
				continue
			}
			if pages[name] != nil {
				return nil, fmt.Errorf("page: two templates named %s", name)
			}
			t, err := template.Must(base.Clone()).ParseFS(set.FS, f)
			if err != nil {
				return nil, fmt.Errorf("page: template %s: %w", name, err)
			}
			if t.Lookup("content") == nil {
				return nil, fmt.Errorf("page: template %s defines no \"content\"", name)
			}
			pages[name] = t
		}
	}
	return pages, nil
}
