package idp

import (
	"container/list"
	"time"
)

// ttlStore is a map with a hard bound on its size and an expiry per entry.
// Every piece of server-side state the provider keeps on behalf of
// untrusted callers (pending sign-ins, SSO sessions, authorization codes,
// verified tokens) lives in one, so that no caller can grow memory without
// limit. When full, the least recently inserted (or touched) entry goes
// first: for codes and flows that is the one closest to expiry anyway.
//
// It is not safe for concurrent use; the owner holds a lock.
type ttlStore[V any] struct {
	max int
	ll  *list.List
	m   map[string]*list.Element
	// onRemove, when set, is told of every entry that leaves the store
	// (deleted, expired or evicted), except by clear.
	onRemove func(key string, val V)
}

type ttlEntry[V any] struct {
	key string
	exp time.Time
	val V
}

func newTTLStore[V any](max int) *ttlStore[V] {
	if max < 1 {
		max = 1
	}
	return &ttlStore[V]{max: max, ll: list.New(), m: make(map[string]*list.Element)}
}

// put stores val under key until exp, replacing any previous value.
func (s *ttlStore[V]) put(key string, val V, exp, now time.Time) {
	if e, ok := s.m[key]; ok {
		ent := e.Value.(*ttlEntry[V])
		ent.val, ent.exp = val, exp
		s.ll.MoveToBack(e)
		return
	}
	s.purge(now)
	for s.ll.Len() >= s.max {
		s.remove(s.ll.Front())
	}
	s.m[key] = s.ll.PushBack(&ttlEntry[V]{key: key, exp: exp, val: val})
}

// get returns the value stored under key if it has not expired at now.
// An expired entry is dropped.
func (s *ttlStore[V]) get(key string, now time.Time) (V, bool) {
	var zero V
	e, ok := s.m[key]
	if !ok {
		return zero, false
	}
	ent := e.Value.(*ttlEntry[V])
	if !now.Before(ent.exp) {
		s.remove(e)
		return zero, false
	}
	return ent.val, true
}

// touch marks key as recently used, so that it is evicted last.
func (s *ttlStore[V]) touch(key string) {
	if e, ok := s.m[key]; ok {
		s.ll.MoveToBack(e)
	}
}

func (s *ttlStore[V]) delete(key string) {
	if e, ok := s.m[key]; ok {
		s.remove(e)
	}
}

// purge drops expired entries from the old end. Entries are inserted in
// time order, so the scan stops at the first live one; an expired entry
// behind it (after a touch or a clock moved backwards) is still refused
// by get and eventually evicted by size.
func (s *ttlStore[V]) purge(now time.Time) {
	for e := s.ll.Front(); e != nil; e = s.ll.Front() {
		if now.Before(e.Value.(*ttlEntry[V]).exp) {
			return
		}
		s.remove(e)
	}
}

func (s *ttlStore[V]) len() int { return s.ll.Len() }

func (s *ttlStore[V]) clear() {
	s.ll.Init()
	clear(s.m)
}

func (s *ttlStore[V]) remove(e *list.Element) {
	ent := e.Value.(*ttlEntry[V])
	delete(s.m, ent.key)
	s.ll.Remove(e)
	if s.onRemove != nil {
		s.onRemove(ent.key, ent.val)
	}
}
