// Package gen generates the emulator's tenant: users, a device fleet, and
// the security data an analyst sees every day (legacy alerts, alerts_v2
// with typed evidence, incidents, 90 days of secure scores, control
// profiles and beta security actions). The data is deterministic: the
// same Config gives byte-identical objects, so tests can name an alert by
// id and screenshots do not churn. Every object is a stored-form
// odata.Object that validates against its type in emulator/model.
package gen

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/emulator/tenant"
)

// Config says what to generate. Zero counts mean "the default"; None asks
// for an empty collection where that makes sense.
type Config struct {
	// Seed selects the data set; the same Seed (and the rest of Config)
	// gives identical data.
	Seed int64
	// Now is the generation time: alerts fall in the 30 days before it,
	// secure scores in the 90 days before it. Required: the generator
	// never reads the wall clock.
	Now time.Time
	// TenantID is the tenant's GUID; empty derives one from Seed.
	TenantID string
	// Domain is the tenant's primary domain, e.g. harbor.onmicrosoft.com;
	// empty derives one from TenantName.
	Domain string
	// TenantName is the organisation's display name; empty means
	// DefaultTenantName.
	TenantName string
	// Users is the number of users, at least MinUsers (default 12).
	Users int
	// LegacyAlerts is the number of microsoft.graph.alert objects
	// (default 240; None for none).
	LegacyAlerts int
	// Alerts is the number of alerts_v2 alerts (default 400; None for
	// none). Incidents follow from them: 1–6 alerts each.
	Alerts int
	// ControlProfiles is the number of secure score control profiles,
	// taken from the start of a fixed catalogue: at least 25, at most
	// ControlCatalogSize() (default: the whole catalogue).
	ControlProfiles int
	// SecurityActions is the number of beta security actions (default 6;
	// None for none).
	SecurityActions int
}

// None, as a count in Config, asks for no objects of that kind (0 means
// the default).
const None = -1

// Defaults and bounds for Config. The bounds keep a control-plane request
// from asking for more than the emulator can hold comfortably.
const (
	DefaultUsers           = 12
	DefaultLegacyAlerts    = 240
	DefaultAlerts          = 400
	DefaultSecurityActions = 6
	DefaultTenantName      = "Harborline Freight"

	MinUsers           = 8
	MaxUsers           = 2000
	MaxLegacyAlerts    = 100_000
	MaxAlerts          = 1_000_000
	MinControlProfiles = 25
	MaxSecurityActions = 10_000

	maxNameLen = 256
)

// ControlCatalogSize is how many control profiles the catalogue holds,
// the most Config.ControlProfiles may ask for.
func ControlCatalogSize() int { return len(controlCatalog) }

// ConfigError reports a Config field that cannot be used.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return "gen: Config." + e.Field + ": " + e.Reason }

var (
	guidRE   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// normalize fills defaults and checks bounds. Derived defaults (tenant id,
// domain) come from the generator's random stream, so they too are a
// function of Seed.
func (c Config) normalize(r rng) (Config, error) {
	if c.Now.IsZero() {
		return c, &ConfigError{"Now", "is required (the generator never reads the wall clock)"}
	}
	if y := c.Now.Year(); y < 1900 || y > 9000 {
		return c, &ConfigError{"Now", fmt.Sprintf("year %d is out of range", y)}
	}
	count := func(field string, v *int, def, lo, hi int, noneOK bool) error {
		switch {
		case *v == 0:
			*v = def
		case *v == None && noneOK:
			*v = 0
			return nil
		case *v < lo || *v > hi:
			return &ConfigError{field, fmt.Sprintf("%d is outside [%d, %d]", *v, lo, hi)}
		}
		return nil
	}
	if err := count("Users", &c.Users, DefaultUsers, MinUsers, MaxUsers, false); err != nil {
		return c, err
	}
	if err := count("LegacyAlerts", &c.LegacyAlerts, DefaultLegacyAlerts, 1, MaxLegacyAlerts, true); err != nil {
		return c, err
	}
	if err := count("Alerts", &c.Alerts, DefaultAlerts, 1, MaxAlerts, true); err != nil {
		return c, err
	}
	if err := count("ControlProfiles", &c.ControlProfiles, len(controlCatalog), MinControlProfiles, len(controlCatalog), false); err != nil {
		return c, err
	}
	if err := count("SecurityActions", &c.SecurityActions, DefaultSecurityActions, 1, MaxSecurityActions, true); err != nil {
		return c, err
	}
	if c.TenantName == "" {
		c.TenantName = DefaultTenantName
	}
	if len(c.TenantName) > maxNameLen || strings.ContainsFunc(c.TenantName, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return c, &ConfigError{"TenantName", "must be at most 256 bytes without control characters"}
	}
	if c.TenantID == "" {
		c.TenantID = r.guid()
	} else if !guidRE.MatchString(c.TenantID) {
		return c, &ConfigError{"TenantID", fmt.Sprintf("%q is not a GUID", truncate(c.TenantID, 64))}
	}
	c.TenantID = strings.ToLower(c.TenantID)
	if c.Domain == "" {
		label := strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
				return r
			case r >= 'A' && r <= 'Z':
				return r + 'a' - 'A'
			}
			return -1
		}, c.TenantName)
		if label == "" {
			label = "tenant"
		}
		c.Domain = truncate(label, 40) + ".onmicrosoft.com"
	}
	c.Domain = strings.ToLower(c.Domain)
	if len(c.Domain) > 253 || !domainRE.MatchString(c.Domain) {
		return c, &ConfigError{"Domain", fmt.Sprintf("%q is not a DNS domain name", truncate(c.Domain, 64))}
	}
	return c, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Dataset is a generated tenant. Objects are in stored form and newest
// first where the service lists them so. Objects may share immutable
// sub-objects (a user's userAccount, a file's fileDetails), as stored
// objects are never modified in place; a caller that wants to change one
// builds a new object.
type Dataset struct {
	Users []tenant.User
	// LegacyAlerts are microsoft.graph.alert objects, newest first by
	// createdDateTime.
	LegacyAlerts []odata.Object
	// Alerts are alerts_v2 alerts, newest first by createdDateTime. Each
	// carries the incidentId of exactly one incident.
	Alerts []odata.Object
	// Incidents are newest first by createdDateTime, without the alerts
	// navigation property (alerts carry incidentId).
	Incidents []odata.Object
	// SecureScores are exactly 90 daily entries, newest first.
	SecureScores    []odata.Object
	ControlProfiles []odata.Object
	// SecurityActions are beta security actions, newest first.
	SecurityActions []odata.Object
}

// Generator holds a generated tenant and the state needed to produce more
// objects consistent with it (the same users, devices and id schemes).
// It is not safe for concurrent use: the emulator calls it under its
// store's write lock.
type Generator struct {
	cfg  Config
	r    rng
	now  time.Time
	env  *env
	cat  *catalog
	ds   Dataset
	seen map[string]bool // ids handed out, so fresh objects never collide
	// nextIncident is the next numeric incident id for NewIncident when
	// the alerts carry none.
	nextIncident int64
}

// Generate builds a dataset in one call.
func Generate(cfg Config) (Dataset, error) {
	g, err := New(cfg)
	if err != nil {
		return Dataset{}, err
	}
	return g.ds, nil
}

// New generates the dataset for cfg and returns a generator positioned
// after it, so that NewAlert and friends continue the same random stream.
func New(cfg Config) (*Generator, error) {
	r := newRNG(cfg.Seed)
	c, err := cfg.normalize(r)
	if err != nil {
		return nil, err
	}
	g := &Generator{cfg: c, r: r, now: c.Now.UTC(), seen: map[string]bool{}, nextIncident: 1}
	g.env = newEnv(c, r)
	g.catalog()
	g.ds.Users = g.env.tenantUsers()
	g.ds.ControlProfiles = g.controlProfiles()
	g.ds.SecureScores = g.secureScores()
	g.ds.Alerts, g.ds.Incidents = g.alertsAndIncidents(c.Alerts)
	g.ds.LegacyAlerts = g.legacyAlerts(c.LegacyAlerts)
	g.ds.SecurityActions = g.securityActions(c.SecurityActions)
	return g, nil
}

// Dataset returns the generated tenant. The slices are fresh (a caller may
// reorder them); the objects are shared and must not be modified.
func (g *Generator) Dataset() Dataset {
	d := g.ds
	d.Users = slices.Clone(d.Users)
	for i := range d.Users {
		d.Users[i].BusinessPhones = slices.Clone(d.Users[i].BusinessPhones)
		d.Users[i].Roles = slices.Clone(d.Users[i].Roles)
	}
	d.LegacyAlerts = slices.Clone(d.LegacyAlerts)
	d.Alerts = slices.Clone(d.Alerts)
	d.Incidents = slices.Clone(d.Incidents)
	d.SecureScores = slices.Clone(d.SecureScores)
	d.ControlProfiles = slices.Clone(d.ControlProfiles)
	d.SecurityActions = slices.Clone(d.SecurityActions)
	return d
}

// Config returns the configuration after defaults were applied.
func (g *Generator) Config() Config { return g.cfg }

// uniqueID returns make() unless that id was already handed out, in which
// case it draws again: ids come from the random stream and their schemes
// leave collisions astronomically unlikely, but never impossible.
func (g *Generator) uniqueID(make func() string) string {
	for {
		id := make()
		if !g.seen[id] {
			g.seen[id] = true
			return id
		}
	}
}

// at converts to the stored DateTimeOffset form (UTC, 100 ns).
func at(t time.Time) odata.Time { return odata.At(t) }
