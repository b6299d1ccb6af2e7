package ident

import (
	"fmt"
	"time"

	"pubdata/internal/apperr"
)

// residentWeights are the ISO 7064 MOD 11-2 weights of positions 1–17
// (2^(18-i) mod 11).
var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// residentCheckChars maps (12 − Σ mod 11) mod 11 to the check character.
const residentCheckChars = "0123456789X"

// provinceCodes marks the valid province-level prefixes of an address code
// (GB/T 2260, including 71 台湾, 81 香港, 82 澳门).
var provinceCodes = func() (t [100]bool) {
	for _, r := range [][2]int{{11, 15}, {21, 23}, {31, 37}, {41, 46}, {50, 54}, {61, 65}, {71, 71}, {81, 82}} {
		for p := r[0]; p <= r[1]; p++ {
			t[p] = true
		}
	}
	return t
}()

// chinaTime is UTC+8, the civil time of mainland China, used to decide
// which calendar day "today" is for birth dates.
var chinaTime = time.FixedZone("CST", 8*60*60)

// MinBirthYear is the earliest birth year ValidateResidentID accepts
// (birth dates before 1900-01-01 are refused).
const MinBirthYear = 1900

// ResidentID is a parsed resident identity number.
type ResidentID struct {
	Number   string    // the 18-character number
	Region   string    // 6-digit address code (may be a retired code)
	Birth    time.Time // birth date at UTC midnight
	Sex      string    // "male" (odd sequence) or "female" (even sequence)
	Sequence int       // sequence code, 0–999
	Check    byte      // check character, '0'–'9' or 'X'
}

// residentSum returns the MOD 11-2 weighted sum of the first 17
// characters, which must already be known to be digits.
func residentSum(s string) int {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * residentWeights[i]
	}
	return sum
}

// residentCheckChar returns the check character for a weighted sum.
func residentCheckChar(sum int) byte {
	return residentCheckChars[(12-sum%11)%11]
}

// ResidentIDCheck returns the GB 11643 check character ('0'–'9' or 'X') of
// a resident identity number given its first 17 characters, which must be
// digits. It does not check the region or the birth date.
func ResidentIDCheck(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, lengthError("resident_id.length", FieldResidentID, "公民身份号码本体码（前17位）", "the first 17 characters of a resident identity number", 17, first17)
	}
	for i := 0; i < 17; i++ {
		if first17[i] < '0' || first17[i] > '9' {
			return 0, residentCharsetError(first17, i)
		}
	}
	return residentCheckChar(residentSum(first17)), nil
}

// ValidateResidentID validates a resident identity number at the current
// time; see ValidateResidentIDAt.
func ValidateResidentID(s string) error {
	return ValidateResidentIDAt(s, time.Now())
}

// ValidateResidentIDAt validates an 18-character resident identity number
// (公民身份号码, GB 11643-1999): 17 digits and a check character ('0'–'9' or
// upper-case 'X'; lower-case 'x' is refused). The address code must start
// with a valid province code; the full 6-digit code is not looked up, as
// retired codes stay valid in old numbers (see RegionKnown). The birth date
// must be a real calendar date from 1900-01-01 up to the current day in
// China (UTC+8) at now. Error codes: resident_id.length, resident_id.charset,
// resident_id.region, resident_id.birth_date, resident_id.check.
func ValidateResidentIDAt(s string, now time.Time) error {
	if len(s) != 18 {
		return lengthError("resident_id.length", FieldResidentID, "公民身份号码", "a resident identity number", 18, s)
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return residentCharsetError(s, i)
		}
	}
	if c := s[17]; (c < '0' || c > '9') && c != 'X' {
		return residentCharsetError(s, 17)
	}
	if p := int(s[0]-'0')*10 + int(s[1]-'0'); !provinceCodes[p] {
		return apperr.Invalidf("resident_id.region", FieldResidentID,
			fmt.Sprintf("公民身份号码地址码的省级代码%q不存在", s[:2]),
			fmt.Sprintf("resident identity number: the address code's province code %q does not exist", s[:2]))
	}
	y, m, d := atoi(s[6:10]), atoi(s[10:12]), atoi(s[12:14])
	if !validDate(y, m, d) {
		return birthError("不是有效的日历日期", "is not a real calendar date")
	}
	if y < MinBirthYear {
		return birthError("早于1900-01-01", "is before 1900-01-01")
	}
	ny, nm, nd := now.In(chinaTime).Date()
	if y*10000+m*100+d > ny*10000+int(nm)*100+nd {
		return birthError("晚于当前日期", "is in the future")
	}
	if want := residentCheckChar(residentSum(s)); s[17] != want {
		return apperr.Invalidf("resident_id.check", FieldResidentID,
			fmt.Sprintf("公民身份号码校验码错误：第18位应为%q，实际为%q", want, s[17]),
			fmt.Sprintf("resident identity number check character is wrong: position 18 should be %q, got %q", want, s[17]))
	}
	return nil
}

// ParseResidentID validates s at the current time and returns its parts.
func ParseResidentID(s string) (ResidentID, error) {
	return ParseResidentIDAt(s, time.Now())
}

// ParseResidentIDAt validates s as ValidateResidentIDAt does and returns
// its parts.
func ParseResidentIDAt(s string, now time.Time) (ResidentID, error) {
	if err := ValidateResidentIDAt(s, now); err != nil {
		return ResidentID{}, err
	}
	seq := atoi(s[14:17])
	sex := "female"
	if seq%2 == 1 {
		sex = "male"
	}
	return ResidentID{
		Number:   s,
		Region:   s[:6],
		Birth:    time.Date(atoi(s[6:10]), time.Month(atoi(s[10:12])), atoi(s[12:14]), 0, 0, 0, 0, time.UTC),
		Sex:      sex,
		Sequence: seq,
		Check:    s[17],
	}, nil
}

// atoi converts a string of ASCII digits known to be valid.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// validDate reports whether y-m-d is a date of the proleptic Gregorian
// calendar.
func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= DaysIn(y, m)
}

// DaysIn returns the number of days in month m of year y (Gregorian).
func DaysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// birthError reports a bad birth date. Like every message of this package
// it does not repeat the personal data itself, as errors end up in logs.
func birthError(zh, en string) error {
	return apperr.Invalidf("resident_id.birth_date", FieldResidentID,
		"公民身份号码第7–14位的出生日期"+zh,
		"resident identity number: the birth date (positions 7–14) "+en)
}

// residentCharsetError reports the bad character at byte offset i of s.
func residentCharsetError(s string, i int) error {
	ch := describeChar(s, i)
	zh, en := "第1–17位只能是数字", "positions 1–17 must be digits"
	if i == 17 {
		zh, en = "第18位校验码只能是数字或大写X", "the check character (position 18) must be a digit or upper-case X"
		if s[i] == 'x' {
			zh, en = "校验码请使用大写X，不接受小写x", "write the check character as upper-case X, lower-case x is not accepted"
		}
	}
	return apperr.Invalidf("resident_id.charset", FieldResidentID,
		fmt.Sprintf("公民身份号码第%d位字符%s无效：%s", i+1, ch, zh),
		fmt.Sprintf("resident identity number: invalid character %s at position %d: %s", ch, i+1, en))
}
