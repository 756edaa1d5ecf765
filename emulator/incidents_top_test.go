package emulator_test

import (
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator"
)

// /security/incidents refuses $top above 50 with Graph's own message and
// pages at 50 without $top; other collections keep their limits.
func TestIncidentsTopLimit(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	base := emu.URL() + "/v1.0/security"
	first := call(t, "GET", base+"/incidents?$top=1", tok.app, nil).values()[0]["id"].(string)
	cases := []struct {
		name, path string
		status     int
		items      int // -1: do not check
		message    string
		next       bool
	}{
		{"$top=100", "/incidents?$top=100", 400, -1, "The limit of '50' for Top query has been exceeded. The value from the incoming request is '100'.", false},
		{"$top=51", "/incidents?$top=51", 400, -1, "The limit of '50' for Top query has been exceeded. The value from the incoming request is '51'.", false},
		{"$top=51 with $expand", "/incidents?$expand=alerts&$top=51", 400, -1, "The limit of '50'", false},
		{"$top=50", "/incidents?$top=50", 200, 50, "", true},
		{"no $top pages at 50", "/incidents", 200, 50, "", true},
		{"$top=0", "/incidents?$top=0", 200, 0, "", false},
		{"an incident's alerts keep the alerts limit", "/incidents/" + first + "/alerts?$top=100", 200, -1, "", false},
		{"alerts_v2 keeps its limit", "/alerts_v2?$top=100", 200, 100, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, "GET", base+tc.path, tok.app, nil)
			mustStatus(t, r, tc.status)
			if tc.status != 200 {
				if r.errorCode() != "BadRequest" || !strings.Contains(r.str("error", "message"), tc.message) {
					t.Fatalf("error %s %q, want BadRequest %q", r.errorCode(), r.str("error", "message"), tc.message)
				}
				return
			}
			if tc.items >= 0 && len(r.values()) != tc.items {
				t.Errorf("%d items, want %d", len(r.values()), tc.items)
			}
			if next := r.str("@odata.nextLink"); (next != "") != tc.next {
				t.Errorf("nextLink %q, want one: %v", next, tc.next)
			} else if next != "" && strings.HasPrefix(tc.path, "/incidents") && !strings.Contains(next, "$top=50") && !strings.Contains(next, "%24top=50") && strings.Contains(tc.path, "$top") {
				t.Errorf("nextLink %q lost $top", next)
			}
		})
	}
}
