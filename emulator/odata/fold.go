package odata

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The emulator compares strings without regard to case, as Entra ID's
// default collation does: two strings compare by their lower-case forms
// (unicode.ToLower applied code point by code point), then by code point.
// All helpers below follow that one definition so that eq, gt, in,
// startswith, endswith, contains and $orderby agree with each other. They
// take an ASCII fast path and never allocate for ASCII input.

// compareFold orders a and b by their lower-case forms.
func compareFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if ca|cb >= utf8.RuneSelf {
			return compareFoldRunes(a[i:], b[i:])
		}
		ca, cb = lowerASCII(ca), lowerASCII(cb)
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func compareFoldRunes(a, b string) int {
	for len(a) > 0 && len(b) > 0 {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		ra, rb = unicode.ToLower(ra), unicode.ToLower(rb)
		if ra != rb {
			if ra < rb {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case len(a) == 0 && len(b) == 0:
		return 0
	case len(a) == 0:
		return -1
	}
	return 1
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// foldLower is the lower-case form used by the substring functions. For
// invalid UTF-8 it agrees with compareFoldRunes (both see U+FFFD).
func foldLower(s string) string {
	if isASCII(s) {
		return strings.ToLower(s) // returns s itself when already lower
	}
	return strings.Map(unicode.ToLower, s)
}

// asciiEqualLower reports whether s (ASCII) equals lower (ASCII, already
// lower-case) ignoring the case of s.
func asciiEqualLower(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lowerASCII(s[i]) != lower[i] {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether s starts with a string whose lower-case
// form is lowerPrefix.
func hasPrefixFold(s, lowerPrefix string) bool {
	if isASCII(s) && isASCII(lowerPrefix) {
		return len(s) >= len(lowerPrefix) && asciiEqualLower(s[:len(lowerPrefix)], lowerPrefix)
	}
	return strings.HasPrefix(foldLower(s), lowerPrefix)
}

func hasSuffixFold(s, lowerSuffix string) bool {
	if isASCII(s) && isASCII(lowerSuffix) {
		return len(s) >= len(lowerSuffix) && asciiEqualLower(s[len(s)-len(lowerSuffix):], lowerSuffix)
	}
	return strings.HasSuffix(foldLower(s), lowerSuffix)
}

func containsFold(s, lowerSub string) bool {
	if isASCII(s) && isASCII(lowerSub) {
		for i := 0; i+len(lowerSub) <= len(s); i++ {
			if asciiEqualLower(s[i:i+len(lowerSub)], lowerSub) {
				return true
			}
		}
		return false
	}
	return strings.Contains(foldLower(s), lowerSub)
}
