package ident

import (
	"fmt"

	"pubdata/internal/apperr"
)

// creditCharset is the GB 32100 character set, in value order (0–30):
// digits and the upper-case letters without I, O, S, V and Z.
const creditCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights are the GB 32100 weights of positions 1–17 (3^(i) mod 31).
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// creditValue maps a byte to its value in creditCharset, or -1.
var creditValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(creditCharset); i++ {
		t[creditCharset[i]] = int8(i)
	}
	return t
}()

// creditCategories lists, per registration-management department code
// (position 1), the organisation category codes (position 2) that
// GB 32100-2015 Annex A (as amended for N 农业) defines:
//
//	1 机构编制: 1 机关, 2 事业单位, 3 中央编办直接管理机构编制的群众团体, 9 其他
//	2 外交:     1 外国常驻新闻机构, 9 其他
//	3 司法行政: 1 律师执业机构, 2 公证处, 3 基层法律服务所, 4 司法鉴定机构, 5 仲裁委员会, 9 其他
//	4 文化:     1 外国在华文化中心, 9 其他
//	5 民政:     1 社会团体, 2 民办非企业单位, 3 基金会, 9 其他
//	6 旅游:     1 外国旅游部门常驻代表机构, 2 港澳台地区旅游部门常驻内地（大陆）代表机构, 9 其他
//	7 宗教:     1 宗教活动场所, 2 宗教院校, 9 其他
//	8 工会:     1 基层工会, 9 其他
//	9 工商:     1 企业, 2 个体工商户, 3 农民专业合作社
//	A 中央军委改革和编制办公室: 1 军队事业单位, 9 其他
//	N 农业:     1 组级集体经济组织, 2 村级集体经济组织, 3 乡镇级集体经济组织, 9 其他
//	Y 其他:     1 (not further divided)
var creditCategories = map[byte]string{
	'1': "1239",
	'2': "19",
	'3': "123459",
	'4': "19",
	'5': "1239",
	'6': "129",
	'7': "129",
	'8': "19",
	'9': "123",
	'A': "19",
	'N': "1239",
	'Y': "1",
}

// creditPair is creditCategories as a lookup table indexed by the
// department byte and the category digit; creditDept marks known departments.
var creditPair, creditDept = func() (pair [256][10]bool, dept [256]bool) {
	for d, cats := range creditCategories {
		dept[d] = true
		for i := 0; i < len(cats); i++ {
			pair[d][cats[i]-'0'] = true
		}
	}
	return
}()

// creditSum returns the weighted sum of the first 17 characters, which must
// already be known to be in the charset.
func creditSum(s string) int {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(creditValue[s[i]]) * creditWeights[i]
	}
	return sum
}

// creditCheckChar returns the check character for a weighted sum.
func creditCheckChar(sum int) byte {
	return creditCharset[(31-sum%31)%31]
}

// CreditCodeCheck returns the GB 32100 check character (position 18) of a
// unified social credit code given its first 17 characters. It checks only
// the length and character set of first17 (upper case only), not the
// department, category or region.
func CreditCodeCheck(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, lengthError("credit_code.length", FieldCreditCode, "统一社会信用代码本体（前17位）", "the first 17 characters of a unified social credit code", 17, first17)
	}
	for i := 0; i < 17; i++ {
		if creditValue[first17[i]] < 0 {
			return 0, creditCharsetError(first17, i)
		}
	}
	return creditCheckChar(creditSum(first17)), nil
}

// ValidateCreditCode validates a unified social credit code
// (统一社会信用代码, GB 32100-2015): 18 characters from
// 0-9 and A-Z without I, O, S, V, Z; a known department (position 1) and an
// organisation category (position 2) the standard defines for it; six
// digits for the administrative division (positions 3–8, not looked up:
// see RegionKnown); and the check character (position 18). Lower-case
// letters are refused. Error codes: credit_code.length, credit_code.charset,
// credit_code.department, credit_code.category, credit_code.check.
func ValidateCreditCode(s string) error {
	if len(s) != 18 {
		return lengthError("credit_code.length", FieldCreditCode, "统一社会信用代码", "a unified social credit code", 18, s)
	}
	for i := 0; i < 18; i++ {
		c := s[i]
		if creditValue[c] < 0 || (i >= 2 && i < 8 && (c < '0' || c > '9')) {
			return creditCharsetError(s, i)
		}
	}
	if !creditDept[s[0]] {
		return apperr.Invalidf("credit_code.department", FieldCreditCode,
			fmt.Sprintf("统一社会信用代码第1位登记管理部门代码%q不存在（应为1–9、A、N或Y）", s[0]),
			fmt.Sprintf("unified social credit code: position 1 %q is not a registration-management department code (1–9, A, N or Y)", s[0]))
	}
	if c := s[1]; c < '0' || c > '9' || !creditPair[s[0]][c-'0'] {
		cats := creditCategories[s[0]]
		return apperr.Invalidf("credit_code.category", FieldCreditCode,
			fmt.Sprintf("统一社会信用代码第2位机构类别代码%q不适用于登记管理部门%q（允许：%s）", c, s[0], cats),
			fmt.Sprintf("unified social credit code: position 2 %q is not an organisation category of department %q (allowed: %s)", c, s[0], cats))
	}
	if want := creditCheckChar(creditSum(s)); s[17] != want {
		return apperr.Invalidf("credit_code.check", FieldCreditCode,
			fmt.Sprintf("统一社会信用代码校验码错误：第18位应为%q，实际为%q", want, s[17]),
			fmt.Sprintf("unified social credit code check character is wrong: position 18 should be %q, got %q", want, s[17]))
	}
	return nil
}

// creditCharsetError reports the bad character at byte offset i of s.
func creditCharsetError(s string, i int) error {
	c := s[i]
	ch := describeChar(s, i)
	var zh, en string
	switch {
	case i >= 2 && i < 8:
		zh, en = "第3–8位（登记管理机关行政区划码）只能是数字", "positions 3–8 (administrative division) must be digits"
	case c >= 'a' && c <= 'z':
		zh, en = "不接受小写字母，请使用大写", "lower-case letters are not accepted, use upper case"
	case c == 'I' || c == 'O' || c == 'S' || c == 'V' || c == 'Z':
		zh, en = "不使用字母I、O、S、V、Z", "the letters I, O, S, V and Z are not used"
	default:
		zh, en = "只能使用数字0–9和除I、O、S、V、Z外的大写字母", "only digits 0–9 and upper-case letters other than I, O, S, V, Z are allowed"
	}
	return apperr.Invalidf("credit_code.charset", FieldCreditCode,
		fmt.Sprintf("统一社会信用代码第%d位字符%s无效：%s", i+1, ch, zh),
		fmt.Sprintf("unified social credit code: invalid character %s at position %d: %s", ch, i+1, en))
}
