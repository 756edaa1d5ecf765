package emulator_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/graphapi"
)

func mailWithAttachment(subject string, attachment int) map[string]any {
	return map[string]any{"message": map[string]any{
		"subject":      subject,
		"body":         map[string]any{"contentType": "text", "content": "body of " + subject},
		"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": "soc@example.test"}}},
		"attachments": []any{map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": subject + ".bin",
			"contentBytes": base64.StdEncoding.EncodeToString(make([]byte, attachment))}},
	}}
}

// TestMailboxListIsPaged: the control plane lists summaries a page at a
// time, without bodies or attachment contents, which come per message.
func TestMailboxListIsPaged(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	for i := range 5 {
		mustStatus(t, call(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.analyst, mailWithAttachment(fmt.Sprint("m", i), 1000)), 202)
	}
	r := call(t, "GET", emu.URL()+"/_emulator/mailbox?top=2", "", nil)
	mustStatus(t, r, 200)
	if got := []string{r.str("value", 0, "subject"), r.str("value", 1, "subject")}; got[0] != "m4" || got[1] != "m3" || len(r.values()) != 2 {
		t.Fatalf("first page %s", truncate(r.raw))
	}
	if r.get("count") != float64(5) || r.get("stats", "messages") != float64(5) || r.get("stats", "maxBytes") != float64(graphapi.DefaultMailboxBytes) {
		t.Fatalf("count and stats: %s", truncate(r.raw))
	}
	for _, leak := range []string{"contentBytes", `"body"`, "body of"} {
		if strings.Contains(string(r.raw), leak) {
			t.Fatalf("the list carries %s: %s", leak, truncate(r.raw))
		}
	}
	if r.get("value", 0, "attachments", 0, "size") != float64(1000) || r.str("value", 0, "attachments", 0, "name") != "m4.bin" {
		t.Fatalf("attachment summary: %s", truncate(r.raw))
	}
	var subjects []string
	for next := emu.URL() + "/_emulator/mailbox?top=2"; next != ""; {
		page := call(t, "GET", next, "", nil)
		mustStatus(t, page, 200)
		for _, v := range page.values() {
			subjects = append(subjects, v["subject"].(string))
		}
		next = page.str("nextLink")
	}
	if got := strings.Join(subjects, " "); got != "m4 m3 m2 m1 m0" {
		t.Fatalf("pages gave %q", got)
	}
	// One message, in full.
	id := r.str("value", 0, "id")
	m := call(t, "GET", emu.URL()+"/_emulator/mailbox/"+id, "", nil)
	if m.str("body") != "body of m4" || len(m.str("attachments", 0, "contentBytes")) == 0 {
		t.Fatalf("message: %s", truncate(m.raw))
	}
	for _, bad := range []string{"top=0", "top=501", "top=x", "skip=-1"} {
		t.Run(bad, func(t *testing.T) {
			mustStatus(t, call(t, "GET", emu.URL()+"/_emulator/mailbox?"+bad, "", nil), 400)
		})
	}
}

// TestMailboxPageIsBounded: the HTML mailbox shows 50 messages a page.
func TestMailboxPageIsBounded(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	for i := range 60 {
		msg := mailWithAttachment(fmt.Sprintf("subject-%02d", i), 1)
		mustStatus(t, call(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.analyst, msg), 202)
	}
	tests := []struct {
		query      string
		first      string
		rows       int
		newer, old bool
	}{
		{"", "subject-59", 50, false, true},
		{"?skip=50", "subject-09", 10, true, false},
		{"?skip=1000", "subject-09", 10, true, false}, // past the end: the last page
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			page := call(t, "GET", emu.URL()+"/_emulator/mail"+tt.query, "", nil)
			mustStatus(t, page, 200)
			html := string(page.raw)
			if n := strings.Count(html, ">subject-"); n != tt.rows {
				t.Fatalf("%d rows, want %d", n, tt.rows)
			}
			if !strings.Contains(html, ">"+tt.first+"<") {
				t.Fatalf("first message %s missing", tt.first)
			}
			if strings.Contains(html, ">Newer<") != tt.newer || strings.Contains(html, ">Older<") != tt.old {
				t.Fatalf("navigation links wrong:\n%s", html)
			}
		})
	}
}

// TestMailboxTotalCap is the attack review's case: many messages of 3 MB
// keep at most the mailbox's byte limit, dropping the oldest and counting
// them.
func TestMailboxTotalCap(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 72 MB")
	}
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	const n, size = 24, 3_000_000 // base64: 4,000,000 bytes, within Graph's 4 MiB
	for i := range n {
		mustStatus(t, call(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.analyst, mailWithAttachment(fmt.Sprint("big", i), size)), 202)
	}
	st := emu.Mailbox().Stats()
	if st.Bytes > graphapi.DefaultMailboxBytes || st.Evicted == 0 || int64(st.Messages)+st.Evicted != n {
		t.Fatalf("stats %+v after %d messages of %d bytes", st, n, size)
	}
	msgs := emu.Mailbox().Messages()
	if msgs[0].Subject != fmt.Sprint("big", n-1) || msgs[len(msgs)-1].Subject != fmt.Sprint("big", st.Evicted) {
		t.Fatalf("kept %s … %s: the oldest must go first", msgs[0].Subject, msgs[len(msgs)-1].Subject)
	}
}

// TestMailboxMIMEStoredOnce: a MIME message's body is part of its MIME
// text, and is neither stored nor counted twice.
func TestMailboxMIMEStoredOnce(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	raw := "To: a@example.test\r\nSubject: big MIME\r\n\r\n" + strings.Repeat("hello ", 100000)
	r := callRaw(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.analyst, "text/plain", base64.StdEncoding.EncodeToString([]byte(raw)))
	mustStatus(t, r, 202)
	m := emu.Mailbox().Messages()[0]
	if m.Subject != "big MIME" || !strings.HasPrefix(m.Body, "hello hello") {
		t.Fatalf("message %q body %.20q", m.Subject, m.Body)
	}
	if m.Size > len(raw)+1000 {
		t.Fatalf("size %d for %d bytes of MIME: the body is counted twice", m.Size, len(raw))
	}
	if unsafe.StringData(m.Body) != unsafe.StringData(m.MIME[len(m.MIME)-len(m.Body):]) {
		t.Fatal("the body is a copy of the MIME text's end, not a part of it")
	}
}

// TestMailboxFindByHeader: a message tagged with a custom internet
// message header is found by it, the newest first; an unknown value is
// the mailbox page with a 404.
func TestMailboxFindByHeader(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	for i, ref := range []string{"a", "b", "a"} {
		m := mailWithAttachment(fmt.Sprint("tagged ", i), 10)
		m["message"].(map[string]any)["internetMessageHeaders"] = []any{map[string]any{"name": "x-graphsec-ref", "value": ref}}
		mustStatus(t, call(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.analyst, m), 202)
	}
	for _, tc := range []struct {
		query, value, subject string
	}{
		{"header=x-graphsec-ref&value=a", "a", "tagged 2"},
		{"header=X-GRAPHSEC-REF&value=b", "b", "tagged 1"},
	} {
		r := call(t, "GET", emu.URL()+"/_emulator/mail/find?"+tc.query, "", nil)
		if !strings.Contains(string(r.raw), tc.subject) || r.status != 200 {
			t.Errorf("%s: %d, want the page of %q", tc.query, r.status, tc.subject)
		}
		if got, ok := emu.Mailbox().FindByHeader("x-graphsec-ref", tc.value); !ok || got.Subject != tc.subject {
			t.Errorf("%s: found %q, want %q", tc.query, got.Subject, tc.subject)
		}
	}

	for _, q := range []string{"header=x-graphsec-ref&value=c", "header=&value=a", ""} {
		if r := call(t, "GET", emu.URL()+"/_emulator/mail/find?"+q, "", nil); r.status != 404 {
			t.Errorf("%q: %d, want 404", q, r.status)
		}
	}
}

// TestMailboxMultipartMIME: a MIME message with an HTML body, its
// plain-text alternative (quoted-printable) and a base64 attachment is
// stored as Graph's mailbox would show it: the HTML as the body, the
// attachment decoded, custom x- headers kept, an encoded subject decoded.
func TestMailboxMultipartMIME(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	raw := "To: <soc@example.test>, <lead@example.test>\r\n" +
		"Subject: =?utf-8?q?=E9=87=8D=E5=A4=A7=E5=BA=A6_alert?=\r\n" +
		"X-Graphsec-Ref: abc\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=MIX\r\n\r\n" +
		"--MIX\r\nContent-Type: multipart/alternative; boundary=ALT\r\n\r\n" +
		"--ALT\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nplain =C3=A9\r\n" +
		"--ALT\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>html =C3=A9</p>\r\n" +
		"--ALT--\r\n" +
		"--MIX\r\nContent-Type: application/json; name=a.json\r\nContent-Disposition: attachment; filename=a.json\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte(`{"id":"1"}`)) + "\r\n--MIX--\r\n"
	mustStatus(t, callRaw(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.analyst, "text/plain", base64.StdEncoding.EncodeToString([]byte(raw))), 202)
	m := emu.Mailbox().Messages()[0]
	if m.Subject != "重大度 alert" || m.BodyType != "html" || m.Body != "<p>html é</p>" || len(m.To) != 2 {
		t.Errorf("stored %q %s %q %v", m.Subject, m.BodyType, m.Body, m.To)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Name != "a.json" || string(m.Attachments[0].Content) != `{"id":"1"}` || m.Attachments[0].ContentType != "application/json" {
		t.Errorf("attachments %+v", m.Attachments)
	}
	if got, ok := emu.Mailbox().FindByHeader("x-graphsec-ref", "abc"); !ok || got.ID != m.ID {
		t.Error("the x- header was not kept")
	}
	// Broken multipart: refused, nothing stored.
	bad := "To: a@example.test\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\ncut"
	r := callRaw(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.analyst, "text/plain", base64.StdEncoding.EncodeToString([]byte(bad)))
	if r.status != 400 || r.errorCode() != "ErrorMimeContentInvalid" || len(emu.Mailbox().Messages()) != 1 {
		t.Errorf("a broken multipart message: %d %s", r.status, r.errorCode())
	}
}
