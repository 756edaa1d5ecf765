package score

import (
	"strings"
	"testing"
)

func TestPlainText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Require MFA.<br><br>1. Go to the <a href=\"https://entra.microsoft.com/#x\" target=\"_blank\">Entra admin center</a>.<br>2. Select <b>Save</b>.",
			"Require MFA.\n\n1. Go to the Entra admin center (https://entra.microsoft.com/#x).\n2. Select Save."},
		{"<p>One</p><p>Two &amp; three</p>", "One\nTwo & three"},
		{"<ul><li>a</li><li>b</li></ul>", "• a\n• b"},
		{"x <script>alert(1)</script> y", "x y"},
		{"<a href='javascript:alert(1)'>click</a>", "click"},
		{"a < b and c > d", "a < b and c > d"},
		{"unterminated <b", "unterminated <b"},
		{"<img src=x onerror=alert(1)>text", "text"},
		{"&lt;b&gt;escaped&lt;/b&gt;", "<b>escaped</b>"},
		{"", ""},
	} {
		if got := plainText(tc.in); got != tc.want {
			t.Errorf("plainText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzPlainText: never panics, keeps no tag Graph sent, and is bounded.
func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"<b>x</b>", "<a href=\"https://x\">y</a>", "<<<>>>", "<script>", "a<br/>b", "<a href='x>y'>z</a>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := plainText(s)
		if len(out) > 4*maxRemediation {
			t.Fatalf("output of %d bytes", len(out))
		}
		if strings.Contains(s, "<script>") && !strings.Contains(s, "&lt;script") && strings.Contains(out, "<script>") && !strings.Contains(strings.ReplaceAll(s, "<script>", ""), "script") {
			t.Fatalf("a script tag survived: %q → %q", s, out)
		}
	})
}
