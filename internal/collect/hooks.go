package collect

import (
	"context"
	"sync"
)

// afterLoad queues the work after a batch committed: quality, base and
// theme databases, return flow. One worker runs it in commit order, each
// step in its own transaction: a failure is logged and recorded where it
// belongs (the theme's last error, the return flow's next run) and never
// undoes the load. A load answers when its rows are committed; Settle
// waits for the queue. Work cut off by a stop is caught up by the
// scheduler (the watch measures every dataset, return flows follow their
// cursors).
func (s *Service) afterLoad(ctx context.Context, ds *Dataset, b *Batch) {
	s.startOnce.Do(func() {
		s.queue = make(chan afterJob, 1024)
		go func() {
			for j := range s.queue {
				s.runAfterLoad(j.ctx, &j.ds, &j.b)
				s.pending.Done()
			}
		}()
	})
	s.pending.Add(1)
	j := afterJob{ctx: context.WithoutCancel(ctx), ds: *ds, b: *b}
	select {
	case s.queue <- j:
	default:
		// The queue is full, perhaps of work queued by the worker itself (a
		// return flow loads the copy): never block the worker on its queue.
		go func() { s.queue <- j }()
	}
}

type afterJob struct {
	ctx context.Context
	ds  Dataset
	b   Batch
}

func (s *Service) runAfterLoad(ctx context.Context, ds *Dataset, b *Batch) {
	steps := []struct {
		name string
		fn   func(context.Context, *Dataset, *Batch) error
	}{
		{"quality", s.measureAfterLoad}, // quality.go
		{"base", s.refreshBase},         // base.go
		{"themes", s.refreshThemes},     // theme.go
		{"returnflow", s.flowBack},      // returnflow.go
	}
	for _, st := range steps {
		if err := st.fn(ctx, ds, b); err != nil {
			s.log.Error("after load", "step", st.name, "dataset", ds.ID, "batch", b.ID, "err", err)
		}
	}
}

// Settle waits until the work after every load so far (quality, base and
// theme databases, return flow) is done: for tests, the demo and shutdown.
// It must not be called from that work itself.
func (s *Service) Settle() { s.pending.Wait() }

// afterState is the queue of after-load work.
type afterState struct {
	startOnce sync.Once
	queue     chan afterJob
	pending   sync.WaitGroup
}
