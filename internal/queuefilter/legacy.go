package queuefilter

import (
	"net/url"
	"slices"
	"strings"

	"github.com/graphsec/graphsec/graph"
)

// Legacy is the original sample's subscription form: legacy alerts
// filtered by provider, category, severity, status, host FQDN and UPN (at
// least one), or one alert by id (alertId). Enum values are read without
// regard to case, as the sample sent them (High, NewAlert), and kept in
// Graph's spelling.
type Legacy struct {
	Provider string
	Category string
	Severity graph.LegacyAlertSeverity
	Status   graph.LegacyAlertStatus
	HostFQDN string
	UPN      string
	// AlertID names one alert; the other fields must then be empty.
	AlertID string
}

// LegacyCategories are the 23 categories of the original sample's form,
// in its order (category is a string in Graph, not an enum).
func LegacyCategories() []string {
	return []string{
		"abnormalLogin", "anomalousDataAccess", "anonymousLogin", "antimalwareActionTaken", "azBlackListLogin",
		"credentialLeakage", "documentDeclassification", "reconnaissance", "exploit", "impossibleTravel",
		"keyloggerTrojan", "malware", "ransomware", "rdpBruteforce", "reportCompromise", "riskScore",
		"sensitiveFileExfiltration", "suspiciousActivity", "suspiciousDomain", "suspiciousPowerShell",
		"threatIntelligence", "unfamiliarLocation", "updateRequired",
	}
}

// legacyMember matches v against known without regard to case, leaving
// out the "unknown" member nobody subscribes to.
func legacyMember[T ~string](errs *Errors, name, what, v string, known []T) T {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	for _, k := range known {
		if k != "unknown" && strings.EqualFold(string(k), v) {
			return k
		}
	}
	var names []string
	for _, k := range known {
		if k != "unknown" {
			names = append(names, string(k))
		}
	}
	errs.add(name, "%q is not a %s: choose %s.", shorten(v, 64), what, strings.Join(names, ", "))
	return ""
}

// ParseLegacy reads the subscription form's fields. The "form" mistake
// (no field at all, or an id with other fields) is reported under the
// name "form".
func ParseLegacy(q url.Values) (Legacy, Errors) {
	var f Legacy
	var errs Errors
	f.Provider = text(&errs, "provider", q.Get("provider"))
	f.HostFQDN = text(&errs, "hostFqdn", q.Get("hostFqdn"))
	f.UPN = text(&errs, "upn", q.Get("upn"))
	f.AlertID = text(&errs, "alertId", q.Get("alertId"))
	if v := strings.TrimSpace(q.Get("category")); v != "" {
		cats := LegacyCategories()
		if i := slices.IndexFunc(cats, func(c string) bool { return strings.EqualFold(c, v) }); i >= 0 {
			f.Category = cats[i]
		} else {
			errs.add("category", "%q is not one of the legacy alert categories.", shorten(v, 64))
		}
	}
	f.Severity = legacyMember(&errs, "severity", "severity", q.Get("severity"), graph.LegacyAlertSeverities())
	f.Status = legacyMember(&errs, "status", "status", q.Get("status"), graph.LegacyAlertStatuses())
	if len(errs) > 0 {
		return f, errs
	}
	switch {
	case f.AlertID != "" && f != (Legacy{AlertID: f.AlertID}):
		errs.add("form", "Subscribe either to one alert by its id or to a filter, not both.")
	case f == (Legacy{}):
		errs.add("form", "Choose at least one filter (provider, category, severity, status, host FQDN or UPN), or one alert by its id: Graph does not notify on every legacy alert.")
	}
	return f, errs
}

// Query is the typed legacy query of f's filter (empty for one alert).
func (f Legacy) Query() graph.LegacyAlertQuery {
	return graph.LegacyAlertQuery{Provider: f.Provider, Category: f.Category, Severity: f.Severity, Status: f.Status, HostFQDN: f.HostFQDN, UPN: f.UPN}
}

// Filter is f as a $filter over legacy alerts: the form's conditions in
// the sample's order, or id eq '…' for one alert.
func (f Legacy) Filter() graph.Expr {
	if f.AlertID != "" {
		return graph.Eq("id", graph.String(f.AlertID))
	}
	// Query fails only on $top and $skip bounds, which f never sets.
	q, _ := f.Query().Query()
	return q.Filter
}

// Resource is f as a subscription's resource: security/alerts/{id} or
// security/alerts?$filter=….
func (f Legacy) Resource() (string, error) {
	if f.AlertID != "" {
		return graph.LegacyAlertResource(f.AlertID)
	}
	return f.Query().SubscriptionResource()
}

// Values re-encodes f as a query string.
func (f Legacy) Values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"provider": f.Provider, "category": f.Category, "severity": string(f.Severity),
		"status": string(f.Status), "hostFqdn": f.HostFQDN, "upn": f.UPN, "alertId": f.AlertID} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}
