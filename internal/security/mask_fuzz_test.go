package security

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMask runs every masking function on arbitrary strings: none panics,
// every output but clear's is valid UTF-8, keep and regex keep the rune
// count, only nullify gives null, and the generalisations stay within
// their shapes.
func FuzzMask(f *testing.F) {
	for _, s := range []string{
		"", "张", "440102198507230012", "13812345678", "1985-07-23T10:00:00Z", "19850723",
		"广东省惠州市惠城区江北街道文明一路8号", "市市市市市市市市市市市市市市", "a\xffb\xc3", "\xe5\x9b",
	} {
		f.Add(s, uint8(3), uint8(4))
	}
	maskers := map[MaskFunc]*Masker{}
	for _, m := range []Mask{
		{Func: MaskClear}, {Func: MaskPseudonym}, {Func: MaskDate}, {Func: MaskAddress},
		{Func: MaskNull}, {Func: MaskRegex, Pattern: `\d+|[张王李]\p{Han}?`},
	} {
		maskers[m.Func] = mustMasker(f, m, grantKey)
	}
	month := mustMasker(f, Mask{Func: MaskDate, Level: "month"}, nil)
	dateShape := regexp.MustCompile(`^(\d{4}(-\d{2})?)?$`)
	hexShape := regexp.MustCompile(`^[0-9a-f]{32}$`)

	f.Fuzz(func(t *testing.T, s string, n, m uint8) {
		runes := utf8.RuneCountInString(s)
		check := func(name, out string, null bool) {
			t.Helper()
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q: not UTF-8", name, s, out)
			}
			if null {
				t.Fatalf("%s(%q): null", name, s)
			}
			if s == "" && out != "" {
				t.Fatalf("%s(\"\") = %q, want empty", name, out)
			}
		}

		if out, null := maskers[MaskClear].Apply(s); out != s || null {
			t.Fatalf("clear(%q) = %q, %v", s, out, null)
		}
		if out, null := maskers[MaskNull].Apply(s); out != "" || !null {
			t.Fatalf("nullify(%q) = %q, %v", s, out, null)
		}

		km := Mask{Func: MaskKeep, N: int(n % 65), M: int(m % 65)}
		out, null := mustMasker(t, km, nil).Apply(s)
		check(km.String(), out, null)
		if got := utf8.RuneCountInString(out); got != runes {
			t.Fatalf("%v(%q) = %q: %d runes, want %d", km, s, out, got, runes)
		}
		if runes > 0 && strings.Count(out, "*") < max(1, (runes+2)/3) {
			t.Fatalf("%v(%q) = %q hides too little", km, s, out)
		}

		out, null = maskers[MaskPseudonym].Apply(s)
		check("pseudonym", out, null)
		if s != "" && !hexShape.MatchString(out) {
			t.Fatalf("pseudonym(%q) = %q", s, out)
		}

		for name, k := range map[string]*Masker{"year": maskers[MaskDate], "month": month} {
			out, null = k.Apply(s)
			check("generalize_date("+name+")", out, null)
			if !dateShape.MatchString(out) {
				t.Fatalf("generalize_date(%s)(%q) = %q", name, s, out)
			}
		}

		out, null = maskers[MaskAddress].Apply(s)
		check("generalize_address", out, null)
		if !strings.HasPrefix(validRunes(strings.TrimSpace(s)), out) {
			t.Fatalf("generalize_address(%q) = %q: not a prefix", s, out)
		}
		if utf8.RuneCountInString(out) > maxAddressRunes {
			t.Fatalf("generalize_address(%q) = %q: over %d runes", s, out, maxAddressRunes)
		}

		out, null = maskers[MaskRegex].Apply(s)
		check("regex", out, null)
		if got := utf8.RuneCountInString(out); got != runes {
			t.Fatalf("regex(%q) = %q: %d runes, want %d", s, out, got, runes)
		}
	})
}
