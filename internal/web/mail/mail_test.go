package mail_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

func TestEmailAlert(t *testing.T) {
	h := webtest.New(t)
	op := h.User("Security Operator")
	alert, _ := h.RaiseAlert(map[string]any{"title": "Mail <me> & co", "severity": "high", "description": "Line one.\nLine two.",
		"evidence": []any{webtest.Evidence("userEvidence", map[string]any{"userAccount": map[string]any{"accountName": "jdoe", "userPrincipalName": "jdoe@contoso.com"}}),
			webtest.Evidence("ipEvidence", map[string]any{"ipAddress": "203.0.113.9"})}})
	path := "/alerts/" + url.PathEscape(alert) + "/email"
	b, p := h.SignIn(op, "/alerts/"+url.PathEscape(alert))
	if !strings.Contains(p.Body, `href="`+path+`"`) {
		t.Fatal("the alert's page has no email link")
	}
	p = h.Get(b, path)
	if p.Status != http.StatusOK {
		t.Fatalf("%s: %d", path, p.Status)
	}
	i18n.AssertNoMarkers(t, p.Body)
	form := webtest.FormFields(t, p, path)
	if !strings.Contains(p.Body, `value="[graphsec] High alert: Mail &lt;me&gt; &amp; co"`) {
		t.Errorf("the subject is not prefilled")
	}
	form.Set("to", "soc@contoso.com,\nLead <lead@contoso.com>; soc@contoso.com")
	form.Set("subject", "Look at this")
	form.Set("note", "Please check <b>now</b>.")
	form.Set("attach", "1")
	form.Set("format", "html")
	res := h.Post(b, path, "", form)
	if res.Status != http.StatusOK || !strings.Contains(res.URL.RawQuery, "done=") {
		t.Fatalf("send: %d at %s\n%s", res.Status, res.URL, res.Body)
	}
	sent := webtest.Section(t, res.Body, "sent", "div")
	for _, want := range []string{"soc@contoso.com, lead@contoso.com", "HTTP 202", "alert-" + alert + ".json", "/_emulator/mail/find?header=x-graphsec-ref"} {
		if !strings.Contains(sent, want) {
			t.Errorf("the result lacks %q:\n%s", want, sent)
		}
	}
	box := h.Emu.Mailbox().Messages()
	if len(box) != 1 {
		t.Fatalf("%d messages in the mailbox", len(box))
	}
	m := box[0]
	if m.Subject != "Look at this" || m.BodyType != "html" || len(m.To) != 2 || m.To[1].Address != "lead@contoso.com" {
		t.Errorf("the message: %+v", m)
	}
	for _, want := range []string{"Mail &lt;me&gt; &amp; co", "Please check &lt;b&gt;now&lt;/b&gt;.", "jdoe@contoso.com", "203.0.113.9", "Line one.", h.URL + "/alerts/" + url.PathEscape(alert), "High"} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("the body lacks %q", want)
		}
	}
	// Sent as MIME: the HTML with its plain-text alternative.
	if !strings.Contains(m.MIME, "multipart/alternative") || !strings.Contains(m.MIME, "Content-Type: text/plain; charset=utf-8") || !strings.Contains(m.MIME, "Security alert") {
		t.Errorf("no plain-text alternative in the message:\n%.2000s", m.MIME)
	}
	if strings.Contains(m.Body, "<b>now</b>") || strings.Contains(m.Body, "<me>") {
		t.Error("text from the user or Graph is markup in the body")
	}
	if strings.Contains(m.Body, "security.microsoft.com") {
		t.Error("a Defender portal link in demo mode")
	}
	if len(m.Attachments) != 1 || !strings.Contains(string(m.Attachments[0].Content), `"id": "`+alert+`"`) {
		t.Errorf("attachments %+v", m.Attachments)
	}
	// The link opens this message in the mailbox.
	link := strings.ReplaceAll(sent[strings.Index(sent, h.Emu.URL()):], "&amp;", "&")
	link = link[:strings.Index(link, `"`)]
	mb, err := b.Navigate(link, "")
	if err != nil || mb.Status != http.StatusOK || !strings.Contains(mb.Body, "Look at this") {
		t.Errorf("the mailbox link %s: %v", link, err)
	}
	// Recorded in the activity log, shown on the alert's page.
	ap := h.Get(b, "/alerts/"+url.PathEscape(alert))
	act := webtest.Section(t, ap.Body, "activity", "section")
	if !strings.Contains(act, "emailed") || !strings.Contains(act, "soc@contoso.com, lead@contoso.com") {
		t.Errorf("the activity log:\n%s", act)
	}
}

func TestEmailIncidentInJapanesePlainText(t *testing.T) {
	h := webtest.New(t)
	op := h.User("Security Operator")
	_, incident := h.RaiseAlert(map[string]any{"title": "Ransomware activity", "severity": "high"})
	path := "/incidents/" + url.PathEscape(incident) + "/email"
	b, _ := h.SignIn(op, "/incidents")
	h.Lang(b, "ja")
	p := h.Get(b, path)
	i18n.AssertNoMarkers(t, p.Body)
	form := webtest.FormFields(t, p, path)
	form.Set("to", "soc@contoso.com")
	form.Set("subject", "インシデントの確認")
	form.Set("format", "text")
	if res := h.Post(b, path, "", form); res.Status != http.StatusOK {
		t.Fatalf("send: %d", res.Status)
	}
	m := h.Emu.Mailbox().Messages()[0]
	if m.BodyType != "text" || !strings.Contains(m.Body, "セキュリティ インシデント") || !strings.Contains(m.Body, "Ransomware activity") || !strings.Contains(m.Body, "重大度: 高") {
		t.Errorf("the message is not the Japanese text:\n%s", m.Body)
	}
	if len(m.Attachments) != 0 {
		t.Error("an attachment nobody asked for")
	}
}

func TestEmailMistakes(t *testing.T) {
	h := webtest.New(t)
	alert, _ := h.RaiseAlert(map[string]any{"title": "Mistakes", "severity": "low"})
	path := "/alerts/" + url.PathEscape(alert) + "/email"
	b, p := h.SignIn(h.User("Security Operator"), path)
	valid := map[string]string{"to": "soc@contoso.com", "subject": "Subject kept", "note": "Note kept", "format": "html"}
	many := make([]string, 51)
	for i := range many {
		many[i] = "u" + strings.Repeat("x", i) + "@contoso.com"
	}
	for _, tc := range []struct {
		name, field, value, errField, want string
	}{
		{"no recipient", "to", " , ;\n", "to", "Enter at least one email address."},
		{"not an address", "to", "soc@contoso.com, not-an-address", "to", "&#34;not-an-address&#34; is not an email address."},
		{"no domain", "to", "soc@", "to", "is not an email address"},
		{"too many", "to", strings.Join(many, ","), "to", "51 recipients: at most 50"},
		{"no subject", "subject", "  ", "subject", "Enter a subject."},
		{"subject too long", "subject", strings.Repeat("s", 256), "subject", "at most 255 characters"},
		{"subject control", "subject", "a\x07b", "subject", "control"},
		{"note too long", "note", strings.Repeat("n", 4001), "note", "at most 4,000 characters"},
		{"note not UTF-8", "note", "\xff", "note", "UTF-8"},
		{"format", "format", "rtf", "format", "Choose HTML or plain text."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := webtest.FormFields(t, p, path)
			for k, v := range valid {
				form.Set(k, v)
			}
			form.Set(tc.field, tc.value)
			res := h.Post(b, path, "", form)
			if res.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", res.Status)
			}
			msg := webtest.Section(t, res.Body, "error-"+tc.errField, "small")
			if !strings.Contains(msg, tc.want) {
				t.Errorf("the mistake says %q, want %q", msg, tc.want)
			}
			for k, v := range valid {
				if k != tc.field && k != "format" && !strings.Contains(res.Body, v) {
					t.Errorf("the form lost %s", k)
				}
			}
			if n := len(h.Emu.Mailbox().Messages()); n != 0 {
				t.Fatalf("%d messages sent despite the mistake", n)
			}
		})
	}
}

func TestEmailGraphRefusal(t *testing.T) {
	h := webtest.New(t)
	alert, _ := h.RaiseAlert(map[string]any{"title": "Refused", "severity": "low"})
	path := "/alerts/" + url.PathEscape(alert) + "/email"
	b, p := h.SignIn(h.User("Security Operator"), path)
	if status, body := h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{"path": "/me/sendMail", "status": 403, "code": "ErrorAccessDenied", "count": 1}); status >= 300 {
		t.Fatalf("fault: %d %s", status, body)
	}
	form := webtest.FormFields(t, p, path)
	form.Set("to", "soc@contoso.com")
	form.Set("subject", "Typed subject")
	form.Set("note", "Typed note")
	res := h.Post(b, path, "", form)
	if res.Status != http.StatusForbidden {
		t.Fatalf("status %d, want 403", res.Status)
	}
	errBox := webtest.Section(t, res.Body, "triage-error", "div")
	if !strings.Contains(errBox, "ErrorAccessDenied") {
		t.Errorf("Graph's error is not shown:\n%s", errBox)
	}
	for _, want := range []string{"soc@contoso.com</textarea>", `value="Typed subject"`, "Typed note</textarea>"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the form lost %q", want)
		}
	}
}
