package ident

import "pubdata/internal/apperr"

// ValidateMobile validates a mainland China mobile number: 11 digits, the
// first 1 and the second 3–9. An optional country prefix "+86" or "86"
// directly before the 11 digits is accepted; no other characters (spaces,
// hyphens, parentheses, "0086") are. Error code: mobile.invalid.
func ValidateMobile(s string) error {
	if _, ok := mobileDigits(s); !ok {
		return apperr.Invalidf("mobile.invalid", FieldMobile,
			"手机号码无效：应为11位数字，以1开头，第2位为3–9，可带+86或86前缀",
			"invalid mobile number: must be 11 digits starting with 1 and a second digit 3–9, optionally prefixed by +86 or 86")
	}
	return nil
}

// NormalizeMobile validates s as ValidateMobile does and returns the bare
// 11-digit number without a country prefix.
func NormalizeMobile(s string) (string, error) {
	d, ok := mobileDigits(s)
	if !ok {
		return "", ValidateMobile(s)
	}
	return d, nil
}

// mobileDigits strips an optional +86/86 prefix and reports whether the
// rest is a valid 11-digit mobile number.
func mobileDigits(s string) (string, bool) {
	switch len(s) {
	case 14:
		if s[:3] != "+86" {
			return "", false
		}
		s = s[3:]
	case 13:
		if s[:2] != "86" {
			return "", false
		}
		s = s[2:]
	case 11:
	default:
		return "", false
	}
	if s[0] != '1' || s[1] < '3' || s[1] > '9' || !isDigits(s) {
		return "", false
	}
	return s, true
}
