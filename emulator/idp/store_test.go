package idp

import (
	"strconv"
	"testing"
	"time"
)

func TestTTLStore(t *testing.T) {
	now := testStart
	tests := []struct {
		name string
		run  func(t *testing.T, s *ttlStore[int])
	}{
		{"bound evicts oldest", func(t *testing.T, s *ttlStore[int]) {
			for i := range 5 {
				s.put(strconv.Itoa(i), i, now.Add(time.Hour), now)
			}
			if s.len() != 3 {
				t.Fatalf("len %d, want 3", s.len())
			}
			for i, want := range []bool{false, false, true, true, true} {
				if _, ok := s.get(strconv.Itoa(i), now); ok != want {
					t.Errorf("key %d present=%v, want %v", i, ok, want)
				}
			}
		}},
		{"expiry", func(t *testing.T, s *ttlStore[int]) {
			s.put("a", 1, now.Add(time.Minute), now)
			if v, ok := s.get("a", now.Add(59*time.Second)); !ok || v != 1 {
				t.Fatal("live entry missing")
			}
			if _, ok := s.get("a", now.Add(time.Minute)); ok {
				t.Fatal("expired entry returned")
			}
			if s.len() != 0 {
				t.Fatal("expired entry kept")
			}
		}},
		{"purge on put frees room before evicting", func(t *testing.T, s *ttlStore[int]) {
			s.put("old1", 1, now.Add(time.Second), now)
			s.put("old2", 2, now.Add(time.Second), now)
			s.put("live", 3, now.Add(time.Hour), now)
			s.put("new", 4, now.Add(time.Hour), now.Add(2*time.Second))
			if _, ok := s.get("live", now.Add(2*time.Second)); !ok {
				t.Fatal("live entry evicted although expired ones could go")
			}
			if s.len() != 2 {
				t.Fatalf("len %d, want 2", s.len())
			}
		}},
		{"touch protects from eviction", func(t *testing.T, s *ttlStore[int]) {
			for i := range 3 {
				s.put(strconv.Itoa(i), i, now.Add(time.Hour), now)
			}
			s.touch("0")
			s.put("3", 3, now.Add(time.Hour), now)
			if _, ok := s.get("0", now); !ok {
				t.Fatal("touched entry evicted")
			}
			if _, ok := s.get("1", now); ok {
				t.Fatal("least recently used entry kept")
			}
		}},
		{"replace and delete", func(t *testing.T, s *ttlStore[int]) {
			s.put("a", 1, now.Add(time.Hour), now)
			s.put("a", 2, now.Add(time.Hour), now)
			if v, _ := s.get("a", now); v != 2 || s.len() != 1 {
				t.Fatalf("replace: %d len %d", v, s.len())
			}
			s.delete("a")
			s.delete("missing")
			if s.len() != 0 {
				t.Fatal("delete")
			}
			s.put("b", 1, now.Add(time.Hour), now)
			s.clear()
			if _, ok := s.get("b", now); ok || s.len() != 0 {
				t.Fatal("clear")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newTTLStore[int](3)) })
	}
}
