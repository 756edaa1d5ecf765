package delivery

import (
	"slices"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/graphapi"
)

// housekeep does the time-driven work, by the emulator's clock: expired
// subscriptions disappear, consent revocations pause subscriptions (and
// past the grace period remove them), reauthorizationRequired follows the
// documented cadence, slow counts are flushed, idle endpoints forgotten,
// and retries that became due (the clock moved) are made ready.
func (d *Delivery) housekeep(now time.Time) {
	for _, s := range d.subs.RemoveExpired(now) {
		if st := d.state[key(s.ID)]; st != nil {
			st.gone = true
		}
		d.log.Info("subscription expired", "id", s.ID)
	}
	d.refresh(now)
	consent := map[string]bool{}
	removed := false
	for i := range d.snap {
		s := &d.snap[i]
		st := d.state[key(s.ID)]
		if st == nil || st.gone {
			continue
		}
		if d.checkConsent(s, st, now, consent) {
			removed = true
			continue
		}
		d.checkCadence(s, st, now)
	}
	if removed {
		d.refresh(now)
	}
	for url, ep := range d.endpoints {
		d.flushWindow(ep, now)
		if ep.pending == 0 && !ep.inflight && !d.refs[url] {
			delete(d.endpoints, url)
			continue
		}
		d.markReady(ep, now)
	}
}

// consented reports whether the subscription's app still holds consent
// for SecurityEvents.ReadWrite.All: the tenant-wide application grant for
// an app-only subscription, the user's consented scopes for a delegated
// one. cache holds answers for this pass.
func (d *Delivery) consented(s *graphapi.Subscription, cache map[string]bool) bool {
	if d.dir == nil {
		return true
	}
	k := s.ApplicationID
	if s.Delegated {
		k += "/" + s.CreatorID
	}
	if v, ok := cache[k]; ok {
		return v
	}
	var held []string
	if s.Delegated {
		held = d.dir.ConsentedScopes(s.ApplicationID, s.CreatorID)
	} else {
		held = d.dir.AdminGrant(s.ApplicationID).Application
	}
	v := slices.ContainsFunc(held, func(h string) bool { return strings.EqualFold(h, securityPermission) })
	cache[k] = v
	return v
}

// checkConsent follows a revocation: on detecting it, it pauses the
// subscription and sends reauthorizationRequired (again every 15
// minutes); a reauthorization or renewal after the revocation (which the
// API allows only with consent back) resumes it; consent still revoked
// after the grace period removes it. It reports whether it removed it.
func (d *Delivery) checkConsent(s *graphapi.Subscription, st *subState, now time.Time, cache map[string]bool) bool {
	ok := d.consented(s, cache)
	if !st.paused() {
		if !ok {
			st.revokedAt = now
			st.nextChallenge = now.Add(challengeEvery)
			d.log.Info("subscription paused: consent revoked", "id", s.ID, "app", s.ApplicationID)
			d.lifecycle(s, st, ReauthorizationRequired, now)
		}
		return false
	}
	if ok && s.LastReauthorizedDateTime.After(st.revokedAt) {
		st.revokedAt, st.nextChallenge = time.Time{}, time.Time{}
		d.log.Info("subscription resumed: reauthorized", "id", s.ID)
		return false
	}
	if !ok && !now.Before(st.revokedAt.Add(d.o.ConsentGrace)) {
		d.removeLocked(s, st, now, "consent revoked")
		return true
	}
	if !now.Before(st.nextChallenge) {
		st.nextChallenge = now.Add(challengeEvery)
		d.lifecycle(s, st, ReauthorizationRequired, now)
	}
	return false
}

// checkCadence sends reauthorizationRequired before expiry at the
// documented cadence (graph-api-facts.md §5.6), applied to the
// subscription's remaining lifetime r: with q = r/4, nothing while
// q > 180 minutes (r > 12 h); while 60 < q <= 180 minutes, a
// notification and the next one q/2 later; while q <= 60 minutes, one
// every 15 minutes until expiry. The first is never within 15 minutes of
// the subscription's creation or renewal; renewing starts over.
func (d *Delivery) checkCadence(s *graphapi.Subscription, st *subState, now time.Time) {
	if !s.ExpirationDateTime.Equal(st.expires) || st.nextReauth.IsZero() {
		st.expires = s.ExpirationDateTime
		st.nextReauth = CadenceStart(s.ExpirationDateTime, s.LastReauthorizedDateTime)
	}
	if s.LifecycleNotificationURL == "" || now.Before(st.nextReauth) {
		return
	}
	next, notify := CadenceStep(st.expires, now)
	st.nextReauth = next
	if notify {
		d.lifecycle(s, st, ReauthorizationRequired, now)
	}
}

// CadenceStart is when the cadence is first evaluated for a subscription
// expiring at exp and last authorized at auth.
func CadenceStart(exp, auth time.Time) time.Time {
	start := exp.Add(-12 * time.Hour)
	if floor := auth.Add(challengeEvery); start.Before(floor) {
		start = floor
	}
	return start
}

// CadenceStep evaluates the documented pseudo-code at now for a
// subscription expiring at exp: whether to notify, and when to evaluate
// next. The pseudo-code leaves a quarter of exactly 60 minutes in no
// branch; the emulator treats it as the 15-minute branch.
func CadenceStep(exp, now time.Time) (next time.Time, notify bool) {
	r := exp.Sub(now)
	if r <= 0 {
		return exp, false
	}
	q := r / 4
	switch {
	case q > 180*time.Minute:
		return exp.Add(-12 * time.Hour), false
	case q > 60*time.Minute:
		return now.Add(q / 2), true
	default:
		return now.Add(challengeEvery), true
	}
}

// lifecycle queues a lifecycle notification to the subscription's
// lifecycleNotificationUrl; a subscription without one gets nothing.
func (d *Delivery) lifecycle(s *graphapi.Subscription, st *subState, event string, now time.Time) {
	if s.LifecycleNotificationURL == "" {
		return
	}
	st.lifecycleSent++
	d.totals.lifecycle++
	body := appendLifecycle(make([]byte, 0, 256), s, event)
	d.enqueue(d.endpoint(s.LifecycleNotificationURL), &item{st: st, lifecycle: true, body: body, enqueued: now, notBefore: now.Add(d.faults.Delay)}, now)
}

// removeLocked removes a subscription as the service does: a
// subscriptionRemoved lifecycle notification, then it is deleted, and its
// queued change notifications are dropped.
func (d *Delivery) removeLocked(s *graphapi.Subscription, st *subState, now time.Time, why string) {
	d.subs.Remove(s.ID)
	d.lifecycle(s, st, SubscriptionRemoved, now)
	st.gone = true
	delete(d.state, key(s.ID))
	d.log.Info("subscription removed by the service", "id", s.ID, "reason", why)
}

// Remove removes a subscription as the service would (the control plane's
// removal): its lifecycleNotificationUrl gets subscriptionRemoved, then it
// is gone. It reports false for an unknown or expired subscription.
func (d *Delivery) Remove(id string) (graphapi.Subscription, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.clock.Now()
	d.refresh(now)
	s, ok := d.subs.Get(id)
	if !ok || s.Expired(now) {
		return graphapi.Subscription{}, false
	}
	st := d.state[key(s.ID)]
	if st == nil {
		st = &subState{id: s.ID, expires: s.ExpirationDateTime}
	}
	d.removeLocked(&s, st, now, "removed through the control plane")
	d.refresh(now)
	d.pump(now)
	return s, true
}
