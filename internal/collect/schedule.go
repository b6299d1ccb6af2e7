package collect

import (
	"context"
	"errors"
	"time"
)

// RunScheduler runs the collection layer's periodic work until ctx ends:
// due database pulls (by the entries' update frequencies), the freshness
// watch (GD-290 §16) and the return flows (HZ §29).
func (s *Service) RunScheduler(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.tick(ctx, time.Now())
		select {
		case <-ctx.Done():
			s.Settle()
			return
		case <-t.C:
		}
	}
}

// tick is one pass of the scheduler.
func (s *Service) tick(ctx context.Context, now time.Time) {
	passes := []struct {
		name string
		fn   func(context.Context, time.Time) (int, error)
	}{
		{"pull", s.RunDueSources},
		{"watch", s.Watch},
		{"returnflow", s.RunReturnFlows},
	}
	for _, p := range passes {
		n, err := p.fn(ctx, now)
		switch {
		case err != nil && !errors.Is(err, context.Canceled):
			s.log.Error("collection scheduler", "pass", p.name, "err", err)
		case n > 0:
			s.log.Info("collection scheduler", "pass", p.name, "count", n)
		}
	}
}
