package odata

import (
	"math"
	"slices"
)

// Run applies the query to docs, which are in the resource's default
// order: it filters, counts the matches, orders them (stably: equal keys
// keep their input order, so the default order breaks ties), skips and
// takes one page. matched is the number of documents the filter accepted,
// which is what @odata.count reports. docs is not modified.
//
// When the page ends far before the last match (the usual $top=50 over a
// large collection), Run keeps only the best Skip+Top matches in a bounded
// heap instead of sorting them all; the result is identical to a full
// stable sort (ties are broken by input position in both paths).
func (q *Query) Run(docs []Object) (page []Object, matched int) {
	return q.run(docs, runAuto)
}

type runMode uint8

const (
	runAuto runMode = iota
	runHeap
	runSort
)

func (q *Query) run(docs []Object, mode runMode) ([]Object, int) {
	limit, limited := q.PageSize()
	if !limited {
		limit = math.MaxInt
	}
	skip := q.Skip
	window := skip + limit // the matches that must be ordered exactly
	if window < skip {
		window = math.MaxInt
	}
	slots := 1
	if q.Filter != nil {
		slots = q.Filter.slots
	}
	env := make([]any, slots)
	match := func(d Object) bool {
		if q.Filter == nil {
			return true
		}
		return q.Filter.matchEnv(env, d)
	}
	page := []Object{}

	if len(q.keys) == 0 || limit == 0 {
		// No ordering (or nothing to return): stream through the input,
		// keeping only the page.
		matched := 0
		for _, d := range docs {
			if !match(d) {
				continue
			}
			if matched >= skip && matched < window {
				page = append(page, d)
			}
			matched++
		}
		return page, matched
	}

	s := &sorter{keys: q.keys, env: env}
	if mode == runHeap || mode == runAuto && window <= len(docs)/4 {
		return s.heapSelect(docs, match, skip, window, page)
	}
	return s.fullSort(docs, match, skip, window, page)
}

// sorter compares documents by precomputed $orderby keys, then by input
// position, which makes the order total and the result stable.
type sorter struct {
	keys []sortKey
	env  []any
}

// extract writes the normalised keys of d into dst.
func (s *sorter) extract(d Object, dst []any) {
	s.env[0] = d
	for i, k := range s.keys {
		v := k.get(s.env)
		if k.norm != nil && v != nil {
			v = k.norm(v)
		}
		dst[i] = v
	}
}

func (s *sorter) compare(a []any, ai int, b []any, bi int) int {
	for i, k := range s.keys {
		c := Compare(a[i], b[i])
		if c != 0 {
			if k.desc {
				return -c
			}
			return c
		}
	}
	switch {
	case ai < bi:
		return -1
	case ai > bi:
		return 1
	}
	return 0
}

func (s *sorter) fullSort(docs []Object, match func(Object) bool, skip, window int, page []Object) ([]Object, int) {
	nk := len(s.keys)
	var ms []Object
	var keys []any
	for _, d := range docs {
		if !match(d) {
			continue
		}
		ms = append(ms, d)
		keys = append(keys, make([]any, nk)...)
		s.extract(d, keys[len(keys)-nk:])
	}
	perm := make([]int32, len(ms))
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int {
		return s.compare(keys[int(a)*nk:int(a)*nk+nk], int(a), keys[int(b)*nk:int(b)*nk+nk], int(b))
	})
	for i := skip; i < len(perm) && i < window; i++ {
		page = append(page, ms[perm[i]])
	}
	return page, len(ms)
}

// heapEntry is a kept match: its document, input position and keys.
type heapEntry struct {
	doc  Object
	idx  int
	keys []any
}

// heapSelect keeps the window best matches in a max-heap (the worst kept
// match at the root), so ordering costs O(n log window) instead of
// O(n log n) and memory is O(window).
func (s *sorter) heapSelect(docs []Object, match func(Object) bool, skip, window int, page []Object) ([]Object, int) {
	nk := len(s.keys)
	size := min(window, len(docs))
	h := make([]heapEntry, 0, size)
	store := make([]any, size*nk) // keys of kept entries, nk per entry
	scratch := make([]any, nk)
	worse := func(i, j int) bool { // h[i] sorts after h[j]
		return s.compare(h[i].keys, h[i].idx, h[j].keys, h[j].idx) > 0
	}
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			w := l
			if r := l + 1; r < len(h) && worse(r, l) {
				w = r
			}
			if !worse(w, i) {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	up := func(i int) {
		for i > 0 {
			p := (i - 1) / 2
			if !worse(i, p) {
				return
			}
			h[i], h[p] = h[p], h[i]
			i = p
		}
	}
	matched := 0
	for i, d := range docs {
		if !match(d) {
			continue
		}
		matched++
		s.extract(d, scratch)
		if len(h) < window {
			n := len(h)
			k := store[n*nk : n*nk+nk : n*nk+nk]
			copy(k, scratch)
			h = append(h, heapEntry{doc: d, idx: i, keys: k})
			up(len(h) - 1)
			continue
		}
		// A later document never displaces an equal one: input order
		// breaks ties, which keeps the selection stable.
		if s.compare(scratch, i, h[0].keys, h[0].idx) < 0 {
			copy(h[0].keys, scratch)
			h[0].doc, h[0].idx = d, i
			down(0)
		}
	}
	slices.SortFunc(h, func(a, b heapEntry) int { return s.compare(a.keys, a.idx, b.keys, b.idx) })
	for i := skip; i < len(h); i++ {
		page = append(page, h[i].doc)
	}
	return page, matched
}
