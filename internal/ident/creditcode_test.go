package ident

import "testing"

// realCreditCodes are published codes of real organisations; each is also
// checked against refCreditCheck below.
var realCreditCodes = []string{
	"91350100M000100Y43", // the GB 32100 example
	"911100007109288314",
	"91110000600037341L",
	"91110000802100433B",
	"914403001922038216",
	"91440300708461136T",
	"9144030071526726XG",
}

func TestCreditCodeReal(t *testing.T) {
	for _, c := range realCreditCodes {
		t.Run(c, func(t *testing.T) {
			if got := refCreditCheck(c[:17]); got != c[17] {
				t.Fatalf("reference check = %q, want %q", got, c[17])
			}
			if got, err := CreditCodeCheck(c[:17]); err != nil || got != c[17] {
				t.Fatalf("CreditCodeCheck = %q, %v", got, err)
			}
			wantCode(t, ValidateCreditCode(c), "", "")
		})
	}
}

func TestValidateCreditCode(t *testing.T) {
	for _, tc := range []struct{ name, in, code string }{
		{"valid", "91350100M000100Y43", ""},
		{"valid category 9 of department 1", "1944" + "0700" + "12345678" + "0" + string(refCreditCheck("19440700123456780")), ""},
		{"empty", "", "credit_code.length"},
		{"17 chars", "91350100M000100Y4", "credit_code.length"},
		{"19 chars", "91350100M000100Y433", "credit_code.length"},
		{"lowercase", "91350100m000100Y43", "credit_code.charset"},
		{"lowercase check", "91110000802100433b", "credit_code.charset"},
		{"letter I", "91350100I000100Y43", "credit_code.charset"},
		{"letter O", "91350100O000100Y43", "credit_code.charset"},
		{"letter S", "91350100S000100Y43", "credit_code.charset"},
		{"letter V", "91350100V000100Y43", "credit_code.charset"},
		{"letter Z", "91350100M000100Z43", "credit_code.charset"},
		{"space", "91350100 000100Y43", "credit_code.charset"},
		{"letter in region", "9135A100M000100Y43", "credit_code.charset"},
		{"non-ASCII", "91350100中000100Y", "credit_code.charset"},
		{"department B", "B1350100M000100Y43", "credit_code.department"},
		{"department 0", "01350100M000100Y43", "credit_code.department"},
		{"category 4 of 9", "94350100M000100Y43", "credit_code.category"},
		{"category 9 of 9", "99350100M000100Y43", "credit_code.category"},
		{"category 2 of Y", "Y2350100M000100Y43", "credit_code.category"},
		{"category letter", "9A350100M000100Y43", "credit_code.category"},
		{"wrong check", "91350100M000100Y44", "credit_code.check"},
		{"transposed", "91351000M000100Y43", "credit_code.check"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, ValidateCreditCode(tc.in), tc.code, FieldCreditCode)
		})
	}
}

func TestCreditCategories(t *testing.T) {
	// Every pair of the standard, and nothing else, is accepted.
	const depts = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	for i := 0; i < len(depts); i++ {
		for c := byte('0'); c <= '9'; c++ {
			first := string([]byte{depts[i], c}) + "4407001234567X0"
			code := first + string(refCreditCheck(first))
			cats, known := creditCategories[depts[i]]
			want := ""
			switch {
			case !known:
				want = "credit_code.department"
			case !containsByte(cats, c):
				want = "credit_code.category"
			}
			t.Run(code, func(t *testing.T) { wantCode(t, ValidateCreditCode(code), want, FieldCreditCode) })
		}
	}
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func TestCreditCodeCheckErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, code string }{
		{"short", "91350100M000100Y", "credit_code.length"},
		{"bad char", "91350100M000100y4", "credit_code.charset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CreditCodeCheck(tc.in)
			wantCode(t, err, tc.code, FieldCreditCode)
		})
	}
}

func TestCreditCodeCheckMessage(t *testing.T) {
	err := ValidateCreditCode("91350100M000100Y44")
	if got := err.Error(); got != `credit_code.check [credit_code]: unified social credit code check character is wrong: position 18 should be '3', got '4'` {
		t.Fatal(got)
	}
	err = ValidateCreditCode("91350100I000100Y43")
	if got := err.Error(); got != `credit_code.charset [credit_code]: unified social credit code: invalid character 'I' at position 9: the letters I, O, S, V and Z are not used` {
		t.Fatal(got)
	}
}

func TestValidateCreditCodeAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = ValidateCreditCode("91350100M000100Y43") }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func BenchmarkValidateCreditCode(b *testing.B) {
	for b.Loop() {
		_ = ValidateCreditCode("91350100M000100Y43")
	}
}
