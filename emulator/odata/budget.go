package odata

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrWorkLimit is what a run that exceeded its work budget wraps (see
// RunOptions.Budget): errors.Is(err, ErrWorkLimit) tells it from a client
// that went away. The error itself is an *Error, a 400 for the API layer.
var ErrWorkLimit = errors.New("odata: work limit exceeded")

// Work is counted in units: one per document position a run examines and
// one per collection item an any/all lambda (or a $count over a cast)
// visits. The default budget allows every realistic query several times
// over (a lambda over a document's evidence costs about five units, one
// nested in it about twenty) and stops an unrealistic one after a few
// hundred milliseconds to a few seconds of CPU.
const (
	// budgetBase is the part of the default budget that does not depend
	// on the collection's size.
	budgetBase = 1 << 20
	// budgetPerDoc is the part per document.
	budgetPerDoc = 64
	// meterPeriod is how many units a goroutine counts on its own before
	// it settles with the shared budget and looks at the context: often
	// enough to stop within about a millisecond, rarely enough to cost
	// nothing measurable.
	meterPeriod = 1024
)

// DefaultBudget is the work budget of a run over n documents when
// RunOptions.Budget is 0: 1,048,576 units plus 64 per document.
func DefaultBudget(n int) int64 { return budgetBase + budgetPerDoc*int64(n) }

// budget is the allowance of one run, shared by its goroutines. The first
// reason to stop (the context ended, or the work exceeded the limit) wins.
type budget struct {
	ctx   context.Context
	limit int64
	used  atomic.Int64
	stop  atomic.Bool
	once  sync.Once
	cause error
}

func newBudget(ctx context.Context, limit int64) *budget {
	return &budget{ctx: ctx, limit: limit}
}

// fail records why the run stops and tells every goroutine to stop.
func (b *budget) fail(err error) {
	b.once.Do(func() { b.cause = err })
	b.stop.Store(true)
}

// err reports why the run stopped, or nil. Call it after every goroutine
// of the run has finished.
func (b *budget) err() error {
	if !b.stop.Load() {
		return nil
	}
	return b.cause
}

// workLimitError is the 400 a run over its budget answers.
func workLimitError(limit int64) *Error {
	e := badRequest("The query specified in the URI is not valid. Evaluating it exceeds the emulator's work limit of %d steps (documents read plus collection items visited by any/all); narrow the $filter, or nest fewer lambdas.", limit)
	e.cause = ErrWorkLimit
	return e
}

// meter is one goroutine's view of a budget: it counts on its own and
// settles every meterPeriod units. A run's evaluation environment holds
// its meter in slot meterSlot, where lambdas find it.
type meter struct {
	b       *budget
	pending int64
	stopped bool
}

// meterSlot is the environment slot of the meter (slot 0 is the document;
// lambda range variables follow).
const meterSlot = 1

// charge counts n units and reports whether the run may go on. Once it has
// said no, it keeps saying no.
func (m *meter) charge(n int) bool {
	m.pending += int64(n)
	if m.pending < meterPeriod {
		return true
	}
	return m.settle()
}

func (m *meter) settle() bool {
	if m.stopped {
		return false
	}
	b := m.b
	used := b.used.Add(m.pending)
	m.pending = 0
	switch {
	case used > b.limit:
		b.fail(workLimitError(b.limit))
	case b.ctx.Err() != nil:
		b.fail(b.ctx.Err())
	}
	if b.stop.Load() {
		// Keep pending at the period, so that every later charge comes
		// back here and is refused at once.
		m.stopped, m.pending = true, meterPeriod
		return false
	}
	return true
}

// flush adds what the meter counted since it last settled to the budget's
// total (for Result.Work), without checking anything.
func (m *meter) flush() {
	if !m.stopped {
		m.b.used.Add(m.pending)
	}
	m.pending = 0
}

// charge counts n units on the meter of env, if it has one: Filter.Match
// runs without a meter, and is not limited. It reports false once the run
// must stop; predicates then answer false at once, and the run discards
// whatever they decided.
func charge(env []any, n int) bool {
	m, ok := env[meterSlot].(*meter)
	return !ok || m.charge(n)
}
