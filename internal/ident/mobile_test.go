package ident

import "testing"

func TestValidateMobile(t *testing.T) {
	for _, tc := range []struct{ name, in, norm, code string }{
		{"plain", "13812345678", "13812345678", ""},
		{"second digit 9", "19912345678", "19912345678", ""},
		{"+86", "+8613812345678", "13812345678", ""},
		{"86", "8613812345678", "13812345678", ""},
		{"empty", "", "", "mobile.invalid"},
		{"10 digits", "1381234567", "", "mobile.invalid"},
		{"12 digits", "138123456789", "", "mobile.invalid"},
		{"second digit 2", "12812345678", "", "mobile.invalid"},
		{"second digit 0", "10812345678", "", "mobile.invalid"},
		{"not starting with 1", "23812345678", "", "mobile.invalid"},
		{"letter", "1381234567a", "", "mobile.invalid"},
		{"spaces", "138 1234 5678", "", "mobile.invalid"},
		{"hyphen", "138-12345678", "", "mobile.invalid"},
		{"0086", "008613812345678", "", "mobile.invalid"},
		{"+86 with space", "+86 13812345678", "", "mobile.invalid"},
		{"+85", "+8513812345678", "", "mobile.invalid"},
		{"86 then bad", "8612812345678", "", "mobile.invalid"},
		{"full-width digits", "１３８１２３４５６７８", "", "mobile.invalid"},
		{"landline", "02087654321", "", "mobile.invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, ValidateMobile(tc.in), tc.code, FieldMobile)
			got, err := NormalizeMobile(tc.in)
			wantCode(t, err, tc.code, FieldMobile)
			if got != tc.norm {
				t.Fatalf("NormalizeMobile = %q, want %q", got, tc.norm)
			}
		})
	}
}

func TestValidateMobileAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = ValidateMobile("+8613812345678") }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
