package ident

import (
	"testing"
	"time"
)

// fixedNow is the reference time of the resident ID tests.
var fixedNow = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

// withCheck appends the reference check character to 17 digits.
func withCheck(first17 string) string { return first17 + string(refResidentCheck(first17)) }

func TestValidateResidentID(t *testing.T) {
	for _, tc := range []struct{ name, in, code string }{
		{"GB 11643 example", "11010519491231002X", ""},
		{"Guangdong leap day", withCheck("44070020000229123"), ""},
		{"today", withCheck("44070020250615001"), ""},
		{"first day", withCheck("44070019000101001"), ""},
		{"Hong Kong prefix", withCheck("81000019900101001"), ""},
		{"retired region code", withCheck("44050019900101001"), ""},
		{"17 chars", "11010519491231002", "resident_id.length"},
		{"19 chars", "11010519491231002X0", "resident_id.length"},
		{"15-digit old format", "110105491231002", "resident_id.length"},
		{"lowercase x", "11010519491231002x", "resident_id.charset"},
		{"X inside", "1101051949123100X2", "resident_id.charset"},
		{"letter", "1101051949A231002X", "resident_id.charset"},
		{"check char Y", "11010519491231002Y", "resident_id.charset"},
		{"province 99", withCheck("99010519491231002"), "resident_id.region"},
		{"province 00", withCheck("00010519491231002"), "resident_id.region"},
		{"province 16", withCheck("16010519491231002"), "resident_id.region"},
		{"19000230", withCheck("44070019000230001"), "resident_id.birth_date"},
		{"1900 not leap", withCheck("44070019000229001"), "resident_id.birth_date"},
		{"2023 not leap", withCheck("44070020230229001"), "resident_id.birth_date"},
		{"month 13", withCheck("44070019901301001"), "resident_id.birth_date"},
		{"month 00", withCheck("44070019900001001"), "resident_id.birth_date"},
		{"day 00", withCheck("44070019900100001"), "resident_id.birth_date"},
		{"April 31", withCheck("44070019900431001"), "resident_id.birth_date"},
		{"before 1900", withCheck("44070018991231001"), "resident_id.birth_date"},
		{"1880 with valid check", "440524188001010014", "resident_id.birth_date"},
		{"tomorrow", withCheck("44070020250616001"), "resident_id.birth_date"},
		{"future year", withCheck("44070020300101001"), "resident_id.birth_date"},
		{"wrong check", "110105194912310021", "resident_id.check"},
		{"wrong check X", "11010519491231003X", "resident_id.check"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, ValidateResidentIDAt(tc.in, fixedNow), tc.code, FieldResidentID)
		})
	}
}

func TestResidentIDCheck(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     byte
		code     string
	}{
		{"GB 11643 example", "11010519491231002", 'X', ""},
		{"1880 example", "44052418800101001", '4', ""},
		{"short", "1101051949123100", 0, "resident_id.length"},
		{"letter", "1101051949123100X", 0, "resident_id.charset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResidentIDCheck(tc.in)
			wantCode(t, err, tc.code, FieldResidentID)
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if tc.code == "" && refResidentCheck(tc.in) != tc.want {
				t.Fatalf("reference disagrees")
			}
		})
	}
}

// TestFutureUsesChinaDate: at 2025-06-15 20:00 UTC it is already 06-16 in
// China, so a child born on 06-16 is valid.
func TestFutureUsesChinaDate(t *testing.T) {
	id := withCheck("44070020250616001")
	wantCode(t, ValidateResidentIDAt(id, time.Date(2025, 6, 15, 20, 0, 0, 0, time.UTC)), "", "")
	wantCode(t, ValidateResidentIDAt(id, time.Date(2025, 6, 15, 15, 0, 0, 0, time.UTC)), "resident_id.birth_date", FieldResidentID)
}

func TestValidateResidentIDNow(t *testing.T) {
	wantCode(t, ValidateResidentID("11010519491231002X"), "", "")
	wantCode(t, ValidateResidentID(withCheck("44070099991231001")), "resident_id.birth_date", FieldResidentID)
}

func TestParseResidentID(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     ResidentID
	}{
		{"GB 11643 example", "11010519491231002X", ResidentID{
			Number: "11010519491231002X", Region: "110105", Birth: time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC),
			Sex: "female", Sequence: 2, Check: 'X'}},
		{"male", withCheck("44070019800101123"), ResidentID{
			Number: withCheck("44070019800101123"), Region: "440700", Birth: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC),
			Sex: "male", Sequence: 123, Check: refResidentCheck("44070019800101123")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseResidentID(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, err := ParseResidentIDAt("11010519491231002x", fixedNow); err == nil {
		t.Fatal("lowercase x parsed")
	}
}

func TestValidateResidentIDAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = ValidateResidentID("11010519491231002X") }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func BenchmarkValidateResidentID(b *testing.B) {
	for b.Loop() {
		_ = ValidateResidentIDAt("11010519491231002X", fixedNow)
	}
}
