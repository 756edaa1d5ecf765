package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/graphsec/graphsec/internal/store"
)

// FuzzSessionRoundTrip feeds arbitrary keys, text, bytes and times through
// CreateSession and Session of the store s: it must never panic, must
// refuse exactly what the limits say with ErrInvalid, and must return what
// it accepted unchanged. Each implementation calls it from its own fuzz
// target.
func FuzzSessionRoundTrip(f *testing.F, s store.Store) {
	f.Add("id", "Adèle", []byte("tok\x00en"), int64(0))
	f.Add("", "", []byte(nil), int64(-62135596800000000))
	f.Add("a\x00b", "\xff", []byte{0}, int64(253402300799999999))
	f.Add("🛡", "x\u2028y", []byte{}, int64(-1))
	first := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, id, name string, tokens []byte, us int64) {
		ctx := t.Context()
		when := time.UnixMicro(us)
		sess := store.Session{ID: id, DisplayName: name, Tokens: tokens, CreatedAt: when, LastSeenAt: when, ExpiresAt: when.Add(time.Hour)}
		valid := id != "" && len(id) <= store.MaxKeyBytes && utf8.ValidString(id) && !bytes.ContainsRune([]byte(id), 0) &&
			len(name) <= store.MaxTextBytes && utf8.ValidString(name) && !bytes.ContainsRune([]byte(name), 0) &&
			!when.Before(first) && when.Add(time.Hour).Before(end)
		if err := s.DeleteSession(ctx, id); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		err := s.CreateSession(ctx, sess)
		if !valid {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("CreateSession of invalid input: %v, want ErrInvalid", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		got, err := s.Session(ctx, id, when)
		if err != nil {
			t.Fatalf("Session: %v", err)
		}
		if got.DisplayName != name || !bytes.Equal(got.Tokens, tokens) || !got.CreatedAt.Equal(when) || got.CreatedAt.Location() != time.UTC {
			t.Fatalf("round trip: got %q %q %v, want %q %q %v", got.DisplayName, got.Tokens, got.CreatedAt, name, tokens, when)
		}
	})
}

// FuzzActivityChanges checks that any Changes bytes and text come back
// exactly, under any resource key.
func FuzzActivityChanges(f *testing.F, s store.Store) {
	f.Add("alert", "da1", []byte(`{"status":{"from":"new","to":"resolved"}}`))
	f.Add("incident", "\x00", []byte{0, 0xff})
	f.Add("", "x", []byte(nil))
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, resource, id string, changes []byte) {
		ctx := t.Context()
		a, err := s.AddActivity(ctx, store.Activity{Resource: resource, ResourceID: id, Action: "update", Changes: changes, At: at})
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("AddActivity: %v, want ErrInvalid", err)
			}
			return
		}
		list, err := s.ListActivity(ctx, resource, id, 1)
		if err != nil || len(list) != 1 {
			t.Fatalf("ListActivity: %d records, %v", len(list), err)
		}
		if list[0].ID != a.ID || !bytes.Equal(list[0].Changes, changes) || list[0].Resource != resource || list[0].ResourceID != id {
			t.Fatalf("read back %+v, want %+v", list[0], a)
		}
	})
}

// FuzzRolesRoundTrip feeds arbitrary directory role lists (roles split
// from one string at '|') through CreateSession and Session: a list is
// refused with ErrInvalid exactly when a role is empty, holds white space
// or NUL, is not UTF-8 or is too long, and an accepted list reads back
// unchanged.
func FuzzRolesRoundTrip(f *testing.F, s store.Store) {
	f.Add("5d6b6bb7-de71-4623-b4af-96380a352509|5f2222b1-57c3-48ba-8ad5-d4759f1fde6f", true)
	f.Add("with space", false)
	f.Add("", true)
	f.Add("a||b", true)
	f.Add("\u00a0\u2028", true)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	f.Fuzz(func(t *testing.T, joined string, known bool) {
		var roles []string
		if joined != "" {
			roles = strings.Split(joined, "|")
		}
		valid := len(roles) <= store.MaxRoles
		for _, r := range roles {
			valid = valid && r != "" && len(r) <= 256 && utf8.ValidString(r) && !strings.ContainsFunc(r, unicode.IsSpace) && !strings.Contains(r, "\x00")
		}
		n++
		id := fmt.Sprint("roles-", n)
		err := s.CreateSession(t.Context(), store.Session{ID: id, DirectoryRoles: roles, RolesKnown: known, CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(time.Hour)})
		if !valid {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("CreateSession with roles %q: %v, want ErrInvalid", roles, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("CreateSession with roles %q: %v", roles, err)
		}
		got, err := s.Session(t.Context(), id, at)
		if err != nil {
			t.Fatalf("Session: %v", err)
		}
		if !slices.Equal(got.DirectoryRoles, roles) || got.RolesKnown != known {
			t.Fatalf("roles read back %q %v, want %q %v", got.DirectoryRoles, got.RolesKnown, roles, known)
		}
	})
}
