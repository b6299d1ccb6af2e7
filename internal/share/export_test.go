package share

import (
	"context"

	"pubdata/internal/audit"
	"pubdata/internal/store"
)

// IssueForTest issues a grant for r as fixed by spec, as a decision would
// (issueGrantTx in a transaction of its own), so that the gateway's tests
// do not depend on the request flow.
func (s *Service) IssueForTest(ctx context.Context, a audit.Actor, r Request, spec Spec) (Grant, error) {
	var g Grant
	err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		var err error
		g, err = s.issueGrantTx(ctx, tx, a, &r, spec)
		return err
	})
	return g, err
}

// ForgetLimitsForTest drops the gateway's rate and quota state, as a
// restart of the node would.
func (s *Service) ForgetLimitsForTest() {
	s.gw.limits.Range(func(k, _ any) bool { s.gw.limits.Delete(k); return true })
}

// PreparedForTest counts the gateway's prepared lookup statements (SQLite
// only; none on PostgreSQL).
func (s *Service) PreparedForTest() int {
	n := 0
	s.gw.stmts.Range(func(_, _ any) bool { n++; return true })
	return n
}
