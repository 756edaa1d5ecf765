package page

import "time"

// flashesPerSession bounds the flashes a session keeps.
const flashesPerSession = 20

// A flash is what a change did, shown once on the page the change
// redirects to (post/redirect/get): the redirect's address carries an
// opaque token (flash=…), and the result stays on the server, for the
// session and the page it was made for, until it is shown or expires.

// flashTTL is how long a flash waits to be shown.
const flashTTL = 10 * time.Minute

// SetFlash keeps v to be shown once on the page at scope (its path) for
// this session, and returns the token its address carries. Flashes live
// in the store, so the replica that shows the page need not be the one
// that made the change. Without a session, or when the store cannot keep
// it (the change is made; only its summary is lost), it returns "".
func (p *Page) SetFlash(scope string, v *Changed) string {
	if p.Session == nil {
		return ""
	}
	tok, err := p.k.flashes.Issue(p.R.Context(), p.Session.Key(), scope, v)
	if err != nil {
		p.k.log.Warn("flash not kept: the page will not show what the change did", "request_id", p.requestID, "err", err)
	}
	return tok
}

// TakeFlash returns the flash token names for this session and scope,
// once (nil when there is none).
func (p *Page) TakeFlash(scope, token string) *Changed {
	if p.Session == nil || token == "" {
		return nil
	}
	v, ok, err := p.k.flashes.Take(p.R.Context(), p.Session.Key(), scope, token)
	if err != nil {
		p.k.log.Warn("flash not read", "request_id", p.requestID, "err", err)
	}
	if !ok {
		return nil
	}
	return v
}
