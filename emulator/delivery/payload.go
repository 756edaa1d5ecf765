package delivery

import (
	"net/url"
	"time"

	"github.com/graphsec/graphsec/emulator/graphapi"
	"github.com/graphsec/graphsec/emulator/odata"
)

// ResourceDataType is the @odata.type of resourceData in a legacy alert
// notification. Microsoft publishes no sample for security alerts; the
// Event Grid sample shows an internal type name (#IsgWebApi...), which no
// client can rely on. The emulator writes the public entity type with the
// casing Graph's own notification samples use for theirs
// (#Microsoft.Graph.Message): #Microsoft.Graph.alert.
const ResourceDataType = "#Microsoft.Graph.alert"

// Lifecycle events (lifecycleEvent).
const (
	ReauthorizationRequired = "reauthorizationRequired"
	SubscriptionRemoved     = "subscriptionRemoved"
)

// alertResource is the resource path of a legacy alert, as a notification
// names it: security/alerts/{id}, the id path-escaped.
func alertResource(id string) string { return "security/alerts/" + url.PathEscape(id) }

// appendTime writes t as Graph writes DateTimeOffset values.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = odata.At(t).UTC().AppendFormat(b, "2006-01-02T15:04:05.0000000Z")
	return append(b, '"')
}

// appendNullable writes s, or null when it is empty (a subscription
// without clientState).
func appendNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return odata.AppendString(b, s)
}

// appendChange encodes one changeNotification (graph-api-facts.md §5.4):
// id, subscriptionId, subscriptionExpirationDateTime, tenantId,
// clientState, changeType, resource and resourceData, in that order.
func appendChange(b []byte, id string, s *graphapi.Subscription, changeType, alertID string) []byte {
	res := alertResource(alertID)
	b = append(b, `{"id":`...)
	b = odata.AppendString(b, id)
	b = appendSubscriptionFields(b, s)
	b = append(b, `,"changeType":`...)
	b = odata.AppendString(b, changeType)
	b = append(b, `,"resource":`...)
	b = odata.AppendString(b, res)
	b = append(b, `,"resourceData":{"@odata.type":"`+ResourceDataType+`","@odata.id":`...)
	b = odata.AppendString(b, res)
	b = append(b, `,"id":`...)
	b = odata.AppendString(b, alertID)
	return append(b, "}}"...)
}

// appendLifecycle encodes one lifecycle notification (§5.6): the
// subscription's fields and lifecycleEvent, no id and no resource data.
func appendLifecycle(b []byte, s *graphapi.Subscription, event string) []byte {
	start := len(b)
	b = appendSubscriptionFields(b, s)
	b[start] = '{' // the fields begin with a comma
	b = append(b, `,"lifecycleEvent":`...)
	b = odata.AppendString(b, event)
	return append(b, '}')
}

func appendSubscriptionFields(b []byte, s *graphapi.Subscription) []byte {
	b = append(b, `,"subscriptionId":`...)
	b = odata.AppendString(b, s.ID)
	b = append(b, `,"subscriptionExpirationDateTime":`...)
	b = appendTime(b, s.ExpirationDateTime)
	b = append(b, `,"tenantId":`...)
	b = odata.AppendString(b, s.TenantID)
	b = append(b, `,"clientState":`...)
	return appendNullable(b, s.ClientState)
}

// appendCollection writes a changeNotificationCollection of pre-encoded
// notifications.
func appendCollection(b []byte, items []*item) []byte {
	b = append(b, `{"value":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it.body...)
	}
	return append(b, "]}"...)
}
