package i18n

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseLang(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Lang
		ok   bool
	}{
		{"en", English, true}, {"ja", Japanese, true}, {"JA", Japanese, true}, {"ja-JP", Japanese, true},
		{"ja_JP", Japanese, true}, {"en-GB", English, true}, {"", English, false}, {"fr", English, false},
		{"jap", English, false}, {"j", English, false}, {"-ja", English, false}, {strings.Repeat("j", 100), English, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseLang(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ParseLang(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestNegotiate(t *testing.T) {
	b := testBundle(t)
	long := strings.Repeat("fr-FR;q=0.1, ", 60) + "ja"
	for _, tc := range []struct {
		name, cookie, accept string
		want                 Lang
	}{
		{"nothing", "", "", English},
		{"header ja", "", "ja", Japanese},
		{"header ja-JP with q", "", "ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", Japanese},
		{"header en first", "", "en-US,en;q=0.9,ja;q=0.8", English},
		{"header prefers ja by q", "", "en;q=0.5, ja;q=0.9", Japanese},
		{"unsupported then ja", "", "fr-FR, ja;q=0.5", Japanese},
		{"unsupported only", "", "fr-FR, de", English},
		{"wildcard", "", "*", English},
		{"garbage header", "", ";;;===,,,", English},
		{"cookie wins over header", "en", "ja", English},
		{"cookie ja", "ja", "en-US", Japanese},
		{"bad cookie falls to header", "klingon", "ja", Japanese},
		{"empty cookie falls to header", "", "ja-JP", Japanese},
		{"over-long header cut at an entry", "", long, English},
		{"over-long header without commas", "", strings.Repeat("a", 2000), English},
		{"script mismatch", "", "ja-Latn", English},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := b.Negotiate(tc.cookie, tc.accept); got != tc.want {
				t.Errorf("Negotiate(%q, %q) = %v, want %v", tc.cookie, tc.accept, got, tc.want)
			}
		})
	}
}

func TestFromRequest(t *testing.T) {
	b := testBundle(t)
	r := httptest.NewRequest("GET", "/alerts", nil)
	r.Header.Set("Accept-Language", "ja-JP")
	if got := b.FromRequest(r); got != Japanese {
		t.Errorf("header only: %v", got)
	}
	r.AddCookie(LangCookie(English, true))
	if got := b.FromRequest(r); got != English {
		t.Errorf("with cookie: %v", got)
	}
	p := b.ForRequest(r, nil)
	if p.HTMLLang() != "en" || p.Lang() != English || p.Location().String() != "UTC" {
		t.Errorf("printer: %v %v %v", p.HTMLLang(), p.Lang(), p.Location())
	}
	c := LangCookie(Japanese, false)
	if c.Name != CookieName || c.Value != "ja" || c.Path != "/" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge <= 0 {
		t.Errorf("cookie %+v", c)
	}
}

func TestLangs(t *testing.T) {
	ls := Langs()
	if len(ls) != 2 || ls[0] != English || ls[1] != Japanese {
		t.Fatalf("Langs() = %v", ls)
	}
	for _, tc := range []struct {
		l         Lang
		tag, name string
	}{{English, "en", "English"}, {Japanese, "ja", "日本語"}, {Lang(200), "en", "English"}} {
		if tc.l.Tag() != tc.tag || tc.l.Name() != tc.name || tc.l.String() != tc.tag {
			t.Errorf("%d: %q %q", tc.l, tc.l.Tag(), tc.l.Name())
		}
	}
	if p := testBundle(t).Printer(Lang(200), nil); p.Lang() != English {
		t.Error("an unknown Lang should print English")
	}
}

// FuzzNegotiate: any cookie and header give a language the console has,
// and an explicit valid choice always wins.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "ja", "en-US,en;q=0.9", "ja-JP;q=0.1,*;q=0.5", "x-klingon", "ja;q=abc", "zh-Hant-TW, ja;q=0.2", strings.Repeat("en,", 300)} {
		f.Add("", s)
		f.Add("ja", s)
	}
	b := testBundle(f)
	f.Fuzz(func(t *testing.T, cookie, accept string) {
		got := b.Negotiate(cookie, accept)
		if got >= numLangs {
			t.Fatalf("Negotiate(%q, %q) = %d", cookie, accept, got)
		}
		if l, ok := ParseLang(cookie); ok && got != l {
			t.Fatalf("cookie %q names %v, got %v", cookie, l, got)
		}
		if got.Tag() == "" || got.Name() == "" {
			t.Fatal("empty tag or name")
		}
	})
}
