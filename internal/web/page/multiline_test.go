package page

import (
	"strings"
	"testing"
)

func TestMultiline(t *testing.T) {
	name := T("field.comment")
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"  one\r\ntwo\t \n", "one\ntwo", true},
		{"", "", true},
		{strings.Repeat("é", 10), strings.Repeat("é", 10), true},
		{strings.Repeat("é", 11), "", false},
		{"bell\a", "", false},
		{"\xff", "", false},
	} {
		got, err := Multiline(name, tc.in, 10)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("Multiline(%q) = %q, %v", tc.in, got, err)
		}
	}
}
