package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/graphsec/graphsec/graph"
)

// graphEnums reads graph/enums.go and returns every enum type declared
// there (type X string) with its constants' values, in source order. The
// labels' completeness test is built on it, so a member or a type added to
// graph/enums.go fails the test until both catalogs label it.
func graphEnums(t *testing.T) (types []string, members map[string][]string) {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "../../graph/enums.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	members = map[string][]string{}
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, spec := range gd.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				if id, ok := s.Type.(*ast.Ident); ok && id.Name == "string" {
					types = append(types, s.Name.Name)
				}
			case *ast.ValueSpec:
				typ, ok := s.Type.(*ast.Ident)
				if gd.Tok != token.CONST || !ok || len(s.Values) != len(s.Names) {
					continue
				}
				for _, v := range s.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s: a constant of %s is not a string literal", fset.Position(v.Pos()), typ.Name)
					}
					val, _ := strconv.Unquote(lit.Value)
					members[typ.Name] = append(members[typ.Name], val)
				}
			}
		}
	}
	if len(types) < 40 {
		t.Fatalf("found only %d enum types in graph/enums.go; has the file moved?", len(types))
	}
	for _, typ := range types {
		if len(members[typ]) == 0 {
			t.Errorf("graph.%s has no constants", typ)
		}
	}
	return types, members
}

// TestEveryGraphEnumLabelled: every constant of every enum type in
// graph/enums.go has a label in both catalogs (its own, or the shared one
// for unknown and unknownFutureValue), and no catalog section labels a
// member that graph does not have (a misspelt key would otherwise hide).
func TestEveryGraphEnumLabelled(t *testing.T) {
	types, members := graphEnums(t)
	b := testBundle(t)
	for _, l := range Langs() {
		p := b.Printer(l, nil)
		t.Run(l.Tag(), func(t *testing.T) {
			for _, typ := range types {
				ns := p.c.enums[typ]
				if ns == nil {
					t.Errorf("%s has no [enum.%s] section", p.c.file, typ)
					continue
				}
				for _, v := range members[typ] {
					got := p.EnumOf("enum."+typ, v)
					if !got.Known || got.Text == "" || len(FindMarkers(got.Text)) > 0 || got.Raw != v {
						t.Errorf("graph.%s %q: label %+v", typ, v, got)
					}
				}
				for v := range ns.exact {
					if !slices.Contains(members[typ], v) {
						t.Errorf("%s: enum.%s.%s labels a member graph.%s does not have", p.c.file, typ, v, typ)
					}
				}
			}
			for typ := range p.c.enums {
				if typ != "fallback" && !slices.Contains(types, typ) {
					t.Errorf("%s: [enum.%s] is not a type of graph/enums.go", p.c.file, typ)
				}
			}
		})
	}
}

// TestEnumDispatch: Enum finds the section from the Go type of a real
// graph value, and of a pointer to one.
func TestEnumDispatch(t *testing.T) {
	b := testBundle(t)
	en, ja := b.Printer(English, nil), b.Printer(Japanese, nil)
	sev := graph.AlertSeverityHigh
	var nilSev *graph.AlertSeverity
	for _, tc := range []struct {
		name   string
		v      any
		en, ja string
		raw    string
		known  bool
	}{
		{"status", graph.AlertStatusInProgress, "In progress", "進行中", "inProgress", true},
		{"pointer", &sev, "High", "高", "high", true},
		{"nil pointer", nilSev, "—", "—", "", false},
		{"empty", graph.AlertClassification(""), "—", "—", "", false},
		{"type's own unknown", graph.AlertClassificationUnknown, "Not set", "未設定", "unknown", true},
		{"shared unknown", graph.AlertSeverityUnknown, "Unknown", "不明", "unknown", true},
		{"unknownFutureValue", graph.ServiceSourceUnknownFutureValue, "Other (newer value)", "その他 (新しい値)", "unknownFutureValue", true},
		{"case differs", graph.AlertStatus("INPROGRESS"), "In progress", "進行中", "INPROGRESS", true},
		{"new member", graph.ServiceSource("microsoftDefenderForAIServices"), "Microsoft Defender For AI Services", "Microsoft Defender For AI Services", "microsoftDefenderForAIServices", false},
		{"legacy", graph.LegacyAlertStatusNewAlert, "New", "新規", "newAlert", true},
		{"operation status", graph.OperationStatusNotStarted, "Not started", "未開始", "NotStarted", true},
		{"evidence verdict", graph.EvidenceVerdictNoThreatsFound, "Clean", "脅威は見つかりませんでした", "noThreatsFound", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ge, gj := en.Enum(tc.v), ja.Enum(tc.v)
			if ge.Text != tc.en || gj.Text != tc.ja || ge.Raw != tc.raw || gj.Raw != tc.raw || ge.Known != tc.known || gj.Known != tc.known {
				t.Errorf("Enum(%#v) = %+v / %+v, want %q / %q raw %q known %v", tc.v, ge, gj, tc.en, tc.ja, tc.raw, tc.known)
			}
			if en.Label(tc.v) != tc.en || ge.String() != tc.en {
				t.Errorf("Label/String = %q/%q", en.Label(tc.v), ge.String())
			}
		})
	}
	type notAnEnum string
	for _, v := range []any{nil, "inProgress", notAnEnum("x"), 42, struct{}{}} {
		if got := en.Enum(v); len(FindMarkers(got.Text)) != 1 {
			t.Errorf("Enum(%#v) = %+v, want a marker", v, got)
		}
	}
}

// graphEvidenceTypes reads the modelled evidence type names from the
// TypeName methods of graph/evidence.go.
func graphEvidenceTypes(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "../../graph/evidence.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{} // Go type → evidence name
	for _, decl := range file.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Name.Name != "TypeName" || fd.Recv == nil || fd.Body == nil || len(fd.Body.List) != 1 {
			continue
		}
		star, ok := fd.Recv.List[0].Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		ret, ok := fd.Body.List[0].(*ast.ReturnStmt)
		if !ok || len(ret.Results) != 1 {
			continue
		}
		bin, ok := ret.Results[0].(*ast.BinaryExpr)
		if !ok {
			continue
		}
		lit, ok := bin.Y.(*ast.BasicLit)
		if !ok {
			continue
		}
		name, _ := strconv.Unquote(lit.Value)
		out[star.X.(*ast.Ident).Name] = name
	}
	if len(out) < 18 {
		t.Fatalf("found only %d evidence types in graph/evidence.go", len(out))
	}
	return out
}

// unmodelledEvidence are the evidence types graph-api-facts §2 names
// without members; graph decodes them as UnknownEvidence, and the console
// still labels them.
var unmodelledEvidence = []string{
	"activeDirectoryDomainEvidence", "aiAgentEvidence", "amazonResourceEvidence", "azureResourceEvidence",
	"blobContainerEvidence", "blobEvidence", "cloudLogonRequestEvidence", "cloudLogonSessionEvidence",
	"containerEvidence", "containerImageEvidence", "containerRegistryEvidence", "gitHubOrganizationEvidence",
	"gitHubRepoEvidence", "gitHubUserEvidence", "googleCloudResourceEvidence", "hostLogonSessionEvidence",
	"ioTDeviceEvidence", "kubernetesClusterEvidence", "kubernetesControllerEvidence", "kubernetesNamespaceEvidence",
	"kubernetesPodEvidence", "kubernetesSecretEvidence", "kubernetesServiceAccountEvidence", "kubernetesServiceEvidence",
	"mailboxConfigurationEvidence", "nicEvidence", "sasTokenEvidence", "servicePrincipalEvidence",
	"submissionMailEvidence", "teamsMessageEvidence",
}

func TestEveryEvidenceTypeLabelled(t *testing.T) {
	b := testBundle(t)
	names := slices.Clone(unmodelledEvidence)
	for _, n := range graphEvidenceTypes(t) {
		names = append(names, n)
	}
	for _, l := range Langs() {
		p := b.Printer(l, nil)
		for _, n := range names {
			for _, raw := range []string{n, "#microsoft.graph.security." + n, "#Microsoft.Graph.Security." + n} {
				got := p.EvidenceType(raw)
				if !got.Known || got.Raw != raw || len(FindMarkers(got.Text)) > 0 {
					t.Errorf("%s: EvidenceType(%q) = %+v", l, raw, got)
				}
			}
		}
		// No stale labels either.
		for v := range p.c.labels[nsEvidenceType].exact {
			if !slices.Contains(names, v) {
				t.Errorf("%s: evidenceType.%s is not an evidence type", p.c.file, v)
			}
		}
	}
	p := b.Printer(Japanese, nil)
	for raw, want := range map[string]string{
		"#microsoft.graph.security.userEvidence":          "ユーザー",
		"deviceEvidence":                                  "デバイス",
		"#microsoft.graph.security.quantumEvidence":       "Quantum",
		"#microsoft.graph.security.kubernetesJobEvidence": "Kubernetes Job",
		"#microsoft.graph.security.":                      "—",
		"":                                                "—",
	} {
		if got := p.EvidenceType(raw); got.Text != want {
			t.Errorf("EvidenceType(%q) = %+v, want %q", raw, got, want)
		}
	}
}

// evidenceStructs are graph's evidence types and the helper types they
// hold; TestEveryEvidenceFieldLabelled checks this list against
// graph/evidence.go so that a new evidence type cannot be missed.
var evidenceStructs = []any{
	graph.UserEvidence{}, graph.DeviceEvidence{}, graph.FileEvidence{}, graph.IPEvidence{},
	graph.URLEvidence{}, graph.ProcessEvidence{}, graph.MailboxEvidence{}, graph.AnalyzedMessageEvidence{},
	graph.RegistryKeyEvidence{}, graph.RegistryValueEvidence{}, graph.MailClusterEvidence{},
	graph.CloudApplicationEvidence{}, graph.OAuthApplicationEvidence{}, graph.SecurityGroupEvidence{},
	graph.MalwareEvidence{}, graph.NetworkConnectionEvidence{}, graph.DNSEvidence{}, graph.FileHashEvidence{},
}

// jsonFields collects the JSON member names of t and of the graph structs
// it holds.
func jsonFields(t reflect.Type, seen map[reflect.Type]bool, out map[string]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] || t.PkgPath() != reflect.TypeFor[graph.EvidenceBase]().PkgPath() {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			jsonFields(f.Type, seen, out)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || strings.HasPrefix(name, "@") {
			continue
		}
		out[name] = true
		jsonFields(f.Type, seen, out)
	}
}

func TestEveryEvidenceFieldLabelled(t *testing.T) {
	modelled := graphEvidenceTypes(t)
	var listed []string
	for _, v := range evidenceStructs {
		listed = append(listed, reflect.TypeOf(v).Name())
	}
	for goType := range modelled {
		if !slices.Contains(listed, goType) {
			t.Errorf("graph.%s is an evidence type missing from evidenceStructs", goType)
		}
	}
	fields := map[string]bool{}
	seen := map[reflect.Type]bool{}
	for _, v := range evidenceStructs {
		jsonFields(reflect.TypeOf(v), seen, fields)
	}
	if len(fields) < 100 {
		t.Fatalf("only %d evidence fields found", len(fields))
	}
	b := testBundle(t)
	for _, l := range Langs() {
		p := b.Printer(l, nil)
		for f := range fields {
			if got := p.Field(f); !got.Known || len(FindMarkers(got.Text)) > 0 {
				t.Errorf("%s: Field(%q) = %+v", l, f, got)
			}
		}
		for v := range p.c.labels[nsEvidenceField].exact {
			if !fields[v] {
				t.Errorf("%s: evidenceField.%s is not a member of any evidence type", p.c.file, v)
			}
		}
	}
}

func TestLabels(t *testing.T) {
	b := testBundle(t)
	roles := []graph.EvidenceRole{graph.EvidenceRoleAttacker, graph.EvidenceRoleCompromised}
	for _, tc := range []struct {
		l    Lang
		v    any
		want string
	}{
		{English, roles, "Attacker, Compromised"},
		{Japanese, roles, "攻撃者、侵害された"},
		{Japanese, [1]graph.AlertSeverity{graph.AlertSeverityLow}, "低"},
		{English, []graph.EvidenceRole(nil), ""},
		{English, graph.AlertStatusNew, "New"},
		{English, []string{"x"}, "⟦enum.string⟧"},
	} {
		if got := b.Printer(tc.l, nil).Labels(tc.v); got != tc.want {
			t.Errorf("%s: Labels(%v) = %q, want %q", tc.l, tc.v, got, tc.want)
		}
	}
	if got := b.Printer(Japanese, nil).List([]string{"新規", "進行中"}); got != "新規、進行中" {
		t.Errorf("List in Japanese: %q", got)
	}
	if got := b.Printer(English, nil).List([]string{"New", "In progress"}); got != "New, In progress" {
		t.Errorf("List in English: %q", got)
	}
}

// TestOtherLabels covers the string-valued namespaces.
func TestOtherLabels(t *testing.T) {
	b := testBundle(t)
	en, ja := b.Printer(English, nil), b.Printer(Japanese, nil)
	for _, tc := range []struct {
		name   string
		fn     func(*Printer, string) EnumLabel
		raw    string
		en, ja string
		known  bool
	}{
		{"tactic", (*Printer).Category, "InitialAccess", "Initial access", "初期アクセス", true},
		{"tactic lower case", (*Printer).Category, "commandandcontrol", "Command and control", "コマンドとコントロール", true},
		{"defender category", (*Printer).Category, "SuspiciousActivity", "Suspicious activity", "疑わしいアクティビティ", true},
		{"new category", (*Printer).Category, "ThreatManagement", "Threat Management", "Threat Management", false},
		{"category unknownFutureValue", (*Printer).Category, "unknownFutureValue", "Other (newer value)", "その他 (新しい値)", true},
		{"legacy", (*Printer).LegacyCategory, "impossibleTravel", "Impossible travel", "あり得ない移動", true},
		{"legacy new", (*Printer).LegacyCategory, "somethingNew", "Something New", "Something New", false},
		{"score", (*Printer).ScoreCategory, "Identity", "Identity", "ID", true},
		{"role", (*Printer).Role, "securityOperator", "Security Operator", "セキュリティ オペレーター", true},
		{"field", (*Printer).Field, "deviceDnsName", "Device DNS name", "デバイス DNS 名", true},
		{"new field", (*Printer).Field, "lastSeenIpAddress", "Last Seen Ip Address", "Last Seen Ip Address", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ge, gj := tc.fn(en, tc.raw), tc.fn(ja, tc.raw)
			if ge.Text != tc.en || gj.Text != tc.ja || ge.Known != tc.known || ge.Raw != tc.raw {
				t.Errorf("got %+v / %+v, want %q / %q known %v", ge, gj, tc.en, tc.ja, tc.known)
			}
		})
	}
	// The 23 legacy categories of the original sample are all labelled.
	for _, c := range strings.Fields("abnormalLogin anomalousDataAccess anonymousLogin antimalwareActionTaken azBlackListLogin credentialLeakage documentDeclassification reconnaissance exploit impossibleTravel keyloggerTrojan malware ransomware rdpBruteforce reportCompromise riskScore sensitiveFileExfiltration suspiciousActivity suspiciousDomain suspiciousPowerShell threatIntelligence unfamiliarLocation updateRequired") {
		if !ja.LegacyCategory(c).Known || !en.LegacyCategory(c).Known {
			t.Errorf("legacy category %s not labelled", c)
		}
	}
	// The twelve tactics the brief lists, and Defender's own categories.
	for _, c := range strings.Fields("InitialAccess Execution Persistence PrivilegeEscalation DefenseEvasion CredentialAccess Discovery LateralMovement Collection CommandAndControl Exfiltration Impact SuspiciousActivity Malware Ransomware UnwantedSoftware Exploit") {
		if !ja.Category(c).Known || !en.Category(c).Known {
			t.Errorf("category %s not labelled", c)
		}
	}
	if got := en.EnumOf("enum.NoSuchType", "x"); got.Text != "⟦enum.NoSuchType⟧" {
		t.Errorf("unknown namespace: %+v", got)
	}
}

func TestHumanize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"x", "X"},
		{"microsoftDefenderForAIServices", "Microsoft Defender For AI Services"},
		{"microsoft365Defender", "Microsoft 365 Defender"},
		{"microsoftDefenderForOffice365", "Microsoft Defender For Office 365"},
		{"SuspiciousActivity", "Suspicious Activity"},
		{"IPAddress", "IP Address"},
		{"ipv6RoutingHeader", "Ipv 6 Routing Header"},
		{"snake_case-and.dots", "Snake Case And Dots"},
		{"__lead  trail__", "Lead Trail"},
		{"ALLCAPS", "ALLCAPS"},
		{"日本語Value", "日本語Value"},
		{"3d", "3d"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := humanize(tc.in); got != tc.want {
				t.Errorf("humanize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzHumanize(f *testing.F) {
	for _, s := range []string{"microsoftDefenderForAIServices", "a1B2", "ÄöÜ", "\xff", "__", "AbcDEFghiJ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := humanize(s)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("humanize(%q) = %q is not UTF-8", s, got)
		}
		if strings.Trim(s, "_-. ") != "" && got == "" {
			t.Fatalf("humanize(%q) is empty", s)
		}
		if strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") || strings.Contains(got, "  ") {
			t.Fatalf("humanize(%q) = %q has stray spaces", s, got)
		}
	})
}

// TestLabelAllocations: the labels a table row needs cost no allocation.
func TestLabelAllocations(t *testing.T) {
	p := testBundle(t).Printer(Japanese, nil)
	status := graph.AlertStatusInProgress
	category := "InitialAccess"
	for name, fn := range map[string]func(){
		"Label":    func() { _ = p.Label(status) },
		"Enum":     func() { _ = p.Enum(status) },
		"fold":     func() { _ = p.Label(graph.AlertStatus("INPROGRESS")) },
		"Category": func() { _ = p.Category(category) },
		"T":        func() { _ = p.T("nav.alerts") },
	} {
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, n)
		}
	}
}
