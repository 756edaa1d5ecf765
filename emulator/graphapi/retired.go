package graphapi

import (
	"net/http"
	"sync/atomic"
)

// LegacyState says whether the legacy /security/alerts API still serves
// data. Microsoft retired it in 2026: after retirement it answers, but
// with no data. The emulator serves legacy alerts unless told otherwise,
// so that legacy workflows can be exercised; tests and demos flip this to
// see what clients do after retirement.
type LegacyState struct{ retired atomic.Bool }

// SetRetired switches the legacy API to "no data" (true) or back.
func (l *LegacyState) SetRetired(v bool) { l.retired.Store(v) }

// Retired reports whether the legacy API is retired.
func (l *LegacyState) Retired() bool { return l != nil && l.retired.Load() }

// unlessRetired serves h while the legacy API is live. Once retired, a list
// is empty and any single alert is not found, which is how the real
// endpoint behaves.
func (a *API) unlessRetired(h handlerFunc) handlerFunc {
	return func(c *call) error {
		if !a.legacy.Retired() {
			return h(c)
		}
		if c.r.PathValue("id") != "" {
			return notFound("alert", c.r.PathValue("id"))
		}
		c.writeCollection(http.StatusOK, page{context: c.contextURL("security/alerts"), t: a.schema.LegacyAlert})
		return nil
	}
}
