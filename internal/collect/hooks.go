package collect

import (
	"context"
	"sync"
)

// afterLoad runs after a batch committed, each step in its own
// transaction: a failure is logged and recorded where it belongs (the
// theme's last error, the return flow's next run) and never undoes the
// load. It runs in the background, one load after another, so that a load
// answers when its rows are committed; Settle waits for it. Work cut off by
// a stop is caught up by the scheduler (the watch measures every dataset,
// return flows follow their cursors).
func (s *Service) afterLoad(ctx context.Context, ds *Dataset, b *Batch) {
	d, batch := *ds, *b
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		s.afterMu.Lock()
		defer s.afterMu.Unlock()
		s.runAfterLoad(context.WithoutCancel(ctx), &d, &batch)
	}()
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
func (s *Service) Settle() { s.pending.Wait() }

// afterState serialises the after-load work.
type afterState struct {
	pending sync.WaitGroup
	afterMu sync.Mutex
}
