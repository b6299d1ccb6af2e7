package security

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"
)

// TestSealerOpenSSL checks the Sealer against OpenSSL 3, an implementation
// independent of gmsm: the derived key is HMAC-SM3 of the label (openssl
// mac), and the ciphertext of SM4-GCM is SM4-CTR from the counter block
// nonce ‖ 00000002 (openssl enc -sm4-ctr); `openssl enc` has no AEAD modes,
// so the tag is covered by the published vectors of TestSM4GCMKnownAnswer.
func TestSealerOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	key := mustHex(t, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	nonce := mustHex(t, "00112233445566778899aabb")
	const plaintext = "user:pa55@tcp(10.1.2.3:3306)/hr?parseTime=true"
	s := mustSealer(t, key)
	s.rand = bytes.NewReader(nonce)
	sealed, err := s.Seal([]byte(plaintext), "dataset_source:9")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, SealPrefix))
	if err != nil {
		t.Fatal(err)
	}
	ciphertext := raw[len(nonce) : len(raw)-tagSize]

	mac := exec.Command("openssl", "mac", "-digest", "SM3", "-macopt", "hexkey:"+hex.EncodeToString(key), "HMAC")
	mac.Stdin = strings.NewReader(sealKeyLabel)
	out, err := mac.Output()
	if err != nil {
		t.Skipf("openssl has no HMAC-SM3 here: %v", err)
	}
	derived := strings.ToLower(strings.TrimSpace(string(out)))
	if len(derived) != 64 {
		t.Fatalf("openssl mac: %q", out)
	}
	enc := exec.Command("openssl", "enc", "-sm4-ctr", "-K", derived[:32], "-iv", hex.EncodeToString(nonce)+"00000002")
	enc.Stdin = strings.NewReader(plaintext)
	want, err := enc.Output()
	if err != nil {
		t.Skipf("openssl has no SM4-CTR here: %v", err)
	}
	if !bytes.Equal(ciphertext, want) {
		t.Fatalf("ciphertext:\n  sealer  %x\n  openssl %x", ciphertext, want)
	}
}
