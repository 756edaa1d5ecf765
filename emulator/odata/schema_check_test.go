package odata

import "testing"

// The synthetic data must itself be valid, or every test built on it
// proves little.
func TestGeneratedAlertsAreValid(t *testing.T) {
	s := newTestSchema()
	for i, d := range s.genAlerts(500, 1) {
		if err := Validate(d, s.alert); err != nil {
			t.Fatalf("alert %d: %v", i, err)
		}
	}
}
