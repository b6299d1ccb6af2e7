package share

import (
	"context"

	"pubdata/internal/audit"
	"pubdata/internal/store"
)

// IssueGrantForFollowUpTest issues a grant for r as approved by spec,
// exactly as a decision does (issueGrantTx, which schedules the first use
// report), so that the follow-up tests do not depend on the request flow.
func (s *Service) IssueGrantForFollowUpTest(ctx context.Context, a audit.Actor, r Request, spec Spec) (Grant, error) {
	var g Grant
	err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		var err error
		g, err = s.issueGrantTx(ctx, tx, a, &r, spec)
		return err
	})
	return g, err
}
