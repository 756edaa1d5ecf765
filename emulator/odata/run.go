package odata

import (
	"math"
	"runtime"
	"slices"
	"sync"
)

// Run applies the query to docs, which are in the resource's default
// order: it filters, counts the matches, orders them (stably: equal keys
// keep their input order, so the default order breaks ties), skips and
// takes one page. matched is the number of documents the filter accepted,
// which is what @odata.count reports. docs is not modified.
//
// Two things keep a query over a large collection cheap. When the page
// ends far before the last match (the usual $top=50 over 100,000 alerts),
// only the best Skip+Top matches are kept, in a bounded heap, instead of
// sorting them all; ties are broken by input position, so the result is
// identical to a full stable sort. And a large input is scanned by one
// goroutine per processor, each over a contiguous part: the scan is bound
// by memory latency (every document is a separate map), which parallel
// scanning hides better than anything done per document.
func (q *Query) Run(docs []Object) (page []Object, matched int) {
	return q.run(docs, runAuto, defaultWorkers(len(docs)))
}

type runMode uint8

const (
	runAuto runMode = iota
	runHeap
	runSort
)

// minChunk is the fewest documents worth handing to another goroutine:
// below it the start-up cost outweighs the parallel scan.
const minChunk = 4096

func defaultWorkers(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/minChunk))
}

// chunk is what scanning one part of the input yields.
type chunk struct {
	matched int
	idx     []int       // no ordering: positions of the first matches
	entries []heapEntry // ordering: the candidates for the page, unsorted
}

// heapEntry is a kept match: its document, input position and keys.
type heapEntry struct {
	doc  Object
	idx  int
	keys []any
}

func (q *Query) run(docs []Object, mode runMode, workers int) ([]Object, int) {
	limit, limited := q.PageSize()
	if !limited {
		limit = math.MaxInt
	}
	skip := q.Skip
	window := skip + limit // the matches that must be ordered exactly
	if window < skip {
		window = math.MaxInt
	}
	ordered := len(q.keys) > 0 && limit > 0
	useHeap := ordered && (mode == runHeap || mode == runAuto && window <= len(docs)/4)
	workers = max(1, min(workers, len(docs)))

	chunks := make([]chunk, workers)
	scan := func(w int) {
		lo, hi := w*len(docs)/workers, (w+1)*len(docs)/workers
		switch {
		case !ordered:
			chunks[w] = q.scanUnordered(docs, lo, hi, window)
		case useHeap:
			chunks[w] = q.newSorter().heapSelect(docs, lo, hi, window)
		default:
			chunks[w] = q.newSorter().collect(docs, lo, hi)
		}
	}
	if workers == 1 {
		scan(0)
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() { scan(w) })
		}
		wg.Wait()
	}

	matched := 0
	for _, c := range chunks {
		matched += c.matched
	}
	page := []Object{}
	if !ordered {
		// Chunks are in input order, so their matches concatenate into
		// the global order; each chunk kept at most window of them.
		pos := 0
		for _, c := range chunks {
			for _, i := range c.idx {
				if pos >= skip && pos < window {
					page = append(page, docs[i])
				}
				pos++
			}
		}
		return page, matched
	}
	var all []heapEntry
	if len(chunks) == 1 {
		all = chunks[0].entries
	} else {
		for _, c := range chunks {
			all = append(all, c.entries...)
		}
	}
	s := q.newSorter()
	slices.SortFunc(all, func(a, b heapEntry) int { return s.compare(a.keys, a.idx, b.keys, b.idx) })
	for i := skip; i < len(all) && i < window; i++ {
		page = append(page, all[i].doc)
	}
	return page, matched
}

// newEnv allocates an evaluation environment for one goroutine. It is
// written for every document, so it is padded to occupy whole cache lines
// of its own: two workers' environments sharing a line would bounce it
// between cores on every write (false sharing), which measured slower than
// not scanning in parallel at all.
func (q *Query) newEnv() []any {
	n := 1
	if q.Filter != nil {
		n = q.Filter.slots
	}
	return make([]any, max(n, 8))[:n]
}

// matcher returns the filter as a function over documents using env.
func (q *Query) matcher(env []any) func(Object) bool {
	if q.Filter == nil {
		return func(Object) bool { return true }
	}
	f := q.Filter
	return func(d Object) bool { return f.matchEnv(env, d) }
}

func (q *Query) scanUnordered(docs []Object, lo, hi, window int) chunk {
	match := q.matcher(q.newEnv())
	var c chunk
	for i := lo; i < hi; i++ {
		if !match(docs[i]) {
			continue
		}
		if c.matched < window {
			c.idx = append(c.idx, i)
		}
		c.matched++
	}
	return c
}

// sorter compares documents by precomputed $orderby keys, then by input
// position, which makes the order total and the result stable. Each
// goroutine has its own (the key readers share an environment).
type sorter struct {
	keys  []sortKey
	env   []any
	match func(Object) bool
}

// newSorter returns a sorter for one goroutine. Its key readers and the
// filter share one environment (keys only use slot 0, the document).
func (q *Query) newSorter() *sorter {
	env := q.newEnv()
	return &sorter{keys: q.keys, env: env, match: q.matcher(env)}
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

// collect keeps every match with its keys, for a full sort.
func (s *sorter) collect(docs []Object, lo, hi int) chunk {
	nk := len(s.keys)
	var c chunk
	var store []any
	for i := lo; i < hi; i++ {
		if !s.match(docs[i]) {
			continue
		}
		c.matched++
		store = append(store, make([]any, nk)...)
		c.entries = append(c.entries, heapEntry{doc: docs[i], idx: i})
	}
	// Keys are read after the scan so that store no longer moves.
	for j := range c.entries {
		k := store[j*nk : j*nk+nk : j*nk+nk]
		s.extract(c.entries[j].doc, k)
		c.entries[j].keys = k
	}
	return c
}

// heapSelect keeps the window best matches of docs[lo:hi] in a max-heap
// (the worst kept match at the root), so ordering costs O(n log window)
// instead of O(n log n) and memory is O(window).
func (s *sorter) heapSelect(docs []Object, lo, hi, window int) chunk {
	nk := len(s.keys)
	size := min(window, hi-lo)
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
	for i := lo; i < hi; i++ {
		d := docs[i]
		if !s.match(d) {
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
	return chunk{matched: matched, entries: h}
}
