package i18n

import (
	"reflect"
	"strings"
)

// Label namespaces besides "enum.<Type>": the catalog sections that label
// Graph values which are plain strings in the API.
const (
	nsCategory       = "category"       // alerts_v2 category: MITRE ATT&CK tactics and Defender's own
	nsLegacyCategory = "legacyCategory" // legacy alert category
	nsScoreCategory  = "scoreCategory"  // secure score control category
	nsScoreValue     = "scoreValue"     // secure score strings: tiers, impacts, action types, threats, bases, services
	nsEvidenceType   = "evidenceType"   // evidence @odata.type, without namespace
	nsEvidenceField  = "evidenceField"  // evidence JSON member name
	nsRole           = "role"           // Entra role, by its camelCase name
	nsFallback       = "enum.fallback"  // shared labels: unknown, unknownFutureValue, empty
)

// The Graph members that every enum shares; their labels live once in
// [enum.fallback] unless a type's own section overrides them.
const (
	rawUnknown       = "unknown"
	rawFutureValue   = "unknownFutureValue"
	fallbackEmptyKey = "empty"
)

// EnumLabel is a value as the console shows it: Text to read, Raw as
// Graph sent it (for a title attribute, a filter value or a URL).
//
//	{{with $.L.Enum .Severity}}<span title="{{.Raw}}">{{.Text}}</span>{{end}}
type EnumLabel struct {
	Text string
	Raw  string
	// Known is false when the catalog has no label for Raw (a member
	// Graph added after this build): Text is then Raw made readable,
	// "microsoftDefenderForAIServices" → "Microsoft Defender For AI
	// Services".
	Known bool
}

// String returns Text.
func (l EnumLabel) String() string { return l.Text }

// Label is Enum(v).Text.
func (p *Printer) Label(v any) string { return p.Enum(v).Text }

// Enum labels a value of any Graph enum type (graph.AlertStatus,
// graph.ServiceSource, …), or a pointer to one. The label comes from the
// catalog section [enum.<TypeName>]; unknown and unknownFutureValue fall
// back to [enum.fallback] ("Other (newer value)"); a member the catalog
// does not know is made readable from its raw value. A type with no
// section at all renders a marker (⟦enum.Type⟧): every type of
// graph/enums.go has one, and a test keeps it so.
func (p *Printer) Enum(v any) EnumLabel {
	l, ok := p.enumOf(v)
	if !ok {
		name := "?"
		if t := reflect.TypeOf(v); t != nil {
			name = t.String()
		}
		return EnumLabel{Text: marker("enum." + name)}
	}
	return l
}

// Labels labels a list of enum values (an evidence's Roles, say) and joins
// them as the language writes a list: "Attacker, Compromised" /
// "攻撃者、侵害された". An empty list writes nothing.
func (p *Printer) Labels(list any) string {
	rv := reflect.ValueOf(list)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return p.Label(list)
	}
	var b strings.Builder
	for i := range rv.Len() {
		if i > 0 {
			b.WriteString(p.lang.info().listSep)
		}
		b.WriteString(p.Label(rv.Index(i).Interface()))
	}
	return b.String()
}

// List joins texts as the language writes a list: "New, In progress" /
// "新規、進行中".
func (p *Printer) List(items []string) string { return strings.Join(items, p.lang.info().listSep) }

// enumOf labels v when it is a string type with an [enum.<Type>] section.
// It reads v through reflect without keeping it, so that the conversion to
// any at the call site does not allocate.
func (p *Printer) enumOf(v any) (EnumLabel, bool) {
	t := reflect.TypeOf(v)
	if t == nil {
		return EnumLabel{}, false
	}
	rv := reflect.ValueOf(v)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
		if rv.IsNil() {
			if t.Kind() == reflect.String && p.c.enums[t.Name()] != nil {
				return p.lookup(p.c.enums[t.Name()], ""), true
			}
			return EnumLabel{}, false
		}
		rv = rv.Elem()
	}
	if t.Kind() != reflect.String || t.Name() == "string" {
		return EnumLabel{}, false
	}
	ns := p.c.enums[t.Name()]
	if ns == nil {
		return EnumLabel{}, false
	}
	return p.lookup(ns, rv.String()), true
}

// EnumOf labels raw in a namespace: "enum.AlertStatus", "category",
// "legacyCategory", "scoreCategory", "evidenceType", "evidenceField",
// "role". For an enum value in a plain string (a form value, say):
// {{$.L.EnumOf "enum.AlertStatus" .Value}}.
func (p *Printer) EnumOf(namespace, raw string) EnumLabel {
	ns := p.c.labels[namespace]
	if ns == nil {
		return EnumLabel{Text: marker(namespace), Raw: raw}
	}
	return p.lookup(ns, raw)
}

// Category labels an alerts_v2 category: a MITRE ATT&CK tactic as Graph
// writes it ("InitialAccess" → "Initial access" / "初期アクセス") or one of
// Defender's own ("Ransomware", "SuspiciousActivity", …).
func (p *Printer) Category(raw string) EnumLabel { return p.EnumOf(nsCategory, raw) }

// LegacyCategory labels a legacy alert's category ("impossibleTravel").
func (p *Printer) LegacyCategory(raw string) EnumLabel { return p.EnumOf(nsLegacyCategory, raw) }

// ScoreCategory labels a secure score control category ("Identity").
func (p *Printer) ScoreCategory(raw string) EnumLabel { return p.EnumOf(nsScoreCategory, raw) }

// ScoreValue labels one of the plain strings of secure scores and their
// control profiles: a tier ("Defense in Depth"), a user impact or an
// implementation cost ("Moderate"), an action type, a threat
// ("accountBreach"), a comparison's basis ("AllTenants") or an enabled
// service ("HasExchange"). A value the catalogs do not know is shown
// made readable.
// Catalog keys have no spaces: "Defense in Depth" is found as
// "DefenseinDepth" (and "Account Breach" as "accountBreach", without
// regard to case).
func (p *Printer) ScoreValue(raw string) EnumLabel {
	l := p.EnumOf(nsScoreValue, strings.ReplaceAll(raw, " ", ""))
	if !l.Known && raw != "" {
		l.Text = raw
	}
	l.Raw = raw
	return l
}

// Role labels an Entra role by its camelCase name ("securityReader").
func (p *Printer) Role(raw string) EnumLabel { return p.EnumOf(nsRole, raw) }

// Field labels an evidence member by its JSON name ("deviceDnsName" →
// "Device DNS name" / "デバイス DNS 名").
func (p *Printer) Field(name string) EnumLabel { return p.EnumOf(nsEvidenceField, name) }

// evidencePrefix is the namespace of evidence @odata.type values.
const evidencePrefix = "microsoft.graph.security."

// EvidenceType labels an evidence type, given as its @odata.type
// ("#microsoft.graph.security.userEvidence") or its bare name
// ("userEvidence"): "User" / "ユーザー". Raw is the value as given; an
// unknown type reads "Kubernetes Pod" for kubernetesPodEvidence.
func (p *Printer) EvidenceType(odataType string) EnumLabel {
	name := strings.TrimPrefix(odataType, "#")
	if len(name) >= len(evidencePrefix) && strings.EqualFold(name[:len(evidencePrefix)], evidencePrefix) {
		name = name[len(evidencePrefix):]
	}
	l := p.EnumOf(nsEvidenceType, name)
	l.Raw = odataType
	if !l.Known && name != "" {
		short := name
		if len(short) > len("Evidence") && strings.EqualFold(short[len(short)-len("Evidence"):], "Evidence") {
			short = short[:len(short)-len("Evidence")]
		}
		l.Text = humanize(short)
	}
	return l
}

// lookup finds raw in ns: exactly, then in any case, then the shared
// fallbacks; otherwise raw made readable.
func (p *Printer) lookup(ns *labelNS, raw string) EnumLabel {
	if text, ok := ns.exact[raw]; ok {
		return EnumLabel{Text: text, Raw: raw, Known: true}
	}
	if text, ok := lookupFold(ns.fold, raw); ok {
		return EnumLabel{Text: text, Raw: raw, Known: true}
	}
	if fb := p.c.labels[nsFallback]; fb != nil {
		key := raw
		if raw == "" {
			key = fallbackEmptyKey
		}
		if text, ok := fb.exact[key]; ok {
			return EnumLabel{Text: text, Raw: raw, Known: raw != ""}
		}
		if text, ok := lookupFold(fb.fold, key); ok {
			return EnumLabel{Text: text, Raw: raw, Known: true}
		}
	}
	return EnumLabel{Text: humanize(raw), Raw: raw}
}

// lookupFold looks raw up by its lower-case form without allocating for
// values up to 64 bytes.
func lookupFold(m map[string]string, raw string) (string, bool) {
	var buf [64]byte
	if len(raw) > len(buf) {
		text, ok := m[strings.ToLower(raw)]
		return text, ok
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	text, ok := m[string(buf[:len(raw)])]
	return text, ok
}

// humanize makes a camelCase or PascalCase API value readable: words are
// split at case changes and before digits, and each starts with a capital.
// "microsoftDefenderForAIServices" → "Microsoft Defender For AI Services",
// "microsoft365Defender" → "Microsoft 365 Defender". Separators (_ - . and
// space) become single spaces. Non-ASCII text is kept as it is.
func humanize(raw string) string {
	if raw == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(raw) + 8)
	wordStart := true // the next letter begins a word
	space := false    // a space is owed before the next character
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '_' || c == '-' || c == '.' || c == ' ' {
			if b.Len() > 0 {
				space = true
			}
			wordStart = true
			continue
		}
		if i > 0 && !wordStart && boundary(raw, i) {
			space, wordStart = true, true
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if wordStart && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		b.WriteByte(c)
		wordStart = false
	}
	return b.String()
}

// boundary reports whether a new word starts at raw[i].
func boundary(raw string, i int) bool {
	prev, c := raw[i-1], raw[i]
	switch {
	case isLower(prev) && isUpper(c): // fooBar
		return true
	case (isLower(prev) || isUpper(prev)) && isDigit(c): // office365
		return true
	case isDigit(prev) && isUpper(c): // 365Defender
		return true
	case isUpper(prev) && isUpper(c) && i+1 < len(raw) && isLower(raw[i+1]): // AIServices
		return true
	}
	return false
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
