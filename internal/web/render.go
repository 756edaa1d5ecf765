package web

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// funcs are the template helpers. None of them returns template.HTML:
// every value a page shows is escaped by html/template.
var funcs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if v == nil || v.IsZero() {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		}
		return ""
	},
	"join": strings.Join,
	// pathEscape makes an id one path segment: html/template normalises
	// URLs but leaves ? and # alone, which would cut an id short.
	"pathEscape": url.PathEscape,
	"lower":      strings.ToLower,
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"query": func(base string, v url.Values) string {
		if len(v) == 0 {
			return base
		}
		return base + "?" + v.Encode()
	},
	"seq": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	},
}

// parsePages builds one template set per page: the layout plus the page's
// own file, so each page defines "content" without clashing.
func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout template: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", f, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("web: template %s defines no \"content\"", f)
		}
		pages[name] = t
	}
	return pages, nil
}

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// userView is the signed-in user as the header shows them.
type userView struct {
	Name, UPN string
}

// pageData is what every page template receives.
type pageData struct {
	Title     string
	Nav       string
	User      *userView
	CSRF      string
	RequestID string
	Emulator  *EmulatorInfo
	// Page is the page's own data.
	Page any
}

// pageWriter renders one page. When Graph throttles while the page is
// being prepared, it sends the top of the page at once with a notice that
// graphsec is retrying (the browser shows it while the request goes on)
// and then the rest; without throttling the page goes out in one piece.
type pageWriter struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	sess *auth.Session
	data pageData
	tmpl string

	mu      sync.Mutex
	started bool
	// splice, when set, writes a part of the page in Go between the
	// page's "content" and "content-tail" templates (the alert queue's
	// rows: see rows.go).
	splice func(*bytes.Buffer)
}

func (s *Server) newPage(w http.ResponseWriter, r *http.Request, sess *auth.Session, tmpl, title, nav string) *pageWriter {
	d := pageData{Title: title, Nav: nav, RequestID: requestIDFrom(r.Context()), Emulator: s.o.Emulator}
	if sess != nil {
		d.User = &userView{Name: sess.DisplayName, UPN: sess.UserPrincipalName}
		d.CSRF = sess.CSRFToken
	}
	return &pageWriter{s: s, w: w, r: r, sess: sess, data: d, tmpl: tmpl}
}

// graph returns a Graph client acting for the page's user, whose retries
// show on the page as they happen. When it cannot, the page has been
// rendered as an error and ok is false.
func (p *pageWriter) graph() (c *graph.Client, ok bool) {
	c, err := p.s.graphClient(p.r.Context(), p.sess, p.retrying)
	if err != nil {
		p.fail(err)
		return nil, false
	}
	return c, true
}

// retrying is a graph.RetryPolicy.OnRetry hook.
func (p *pageWriter) retrying(ri graph.RetryInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.s.pages[p.tmpl]
	if t == nil {
		return
	}
	if !p.started {
		p.started = true
		p.w.Header().Set("Content-Type", "text/html; charset=utf-8")
		p.w.Header().Set("Cache-Control", "no-store")
		p.w.WriteHeader(http.StatusOK)
		if err := t.ExecuteTemplate(p.w, "top", p.data); err != nil {
			p.s.log.Error("render page top", "err", err)
		}
	}
	why := "is busy"
	if ri.StatusCode == http.StatusTooManyRequests {
		why = "is throttling requests"
	}
	_ = t.ExecuteTemplate(p.w, "retrying", map[string]any{
		"Why": why, "Wait": ri.Wait.Round(100 * time.Millisecond).String(), "Attempt": ri.Attempt, "Status": ri.StatusCode, "RequestID": ri.RequestID,
	})
	_ = http.NewResponseController(p.w).Flush()
}

// render writes the page with its data.
func (p *pageWriter) render(status int, page any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.data.Page = page
	t := p.s.pages[p.tmpl]
	if t == nil {
		http.Error(p.w, "page template missing: "+p.tmpl, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if !p.started {
		if err := t.ExecuteTemplate(&buf, "top", p.data); err != nil {
			p.renderFailed(err)
			return
		}
	}
	// After a retry notice the top has gone out already: finish the page.
	err := t.ExecuteTemplate(&buf, "content", p.data)
	if err == nil && p.splice != nil && t.Lookup("content-tail") != nil {
		p.splice(&buf)
		err = t.ExecuteTemplate(&buf, "content-tail", p.data)
	}
	if err == nil {
		err = t.ExecuteTemplate(&buf, "bottom", p.data)
	}
	if err != nil {
		p.renderFailed(err)
		return
	}
	if !p.started {
		h := p.w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		p.w.WriteHeader(status)
	}
	_, _ = buf.WriteTo(p.w)
}

func (p *pageWriter) renderFailed(err error) {
	p.s.log.Error("render page", "page", p.tmpl, "request_id", p.data.RequestID, "err", err)
	if !p.started {
		http.Error(p.w, "The page could not be rendered. Request id: "+p.data.RequestID, http.StatusInternalServerError)
	}
}

// errorView is what the error page shows. Graph's code, message and
// request-id are shown so that a failure can be reported to Microsoft.
type errorView struct {
	Status          int
	Heading         string
	Message         string
	GraphCode       string
	GraphMessage    string
	GraphRequestID  string
	ClientRequestID string
	GraphDate       string
	RetryAfter      string
	ConsentLink     bool
	SignInLink      bool
}

// fail renders err as an error page, explaining Graph's errors in words a
// user can act on. It never answers 500 for a failure the user or Graph
// caused.
func (p *pageWriter) fail(err error) {
	status, v := p.s.explain(err)
	if status >= 500 {
		p.s.log.Error("page failed", "page", p.tmpl, "request_id", p.data.RequestID, "err", err)
	} else {
		p.s.log.Info("page refused", "page", p.tmpl, "request_id", p.data.RequestID, "err", err)
	}
	p.tmpl = "error"
	p.data.Title = v.Heading
	p.render(status, v)
}

// explain maps an error to a status and a view.
func (s *Server) explain(err error) (int, errorView) {
	var ge *graph.Error
	if errors.As(err, &ge) {
		v := errorView{GraphCode: ge.Code, GraphMessage: ge.Message, GraphRequestID: ge.RequestID, ClientRequestID: ge.ClientRequestID}
		if !ge.Date.IsZero() {
			v.GraphDate = ge.Date.UTC().Format(time.RFC3339)
		}
		switch {
		case errors.Is(err, graph.ErrNotFound):
			v.Status, v.Heading, v.Message = http.StatusNotFound, "Not found", "Microsoft Graph has nothing with that id. Check the id, or go back to the list."
		case errors.Is(err, graph.ErrForbidden):
			v.Status, v.Heading = http.StatusForbidden, "Microsoft Graph refused the request"
			v.Message = "graphsec or your account lacks a permission this needs. An administrator may need to grant consent, or assign you a security role (Security Reader to read, Security Operator or Administrator to change)."
			v.ConsentLink = true
		case errors.Is(err, graph.ErrUnauthorized):
			v.Status, v.Heading, v.SignInLink = http.StatusUnauthorized, "Your sign-in is no longer accepted", true
			v.Message = "Microsoft Graph rejected your token and it could not be renewed. Sign in again."
		case errors.Is(err, graph.ErrThrottled):
			v.Status, v.Heading = http.StatusTooManyRequests, "Microsoft Graph is throttling requests"
			v.Message = "graphsec retried, but Graph still asks to wait."
			if ge.RetryAfter > 0 {
				v.RetryAfter = ge.RetryAfter.Round(time.Second).String()
			}
		case errors.Is(err, graph.ErrBadRequest):
			v.Status, v.Heading, v.Message = http.StatusBadRequest, "Microsoft Graph did not accept the request", "Check the values you entered."
		default:
			v.Status, v.Heading, v.Message = http.StatusBadGateway, "Microsoft Graph failed", "Graph answered with an error. Try again; if it persists, report the request id below."
		}
		return v.Status, v
	}
	var pe *auth.ProviderError
	if errors.As(err, &pe) {
		return http.StatusBadRequest, errorView{Status: http.StatusBadRequest, Heading: "Sign-in failed", Message: pe.Error(), SignInLink: true}
	}
	var te *auth.TokenError
	if errors.As(err, &te) {
		return http.StatusBadGateway, errorView{Status: http.StatusBadGateway, Heading: "The sign-in service did not answer", Message: "graphsec could not reach the Microsoft identity platform. Try again in a moment.", SignInLink: true}
	}
	var ue userError
	if errors.As(err, &ue) {
		return ue.status, errorView{Status: ue.status, Heading: ue.heading, Message: ue.message}
	}
	if errors.Is(err, errGraphUnreachable) || isNetError(err) {
		return http.StatusBadGateway, errorView{Status: http.StatusBadGateway, Heading: "Microsoft Graph cannot be reached", Message: "graphsec could not connect to Microsoft Graph. Check the network (or that the emulator is running) and try again."}
	}
	return http.StatusInternalServerError, errorView{Status: http.StatusInternalServerError, Heading: "Something went wrong", Message: "graphsec hit an unexpected problem. It has been logged with the request id below."}
}

// userError is a refusal worded for the user (bad input, unknown id).
type userError struct {
	status           int
	heading, message string
}

func (e userError) Error() string { return e.heading + ": " + e.message }

func badInput(format string, args ...any) error {
	return userError{status: http.StatusBadRequest, heading: "Please check what you entered", message: fmt.Sprintf(format, args...)}
}

var errGraphUnreachable = errors.New("graph unreachable")

// isNetError reports a failure to reach Graph at all (DNS, refused
// connection, timeout), as opposed to an answer from it.
func isNetError(err error) bool {
	var ue *url.Error
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.As(err, &oe)
}

// renderError shows an error page outside the page flow (middleware).
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, heading, message string, cause error) {
	if cause != nil {
		s.log.Error(heading, "request_id", requestIDFrom(r.Context()), "err", cause)
	}
	p := s.newPage(w, r, sess, "error", heading, "")
	v := errorView{Status: status, Heading: heading, Message: message, SignInLink: status == http.StatusUnauthorized}
	p.render(status, v)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, nil, http.StatusNotFound, "Page not found", "There is no page at this address.", nil)
}
