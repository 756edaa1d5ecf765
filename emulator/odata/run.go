package odata

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
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
//
// The run's work is bounded: it stops with ctx.Err() once ctx is done (a
// client that went away), and with an *Error wrapping ErrWorkLimit once it
// exceeds DefaultBudget(len(docs)) (see RunOptions.Budget). Each
// goroutine checks both every 1,024 units of work (documents examined and
// lambda items visited), so a run stops promptly, even inside one document
// with huge collections. The page and count are only valid when err is
// nil.
func (q *Query) Run(ctx context.Context, docs []Object) (page []Object, matched int, err error) {
	r, err := q.exec(ctx, docs, RunOptions{}, defaultPlan(len(docs), false))
	return r.Page, r.Matched, err
}

// RunOptions tells RunWith what the caller knows about the documents, so
// that it can read fewer of them. Neither option changes the result.
type RunOptions struct {
	// Order is the order docs are in, as $orderby keys with canonical
	// paths (what ParseQuery puts in Query.OrderBy): every document sorts
	// no later than the next one by these keys, compared as $orderby
	// compares (Query.Comparer). A query ordered by a prefix of Order is
	// then already in order and can stop scanning early. Give the keys
	// only when they hold: a false claim yields a wrong page.
	Order []OrderKey
	// Candidates, when set, reports whether docs[i] may match the filter;
	// positions it rejects are skipped without reading the document. It
	// must accept every position the filter accepts (a superset, such as
	// the EnumTerms evaluated over an index), and be safe for concurrent
	// calls.
	Candidates func(i int) bool
	// Budget bounds the run's work, in units: one per document position
	// examined, one per collection item a lambda visits. 0 means
	// DefaultBudget(len(docs)); a negative budget means no limit.
	Budget int64
}

// Result is the outcome of RunWith.
type Result struct {
	// Page is the requested page, in order; never nil.
	Page []Object
	// Matched is the number of documents the filter accepted when Exact.
	// Otherwise the scan stopped once it knew a later page exists, and
	// Matched is only a lower bound, greater than Skip+len(Page): enough
	// to decide on a next link, not to report as @odata.count.
	Matched int
	Exact   bool
	// Work is the number of units the run charged to its budget.
	Work int64
}

// RunWith is Run for a caller that knows more about docs (RunOptions).
// When the query is unordered, or ordered by a prefix of opt.Order, the
// page is simply the first matches in input order; then, unless $count
// was asked for, the scan stops as soon as it has found Skip+Top matches
// and one more (which proves there is a next page), so a first page of
// newest alerts reads a few documents rather than all of them. The page
// is always the one Run returns; only Matched may be inexact (Result).
// Its work is bounded as Run's is, by ctx and opt.Budget.
func (q *Query) RunWith(ctx context.Context, docs []Object, opt RunOptions) (Result, error) {
	return q.exec(ctx, docs, opt, defaultPlan(len(docs), !q.Count))
}

// plan is how exec goes about a query; tests vary what Run chooses.
type plan struct {
	mode    runMode
	workers int
	// early allows stopping the scan once a next page is known to
	// exist; serial and block size that scan (see earlySerial).
	early         bool
	serial, block int
}

func defaultPlan(n int, early bool) plan {
	return plan{mode: runAuto, workers: defaultWorkers(n), early: early, serial: earlySerial, block: earlyBlock}
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

// run is Run with the strategy chosen by the caller and no work limit
// (tests compare the strategies).
func (q *Query) run(docs []Object, mode runMode, workers int) ([]Object, int) {
	p := defaultPlan(len(docs), false)
	p.mode, p.workers = mode, workers
	r, _ := q.exec(context.Background(), docs, RunOptions{Budget: -1}, p)
	return r.Page, r.Matched
}

// inOrder reports whether the query's $orderby is a prefix of order (the
// empty $orderby always is), so that input order is result order.
func (q *Query) inOrder(order []OrderKey) bool {
	if len(q.OrderBy) > len(order) {
		return false
	}
	for i, k := range q.OrderBy {
		if k != order[i] {
			return false
		}
	}
	return true
}

// exec runs the query as p says, within its budget.
func (q *Query) exec(ctx context.Context, docs []Object, opt RunOptions, p plan) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{Page: []Object{}}, err
	}
	switch {
	case opt.Budget == 0:
		opt.Budget = DefaultBudget(len(docs))
	case opt.Budget < 0:
		opt.Budget = math.MaxInt64
	}
	b := newBudget(ctx, opt.Budget)
	r := q.scan(docs, opt, p, b)
	r.Work = b.used.Load()
	if err := b.err(); err != nil {
		return Result{Page: []Object{}, Work: r.Work}, err
	}
	return r, nil
}

// scan is exec's work; every goroutine it starts charges b through its
// own meter, and flushes it before it ends.
func (q *Query) scan(docs []Object, opt RunOptions, p plan, b *budget) Result {
	limit, limited := q.PageSize()
	if !limited {
		limit = math.MaxInt
	}
	skip := q.Skip
	window := skip + limit // the matches that must be ordered exactly
	if window < skip {
		window = math.MaxInt
	}
	inputOrder := q.inOrder(opt.Order)
	ordered := !inputOrder && limit > 0
	if inputOrder && p.early && window < math.MaxInt {
		return q.scanEarly(docs, opt.Candidates, skip, window, p, b)
	}
	useHeap := ordered && (p.mode == runHeap || p.mode == runAuto && window <= len(docs)/4)
	workers := max(1, min(p.workers, len(docs)))

	chunks := make([]chunk, workers)
	scan := func(w int) {
		lo, hi := w*len(docs)/workers, (w+1)*len(docs)/workers
		switch {
		case !ordered:
			chunks[w] = q.scanUnordered(docs, opt.Candidates, lo, hi, window, b)
		case useHeap:
			s := q.newSorter(opt.Candidates, b)
			chunks[w] = s.heapSelect(docs, lo, hi, window)
			s.meter.flush()
		default:
			s := q.newSorter(opt.Candidates, b)
			chunks[w] = s.collect(docs, lo, hi)
			s.meter.flush()
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
		return Result{Page: page, Matched: matched, Exact: true}
	}
	var all []heapEntry
	if len(chunks) == 1 {
		all = chunks[0].entries
	} else {
		for _, c := range chunks {
			all = append(all, c.entries...)
		}
	}
	s := q.newSorter(nil, nil)
	slices.SortFunc(all, func(a, b heapEntry) int { return s.compare(a.keys, a.idx, b.keys, b.idx) })
	for i := skip; i < len(all) && i < window; i++ {
		page = append(page, all[i].doc)
	}
	return Result{Page: page, Matched: matched, Exact: true}
}

// Early-exit scanning reads the first earlySerial positions on the calling
// goroutine: a first page is nearly always complete by then, and sharing
// the work would cost more than it saves (measured: with another process
// busy on the second core, two workers took four times as long as one for
// a page complete at position 2,443, because a worker waiting for a core
// holds up the answer while the other reads on). A scan that goes deeper
// continues in parallel: workers claim blocks in input order, the first
// earlyBlock positions long and each next one twice as long up to
// earlyMaxBlock, and all stop once the blocks finished so far, taken from
// the start, hold enough matches.
const (
	earlySerial   = 16384
	earlyBlock    = 4096
	earlyMaxBlock = 32768
)

// scanEarly returns the page of an in-order query, stopping once it has
// found window+1 matches (or at the end of docs, with an exact count).
func (q *Query) scanEarly(docs []Object, cand func(int) bool, skip, window int, p plan, b *budget) Result {
	need := window + 1
	env, m := q.newEnv(b)
	match := q.matcher(env)
	var idx []int
	serial := min(len(docs), p.serial)
	for i := 0; i < serial && len(idx) < need && m.charge(1); i++ {
		if (cand == nil || cand(i)) && match(docs[i]) {
			idx = append(idx, i)
		}
	}
	m.flush()
	if len(idx) < need && serial < len(docs) && !b.stop.Load() {
		idx = q.scanBlocks(docs, cand, idx, serial, need, p, b)
	}
	page := []Object{}
	for i := skip; i < len(idx) && i < window; i++ {
		page = append(page, docs[idx[i]])
	}
	if len(idx) >= need {
		return Result{Page: page, Matched: need, Exact: false}
	}
	return Result{Page: page, Matched: len(idx), Exact: true}
}

// scanBlocks continues an early-exit scan from position from, appending to
// idx (the matches before from) until it holds need matches or docs end.
func (q *Query) scanBlocks(docs []Object, cand func(int) bool, idx []int, from, need int, p plan, bud *budget) []int {
	// Block b is docs[bounds[b]:bounds[b+1]].
	bounds := []int{from}
	for lo, size := from, max(1, p.block); lo < len(docs); size = min(2*size, max(p.block, earlyMaxBlock)) {
		lo = min(lo+size, len(docs))
		bounds = append(bounds, lo)
	}
	nblocks := len(bounds) - 1
	found := make([][]int, nblocks) // matches per finished block, at most need each
	var (
		next atomic.Int64
		stop atomic.Bool
		mu   sync.Mutex
		done = make([]bool, nblocks)
		// The blocks before prefix are all done and hold total matches
		// (those before from included); first mirrors prefix for
		// reading without the lock.
		prefix int
		total  = len(idx)
		first  atomic.Int64
	)
	// finish records block b's matches (all of them, or the first ones
	// when they complete the answer) and advances the prefix.
	finish := func(b int, mine []int) {
		found[b], done[b] = mine, true
		for prefix < nblocks && done[prefix] {
			total += len(found[prefix])
			prefix++
		}
		first.Store(int64(prefix))
		if total >= need {
			stop.Store(true)
		}
	}
	work := func() {
		env, m := q.newEnv(bud)
		defer m.flush()
		match := q.matcher(env)
		for !stop.Load() {
			b := int(next.Add(1) - 1)
			if b >= nblocks {
				return
			}
			var mine []int
			for i := bounds[b]; i < bounds[b+1] && len(mine) < need; i++ {
				// Once the answer is known, the rest of a block is
				// not needed; the block stays unfinished, and is
				// after the finished prefix that holds the answer.
				// So it is when the run's budget is spent.
				if i&63 == 0 && stop.Load() || !m.charge(1) {
					stop.Store(true)
					return
				}
				if (cand == nil || cand(i)) && match(docs[i]) {
					mine = append(mine, i)
					// When every earlier block is done, this one
					// can end as soon as the answer is complete.
					if first.Load() == int64(b) {
						mu.Lock()
						if total+len(mine) >= need {
							finish(b, mine)
							mu.Unlock()
							return
						}
						mu.Unlock()
					}
				}
			}
			mu.Lock()
			finish(b, mine)
			mu.Unlock()
		}
	}
	if workers := max(1, min(p.workers, nblocks)); workers == 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(work)
		}
		wg.Wait()
	}
	// Blocks past the done prefix may be missing or partial; the prefix
	// alone holds need matches whenever the scan stopped early.
	for b := 0; b < prefix && len(idx) < need; b++ {
		idx = append(idx, found[b]...)
	}
	return idx[:min(len(idx), need)]
}

// Comparer returns a function that orders two documents by the query's
// $orderby keys exactly as Run does, without the input-position tie-break:
// c is negative when a sorts first, and key is the index of the first key
// on which they differ (len(OrderBy) when they tie). A store uses it to
// know whether its list is in the order it claims in RunOptions.Order.
// The function is not safe for concurrent use.
func (q *Query) Comparer() func(a, b Object) (c, key int) {
	s := q.newSorter(nil, nil)
	ka, kb := make([]any, len(s.keys)), make([]any, len(s.keys))
	return func(a, b Object) (int, int) {
		s.extract(a, ka)
		s.extract(b, kb)
		for i, k := range s.keys {
			if c := Compare(ka[i], kb[i]); c != 0 {
				if k.desc {
					c = -c
				}
				return c, i
			}
		}
		return 0, len(s.keys)
	}
}

// newEnv allocates an evaluation environment for one goroutine, with its
// meter of b in meterSlot. It is written for every document, so it is
// padded to occupy whole cache lines of its own: two workers'
// environments sharing a line would bounce it between cores on every
// write (false sharing), which measured slower than not scanning in
// parallel at all.
func (q *Query) newEnv(b *budget) ([]any, *meter) {
	n := meterSlot + 1
	if q.Filter != nil {
		n = max(n, q.Filter.slots)
	}
	env := make([]any, max(n, 8))[:n]
	m := &meter{b: b}
	env[meterSlot] = m
	return env, m
}

// matcher returns the filter as a function over documents using env.
func (q *Query) matcher(env []any) func(Object) bool {
	if q.Filter == nil {
		return func(Object) bool { return true }
	}
	f := q.Filter
	return func(d Object) bool { return f.matchEnv(env, d) }
}

func (q *Query) scanUnordered(docs []Object, cand func(int) bool, lo, hi, window int, b *budget) chunk {
	env, m := q.newEnv(b)
	defer m.flush()
	match := q.matcher(env)
	var c chunk
	for i := lo; i < hi && m.charge(1); i++ {
		if cand != nil && !cand(i) || !match(docs[i]) {
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
	cand  func(int) bool // RunOptions.Candidates; nil accepts all
	meter *meter
}

// newSorter returns a sorter for one goroutine. Its key readers and the
// filter share one environment (keys only use slot 0, the document). b is
// the run's budget; nil for a sorter that only compares.
func (q *Query) newSorter(cand func(int) bool, b *budget) *sorter {
	if b == nil {
		b = newBudget(context.Background(), math.MaxInt64)
	}
	env, m := q.newEnv(b)
	return &sorter{keys: q.keys, env: env, match: q.matcher(env), cand: cand, meter: m}
}

// accepts reports whether docs[i] matches, asking the candidates first.
func (s *sorter) accepts(docs []Object, i int) bool {
	return (s.cand == nil || s.cand(i)) && s.match(docs[i])
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
	for i := lo; i < hi && s.meter.charge(1); i++ {
		if !s.accepts(docs, i) {
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
	for i := lo; i < hi && s.meter.charge(1); i++ {
		if !s.accepts(docs, i) {
			continue
		}
		d := docs[i]
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
