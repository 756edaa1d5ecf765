package activity

import (
	"time"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/odata"
)

// kinds are the steps and their weights: how often each happens relative
// to the others. Analysts' work dominates; detections come steadily;
// merges are rare.
var kinds = []struct {
	name   string
	weight int
}{
	{"newAlert", 12},       // a detection opens a new incident
	{"joinAlert", 8},       // a detection adds to an open incident
	{"burst", 3},           // several alerts of one detection at one instant
	{"severity", 3},        // a detection source raises an alert's severity
	{"triage", 14},         // an analyst takes a new alert: inProgress, assigned
	{"assign", 8},          // an alert is (re)assigned
	{"classify", 6},        // classification and determination, still open
	{"resolve", 10},        // an alert is resolved with a classification
	{"comment", 12},        // a comment on an alert or an incident
	{"resolveIncident", 4}, // an incident and all its alerts, at one instant
	{"merge", 2},           // the service merges an incident into another
	{"legacyNew", 6},       // a legacy provider posts an alert
	{"legacyChange", 10},   // a legacy alert is triaged in its provider
}

// sample is how many of the newest objects steps pick their targets from:
// activity concentrates on recent work, as in a real queue.
const sample = 300

// classifications pairs each classification with the determinations an
// analyst chooses with it.
var classifications = []struct {
	classification string
	determinations []string
}{
	{"truePositive", []string{"malware", "phishing", "multiStagedAttack", "compromisedAccount", "maliciousUserActivity", "unwantedSoftware"}},
	{"falsePositive", []string{"notMalicious", "notEnoughDataToValidate", "other"}},
	{"informationalExpectedActivity", []string{"securityTesting", "lineOfBusinessApplication", "confirmedActivity", "securityPersonnel"}},
}

var comments = []string{
	"Investigating: checking the device timeline.",
	"User contacted; waiting for confirmation.",
	"Isolated the device pending the investigation.",
	"Same activity seen last week, linked to the change window.",
	"Escalated to tier 2.",
	"Password reset enforced and sessions revoked.",
	"Indicators added to the block list.",
	"No further activity in the last 24 hours.",
}

// decide picks the next step. It runs with a.mu held and only reads the
// store; the returned function makes the change (nil when the step found
// nothing to do, or queued it for later).
func (a *Activity) decide(now time.Time) (string, func() error) {
	total := 0
	for _, k := range kinds {
		total += k.weight
	}
	n := a.r.IntN(total)
	kind := kinds[len(kinds)-1].name
	for _, k := range kinds {
		if n < k.weight {
			kind = k.name
			break
		}
		n -= k.weight
	}
	at := odata.At(now)
	s := a.store
	analyst := a.analysts[a.r.IntN(len(a.analysts))]
	switch kind {
	case "newAlert":
		return kind, func() error { _, err := s.AddAlert(change.OriginActivity, "", nil, at); return err }
	case "joinAlert":
		inc := a.pick(change.Incidents, openIncident)
		if inc == nil {
			return kind, nil
		}
		return kind, func() error { _, err := s.AddAlert(change.OriginActivity, idOf(inc), nil, at); return err }
	case "burst":
		count := 2 + a.r.IntN(3)
		return kind, func() error {
			first, err := s.AddAlert(change.OriginActivity, "", nil, at)
			for i := 1; i < count && err == nil; i++ {
				_, err = s.AddAlert(change.OriginActivity, first["incidentId"].(string), nil, at)
			}
			return err
		}
	case "severity":
		al := a.pick(change.Alerts, func(d odata.Object) bool { return open(d) && d["severity"] != "high" })
		if al == nil {
			return kind, nil
		}
		next := map[any]string{"informational": "low", "low": "medium", "medium": "high"}[al["severity"]]
		if next == "" {
			next = "high"
		}
		return kind, a.later(kind, now, func() error {
			_, err := s.ChangeAlert(change.OriginActivity, idOf(al), odata.Object{"severity": next}, at)
			return err
		})
	case "triage", "assign", "classify", "resolve":
		want := open
		if kind == "triage" {
			want = func(d odata.Object) bool { return d["status"] == "new" }
		}
		al := a.pick(change.Alerts, want)
		if al == nil {
			return kind, nil
		}
		ch := odata.Object{"assignedTo": analyst}
		switch kind {
		case "triage":
			ch["status"] = "inProgress"
		case "classify", "resolve":
			c := classifications[a.r.IntN(len(classifications))]
			ch["classification"] = c.classification
			ch["determination"] = c.determinations[a.r.IntN(len(c.determinations))]
			if kind == "resolve" {
				ch["status"] = "resolved"
			}
		}
		return kind, a.later(kind, now, func() error {
			_, err := s.ChangeAlert(change.OriginActivity, idOf(al), ch, at)
			return err
		})
	case "comment":
		res, want := change.Alerts, open
		if a.r.IntN(3) == 0 {
			res, want = change.Incidents, openIncident
		}
		d := a.pick(res, want)
		if d == nil {
			return kind, nil
		}
		c := odata.Object{"comment": comments[a.r.IntN(len(comments))], "createdByDisplayName": analyst, "createdDateTime": at}
		return kind, a.later(kind, now, func() error {
			_, _, err := s.Comment(change.OriginActivity, res, idOf(d), c)
			return err
		})
	case "resolveIncident":
		inc := a.pick(change.Incidents, openIncident)
		if inc == nil {
			return kind, nil
		}
		c := classifications[a.r.IntN(len(classifications))]
		ch := odata.Object{"status": "resolved", "assignedTo": analyst, "classification": c.classification,
			"determination": c.determinations[a.r.IntN(len(c.determinations))]}
		return kind, a.later(kind, now, func() error {
			_, err := s.UpdateIncidentAs(change.OriginActivity, idOf(inc), ch, analyst, at)
			return err
		})
	case "merge":
		from := a.pick(change.Incidents, openIncident)
		into := a.pick(change.Incidents, openIncident)
		if from == nil || into == nil || idOf(from) == idOf(into) {
			return kind, nil
		}
		return kind, a.later(kind, now, func() error {
			_, err := s.MergeIncident(change.OriginActivity, idOf(from), idOf(into), at)
			return err
		})
	case "legacyNew":
		return kind, func() error { _, err := s.AddLegacyAlert(change.OriginActivity, nil, at); return err }
	case "legacyChange":
		al := a.pick(change.LegacyAlerts, func(d odata.Object) bool { return d["status"] != "resolved" && d["status"] != "dismissed" })
		if al == nil {
			return kind, nil
		}
		ch := odata.Object{"assignedTo": analyst}
		switch al["status"] {
		case "newAlert":
			ch["status"] = "inProgress"
		default:
			ch["status"] = "resolved"
			ch["feedback"] = []string{"truePositive", "falsePositive", "benignPositive"}[a.r.IntN(3)]
			ch["closedDateTime"] = at
		}
		return kind, a.later(kind, now, func() error {
			_, err := s.ChangeLegacyAlert(change.OriginActivity, idOf(al), ch, at)
			return err
		})
	}
	return kind, nil
}

// pick samples up to a few of the newest objects of a resource for one
// that want accepts.
func (a *Activity) pick(res change.Resource, want func(odata.Object) bool) odata.Object {
	_, n, _ := a.store.Nth(res, 0)
	if n == 0 {
		return nil
	}
	for range 12 {
		d, _, ok := a.store.Nth(res, a.r.IntN(min(n, sample)))
		if ok && want(d) {
			return d
		}
	}
	return nil
}

func open(d odata.Object) bool { return d["status"] != "resolved" }

func openIncident(d odata.Object) bool {
	return d["status"] == "active" || d["status"] == "inProgress"
}

func idOf(d odata.Object) string {
	s, _ := d["id"].(string)
	return s
}
