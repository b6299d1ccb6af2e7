package share

import (
	"context"
	"errors"
)

// SealLegacyKeyForTest seals a pseudonym key as grants were sealed before
// the key was bound to its grant (the constant AAD), so that the tests can
// check such keys still open.
func (s *Service) SealLegacyKeyForTest(key []byte) (string, error) {
	if s.sealer == nil {
		return "", errors.New("this node has no secrets key")
	}
	return s.sealer.Seal(key, legacyGrantKeyAAD)
}

// PseudonymKeyForTest opens a grant's pseudonym key as the gateway does.
func (s *Service) PseudonymKeyForTest(ctx context.Context, id int64) ([]byte, error) {
	g, err := s.loadGrant(ctx, s.db.Read(), id)
	return g.pseudonymKey, err
}
