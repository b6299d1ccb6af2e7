package security

import (
	"bytes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm4"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustSealer(t testing.TB, key []byte) *Sealer {
	t.Helper()
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testKey is a 32-byte key like the node's key file holds.
var testKey = bytes.Repeat([]byte{0x5a, 0xa5}, 16)

// TestSM4GCMKnownAnswer checks the SM4-GCM the Sealer is built from against
// published vectors: RFC 8998 appendix A.1 and GB/T 36624-2018 C.5.
func TestSM4GCMKnownAnswer(t *testing.T) {
	cases := []struct {
		name                               string
		key, nonce, aad, plaintext, sealed string // sealed = ciphertext ‖ tag
	}{
		{
			name:      "RFC 8998 A.1",
			key:       "0123456789ABCDEFFEDCBA9876543210",
			nonce:     "00001234567800000000ABCD",
			aad:       "FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2",
			plaintext: "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
			sealed: "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D" +
				"83DE3541E4C2B58177E065A9BF7B62EC",
		},
		{
			name:  "GB/T 36624-2018 C.5 1",
			key:   "00000000000000000000000000000000",
			nonce: "000000000000000000000000",
			// empty plaintext and aad: the tag alone
			sealed: "232f0cfe308b49ea6fc88229b5dc858d",
		},
		{
			name:      "GB/T 36624-2018 C.5 2",
			key:       "00000000000000000000000000000000",
			nonce:     "000000000000000000000000",
			plaintext: "00000000000000000000000000000000",
			sealed:    "7de2aa7f1110188218063be1bfeb6d89b851b5f39493752be508f1bb4482c557",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			block, err := sm4.NewCipher(mustHex(t, c.key))
			if err != nil {
				t.Fatal(err)
			}
			aead, err := cipher.NewGCM(block)
			if err != nil {
				t.Fatal(err)
			}
			nonce, aad, pt, want := mustHex(t, c.nonce), mustHex(t, c.aad), mustHex(t, c.plaintext), mustHex(t, c.sealed)
			if got := aead.Seal(nil, nonce, pt, aad); !bytes.Equal(got, want) {
				t.Fatalf("seal:\n got %X\nwant %X", got, want)
			}
			got, err := aead.Open(nil, nonce, want, aad)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("open: %X, %v", got, err)
			}
		})
	}
}

// TestSealerKnownAnswer pins the v1 format and the key derivation: a text
// sealed today must open after any later change to this package. The
// ciphertext part was cross-checked with OpenSSL 3 (see TestSealerOpenSSL).
func TestSealerKnownAnswer(t *testing.T) {
	key := mustHex(t, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	s := mustSealer(t, key)
	s.rand = bytes.NewReader(mustHex(t, "00112233445566778899aabb"))
	const plaintext, aad = "postgres://feeder:s3cret@10.0.0.7:5432/hr", "dataset_source:1"
	got, err := s.Seal([]byte(plaintext), aad)
	if err != nil {
		t.Fatal(err)
	}
	const want = "sm4gcm:v1:ABEiM0RVZneImaq7+g1GwdouW8QZXMhWRt9EasZ4JQbkDHaoH2rEG2SNVhiD4AOHQvUp7T+XSE4OqcmwvzNIQmFka+7W"
	if got != want {
		t.Fatalf("sealed:\n got %s\nwant %s", got, want)
	}
	pt, err := mustSealer(t, key).Open(want, aad)
	if err != nil || string(pt) != plaintext {
		t.Fatalf("open: %q, %v", pt, err)
	}
}

func TestSealRoundTrip(t *testing.T) {
	s := mustSealer(t, testKey)
	for _, pt := range []string{"", "x", "user:pa:ss@tcp(db.example:3306)/hr?parseTime=true", "中文口令🔐", strings.Repeat("z", 70000)} {
		sealed, err := s.Seal([]byte(pt), "dataset_source:7")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sealed, SealPrefix) {
			t.Fatalf("sealed text %q lacks the prefix", sealed[:20])
		}
		if len(pt) > 8 && strings.Contains(sealed, pt) {
			t.Fatalf("the sealed text shows the plaintext")
		}
		got, err := s.Open(sealed, "dataset_source:7")
		if err != nil {
			t.Fatalf("open %q: %v", pt, err)
		}
		if got == nil || string(got) != pt {
			t.Fatalf("round trip: got %q, want %q", got, pt)
		}
	}
}

func TestSealerKey(t *testing.T) {
	if _, err := NewSealer(make([]byte, 15)); !errors.Is(err, ErrKeyTooShort) {
		t.Fatalf("15-byte key: %v", err)
	}
	if _, err := NewSealer(nil); !errors.Is(err, ErrKeyTooShort) {
		t.Fatalf("no key: %v", err)
	}
	// Any key of 16 bytes or more works; each gives its own SM4 key.
	short, long := mustSealer(t, testKey[:16]), mustSealer(t, testKey)
	sealed, err := long.Seal([]byte("secret"), "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := short.Open(sealed, "a"); !errors.Is(err, ErrOpen) {
		t.Fatalf("a key's prefix opened its text: %v", err)
	}
}

func TestOpenRefusesTampering(t *testing.T) {
	s := mustSealer(t, testKey)
	// 21 bytes: the base64 text ends in padding.
	// Seal until the text has a + or /, so that the URL-safe alphabet below
	// really is a different text (the nonce is random).
	var sealed string
	for !strings.ContainsAny(sealed, "+/") {
		var err error
		if sealed, err = s.Seal([]byte("postgres://u:pw@h/db1"), "dataset_source:1"); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.HasSuffix(sealed, "==") {
		t.Fatalf("want a padded text, got %s", sealed)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, SealPrefix))
	if err != nil {
		t.Fatal(err)
	}
	// Every single bit flipped anywhere (nonce, ciphertext, tag) is caught.
	for i := range raw {
		for bit := range 8 {
			alt := bytes.Clone(raw)
			alt[i] ^= 1 << bit
			if _, err := s.Open(SealPrefix+base64.StdEncoding.EncodeToString(alt), "dataset_source:1"); !errors.Is(err, ErrOpen) {
				t.Fatalf("byte %d bit %d flipped: %v", i, bit, err)
			}
		}
	}
	enc := func(b []byte) string { return SealPrefix + base64.StdEncoding.EncodeToString(b) }
	for name, text := range map[string]string{
		"truncated tag":      enc(raw[:len(raw)-1]),
		"extended":           enc(append(bytes.Clone(raw), 0)),
		"nonce only":         enc(raw[:12]),
		"too short":          enc(raw[:27]),
		"empty body":         SealPrefix,
		"no prefix":          strings.TrimPrefix(sealed, SealPrefix),
		"other version":      strings.Replace(sealed, ":v1:", ":v2:", 1),
		"not base64":         SealPrefix + "!!!!",
		"newline inside":     sealed[:20] + "\n" + sealed[20:],
		"trailing newline":   sealed + "\n",
		"unpadded":           strings.TrimRight(sealed, "="),
		"plaintext":          "postgres://u:pw@h/db",
		"empty":              "",
		"url-safe alphabet":  SealPrefix + base64.URLEncoding.EncodeToString(raw),
		"doubled prefix":     SealPrefix + sealed,
		"swapped halves":     enc(append(bytes.Clone(raw[12:]), raw[:12]...)),
		"upper-cased prefix": strings.ToUpper(SealPrefix) + strings.TrimPrefix(sealed, SealPrefix),
	} {
		if pt, err := s.Open(text, "dataset_source:1"); err == nil {
			t.Errorf("%s: opened to %q", name, pt)
		}
	}
	if _, err := s.Open(sealed, "dataset_source:1"); err != nil {
		t.Fatalf("the untouched text no longer opens: %v", err)
	}
}

func TestOpenRefusesOtherAAD(t *testing.T) {
	s := mustSealer(t, testKey)
	sealed, err := s.Seal([]byte("secret"), "dataset_source:1")
	if err != nil {
		t.Fatal(err)
	}
	for _, aad := range []string{"", "dataset_source:2", "dataset_source:10", "dataset_source:1 ", "DATASET_SOURCE:1"} {
		if _, err := s.Open(sealed, aad); !errors.Is(err, ErrOpen) {
			t.Errorf("aad %q: %v", aad, err)
		}
	}
}

func TestOpenRefusesOtherKey(t *testing.T) {
	sealed, err := mustSealer(t, testKey).Seal([]byte("secret"), "a")
	if err != nil {
		t.Fatal(err)
	}
	other := bytes.Clone(testKey)
	other[31] ^= 1
	if _, err := mustSealer(t, other).Open(sealed, "a"); !errors.Is(err, ErrOpen) {
		t.Fatalf("another key: %v", err)
	}
}

func TestSealNonceIsFresh(t *testing.T) {
	s := mustSealer(t, testKey)
	const n = 10000
	seen := make(map[string]bool, n)
	for range n {
		sealed, err := s.Seal([]byte("the same secret"), "the same place")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, SealPrefix))
		nonce := string(raw[:12])
		if seen[nonce] {
			t.Fatalf("nonce %x repeated within %d seals", nonce, len(seen))
		}
		seen[nonce] = true
	}
}

func TestSealFailsWithoutRandomness(t *testing.T) {
	s := mustSealer(t, testKey)
	s.rand = bytes.NewReader(nil)
	if _, err := s.Seal([]byte("x"), ""); err == nil {
		t.Fatal("sealed without a nonce")
	}
}

func FuzzOpen(f *testing.F) {
	// Fixed nonces: every fuzzing worker runs this setup and must agree on
	// the two texts that may open.
	s := mustSealer(f, testKey)
	s.rand = bytes.NewReader(bytes.Repeat([]byte{7}, 2*nonceSize))
	valid, err := s.Seal([]byte("postgres://u:pw@h/db"), "dataset_source:1")
	if err != nil {
		f.Fatal(err)
	}
	empty, err := s.Seal(nil, "dataset_source:1")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{valid, empty, "", SealPrefix, SealPrefix + "AAAA", SealPrefix + "====", valid + "\n", valid[:len(valid)-2], "sm4gcm:v2:AAAA", "\x00\xff"} {
		f.Add(seed, "dataset_source:1")
	}
	f.Add(valid, "")
	f.Fuzz(func(t *testing.T, sealed, aad string) {
		pt, err := s.Open(sealed, aad)
		if err != nil {
			if !errors.Is(err, ErrOpen) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		// Nothing but the texts this test sealed can open: a sealed text
		// has one spelling and cannot be forged.
		if aad != "dataset_source:1" || (sealed != valid && sealed != empty) {
			t.Fatalf("forged text %q (aad %q) opened to %q", sealed, aad, pt)
		}
	})
}
