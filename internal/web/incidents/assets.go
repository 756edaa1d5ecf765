package incidents

import (
	"cmp"
	"slices"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/page"
)

// The users and devices an incident affects, gathered from its alerts'
// evidence (the portal's Assets tab): each once, however many alerts name
// it, with how many do, linked to the alert queue filtered on it.

// asset is one user or device.
type asset struct {
	// Name is a user's principal name (or DOMAIN\account without one), a
	// device's DNS name (or host name); Detail a user's display name, a
	// device's platform.
	Name, Detail string
	// Href is the alert queue filtered on it, in every status ("" when the
	// queue cannot filter on what is known of it).
	Href string
	// Alerts is how many of the incident's alerts name it.
	Alerts int
}

// assetList is one kind of asset on the page: its element's id, its
// heading's key, the assets.
type assetList struct {
	ID, Key string
	List    []asset
}

// assets collects assets by a key (case does not tell two apart).
type assets struct {
	list  []asset
	index map[string]int
	seen  map[string]bool // key + alert: each alert counts once
}

func (as *assets) add(alertID, key string, a asset) {
	if key == "" {
		return
	}
	key = strings.ToLower(key)
	if as.index == nil {
		as.index, as.seen = map[string]int{}, map[string]bool{}
	}
	i, ok := as.index[key]
	if !ok {
		i = len(as.list)
		as.index[key] = i
		as.list = append(as.list, a)
	}
	if as.list[i].Detail == "" {
		as.list[i].Detail = a.Detail
	}
	if !as.seen[key+"\x00"+alertID] {
		as.seen[key+"\x00"+alertID] = true
		as.list[i].Alerts++
	}
}

// sorted lists the assets, the most alerts first, then by name.
func (as *assets) sorted() []asset {
	slices.SortStableFunc(as.list, func(a, b asset) int {
		return cmp.Or(cmp.Compare(b.Alerts, a.Alerts), cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)))
	})
	return as.list
}

// affected gathers the users and devices of the alerts' evidence.
func affected(alerts []graph.Alert) (users, devices []asset) {
	var us, ds assets
	for _, a := range alerts {
		for _, e := range a.Evidence {
			switch ev := e.(type) {
			case *graph.UserEvidence:
				if u := ev.UserAccount; u != nil {
					name := u.UserPrincipalName
					if name == "" && u.AccountName != "" {
						name = u.AccountName
						if u.DomainName != "" {
							name = u.DomainName + `\` + u.AccountName
						}
					}
					us.add(a.ID, name, asset{Name: name, Detail: u.DisplayName, Href: page.AlertsWith("user", u.UserPrincipalName)})
				}
			case *graph.DeviceEvidence:
				name := cmp.Or(ev.DeviceDNSName, ev.HostName)
				ds.add(a.ID, name, asset{Name: name, Detail: ev.OSPlatform, Href: page.AlertsWith("device", ev.DeviceDNSName)})
			}
		}
	}
	return us.sorted(), ds.sorted()
}
