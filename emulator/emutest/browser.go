// Package emutest helps tests drive the emulator's sign-in and consent
// pages the way a person in a browser would: it keeps cookies, follows
// redirects, reads the HTML forms it is given and submits them. It never
// builds a request a browser could not make, so a test that passes with it
// exercises the same flow a user does. (Browser tests with a real Chromium
// live with the console; this is the fast, dependency-free way.)
package emutest

import (
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Browser is a cookie-keeping HTTP client that stops at every redirect so
// that callers can decide where to stop.
type Browser struct {
	Client *http.Client
}

// NewBrowser returns a browser with an empty cookie jar.
func NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{Client: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Page is one response.
type Page struct {
	URL      *url.URL
	Status   int
	Location string // for redirects, absolute
	Header   http.Header
	Body     string
}

// Do sends req with the browser's cookies, without following a redirect.
func (b *Browser) Do(req *http.Request) (*Page, error) { return b.do(req) }

func (b *Browser) do(req *http.Request) (*Page, error) {
	resp, err := b.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	p := &Page{URL: req.URL, Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
	if loc := resp.Header.Get("Location"); loc != "" {
		if u, err := req.URL.Parse(loc); err == nil {
			p.Location = u.String()
		}
	}
	return p, nil
}

// Get loads one URL without following redirects.
func (b *Browser) Get(u string) (*Page, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return b.do(req)
}

// Follow keeps following redirects from p until a page that is not a
// redirect, or a redirect whose target starts with stopAt (when stopAt is
// not empty), which is returned unfollowed.
func (b *Browser) Follow(p *Page, stopAt string) (*Page, error) {
	for i := 0; isRedirect(p.Status); i++ {
		if stopAt != "" && strings.HasPrefix(p.Location, stopAt) {
			return p, nil
		}
		if i >= 20 {
			return nil, errors.New("emutest: too many redirects")
		}
		var err error
		if p, err = b.Get(p.Location); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Navigate loads u and follows redirects as Follow does.
func (b *Browser) Navigate(u, stopAt string) (*Page, error) {
	p, err := b.Get(u)
	if err != nil {
		return nil, err
	}
	return b.Follow(p, stopAt)
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// Form is an HTML form as a browser sees it.
type Form struct {
	Action, Method string
	Controls       []Control
}

// Control is one input or button of a form.
type Control struct {
	Tag, Type, Name, Value, Text string
}

var (
	formRe    = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	controlRe = regexp.MustCompile(`(?s)<input\b([^>]*)>|<button\b([^>]*)>(.*?)</button>`)
	attrRe    = regexp.MustCompile(`([a-zA-Z_:-]+)(?:="([^"]*)")?`)
)

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRe.FindAllStringSubmatch(s, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

// Forms parses the page's forms with their inputs and buttons.
func (p *Page) Forms() []Form {
	var out []Form
	for _, f := range formRe.FindAllStringSubmatch(p.Body, -1) {
		fa := attrs(f[1])
		form := Form{Action: fa["action"], Method: strings.ToUpper(fa["method"])}
		if form.Method == "" {
			form.Method = http.MethodGet
		}
		for _, c := range controlRe.FindAllStringSubmatch(f[2], -1) {
			tag, ca := "input", attrs(c[1])
			if c[1] == "" {
				tag, ca = "button", attrs(c[2])
			}
			typ := ca["type"]
			if tag == "button" && typ == "" {
				typ = "submit"
			}
			form.Controls = append(form.Controls, Control{Tag: tag, Type: typ, Name: ca["name"], Value: ca["value"], Text: strings.TrimSpace(c[3])})
		}
		out = append(out, form)
	}
	return out
}

// Submit finds the form on p holding the submit button name=value, fills
// it as a browser would (hidden and text fields as given, the named
// checkboxes ticked, the button's own value), posts it and returns the
// response without following it.
func (b *Browser) Submit(p *Page, button, value string, checked ...string) (*Page, error) {
	for _, f := range p.Forms() {
		v := url.Values{}
		found := false
		for _, c := range f.Controls {
			switch {
			case c.Type == "hidden" || c.Type == "text" || c.Type == "":
				if c.Name != "" {
					v.Add(c.Name, c.Value)
				}
			case c.Type == "checkbox":
				for _, n := range checked {
					if n == c.Name {
						v.Add(c.Name, c.Value)
					}
				}
			case c.Type == "submit" && c.Name == button && c.Value == value:
				found = true
				if c.Name != "" {
					v.Add(c.Name, c.Value)
				}
			}
		}
		if !found {
			continue
		}
		target, err := p.URL.Parse(f.Action)
		if err != nil {
			return nil, err
		}
		var req *http.Request
		if f.Method == http.MethodPost {
			req, err = http.NewRequest(http.MethodPost, target.String(), strings.NewReader(v.Encode()))
			if err == nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", p.URL.Scheme+"://"+p.URL.Host)
			}
		} else {
			target.RawQuery = v.Encode()
			req, err = http.NewRequest(http.MethodGet, target.String(), nil)
		}
		if err != nil {
			return nil, err
		}
		return b.do(req)
	}
	return nil, fmt.Errorf("emutest: no form with a submit button %s=%q on %s (status %d)", button, value, p.URL, p.Status)
}

// SignInOptions tune SignIn.
type SignInOptions struct {
	// OrganizationConsent ticks "Consent on behalf of your organization"
	// when an administrator is shown the consent page.
	OrganizationConsent bool
	// Decline cancels the consent page instead of accepting it.
	Decline bool
	// StopAt stops at the first redirect to a URL with this prefix (the
	// app's redirect URI) instead of following it back into the app.
	StopAt string
}

// SignIn starts at startURL (an authorize URL, or an app page that
// redirects to one), chooses userID on the emulator's account page when it
// is shown, answers the consent page when it is shown, and returns where
// the flow ends: the app's page after it handled the callback, or the
// redirect to StopAt.
func (b *Browser) SignIn(startURL, userID string, o SignInOptions) (*Page, error) {
	p, err := b.Navigate(startURL, o.StopAt)
	if err != nil {
		return nil, err
	}
	for step := 0; step < 4 && !isRedirect(p.Status); step++ {
		switch {
		case strings.Contains(p.Body, `name="login"`):
			p, err = b.Submit(p, "login", userID)
		case strings.Contains(p.Body, `value="accept"`):
			if o.Decline {
				p, err = b.Submit(p, "action", "cancel")
			} else {
				var checked []string
				if o.OrganizationConsent {
					checked = []string{"consent_org"}
				}
				p, err = b.Submit(p, "action", "accept", checked...)
			}
		default:
			return p, nil
		}
		if err != nil {
			return nil, err
		}
		if p, err = b.Follow(p, o.StopAt); err != nil {
			return nil, err
		}
	}
	return p, nil
}
