package emulator

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/activity"
	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/gen"
	"github.com/graphsec/graphsec/emulator/graphapi"
	"github.com/graphsec/graphsec/emulator/model"
	"github.com/graphsec/graphsec/emulator/odata"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are parsed once; a broken template fails at start-up, not on a
// user's request.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"join": strings.Join,
	"addrs": func(list []graphapi.Address) string {
		out := make([]string, len(list))
		for i, a := range list {
			out[i] = a.Address
			if a.Name != "" {
				out[i] = a.Name + " <" + a.Address + ">"
			}
		}
		return strings.Join(out, ", ")
	},
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
	// noquery leaves a URL's query (which may carry a secret) off a page.
	"noquery": func(u string) string {
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			return u[:i]
		}
		return u
	},
	"percent": func(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + " %" },
}).ParseFS(templateFS, "templates/*.html"))

// maxControlBody bounds control plane request bodies.
const maxControlBody = 1 << 20

// controlPlane serves /_emulator/...: JSON endpoints for tests and tools,
// and two pages for people (an overview and the mailbox). It answers only
// requests addressed to the emulator's own names (no DNS rebinding) and,
// when a control token is configured, carrying it (guard.go); on loopback
// no token is needed. Cross-origin browser requests that change state are
// refused, so a web page cannot reset a developer's emulator behind their
// back.
func (e *Emulator) controlPlane() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", e.pageIndex)
	mux.HandleFunc("GET /_emulator/{$}", e.pageIndex)
	mux.HandleFunc("GET /_emulator/info", e.ctlInfo)
	mux.HandleFunc("POST /_emulator/reset", e.ctlReset)
	mux.HandleFunc("POST /_emulator/reseed", e.ctlReseed)
	mux.HandleFunc("POST /_emulator/alerts", e.ctlAddAlert)
	mux.HandleFunc("PATCH /_emulator/alerts/{id}", e.ctlChangeAlert)
	mux.HandleFunc("POST /_emulator/incidents/{id}/merge", e.ctlMergeIncident)
	mux.HandleFunc("GET /_emulator/changes", e.ctlChanges)
	mux.HandleFunc("GET /_emulator/activity", e.ctlActivity)
	mux.HandleFunc("POST /_emulator/activity", e.ctlSetActivity)
	mux.HandleFunc("POST /_emulator/legacy/alerts", e.ctlAddLegacyAlert)
	mux.HandleFunc("PATCH /_emulator/legacy/alerts/{id}", e.ctlChangeLegacyAlert)
	mux.HandleFunc("GET /_emulator/legacy", e.ctlLegacy)
	mux.HandleFunc("POST /_emulator/legacy", e.ctlSetLegacy)
	mux.HandleFunc("GET /_emulator/consent", e.ctlConsent)
	mux.HandleFunc("POST /_emulator/consent", e.ctlSetConsent)
	mux.HandleFunc("GET /_emulator/users", e.ctlUsers)
	mux.HandleFunc("GET /_emulator/mailbox", e.ctlMailbox)
	mux.HandleFunc("DELETE /_emulator/mailbox", e.ctlClearMailbox)
	mux.HandleFunc("GET /_emulator/mailbox/{id}", e.ctlMessage)
	mux.HandleFunc("GET /_emulator/mailbox/{id}/attachments/{n}", e.ctlAttachment)
	mux.HandleFunc("GET /_emulator/mail", e.pageMail)
	mux.HandleFunc("GET /_emulator/mail/find", e.pageFindMail)
	mux.HandleFunc("GET /_emulator/mail/{id}", e.pageMessage)
	mux.HandleFunc("GET /_emulator/mail/{id}/body", e.pageMessageBody)
	mux.HandleFunc("GET /_emulator/clock", e.ctlClock)
	mux.HandleFunc("POST /_emulator/clock", e.ctlSetClock)
	mux.HandleFunc("GET /_emulator/faults", e.ctlFaults)
	mux.HandleFunc("POST /_emulator/faults", e.ctlAddFault)
	mux.HandleFunc("DELETE /_emulator/faults", e.ctlClearFaults)
	mux.HandleFunc("GET /_emulator/throttle", e.ctlThrottle)
	mux.HandleFunc("POST /_emulator/throttle", e.ctlSetThrottle)
	mux.HandleFunc("POST /_emulator/tokens", e.ctlToken)
	e.deliveryRoutes(mux)
	mux.HandleFunc("/_emulator/", func(w http.ResponseWriter, r *http.Request) {
		ctlError(w, http.StatusNotFound, "no such control plane endpoint: %s %s", r.Method, r.URL.Path)
	})
	return e.guardControl(http.NewCrossOriginProtection().Handler(mux))
}

func ctlJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		ctlError(w, http.StatusInternalServerError, "encode: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func ctlError(w http.ResponseWriter, status int, format string, args ...any) {
	ctlJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

// ctlFail writes an error from the store: its own status when it has one.
func ctlFail(w http.ResponseWriter, err error) {
	var se interface{ HTTPStatus() int }
	if errors.As(err, &se) {
		ctlError(w, se.HTTPStatus(), "%v", err)
		return
	}
	ctlError(w, http.StatusBadRequest, "%v", err)
}

// readBody decodes an optional JSON body; an empty body leaves v alone.
func readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxControlBody)
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		ctlError(w, http.StatusRequestEntityTooLarge, "body too large or unreadable: %v", err)
		return false
	}
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return true
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		ctlError(w, http.StatusBadRequest, "invalid JSON body: %v", err)
		return false
	}
	return true
}

// Info is what the control plane's /_emulator/info returns.
type Info struct {
	URL            string         `json:"url"`
	TenantID       string         `json:"tenantId"`
	TenantDomain   string         `json:"tenantDomain"`
	ClientID       string         `json:"clientId"`
	RedirectURIs   []string       `json:"redirectUris"`
	Authority      string         `json:"authority"`
	TokenEndpoint  string         `json:"tokenEndpoint"`
	GraphURL       string         `json:"graphUrl"`
	Discovery      string         `json:"openidConfiguration"`
	AdminConsented bool           `json:"adminConsented"`
	Now            time.Time      `json:"now"`
	ClockOffset    string         `json:"clockOffset"`
	ThrottlePerMin int            `json:"throttlePerMinute"`
	Seed           int64          `json:"seed"`
	Counts         map[string]int `json:"counts"`
	// CAFile is the CA certificate to trust when the emulator serves TLS.
	CAFile string `json:"caFile,omitempty"`
}

// Info describes the running emulator: its endpoints, tenant, app, clock
// and data sizes. It never includes the client secret.
func (e *Emulator) Info() Info { return e.info() }

func (e *Emulator) info() Info {
	e.mu.Lock()
	seed := e.genCfg.Seed
	e.mu.Unlock()
	return Info{
		URL: e.url, TenantID: e.opts.TenantID, TenantDomain: e.opts.TenantDomain,
		ClientID: e.opts.ClientID, RedirectURIs: e.opts.RedirectURIs,
		Authority: e.AuthorityURL(), TokenEndpoint: e.AuthorityURL() + "/oauth2/v2.0/token",
		GraphURL: e.url, Discovery: e.AuthorityURL() + "/v2.0/.well-known/openid-configuration",
		AdminConsented: len(e.dir.AdminGrant(e.opts.ClientID).Application) > 0,
		Now:            e.clock.Now().UTC(), ClockOffset: e.clock.Offset().String(),
		ThrottlePerMin: e.thr.PerMinute(), Seed: seed, Counts: e.store.Counts(),
		CAFile: e.CAFile(),
	}
}

func (e *Emulator) ctlInfo(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, e.info())
}

// ctlReset puts the emulator back as it started: the same data (same seed
// and sizes, regenerated at the current time), consent as configured, no
// sign-in sessions or refresh tokens, no faults, no mail, no
// subscriptions, the clock back on its base.
func (e *Emulator) ctlReset(w http.ResponseWriter, r *http.Request) {
	e.clock.Set(e.opts.Clock.Now())
	e.mu.Lock()
	e.genCfg = gen.Config{
		Seed: e.opts.Seed, TenantID: e.opts.TenantID, Domain: e.opts.TenantDomain, TenantName: e.opts.TenantName,
		Users: e.opts.Users, LegacyAlerts: e.opts.LegacyAlerts, Alerts: e.opts.Alerts,
	}
	cfg := e.genCfg
	e.mu.Unlock()
	g, err := e.generate(cfg)
	if err != nil {
		ctlError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	// Subscriptions and delivery go first: re-registering the app revokes
	// and re-grants consent, which delivery would otherwise see as a
	// revocation of the old subscriptions' consent.
	e.subs.Clear()
	e.deliver.Reset()
	e.store.Load(g)
	e.act.Reset(cfg.Seed)
	e.registerApp()
	if err := e.idp.Reset(); err != nil {
		ctlError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	e.faults.Clear()
	e.mailbox.Clear()
	e.thr.Set(e.opts.ThrottlePerMinute)
	e.legacy.SetRetired(e.opts.LegacyRetired)
	e.log.Info("emulator reset")
	ctlJSON(w, http.StatusOK, e.info())
}

// ctlReseed regenerates the data with a new seed or sizes.
func (e *Emulator) ctlReseed(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Seed         *int64 `json:"seed"`
		Users        *int   `json:"users"`
		LegacyAlerts *int   `json:"legacyAlerts"`
		Alerts       *int   `json:"alerts"`
	}
	if !readBody(w, r, &body) {
		return
	}
	e.mu.Lock()
	cfg := e.genCfg
	e.mu.Unlock()
	if body.Seed != nil {
		cfg.Seed = *body.Seed
	}
	for _, f := range []struct {
		v   *int
		dst *int
		max int
	}{{body.Users, &cfg.Users, 10000}, {body.LegacyAlerts, &cfg.LegacyAlerts, 1000000}, {body.Alerts, &cfg.Alerts, 1000000}} {
		if f.v != nil {
			if *f.v < 0 || *f.v > f.max {
				ctlError(w, http.StatusBadRequest, "sizes must be between 0 and %d", f.max)
				return
			}
			*f.dst = *f.v
		}
	}
	g, err := e.generate(cfg)
	if err != nil {
		ctlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	e.store.Load(g)
	e.act.Reset(cfg.Seed)
	e.mu.Lock()
	e.genCfg = cfg
	e.mu.Unlock()
	ctlJSON(w, http.StatusOK, e.info())
}

// decodeOverrides converts a JSON object of properties into stored form
// for type t.
func decodeOverrides(raw map[string]any, t *odata.Type) (odata.Object, error) {
	if len(raw) == 0 {
		return odata.Object{}, nil
	}
	return odata.DecodeObject(raw, t, odata.DecodeOptions{})
}

func (e *Emulator) ctlAddAlert(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if !readBody(w, r, &body) {
		return
	}
	incident, _ := body["incidentId"].(string)
	delete(body, "incidentId")
	over, err := decodeOverrides(body, model.Graph().Alert)
	if err != nil {
		ctlFail(w, err)
		return
	}
	doc, err := e.store.AddAlert(change.OriginControl, incident, over, odata.At(e.clock.Now()))
	if err != nil {
		ctlFail(w, err)
		return
	}
	ctlJSON(w, http.StatusCreated, json.RawMessage(odata.AppendObject(nil, doc, model.Graph().Alert, odata.EncodeOptions{IncludeUnknownEnumMembers: true})))
}

func (e *Emulator) ctlChangeAlert(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if !readBody(w, r, &body) {
		return
	}
	ch, err := decodeOverrides(body, model.Graph().Alert)
	if err != nil {
		ctlFail(w, err)
		return
	}
	doc, err := e.store.ChangeAlert(change.OriginControl, r.PathValue("id"), ch, odata.At(e.clock.Now()))
	if err != nil {
		ctlFail(w, err)
		return
	}
	ctlJSON(w, http.StatusOK, json.RawMessage(odata.AppendObject(nil, doc, model.Graph().Alert, odata.EncodeOptions{IncludeUnknownEnumMembers: true})))
}

// ctlMergeIncident merges an incident into another as the service does
// when it correlates them: {"into": "<incident id>"}.
func (e *Emulator) ctlMergeIncident(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Into string `json:"into"`
	}
	if !readBody(w, r, &body) {
		return
	}
	if body.Into == "" {
		ctlError(w, http.StatusBadRequest, `body must be {"into": "<incident id>"}`)
		return
	}
	doc, err := e.store.MergeIncident(change.OriginControl, r.PathValue("id"), body.Into, odata.At(e.clock.Now()))
	if err != nil {
		ctlFail(w, err)
		return
	}
	ctlJSON(w, http.StatusOK, json.RawMessage(odata.AppendObject(nil, doc, model.Graph().Incident, odata.EncodeOptions{IncludeUnknownEnumMembers: true})))
}

func (e *Emulator) ctlActivity(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, e.act.Stats())
}

// ctlSetActivity sets the living tenant's pace ({"rate": "12/min"}, "off"
// to stop) or takes steps at once ({"steps": 10}), or both.
func (e *Emulator) ctlSetActivity(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Rate  *string `json:"rate"`
		Steps int     `json:"steps"`
	}
	if !readBody(w, r, &body) {
		return
	}
	if body.Rate == nil && body.Steps == 0 {
		ctlError(w, http.StatusBadRequest, `body must be {"rate": "12/min"} and/or {"steps": n}`)
		return
	}
	if body.Steps < 0 || body.Steps > 10000 {
		ctlError(w, http.StatusBadRequest, "steps must be between 0 and 10000")
		return
	}
	if body.Rate != nil {
		rate, err := activity.ParseRate(*body.Rate)
		if err != nil {
			ctlError(w, http.StatusBadRequest, "%v", err)
			return
		}
		e.act.SetRate(rate)
	}
	e.act.Step(body.Steps)
	e.ctlActivity(w, r)
}

// changeView is a journaled change as the control plane shows it.
type changeView struct {
	Seq      uint64    `json:"seq"`
	Resource string    `json:"resource"`
	ID       string    `json:"id"`
	Type     string    `json:"changeType"`
	Origin   string    `json:"origin"`
	At       time.Time `json:"at"`
	// Changed names the top-level properties that differ from the
	// previous version.
	Changed []string `json:"changed,omitempty"`
}

// ctlChanges lists the last committed changes to alerts, legacy alerts and
// incidents (?after=<seq> for those after a point), oldest first.
func (e *Emulator) ctlChanges(w http.ResponseWriter, r *http.Request) {
	var after uint64
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			ctlError(w, http.StatusBadRequest, "after must be a sequence number")
			return
		}
		after = n
	}
	evs := e.store.Changes(after)
	out := make([]changeView, len(evs))
	for i, ev := range evs {
		out[i] = viewOf(ev)
	}
	ctlJSON(w, http.StatusOK, map[string]any{"lastSeq": e.store.LastSeq(), "value": out})
}

// recentChanges is the journal's last n changes, newest first, as the
// overview page lists them.
func (e *Emulator) recentChanges(n int) []changeView {
	last := e.store.LastSeq()
	var after uint64
	if last > uint64(n) {
		after = last - uint64(n)
	}
	evs := e.store.Changes(after)
	out := make([]changeView, 0, len(evs))
	for i := len(evs) - 1; i >= 0; i-- {
		out = append(out, viewOf(evs[i]))
	}
	return out
}

func viewOf(ev change.Event) changeView {
	return changeView{Seq: ev.Seq, Resource: string(ev.Resource), ID: ev.ID, Type: string(ev.Type), Origin: string(ev.Origin), At: ev.At.UTC(), Changed: changedProps(ev.Old, ev.Doc)}
}

// changedProps names the top-level properties that differ between two
// versions, sorted.
func changedProps(old, doc odata.Object) []string {
	if old == nil {
		return nil
	}
	var out []string
	for k, v := range doc {
		if ov, ok := old[k]; !ok || !reflect.DeepEqual(ov, v) {
			out = append(out, k)
		}
	}
	for k := range old {
		if _, ok := doc[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func (e *Emulator) ctlAddLegacyAlert(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if !readBody(w, r, &body) {
		return
	}
	over, err := decodeOverrides(body, model.Graph().LegacyAlert)
	if err != nil {
		ctlFail(w, err)
		return
	}
	doc, err := e.store.AddLegacyAlert(change.OriginControl, over, odata.At(e.clock.Now()))
	if err != nil {
		ctlFail(w, err)
		return
	}
	ctlJSON(w, http.StatusCreated, json.RawMessage(odata.AppendObject(nil, doc, model.Graph().LegacyAlert, odata.EncodeOptions{IncludeUnknownEnumMembers: true})))
}

func (e *Emulator) ctlChangeLegacyAlert(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if !readBody(w, r, &body) {
		return
	}
	ch, err := decodeOverrides(body, model.Graph().LegacyAlert)
	if err != nil {
		ctlFail(w, err)
		return
	}
	doc, err := e.store.ChangeLegacyAlert(change.OriginControl, r.PathValue("id"), ch, odata.At(e.clock.Now()))
	if err != nil {
		ctlFail(w, err)
		return
	}
	ctlJSON(w, http.StatusOK, json.RawMessage(odata.AppendObject(nil, doc, model.Graph().LegacyAlert, odata.EncodeOptions{IncludeUnknownEnumMembers: true})))
}

func (e *Emulator) ctlLegacy(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]bool{"retired": e.legacy.Retired()})
}

// ctlSetLegacy retires the legacy alerts API ({"retired": true}) or brings
// it back.
func (e *Emulator) ctlSetLegacy(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Retired *bool `json:"retired"`
	}
	if !readBody(w, r, &body) {
		return
	}
	if body.Retired == nil {
		ctlError(w, http.StatusBadRequest, `body must be {"retired": true} or {"retired": false}`)
		return
	}
	e.legacy.SetRetired(*body.Retired)
	e.ctlLegacy(w, r)
}

type consentState struct {
	ClientID    string   `json:"clientId"`
	Delegated   []string `json:"delegated"`
	Application []string `json:"application"`
}

func (e *Emulator) consentOf(clientID string) consentState {
	g := e.dir.AdminGrant(clientID)
	return consentState{ClientID: clientID, Delegated: nonNil(g.Delegated), Application: nonNil(g.Application)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (e *Emulator) ctlConsent(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, e.consentOf(e.opts.ClientID))
}

// ctlSetConsent grants (every registered permission) or revokes the demo
// app's tenant-wide admin consent, as an administrator would in the portal.
func (e *Emulator) ctlSetConsent(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ClientID string `json:"clientId"`
		Granted  *bool  `json:"granted"`
	}
	if !readBody(w, r, &body) {
		return
	}
	if body.Granted == nil {
		ctlError(w, http.StatusBadRequest, `body must be {"granted": true} or {"granted": false}`)
		return
	}
	id := body.ClientID
	if id == "" {
		id = e.opts.ClientID
	}
	app, err := e.dir.App(id)
	if err != nil {
		ctlError(w, http.StatusNotFound, "no app registration with client id %q", id)
		return
	}
	if *body.Granted {
		e.dir.GrantAdminConsent(app.ClientID, app.Delegated, app.Application)
	} else {
		e.dir.RevokeAdminConsent(app.ClientID)
	}
	e.deliver.Kick() // subscriptions pause (or resume) now, not at the next poll
	ctlJSON(w, http.StatusOK, e.consentOf(app.ClientID))
}

func (e *Emulator) ctlUsers(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]any{"value": e.dir.Users()})
}

func (e *Emulator) ctlClearMailbox(w http.ResponseWriter, r *http.Request) {
	e.mailbox.Clear()
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) ctlMessage(w http.ResponseWriter, r *http.Request) {
	m, ok := e.mailbox.Message(r.PathValue("id"))
	if !ok {
		ctlError(w, http.StatusNotFound, "no message %q", r.PathValue("id"))
		return
	}
	ctlJSON(w, http.StatusOK, m)
}

// ctlAttachment downloads an attachment. It is always served as an
// opaque download so that an HTML attachment can never run in the
// emulator's origin.
func (e *Emulator) ctlAttachment(w http.ResponseWriter, r *http.Request) {
	m, ok := e.mailbox.Message(r.PathValue("id"))
	n, err := strconv.Atoi(r.PathValue("n"))
	if !ok || err != nil || n < 0 || n >= len(m.Attachments) {
		ctlError(w, http.StatusNotFound, "no such attachment")
		return
	}
	a := m.Attachments[n]
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", sanitizeFilename(a.Name)))
	_, _ = w.Write(a.Content)
}

func sanitizeFilename(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r == '/' || r == 0x7f {
			return '_'
		}
		return r
	}, s)
	if s == "" {
		return "attachment"
	}
	return s
}

func (e *Emulator) ctlClock(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]string{"now": e.clock.Now().UTC().Format(time.RFC3339Nano), "offset": e.clock.Offset().String()})
}

// ctlSetClock moves the emulator's time: {"advance": "90m"} or
// {"set": "2026-12-01T00:00:00Z"}. Tokens, codes and actions all follow it.
func (e *Emulator) ctlSetClock(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Advance string `json:"advance"`
		Set     string `json:"set"`
	}
	if !readBody(w, r, &body) {
		return
	}
	switch {
	case body.Advance != "" && body.Set != "":
		ctlError(w, http.StatusBadRequest, "give either advance or set, not both")
		return
	case body.Advance != "":
		d, err := time.ParseDuration(body.Advance)
		if err != nil {
			ctlError(w, http.StatusBadRequest, "advance: %v", err)
			return
		}
		e.clock.Advance(d)
	case body.Set != "":
		t, err := time.Parse(time.RFC3339Nano, body.Set)
		if err != nil {
			ctlError(w, http.StatusBadRequest, "set: %v", err)
			return
		}
		e.clock.Set(t)
	default:
		ctlError(w, http.StatusBadRequest, `body must be {"advance": "90m"} or {"set": "<RFC 3339 time>"}`)
		return
	}
	e.deliver.Kick() // retries and lifecycle events due at the new time go now
	e.ctlClock(w, r)
}

func (e *Emulator) ctlFaults(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]any{"value": e.faults.List()})
}

func (e *Emulator) ctlAddFault(w http.ResponseWriter, r *http.Request) {
	var f graphapi.Fault
	if !readBody(w, r, &f) {
		return
	}
	if err := e.faults.Add(f); err != nil {
		ctlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	ctlJSON(w, http.StatusCreated, map[string]any{"value": e.faults.List()})
}

func (e *Emulator) ctlClearFaults(w http.ResponseWriter, r *http.Request) {
	e.faults.Clear()
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) ctlThrottle(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]int{"perMinute": e.thr.PerMinute()})
}

func (e *Emulator) ctlSetThrottle(w http.ResponseWriter, r *http.Request) {
	var body struct {
		PerMinute *int `json:"perMinute"`
	}
	if !readBody(w, r, &body) {
		return
	}
	if body.PerMinute == nil || *body.PerMinute < 0 || *body.PerMinute > 1000000 {
		ctlError(w, http.StatusBadRequest, `body must be {"perMinute": n} with 0 (off) <= n <= 1000000`)
		return
	}
	e.thr.Set(*body.PerMinute)
	e.ctlThrottle(w, r)
}

// ctlToken mints an access token without a browser: app-only by default,
// or delegated for {"user": "upn"} (limited to consented scopes). Load
// generators and scripts use it.
func (e *Emulator) ctlToken(w http.ResponseWriter, r *http.Request) {
	var body struct {
		User   string   `json:"user"`
		Scopes []string `json:"scopes"`
	}
	if !readBody(w, r, &body) {
		return
	}
	var tok string
	var err error
	if body.User == "" {
		tok, err = e.AppToken()
	} else {
		tok, err = e.UserToken(body.User, body.Scopes...)
	}
	if err != nil {
		ctlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	ctlJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "access_token": tok})
}

// setPageHeaders locks the emulator's own pages down: no scripts at all.
func setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

func (e *Emulator) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		e.log.Error("emulator: render page", "page", name, "err", err)
		http.Error(w, "page could not be rendered", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w)
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (e *Emulator) pageIndex(w http.ResponseWriter, r *http.Request) {
	e.render(w, http.StatusOK, "index.html", map[string]any{"Info": e.info(), "Users": e.dir.Users(),
		"Subscriptions": e.subscriptionViews(), "Deliveries": e.recentDeliveries(20), "DeliveryStats": e.deliver.Stats(),
		"Activity": e.act.Stats(), "Changes": e.recentChanges(15)})
}

func (e *Emulator) pageMessage(w http.ResponseWriter, r *http.Request) {
	m, ok := e.mailbox.Message(r.PathValue("id"))
	if !ok {
		p := e.mailPageData(r)
		p.Missing = r.PathValue("id")
		e.render(w, http.StatusNotFound, "mail.html", p)
		return
	}
	e.render(w, http.StatusOK, "message.html", map[string]any{"M": m})
}

// pageMessageBody serves a message body on its own, for the message page's
// iframe. An HTML body is sent under a sandboxing Content-Security-Policy
// (no scripts, no network), so mail content can never act in the
// emulator's origin; a text body is sent as plain text.
func (e *Emulator) pageMessageBody(w http.ResponseWriter, r *http.Request) {
	m, ok := e.mailbox.Message(r.PathValue("id"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if m.BodyType == "html" {
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	} else {
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	_, _ = w.Write([]byte(m.Body))
}
