package audit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"pubdata/internal/store"
)

// ErrBatcherClosed is returned by Batcher.Append after Close.
var ErrBatcherClosed = errors.New("audit: batcher closed")

// DefaultBatch is the cap on the entries of one transaction when NewBatcher
// is given none.
const DefaultBatch = 512

// Batcher appends entries in group commits: callers hand it entries and wait
// until the transaction holding theirs has committed, so no entry of a call
// that was answered can be lost in a crash, while one commit serves every
// call that arrived during the previous one.
//
// There is no timer: an idle writer commits the first entry at once, and the
// entries that arrive while it commits form the next group, so an entry waits
// at most for the commit in progress and its own. The chain order is the
// commit order; the batcher's transactions interleave safely with Append and
// Record from elsewhere (PostgreSQL locks the head, SQLite has one writer).
//
// A Batcher is safe for concurrent use. It is for entries that stand alone
// (reads of data through the gateway): an entry that records a change belongs
// in the change's transaction, through Trail.Append.
type Batcher struct {
	t   *Trail
	max int
	now func() time.Time // the clock of entry times; time.Now but in tests
	// linger is how long the writer waits for more entries before a commit
	// while calls arrive concurrently (the last group had more than one):
	// a commit costs the same for one entry or fifty, so a fraction of a
	// millisecond's wait turns many small commits into a few large ones.
	linger time.Duration
	last   int // entries of the last group (writer only)

	mu     sync.Mutex
	cond   *sync.Cond // signalled when queue grows or closed is set
	queue  []*group   // groups waiting for the writer, each of at most max entries
	closed bool

	done     chan struct{} // closed when the writer has stopped
	closeErr error         // the first failure of the commits after Close; set before done is closed

	entries, commits atomic.Int64

	// The head the writer last wrote (writer only): the fast path on
	// PostgreSQL moves it without reading it when nobody else did.
	headKnown bool
	headSeq   int64
	headHash  string
	fast      atomic.Int64 // groups written by the one-statement path (tests)
}

// group is the entries of one transaction and its waiters' result.
type group struct {
	entries []Entry
	err     error         // set before done is closed
	done    chan struct{} // closed when the transaction has committed or failed
}

// NewBatcher starts the batcher's writer goroutine. max caps the entries of
// one transaction (DefaultBatch when max <= 0). The caller must Close it.
func (t *Trail) NewBatcher(max int) *Batcher { return t.newBatcher(max, time.Now) }

// SetLinger sets how long the writer may wait to gather a group while calls
// arrive concurrently (0, the default: never). Call it before first use.
func (b *Batcher) SetLinger(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.linger = d
}

// NewBatcherClock is NewBatcher with the clock of entry times: a service
// whose clock tests and the demo move (back-dated history) passes its own.
func (t *Trail) NewBatcherClock(max int, now func() time.Time) *Batcher {
	return t.newBatcher(max, now)
}

func (t *Trail) newBatcher(max int, now func() time.Time) *Batcher {
	if max <= 0 {
		max = DefaultBatch
	}
	b := &Batcher{t: t, max: max, now: now, done: make(chan struct{})}
	b.cond = sync.NewCond(&b.mu)
	go b.run()
	return b
}

// Append queues one entry and waits until it is committed. The entry's time
// is the moment Append was called (not the commit's), truncated to
// microseconds like every entry's.
//
// It returns nil once the entry is durable; the error of the transaction if
// it failed (then no entry of that group was written); ErrBatcherClosed after
// Close; or ctx.Err() when ctx ends first. An entry handed to the writer is
// never withdrawn: if ctx ends while it waits, it may still be committed. So
// an entry is never lost, but at worst recorded for a call that then failed
// — the caller must treat any error as "not known to be recorded" and fail
// the call. With ctx already done, nothing is queued.
func (b *Batcher) Append(ctx context.Context, a Actor, ev Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e := entryOf(a, ev, b.now())
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrBatcherClosed
	}
	var g *group
	if n := len(b.queue); n > 0 && len(b.queue[n-1].entries) < b.max {
		g = b.queue[n-1]
	} else {
		g = &group{done: make(chan struct{})}
		b.queue = append(b.queue, g)
	}
	g.entries = append(g.entries, e)
	b.cond.Signal()
	b.mu.Unlock()

	select {
	case <-g.done:
		return g.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close commits what is queued, stops the writer and returns the first error
// of those last commits (their waiters get it too). Append after Close
// returns ErrBatcherClosed. Close may be called more than once; each call
// waits for the writer to stop and returns the same result.
func (b *Batcher) Close() error {
	b.mu.Lock()
	b.closed = true
	b.cond.Signal()
	b.mu.Unlock()
	<-b.done
	return b.closeErr
}

// Stats reports the entries committed and the commits made so far; their
// ratio is the mean size of a group.
func (b *Batcher) Stats() (entries, commits int64) {
	return b.entries.Load(), b.commits.Load()
}

// run is the writer: it commits the oldest queued group, wakes its waiters,
// and goes on until the batcher is closed and the queue is empty.
func (b *Batcher) run() {
	defer close(b.done)
	for {
		b.mu.Lock()
		for len(b.queue) == 0 && !b.closed {
			b.cond.Wait()
		}
		if len(b.queue) == 0 {
			b.mu.Unlock()
			return
		}
		if b.linger > 0 && b.last > 1 && !b.closed && len(b.queue[0].entries) < b.max {
			b.mu.Unlock()
			time.Sleep(b.linger)
			b.mu.Lock()
		}
		g := b.queue[0]
		b.queue[0] = nil
		b.queue = b.queue[1:]
		closing := b.closed
		b.mu.Unlock()

		b.last = len(g.entries)
		g.err = b.commit(g.entries)
		if g.err != nil && closing && b.closeErr == nil {
			b.closeErr = g.err
		}
		close(g.done)
	}
}

// commit writes es in one transaction. It runs under a context of its own:
// the group is shared, so no one caller's cancellation may abort it.
//
// On PostgreSQL, once the writer knows the head it wrote last, a group of
// up to maxInsertRows entries goes in one autocommitted statement that
// moves the head only if no other writer moved it (appendAfter); else, and
// on SQLite, in a transaction that locks and reads the head.
func (b *Batcher) commit(es []Entry) error {
	ctx := context.Background()
	ok := false
	var err error
	if b.headKnown {
		ok, err = b.t.appendAfter(ctx, es, b.headSeq, b.headHash)
		if err != nil {
			ok = false // e.g. a trigger refused an entry: the locked path reports it
		}
	}
	if ok {
		b.fast.Add(1)
	} else {
		err = b.t.db.Write(ctx, func(tx *store.Tx) error {
			return b.t.appendEntries(ctx, tx, es)
		})
	}
	b.headKnown = err == nil && len(es) > 0
	if b.headKnown {
		last := es[len(es)-1]
		b.headSeq, b.headHash = last.Seq, last.Hash
		b.entries.Add(int64(len(es)))
		b.commits.Add(1)
	}
	return err
}
