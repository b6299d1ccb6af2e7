package ident

import (
	"errors"
	"strings"
	"testing"

	"pubdata/internal/apperr"
)

// wantCode checks that err is an Invalid *apperr.Error with the given code
// and field and bilingual messages; code "" means err must be nil.
func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var e *apperr.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want *apperr.Error %s", err, code)
	}
	if e.Code != code || e.Field != field || e.Kind != apperr.Invalid {
		t.Fatalf("got code %q field %q kind %d, want %q %q Invalid (%v)", e.Code, e.Field, e.Kind, code, field, err)
	}
	if e.ZH == "" || e.EN == "" {
		t.Fatalf("missing message: %+v", e)
	}
}

// refCreditCheck computes the GB 32100 check character independently of
// the implementation: value by index in the charset, weight 3^i mod 31.
func refCreditCheck(first17 string) byte {
	const cs = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(cs, first17[i]) * w
		w = w * 3 % 31
	}
	return cs[(31-sum%31)%31]
}

// refResidentCheck computes the ISO 7064 MOD 11-2 check character
// independently: weight 2^(17-i) mod 11.
func refResidentCheck(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		w := 1
		for k := 0; k < 17-i; k++ {
			w = w * 2 % 11
		}
		sum += int(first17[i]-'0') * w
	}
	return "0123456789X"[(12-sum%11)%11]
}

func TestReferenceWeights(t *testing.T) {
	w := 1
	for i := 0; i < 17; i++ {
		if creditWeights[i] != w {
			t.Errorf("credit weight %d = %d, want %d", i, creditWeights[i], w)
		}
		w = w * 3 % 31
	}
	for i := 0; i < 17; i++ {
		w := 1
		for k := 0; k < 17-i; k++ {
			w = w * 2 % 11
		}
		if residentWeights[i] != w {
			t.Errorf("resident weight %d = %d, want %d", i, residentWeights[i], w)
		}
	}
}
