package catalog

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/calendar"
	"pubdata/internal/ident"
)

// The constraints an item declares on its values (值域, 最小值, 最大值, 格式)
// are written as text, in these forms:
//
//   - Values, the allowed values: for C items any text without a separator
//     (see SplitValues); for N a decimal number; for I a whole number.
//     Only C, N and I items have them.
//   - Min and Max: for N, Y and F a decimal number (0, -12.5), for I a whole
//     number, for D a date YYYY-MM-DD, for T a date-time YYYY-MM-DD HH:MM:SS
//     (or with "T" between date and time), and for C and M the least and
//     most characters, a whole number from 0. L, B and G items have none.
//   - Format: one of Formats, on C items only.
//
// Numbers are plain decimals, without exponent or thousands separators, so
// that the collection layer and the catalog read them alike.

// valueSeparators separate values written in one workbook cell or form
// input; a value cannot contain them.
const valueSeparators = "、,，;；\n"

// Limits on an item's value constraints.
const (
	maxValues     = 1000 // values of one item
	maxValueChars = 500  // characters of one value
	maxBoundChars = 50   // characters of Min or Max
	maxLength     = 100000
)

// SplitValues splits a list of values written in one workbook cell or form
// input at 、, commas, semicolons (either width) and line breaks, and drops
// blanks and repeats. It is how the workbook and the console read 值域.
func SplitValues(s string) []string {
	return compact(strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(valueSeparators, r) }))
}

// JoinValues writes values as one cell or input, joined by 、; SplitValues
// reads them back.
func JoinValues(vs []string) string { return strings.Join(vs, "、") }

// Validate checks that v is an identifier of the format. It returns the
// *apperr.Error of the identifier's validator (package ident), or an
// Invalid error for a format that is not one of Formats.
func (f Format) Validate(v string) error {
	switch f {
	case FormatResidentID:
		return ident.ValidateResidentID(v)
	case FormatCreditCode:
		return ident.ValidateCreditCode(v)
	case FormatMobile:
		return ident.ValidateMobile(v)
	case FormatDivision:
		return ident.ValidateDivisionCode(v)
	}
	return apperr.Invalidf("catalog.enum", "format", "格式取值无效", "the format is not valid")
}

// rangeKind is what an item type's Min and Max are.
type rangeKind int

const (
	rangeNone     rangeKind = iota // L, B, G and unknown types: no range
	rangeNumber                    // N, Y, F
	rangeInteger                   // I
	rangeDate                      // D
	rangeDateTime                  // T
	rangeLength                    // C, M: a length in characters
)

func rangeOf(t ItemType) rangeKind {
	switch t {
	case TypeNumber, TypeCurrency, TypeFloat:
		return rangeNumber
	case TypeInteger:
		return rangeInteger
	case TypeDate:
		return rangeDate
	case TypeDateTime:
		return rangeDateTime
	case TypeChar, TypeMemo:
		return rangeLength
	}
	return rangeNone
}

// bound is a parsed Min or Max, or a value to compare with them.
type bound struct {
	num *big.Rat // numbers
	at  string   // dates and date-times, normalised to sort as text
	n   int      // lengths
}

func (b bound) cmp(k rangeKind, o bound) int {
	switch k {
	case rangeNumber, rangeInteger:
		return b.num.Cmp(o.num)
	case rangeDate, rangeDateTime:
		return strings.Compare(b.at, o.at)
	}
	return b.n - o.n
}

var (
	reDecimal = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)
	reInteger = regexp.MustCompile(`^[+-]?[0-9]+$`)
)

// parseNumber reads a plain decimal number (integer true: a whole number).
func parseNumber(s string, integer bool) (*big.Rat, bool) {
	if len(s) > maxBoundChars || !(integer && reInteger.MatchString(s) || !integer && reDecimal.MatchString(s)) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(strings.TrimPrefix(s, "+"))
	return r, ok
}

// parseDateTime reads YYYY-MM-DD HH:MM:SS or YYYY-MM-DDTHH:MM:SS, both
// parts zero-padded, and returns it in the first form.
func parseDateTime(s string) (string, bool) {
	if len(s) != 19 || s[10] != ' ' && s[10] != 'T' {
		return "", false
	}
	t, err := time.Parse("2006-01-02T15:04:05", s[:10]+"T"+s[11:])
	if err != nil || t.Format("2006-01-02T15:04:05") != s[:10]+"T"+s[11:] {
		return "", false
	}
	return t.Format(time.DateTime), true
}

// parseBound reads a Min or Max of the kind.
func parseBound(k rangeKind, s string) (bound, bool) {
	switch k {
	case rangeNumber, rangeInteger:
		r, ok := parseNumber(s, k == rangeInteger)
		return bound{num: r}, ok
	case rangeDate:
		_, err := calendar.ParseDate(s)
		return bound{at: s}, err == nil
	case rangeDateTime:
		at, ok := parseDateTime(s)
		return bound{at: at}, ok
	case rangeLength:
		if len(s) > 6 || !reInteger.MatchString(s) || s[0] == '+' || s[0] == '-' {
			return bound{}, false
		}
		n, err := strconv.Atoi(s)
		return bound{n: n}, err == nil && n <= maxLength
	}
	return bound{}, false
}

// boundText says, for a message, what a Min or Max of the kind is.
func boundText(k rangeKind) (zh, en string) {
	switch k {
	case rangeNumber:
		return "数字（如0、-12.5）", "a number such as 0 or -12.5"
	case rangeInteger:
		return "整数", "a whole number"
	case rangeDate:
		return "日期（YYYY-MM-DD）", "a date YYYY-MM-DD"
	case rangeDateTime:
		return "日期时间（YYYY-MM-DD HH:MM:SS）", "a date-time YYYY-MM-DD HH:MM:SS"
	}
	return "字符数（0到100000的整数）", "a number of characters, a whole number from 0 to 100000"
}

// digits counts the digits of a decimal number.
func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// validateValues checks an item's Values, Min, Max and Format (field is
// "items[3]"): each well-formed for the item's type and consistent with
// its length, its key kind and one another. An item whose type is not
// known is checked only for what needs no type.
func validateValues(ps *problems, field string, it Item) {
	known := slices.Contains(itemTypes, it.Type)
	typeZH := Label(string(it.Type), "", "zh")
	typeEN := Label(string(it.Type), "", "en")

	// 格式
	if it.Format != "" {
		switch {
		case !slices.Contains(formats, it.Format):
			ps.add("catalog.enum", field+".format", "格式取值无效（可选："+strings.Join(strs(formats), "、")+"）",
				"the format is not valid (one of: "+strings.Join(strs(formats), ", ")+")")
		case known && it.Type != TypeChar:
			ps.add("catalog.item_format_type", field+".format",
				fmt.Sprintf("格式“%s”只适用于字符型信息项，本项为%s", Label(string(it.Format), "", "zh"), typeZH),
				fmt.Sprintf("the format %q applies to character items only, not to a %s item", Label(string(it.Format), "", "en"), typeEN))
		case it.Length > 0 && it.Length < it.Format.width():
			ps.add("catalog.item_format_length", field+".format",
				fmt.Sprintf("%s为%d位，长度%d不足", Label(string(it.Format), "", "zh"), it.Format.width(), it.Length),
				fmt.Sprintf("a %s has %d characters; the length %d is too short", Label(string(it.Format), "", "en"), it.Format.width(), it.Length))
		case it.Key && (it.KeyKind == KeyResidentID || it.KeyKind == KeyCreditCode) && string(it.Format) != string(it.KeyKind):
			ps.add("catalog.item_format_key", field+".format",
				fmt.Sprintf("主键类别为%[1]s，格式须为%[1]s或留空，不能为%[2]s", Label(string(it.KeyKind), "", "zh"), Label(string(it.Format), "", "zh")),
				fmt.Sprintf("the key is a %[1]s: the format must be %[1]s or empty, not %[2]s", Label(string(it.KeyKind), "", "en"), Label(string(it.Format), "", "en")))
		}
	}

	// 最小值、最大值
	k := rangeOf(it.Type)
	var lo, hi *bound
	for _, b := range []struct {
		name, v, zh, en string
		into            **bound
	}{{"min", it.Min, "最小值", "the minimum", &lo}, {"max", it.Max, "最大值", "the maximum", &hi}} {
		if b.v == "" || !known {
			continue
		}
		f := field + "." + b.name
		if k == rangeNone {
			ps.add("catalog.item_range_type", f, fmt.Sprintf("%s信息项没有%s", typeZH, b.zh), fmt.Sprintf("a %s item has no %s", typeEN, strings.TrimPrefix(b.en, "the ")))
			continue
		}
		p, ok := parseBound(k, b.v)
		if !ok {
			zh, en := boundText(k)
			ps.add("catalog.item_bound", f, fmt.Sprintf("%s信息项的%s须为%s", typeZH, b.zh, zh), fmt.Sprintf("%s of a %s item must be %s", b.en, typeEN, en))
			continue
		}
		if k == rangeLength && it.Length > 0 && p.n > it.Length {
			ps.add("catalog.item_range_length", f, fmt.Sprintf("%s%d超过长度%d", b.zh, p.n, it.Length), fmt.Sprintf("%s %d exceeds the length %d", b.en, p.n, it.Length))
			continue
		}
		*b.into = &p
	}
	if lo != nil && hi != nil && lo.cmp(k, *hi) > 0 {
		ps.add("catalog.item_range", field+".max", fmt.Sprintf("最大值%s小于最小值%s", it.Max, it.Min), fmt.Sprintf("the maximum %s is less than the minimum %s", it.Max, it.Min))
	}

	// 值域
	if len(it.Values) == 0 || !known {
		return
	}
	if it.Type != TypeChar && it.Type != TypeNumber && it.Type != TypeInteger {
		ps.add("catalog.item_values_type", field+".values", fmt.Sprintf("值域只适用于字符型、数值型、整数型信息项，本项为%s", typeZH),
			fmt.Sprintf("allowed values apply to character, numeric and integer items only, not to a %s item", typeEN))
		return
	}
	if len(it.Values) > maxValues {
		ps.add("catalog.too_many", field+".values", fmt.Sprintf("值域不超过%d个值", maxValues), fmt.Sprintf("at most %d allowed values", maxValues))
		return
	}
	vf := it.ValueFormat()
	if it.Type != TypeChar || !slices.Contains(formats, vf) {
		vf = ""
	}
	for j, v := range it.Values {
		f := fmt.Sprintf("%s.values[%d]", field, j)
		bad := func(zh, en string) {
			ps.add("catalog.item_value", f, fmt.Sprintf("值域中的“%s”%s", v, zh), fmt.Sprintf("the allowed value %q %s", v, en))
		}
		if i := strings.IndexFunc(v, func(r rune) bool { return strings.ContainsRune(valueSeparators, r) || unicode.IsControl(r) }); i >= 0 {
			bad("含分隔符或控制字符（值之间用“、”分隔）", "contains a separator or control character (values are separated by 、)")
			continue
		}
		if n := utf8.RuneCountInString(v); n > maxValueChars {
			ps.add("catalog.too_long", f, fmt.Sprintf("值域中的每个值不超过%d个字", maxValueChars), fmt.Sprintf("an allowed value is at most %d characters", maxValueChars))
			continue
		}
		var at bound
		switch it.Type {
		case TypeChar:
			n := utf8.RuneCountInString(v)
			if it.Length > 0 && n > it.Length {
				bad(fmt.Sprintf("有%d个字，超过长度%d", n, it.Length), fmt.Sprintf("has %d characters, more than the length %d", n, it.Length))
				continue
			}
			if vf != "" {
				if err := vf.Validate(v); err != nil {
					zh, en := err.Error(), err.Error()
					if e, ok := apperr.As(err); ok {
						zh, en = e.ZH, e.EN
					}
					ps.add("catalog.item_value", f, fmt.Sprintf("值域中的“%s”：%s", v, zh), fmt.Sprintf("the allowed value %q: %s", v, en))
					continue
				}
			}
			at = bound{n: n}
		default:
			r, ok := parseNumber(v, it.Type == TypeInteger)
			if !ok {
				zh, en := boundText(rangeOf(it.Type))
				bad("不是"+zh, "is not "+en)
				continue
			}
			if it.Length > 0 && digits(v) > it.Length {
				bad(fmt.Sprintf("超过%d位", it.Length), fmt.Sprintf("has more than %d digits", it.Length))
				continue
			}
			at = bound{num: r}
		}
		if lo != nil && at.cmp(k, *lo) < 0 || hi != nil && at.cmp(k, *hi) > 0 {
			zh, en := "在最小值与最大值之外", "is outside the minimum and maximum"
			if k == rangeLength {
				zh, en = "的字数在最小值与最大值之外", "has a number of characters outside the minimum and maximum"
			}
			ps.add("catalog.item_value_range", f, fmt.Sprintf("值域中的“%s”%s", v, zh), fmt.Sprintf("the allowed value %q %s", v, en))
		}
	}
}
