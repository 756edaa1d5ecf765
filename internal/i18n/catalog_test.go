package i18n

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"

	"golang.org/x/text/feature/plural"
)

const (
	enForms = formSet(1<<plural.Other | 1<<plural.One)
	jaForms = formSet(1 << plural.Other)
)

// embedded returns the raw text of an embedded catalog.
func embedded(t testing.TB, l Lang) []byte {
	t.Helper()
	b, err := fs.ReadFile(catalogFS, "catalog/"+l.Tag()+".txt")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parsed returns the parsed embedded catalog of l.
func parsed(t testing.TB, l Lang) *catalog {
	t.Helper()
	c, err := parseCatalog(l.Tag()+".txt", embedded(t, l), integerForms(l.info().xtag))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIntegerForms(t *testing.T) {
	if got := integerForms(English.info().xtag); got != enForms {
		t.Errorf("English forms = %s, want one, other", got)
	}
	if got := integerForms(Japanese.info().xtag); got != jaForms {
		t.Errorf("Japanese forms = %s, want other", got)
	}
}

func TestParseCatalog(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		forms     formSet
		want      map[string]string // key → rendered with args x=X, n=2
		wantErr   []string          // substrings, in order
	}{
		{name: "plain", src: "a = Hello\nb.c = World", forms: enForms, want: map[string]string{"a": "Hello", "b.c": "World"}},
		{name: "section", src: "[nav]\nalerts = Alerts\n[]\ntop = Top", forms: enForms, want: map[string]string{"nav.alerts": "Alerts", "top": "Top"}},
		{name: "spaces and comments", src: "# c\n\n  [s]  \n\t k\t=\t v w  \r\n# = no", forms: enForms, want: map[string]string{"s.k": "v w"}},
		{name: "bom", src: "\uFEFFa = b", forms: enForms, want: map[string]string{"a": "b"}},
		{name: "placeholder", src: "a = x is {x}", forms: enForms, want: map[string]string{"a": "x is X"}},
		{name: "braces", src: "a = {{x}} and }}", forms: enForms, want: map[string]string{"a": "{x} and }"}},
		{name: "escapes", src: `a = C:\\temp\nnext`, forms: enForms, want: map[string]string{"a": "C:\\temp\nnext"}},
		{name: "equals in text", src: "a = x = y", forms: enForms, want: map[string]string{"a": "x = y"}},
		{name: "plural en", src: "c[one] = {n} thing\nc[other] = {n} things", forms: enForms, want: map[string]string{"c": "2 things"}},
		{name: "plural ja plain", src: "c = {n} 件", forms: jaForms, want: map[string]string{"c": "2 件"}},
		{name: "plural ja other", src: "c[other] = {n} 件", forms: jaForms, want: map[string]string{"c": "2 件"}},
		{name: "unicode key text", src: "a = アラート", forms: jaForms, want: map[string]string{"a": "アラート"}},

		{name: "no equals", src: "a = b\njust text", forms: enForms, wantErr: []string{"t.txt:2: expected \"key = text\""}},
		{name: "bad key", src: "a b = c", forms: enForms, wantErr: []string{"t.txt:1: key \"a b\""}},
		{name: "empty key part", src: "a..b = c", forms: enForms, wantErr: []string{"t.txt:1: key"}},
		{name: "bad section", src: "[a b]\nx = y", forms: enForms, wantErr: []string{"t.txt:1: section name"}},
		{name: "open section", src: "[a\nx = y", forms: enForms, wantErr: []string{"t.txt:1: section header"}},
		{name: "duplicate", src: "a = b\n\na = c", forms: enForms, wantErr: []string{"t.txt:3: a: duplicate key (first at t.txt:1)"}},
		{name: "duplicate across sections", src: "[s]\na = b\n[]\ns.a = c", forms: enForms, wantErr: []string{"t.txt:4: s.a: duplicate key"}},
		{name: "empty", src: "a =   ", forms: enForms, wantErr: []string{"t.txt:1: a: empty message"}},
		{name: "lone brace", src: "a = x }", forms: enForms, wantErr: []string{"t.txt:1: a: a lone }"}},
		{name: "open brace", src: "a = {x", forms: enForms, wantErr: []string{"t.txt:1: a: a { without its }"}},
		{name: "bad placeholder", src: "a = {1x}", forms: enForms, wantErr: []string{"t.txt:1: a: placeholder {1x}"}},
		{name: "empty placeholder", src: "a = {}", forms: enForms, wantErr: []string{"t.txt:1: a: placeholder {}"}},
		{name: "bad escape", src: `a = \t`, forms: enForms, wantErr: []string{`t.txt:1: a: unknown escape \t`}},
		{name: "trailing backslash", src: `a = x\`, forms: enForms, wantErr: []string{"t.txt:1: a: a backslash ends the line"}},
		{name: "bad utf8", src: "a = b\nc = \xff", forms: enForms, wantErr: []string{"t.txt:2: not valid UTF-8"}},
		{name: "unknown form", src: "c[single] = x", forms: enForms, wantErr: []string{"t.txt:1: c: unknown plural form"}},
		{name: "open form", src: "c[one = x", forms: enForms, wantErr: []string{"t.txt:1: plural form"}},
		{name: "missing form", src: "c[other] = {n} things", forms: enForms, wantErr: []string{"t.txt:1: c: missing plural form(s) one"}},
		{name: "extra form", src: "c[one] = a\nc[other] = b\nc[few] = c", forms: enForms, wantErr: []string{"t.txt:1: c: plural form(s) few are not used"}},
		{name: "ja one", src: "c[one] = a\nc[other] = b", forms: jaForms, wantErr: []string{"t.txt:1: c: plural form(s) one are not used"}},
		{name: "mixed plural", src: "c = a\nc[one] = b", forms: enForms, wantErr: []string{"t.txt:2: c: written both with and without"}},
		{name: "duplicate form", src: "c[one] = a\nc[one] = b\nc[other] = x", forms: enForms, wantErr: []string{"t.txt:2: c[one]: duplicate plural form"}},
		{name: "count without forms", src: "c = {n} things", forms: enForms, wantErr: []string{"t.txt:1: c: uses {n} (the count) but has no plural forms"}},
		{name: "label with placeholder", src: "[enum.AlertStatus]\nnew = New {x}", forms: enForms, wantErr: []string{"t.txt:2: enum.AlertStatus.new: a label takes no placeholders"}},
		{name: "several", src: "a\nb\n= c", forms: enForms, wantErr: []string{"t.txt:1:", "t.txt:2:", "t.txt:3: key \"\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseCatalog("t.txt", []byte(tc.src), tc.forms)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("no error, want %q", tc.wantErr)
				}
				msg := err.Error()
				for _, w := range tc.wantErr {
					i := strings.Index(msg, w)
					if i < 0 {
						t.Fatalf("error %q\nlacks %q", msg, w)
					}
					msg = msg[i+len(w):]
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b := &Bundle{clk: fixedClock}
			b.cats[English], b.cats[Japanese] = c, c
			p := b.Printer(English, nil)
			if tc.forms == jaForms {
				p = b.Printer(Japanese, nil)
			}
			for k, want := range tc.want {
				if got := p.T(k, "x", "X", "n", 2); got != want {
					t.Errorf("T(%q) = %q, want %q", k, got, want)
				}
			}
			if len(c.msgs) != len(tc.want) {
				t.Errorf("%d messages, want %d", len(c.msgs), len(tc.want))
			}
		})
	}
}

func TestParseCatalogTooManyErrors(t *testing.T) {
	src := strings.Repeat("bad line\n", 100)
	_, err := parseCatalog("t.txt", []byte(src), enForms)
	if err == nil {
		t.Fatal("no error")
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != maxErrors+1 {
		t.Errorf("%d errors reported, want %d", n, maxErrors+1)
	}
	if !strings.Contains(err.Error(), "too many errors") {
		t.Error("no 'too many errors'")
	}
}

// TestLoad covers what Load checks across files.
func TestLoad(t *testing.T) {
	good := fstest.MapFS{
		"en.txt": {Data: []byte("a = A {x}\nc[one] = {n} c\nc[other] = {n} cs")},
		"ja.txt": {Data: []byte("a = エー {x}\nc = {n} 件")},
	}
	if _, err := Load(good, nil); err != nil {
		t.Fatalf("good catalogs: %v", err)
	}
	for _, tc := range []struct {
		name string
		fs   fstest.MapFS
		want []string
	}{
		{"missing file", fstest.MapFS{"en.txt": good["en.txt"]}, []string{"catalog for 日本語"}},
		{"extra file", fstest.MapFS{"en.txt": good["en.txt"], "ja.txt": good["ja.txt"], "fr.txt": good["en.txt"]}, []string{"fr.txt is not a catalog"}},
		{"syntax", fstest.MapFS{"en.txt": good["en.txt"], "ja.txt": {Data: []byte("a = x\nb")}}, []string{"ja.txt:2: expected"}},
		{"key only in en", fstest.MapFS{"en.txt": {Data: []byte("a = A {x}\nb = B")}, "ja.txt": good["ja.txt"]}, []string{"ja.txt: b is missing (defined at en.txt:2)", "ja.txt:2: c is not in en.txt"}},
		{"key only in ja", fstest.MapFS{"en.txt": {Data: []byte("a = A {x}\nc[one] = {n} c\nc[other] = {n} cs")}, "ja.txt": {Data: []byte("a = エー {x}\nc = {n} 件\nz = ゼット")}}, []string{"ja.txt:3: z is not in en.txt"}},
		{"placeholders differ", fstest.MapFS{"en.txt": good["en.txt"], "ja.txt": {Data: []byte("a = エー {y}\nc = {n} 件")}}, []string{"ja.txt:1: a has placeholders {y} but en.txt:1 has {x}"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.fs, nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

// TestCatalogsMatch is the parity test: both catalogs have exactly the
// same keys, and every message the same placeholders in both. (Load
// refuses catalogs that differ; this lists every difference at once.)
func TestCatalogsMatch(t *testing.T) {
	en := parsed(t, English)
	for l := English + 1; l < numLangs; l++ {
		t.Run(l.Tag(), func(t *testing.T) {
			for _, d := range compareCatalogs(en, parsed(t, l)) {
				t.Error(d)
			}
		})
	}
	if _, err := New(nil); err != nil {
		t.Fatalf("New: %v", err)
	}
}

// TestEveryMessageRenders renders every message of every language with a
// value for each placeholder: no marker, nothing empty, no placeholder
// left unfilled.
func TestEveryMessageRenders(t *testing.T) {
	b := testBundle(t)
	for _, l := range Langs() {
		t.Run(l.Tag(), func(t *testing.T) {
			p := b.Printer(l, nil)
			for _, key := range b.Keys() {
				args, _, _ := b.Args(key)
				var pairs []any
				for _, a := range args {
					pairs = append(pairs, a, 7)
				}
				if !slices.Contains(args, "n") {
					pairs = append(pairs, "n", 7)
				}
				for _, n := range []int{0, 1, 7} {
					pairs[len(pairs)-1] = n
					got := p.T(key, pairs...)
					if strings.TrimSpace(got) == "" || len(FindMarkers(got)) > 0 || strings.ContainsAny(got, "{}") {
						t.Errorf("%s (n=%d) renders %q", key, n, got)
					}
				}
			}
		})
	}
}

// japanese reports whether r is kana or a kanji.
func japanese(r rune) bool {
	return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) && r != '・'
}

func latin(r rune) bool {
	return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '{' || r == '}')
}

// messageTexts yields every form of every message of c as written (with
// placeholders).
func messageTexts(c *catalog) map[string][]string {
	out := map[string][]string{}
	for key, m := range c.msgs {
		for _, pat := range m.forms {
			if pat == nil {
				continue
			}
			var b strings.Builder
			for _, pt := range pat.parts {
				if pt.arg != "" {
					b.WriteString("{" + pt.arg + "}")
				} else {
					b.WriteString(pt.text)
				}
			}
			out[key] = append(out[key], b.String())
		}
	}
	return out
}

// TestJapaneseStyle checks the writing rules of the glossary that a
// program can check: a half-width space between Japanese and Latin
// letters, digits or a placeholder; no full-width Latin letters, digits or
// space; no half-width katakana; the long-vowel mark kept; and Microsoft's
// chosen term where its Japanese docs vary.
func TestJapaneseStyle(t *testing.T) {
	c := parsed(t, Japanese)
	// Words Microsoft writes with a trailing ー.
	longVowel := []string{"ユーザ", "フィルタ", "プロバイダ", "サーバ", "コンピュータ", "パラメータ", "エミュレータ", "コントローラ", "ヘッダ", "マネージャ", "ブラウザ", "スキャナ", "メンバ", "クラスタ", "コンテナ", "オペレータ"}
	// Variants the glossary says not to use, with the term to use instead.
	avoid := map[string]string{
		"警告": "アラート", "重要度": "重大度", "偽陽性": "誤検知", "セキュリティ スコア": "セキュア スコア",
		"全体管理者": "グローバル管理者", "ユーザ ": "ユーザー", "インターフェース": "インターフェイス",
	}
	for key, texts := range messageTexts(c) {
		for _, s := range texts {
			rs := []rune(s)
			for i, r := range rs {
				switch {
				case r == '\u3000':
					t.Errorf("%s: %q has a full-width space", key, s)
				case r >= 0xFF01 && r <= 0xFF5D:
					t.Errorf("%s: %q has the full-width character %q (write it half-width)", key, s, r)
				case r >= 0xFF61 && r <= 0xFF9F:
					t.Errorf("%s: %q has half-width katakana %q", key, s, r)
				}
				if i > 0 && (japanese(rs[i-1]) && latin(r) || latin(rs[i-1]) && japanese(r)) {
					t.Errorf("%s: %q needs a half-width space between %q and %q", key, s, rs[i-1], r)
				}
			}
			for _, w := range longVowel {
				for rest := s; ; {
					i := strings.Index(rest, w)
					if i < 0 {
						break
					}
					rest = rest[i+len(w):]
					if !strings.HasPrefix(rest, "ー") {
						t.Errorf("%s: %q writes %s without its ー", key, s, w)
					}
				}
			}
			for bad, good := range avoid {
				if strings.Contains(s, bad) {
					t.Errorf("%s: %q uses %q; the glossary's term is %q", key, s, bad, good)
				}
			}
		}
	}
}

// TestEnglishHasNoJapanese catches a Japanese text pasted into en.txt.
func TestEnglishHasNoJapanese(t *testing.T) {
	for key, texts := range messageTexts(parsed(t, English)) {
		for _, s := range texts {
			if strings.IndexFunc(s, japanese) >= 0 {
				t.Errorf("%s: %q is Japanese", key, s)
			}
		}
	}
}

// TestGlossaryTerms pins the labels an analyst sees most to Microsoft's
// own words: the Defender portal's English and the glossary's Japanese
// (/work/shared/reference/ja-glossary.md).
func TestGlossaryTerms(t *testing.T) {
	b := testBundle(t)
	for _, tc := range []struct{ key, en, ja string }{
		{"field.severity", "Severity", "重大度"},
		{"field.status", "Status", "状態"},
		{"field.classification", "Classification", "分類"},
		{"field.determination", "Determination", "決定"},
		{"field.assignedTo", "Assigned to", "割り当て先"},
		{"field.serviceSource", "Service source", "サービス ソース"},
		{"field.detectionSource", "Detection source", "検出ソース"},
		{"field.evidence", "Evidence", "証拠"},
		{"field.category", "Category", "カテゴリ"},
		{"field.investigationState", "Investigation state", "調査の状態"},
		{"field.firstActivity", "First activity", "最初のアクティビティ"},
		{"field.recommendedActions", "Recommended actions", "推奨されるアクション"},
		{"action.assignToMe", "Assign to me", "自分に割り当て"},
		{"action.save", "Save", "保存"},
		{"action.cancel", "Cancel", "キャンセル"},
		{"action.apply", "Apply", "適用"},
		{"action.reset", "Reset", "リセット"},
		{"action.copy", "Copy", "コピー"},
		{"nav.alerts", "Alerts", "アラート"},
		{"nav.incidents", "Incidents", "インシデント"},
		{"nav.secureScore", "Secure score", "セキュア スコア"},
		{"nav.securityActions", "Security actions", "セキュリティ アクション"},
		{"nav.signIn", "Sign in", "サインイン"},
		{"nav.signOut", "Sign out", "サインアウト"},
		{"filter.filters", "Filters", "フィルター"},
		{"sort.sort", "Sort", "並べ替え"},
		{"empty.noResults", "No results", "結果はありません"},
		{"role.securityReader", "Security Reader", "セキュリティ閲覧者"},
		{"role.securityOperator", "Security Operator", "セキュリティ オペレーター"},
		{"role.securityAdministrator", "Security Administrator", "セキュリティ管理者"},
		{"role.globalAdministrator", "Global Administrator", "グローバル管理者"},
		{"enum.AlertStatus.new", "New", "新規"},
		{"enum.AlertStatus.inProgress", "In progress", "進行中"},
		{"enum.AlertStatus.resolved", "Resolved", "解決済み"},
		{"enum.IncidentStatus.active", "Active", "アクティブ"},
		{"enum.AlertSeverity.informational", "Informational", "情報"},
		{"enum.AlertSeverity.high", "High", "高"},
		{"enum.AlertClassification.unknown", "Not set", "未設定"},
		{"enum.AlertClassification.truePositive", "True positive", "真陽性"},
		{"enum.AlertClassification.falsePositive", "False positive", "誤検知"},
		{"enum.AlertClassification.informationalExpectedActivity", "Informational, expected activity", "情報、予期されるアクティビティ"},
		{"enum.AlertDetermination.securityTesting", "Security testing", "セキュリティ テスト"},
		{"enum.AlertDetermination.multiStagedAttack", "Multi-staged attack", "マルチステージ攻撃"},
		{"enum.ServiceSource.microsoftDefenderForEndpoint", "Microsoft Defender for Endpoint", "Microsoft Defender for Endpoint"},
		{"enum.ServiceSource.microsoft365Defender", "Microsoft Defender XDR", "Microsoft Defender XDR"},
		{"enum.EvidenceVerdict.malicious", "Malicious", "悪意のある"},
		{"enum.EvidenceVerdict.noThreatsFound", "Clean", "脅威は見つかりませんでした"},
		{"enum.fallback.unknownFutureValue", "Other (newer value)", "その他 (新しい値)"},
		{"category.InitialAccess", "Initial access", "初期アクセス"},
		{"category.LateralMovement", "Lateral movement", "横移動"},
		{"evidenceType.userEvidence", "User", "ユーザー"},
		{"evidenceType.deviceEvidence", "Device", "デバイス"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			if got := b.Printer(English, nil).T(tc.key); got != tc.en {
				t.Errorf("en = %q, want %q", got, tc.en)
			}
			if got := b.Printer(Japanese, nil).T(tc.key); got != tc.ja {
				t.Errorf("ja = %q, want %q", got, tc.ja)
			}
		})
	}
}

// FuzzParseCatalog: any input either fails with file:line errors or
// parses into messages that all render.
func FuzzParseCatalog(f *testing.F) {
	f.Add(embedded(f, English), false)
	f.Add(embedded(f, Japanese), true)
	for _, s := range []string{"a = b", "[s]\nk = {x} {{y}}", "c[one] = {n}\nc[other] = {n}s", "a = \\n\\\\", "[", "a[", "a = {", "}", "a = }}{{"} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, src []byte, ja bool) {
		forms := enForms
		if ja {
			forms = jaForms
		}
		c, err := parseCatalog("f.txt", src, forms)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "f.txt") {
					t.Fatalf("error line %q does not name the file", line)
				}
			}
			return
		}
		b := &Bundle{clk: fixedClock}
		b.cats[English], b.cats[Japanese] = c, c
		p := b.Printer(English, nil)
		for key, m := range c.msgs {
			if m.forms[plural.Other] == nil {
				t.Fatalf("%s has no other form", key)
			}
			if got := p.T(key, "n", 1); got == "" {
				t.Fatalf("%s renders empty", key)
			}
		}
	})
}

// ExampleBundle_Printer shows a page's strings through a printer.
func ExampleBundle_Printer() {
	b, err := New(fixedClock)
	if err != nil {
		panic(err)
	}
	for _, l := range Langs() {
		p := b.Printer(l, nil)
		fmt.Println(p.T("nav.alerts"), "|", p.Count("count.alerts", 1), "|", p.Count("count.alerts", 1234), "|", p.Range(26, 50, 400))
	}
	// Output:
	// Alerts | 1 alert | 1,234 alerts | 26–50 of 400
	// アラート | 1 件のアラート | 1,234 件のアラート | 400 件中 26～50 件
}
