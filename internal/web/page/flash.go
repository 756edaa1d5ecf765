package page

import "time"

// A flash is what a change did, shown once on the page the change
// redirects to (post/redirect/get): the redirect's address carries an
// opaque token (flash=…), and the result stays on the server, for the
// session and the page it was made for, until it is shown or expires.

// flashTTL is how long a flash waits to be shown.
const flashTTL = 10 * time.Minute

// SetFlash keeps v to be shown once on the page at scope (its path) for
// this session, and returns the token its address carries. Without a
// session it returns "".
func (p *Page) SetFlash(scope string, v any) string {
	if p.Session == nil {
		return ""
	}
	return p.k.flashes.Issue(p.Session.Key(), scope, v)
}

// TakeFlash returns the flash token names for this session and scope,
// once.
func (p *Page) TakeFlash(scope, token string) (any, bool) {
	if p.Session == nil || token == "" {
		return nil, false
	}
	return p.k.flashes.Take(p.Session.Key(), scope, token)
}
