package security

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// SealPrefix starts every sealed text: the algorithm and the format version,
// so that a later format can be told apart and old texts still opened.
const SealPrefix = "sm4gcm:v1:"

// sealKeyLabel fixes what the SM4 key derived from the node's secrets key is
// for: the same key file may feed other derivations with other labels.
const sealKeyLabel = "pubdata/security/sealer/sm4-gcm/v1"

// MinKeySize is the least length of the node's secrets key in bytes.
const MinKeySize = 16

const (
	nonceSize = 12 // the GCM standard nonce
	tagSize   = 16 // the full GCM tag
)

// Errors returned by the Sealer. Neither says which check failed, so that
// an attacker learns nothing from the difference.
var (
	// ErrKeyTooShort: the secrets key has fewer than MinKeySize bytes.
	ErrKeyTooShort = errors.New("security: the secrets key must hold at least 16 bytes")
	// ErrMalformed: the text is not a sealed text of a format this version knows.
	ErrMalformed = errors.New("security: not a sealed text (want " + SealPrefix + "base64)")
	// ErrOpen: the text does not open: another key, altered text or other context.
	ErrOpen = errors.New("security: sealed text does not open: wrong key, altered text or other context")
)

// Sealer seals secrets at rest with SM4-GCM (GB/T 32907 SM4 in the GCM mode
// of GB/T 36624 / RFC 8998). A sealed text is
//
//	"sm4gcm:v1:" + base64(nonce ‖ ciphertext ‖ tag)
//
// with a fresh random 96-bit nonce per seal. The additional data (aad)
// binds the text to where it is kept (e.g. "dataset_source:42"): a text
// copied to another row does not open there. A Sealer is safe for
// concurrent use.
type Sealer struct {
	aead cipher.AEAD
	rand io.Reader // crypto/rand.Reader; tests fix it for a known answer
}

// NewSealer returns a Sealer keyed from the node's secrets key (at least 16
// bytes; a longer key file is fine). The 128-bit SM4 key is
// HMAC-SM3(key, "pubdata/security/sealer/sm4-gcm/v1") cut to 16 bytes, so
// that the raw key is never used directly and one key file can serve other
// purposes under other labels. It returns ErrKeyTooShort for a short key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) < MinKeySize {
		return nil, ErrKeyTooShort
	}
	mac := hmac.New(sm3.New, key)
	mac.Write([]byte(sealKeyLabel))
	k := mac.Sum(nil)[:16]
	block, err := sm4.NewCipher(k)
	if err != nil {
		return nil, err
	}
	clear(k)
	aead, err := cipher.NewGCMWithNonceSize(block, nonceSize)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, rand: rand.Reader}, nil
}

// Seal encrypts and authenticates plaintext, bound to aad, and returns the
// sealed text. It fails only if the system's random source fails.
func (s *Sealer) Seal(plaintext []byte, aad string) (string, error) {
	buf := make([]byte, nonceSize, nonceSize+len(plaintext)+tagSize)
	if _, err := io.ReadFull(s.rand, buf); err != nil {
		return "", errors.New("security: no randomness for a nonce: " + err.Error())
	}
	buf = s.aead.Seal(buf, buf[:nonceSize], plaintext, []byte(aad))
	return SealPrefix + base64.StdEncoding.EncodeToString(buf), nil
}

// Open checks and decrypts a text made by Seal with the same key and aad.
// It returns ErrMalformed for a text that is not a sealed text, and ErrOpen
// when the key or aad differ or the text was altered; it never panics.
func (s *Sealer) Open(sealed, aad string) ([]byte, error) {
	body, ok := strings.CutPrefix(sealed, SealPrefix)
	// encoding/base64 skips CR and LF even in strict mode; refuse them so
	// that one secret has exactly one sealed spelling.
	if !ok || strings.ContainsAny(body, "\r\n") {
		return nil, ErrMalformed
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(body)
	if err != nil || len(raw) < nonceSize+tagSize {
		return nil, ErrMalformed
	}
	pt, err := s.aead.Open(nil, raw[:nonceSize], raw[nonceSize:], []byte(aad))
	if err != nil {
		return nil, ErrOpen
	}
	if pt == nil {
		pt = []byte{}
	}
	return pt, nil
}
