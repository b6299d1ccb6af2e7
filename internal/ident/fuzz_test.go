package ident

import (
	"testing"
	"time"

	"pubdata/internal/apperr"
)

func FuzzValidateCreditCode(f *testing.F) {
	for _, c := range realCreditCodes {
		f.Add(c)
	}
	f.Add("91350100m000100Y43")
	f.Add("91350100中000100Y")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateCreditCode(s)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("not an apperr: %v", err)
			}
			return
		}
		if want := refCreditCheck(s[:17]); s[17] != want {
			t.Fatalf("%q accepted, reference check %q", s, want)
		}
		if got, err := CreditCodeCheck(s[:17]); err != nil || got != s[17] {
			t.Fatalf("%q: CreditCodeCheck = %q, %v", s, got, err)
		}
	})
}

func FuzzValidateResidentID(f *testing.F) {
	f.Add("11010519491231002X")
	f.Add("440524188001010014")
	f.Add("11010519491231002x")
	f.Add("44070019000230001X")
	f.Add("")
	now := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateResidentIDAt(s, now) != nil {
			return
		}
		if want := refResidentCheck(s[:17]); s[17] != want {
			t.Fatalf("%q accepted, reference check %q", s, want)
		}
		p, err := ParseResidentIDAt(s, now)
		if err != nil || p.Birth.Year() < MinBirthYear || p.Birth.After(now) || p.Region != s[:6] {
			t.Fatalf("%q: %+v %v", s, p, err)
		}
		if y, m, d := p.Birth.Date(); y != atoi(s[6:10]) || int(m) != atoi(s[10:12]) || d != atoi(s[12:14]) {
			t.Fatalf("%q: birth %v", s, p.Birth)
		}
	})
}

func FuzzValidateMobile(f *testing.F) {
	f.Add("13812345678")
	f.Add("+8613812345678")
	f.Add("8613812345678")
	f.Add("12812345678")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateMobile(s)
		n, nerr := NormalizeMobile(s)
		if (err == nil) != (nerr == nil) {
			t.Fatalf("%q: Validate %v, Normalize %v", s, err, nerr)
		}
		if err != nil {
			return
		}
		if len(n) != 11 || n[0] != '1' || n[1] < '3' || !isDigits(n) || (s != n && s != "86"+n && s != "+86"+n) {
			t.Fatalf("%q accepted as %q", s, n)
		}
	})
}
