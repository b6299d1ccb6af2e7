// Package ident validates Chinese identifiers exactly — the unified social
// credit code (GB 32100-2015), the resident identity number (GB 11643-1999),
// mainland mobile numbers and administrative division codes (GB/T 2260) —
// and generates synthetic valid ones for demo and test data.
//
// Validators never normalise their input (no trimming, no upcasing): the
// caller decides how lenient to be. They do not allocate when the input is
// valid; on failure they return an *apperr.Error of kind Invalid with a
// stable code and a message in Chinese and English.
package ident

import (
	"fmt"

	"pubdata/internal/apperr"
)

// Field names used in errors; callers may replace them with WithField.
const (
	FieldCreditCode   = "credit_code"
	FieldResidentID   = "resident_id"
	FieldMobile       = "mobile"
	FieldDivisionCode = "division_code"
)

// describeChar renders the character at byte offset i of s for a message:
// a printable ASCII character is quoted, anything else is shown as its code
// point (the whole UTF-8 sequence when it is valid).
func describeChar(s string, i int) string {
	c := s[i]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	if c < 0x80 {
		return fmt.Sprintf("U+%04X", c)
	}
	for _, r := range s[i:] {
		return fmt.Sprintf("%q (U+%04X)", r, r)
	}
	return fmt.Sprintf("0x%02X", c)
}

// lengthError reports that s does not have the wanted length.
func lengthError(code, field, zhName, enName string, want int, s string) error {
	return apperr.Invalidf(code, field,
		fmt.Sprintf("%s应为%d位，实际为%d个字节", zhName, want, len(s)),
		fmt.Sprintf("%s must be %d characters long, got %d bytes", enName, want, len(s)))
}

// isDigits reports whether s consists of ASCII digits only.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
