// Package i18n makes the console bilingual, English and Japanese: message
// catalogs, language negotiation, labels for Graph's enum values, and every
// language-dependent format (numbers, counts, dates, relative times,
// durations, ranges). Pages use nothing else for text a person reads.
//
// # Use
//
// At start-up, parse the catalogs once; a malformed catalog is an error
// naming file:line, and the server should not start:
//
//	bundle, err := i18n.New(clk) // clk: the clock relative times use
//
// Per request, negotiate the language and make a printer for it and the
// user's time zone (UTC unless the user chose one):
//
//	p := bundle.ForRequest(r, time.UTC)
//	w.Header().Set("Content-Language", p.HTMLLang())
//	w.Header().Add("Vary", "Accept-Language, Cookie")
//
// Templates are parsed once for all requests, so the printer travels in the
// page data (here as .L) and templates call its methods:
//
//	<html lang="{{.L.HTMLLang}}">
//	<h1>{{.L.T "nav.alerts"}}</h1>
//	<p>{{$.L.Count "count.alerts" .Total}} · {{$.L.Range .From .To .Total}}</p>
//	<th>{{$.L.T "field.created"}} ({{$.L.Zone}})</th>
//	<td><time datetime="{{$.L.ISO .Created}}" title="{{$.L.TimeLong .Created}}">{{$.L.Rel .Created}}</time></td>
//	<td>{{with $.L.Enum .Severity}}<span title="{{.Raw}}">{{.Text}}</span>{{end}}</td>
//	<td>{{($.L.Category .Category).Text}}</td>
//	<p>{{$.L.T "error.throttled" "seconds" .Wait}}</p>
//
// Inside a {{define}} block called with other data, pass the printer along
// ({{template "pager" $.L}} or a struct holding it). A template set made
// for one printer (a mail body) can use [Printer.FuncMap] instead and call
// {{T "nav.alerts"}}. Go code (the alert rows written by hand in
// internal/web) calls the same methods.
//
// The printer's methods:
//
//   - T(key, name, value, …): a message; arguments are name/value pairs.
//   - Count(key, n): a message that counts, T(key, "n", n).
//   - N(v): a number with digit grouping: 1,234,567.
//   - Range(from, to, total): "26–50 of 400" / "400 件中 26～50 件".
//   - Time, TimeCompact, TimeLong, Date, ISO, Zone: absolute times in the
//     printer's zone, the zone always written or named (see below).
//   - Rel(t): "3 min ago", "in 2 h", "yesterday" / "3 分前", "2 時間後", "昨日".
//   - Dur(d): "2h 15m" / "2 時間 15 分".
//   - List(items): texts joined as the language writes a list ("a, b" /
//     "a、b"); Labels does the same for enum values.
//   - Enum(v) / Label(v): a Graph enum value (any type of package graph)
//     as EnumLabel{Text, Raw, Known} / as its text.
//   - EnumOf(namespace, raw), Category, LegacyCategory, ScoreCategory,
//     EvidenceType, Field, Role: labels for values that are plain strings.
//   - Lang, HTMLLang: the language; Lang.Name is its own name for a switch.
//
// Nothing panics and nothing renders empty. A missing key renders ⟦key⟧,
// a missing argument ⟦key:{name}⟧; both are mistakes tests catch:
// [AssertNoMarkers] on rendered pages, and [Bundle.CheckTemplate] and
// [Bundle.CheckGoFiles], which read every literal T and Count call and
// report unknown keys, missing arguments and unused ones:
//
//	for _, p := range bundle.CheckTemplate(pages["alerts"]) { t.Error(p) }
//
// # Time zones
//
// A printer has one zone, given when it is made (nil means UTC; a user's
// choice later is just another *time.Location). Time and TimeLong append
// the zone ("2026-12-04 16:24 UTC", "2026/12/05 01:24 JST", "UTC+05:30"
// where a zone has no abbreviation). TimeCompact leaves it out for table
// cells: name it once in the column header with Zone. Rel counts minutes
// and hours, then calendar days in the printer's zone, then writes the date;
// pair it with the absolute time in a title. ISO is RFC 3339 in UTC, for
// <time datetime>.
//
// # Language negotiation
//
// [Bundle.Negotiate] (and FromRequest, ForRequest) takes, in order: an
// explicit choice, the value of the cookie [CookieName] that the console's
// language switch sets with [LangCookie] ("en" or "ja"; "ja-JP" is read as
// "ja"); the best match for the Accept-Language header by x/text's
// language matcher ("fr, ja;q=0.5" gives Japanese, "fr" alone English);
// English. The header is read to 512 bytes, whole entries only.
//
// # Catalog files
//
// catalog/en.txt and catalog/ja.txt, embedded in the binary. The format is
// line-based so that a translator edits plain text and a reviewer reads a
// diff; it is parsed by hand so that every error names file:line:
//
//	# A comment (a line whose first non-blank character is #).
//	[nav]                       # a section: "nav." goes before the keys below
//	alerts = Alerts             # key = text; the key here is nav.alerts
//	signedInAs = Signed in as {name}
//
//	[count]
//	alerts[one] = {n} alert     # plural forms, chosen by the argument n
//	alerts[other] = {n} alerts
//
// Keys are dot-separated parts of ASCII letters, digits, _ and -. Text runs
// to the end of the line, trimmed; \n is a line break and \\ a backslash.
// {name} is a placeholder (a letter or _, then letters, digits, _); {{ and
// }} are literal braces. Messages are plain text: html/template escapes
// them, so never put markup in a catalog.
//
// Plural rules: the count is always the placeholder {n}. A language writes
// exactly the CLDR forms it uses for whole numbers (x/text's rules):
// English one and other, Japanese none (a plain line, or [other] alone).
// A message that uses {n} without forms in English is an error, so "1
// alerts" cannot happen; a number that needs no agreement ("retrying in
// {seconds} s") uses another name.
//
// Start-up fails, naming file:line, on any syntax error, a duplicate key, a
// missing or unused plural form, a label with a placeholder, or catalogs
// whose keys or placeholders differ. The tests check the same and more
// (every message renders in both languages; the Japanese style rules
// below; every Graph enum value, evidence type and evidence field has a
// label).
//
// # Adding a message
//
//  1. Pick a key in the section it belongs to (nav, action, filter, sort,
//     paging, count, empty, status, error, field, …, or a new section for a
//     page: [alertPage]).
//  2. Add it to catalog/en.txt and catalog/ja.txt, with the same
//     placeholders. English follows the Defender portal's words
//     (/work/shared/reference/defender-portal-ui.md); Japanese follows the
//     glossary (/work/shared/reference/ja-glossary.md).
//  3. Call it: {{$.L.T "alertPage.merge" "id" .ID}}. go test ./internal/i18n/
//     checks the catalogs; the page's tests (CheckTemplate, AssertNoMarkers)
//     check the call.
//
// # Labels of Graph values
//
// Enum labels live in sections named after the Go type in package graph:
// [enum.AlertStatus] inProgress = In progress. Enum finds the section from
// the value's type by reflection (no allocation), so a new enum type needs
// only its section. unknown and unknownFutureValue are labelled once in
// [enum.fallback] ("Unknown"/"不明", "Other (newer value)"/"その他 (新しい値)")
// unless a type overrides them (classification's unknown is "Not set"); an
// empty value reads "—". A member the catalog does not know yet reads as its
// raw value made readable ("microsoftDefenderForAIServices" → "Microsoft
// Defender For AI Services") with Known false and Raw kept for a title.
// Lookups try the exact value, then any case. Other sections: [category]
// (alerts_v2 category: MITRE ATT&CK tactics and Defender's own),
// [legacyCategory], [scoreCategory], [evidenceType] (userEvidence = User),
// [evidenceField] (JSON member names), [role] (Entra roles).
//
// The tests read graph/enums.go with go/parser and require a label in both
// catalogs for every constant of every enum type there, and no label for a
// member graph does not have; likewise for the evidence types (graph's
// TypeName methods plus the unmodelled types of the facts file) and every
// JSON member of graph's evidence structs.
//
// # Japanese style (from the glossary)
//
//   - Microsoft's own Japanese terms: 重大度 (not 重要度), 状態, 新規, 進行中,
//     解決済み, 真陽性, 誤検知 (not 偽陽性), 情報、予期されるアクティビティ,
//     未設定, 割り当て先, 自分に割り当て, 分類, 決定, サービス ソース, 検出ソース,
//     証拠, アラート (never 警告), セキュア スコア, グローバル管理者.
//   - A half-width space between katakana words (セキュア スコア, セキュリティ
//     オペレーター) but none between katakana and kanji or kana (変更通知,
//     ポリシー違反者).
//   - A half-width space between Japanese and Latin letters, digits or a
//     placeholder: IP アドレス, 30 日, {n} 件.
//   - Keep the long-vowel mark: ユーザー, フィルター, プロバイダー, サーバー.
//   - Product names stay in English: Microsoft Defender for Endpoint.
//   - Buttons are short nouns or dictionary forms ([保存], [適用],
//     [自分に割り当て]); sentences use です/ます and 「～してください」.
//   - Half-width parentheses, colon and percent; no full-width Latin letters
//     or digits, no full-width space. Ranges use ～ (400 件中 26～50 件).
//
// TestJapaneseStyle checks what a program can (spacing next to Latin text,
// full-width characters, long vowels, the variants to avoid).
package i18n
