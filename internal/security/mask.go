package security

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"

	"pubdata/internal/apperr"
)

// MaskFunc names a masking function of the sharing gateway (GD-290 §24
// least privilege, §46).
type MaskFunc string

// The masking functions.
const (
	MaskClear     MaskFunc = "clear"              // granted in clear, not masked
	MaskKeep      MaskFunc = "keep"               // keep the first N and last M runes, each other rune becomes '*'
	MaskPseudonym MaskFunc = "pseudonym"          // keyed pseudonym: HMAC-SM3(per-grant key, value), hex, first 32 hex chars; deterministic per key
	MaskDate      MaskFunc = "generalize_date"    // a date or date-time generalised to its year ("1985") or, with Level "month", year-month ("1985-07")
	MaskAddress   MaskFunc = "generalize_address" // an address cut after its county-level part (…区/县/市/旗 after the city), e.g. "广东省惠州市惠城区江北街道文明一路8号" → "广东省惠州市惠城区"
	MaskNull      MaskFunc = "nullify"            // null
	MaskRegex     MaskFunc = "regex"              // custom rule: every rune of each match of Pattern (RE2) becomes '*'
)

// Limits of a Mask's parameters.
const (
	maxKeep           = 64  // keep: the most runes N or M may name
	maxPatternRunes   = 200 // regex: the longest pattern
	minPseudonymKey   = 16  // pseudonym: the shortest per-grant key in bytes
	pseudonymHexChars = 32  // pseudonym: hex characters of the output (128 bits)
	pseudonymKeySize  = 32  // PseudonymKey: bytes of a new key
	maxAddressRunes   = 12  // generalize_address: the longest output
	maxDateBytes      = 40  // generalize_date: longer values are no date of dateLayouts
	maxCountyRunes    = 8   // generalize_address: the longest county-level part, marker included
	addressFallback   = 3   // generalize_address: runes kept of an address without a city
)

// Date levels of generalize_date.
const (
	levelYear  = "year"
	levelMonth = "month"
)

// Mask is how one item is masked for one grant.
type Mask struct {
	Func    MaskFunc `json:"func"`
	N       int      `json:"n,omitempty"`       // keep: runes kept at the start
	M       int      `json:"m,omitempty"`       // keep: runes kept at the end
	Level   string   `json:"level,omitempty"`   // generalize_date: "year" (default) or "month"
	Pattern string   `json:"pattern,omitempty"` // regex
}

// Clear reports whether the item is granted in clear: Func is MaskClear or "".
func (m Mask) Clear() bool { return m.Func == MaskClear || m.Func == "" }

// Validate checks the mask. It returns an apperr Invalid error naming the
// field ("func", "n", "m", "level" or "pattern") with code
// "share.mask.func" for an unknown function, "share.mask.keep" for N or M
// negative or above 64, "share.mask.level" for a date level other than
// "year" or "month", and "share.mask.pattern" for a regex pattern that is
// missing, longer than 200 characters or not valid RE2. Parameters that do
// not belong to the function are ignored.
func (m Mask) Validate() error {
	_, err := m.compile()
	return err
}

// compile validates m and returns its compiled pattern (nil unless regex).
func (m Mask) compile() (*regexp.Regexp, error) {
	switch m.Func {
	case "", MaskClear, MaskPseudonym, MaskAddress, MaskNull:
		return nil, nil
	case MaskKeep:
		for _, p := range []struct {
			field string
			v     int
		}{{"n", m.N}, {"m", m.M}} {
			if p.v < 0 || p.v > maxKeep {
				return nil, apperr.Invalidf("share.mask.keep", p.field,
					fmt.Sprintf("保留位数 %s 须在 0 到 %d 之间，现为 %d", p.field, maxKeep, p.v),
					fmt.Sprintf("keep: %s must be between 0 and %d, not %d", p.field, maxKeep, p.v))
			}
		}
		return nil, nil
	case MaskDate:
		if m.Level != "" && m.Level != levelYear && m.Level != levelMonth {
			return nil, apperr.Invalidf("share.mask.level", "level",
				fmt.Sprintf("日期泛化级别须为 year（年）或 month（月），不能是 %q", m.Level),
				fmt.Sprintf("generalize_date: level must be year or month, not %q", m.Level))
		}
		return nil, nil
	case MaskRegex:
		if m.Pattern == "" {
			return nil, apperr.Invalidf("share.mask.pattern", "pattern",
				"自定义规则须填写正则表达式", "regex: a pattern is required")
		}
		if n := utf8.RuneCountInString(m.Pattern); n > maxPatternRunes {
			return nil, apperr.Invalidf("share.mask.pattern", "pattern",
				fmt.Sprintf("正则表达式不能超过 %d 个字符，现有 %d 个", maxPatternRunes, n),
				fmt.Sprintf("regex: the pattern must not exceed %d characters, it has %d", maxPatternRunes, n))
		}
		re, err := regexp.Compile(m.Pattern)
		if err != nil {
			return nil, apperr.Invalidf("share.mask.pattern", "pattern",
				"正则表达式无效（RE2 语法）："+err.Error(), "regex: invalid pattern (RE2 syntax): "+err.Error())
		}
		return re, nil
	}
	return nil, apperr.Invalidf("share.mask.func", "func",
		fmt.Sprintf("未知的脱敏函数 %q", m.Func), fmt.Sprintf("unknown masking function %q", m.Func))
}

// level returns the date level, "year" when unset.
func (m Mask) level() string {
	if m.Level == "" {
		return levelYear
	}
	return m.Level
}

// String returns a short form of the mask, e.g. "keep(3,4)", "pseudonym",
// "generalize_date(year)", "regex(\d{4})"; "clear" for the empty Func.
func (m Mask) String() string {
	switch m.Func {
	case "", MaskClear:
		return string(MaskClear)
	case MaskKeep:
		return "keep(" + strconv.Itoa(m.N) + "," + strconv.Itoa(m.M) + ")"
	case MaskDate:
		return string(MaskDate) + "(" + m.level() + ")"
	case MaskRegex:
		return string(MaskRegex) + "(" + m.Pattern + ")"
	}
	return string(m.Func)
}

// Label returns the name of the mask for people, in Simplified Chinese
// (the default) or, for lang "en", in English.
func (m Mask) Label(lang string) string {
	en := lang == "en"
	pick := func(zh, e string) string {
		if en {
			return e
		}
		return zh
	}
	switch m.Func {
	case "", MaskClear:
		return pick("明文", "in clear")
	case MaskKeep:
		switch {
		case m.N > 0 && m.M > 0:
			return pick(fmt.Sprintf("保留前%d位后%d位", m.N, m.M), fmt.Sprintf("keep first %d and last %d", m.N, m.M))
		case m.N > 0:
			return pick(fmt.Sprintf("保留前%d位", m.N), fmt.Sprintf("keep first %d", m.N))
		case m.M > 0:
			return pick(fmt.Sprintf("保留后%d位", m.M), fmt.Sprintf("keep last %d", m.M))
		}
		return pick("全部遮盖", "mask all")
	case MaskPseudonym:
		return pick("假名化（HMAC-SM3）", "pseudonym (HMAC-SM3)")
	case MaskDate:
		if m.level() == levelMonth {
			return pick("日期泛化到月", "date generalised to month")
		}
		return pick("日期泛化到年", "date generalised to year")
	case MaskAddress:
		return pick("地址泛化到区县", "address generalised to county")
	case MaskNull:
		return pick("置空", "nullified")
	case MaskRegex:
		return pick("自定义规则", "custom rule")
	}
	return string(m.Func)
}

// Masker applies one Mask with a grant's key. It is safe for concurrent use.
type Masker struct {
	mask Mask
	re   *regexp.Regexp // regex
	macs *sync.Pool     // pseudonym: keyed HMAC-SM3 states, reset before use
}

// NewMasker validates m (see Mask.Validate) and returns its Masker. A
// pseudonym needs the grant's key of at least 16 bytes (see PseudonymKey);
// a shorter one gives an apperr Internal error with code "share.mask.key",
// since the key is the platform's, not the caller's. The key is copied;
// other functions ignore it.
func NewMasker(m Mask, key []byte) (*Masker, error) {
	re, err := m.compile()
	if err != nil {
		return nil, err
	}
	k := &Masker{mask: m, re: re}
	if m.Func == MaskPseudonym {
		if len(key) < minPseudonymKey {
			return nil, apperr.New(apperr.Internal, "share.mask.key",
				fmt.Sprintf("假名化密钥至少需 %d 字节", minPseudonymKey),
				fmt.Sprintf("pseudonym: the grant key must hold at least %d bytes", minPseudonymKey)).WithField("key")
		}
		key = append([]byte(nil), key...)
		k.macs = &sync.Pool{New: func() any { return hmac.New(sm3.New, key) }}
	}
	return k, nil
}

// Apply masks one value. null is true only for nullify, which gives ("",
// true) for every value. The empty value stays empty (and not null) under
// every other function. Except for clear, which returns v unchanged, and
// pseudonym, which hashes v's bytes as they are, the output is valid UTF-8:
// each byte of v that is not UTF-8 counts as one rune U+FFFD.
func (k *Masker) Apply(v string) (out string, null bool) {
	switch k.mask.Func {
	case MaskNull:
		return "", true
	case "", MaskClear:
		return v, false
	}
	if v == "" {
		return "", false
	}
	switch k.mask.Func {
	case MaskKeep:
		return keepRunes(v, k.mask.N, k.mask.M), false
	case MaskPseudonym:
		return k.pseudonym(v), false
	case MaskDate:
		return generalizeDate(v, k.mask.level() == levelMonth), false
	case MaskAddress:
		return generalizeAddress(v), false
	case MaskRegex:
		return maskMatches(k.re, v), false
	}
	// Unreachable: NewMasker validated the function. Hide all the same.
	return "", true
}

// keepRunes keeps the first n and last m runes of v and writes '*' for each
// other rune. At least max(1, ceil(len/3)) runes are hidden: m is reduced
// first, then n. Invalid bytes count as one rune each and are kept as U+FFFD.
func keepRunes(v string, n, m int) string {
	l := utf8.RuneCountInString(v)
	n, m = clampKeep(l, n, m)
	var b strings.Builder
	b.Grow(len(v) + 2*l) // room for U+FFFD in place of bad bytes
	i := 0
	for _, r := range v {
		if i < n || i >= l-m {
			b.WriteRune(r)
		} else {
			b.WriteByte('*')
		}
		i++
	}
	return b.String()
}

// clampKeep returns the n and m that keep(n,m) may keep of l runes so that
// at least max(1, ceil(l/3)) are hidden, reducing m first, then n.
func clampKeep(l, n, m int) (int, int) {
	shown := l - max(1, (l+2)/3)
	if n > shown {
		return max(shown, 0), 0
	}
	return n, min(m, shown-n)
}

// pseudonym returns the first 32 hex characters of HMAC-SM3(key, v).
func (k *Masker) pseudonym(v string) string {
	mac := k.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write([]byte(v))
	var sum [sm3.Size]byte
	mac.Sum(sum[:0])
	k.macs.Put(mac)
	var dst [2 * sm3.Size]byte
	hex.Encode(dst[:], sum[:])
	return string(dst[:pseudonymHexChars])
}

// dateLayouts are the spellings of a date or date-time generalize_date reads.
var dateLayouts = []string{
	"2006-01-02",
	"20060102",
	"2006/01/02",
	time.RFC3339Nano, // also without the fraction
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
}

// generalizeDate returns the year ("1985") or year-month ("1985-07") of a
// date as written (no conversion between zones), or "" when v is not a
// date in one of dateLayouts: an unparsable value is never echoed.
func generalizeDate(v string, month bool) string {
	v = strings.TrimSpace(v)
	if len(v) > maxDateBytes {
		return "" // and spare time.Parse quoting a long value in its errors
	}
	for _, layout := range dateLayouts {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		y, mo, _ := t.Date()
		b := make([]byte, 0, 7)
		b = append(b, '0'+byte(y/1000%10), '0'+byte(y/100%10), '0'+byte(y/10%10), '0'+byte(y%10))
		if month {
			b = append(b, '-', '0'+byte(mo/10), '0'+byte(mo%10))
		}
		return string(b)
	}
	return ""
}

// isCountyMarker reports whether r ends a county-level division name.
func isCountyMarker(r rune) bool { return r == '区' || r == '县' || r == '市' || r == '旗' }

// generalizeAddress cuts an address after its county-level part: up to and
// including the first 区/县/市/旗 that ends a name of two to eight runes
// right after the first 市 (the city); else up to the first 市; else the
// first 3 runes. A cut longer than 12 runes falls back to the next rule,
// so the output never holds more than 12 runes and never a rune after the
// cut. Leading and trailing space is dropped. Only the first 12 runes can
// decide the cut, so only they are read.
func generalizeAddress(v string) string {
	rs := make([]rune, 0, maxAddressRunes)
	for _, r := range strings.TrimSpace(v) { // invalid bytes become U+FFFD
		if len(rs) == maxAddressRunes {
			break
		}
		rs = append(rs, r)
	}
	city := -1
	for i, r := range rs {
		if r == '市' {
			city = i
			break
		}
	}
	if city >= 0 {
		for j := city + 2; j < len(rs) && j-city <= maxCountyRunes; j++ {
			if isCountyMarker(rs[j]) {
				if j+1 <= maxAddressRunes {
					return string(rs[:j+1])
				}
				break
			}
		}
		if city+1 <= maxAddressRunes {
			return string(rs[:city+1])
		}
	}
	return string(rs[:min(len(rs), addressFallback)])
}

// maskMatches writes '*' for every rune of each match of re in v and keeps
// the rest. Invalid bytes count as one rune each and become U+FFFD.
func maskMatches(re *regexp.Regexp, v string) string {
	v = validRunes(v)
	var b strings.Builder
	b.Grow(len(v))
	last := 0
	for _, mt := range re.FindAllStringIndex(v, -1) {
		b.WriteString(v[last:mt[0]])
		b.WriteString(strings.Repeat("*", utf8.RuneCountInString(v[mt[0]:mt[1]])))
		last = mt[1]
	}
	b.WriteString(v[last:])
	return b.String()
}

// validRunes returns v with each byte that is not UTF-8 replaced by U+FFFD,
// so that the rune count is unchanged.
func validRunes(v string) string {
	if utf8.ValidString(v) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 8)
	for _, r := range v {
		b.WriteRune(r)
	}
	return b.String()
}

// SuggestMask returns the default mask of an item from its identifier
// format ("resident_id", "credit_code", "mobile", "division" or ""), its
// name and its type letter (catalog item types: C, N, D, T, …). The first
// rule that applies wins:
//
//   - resident_id or mobile → keep(3,4);
//   - credit_code → clear (an enterprise code is public);
//   - division → nullify (no rule names it: least privilege);
//   - type D or T → generalize_date(year);
//   - name with 银行卡/卡号/账号 → keep(6,4);
//   - name with 姓名 → keep(1,0);
//   - name with 地址/住址/住所 → generalize_address;
//   - name with 出生日期/生日 → generalize_date(year);
//   - otherwise → nullify.
func SuggestMask(format, name, itemType string) Mask {
	switch format {
	case "resident_id", "mobile":
		return Mask{Func: MaskKeep, N: 3, M: 4}
	case "credit_code":
		return Mask{Func: MaskClear}
	case "division":
		return Mask{Func: MaskNull}
	}
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(name, s) {
				return true
			}
		}
		return false
	}
	switch t := strings.ToUpper(strings.TrimSpace(itemType)); {
	case t == "D" || t == "T":
		return Mask{Func: MaskDate, Level: levelYear}
	case has("银行卡", "卡号", "账号"):
		return Mask{Func: MaskKeep, N: 6, M: 4}
	case has("姓名"):
		return Mask{Func: MaskKeep, N: 1}
	case has("地址", "住址", "住所"):
		return Mask{Func: MaskAddress}
	case has("出生日期", "生日"):
		return Mask{Func: MaskDate, Level: levelYear}
	}
	return Mask{Func: MaskNull}
}

// PseudonymKey returns a new random 32-byte per-grant key for pseudonyms.
// It fails only if the system's random source fails.
func PseudonymKey() ([]byte, error) {
	key := make([]byte, pseudonymKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("security: no randomness for a pseudonym key: %w", err)
	}
	return key, nil
}
