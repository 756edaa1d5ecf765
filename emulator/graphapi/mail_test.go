package graphapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func textMail(id string, body int) Mail {
	return Mail{ID: id, Subject: "s", BodyType: "text", Body: strings.Repeat("x", body), Importance: "normal",
		From: Address{Address: "a@example.test"}, To: []Address{{Address: "b@example.test"}}}
}

func TestMailboxLimits(t *testing.T) {
	tests := []struct {
		name        string
		lim         MailboxLimits
		bodies      []int // sent in this order
		wantIDs     string
		wantEvicted int64
	}{
		{"within limits", MailboxLimits{Messages: 3, Bytes: 1 << 20}, []int{10, 10}, "m1 m0", 0},
		{"count evicts the oldest", MailboxLimits{Messages: 2, Bytes: 1 << 20}, []int{10, 10, 10, 10}, "m3 m2", 2},
		{"bytes evict the oldest", MailboxLimits{Messages: 100, Bytes: 2500}, []int{1000, 1000, 1000}, "m2 m1", 1},
		{"a large message evicts several", MailboxLimits{Messages: 100, Bytes: 2500}, []int{500, 500, 500, 2000}, "m3", 3},
		{"exactly full", MailboxLimits{Messages: 100, Bytes: 2 * int64(storedSizeOf(1000))}, []int{1000, 1000}, "m1 m0", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mb := NewMailboxLimits(tt.lim)
			for i, n := range tt.bodies {
				if err := mb.add(textMail(fmt.Sprintf("m%d", i), n)); err != nil {
					t.Fatal(err)
				}
			}
			var ids []string
			var total int64
			for _, m := range mb.Messages() {
				ids = append(ids, m.ID)
				total += int64(m.Size)
			}
			st := mb.Stats()
			if got := strings.Join(ids, " "); got != tt.wantIDs || st.Evicted != tt.wantEvicted {
				t.Fatalf("kept %q, evicted %d; want %q, %d", got, st.Evicted, tt.wantIDs, tt.wantEvicted)
			}
			if st.Bytes != total || st.Bytes > tt.lim.Bytes || st.Messages > tt.lim.Messages {
				t.Fatalf("stats %+v, sizes add up to %d", st, total)
			}
			mb.Clear()
			if st := mb.Stats(); st.Messages != 0 || st.Bytes != 0 || st.Evicted != tt.wantEvicted {
				t.Fatalf("after Clear: %+v", st)
			}
		})
	}
}

func storedSizeOf(body int) int {
	m := textMail("m0", body)
	return storedSize(&m)
}

func TestMailboxRefusesOversizedMessage(t *testing.T) {
	mb := NewMailboxLimits(MailboxLimits{MessageBytes: 5000})
	if err := mb.add(textMail("ok", 4000)); err != nil {
		t.Fatal(err)
	}
	big := textMail("big", 100)
	big.Attachments = []Attachment{{Name: "a.bin", Content: make([]byte, 5000), Size: 5000}}
	err := mb.add(big)
	var ae *apiError
	if !errors.As(err, &ae) || ae.status != http.StatusRequestEntityTooLarge || ae.code != "ErrorMessageSizeExceeded" {
		t.Fatalf("err = %v, want a 413 ErrorMessageSizeExceeded", err)
	}
	if st := mb.Stats(); st.Messages != 1 || st.Evicted != 0 {
		t.Fatalf("stats %+v: the refused message must change nothing", st)
	}
}

func TestStoredSize(t *testing.T) {
	m := Mail{
		ID: "id", Subject: "subject", BodyType: "html", Body: "<p>hi</p>", Importance: "high",
		From: Address{Name: "A", Address: "a@x"}, To: []Address{{Address: "b@x"}}, Cc: []Address{{Name: "C", Address: "c@x"}},
		Headers:     []MailHeader{{Name: "x-a", Value: "1"}},
		Attachments: []Attachment{{Name: "f", ContentType: "text/plain", ContentID: "cid", Content: []byte("12345")}},
	}
	want := len("id") + len("subject") + len("html") + len("<p>hi</p>") + len("high") + len("A") + len("a@x") + len("b@x") + len("C") + len("c@x") +
		len("x-a") + len("1") + len("f") + len("text/plain") + len("cid") + 5
	if got := storedSize(&m); got != want {
		t.Fatalf("size %d, want %d", got, want)
	}
	// A MIME message's body is part of the MIME text and counts once.
	mime := "Subject: s\r\nTo: b@x\r\n\r\nhello"
	m2 := Mail{ID: "id", MIME: mime, Body: mime[len(mime)-5:]}
	if got := storedSize(&m2); got != len("id")+len(mime) {
		t.Fatalf("MIME size %d, want %d", got, len("id")+len(mime))
	}
}

func TestMailboxPage(t *testing.T) {
	mb := NewMailbox(0)
	for i := range 7 {
		if err := mb.add(textMail(fmt.Sprint(i), 1)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		skip, top int
		want      string
	}{
		{0, 3, "6 5 4"}, {3, 3, "3 2 1"}, {6, 3, "0"}, {7, 3, ""}, {100, 3, ""}, {-1, 2, "6 5"}, {2, 0, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.skip, "/", tt.top), func(t *testing.T) {
			page, total := mb.Page(tt.skip, tt.top)
			var ids []string
			for _, m := range page {
				ids = append(ids, m.ID)
			}
			if got := strings.Join(ids, " "); got != tt.want || total != 7 {
				t.Fatalf("page %q of %d, want %q of 7", got, total, tt.want)
			}
		})
	}
}

// FuzzMIMEParts: a multipart body never panics the parser, and what it
// keeps is bounded.
func FuzzMIMEParts(f *testing.F) {
	f.Add("--B\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--B--\r\n", "B")
	f.Add("--B\r\nContent-Type: multipart/alternative; boundary=C\r\n\r\n--C\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\na=3Db\r\n--C--\r\n--B--\r\n", "B")
	f.Add("--B\r\nContent-Disposition: attachment; filename=a\r\nContent-Transfer-Encoding: base64\r\n\r\nYWJj\r\n--B--\r\n", "B")
	f.Fuzz(func(t *testing.T, body, boundary string) {
		var p mimeParts
		_ = p.read(strings.NewReader(body), boundary, 0)
		if p.n > maxMIMEParts+1 || len(p.attachments) > maxMIMEParts {
			t.Fatalf("%d parts read", p.n)
		}
	})
}
